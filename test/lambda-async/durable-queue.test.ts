// The asynchronous queue survives a crash: an event acknowledged with 202 and a retry scheduled on the clock
// are both on disk, so after a SIGKILL and a restart on the same data dir they are delivered; an event's age
// (MaximumEventAgeInSeconds) counts from when it was first accepted, across the restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  DeleteFunctionConcurrencyCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { clientConfig, spawnCumulus, tempDir, type SpawnedCumulus } from '../helpers/cumulus.js';
import { createFunction, createRole, encode } from '../lambda-invoke/fixture.js';

// appends one JSON line per attempt to $OUT; with {failOnce}, the first attempt fails (it leaves a marker)
const RECORDER = `const fs = require('fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n');
  if (event.failOnce && !fs.existsSync(process.env.OUT + '.failed')) {
    fs.writeFileSync(process.env.OUT + '.failed', '');
    throw new Error('first attempt fails');
  }
  return { ok: true };
};`;

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

const running: SpawnedCumulus[] = [];
const dirs: string[] = [];
const env = { CUMULUS_LAMBDA_IDLE_SECONDS: '36000' };

after(async () => {
  for (const s of running) await s.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function advance(c: { url: string }, seconds: number) {
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  assert.equal(r.status, 200);
}

/** Waits for `file` to hold `n` lines, moving the clock `step` seconds at a time meanwhile. */
async function waitLines(c: { url: string }, file: string, n: number, step: number): Promise<any[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = lines(file);
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`${file}: ${got.length} lines, wanted ${n}\n${running.map((s) => s.output()).join("\n---\n")}`);
    if (step) await advance(c, step);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('queued events and scheduled retries are delivered after a SIGKILL and a restart', async () => {
  const data = tempDir('lambda-async-data-');
  const out = tempDir('lambda-async-out-');
  dirs.push(data, out);
  const first = await spawnCumulus(['--data-dir', data], env);
  running.push(first);
  let lambda = new LambdaClient(clientConfig(first));
  const role = await createRole(first);
  const arns: Record<string, string> = {};
  for (const name of ['held', 'flaky', 'aged', 'sink']) {
    arns[name] = await createFunction(lambda, role, {
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Timeout: 900,
      Environment: { Variables: { OUT: path.join(out, `${name}.jsonl`) } },
      files: { 'index.js': RECORDER },
    });
  }
  // 'held' cannot run (reserved concurrency 0): its event waits in the queue, throttled
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'held', ReservedConcurrentExecutions: 0 }));
  const held = await lambda.send(new InvokeCommand({ FunctionName: 'held', InvocationType: 'Event', Payload: encode({ n: 1 }) }));
  assert.equal(held.StatusCode, 202);
  // 'flaky' fails its first attempt: the retry is due a minute later on the clock
  const flaky = await lambda.send(new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: encode({ failOnce: true, n: 2 }) }));
  assert.equal(flaky.StatusCode, 202);
  // 'aged' never gets to run: past its MaximumEventAgeInSeconds, the event goes to its OnFailure destination
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'aged', ReservedConcurrentExecutions: 0 }));
  await lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: 'aged', MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: arns.sink } } }),
  );
  const aged = await lambda.send(new InvokeCommand({ FunctionName: 'aged', InvocationType: 'Event', Payload: encode({ n: 3 }) }));
  await waitLines(first, path.join(out, 'flaky.jsonl'), 1, 0);
  lambda.destroy();
  await first.kill('SIGKILL');
  assert.equal(lines(path.join(out, 'held.jsonl')).length, 0, 'nothing ran before the crash');

  const second = await spawnCumulus(['--data-dir', data], env);
  running.push(second);
  lambda = new LambdaClient(clientConfig(second));
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'held' }));
  // the throttle backoff (seconds) and the one-minute retry run on the new clock; each jump happens while
  // no environment is starting, so that it does not use up an init or invocation timeout
  await advance(second, 10);
  const heldRuns = await waitLines(second, path.join(out, 'held.jsonl'), 1, 0);
  assert.deepEqual(heldRuns[0], { n: 1 });
  await advance(second, 60);
  const flakyRuns = await waitLines(second, path.join(out, 'flaky.jsonl'), 2, 0);
  assert.deepEqual(flakyRuns[1], { failOnce: true, n: 2 });
  const [record] = await waitLines(second, path.join(out, 'sink.jsonl'), 1, 0);
  assert.equal(record.requestContext.condition, 'EventAgeExceeded');
  assert.equal(record.requestContext.requestId, aged.$metadata.requestId);
  assert.equal(record.requestContext.approximateInvokeCount, 0);
  assert.deepEqual(record.requestPayload, { n: 3 });
  assert.equal(lines(path.join(out, 'aged.jsonl')).length, 0);
  // each was delivered once after the restart: done with, they left the queue
  await advance(second, 600);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(lines(path.join(out, 'held.jsonl')).length, 1);
  assert.equal(lines(path.join(out, 'flaky.jsonl')).length, 2);
  assert.equal(lines(path.join(out, 'sink.jsonl')).length, 1);
  lambda.destroy();
});
