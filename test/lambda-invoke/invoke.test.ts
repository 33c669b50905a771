// Invoke through the SDK, the AWS CLI and boto3: Node (CJS, ESM, callback), Python and a provided runtime;
// warm reuse, the environment AWS sets, Tail logs, and Invoke's errors for bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { awsCli, boto3, clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { invokeFunction } from '../../src/services/lambda/index.js';
import { createFunction, createRole, decode, encode, tail, waitActive } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let role: string;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  role = await createRole(c);
  await createFunction(lambda, role, {
    FunctionName: 'counter',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Environment: { Variables: { GREETING: 'hello' } },
    files: {
      'index.js': `
        let count = 0;
        exports.handler = async (event, context) => {
          count++;
          console.log('invocation', count);
          const keys = ['AWS_LAMBDA_FUNCTION_NAME','AWS_LAMBDA_FUNCTION_VERSION','AWS_LAMBDA_FUNCTION_MEMORY_SIZE','AWS_LAMBDA_LOG_GROUP_NAME',
            'AWS_LAMBDA_LOG_STREAM_NAME','AWS_REGION','AWS_DEFAULT_REGION','AWS_EXECUTION_ENV','_HANDLER','LAMBDA_TASK_ROOT','AWS_LAMBDA_RUNTIME_API',
            'TZ','AWS_LAMBDA_INITIALIZATION_TYPE','AWS_ACCESS_KEY_ID','AWS_SECRET_ACCESS_KEY','AWS_SESSION_TOKEN','AWS_ENDPOINT_URL','GREETING','TMPDIR'];
          const env = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
          return { count, event, env, requestId: context.awsRequestId, arn: context.invokedFunctionArn,
                   remaining: context.getRemainingTimeInMillis(), pid: process.pid };
        };`,
    },
  });
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

test('a Node CJS function runs, keeps its module state while warm, and sees the environment AWS sets', async () => {
  const r1 = await lambda.send(new InvokeCommand({ FunctionName: 'counter', Payload: encode({ a: 1 }), LogType: 'Tail' }));
  assert.equal(r1.StatusCode, 200);
  assert.equal(r1.FunctionError, undefined);
  assert.equal(r1.ExecutedVersion, '$LATEST');
  const b1 = JSON.parse(decode(r1.Payload));
  assert.deepEqual(b1.event, { a: 1 });
  assert.equal(b1.count, 1);
  const r2 = await lambda.send(new InvokeCommand({ FunctionName: 'counter', Payload: encode({ a: 2 }), LogType: 'Tail' }));
  assert.equal(b1.requestId, r1.$metadata.requestId, 'the call\'s request id is the invocation\'s');
  const b2 = JSON.parse(decode(r2.Payload));
  assert.equal(b2.count, 2, 'the same warm environment served the second invoke');
  assert.equal(b2.pid, b1.pid);

  const env = b1.env;
  assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, 'counter');
  assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
  assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '128');
  assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, '/aws/lambda/counter');
  assert.match(env.AWS_LAMBDA_LOG_STREAM_NAME, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
  assert.equal(env.AWS_REGION, 'us-east-1');
  assert.equal(env.AWS_DEFAULT_REGION, 'us-east-1');
  assert.equal(env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
  assert.equal(env._HANDLER, 'index.handler');
  assert.ok(fs.existsSync(path.join(env.LAMBDA_TASK_ROOT, 'index.js')));
  assert.match(env.AWS_LAMBDA_RUNTIME_API, /^127\.0\.0\.1:\d+$/);
  assert.equal(env.TZ, ':UTC');
  assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
  assert.match(env.AWS_ACCESS_KEY_ID, /^ASIA/);
  assert.ok(env.AWS_SECRET_ACCESS_KEY && env.AWS_SESSION_TOKEN);
  assert.equal(env.AWS_ENDPOINT_URL, c.url);
  assert.equal(env.GREETING, 'hello');
  assert.equal(b1.arn, 'arn:aws:lambda:us-east-1:000000000000:function:counter');
  assert.ok(b1.remaining > 0 && b1.remaining <= 3000, `remaining ${b1.remaining}`);

  // the tail: START, the function's line, END, REPORT (Init Duration only on the cold start)
  const t1 = tail(r1.LogResult);
  assert.match(t1, new RegExp(`START RequestId: ${b1.requestId} Version: \\$LATEST`));
  assert.match(t1, /invocation 1/);
  assert.match(t1, new RegExp(`END RequestId: ${b1.requestId}`));
  assert.match(t1, /REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration: \d+\.\d\d ms/);
  const t2 = tail(r2.LogResult);
  assert.match(t2, /invocation 2/);
  assert.match(t2, /REPORT RequestId: .*Max Memory Used: \d+ MB/);
  assert.doesNotMatch(t2, /Init Duration/);
  assert.doesNotMatch(t2, /invocation 1/);
});

