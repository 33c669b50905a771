// Limits made real: the timeout kills the environment, memory over MemorySize kills it, a crash is an
// Unhandled Runtime.ExitError; each time the next invoke gets a fresh environment. Oversized responses fail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, decode, encode, tail } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let role: string;

const COUNTER = `let count = 0;
exports.handler = async (event) => {
  count++;
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  if (event.exit !== undefined) process.exit(event.exit);
  if (event.allocate) { const keep = []; for (let i = 0; i < event.allocate; i++) keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); return keep.length; }
  if (event.big) return 'x'.repeat(event.big);
  return { count, pid: process.pid };
};`;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  role = await createRole(c);
  await createFunction(lambda, role, { FunctionName: 'limits', Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 1, MemorySize: 128, files: { 'index.js': COUNTER } });
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

const invoke = async (payload: unknown, tailLog = false) => {
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'limits', Payload: encode(payload), LogType: tailLog ? 'Tail' : undefined }));
  return { ...r, body: JSON.parse(decode(r.Payload)), log: tail(r.LogResult) };
};

test('the timeout kills the environment: Sandbox.Timedout, and the next invoke is cold', async () => {
  const warm = await invoke({});
  assert.equal(warm.body.count, 1);
  const t0 = Date.now();
  const r = await invoke({ sleep: 5000 }, true);
  assert.ok(Date.now() - t0 < 4000, 'answered at the timeout, not when the handler would have finished');
  assert.equal(r.StatusCode, 200);
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(r.body.errorType, 'Sandbox.Timedout');
  assert.match(r.body.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
  assert.match(r.log, /Task timed out after 1\.00 seconds/);
  assert.match(r.log, /REPORT RequestId: .*Status: timeout/);
  const next = await invoke({});
  assert.equal(next.body.count, 1, 'a fresh environment');
  assert.notEqual(next.body.pid, warm.body.pid);
});

test('memory beyond MemorySize kills the environment: Runtime.OutOfMemory', async () => {
  const before = await invoke({});
  const r = await invoke({ allocate: 16 }, true);
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(r.body.errorType, 'Runtime.OutOfMemory');
  assert.match(r.body.errorMessage, /^RequestId: \S+ Error: Runtime exited with error: signal: killed$/);
  assert.match(r.log, /REPORT RequestId: .*Status: error\tError Type: Runtime.OutOfMemory/);
  const next = await invoke({});
  assert.equal(next.body.count, 1);
  assert.notEqual(next.body.pid, before.body.pid);
});

test('a crash is Unhandled Runtime.ExitError; the next invoke gets a fresh environment', async () => {
  const before = await invoke({});
  const r = await invoke({ exit: 1 });
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(r.body.errorType, 'Runtime.ExitError');
  assert.match(r.body.errorMessage, /^RequestId: \S+ Error: Runtime exited with error: exit status 1$/);
  const next = await invoke({});
  assert.equal(next.body.count, 1);
  assert.notEqual(next.body.pid, before.body.pid);
});

test('a response over 6 MB fails with Function.ResponseSizeTooLarge', async () => {
  const r = await invoke({ big: 6_400_000 });
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(r.body.errorType, 'Function.ResponseSizeTooLarge');
  assert.match(r.body.errorMessage, /Response payload size exceeded maximum allowed payload size \(6291556 bytes\)/);
  const ok = await invoke({ big: 1000 });
  assert.equal(ok.FunctionError, undefined);
  assert.equal(ok.body.length, 1000);
});
