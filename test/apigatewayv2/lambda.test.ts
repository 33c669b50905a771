// Lambda integrations with real functions (nodejs20.x, zips made by the `zip` CLI): quick create with a Lambda
// target, the 2.0 and 1.0 events and response mappings, function errors, the resource-policy check, and REQUEST
// Lambda authorizers (simple responses with caching, IAM policies).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  GetRoutesCommand,
  ResetAuthorizersCacheCommand,
} from '@aws-sdk/client-apigatewayv2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { allowApiGateway, createRole, nodeFunction } from '../apigateway/lambda-fixture.js';
import { callApi } from './helpers.js';

let c: Cumulus;
let gw: ApiGatewayV2Client;
let lambda: LambdaClient;
let apiId: string;
const ACCOUNT = '000000000000';

const ECHO = `export const handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (q.mode === 'throw') throw new Error('boom');
  if (q.mode === 'bare') return { hello: 'world' };
  if (q.mode === 'sleep') await new Promise((r) => setTimeout(r, 1500));
  if (q.mode === 'bin') return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
  if (event.version === '1.0') return { statusCode: 202, headers: { 'x-fn': 'v1' }, multiValueHeaders: { 'x-multi': ['a', 'b'] }, body: JSON.stringify(event) };
  return { statusCode: 201, headers: { 'x-fn': 'v2' }, cookies: ['a=1', 'b=2; Path=/'], body: JSON.stringify(event) };
};`;

const AUTH_SIMPLE = `export const handler = async (event) => ({
  isAuthorized: event.headers['x-token'] === 'let-me-in',
  context: { user: 'alice', nonce: Math.random().toString(36).slice(2), seen: event.identitySource.join(',') },
});`;

const AUTH_POLICY = `export const handler = async (event) => ({
  principalId: 'bob',
  policyDocument: { Version: '2012-10-17', Statement: [
    { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn.replace(/\\/GET\\/policy\\/.*$/, '/GET/policy/ok') },
  ] },
  context: { tier: 'gold' },
});`;

