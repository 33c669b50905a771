// Asynchronous invocation: retries on the clock (1 then 2 minutes), the invocation record in OnFailure /
// OnSuccess destinations that are other functions, MaximumRetryAttempts, and EventBridge-style targets
// that need the resource policy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  AddPermissionCommand,
  DeleteFunctionConcurrencyCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, encode, waitActive } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let role: string;
let dir: string;
let sinkArn: string;

// appends one JSON line per invocation to $OUT; fails when the event asks
const RECORDER = `const fs = require('fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n');
  if (event.fail) throw new Error('failing on purpose');
  return { ok: true, echoed: event.n };
};`;

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

async function advance(seconds: number) {
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  assert.equal(r.status, 200);
}

/** Waits for `file` to hold `n` lines, moving the clock forward `step` seconds at a time meanwhile. */
async function waitLines(file: string, n: number, step = 0): Promise<any[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = lines(file);
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`${file}: ${got.length} lines, wanted ${n}`);
    if (step) await advance(step);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  // the clock jumps minutes ahead in these tests: keep environments warm through the jumps
  process.env.CUMULUS_LAMBDA_IDLE_SECONDS = '36000';
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  role = await createRole(c);
  dir = tempDir('lambda-async-');
  for (const name of ['flaky', 'once', 'good']) {
    await createFunction(lambda, role, {
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      // longer than a clock step, so a step taken while an attempt runs does not time it out
      Timeout: 60,
      Environment: { Variables: { OUT: path.join(dir, `${name}.jsonl`) } },
      files: { 'index.js': RECORDER },
    });
  }
  sinkArn = await createFunction(lambda, role, {
    FunctionName: 'sink',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Environment: { Variables: { OUT: path.join(dir, 'sink.jsonl') } },
    files: { 'index.js': RECORDER },
  });
});

after(async () => {
  delete process.env.CUMULUS_LAMBDA_IDLE_SECONDS;
  lambda.destroy();
  await c.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a failing event is retried twice on the clock, then lands in the OnFailure destination', async () => {
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'flaky', DestinationConfig: { OnFailure: { Destination: sinkArn } } }));
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: encode({ fail: true, n: 7 }) }));
  assert.equal(r.StatusCode, 202);
  const flaky = path.join(dir, 'flaky.jsonl');
  await waitLines(flaky, 1);
  // no retry before a minute has passed on the clock
  await advance(30);
  await new Promise((res) => setTimeout(res, 150));
  assert.equal(lines(flaky).length, 1);
  await waitLines(flaky, 3, 20);
  const sink = await waitLines(path.join(dir, 'sink.jsonl'), 1);
  const record = sink[0];
  assert.equal(record.version, '1.0');
  assert.equal(record.requestContext.condition, 'RetriesExhausted');
  assert.equal(record.requestContext.approximateInvokeCount, 3);
  assert.equal(record.requestContext.functionArn, 'arn:aws:lambda:us-east-1:000000000000:function:flaky:$LATEST');
  assert.equal(record.requestContext.requestId, r.$metadata.requestId);
  assert.deepEqual(record.requestPayload, { fail: true, n: 7 });
  assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
  assert.equal(record.responsePayload.errorMessage, 'failing on purpose');
  assert.ok(!Number.isNaN(Date.parse(record.timestamp)));
  assert.equal(lines(flaky).length, 3, 'no fourth attempt');
});

