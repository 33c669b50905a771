// Concurrency metrics: AWS/Usage ResourceCount of Lambda's ConcurrentExecutions (the Service Quotas metric of the account's
// concurrency) every minute, and the provisioned-concurrency metrics of a version, read back through
// CloudWatch's GetMetricStatistics as a user would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, type Datapoint, type Dimension, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, encode } from '../lambda-invoke/fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let cw: CloudWatchClient;

const SLEEPER = `exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, event.ms ?? 0));
  return { ok: true };
};`;

async function advance(seconds: number) {
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  assert.equal(r.status, 200);
}

async function stats(namespace: string, metric: string, dims: Dimension[], statistic: 'Sum' | 'Maximum'): Promise<Datapoint[]> {
  const now = c.runtime.clock.now();
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dims,
      StartTime: new Date(now - 3_600_000),
      EndTime: new Date(now + 60_000),
      Period: 3600,
      Statistics: [statistic],
    }),
  );
  return out.Datapoints ?? [];
}

/** Polls (bounded) until `read` gives a value that `ok` accepts. */
async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  process.env.CUMULUS_LAMBDA_IDLE_SECONDS = '36000';
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  cw = new CloudWatchClient(clientConfig(c));
  const role = await createRole(c);
  await createFunction(lambda, role, { FunctionName: 'sleeper', Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 900, files: { 'index.js': SLEEPER } });
});

after(async () => {
  delete process.env.CUMULUS_LAMBDA_IDLE_SECONDS;
  lambda.destroy();
  cw.destroy();
  await c.stop();
});

test('AWS/Usage ResourceCount of ConcurrentExecutions: the most invocations in flight in the minute, with the Service Quotas dimensions', async () => {
  // three at once
  const runs = await Promise.all([1, 2, 3].map(() => lambda.send(new InvokeCommand({ FunctionName: 'sleeper', Payload: encode({ ms: 1500 }) }))));
  for (const r of runs) assert.equal(r.FunctionError, undefined);
  await advance(61);
  const dims = [
    { Name: 'Service', Value: 'Lambda' },
    { Name: 'Type', Value: 'Resource' },
    { Name: 'Resource', Value: 'ConcurrentExecutions' },
    { Name: 'Class', Value: 'None' },
  ];
  const points = await until('AWS/Usage', () => stats('AWS/Usage', 'ResourceCount', dims, 'Maximum'), (p) => p.length > 0);
  assert.equal(Math.max(...points.map((p) => p.Maximum ?? 0)), 3);
  // the next minute, with nothing running, reads 0 (two samples a minute apart fall in separate periods)
  await advance(60);
  const minutes = await until(
    'AWS/Usage minutes',
    async () => {
      const now = c.runtime.clock.now();
      const out = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Usage',
          MetricName: 'ResourceCount',
          Dimensions: dims,
          StartTime: new Date(now - 3_600_000),
          EndTime: new Date(now + 60_000),
          Period: 60,
          Statistics: ['Maximum'],
        }),
      );
      return (out.Datapoints ?? []).sort((x, y) => x.Timestamp!.getTime() - y.Timestamp!.getTime());
    },
    (p) => p.length >= 2,
  );
  assert.deepEqual(
    minutes.map((p) => p.Maximum),
    [3, 0],
  );
});

test('provisioned concurrency: invocations on it, spillover past it, executions and utilization per version', async () => {
  const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'sleeper' }));
  await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'sleeper', Qualifier: v.Version, ProvisionedConcurrentExecutions: 1 }));
  await until(
    'READY',
    async () => {
      await advance(1);
      return (await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'sleeper', Qualifier: v.Version }))).Status;
    },
    (s) => s === 'READY',
  );
  // one after the other: each on the provisioned environment
  for (let i = 0; i < 3; i++) await lambda.send(new InvokeCommand({ FunctionName: 'sleeper', Qualifier: v.Version, Payload: encode({}) }));
  // two at once with one provisioned: one spills over to on-demand concurrency
  await Promise.all([1, 2].map(() => lambda.send(new InvokeCommand({ FunctionName: 'sleeper', Qualifier: v.Version, Payload: encode({ ms: 1500 }) }))));
  await advance(2);
  const dims = [
    { Name: 'FunctionName', Value: 'sleeper' },
    { Name: 'Resource', Value: `sleeper:${v.Version}` },
  ];
  const sum = async (metric: string) => (await stats('AWS/Lambda', metric, dims, 'Sum')).reduce((s, p) => s + (p.Sum ?? 0), 0);
  await until('ProvisionedConcurrencyInvocations', () => sum('ProvisionedConcurrencyInvocations'), (n) => n === 4);
  assert.equal(await sum('ProvisionedConcurrencySpilloverInvocations'), 1);
  const max = async (metric: string) => Math.max(...(await stats('AWS/Lambda', metric, dims, 'Maximum')).map((p) => p.Maximum ?? 0));
  assert.equal(await max('ProvisionedConcurrentExecutions'), 1);
  assert.equal(await max('ProvisionedConcurrencyUtilization'), 1);
});
