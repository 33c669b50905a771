// Limits of an environment besides memory and time: CPU (CUMULUS_LAMBDA_CPU=proportional gives CPU in
// proportion to memory, as on AWS where 1,769 MB is one vCPU, through a cgroup CPU quota where the host has
// one; the function measures its own share: the CPU time it gets while spinning for a stretch of wall-clock
// time), file descriptors, and Node's heap sized from the memory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { driverFor } from '../../src/compute/shared.js';
import { createFunction, createRole, decode, encode } from './fixture.js';

process.env.CUMULUS_LAMBDA_CPU = 'proportional';

let c: Cumulus;
let lambda: LambdaClient;
let role: string;

const SPIN = `exports.handler = async (e) => {
  const c0 = process.cpuUsage(); const t0 = Date.now();
  while (Date.now() - t0 < e.ms) {}
  const c = process.cpuUsage(c0);
  return { share: (c.user + c.system) / 1000 / (Date.now() - t0) };
};`;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c, { maxAttempts: 1 }));
  role = await createRole(c);
});

after(async () => {
  lambda.destroy();
  await c.stop();
  delete process.env.CUMULUS_LAMBDA_CPU;
});

test('CUMULUS_LAMBDA_CPU=proportional: a 128 MB function gets a fraction of a core, 1,769 MB a whole one', async (t) => {
  for (const [name, memory] of [['small', 128], ['vcpu', 1769]] as const) {
    await createFunction(lambda, role, { FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', MemorySize: memory, Timeout: 60, files: { 'index.js': SPIN } });
  }
  const share = async (name: string) => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode({ ms: 1000 }) }));
    assert.equal(r.FunctionError, undefined, decode(r.Payload));
    return JSON.parse(decode(r.Payload)).share as number;
  };
  const small = await share('small');
  const whole = await share('vcpu');
  t.diagnostic(`cpu limits: ${driverFor(c.runtime).capabilities().limits.cpu}; share of a core: 128 MB ${small.toFixed(3)}, 1,769 MB ${whole.toFixed(3)}`);
  if (driverFor(c.runtime).capabilities().limits.cpu !== 'none') {
    // quota 128/1769 = 7% of a core (a little more within one scheduling period)
    assert.ok(small < 0.25, `128 MB got ${small} of a core`);
    assert.ok(whole > 2 * small, `1,769 MB got ${whole} of a core, 128 MB ${small}`);
  } else {
    // no cgroup CPU controller on this host: not limited (as the README says)
    assert.ok(small > 0 && whole > 0);
  }
});

test('an environment has the 1,024 file descriptors AWS gives', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'fds',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    files: { 'index.js': `exports.handler = async () => ({ n: require('child_process').execSync('ulimit -n').toString().trim() });` },
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'fds', Payload: encode({}) }));
  assert.deepEqual(JSON.parse(decode(r.Payload)), { n: '1024' });
});

test("Node's heap is sized from MemorySize as AWS's bootstrap does (old space = memory - memory/10)", async () => {
  await createFunction(lambda, role, {
    FunctionName: 'heap',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    MemorySize: 1024,
    files: { 'index.js': `exports.handler = async () => ({ mb: require('v8').getHeapStatistics().heap_size_limit / 1048576 });` },
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'heap', Payload: encode({}) }));
  const { mb } = JSON.parse(decode(r.Payload)) as { mb: number };
  // --max-old-space-size=922 plus the young generation (--max-semi-space-size=51; V8 counts a few of them);
  // unsized, Node takes a share of the host's memory instead (GBs)
  assert.ok(mb >= 922 && mb <= 922 + 4 * 51, `heap limit ${mb} MB`);
});
