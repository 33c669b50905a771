import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand, DeleteFunctionUrlConfigCommand, DeleteProvisionedConcurrencyConfigCommand, GetAccountSettingsCommand,
  GetFunctionCommand, GetFunctionConcurrencyCommand, GetFunctionEventInvokeConfigCommand, GetFunctionUrlConfigCommand,
  GetProvisionedConcurrencyConfigCommand, LambdaClient, ListFunctionEventInvokeConfigsCommand, ListFunctionUrlConfigsCommand,
  ListProvisionedConcurrencyConfigsCommand, ListTagsCommand, PublishVersionCommand, PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand, PutProvisionedConcurrencyConfigCommand, TagResourceCommand, UntagResourceCommand,
  UpdateFunctionEventInvokeConfigCommand, UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { eventInvokeConfigFor, functionUrlById, resolveFunction } from '../../src/services/lambda/resolve.js';
import { advance, createRole, HANDLER_ZIP, rejects } from './helpers.js';

describe('lambda concurrency, event invoke configs, URLs, tags and account settings', () => {
  let c: Cumulus;
  let lambda: LambdaClient;
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:cc';
  const ctx = () => ({ store: c.runtime.store, account: '000000000000', region: 'us-east-1' });

  before(async () => {
    process.env.CUMULUS_LAMBDA_CONCURRENCY_LIMIT = '300';
    c = await startTestCumulus();
    lambda = new LambdaClient(clientConfig(c));
    const role = await createRole(c, 'r');
    for (const name of ['cc', 'other']) {
      await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role, Code: { ZipFile: HANDLER_ZIP() } }));
    }
    await advance(c, 1);
    await lambda.send(new PublishVersionCommand({ FunctionName: 'cc' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'cc', Name: 'live', FunctionVersion: '1' }));
  });
  after(async () => {
    delete process.env.CUMULUS_LAMBDA_CONCURRENCY_LIMIT;
    await c.stop();
  });

  test('reserved concurrency keeps 100 unreserved; account settings report limits and usage', async () => {
    let s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.deepEqual(s.AccountLimit, { TotalCodeSize: 80530636800, CodeSizeUnzipped: 262144000, CodeSizeZipped: 52428800, ConcurrentExecutions: 300, UnreservedConcurrentExecutions: 300 });
    assert.equal(s.AccountUsage!.FunctionCount, 2);
    assert.equal(s.AccountUsage!.TotalCodeSize, HANDLER_ZIP().length * 3);
    const put = await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'cc', ReservedConcurrentExecutions: 150 }));
    assert.equal(put.ReservedConcurrentExecutions, 150);
    assert.deepEqual((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'cc' }))).ReservedConcurrentExecutions, 150);
    assert.deepEqual((await lambda.send(new GetFunctionCommand({ FunctionName: 'cc' }))).Concurrency, { ReservedConcurrentExecutions: 150 });
    const e = await rejects(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 51 })));
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 0 }));
    s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit!.UnreservedConcurrentExecutions, 150);
    assert.equal(resolveFunction(ctx(), 'cc').ReservedConcurrentExecutions, 150);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'other' }));
    assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'other' }))).ReservedConcurrentExecutions, undefined);
  });

  test('provisioned concurrency: IN_PROGRESS then READY on the clock; errors', async () => {
    let e = await rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })));
    assert.equal(e.name, 'InvalidParameterValueException');
    e = await rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: 'live', ProvisionedConcurrentExecutions: 151 })));
    assert.equal(e.name, 'InvalidParameterValueException');
    e = await rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: 'live' })));
    assert.equal(e.name, 'ProvisionedConcurrencyConfigNotFoundException');
    const put = await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: 'live', ProvisionedConcurrentExecutions: 2 }));
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    e = await rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: '1', ProvisionedConcurrentExecutions: 1 })));
    assert.equal(e.name, 'ResourceConflictException');
    assert.equal(resolveFunction(ctx(), 'cc', 'live').ProvisionedConcurrentExecutions, undefined);
    await advance(c, 2);
    const got = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: 'live' }));
    assert.equal(got.Status, 'READY');
    assert.equal(got.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(resolveFunction(ctx(), 'cc', 'live').ProvisionedConcurrentExecutions, 2);
    const list = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'cc' }));
    assert.deepEqual(list.ProvisionedConcurrencyConfigs!.map((p) => p.FunctionArn), [`${arn}:live`]);
    await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'cc', Qualifier: 'live' }));
    assert.equal((await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'cc' }))).ProvisionedConcurrencyConfigs!.length, 0);
  });

  test('event invoke config: put, update, get, list, delete; defaults for the execution side', async () => {
    assert.deepEqual(eventInvokeConfigFor(ctx(), arn, '$LATEST'), { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600, OnSuccess: undefined, OnFailure: undefined });
    let e = await rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cc' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, `The function ${arn}:$LATEST doesn't have an EventInvokeConfig`);
    e = await rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cc', MaximumRetryAttempts: 3 })));
    assert.equal(e.name, 'ValidationException');
    e = await rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cc', MaximumEventAgeInSeconds: 59 })));
    assert.equal(e.name, 'ValidationException');
    const put = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cc', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failed' } } }),
    );
    assert.equal(put.FunctionArn, `${arn}:$LATEST`);
    assert.equal(put.MaximumRetryAttempts, 0);
    assert.deepEqual(put.DestinationConfig, { OnSuccess: {}, OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failed' } });
    assert.ok(put.LastModified instanceof Date);
    const up = await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cc', MaximumEventAgeInSeconds: 600 }));
    assert.equal(up.MaximumRetryAttempts, 0);
    assert.equal(up.MaximumEventAgeInSeconds, 600);
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cc', Qualifier: 'live', MaximumRetryAttempts: 1 }));
    assert.deepEqual(eventInvokeConfigFor(ctx(), arn, '$LATEST'), { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600, OnSuccess: undefined, OnFailure: 'arn:aws:sqs:us-east-1:000000000000:failed' });
    assert.equal(eventInvokeConfigFor(ctx(), arn, 'live').MaximumRetryAttempts, 1);
    const list = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cc' }));
    assert.equal(list.FunctionEventInvokeConfigs!.length, 2);
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cc', Qualifier: 'live' }));
    assert.equal((await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cc' }))).FunctionEventInvokeConfigs!.length, 1);
  });

  test('function URL configs: create, get, update, list, delete; the URL carries the port', async () => {
    const created = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cc', AuthType: 'NONE', Cors: { AllowOrigins: ['*'] } }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    const m = /^http:\/\/([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:(\d+)\/$/.exec(created.FunctionUrl!);
    assert.ok(m, created.FunctionUrl);
    assert.equal(Number(m![2]), c.port);
    assert.equal(created.FunctionArn, arn);
    assert.equal(created.InvokeMode, 'BUFFERED');
    let e = await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cc', AuthType: 'NONE' })));
    assert.equal(e.name, 'ResourceConflictException');
    const aliasUrl = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cc', Qualifier: 'live', AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' }));
    assert.equal(aliasUrl.FunctionArn, `${arn}:live`);
    e = await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cc', Qualifier: '1', AuthType: 'NONE' })));
    assert.equal(e.name, 'ValidationException');
    const byId = functionUrlById(c.runtime, m![1]!);
    assert.deepEqual(byId, { account: '000000000000', region: 'us-east-1', FunctionName: 'cc', Qualifier: undefined, AuthType: 'NONE', Cors: { AllowOrigins: ['*'] }, InvokeMode: 'BUFFERED', FunctionArn: arn });
    const up = await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'cc', AuthType: 'AWS_IAM' }));
    assert.equal(up.AuthType, 'AWS_IAM');
    assert.equal(up.FunctionUrl, created.FunctionUrl);
    const got = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'cc' }));
    assert.ok(got.LastModifiedTime);
    const list = await lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'cc' }));
    assert.equal(list.FunctionUrlConfigs!.length, 2);
    await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'cc' }));
    e = await rejects(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'cc' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(functionUrlById(c.runtime, m![1]!), undefined);
  });

  test('tags through the SDK and boto3', async () => {
    await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { a: '1', b: '2' } }));
    await lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['a'] }));
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags, { b: '2' });
    const py = await boto3(c, `l = boto3.client('lambda', endpoint_url=endpoint)\nl.tag_resource(Resource='${arn}', Tags={'c': '3'})\nprint(json.dumps(l.list_tags(Resource='${arn}')['Tags']))`);
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { b: '2', c: '3' });
    const e = await rejects(lambda.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nope' })));
    assert.equal(e.name, 'ResourceNotFoundException');
  });

  test('deleting a function removes its versions, aliases, URLs and configs', async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'cc' }));
    const e = await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'cc', Qualifier: 'live' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.deepEqual(c.runtime.store.table('lambda', 'alias').list({ account: '000000000000', region: 'us-east-1' }), []);
    assert.deepEqual(c.runtime.store.table('lambda', 'url-id').listAll(), []);
  });
});