test('ES module, callback and Python handlers', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'esm',
    Runtime: 'nodejs20.x',
    Handler: 'app.handler',
    files: { 'app.mjs': `export const handler = async (event) => ({ esm: true, got: event.x * 2 });` },
  });
  await createFunction(lambda, role, {
    FunctionName: 'callback',
    Runtime: 'nodejs20.x',
    Handler: 'cb.handler',
    files: { 'cb.js': `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.x + 1 }), 5); };` },
  });
  await createFunction(lambda, role, {
    FunctionName: 'py',
    Runtime: 'python3.11',
    Handler: 'main.handler',
    files: { 'main.py': `import os\ncount = 0\ndef handler(event, context):\n    global count\n    count += 1\n    print("python", count)\n    return {"py": event["x"], "count": count, "name": context.function_name}\n` },
  });
  const esm = await lambda.send(new InvokeCommand({ FunctionName: 'esm', Payload: encode({ x: 21 }) }));
  assert.deepEqual(JSON.parse(decode(esm.Payload)), { esm: true, got: 42 });
  const cb = await lambda.send(new InvokeCommand({ FunctionName: 'callback', Payload: encode({ x: 1 }) }));
  assert.deepEqual(JSON.parse(decode(cb.Payload)), { cb: 2 });
  await lambda.send(new InvokeCommand({ FunctionName: 'py', Payload: encode({ x: 'a' }) }));
  const py = await lambda.send(new InvokeCommand({ FunctionName: 'py', Payload: encode({ x: 'b' }), LogType: 'Tail' }));
  assert.deepEqual(JSON.parse(decode(py.Payload)), { py: 'b', count: 2, name: 'py' });
  assert.match(tail(py.LogResult), /python 2/);
});

test('a provided runtime: a bootstrap that speaks the Runtime API itself', async () => {
  const curl = fs.existsSync('/usr/bin/curl');
  const bootstrap = curl
    ? `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "custom runtime got $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\":$EVENT,\\"handler\\":\\"$_HANDLER\\"}" > /dev/null
done
`
    : `#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
while True:
    with urllib.request.urlopen(api + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]; event = json.loads(r.read())
    print("custom runtime got", json.dumps(event), flush=True)
    body = json.dumps({"echo": event, "handler": os.environ["_HANDLER"]}).encode()
    urllib.request.urlopen(urllib.request.Request(api + "/invocation/" + rid + "/response", data=body, method="POST")).read()
`;
  await createFunction(lambda, role, { FunctionName: 'custom', Runtime: 'provided.al2023', Handler: 'my.handler', files: { 'bootstrap*': bootstrap } });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'custom', Payload: encode({ k: 1 }), LogType: 'Tail' }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  assert.deepEqual(JSON.parse(decode(r.Payload)), { echo: { k: 1 }, handler: 'my.handler' });
  assert.match(tail(r.LogResult), /custom runtime got/);
});

