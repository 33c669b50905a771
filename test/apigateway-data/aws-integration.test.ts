// AWS service integrations (type AWS): action/ (query and JSON protocol services) and path/ (REST services),
// called as the integration's credentials role and answered through the integration responses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Cumulus } from '../../src/server/server.js';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from '../apigateway/helpers.js';
import { createRole, invocationUri, nodeFunction } from '../apigateway/lambda-fixture.js';

let c: Cumulus;
let gw: APIGatewayClient;
let iam: IAMClient;
let roleArn: string;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  iam = new IAMClient(clientConfig(c));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'apigw-integration', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
});
after(async () => {
  gw.destroy();
  iam.destroy();
  await c.stop();
});

describe('AWS service integrations', () => {
  test('action/: STS GetCallerIdentity runs as the credentials role; EC2 DescribeVpcs answers as EC2 does', async () => {
    const api = await ApiBuilder.create(gw, 'aws-actions');
    await api.method('/whoami', 'GET', { type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sts:action/GetCallerIdentity', credentials: roleArn });
    await api.response('/whoami', 'GET', '200');
    await api.method('/vpcs', 'GET', {
      type: 'AWS',
      integrationHttpMethod: 'POST',
      uri: 'arn:aws:apigateway:us-east-1:ec2:action/DescribeVpcs',
      credentials: roleArn,
      requestParameters: { 'integration.request.querystring.Filter.1.Name': "'is-default'", 'integration.request.querystring.Filter.1.Value.1': "'true'" },
    });
    await api.response('/vpcs', 'GET', '200');
    await api.deploy('prod');

    const who = await fetch(`${stageUrl(c, api.id, 'prod')}/whoami`);
    assert.equal(who.status, 200);
    const xml = await who.text();
    assert.match(xml, /<GetCallerIdentityResponse/);
    assert.match(xml, /<Arn>arn:aws:sts::\d{12}:assumed-role\/apigw-integration\/[^<]+<\/Arn>/);

    const vpcs = await fetch(`${stageUrl(c, api.id, 'prod')}/vpcs`);
    assert.equal(vpcs.status, 200);
    const body = await vpcs.text();
    assert.match(body, /<DescribeVpcsResponse/);
    assert.match(body, /<isDefault>true<\/isDefault>/);
  });

  test('action/ with X-Amz-Target: EventBridge PutEvents from a mapping template', async () => {
    const api = await ApiBuilder.create(gw, 'aws-events');
    await api.method('/events', 'POST', {
      type: 'AWS',
      integrationHttpMethod: 'POST',
      uri: 'arn:aws:apigateway:us-east-1:events:action/PutEvents',
      credentials: roleArn,
      requestParameters: { 'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'", 'integration.request.header.Content-Type': "'application/x-amz-json-1.1'" },
      requestTemplates: { 'application/json': '{"Entries":[{"Source":"my.app","DetailType":"order","Detail":"$util.escapeJavaScript($input.body)","EventBusName":"default"}]}' },
    });
    await api.response('/events', 'POST', '200', { responseTemplates: { 'application/json': '{"id": "$input.path(\'$.Entries[0].EventId\')", "failed": $input.path(\'$.FailedEntryCount\')}' } });
    await api.response('/events', 'POST', '400', { selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"error": "$input.path(\'$.__type\')"}' } });
    await api.deploy('prod');

    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: 42 }) });
    assert.equal(r.status, 200);
    const out = (await r.json()) as { id: string; failed: number };
    assert.equal(out.failed, 0);
    assert.match(out.id, /^[0-9a-f-]{36}$/);

    // an event bus that does not exist: EventBridge's error, mapped by the 4xx integration response
    await api.method('/bad', 'POST', {
      type: 'AWS',
      integrationHttpMethod: 'POST',
      uri: 'arn:aws:apigateway:us-east-1:events:action/PutEvents',
      credentials: roleArn,
      requestParameters: { 'integration.request.header.X-Amz-Target': "'AWSEvents.DescribeEventBus'", 'integration.request.header.Content-Type': "'application/x-amz-json-1.1'" },
      requestTemplates: { 'application/json': '{"Name":"no-such-bus"}' },
    });
    await api.response('/bad', 'POST', '200');
    await api.response('/bad', 'POST', '400', { selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"error": "$input.path(\'$.__type\')"}' } });
    await api.deploy('prod');
    const bad = await fetch(`${stageUrl(c, api.id, 'prod')}/bad`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /ResourceNotFoundException/);
  });

  test("credentials arn:aws:iam::*:user/*: the IAM-authorized caller's own identity calls the service", async () => {
    const api = await ApiBuilder.create(gw, 'aws-caller');
    await api.method('/me', 'GET', { type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sts:action/GetCallerIdentity', credentials: 'arn:aws:iam::*:user/*' }, { authorizationType: 'AWS_IAM' });
    await api.response('/me', 'GET', '200');
    await api.deploy('prod');
    await iam.send(new CreateUserCommand({ UserName: 'caller' }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'caller', PolicyName: 'invoke', PolicyDocument: JSON.stringify(policy) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'caller' }))).AccessKey!;
    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/me`, { headers: { authorization: fakeAuth('execute-api', 'us-east-1', key.AccessKeyId!), 'x-amz-date': '20261130T000000Z' } });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /<Arn>arn:aws:iam::\d{12}:user\/caller<\/Arn>/);
  });

  test('path/: a REST service (Lambda ListFunctions) with a GET', async () => {
    const api = await ApiBuilder.create(gw, 'aws-path');
    await api.method('/functions', 'GET', { type: 'AWS', integrationHttpMethod: 'GET', uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', credentials: roleArn });
    await api.response('/functions', 'GET', '200', { responseTemplates: { 'application/json': '{"count": $input.path(\'$.Functions\').size()}' } });
    await api.deploy('prod');
    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/functions`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { count: 0 });
  });

  test('Lambda with credentials: invoked as the role, without a resource policy permission', async () => {
    const lambda = new LambdaClient(clientConfig(c));
    try {
      const execRole = await createRole(c, 'fn-exec');
      const fn = await nodeFunction(c, lambda, execRole, 'as-role', 'export const handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ path: e.path }) });');
      const api = await ApiBuilder.create(gw, 'lambda-role');
      await api.method('/with', 'GET', { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: invocationUri(fn), credentials: roleArn });
      await api.method('/without', 'GET', { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: invocationUri(fn) });
      await api.deploy('prod');
      const ok = await fetch(`${stageUrl(c, api.id, 'prod')}/with`);
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { path: '/with' });
      // no credentials and no permission for apigateway.amazonaws.com: the function's policy refuses
      assert.equal((await fetch(`${stageUrl(c, api.id, 'prod')}/without`)).status, 500);
    } finally {
      lambda.destroy();
    }
  });

  test('a role that does not exist or does not trust API Gateway is a configuration error (500); no credentials is refused by the service', async () => {
    const api = await ApiBuilder.create(gw, 'aws-bad-role');
    await api.method('/norole', 'GET', { type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sts:action/GetCallerIdentity', credentials: 'arn:aws:iam::000000000000:role/nope' });
    await api.response('/norole', 'GET', '200');
    const lambdaOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const untrusted = (await iam.send(new CreateRoleCommand({ RoleName: 'lambda-only', AssumeRolePolicyDocument: JSON.stringify(lambdaOnly) }))).Role!.Arn!;
    await api.method('/untrusted', 'GET', { type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sts:action/GetCallerIdentity', credentials: untrusted });
    await api.response('/untrusted', 'GET', '200');
    await api.method('/anon', 'GET', { type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sts:action/GetCallerIdentity' });
    await api.response('/anon', 'GET', '200');
    await api.response('/anon', 'GET', '403', { selectionPattern: '403' });
    await api.deploy('prod');
    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/norole`);
    assert.equal(r.status, 500);
    assert.deepEqual(await r.json(), { message: 'Internal server error' });
    assert.equal((await fetch(`${stageUrl(c, api.id, 'prod')}/untrusted`)).status, 500);
    const anon = await fetch(`${stageUrl(c, api.id, 'prod')}/anon`);
    assert.equal(anon.status, 403);
    assert.match(await anon.text(), /Missing Authentication Token/);
  });
});

describe('in strict SigV4 mode', () => {
  let strict: Cumulus;
  before(async () => {
    strict = await startTestCumulus({ strictSigV4: true });
  });
  after(() => strict.stop());

  test('the calls API Gateway signs as the role pass signature verification', async () => {
    // strict mode knows no secret for the root's 'test' key: a user and its key are made in-process
    const handlers = strict.controlPlane.service('iam')!.handlers;
    const ctx = { ...strict.runtime, account: '000000000000', region: 'us-east-1', caller: { type: 'Root', arn: 'arn:aws:iam::000000000000:root', userId: '000000000000', accessKeyId: '' } };
    strict.runtime.store.transaction(() => handlers['CreateUser']!(ctx as never, { UserName: 'admin' }));
    const key = (strict.runtime.store.transaction(() => handlers['CreateAccessKey']!(ctx as never, { UserName: 'admin' })) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } }).AccessKey;
    const cfg = clientConfig(strict, { credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey } });
    const sgw = new APIGatewayClient(cfg);
    const siam = new IAMClient(cfg);
    try {
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
      const role = (await siam.send(new CreateRoleCommand({ RoleName: 'strict-role', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
      const api = await ApiBuilder.create(sgw, 'strict');
      await api.method('/whoami', 'GET', { type: 'AWS', integrationHttpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:sts:action/GetCallerIdentity', credentials: role });
      await api.response('/whoami', 'GET', '200');
      await api.method('/functions', 'GET', { type: 'AWS', integrationHttpMethod: 'GET', uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', credentials: role, requestParameters: { 'integration.request.querystring.MaxItems': "'5'" } });
      await api.response('/functions', 'GET', '200');
      await api.deploy('prod');
      const who = await fetch(`${stageUrl(strict, api.id, 'prod')}/whoami`);
      assert.match(await who.text(), /assumed-role\/strict-role\//);
      const fns = await fetch(`${stageUrl(strict, api.id, 'prod')}/functions`);
      assert.deepEqual(await fns.json(), { Functions: [] });
    } finally {
      sgw.destroy();
      siam.destroy();
    }
  });
});
