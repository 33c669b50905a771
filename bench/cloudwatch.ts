// CloudWatch at scale against a real `cumulus start --data-dir` process (durable writes), through SDK v3:
// (1) PutMetricData datapoints per second (1,000 datums a call, several calls in flight), which also fills
// the store with 1,000,000 datapoints over 1,000 metrics; (2) GetMetricData p50/p95 over that store
// (five metrics over 16 hours at 5-minute periods plus an expression; and a SEARCH over all 1,000 metrics);
// (3) the CPU time Cumulus spends evaluating 10,000 alarms in each of six minutes of the clock (from
// /proc/PID/stat): in the first nearly every alarm changes state, in the last none.
//   node dist/bench/cloudwatch.js [--datapoints 1000000] [--metrics 1000] [--alarms 10000] [--concurrency 4] [--cpu-prof DIR]
// Prints human lines on stderr and a JSON line last on stdout. Targets (issue 6): PutMetricData at least
// 20,000 datapoints/s, GetMetricData p50 at most 100 ms over 1,000,000 datapoints, 10,000 alarms evaluated
// in at most 1 s of CPU per clock minute.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient, GetMetricDataCommand, PutMetricAlarmCommand, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import http from 'node:http';
import { freePort, log } from './common.js';

const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    datapoints: { type: 'string', default: '1000000' },
    metrics: { type: 'string', default: '1000' },
    alarms: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '4' },
    queries: { type: 'string', default: '30' },
    'cpu-prof': { type: 'string' },
  },
});
const DATAPOINTS = Number(args.datapoints);
const METRICS = Number(args.metrics);
const ALARMS = Number(args.alarms);
const CONCURRENCY = Number(args.concurrency);
const QUERIES = Number(args.queries);


