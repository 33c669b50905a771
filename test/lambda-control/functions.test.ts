import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { advance, createRole, HANDLER_ZIP, LAMBDA_TRUST, makeZip, rejects } from './helpers.js';

describe('lambda functions through the SDK', () => {
  let c: Cumulus;
  let lambda: LambdaClient;
  let role: string;
  const zip = HANDLER_ZIP();
  const create = (name: string, extra: Record<string, unknown> = {}) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role, Code: { ZipFile: zip }, ...extra }));

  before(async () => {
    c = await startTestCumulus();
    lambda = new LambdaClient(clientConfig(c));
    role = await createRole(c, 'fn-role');
  });
  after(() => c.stop());

  test('create: Pending/Creating, then Active on the clock; defaults and code hash as AWS', async () => {
    const out = await create('f1', { Environment: { Variables: { AA: '1' } }, Description: 'first' });
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.State, 'Pending');
    assert.equal(out.StateReasonCode, 'Creating');
    assert.equal(out.StateReason, 'The function is being created.');
    assert.equal(out.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:f1');
    assert.equal(out.Version, '$LATEST');
    assert.equal(out.Timeout, 3);
    assert.equal(out.MemorySize, 128);
    assert.deepEqual(out.EphemeralStorage, { Size: 512 });
    assert.deepEqual(out.Architectures, ['x86_64']);
    assert.deepEqual(out.TracingConfig, { Mode: 'PassThrough' });
    assert.deepEqual(out.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/f1' });
    assert.deepEqual(out.Environment, { Variables: { AA: '1' } });
    assert.equal(out.PackageType, 'Zip');
    assert.equal(out.CodeSize, zip.length);
    assert.equal(out.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.match(out.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.ok(out.RevisionId);
    await advance(c, 1);
    const got = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f1' }));
    assert.equal(got.State, 'Active');
    assert.equal(got.LastUpdateStatus, 'Successful');
    assert.equal(got.StateReasonCode, undefined);
  });

  test('waiters: function-active-v2 and function-updated-v2 work at real speed', async () => {
    await create('waited');
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 20, minDelay: 1 }, { FunctionName: 'waited' });
    const up = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'waited', MemorySize: 256 }));
    assert.equal(up.LastUpdateStatus, 'InProgress');
    assert.equal(up.LastUpdateStatusReasonCode, 'Creating');
    // a second update while the first is in progress conflicts, as in AWS
    const e = await rejects(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'waited', MemorySize: 512 })));
    assert.equal(e.name, 'ResourceConflictException');
    assert.equal(e.message, 'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:waited');
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 20, minDelay: 1 }, { FunctionName: 'waited' });
    const got = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'waited' }));
    assert.equal(got.MemorySize, 256);
    assert.equal(got.LastUpdateStatus, 'Successful');
  });

  test('updating a Pending function conflicts', async () => {
    await create('pending');
    const e = await rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'pending', ZipFile: zip })));
    assert.equal(e.name, 'ResourceConflictException');
    assert.match(e.message, /currently in the following state: Pending/);
  });

  test('GetFunction: Code.Location downloads the same zip; tags and concurrency', async () => {
    await create('dl', { Tags: { team: 'a' } });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:dl' }));
    assert.equal(got.Code!.RepositoryType, 'S3');
    assert.ok(got.Code!.Location!.startsWith(c.url));
    assert.deepEqual(got.Tags, { team: 'a' });
    const res = await fetch(got.Code!.Location!);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), zip);
    const tampered = got.Code!.Location!.replace(/\.([A-Za-z0-9_-]+)\.zip$/, '.AAAA.zip');
    assert.equal((await fetch(tampered)).status, 403);
    await advance(c, 11 * 60);
    assert.equal((await fetch(got.Code!.Location!)).status, 403, 'the link expires after 10 minutes');
  });

  test('UpdateFunctionCode: new hash, RevisionId precondition, Publish', async () => {
    await create('code');
    await advance(c, 1);
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'code' }));
    const bad = await rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'code', ZipFile: zip, RevisionId: 'nope' })));
    assert.equal(bad.name, 'PreconditionFailedException');
    const zip2 = makeZip({ 'index.js': 'exports.handler = async () => 2;\n' });
    const up = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'code', ZipFile: zip2, RevisionId: before.RevisionId, Publish: true }));
    assert.equal(up.CodeSha256, createHash('sha256').update(zip2).digest('base64'));
    assert.equal(up.Version, '1');
    assert.notEqual(up.RevisionId, before.RevisionId);
    await advance(c, 1);
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'code' }));
    assert.deepEqual(Buffer.from(await (await fetch(got.Code!.Location!)).arrayBuffer()), zip2);
  });

  test('UpdateFunctionConfiguration: every field', async () => {
    await create('cfg');
    await advance(c, 1);
    const role2 = await createRole(c, 'fn-role-2');
    const out = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'cfg', Role: role2, Handler: 'main.go', Runtime: 'python3.12', Description: 'd', Timeout: 900, MemorySize: 10240,
        EphemeralStorage: { Size: 10240 }, Environment: { Variables: { XX: 'y' } }, TracingConfig: { Mode: 'Active' },
        DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' }, LoggingConfig: { LogFormat: 'JSON', LogGroup: '/custom' },
      }),
    );
    assert.equal(out.Role, role2);
    assert.equal(out.Handler, 'main.go');
    assert.equal(out.Runtime, 'python3.12');
    assert.equal(out.Timeout, 900);
    assert.equal(out.MemorySize, 10240);
    assert.deepEqual(out.EphemeralStorage, { Size: 10240 });
    assert.deepEqual(out.TracingConfig, { Mode: 'Active' });
    assert.deepEqual(out.DeadLetterConfig, { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' });
    assert.deepEqual(out.LoggingConfig, { LogFormat: 'JSON', LogGroup: '/custom', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
  });

  test('ListFunctions pages with Marker/MaxItems and omits state fields; DeleteFunction', async () => {
    for (const n of ['la', 'lb', 'lc']) await create(n);
    const seen: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await lambda.send(new ListFunctionsCommand({ MaxItems: 2, Marker }));
      assert.ok(page.Functions!.length <= 2);
      for (const f of page.Functions!) {
        seen.push(f.FunctionName!);
        assert.equal(f.State, undefined);
      }
      Marker = page.NextMarker;
    } while (Marker);
    for (const n of ['la', 'lb', 'lc', 'f1']) assert.ok(seen.includes(n));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'lb' }));
    const e = await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'lb' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:lb');
    assert.equal(e.$metadata!.httpStatusCode, 404);
  });

  test('CreateFunction errors as AWS words them', async () => {
    const err = (extra: Record<string, unknown>, name = 'bad') => rejects(create(name, extra));
    let e = await err({ Runtime: 'nodejs12.x' });
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.match(e.message, /^The runtime parameter of nodejs12.x is no longer supported for creating or updating AWS Lambda functions/);
    e = await err({ Runtime: 'java21' });
    assert.equal(e.name, 'InvalidParameterValueException');
    e = await err({ Role: 'arn:aws:iam::000000000000:role/missing' });
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, 'The role defined for the function cannot be assumed by Lambda.');
    const ec2Role = await createRole(c, 'ec2-role', LAMBDA_TRUST.replace('lambda.amazonaws.com', 'ec2.amazonaws.com'));
    e = await err({ Role: ec2Role });
    assert.equal(e.message, 'The role defined for the function cannot be assumed by Lambda.');
    e = await err({ Handler: undefined });
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
    e = await err({ MemorySize: 10241 });
    assert.equal(e.name, 'ValidationException');
    e = await err({ MemorySize: 64 });
    assert.equal(e.name, 'ValidationException');
    e = await err({ Timeout: 901 });
    assert.equal(e.name, 'ValidationException');
    e = await err({ EphemeralStorage: { Size: 10241 } });
    assert.equal(e.name, 'ValidationException');
    e = await err({ Environment: { Variables: { BIG: 'x'.repeat(4100) } } });
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.match(e.message, /^Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit\. String measured: /);
    e = await err({ Environment: { Variables: { AWS_REGION: 'x' } } });
    assert.match(e.message, /reserved keys.*AWS_REGION/);
    e = await err({ Code: { ZipFile: Buffer.from('this is not a zip') } });
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, 'Could not unzip uploaded file. Please check your file, then try to upload again.');
    e = await err({ Code: { S3Bucket: 'my-bucket', S3Key: 'k.zip' } });
    assert.equal(e.name, 'InvalidParameterValueException');
    e = await err({}, 'f1');
    assert.equal(e.name, 'ResourceConflictException');
    assert.equal(e.message, 'Function already exist: f1');
    assert.equal(e.$metadata!.httpStatusCode, 409);
    e = await err({}, 'x'.repeat(65));
    assert.equal(e.name, 'ValidationException');
    e = await err({ Code: { ZipFile: makeZip({ '../evil.js': 'x' }) } });
    assert.equal(e.message, 'Could not unzip uploaded file. Please check your file, then try to upload again.');
  });

  test('boto3: create from zip bytes, waiters, update code, download, delete', async () => {
    const py = await boto3(
      c,
      `import io, zipfile, urllib.request, hashlib, base64
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w') as z:
    z.writestr('app.py', 'def handler(e, c):\\n    return 1\\n')
code = buf.getvalue()
l = boto3.client('lambda', endpoint_url=endpoint)
created = l.create_function(FunctionName='py', Runtime='python3.12', Handler='app.handler', Role='${role}', Code={'ZipFile': code}, Timeout=30)
l.get_waiter('function_active_v2').wait(FunctionName='py', WaiterConfig={'Delay': 1, 'MaxAttempts': 20})
buf2 = io.BytesIO()
with zipfile.ZipFile(buf2, 'w') as z:
    z.writestr('app.py', 'def handler(e, c):\\n    return 2\\n')
updated = l.update_function_code(FunctionName='py', ZipFile=buf2.getvalue())
l.get_waiter('function_updated_v2').wait(FunctionName='py', WaiterConfig={'Delay': 1, 'MaxAttempts': 20})
got = l.get_function(FunctionName='py')
body = urllib.request.urlopen(got['Code']['Location']).read()
l.delete_function(FunctionName='py')
try:
    l.get_function(FunctionName='py')
    gone = False
except l.exceptions.ResourceNotFoundException:
    gone = True
print(json.dumps({'state': created['State'], 'timeout': created['Timeout'], 'status': updated['LastUpdateStatus'],
  'after': got['Configuration']['LastUpdateStatus'], 'same': body == buf2.getvalue(),
  'sha': got['Configuration']['CodeSha256'] == base64.b64encode(hashlib.sha256(buf2.getvalue()).digest()).decode(), 'gone': gone}))`,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { state: 'Pending', timeout: 30, status: 'InProgress', after: 'Successful', same: true, sha: true, gone: true });
  });
});
