// What execution publishes and how environments live: CloudWatch Logs lines and AWS/Lambda metrics on the
// bus (the contract with the Logs and CloudWatch services), idle retirement on the clock, init errors,
// private /tmp per environment.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { driverFor } from '../../src/compute/shared.js';
import type { LogEventsEvent, MetricEvent } from '../../src/events/bus.js';
import { createFunction, createRole, decode, encode, tail } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let role: string;
const logs: LogEventsEvent[] = [];
const metrics: MetricEvent[] = [];

const SOURCE = `const fs = require('fs'); const path = require('path'); let n = 0;
exports.handler = async (e) => {
  n++;
  console.log('line from the function');
  if (e.write) fs.writeFileSync(path.join(process.env.TMPDIR, 'mine.txt'), e.write);
  let seen = null; try { seen = fs.readFileSync(path.join(process.env.TMPDIR, 'mine.txt'), 'utf8'); } catch {}
  return { n, tmp: process.env.TMPDIR, seen };
};`;

before(async () => {
  process.env.CUMULUS_LAMBDA_IDLE_SECONDS = '120';
  c = await startTestCumulus();
  c.runtime.bus.on('log-events', (e) => logs.push(e));
  c.runtime.bus.on('metric', (e) => metrics.push(e));
  lambda = new LambdaClient(clientConfig(c));
  role = await createRole(c);
  for (const name of ['obs', 'other']) {
    await createFunction(lambda, role, { FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', files: { 'index.js': SOURCE } });
  }
});

after(async () => {
  delete process.env.CUMULUS_LAMBDA_IDLE_SECONDS;
  lambda.destroy();
  await c.stop();
});

async function until<T>(what: string, fn: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('log lines: the function group, a stream per environment, START / output / END / REPORT', async () => {
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'obs', Payload: encode({}) }));
  const id = r.$metadata.requestId;
  assert.ok(id);
  const mine = await until('the REPORT line', () => {
    const ev = logs.filter((l) => l.logGroupName === '/aws/lambda/obs');
    return ev.some((l) => l.events.some((e) => e.message.startsWith('REPORT RequestId:'))) ? ev : undefined;
  });
  const streams = new Set(mine.map((l) => l.logStreamName));
  assert.equal(streams.size, 1);
  assert.match([...streams][0]!, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
  const text = mine.flatMap((l) => l.events.map((e) => e.message)).join('');
  assert.match(text, /START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
  // a cold environment starts with INIT_START, before the first START
  assert.match(text, /^INIT_START Runtime Version: nodejs:\d+\.v\d+\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n/);
  assert.ok(text.indexOf('INIT_START') < text.indexOf('START RequestId'));
  assert.match(text, /line from the function/);
  assert.match(text, /END RequestId: /);
  assert.match(text, /REPORT RequestId: .*Init Duration/);
  assert.equal(mine[0]!.account, '000000000000');
  assert.equal(mine[0]!.region, 'us-east-1');
});

test('LogFormat JSON: the platform writes platform.initStart, platform.start and platform.report records, no END', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'obs-json',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    LoggingConfig: { LogFormat: 'JSON' },
    files: { 'index.js': 'exports.handler = async () => 1;' },
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'obs-json', Payload: encode({}) }));
  const requestId = r.$metadata.requestId!;
  const records = await until('the platform.report record', () => {
    const lines = logs.filter((l) => l.logGroupName === '/aws/lambda/obs-json').flatMap((l) => l.events.map((e) => e.message));
    const parsed = lines.filter((m) => m.startsWith('{')).map((m) => JSON.parse(m) as { time: string; type: string; record: Record<string, unknown> });
    return parsed.some((p) => p.type === 'platform.report') ? { lines, parsed } : undefined;
  });
  assert.deepEqual(records.parsed.map((p) => p.type), ['platform.initStart', 'platform.start', 'platform.report']);
  assert.ok(!records.lines.some((m) => m.startsWith('END ') || m.startsWith('START ') || m.startsWith('REPORT ')), records.lines.join(''));
  const [init, start, report] = records.parsed;
  assert.equal(init!.record.initializationType, 'on-demand');
  assert.equal(init!.record.phase, 'init');
  assert.match(String(init!.record.runtimeVersion), /^nodejs:20\.v\d+$/);
  assert.deepEqual(start!.record, { requestId, version: '$LATEST' });
  assert.equal(report!.record.requestId, requestId);
  assert.equal(report!.record.status, 'success');
  const m = report!.record.metrics as Record<string, number>;
  assert.equal(m.memorySizeMB, 128);
  assert.ok(m.billedDurationMs >= 1 && m.durationMs >= 0 && m.maxMemoryUsedMB > 0 && m.initDurationMs! > 0, JSON.stringify(m));
  assert.ok(!Number.isNaN(Date.parse(report!.time)));
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'obs-json' }));
});

test('log levels (JSON format): SystemLogLevel WARN drops the platform records; ApplicationLogLevel drops records below it', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'obs-levels',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'WARN' },
    files: { 'index.js': `exports.handler = async () => { console.info('an info line'); console.warn('a warning'); console.error('an error'); return 1; };` },
  });
  await lambda.send(new InvokeCommand({ FunctionName: 'obs-levels', Payload: encode({}) }));
  const lines = await until('the error record', () => {
    const all = logs.filter((l) => l.logGroupName === '/aws/lambda/obs-levels').flatMap((l) => l.events.map((e) => e.message));
    return all.some((m) => m.includes('an error')) ? all : undefined;
  });
  // give the platform's records (had they been written) the same turn to arrive
  await new Promise((r) => setTimeout(r, 100));
  const all = logs.filter((l) => l.logGroupName === '/aws/lambda/obs-levels').flatMap((l) => l.events.map((e) => e.message));
  const parsed = all.map((m) => JSON.parse(m) as { type?: string; level?: string; message?: string });
  assert.ok(!parsed.some((p) => p.type?.startsWith('platform.')), all.join(''));
  assert.deepEqual(parsed.map((p) => p.level), ['WARN', 'ERROR'], lines.join(''));
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'obs-levels' }));
});