/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
};

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-bench-cw-'));
  const port = await freePort();
  // a slow clock: no minute passes while the bench sets up (alarms would change state before the measured
  // minutes); the measured minutes are advanced by hand
  const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(port), '--clock-speed', '0.001', '--log-level', 'warn', '--data-dir', dataDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/_cumulus/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (i > 300) throw new Error('cumulus did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const cw = new CloudWatchClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
  try {
    const clock = (await (await fetch(`${url}/_cumulus/clock`)).json()) as { epochMillis: number };
    const now = clock.epochMillis;
    const perMetric = Math.ceil(DATAPOINTS / METRICS);
    const base = Math.floor(now / 60_000) * 60_000 - perMetric * 60_000;
    // calls of 1,000 datums: each call covers 1,000 metrics at one minute
    const calls: MetricDatum[][] = [];
    for (let k = 0; k < perMetric; k++) {
      const ts = new Date(base + k * 60_000);
      for (let off = 0; off < METRICS; off += 1000) {
        const batch: MetricDatum[] = [];
        for (let m = off; m < Math.min(METRICS, off + 1000); m++) {
          batch.push({ MetricName: 'Load', Dimensions: [{ Name: 'Host', Value: `h${m}` }, { Name: 'Fleet', Value: `f${m % 10}` }], Timestamp: ts, Value: (m * 7 + k * 13) % 100, Unit: 'Percent' });
        }
        calls.push(batch);
      }
    }
    const cpu0 = cpuSeconds(child.pid!);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(calls, CONCURRENCY, async (batch) => {
      await cw.send(new PutMetricDataCommand({ Namespace: 'Bench', MetricData: batch }));
    });
    const putSeconds = (performance.now() - t0) / 1000;
    const stored = calls.reduce((n, c) => n + c.length, 0);
    const putRate = Math.round(stored / putSeconds);
    // the server's own CPU per datapoint, which a loaded machine does not distort as it does wall time
    const putCpu = cpuSeconds(child.pid!) - cpu0;
    const clientUsage = process.cpuUsage(client0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const perCpuSecond = Math.round(stored / putCpu);
    log(`PutMetricData: ${stored.toLocaleString()} datapoints in ${putSeconds.toFixed(1)} s = ${putRate.toLocaleString()} datapoints/s (target >= 20,000); Cumulus CPU ${putCpu.toFixed(1)} s = ${perCpuSecond.toLocaleString()} datapoints per CPU second; the SDK client used ${clientCpu.toFixed(1)} s of CPU`);

    const stat = (id: string, host: number) => ({ Id: id, MetricStat: { Metric: { Namespace: 'Bench', MetricName: 'Load', Dimensions: [{ Name: 'Host', Value: `h${host}` }, { Name: 'Fleet', Value: `f${host % 10}` }] }, Period: 300, Stat: 'Average' } });
    const range = { StartTime: new Date(base), EndTime: new Date(base + perMetric * 60_000) };
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const h = (i * 37) % METRICS;
      const t = performance.now();
      const queries = [stat('a', h), stat('b', (h + 1) % METRICS), stat('c', (h + 2) % METRICS), stat('d', (h + 3) % METRICS), stat('e', (h + 4) % METRICS)];
      const r = await cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [...queries, { Id: 'total', Expression: '(a + b + c + d + e) / 5' }] }));
      times.push(performance.now() - t);
      if (!r.MetricDataResults?.every((x) => x.Values!.length > 0)) throw new Error('GetMetricData returned no data');
    }
    const searchTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await cw.send(new GetMetricDataCommand({ ...range, MetricDataQueries: [{ Id: 's', Expression: `SEARCH('{Bench,Fleet,Host} Fleet="f${i}"', 'Maximum', 3600)` }] }));
      searchTimes.push(performance.now() - t);
      if (r.MetricDataResults!.length !== METRICS / 10) throw new Error(`SEARCH found ${r.MetricDataResults!.length} metrics`);
    }
    log(`GetMetricData (5 metrics + expression, ${perMetric} minutes at 5-min periods) over ${stored.toLocaleString()} datapoints: p50 ${pct(times, 50)} ms, p95 ${pct(times, 95)} ms (target p50 <= 100 ms)`);
    log(`GetMetricData SEARCH over ${METRICS / 10} of ${METRICS} metrics (hourly maxima): p50 ${pct(searchTimes, 50)} ms`);
    const rssAfterData = rssMiB(child.pid!);
    log(`Cumulus RSS with ${stored.toLocaleString()} datapoints: ${rssAfterData} MiB`);

    const names = Array.from({ length: ALARMS }, (_, i) => i);
    const ta = performance.now();
    await pool(names, 16, async (i) => {
      const h = i % METRICS;
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: `bench-${i}`,
          Namespace: 'Bench',
          MetricName: 'Load',
          Dimensions: [{ Name: 'Host', Value: `h${h}` }, { Name: 'Fleet', Value: `f${h % 10}` }],
          Statistic: i % 3 === 0 ? 'Maximum' : 'Average',
          Period: 60,
          EvaluationPeriods: 1 + (i % 5),
          DatapointsToAlarm: 1,
          Threshold: 50 + (i % 40),
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: i % 2 ? 'notBreaching' : 'missing',
        }),
      );
    });
    const alarmSetup = (performance.now() - ta) / 1000;
    log(`PutMetricAlarm: ${ALARMS.toLocaleString()} alarms in ${alarmSetup.toFixed(1)} s (${Math.round(ALARMS / alarmSetup)} calls/s)`);
    // In the first minute 9 in 10 alarms leave INSUFFICIENT_DATA (a state change each: record, history item,
    // EventBridge event); in the next four the last datapoints age out of the windows of the 2- to 5-period
    // alarms (12 to 19 in 100 change); in the sixth nothing changes. EventBridge routes the events after the
    // advance returns: a health call queued behind that work makes it count in its minute.
    const minutes = 6;
    const cpu: number[] = [];
    for (let m = 0; m < minutes; m++) {
      const before = cpuSeconds(child.pid!);
      await fetch(`${url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 60 }) });
      await fetch(`${url}/_cumulus/health`);
      cpu.push(cpuSeconds(child.pid!) - before);
    }
    const alarmCpu = Math.round(Math.max(...cpu) * 1000) / 1000;
    log(`Alarm evaluation: ${ALARMS.toLocaleString()} alarms, CPU per clock minute ${cpu.map((x) => x.toFixed(2)).join(' / ')} s (first: 90 % change state, then 12-19 %, last: none; target <= 1 s)`);
    const result = {
      putMetricDataDatapointsPerSecond: putRate,
      putMetricDataDatapointsPerCumulusCpuSecond: perCpuSecond,
      putMetricDataClientCpuSeconds: Math.round(clientCpu * 10) / 10,
      storedDatapoints: stored,
      getMetricDataP50Ms: pct(times, 50),
      getMetricDataP95Ms: pct(times, 95),
      searchP50Ms: pct(searchTimes, 50),
      rssMiBWithData: rssAfterData,
      alarms: ALARMS,
      putMetricAlarmCallsPerSecond: Math.round(ALARMS / alarmSetup),
      alarmEvaluationCpuSecondsPerMinute: alarmCpu,
      alarmCpuSecondsPerMinute: cpu.map((x) => Math.round(x * 100) / 100),
      targets: { putMetricData: putRate >= 20_000, getMetricData: pct(times, 50) <= 100, alarms: alarmCpu <= 1 },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    cw.destroy();
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