test('MaximumRetryAttempts 0 gives up after one attempt; OnSuccess gets the response', async () => {
  fs.rmSync(path.join(dir, 'sink.jsonl'), { force: true });
  await lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: 'once', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: sinkArn } } }),
  );
  await lambda.send(new InvokeCommand({ FunctionName: 'once', InvocationType: 'Event', Payload: encode({ fail: true }) }));
  const sink = await waitLines(path.join(dir, 'sink.jsonl'), 1);
  assert.equal(sink[0].requestContext.approximateInvokeCount, 1);
  assert.equal(lines(path.join(dir, 'once.jsonl')).length, 1);

  fs.rmSync(path.join(dir, 'sink.jsonl'), { force: true });
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'good', DestinationConfig: { OnSuccess: { Destination: sinkArn } } }));
  await lambda.send(new InvokeCommand({ FunctionName: 'good', InvocationType: 'Event', Payload: encode({ n: 3 }) }));
  const ok = await waitLines(path.join(dir, 'sink.jsonl'), 1);
  assert.equal(ok[0].requestContext.condition, 'Success');
  assert.deepEqual(ok[0].responsePayload, { ok: true, echoed: 3 });
  assert.deepEqual(ok[0].responseContext, { statusCode: 200, executedVersion: '$LATEST' });
});

test('EventBridge-style targets invoke asynchronously only when the resource policy allows the caller', async () => {
  const ruleArn = 'arn:aws:events:us-east-1:000000000000:rule/every-minute';
  const source = { principal: 'events.amazonaws.com', arn: ruleArn, account: '000000000000', region: 'us-east-1' };
  const goodArn = 'arn:aws:lambda:us-east-1:000000000000:function:good';
  const denied = await c.runtime.targets.invoke({ arn: goodArn, payload: JSON.stringify({ n: 'denied' }), source });
  assert.equal(denied.ok, false);
  assert.match(denied.message, /not authorized/);
  await lambda.send(
    new AddPermissionCommand({ FunctionName: 'good', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: ruleArn }),
  );
  const before = lines(path.join(dir, 'good.jsonl')).length;
  const allowed = await c.runtime.targets.invoke({ arn: goodArn, payload: JSON.stringify({ n: 'rule' }), source });
  assert.equal(allowed.ok, true, allowed.message);
  const got = await waitLines(path.join(dir, 'good.jsonl'), before + 1);
  assert.deepEqual(got.at(-1), { n: 'rule' });
});

test('a throttled event waits and is delivered once concurrency is available (no retry spent)', async () => {
  const file = path.join(dir, 'good.jsonl');
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'good', ReservedConcurrentExecutions: 0 }));
  const before = lines(file).length;
  await lambda.send(new InvokeCommand({ FunctionName: 'good', InvocationType: 'Event', Payload: encode({ n: 'queued' }) }));
  await advance(5);
  assert.equal(lines(file).length, before, 'not run while throttled');
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'good' }));
  const got = await waitLines(file, before + 1, 2);
  assert.deepEqual(got.at(-1), { n: 'queued' });
});

test('after the last retry the event goes to the dead-letter queue with RequestID / ErrorCode / ErrorMessage', async () => {
  // SQS is not a Cumulus service yet: a stand-in registered for the queue ARN receives what Lambda sends
  const received: { payload: string; context?: Record<string, unknown>; principal: string }[] = [];
  const queueArn = 'arn:aws:sqs:us-east-1:000000000000:dlq';
  c.runtime.targets.register('test-sqs', (arn) => arn === queueArn, (inv) => {
    received.push({ payload: inv.payload, context: inv.context, principal: inv.source.principal });
    return { ok: true, message: 'queued' };
  });
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'once', DeadLetterConfig: { TargetArn: queueArn } }));
  await waitActive(lambda, 'once');
  await lambda.send(new InvokeCommand({ FunctionName: 'once', InvocationType: 'Event', Payload: encode({ fail: true, dlq: 1 }) }));
  const deadline = Date.now() + 10_000;
  while (!received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(received.length, 1);
  assert.deepEqual(JSON.parse(received[0]!.payload), { fail: true, dlq: 1 });
  assert.equal(received[0]!.principal, 'lambda.amazonaws.com');
  const attrs = received[0]!.context!.messageAttributes as Record<string, string>;
  assert.match(attrs.RequestID!, /^[0-9a-f-]{36}$/);
  assert.equal(attrs.ErrorCode, '200');
  assert.equal(attrs.ErrorMessage, 'failing on purpose');
});