test('a thrown error is Unhandled with the runtime error payload', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'thrower',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    files: { 'index.js': `exports.handler = async () => { const e = new Error('boom'); e.name = 'MyError'; throw e; };` },
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'thrower', Payload: encode({}) }));
  assert.equal(r.StatusCode, 200);
  assert.equal(r.FunctionError, 'Unhandled');
  const body = JSON.parse(decode(r.Payload));
  assert.equal(body.errorType, 'MyError');
  assert.equal(body.errorMessage, 'boom');
});

test('bad input: invalid JSON, payload too large, unknown function; DryRun and Event answer at once', async () => {
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'counter', Payload: Buffer.from('{not json') })), (e: any) => {
    assert.equal(e.name, 'InvalidRequestContentException');
    assert.match(e.message, /^Could not parse request body into json: /);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'counter', Payload: encode({ s: 'x'.repeat(6_300_000) }) })), (e: any) => {
    assert.equal(e.name, 'RequestTooLargeException');
    assert.equal(e.$metadata.httpStatusCode, 413);
    assert.match(e.message, /Request must be smaller than 6291456 bytes for the InvokeFunction operation/);
    return true;
  });
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'counter', InvocationType: 'Event', Payload: encode({ s: 'x'.repeat(300_000) }) })), (e: any) => {
    assert.equal(e.name, 'RequestTooLargeException');
    assert.match(e.message, /262144 bytes/);
    return true;
  });
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'nope' })), (e: any) => {
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.match(e.message, /Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope/);
    return true;
  });
  const dry = await lambda.send(new InvokeCommand({ FunctionName: 'counter', InvocationType: 'DryRun' }));
  assert.equal(dry.StatusCode, 204);
  const ev = await lambda.send(new InvokeCommand({ FunctionName: 'counter', InvocationType: 'Event', Payload: encode({}) }));
  assert.equal(ev.StatusCode, 202);
  const legacy = await lambda.send(new InvokeAsyncCommand({ FunctionName: 'counter', InvokeArgs: encode({ legacy: true }) }));
  assert.equal(legacy.Status, 202);
});

test('the AWS CLI and boto3 invoke too', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out.json');
  const cli = await awsCli(c, ['lambda', 'invoke', '--function-name', 'esm', '--payload', '{"x": 5}', '--log-type', 'Tail', out]);
  assert.equal(cli.code, 0, cli.stderr);
  const meta = JSON.parse(cli.stdout);
  assert.equal(meta.StatusCode, 200);
  assert.equal(meta.ExecutedVersion, '$LATEST');
  assert.match(Buffer.from(meta.LogResult, 'base64').toString(), /REPORT RequestId/);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), { esm: true, got: 10 });

  const py = await boto3(
    c,
    `l = boto3.client('lambda', endpoint_url=endpoint, region_name='us-east-1')
r = l.invoke(FunctionName='py', Payload=json.dumps({'x': 'boto'}))
print(json.dumps({'status': r['StatusCode'], 'payload': json.loads(r['Payload'].read()), 'version': r['ExecutedVersion']}))`,
  );
  assert.equal(py.code, 0, py.stderr);
  const got = JSON.parse(py.stdout);
  assert.equal(got.status, 200);
  assert.equal(got.payload.py, 'boto');
  assert.equal(got.version, '$LATEST');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('InvokeWithResponseStream answers an event stream: the payload, then InvokeComplete with the log tail', async () => {
  const r = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'esm', Payload: encode({ x: 4 }), LogType: 'Tail' }));
  assert.equal(r.StatusCode, 200);
  assert.equal(r.ExecutedVersion, '$LATEST');
  let body = '';
  let complete: any;
  for await (const ev of r.EventStream!) {
    if (ev.PayloadChunk?.Payload) body += Buffer.from(ev.PayloadChunk.Payload).toString();
    if (ev.InvokeComplete) complete = ev.InvokeComplete;
  }
  assert.deepEqual(JSON.parse(body), { esm: true, got: 8 });
  assert.ok(complete);
  assert.equal(complete.ErrorCode, undefined);
  assert.match(tail(complete.LogResult), /REPORT RequestId/);

  const failing = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'thrower', Payload: encode({}) }));
  let failed: any;
  for await (const ev of failing.EventStream!) if (ev.InvokeComplete) failed = ev.InvokeComplete;
  assert.equal(failed.ErrorCode, 'MyError');
  assert.equal(failed.ErrorDetails, 'boom');
  await assert.rejects(lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'missing' })), (e: any) => e.name === 'ResourceNotFoundException');
});

