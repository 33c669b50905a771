// Response streaming: a handler wrapped in awslambda.streamifyResponse reaches the caller as it writes,
// through InvokeWithResponseStream (PayloadChunk events, then InvokeComplete) and through a function URL in
// RESPONSE_STREAM mode (chunked HTTP).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AddPermissionCommand, CreateFunctionUrlConfigCommand, InvokeWithResponseStreamCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, encode } from '../lambda-invoke/fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let dir: string;

// three chunks 400 ms apart; the handler leaves a marker file once it has finished writing
const CHUNKS = `const fs = require('fs');
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = awslambda.streamifyResponse(async (input, stream) => {
  // a function URL's event carries the request body
  const event = input.requestContext ? JSON.parse(input.body) : input;
  if (event.http) stream = awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'content-type': 'text/plain' } });
  stream.write('one;');
  await pause(400);
  stream.write('two;');
  await pause(400);
  if (event.fail) throw new Error('broke mid-stream');
  stream.write('three');
  fs.writeFileSync(event.marker, 'done');
  stream.end();
});`;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  dir = tempDir('lambda-stream-');
  const role = await createRole(c);
  await createFunction(lambda, role, { FunctionName: 'chunks', Runtime: 'nodejs20.x', Handler: 'index.handler', Timeout: 60, files: { 'index.js': CHUNKS } });
});

after(async () => {
  lambda.destroy();
  await c.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('InvokeWithResponseStream: each chunk is a PayloadChunk as the handler writes it, then InvokeComplete', async () => {
  const marker = path.join(dir, 'sdk.done');
  const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'chunks', Payload: encode({ marker }), LogType: 'Tail' }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.ExecutedVersion, '$LATEST');
  const chunks: string[] = [];
  let finishedAtFirst: boolean | undefined;
  let complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } | undefined;
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk) {
      if (!chunks.length) finishedAtFirst = fs.existsSync(marker);
      chunks.push(Buffer.from(ev.PayloadChunk.Payload ?? []).toString('utf8'));
    }
    if (ev.InvokeComplete) complete = ev.InvokeComplete;
  }
  assert.deepEqual(chunks, ['one;', 'two;', 'three']);
  assert.equal(finishedAtFirst, false, 'the first chunk arrived before the handler finished');
  assert.ok(fs.existsSync(marker));
  assert.ok(complete, 'InvokeComplete');
  assert.equal(complete.ErrorCode, undefined);
  assert.match(Buffer.from(complete.LogResult ?? '', 'base64').toString('utf8'), /REPORT RequestId/);
});

test('InvokeWithResponseStream: an error after the stream started ends it with InvokeComplete ErrorCode and ErrorDetails', async () => {
  const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'chunks', Payload: encode({ marker: path.join(dir, 'x'), fail: true }) }));
  const chunks: string[] = [];
  let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk) chunks.push(Buffer.from(ev.PayloadChunk.Payload ?? []).toString('utf8'));
    if (ev.InvokeComplete) complete = ev.InvokeComplete;
  }
  assert.deepEqual(chunks, ['one;', 'two;']);
  assert.equal(complete?.ErrorCode, 'Error');
  assert.equal(complete?.ErrorDetails, 'broke mid-stream');
});

test('a RESPONSE_STREAM function URL sends the body chunked as the handler writes it', async () => {
  const url = (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'chunks', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }))).FunctionUrl!;
  await lambda.send(
    new AddPermissionCommand({ FunctionName: 'chunks', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
  );
  const urlId = new URL(url).hostname.split('.')[0];
  const marker = path.join(dir, 'url.done');
  const res = await fetch(`${c.url}/_aws/lambda-url/${urlId}/`, { method: 'POST', body: JSON.stringify({ http: true, marker }) });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('content-type'), 'text/plain');
  assert.equal(res.headers.get('content-length'), null);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(fs.existsSync(marker), false, 'the first bytes arrived before the handler finished');
  let text = Buffer.from(first.value ?? []).toString('utf8');
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    text += Buffer.from(r.value).toString('utf8');
  }
  assert.equal(text, 'one;two;three');
});
