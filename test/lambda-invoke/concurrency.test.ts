// Concurrency and routing: reserved concurrency throttles parallel load with AWS's Reason, 0 blocks every
// invoke, fault injection (lambda-throttle, lambda-error), versions and a weighted alias.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateAliasCommand,
  DeleteFunctionConcurrencyCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  GetProvisionedConcurrencyConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { driverFor } from '../../src/compute/shared.js';
import { createFunction, createRole, decode, encode, waitActive, zipOf } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let role: string;

const SLOW = `exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return { v: process.env.V || 'none', version: process.env.AWS_LAMBDA_FUNCTION_VERSION }; };`;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c, { maxAttempts: 1 }));
  role = await createRole(c);
  await createFunction(lambda, role, { FunctionName: 'slow', Runtime: 'nodejs20.x', Handler: 'index.handler', files: { 'index.js': SLOW } });
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

async function settle(promises: Promise<unknown>[]) {
  const results = await Promise.allSettled(promises);
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  return { ok, errors };
}

test('reserved concurrency 1 under parallel load: one runs, the others get 429 with the reserved Reason', async () => {
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 1 }));
  const { ok, errors } = await settle(Array.from({ length: 6 }, () => lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: encode({ ms: 300 }) }))));
  assert.equal(ok, 1);
  assert.equal(errors.length, 5);
  for (const e of errors) {
    assert.equal(e.name, 'TooManyRequestsException');
    assert.equal(e.$metadata.httpStatusCode, 429);
    assert.equal(e.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.equal(e.message, 'Rate Exceeded.');
  }
  // sequentially, one at a time is fine
  for (let i = 0; i < 3; i++) await lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: encode({}) }));
});

test('reserved concurrency 0 throttles every invoke; removing it lets invokes through', async () => {
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'slow', ReservedConcurrentExecutions: 0 }));
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: encode({}) })), (e: any) => {
    assert.equal(e.name, 'TooManyRequestsException');
    assert.equal(e.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    return true;
  });
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'slow' }));
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: encode({}) }));
  assert.equal(r.StatusCode, 200);
});

test('fault kinds lambda-throttle and lambda-error', async () => {
  const inject = async (spec: unknown) => {
    const r = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify(spec) });
    assert.ok(r.status < 300, await r.clone().text());
    return ((await r.json()) as { fault: { id: string } }).fault;
  };
  // clears every active fault (the endpoint has no per-fault delete)
  const clear = async (_id: string) => assert.equal((await fetch(`${c.url}/_cumulus/faults`, { method: 'DELETE' })).status, 200);
  const t = await inject({ kind: 'lambda-throttle', functionName: 'slow' });
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'slow' })), (e: any) => e.name === 'TooManyRequestsException' && e.Reason === 'ConcurrentInvocationLimitExceeded');
  await clear(t.id);
  const e = await inject({ kind: 'lambda-error', functionName: 'slow', errorMessage: 'injected!' });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'slow' }));
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(JSON.parse(decode(r.Payload)).errorMessage, 'injected!');
  await clear(e.id);
  const fine = await lambda.send(new InvokeCommand({ FunctionName: 'slow' }));
  assert.equal(fine.FunctionError, undefined);
});