test('the public API other services use: invokeFunction, with the resource policy checked for a service principal', async () => {
  const base = { account: '000000000000', region: 'us-east-1', functionName: 'esm', payload: JSON.stringify({ x: 3 }), invocationType: 'RequestResponse' as const };
  const direct = await invokeFunction(c.runtime, base);
  assert.deepEqual({ ...direct, payload: JSON.parse(direct.payload) }, { statusCode: 200, payload: { esm: true, got: 6 }, functionError: undefined, executedVersion: '$LATEST' });
  const sourceArn = 'arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/items';
  const asService = { ...base, principal: 'apigateway.amazonaws.com', sourceArn };
  await assert.rejects(invokeFunction(c.runtime, asService), (e: any) => e.code === 'AccessDeniedException');
  await lambda.send(
    new AddPermissionCommand({ FunctionName: 'esm', StatementId: 'apigw', Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', SourceArn: 'arn:aws:execute-api:us-east-1:000000000000:abc123/*' }),
  );
  const allowed = await invokeFunction(c.runtime, asService);
  assert.equal(allowed.statusCode, 200);
  const failing = await invokeFunction(c.runtime, { ...base, functionName: 'thrower' });
  assert.equal(failing.functionError, 'Unhandled');
  const queued = await invokeFunction(c.runtime, { ...base, invocationType: 'Event' });
  assert.equal(queued.statusCode, 202);
  await assert.rejects(invokeFunction(c.runtime, { ...base, functionName: 'absent' }), (e: any) => e.code === 'ResourceNotFoundException');
});

test('a warm function sees every change at once: its configuration, reserved concurrency, an alias, deletion', async () => {
  await createFunction(lambda, role, {
    FunctionName: 'changing',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Environment: { Variables: { COLOUR: 'red' } },
    files: {
      'index.js': `exports.handler = async () => ({ colour: process.env.COLOUR, version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        internal: Object.keys(process.env).filter((k) => k.startsWith('_CUMULUS')) });`,
    },
  });
  const call = async (qualifier?: string) => JSON.parse(decode((await lambda.send(new InvokeCommand({ FunctionName: 'changing', Qualifier: qualifier }))).Payload));
  // the runtime takes Cumulus's own variables (its Runtime API socket) out before the handler runs
  assert.deepEqual((await call()).internal, []);
  for (let i = 0; i < 3; i++) assert.equal((await call()).colour, 'red');
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'changing', Environment: { Variables: { COLOUR: 'blue' } } }));
  await waitActive(lambda, 'changing');
  assert.equal((await call()).colour, 'blue', 'the new configuration serves the next invoke');
  const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'changing' }));
  await lambda.send(new CreateAliasCommand({ FunctionName: 'changing', Name: 'live', FunctionVersion: v1.Version! }));
  assert.deepEqual(await call('live'), { colour: 'blue', version: v1.Version, internal: [] });
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'changing', ReservedConcurrentExecutions: 0 }));
  await assert.rejects(call(), (e: Error) => e.name === 'TooManyRequestsException');
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'changing' }));
  assert.equal((await call()).colour, 'blue');
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'changing' }));
  await assert.rejects(call(), (e: Error) => e.name === 'ResourceNotFoundException');
});