test('the lines reach CloudWatch Logs: GetLogEvents on /aws/lambda/NAME shows START, output, END, REPORT', async () => {
  const cwl = new CloudWatchLogsClient(clientConfig(c));
  try {
    const deadline = Date.now() + 10_000;
    let messages: string[] = [];
    while (Date.now() < deadline) {
      const streams = await cwl.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/obs' }));
      messages = [];
      for (const st of streams.logStreams ?? []) {
        const ev = await cwl.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/obs', logStreamName: st.logStreamName!, startFromHead: true }));
        messages.push(...(ev.events ?? []).map((e) => e.message ?? ''));
      }
      if (messages.some((m) => m.startsWith('REPORT RequestId:'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(messages.some((m) => /^START RequestId: \S+ Version: \$LATEST/.test(m)), messages.join(''));
    assert.ok(messages.some((m) => m.includes('line from the function')));
    assert.ok(messages.some((m) => m.startsWith('END RequestId:')));
    assert.ok(messages.some((m) => /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB/.test(m)));
  } finally {
    cwl.destroy();
  }
});

test('AWS/Lambda metrics: Invocations, Errors, Duration by FunctionName, ConcurrentExecutions', async () => {
  await lambda.send(new InvokeCommand({ FunctionName: 'obs', Payload: encode({}) }));
  // metrics are published once per virtual second
  await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 2 }) });
  const datums = await until('metrics', () => {
    const d = metrics.filter((m) => m.namespace === 'AWS/Lambda').flatMap((m) => m.datums);
    return d.some((x) => x.MetricName === 'Invocations' && x.Dimensions?.some((dd) => dd.Value === 'obs')) ? d : undefined;
  });
  const byName = (name: string) =>
    datums.filter((d) => d.MetricName === name && d.Dimensions?.length === 1 && d.Dimensions[0]!.Name === 'FunctionName' && d.Dimensions[0]!.Value === 'obs');
  const inv = byName('Invocations').reduce((s, d) => s + (d.StatisticValues?.Sum ?? 0), 0);
  assert.ok(inv >= 1);
  assert.equal(byName('Errors').reduce((s, d) => s + (d.StatisticValues?.Sum ?? 0), 0), 0);
  const duration = byName('Duration')[0]!;
  assert.equal(duration.Unit, 'Milliseconds');
  assert.ok(duration.StatisticValues!.Maximum > 0);
  assert.ok(datums.some((d) => d.MetricName === 'ConcurrentExecutions' && !d.Dimensions?.length));

  // and CloudWatch has them
  const cw = new CloudWatchClient(clientConfig(c));
  try {
    const now = c.runtime.clock.now();
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: 'obs' }],
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 60_000),
        Period: 3600,
        Statistics: ['Sum'],
      }),
    );
    const sum = (stats.Datapoints ?? []).reduce((s, d) => s + (d.Sum ?? 0), 0);
    assert.equal(sum, inv);
  } finally {
    cw.destroy();
  }
});

test('an environment idle past CUMULUS_LAMBDA_IDLE_SECONDS is retired: the next invoke is cold', async () => {
  const a = await lambda.send(new InvokeCommand({ FunctionName: 'obs', Payload: encode({}), LogType: 'Tail' }));
  const before = JSON.parse(decode(a.Payload)).n;
  assert.ok(before >= 2, 'warm');
  await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 200 }) });
  const b = await lambda.send(new InvokeCommand({ FunctionName: 'obs', Payload: encode({}), LogType: 'Tail' }));
  assert.equal(JSON.parse(decode(b.Payload)).n, 1);
  assert.match(tail(b.LogResult), /Init Duration/);
});

test('/tmp (TMPDIR) is private to each environment', async () => {
  const w = JSON.parse(decode((await lambda.send(new InvokeCommand({ FunctionName: 'obs', Payload: encode({ write: 'secret' }) }))).Payload));
  assert.equal(w.seen, 'secret');
  const o = JSON.parse(decode((await lambda.send(new InvokeCommand({ FunctionName: 'other', Payload: encode({}) }))).Payload));
  assert.notEqual(o.tmp, w.tmp);
  assert.equal(o.seen, null);
});

test('an init error (a handler module that does not exist) fails the invoke as Unhandled', async () => {
  await createFunction(lambda, role, { FunctionName: 'broken', Runtime: 'nodejs20.x', Handler: 'missing.handler', files: { 'index.js': SOURCE } });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'broken', Payload: encode({}) }));
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(JSON.parse(decode(r.Payload)).errorType, 'Runtime.ImportModuleError');
  // and again: a fresh environment fails the same way
  const again = await lambda.send(new InvokeCommand({ FunctionName: 'broken', Payload: encode({}) }));
  assert.equal(JSON.parse(decode(again.Payload)).errorType, 'Runtime.ImportModuleError');
});

test('deleting a function retires its environments', async () => {
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'other', Payload: encode({}) }));
  assert.equal(r.StatusCode, 200);
  const running = () => driverFor(c.runtime).list().filter((w) => w.name?.startsWith('other:') && w.state !== 'exited');
  assert.equal(running().length, 1);
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'other' }));
  await until('the environment of the deleted function to exit', () => (running().length ? undefined : true));
});
