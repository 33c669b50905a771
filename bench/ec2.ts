// EC2 at scale against a real `cumulus start` process, through SDK v3 on keep-alive connections:
// (1) RunInstances calls per second (one instance per call, the call returns while it is pending),
// (2) the time until all instances run, (3) DescribeInstances with a tag filter matching all of them
// (p50/p95 of timed calls, every page fetched), (4) the memory of Cumulus plus every workload process
// (PSS from /proc/PID/smaps_rollup, which splits shared pages; the RSS sum beside it overcounts them),
// (5) termination of all and a check that no process of the tree is left.
//   node dist/bench/ec2.js [--instances 1000] [--concurrency 16] [--describes 50] [--boot-seconds 5]
// Prints human lines on stderr and a JSON line last on stdout. Targets (issue 3): RunInstances at least
// 300 calls/s, DescribeInstances p50 at most 50 ms over 1,000 instances, Cumulus + workloads under 2 GB.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { freePort, log, sleep } from './common.js';

const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Spawned {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startCumulus(bootSeconds: number, cpuProf: string | undefined): Promise<Spawned> {
  const port = await freePort();
  const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(port), '--log-level', 'warn'], {
    env: { ...process.env, CUMULUS_EC2_BOOT_SECONDS: String(bootSeconds) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cumulus exited: ${out}`);
    try {
      if ((await fetch(`${url}/_cumulus/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`cumulus did not start: ${out}`);
    await sleep(25);
  }
  return { child, url, output: () => out };
}

// ---- the process tree, from /proc ------------------------------------------------------------

function ppidOf(pid: number): number | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The pid and every descendant of it (a scan of /proc by parent). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = ppidOf(pid);
    if (ppid === undefined) continue;
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
}

function kbField(text: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
}

/** PSS and RSS (KiB) of a set of processes; a process gone meanwhile counts nothing. */
function memoryOf(pids: number[]): { pssKiB: number; rssKiB: number; counted: number } {
  let pssKiB = 0;
  let rssKiB = 0;
  let counted = 0;
  for (const pid of pids) {
    try {
      const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pssKiB += kbField(t, 'Pss');
      rssKiB += kbField(t, 'Rss');
      counted++;
    } catch {
      /* exited */
    }
  }
  return { pssKiB, rssKiB, counted };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSecondsOf(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function memAvailableKiB(): number {
  return kbField(fs.readFileSync('/proc/meminfo', 'utf8'), 'MemAvailable');
}

/** Processes of the tree still alive (zombies excluded: they hold no memory and are reaped by their parent). */
function aliveOf(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  });
}

// ---- helpers -----------------------------------------------------------------------------------

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const mib = (kib: number) => r1(kib / 1024);

async function describeAll(ec2: EC2Client, filters: { Name: string; Values: string[] }[]): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const res = await ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: token }));
    for (const r of res.Reservations ?? []) out.push(...(r.Instances ?? []));
    token = res.NextToken;
  } while (token);
  return out;
}