test('versions are snapshots; a weighted alias routes between two versions statistically', async () => {
  const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'slow' }));
  await lambda.send(
    new UpdateFunctionCodeCommand({ FunctionName: 'slow', ZipFile: zipOf({ 'index.js': SLOW.replace("process.env.V || 'none'", "'two'") }) }),
  );
  await waitActive(lambda, 'slow');
  const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'slow' }));
  assert.notEqual(v1.Version, v2.Version);

  const one = await lambda.send(new InvokeCommand({ FunctionName: 'slow', Qualifier: v1.Version }));
  assert.equal(one.ExecutedVersion, v1.Version);
  assert.deepEqual(JSON.parse(decode(one.Payload)), { v: 'none', version: v1.Version });
  const latest = await lambda.send(new InvokeCommand({ FunctionName: 'slow' }));
  assert.equal(JSON.parse(decode(latest.Payload)).v, 'two');

  await lambda.send(new CreateAliasCommand({ FunctionName: 'slow', Name: 'live', FunctionVersion: v1.Version, RoutingConfig: { AdditionalVersionWeights: { [v2.Version!]: 0.3 } } }));
  const counts: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'slow:live' }));
    counts[r.ExecutedVersion!] = (counts[r.ExecutedVersion!] ?? 0) + 1;
  }
  const share = (counts[v2.Version!] ?? 0) / 200;
  assert.ok(share > 0.15 && share < 0.45, `version ${v2.Version} got ${share} of the traffic: ${JSON.stringify(counts)}`);
  assert.equal((counts[v1.Version!] ?? 0) + (counts[v2.Version!] ?? 0), 200);
});

test('provisioned concurrency keeps environments initialised ahead of invokes', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'prov',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    files: { 'index.js': `exports.handler = async () => ({ type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE });` },
  });
  const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'prov' }));
  await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'prov', Qualifier: v.Version, ProvisionedConcurrentExecutions: 2 }));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'prov', Qualifier: v.Version }));
    if (s.Status === 'READY') break;
    assert.ok(Date.now() < deadline, `still ${s.Status}`);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 1 }) });
  }
  // READY starts the provisioned environments before any invoke
  const envs = () => driverFor(c.runtime).list().filter((w) => w.name === `prov:${v.Version}` && w.state === 'running');
  const until = Date.now() + 10_000;
  while (envs().length < 2) {
    assert.ok(Date.now() < until, `${envs().length} provisioned environments`);
    await new Promise((res) => setTimeout(res, 20));
  }
  // invokes land on them: initialised as provisioned-concurrency, no cold start reported
  let r = await lambda.send(new InvokeCommand({ FunctionName: 'prov', Qualifier: v.Version, LogType: 'Tail' }));
  for (let i = 0; i < 50 && JSON.parse(decode(r.Payload)).type !== 'provisioned-concurrency'; i++) {
    await new Promise((res) => setTimeout(res, 20)); // an environment still initialising
    r = await lambda.send(new InvokeCommand({ FunctionName: 'prov', Qualifier: v.Version, LogType: 'Tail' }));
  }
  assert.equal(JSON.parse(decode(r.Payload)).type, 'provisioned-concurrency');
  assert.doesNotMatch(Buffer.from(r.LogResult ?? '', 'base64').toString(), /Init Duration/);
  assert.equal(envs().length, 2);
});

test('scale-out: a burst of short invocations shares a few warm environments; long concurrent ones each get their own', async () => {
  const ENV_ID = `const id = require('crypto').randomUUID(); exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return { id }; };`;
  await createFunction(lambda, role, { FunctionName: 'burst', Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 30, files: { 'index.js': ENV_ID } });
  const invoke = async (ms: number) => JSON.parse(decode((await lambda.send(new InvokeCommand({ FunctionName: 'burst', Payload: encode({ ms }) }))).Payload)).id as string;
  await invoke(0);
  // 32 callers, three rounds: waiting for a busy environment is expected to be far quicker than a cold start
  const short = new Set<string>();
  for (let round = 0; round < 3; round++) for (const id of await Promise.all(Array.from({ length: 32 }, () => invoke(0)))) short.add(id);
  assert.ok(short.size < 16, `${short.size} environments for 96 short invocations`);
  // six at once that each take 1.5 s: none waits for another (an environment each, as AWS)
  const t0 = Date.now();
  const long = new Set(await Promise.all(Array.from({ length: 6 }, () => invoke(1500))));
  assert.equal(long.size, 6);
  assert.ok(Date.now() - t0 < 6000, `six parallel 1.5 s invocations took ${Date.now() - t0} ms`);
});
