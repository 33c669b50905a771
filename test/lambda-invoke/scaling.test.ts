// Scale-out on a small machine: a burst of short invocations is served by the environments already warm
// (or coming up) instead of one cold start per caller, while invocations that run long still run side by side.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, decode, encode } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;

const CODE = `exports.handler = async (e) => { if (e.ms) await new Promise((r) => setTimeout(r, e.ms)); return { pid: process.pid, n: e.n }; };`;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c, { maxAttempts: 1 }));
  const role = await createRole(c);
  await createFunction(lambda, role, { FunctionName: 'quick', Runtime: 'nodejs20.x', Handler: 'index.handler', files: { 'index.js': CODE } });
  await createFunction(lambda, role, { FunctionName: 'long', Runtime: 'nodejs20.x', Handler: 'index.handler', files: { 'index.js': CODE } });
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

async function invoke(name: string, event: unknown): Promise<{ pid: number; n?: number }> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: encode(event) }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  return JSON.parse(decode(r.Payload));
}

test('a burst of short invocations on a cold function: every caller answered, by fewer environments than callers', async () => {
  const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => invoke('quick', { n })));
  assert.deepEqual(
    answers.map((a) => a.n),
    Array.from({ length: 12 }, (_, n) => n),
  );
  const envs = new Set(answers.map((a) => a.pid)).size;
  assert.ok(envs <= 6, `${envs} environments for 12 short invocations`);
});

test('invocations that run long still run in environments of their own, side by side', async () => {
  const t0 = Date.now();
  const answers = await Promise.all(Array.from({ length: 3 }, () => invoke('long', { ms: 2000 })));
  const took = Date.now() - t0;
  assert.equal(new Set(answers.map((a) => a.pid)).size, 3);
  assert.ok(took < 4000, `3 invocations of 2 s took ${took} ms: they did not overlap`);
});