/** DescribeInstances as raw HTTP (no SDK signing or parsing): the server's share of a call. Resolves with the body's bytes. */
function rawDescribe(agent: http.Agent, url: string, filter: { Name: string; Values: string[] }): Promise<number> {
  const body = `Action=DescribeInstances&Version=2016-11-15&MaxResults=1000&Filter.1.Name=${encodeURIComponent(filter.Name)}&Filter.1.Value.1=${encodeURIComponent(filter.Values[0]!)}`;
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
        },
      },
      (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`DescribeInstances: HTTP ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '16' },
      describes: { type: 'string', default: '50' },
      // longer than the RunInstances phase, so that its calls are timed apart from the workloads' spawning
      'boot-seconds': { type: 'string', default: '5' },
      'run-timeout': { type: 'string', default: '120' },
      'cpu-prof': { type: 'string' },
    },
  });
  const n = Number(values.instances);
  const concurrency = Number(values.concurrency);
  const describes = Number(values.describes);
  const bootSeconds = Number(values['boot-seconds']);
  const runTimeoutMs = Number(values['run-timeout']) * 1000;
  const t00 = performance.now();

  const memBeforeKiB = memAvailableKiB();
  const cumulus = await startCumulus(bootSeconds, values['cpu-prof']);
  const cpid = cumulus.child.pid!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(concurrency, 4) });
  const rawAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ec2 = new EC2Client({
    endpoint: cumulus.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 60_000 }),
  });
  const out: Record<string, unknown> = { bench: 'ec2', node: process.version, instances: n, concurrency, bootSeconds };
  const ids: string[] = [];
  let treeAtPeak: number[] = [];
  try {
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
    const ami = images.Images![0]!.ImageId!;

    // warm-up: the first call of a kind pays for lazy loading on both sides
    const warm = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1 }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [warm.Instances![0]!.InstanceId!] }));

    // (1) RunInstances calls/s
    let failures = 0;
    const callMs: number[] = [];
    const cpu0 = { bench: process.cpuUsage(), cumulus: cpuSecondsOf(cpid) };
    const t0 = performance.now();
    await pool(n, concurrency, async (i) => {
      const s = performance.now();
      try {
        const res = await ec2.send(
          new RunInstancesCommand({
            ImageId: ami,
            InstanceType: 't3.nano',
            MinCount: 1,
            MaxCount: 1,
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'group', Value: 'bench' }, { Key: 'Name', Value: `bench-${i}` }] }],
          }),
        );
        ids.push(res.Instances![0]!.InstanceId!);
      } catch (err) {
        if (failures++ < 3) log(`RunInstances failed: ${(err as Error).message}`);
      }
      callMs.push(performance.now() - s);
    });
    const runSeconds = (performance.now() - t0) / 1000;
    const benchCpu = process.cpuUsage(cpu0.bench);
    const cpu = { cumulusSeconds: r1(cpuSecondsOf(cpid) - cpu0.cumulus), sdkClientSeconds: r1((benchCpu.user + benchCpu.system) / 1e6) };
    const callsPerSecond = r1(n / runSeconds);
    log(`RunInstances: ${n} calls in ${r1(runSeconds)} s at concurrency ${concurrency}: ${callsPerSecond} calls/s (p50 ${r1(pct(callMs, 50))} ms, p95 ${r1(pct(callMs, 95))} ms, ${failures} failed) [target ≥ 300/s]; CPU meanwhile: Cumulus ${cpu.cumulusSeconds} s, this SDK client ${cpu.sdkClientSeconds} s`);
    out.runInstances = { callsPerSecond, seconds: r1(runSeconds), p50Ms: r1(pct(callMs, 50)), p95Ms: r1(pct(callMs, 95)), failures, cpu };

    // (2) until all run (bounded)
    const filter = [{ Name: 'tag:group', Values: ['bench'] }];
    const t1 = performance.now();
    let running = 0;
    let states: Record<string, number> = {};
    while (performance.now() - t1 < runTimeoutMs) {
      const all = await describeAll(ec2, filter);
      states = {};
      for (const i of all) states[i.State!.Name!] = (states[i.State!.Name!] ?? 0) + 1;
      running = states.running ?? 0;
      if (running >= ids.length) break;
      await sleep(500);
    }
    const allRunningSeconds = r1((performance.now() - t1) / 1000);
    log(`all running: ${running}/${ids.length} after ${allRunningSeconds} s more (boot delay ${bootSeconds} s) ${JSON.stringify(states)}`);
    out.allRunning = { running, seconds: allRunningSeconds, states };

    // (3) DescribeInstances with a filter over all of them
    const describeMs: number[] = [];
    let seen = 0;
    for (let i = 0; i < describes; i++) {
      const s = performance.now();
      seen = (await describeAll(ec2, filter)).length;
      describeMs.push(performance.now() - s);
    }
    const rawMs: number[] = [];
    let rawBytes = 0;
    for (let i = 0; i < describes; i++) {
      const s = performance.now();
      rawBytes = await rawDescribe(rawAgent, cumulus.url, filter[0]!);
      rawMs.push(performance.now() - s);
    }
    const selectiveMs: number[] = [];
    for (let i = 0; i < Math.min(describes, 20); i++) {
      const s = performance.now();
      await describeAll(ec2, [{ Name: 'tag:Name', Values: [`bench-${i}`] }]);
      selectiveMs.push(performance.now() - s);
    }
    out.describeInstances = {
      filter: 'tag:group=bench',
      matched: seen,
      calls: describes,
      p50Ms: r1(pct(describeMs, 50)),
      p95Ms: r1(pct(describeMs, 95)),
      rawHttpP50Ms: r1(pct(rawMs, 50)),
      rawHttpP95Ms: r1(pct(rawMs, 95)),
      responseBytes: rawBytes,
      selectiveP50Ms: r1(pct(selectiveMs, 50)),
    };
    log(`DescribeInstances tag:group=bench (${seen} instances, MaxResults 1000): p50 ${r1(pct(describeMs, 50))} ms, p95 ${r1(pct(describeMs, 95))} ms through the SDK; raw HTTP (no SDK parsing, ${rawBytes} bytes) p50 ${r1(pct(rawMs, 50))} ms, p95 ${r1(pct(rawMs, 95))} ms; tag:Name=one: p50 ${r1(pct(selectiveMs, 50))} ms [target p50 ≤ 50 ms]`);

    // (4) memory of Cumulus and every workload process
    await sleep(1000);
    treeAtPeak = processTree(cpid);
    const mem = memoryOf(treeAtPeak);
    const cumulusMem = memoryOf([cpid]);
    const memAfterKiB = memAvailableKiB();
    out.memory = {
      processes: mem.counted,
      pssMiB: mib(mem.pssKiB),
      rssSumMiB: mib(mem.rssKiB),
      cumulusPssMiB: mib(cumulusMem.pssKiB),
      cumulusRssMiB: mib(cumulusMem.rssKiB),
      memAvailableDropMiB: mib(memBeforeKiB - memAfterKiB),
    };
    log(
      `memory: ${mem.counted} processes, PSS ${mib(mem.pssKiB)} MiB (RSS sum ${mib(mem.rssKiB)} MiB); Cumulus alone PSS ${mib(cumulusMem.pssKiB)} MiB, RSS ${mib(cumulusMem.rssKiB)} MiB; MemAvailable dropped ${mib(memBeforeKiB - memAfterKiB)} MiB [target < 2048 MiB]`,
    );

    // (5) terminate all
    const t2 = performance.now();
    for (let i = 0; i < ids.length; i += 500) await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids.slice(i, i + 500) }));
    let left = ids.length;
    while (performance.now() - t2 < 60_000) {
      const all = await describeAll(ec2, filter);
      left = all.filter((i) => i.State!.Name !== 'terminated').length;
      if (left === 0) break;
      await sleep(250);
    }
    out.terminate = { seconds: r1((performance.now() - t2) / 1000), notTerminated: left };
    log(`TerminateInstances: all terminated after ${r1((performance.now() - t2) / 1000)} s (${left} not terminated)`);
  } finally {
    ec2.destroy();
    agent.destroy();
    rawAgent.destroy();
    const known = new Set([...treeAtPeak, ...processTree(cpid)]);
    await new Promise<void>((resolve) => {
      if (cumulus.child.exitCode !== null || cumulus.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => cumulus.child.kill('SIGKILL'), 20_000);
      cumulus.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      cumulus.child.kill('SIGTERM');
    });
    known.delete(process.pid);
    // give killed workloads a moment to go
    let leftover = aliveOf([...known]);
    for (let i = 0; i < 20 && leftover.length; i++) {
      await sleep(100);
      leftover = aliveOf(leftover);
    }
    out.leftoverProcesses = leftover.length;
    log(`after stop: ${leftover.length} process(es) of the tree left${leftover.length ? ` (${leftover.slice(0, 10).join(' ')}); killing them` : ''}`);
    for (const pid of leftover) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (cumulus.child.exitCode && cumulus.child.exitCode !== 0) log(`cumulus exited with ${cumulus.child.exitCode}: ${cumulus.output().slice(-2000)}`);
  }
  out.totalSeconds = r1((performance.now() - t00) / 1000);
  const targets = {
    runInstancesCallsPerSecond: (out.runInstances as { callsPerSecond: number }).callsPerSecond >= 300,
    describeP50: (out.describeInstances as { p50Ms: number }).p50Ms <= 50,
    memoryPss: (out.memory as { pssMiB: number }).pssMiB < 2048,
  };
  out.targetsMet = targets;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