before(async () => {
  c = await startTestCumulus();
  gw = new ApiGatewayV2Client(clientConfig(c));
  lambda = new LambdaClient(clientConfig(c));
  const role = await createRole(c, 'apigwv2-fn');
  const [echo, simple, policy] = await Promise.all([
    nodeFunction(c, lambda, role, 'echo', ECHO),
    nodeFunction(c, lambda, role, 'auth-simple', AUTH_SIMPLE),
    nodeFunction(c, lambda, role, 'auth-policy', AUTH_POLICY),
  ]);
  apiId = (await gw.send(new CreateApiCommand({ Name: 'fn', ProtocolType: 'HTTP', Target: echo }))).ApiId!;
  const sourceArn = `arn:aws:execute-api:us-east-1:${ACCOUNT}:${apiId}/*`;
  await allowApiGateway(lambda, 'echo', sourceArn);
  await allowApiGateway(lambda, 'auth-simple', sourceArn);
  await allowApiGateway(lambda, 'auth-policy', sourceArn);
  const v2Target = (await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items![0]!.Target!;
  const v1 = await gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: echo, PayloadFormatVersion: '1.0' }));
  await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /v1/{id}', Target: `integrations/${v1.IntegrationId}` }));
  const short = await gw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: echo, PayloadFormatVersion: '2.0', TimeoutInMillis: 300 }));
  await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /short', Target: `integrations/${short.IntegrationId}` }));
  const a1 = await gw.send(
    new CreateAuthorizerCommand({
      ApiId: apiId,
      Name: 'simple',
      AuthorizerType: 'REQUEST',
      AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${simple}/invocations`,
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.x-token'],
      AuthorizerResultTtlInSeconds: 300,
    }),
  );
  await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /private', AuthorizationType: 'CUSTOM', AuthorizerId: a1.AuthorizerId, Target: v2Target }));
  const a2 = await gw.send(
    new CreateAuthorizerCommand({ ApiId: apiId, Name: 'policy', AuthorizerType: 'REQUEST', AuthorizerUri: policy, AuthorizerPayloadFormatVersion: '1.0', IdentitySource: ['$request.header.x-token'] }),
  );
  await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /policy/{x}', AuthorizationType: 'CUSTOM', AuthorizerId: a2.AuthorizerId, Target: `integrations/${v1.IntegrationId}` }));
});
after(async () => {
  gw.destroy();
  lambda.destroy();
  await c.stop();
});

describe('Lambda proxy integrations', () => {
  test('payload 2.0: the event, statusCode/headers/cookies, bare JSON answers, errors', async () => {
    const r = await callApi(c, apiId, '/a/b?x=1&x=2&y=z', { method: 'POST', body: '{"k":1}', headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-dup': 'one' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers['x-fn'], 'v2');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2; Path=/']);
    const e = r.json();
    assert.equal(e.version, '2.0');
    assert.equal(e.routeKey, '$default');
    assert.equal(e.rawPath, '/a/b');
    assert.equal(e.rawQueryString, 'x=1&x=2&y=z');
    assert.deepEqual(e.queryStringParameters, { x: '1,2', y: 'z' });
    assert.deepEqual(e.cookies, ['c1=v1', 'c2=v2']);
    assert.equal(e.headers['x-dup'], 'one');
    assert.equal(e.body, '{"k":1}');
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.apiId, apiId);
    assert.equal(e.requestContext.accountId, ACCOUNT);
    assert.equal(e.requestContext.stage, '$default');
    assert.equal(e.requestContext.http.method, 'POST');
    assert.equal(e.requestContext.http.path, '/a/b');
    assert.equal(e.requestContext.domainPrefix, apiId);
    assert.equal(typeof e.requestContext.timeEpoch, 'number');
    assert.equal(e.requestContext.requestId, r.headers['apigw-requestid']);
    const bare = await callApi(c, apiId, '/x?mode=bare');
    assert.equal(bare.status, 200);
    assert.match(String(bare.headers['content-type']), /application\/json/);
    assert.deepEqual(bare.json(), { hello: 'world' });
    const err = await callApi(c, apiId, '/x?mode=throw');
    assert.equal(err.status, 500);
    assert.deepEqual(err.json(), { message: 'Internal Server Error' });
  });

  test('binary bodies: base64 in the event for non-text types, isBase64Encoded answers decoded', async () => {
    const r = await callApi(c, apiId, '/up', { method: 'PUT', body: Buffer.from([1, 2, 3]), headers: { 'content-type': 'application/octet-stream' } });
    const e = r.json();
    assert.equal(e.isBase64Encoded, true);
    assert.equal(e.body, Buffer.from([1, 2, 3]).toString('base64'));
    const bin = await new Promise<Buffer>((resolve) => {
      import('node:http').then(({ default: http }) =>
        http.get({ host: '127.0.0.1', port: c.port, path: '/b?mode=bin', headers: { host: `${apiId}.execute-api.localhost` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        }),
      );
    });
    assert.deepEqual([...bin], [0, 1, 2, 255]);
  });

  test('a function slower than the integration timeout: 503 Service Unavailable', async () => {
    const r = await callApi(c, apiId, '/short?mode=sleep');
    assert.equal(r.status, 503);
    assert.deepEqual(r.json(), { message: 'Service Unavailable' });
  });

  test('payload 1.0: the REST proxy event and its response mapping', async () => {
    const r = await callApi(c, apiId, '/v1/42?a=1&a=2', { headers: { 'x-h': 'v' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.headers['x-fn'], 'v1');
    assert.equal(r.headers['x-multi'], 'a,b');
    const e = r.json();
    assert.equal(e.version, '1.0');
    assert.equal(e.resource, '/v1/{id}');
    assert.equal(e.path, '/v1/42');
    assert.equal(e.httpMethod, 'GET');
    assert.deepEqual(e.pathParameters, { id: '42' });
    assert.deepEqual(e.multiValueQueryStringParameters, { a: ['1', '2'] });
    assert.equal(e.queryStringParameters.a, '2');
    assert.equal(e.headers['x-h'], 'v');
    assert.equal(e.requestContext.resourcePath, '/v1/{id}');
    assert.equal(e.requestContext.identity.sourceIp, '127.0.0.1');
  });

  test('without a permission for API Gateway the function is not called: 500', async () => {
    const role = await createRole(c, 'apigwv2-noperm');
    const fn = await nodeFunction(c, lambda, role, 'no-permission', 'export const handler = async () => ({ statusCode: 200, body: "hi" });');
    const id = (await gw.send(new CreateApiCommand({ Name: 'noperm', ProtocolType: 'HTTP', Target: fn }))).ApiId!;
    const r = await callApi(c, id, '/');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), { message: 'Internal Server Error' });
  });
});

describe('REQUEST Lambda authorizers', () => {
  test('simple responses: allowed with context, denied 403, no identity 401, results cached per identity', async () => {
    const none = await callApi(c, apiId, '/private');
    assert.equal(none.status, 401);
    assert.deepEqual(none.json(), { message: 'Unauthorized' });
    const denied = await callApi(c, apiId, '/private', { headers: { 'x-token': 'wrong' } });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.json(), { message: 'Forbidden' });
    const ok = await callApi(c, apiId, '/private', { headers: { 'x-token': 'let-me-in' } });
    assert.equal(ok.status, 201, ok.text);
    const ctx1 = ok.json().requestContext.authorizer.lambda;
    assert.equal(ctx1.user, 'alice');
    assert.equal(ctx1.seen, 'let-me-in');
    const again = (await callApi(c, apiId, '/private', { headers: { 'x-token': 'let-me-in' } })).json().requestContext.authorizer.lambda;
    assert.equal(again.nonce, ctx1.nonce, 'the cached decision is reused');
    await gw.send(new ResetAuthorizersCacheCommand({ ApiId: apiId, StageName: '$default' }));
    const fresh = (await callApi(c, apiId, '/private', { headers: { 'x-token': 'let-me-in' } })).json().requestContext.authorizer.lambda;
    assert.notEqual(fresh.nonce, ctx1.nonce);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 301 }) });
    const expired = (await callApi(c, apiId, '/private', { headers: { 'x-token': 'let-me-in' } })).json().requestContext.authorizer.lambda;
    assert.notEqual(expired.nonce, fresh.nonce, 'the TTL ran out on the virtual clock');
  });

  test('IAM policy responses are evaluated against the request ARN; context and principalId reach a 1.0 event', async () => {
    const ok = await callApi(c, apiId, '/policy/ok', { headers: { 'x-token': 't' } });
    assert.equal(ok.status, 202, ok.text);
    const auth = ok.json().requestContext.authorizer;
    assert.equal(auth.tier, 'gold');
    assert.equal(auth.principalId, 'bob');
    const no = await callApi(c, apiId, '/policy/other', { headers: { 'x-token': 't' } });
    assert.equal(no.status, 403);
    assert.deepEqual(no.json(), { message: 'Forbidden' });
  });
});
