// Lambda integrations with real functions: proxy (the 1.0 event, the response mapping, malformed answers, the
// permission check), custom (VTL both ways, error selection by message), and a TOKEN authorizer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, CreateAuthorizerCommand } from '@aws-sdk/client-api-gateway';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from './helpers.js';
import { allowApiGateway, createRole, invocationUri, nodeFunction } from './lambda-fixture.js';

let c: Cumulus;
let gw: APIGatewayClient;
let lambda: LambdaClient;
let role: string;
const ACCOUNT = '000000000000';

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  lambda = new LambdaClient(clientConfig(c));
  role = await createRole(c, 'apigw-fn');
});
after(async () => {
  gw.destroy();
  lambda.destroy();
  await c.stop();
});

const ECHO = `export const handler = async (event) => {
  if (event.queryStringParameters && event.queryStringParameters.mode === 'malformed') return { statusCode: 200, nonsense: true };
  if (event.queryStringParameters && event.queryStringParameters.mode === 'throw') throw new Error('boom');
  return { statusCode: 201, headers: { 'x-fn': 'echo' }, multiValueHeaders: { 'x-multi': ['a', 'b'] }, body: JSON.stringify(event) };
};`;

describe('Lambda proxy integration', () => {
  test('the 1.0 event, the proxy response, malformed answers and function errors as 502', async () => {
    const fn = await nodeFunction(c, lambda, role, 'echo', ECHO);
    const api = await ApiBuilder.create(gw, 'proxy-fn', { binaryMediaTypes: ['application/octet-stream'] });
    await api.method('/pets/{id}', 'ANY', { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: invocationUri(fn) });
    await api.deploy('prod', { color: 'blue' });
    await allowApiGateway(lambda, 'echo', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/*/*/pets/*`);

    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/pets/7?a=1&a=2&b=x`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Custom': 'v' }, body: '{"n":1}' });
    assert.equal(r.status, 201, await r.clone().text());
    assert.equal(r.headers.get('x-fn'), 'echo');
    assert.equal(r.headers.get('x-multi'), 'a, b');
    const e = await r.json();
    assert.equal(e.resource, '/pets/{id}');
    assert.equal(e.path, '/pets/7');
    assert.equal(e.httpMethod, 'POST');
    assert.equal(e.headers['X-Custom'], 'v');
    assert.deepEqual(e.multiValueHeaders['X-Custom'], ['v']);
    assert.equal(e.headers['X-Forwarded-For'], '127.0.0.1');
    assert.equal(e.headers['X-Forwarded-Proto'], 'http');
    assert.equal(e.headers['X-Amzn-Trace-Id'], r.headers.get('x-amzn-trace-id'));
    assert.deepEqual(e.queryStringParameters, { a: '2', b: 'x' });
    assert.deepEqual(e.multiValueQueryStringParameters, { a: ['1', '2'], b: ['x'] });
    assert.deepEqual(e.pathParameters, { id: '7' });
    assert.deepEqual(e.stageVariables, { color: 'blue' });
    assert.equal(e.body, '{"n":1}');
    assert.equal(e.isBase64Encoded, false);
    const rc = e.requestContext;
    assert.equal(rc.resourcePath, '/pets/{id}');
    assert.equal(rc.httpMethod, 'POST');
    assert.equal(rc.path, '/prod/pets/7');
    assert.equal(rc.stage, 'prod');
    assert.equal(rc.accountId, ACCOUNT);
    assert.equal(rc.apiId, api.id);
    assert.equal(rc.protocol, 'HTTP/1.1');
    assert.match(rc.requestTime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(typeof rc.requestTimeEpoch, 'number');
    assert.equal(rc.requestId, r.headers.get('x-amzn-requestid'));
    assert.equal(rc.identity.sourceIp, '127.0.0.1');
    assert.equal(rc.domainName, `${api.id}.execute-api.localhost`);
    assert.equal(rc.domainPrefix, api.id);

    const bin = await (await fetch(`${stageUrl(c, api.id, 'prod')}/pets/8`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]) })).json();
    assert.equal(bin.isBase64Encoded, true);
    assert.equal(bin.body, Buffer.from([0, 1, 2, 255]).toString('base64'));

    const malformed = await fetch(`${stageUrl(c, api.id, 'prod')}/pets/1?mode=malformed`);
    assert.equal(malformed.status, 502);
    assert.deepEqual(await malformed.json(), { message: 'Internal server error' });
    const thrown = await fetch(`${stageUrl(c, api.id, 'prod')}/pets/1?mode=throw`);
    assert.equal(thrown.status, 502);
    assert.deepEqual(await thrown.json(), { message: 'Internal server error' });
  });

  test('without a permission for apigateway.amazonaws.com: 500 Internal server error', async () => {
    const fn = await nodeFunction(c, lambda, role, 'unpermitted', 'export const handler = async () => ({ statusCode: 200, body: "hi" });');
    const api = await ApiBuilder.create(gw, 'no-perm');
    await api.method('/x', 'GET', { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: invocationUri(fn) });
    await api.deploy('prod');
    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/x`);
    assert.equal(r.status, 500);
    assert.deepEqual(await r.json(), { message: 'Internal server error' });
    // a permission for another path does not help; one for the method's ARN does
    await allowApiGateway(lambda, 'unpermitted', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/*/GET/other`);
    assert.equal((await fetch(`${stageUrl(c, api.id, 'prod')}/x`)).status, 500);
    await allowApiGateway(lambda, 'unpermitted', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/prod/GET/x`);
    const ok = await fetch(`${stageUrl(c, api.id, 'prod')}/x`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hi');
  });
});

describe('Lambda custom integration', () => {
  test('VTL request and response templates; errors selected by message', async () => {
    const fn = await nodeFunction(
      c,
      lambda,
      role,
      'calc',
      `export const handler = async (e) => {
        if (e.op === 'fail') throw new Error('Bad input: ' + e.a);
        return { sum: e.a + e.b, who: e.who, items: [1, 2, 3] };
      };`,
    );
    const api = await ApiBuilder.create(gw, 'custom-fn');
    await api.method('/calc/{op}', 'POST', {
      type: 'AWS',
      integrationHttpMethod: 'POST',
      uri: invocationUri(fn),
      requestTemplates: {
        'application/json': '#set($body = $input.path(\'$\'))\n{\n  "op": "$input.params(\'op\')",\n  "a": $body.a,\n  "b": $input.json(\'$.b\'),\n  "who": "$util.escapeJavaScript($input.params(\'who\'))"\n}',
      },
      passthroughBehavior: 'NEVER',
    });
    await api.response('/calc/{op}', 'POST', '200', {
      responseTemplates: { 'application/json': '#set($r = $input.path(\'$\'))\n{"total": $r.sum, "who": "$util.escapeJavaScript($r.who)", "list": [#foreach($i in $r.items)$i#if($foreach.hasNext),#end#end]}' },
    });
    await api.response('/calc/{op}', 'POST', '400', { selectionPattern: 'Bad input.*', responseTemplates: { 'application/json': '{"error": "$input.path(\'$.errorMessage\')"}' } });
    await api.deploy('v1');
    await allowApiGateway(lambda, 'calc', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/*`);

    const base = `${stageUrl(c, api.id, 'v1')}/calc`;
    const ok = await fetch(`${base}/add?who=o"k`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a": 2, "b": 3}' });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(await ok.json(), { total: 5, who: 'o"k', list: [1, 2, 3] });
    const bad = await fetch(`${base}/fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a": 9, "b": 1}' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'Bad input: 9' });
    const unsupported = await fetch(`${base}/add`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(unsupported.status, 415);
  });
});

describe('Lambda authorizers', () => {
  test('TOKEN authorizer: allow with context, explicit deny, unauthorized, cached per token', async () => {
    const authFn = await nodeFunction(
      c,
      lambda,
      role,
      'auth',
      `let calls = 0;
      export const handler = async (e) => {
        calls++;
        if (e.authorizationToken === 'Bearer nope') throw new Error('Unauthorized');
        const effect = e.authorizationToken === 'Bearer deny' ? 'Deny' : 'Allow';
        return { principalId: 'user-1', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: e.methodArn.split('/').slice(0, 2).join('/') + '/*' }] }, context: { tier: 'gold', calls } };
      };`,
    );
    const api = await ApiBuilder.create(gw, 'authz');
    const a = await gw.send(new CreateAuthorizerCommand({ restApiId: api.id, name: 'tok', type: 'TOKEN', authorizerUri: invocationUri(authFn), identitySource: 'method.request.header.Authorization', identityValidationExpression: '^Bearer [a-z]+$' }));
    await api.method('/secret', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }, { authorizationType: 'CUSTOM', authorizerId: a.id });
    await api.response('/secret', 'GET', '200', { responseTemplates: { 'application/json': '{"principal": "$context.authorizer.principalId", "tier": "$context.authorizer.tier", "calls": $context.authorizer.calls}' } });
    await api.deploy('prod');
    await allowApiGateway(lambda, 'auth', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/authorizers/${a.id}`);
    const url = `${stageUrl(c, api.id, 'prod')}/secret`;

    const missing = await fetch(url);
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { message: 'Unauthorized' });
    assert.equal((await fetch(url, { headers: { authorization: 'Basic xyz' } })).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer nope' } })).status, 401);

    const ok = await fetch(url, { headers: { authorization: 'Bearer good' } });
    assert.equal(ok.status, 200, await ok.clone().text());
    const first = await ok.json();
    assert.equal(first.principal, 'user-1');
    assert.equal(first.tier, 'gold');
    // cached for the TTL: the authorizer is not called again for the same token
    const again = await (await fetch(url, { headers: { authorization: 'Bearer good' } })).json();
    assert.equal(again.calls, first.calls);

    const denied = await fetch(url, { headers: { authorization: 'Bearer deny' } });
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { message: 'User is not authorized to access this resource with an explicit deny' });
  });

  test('REQUEST authorizer: identity sources required, policy against the method ARN, context to the integration', async () => {
    const authFn = await nodeFunction(
      c,
      lambda,
      role,
      'reqauth',
      `export const handler = async (e) => {
        const allow = e.queryStringParameters && e.queryStringParameters.ticket === 'ok' && e.headers['X-Tenant'] === 't1';
        return { principalId: 'svc', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: allow ? 'Allow' : 'Deny', Resource: e.methodArn }] }, context: { tenant: e.headers['X-Tenant'], path: e.path } };
      };`,
    );
    const api = await ApiBuilder.create(gw, 'reqauthz');
    const a = await gw.send(new CreateAuthorizerCommand({ restApiId: api.id, name: 'req', type: 'REQUEST', authorizerUri: invocationUri(authFn), identitySource: 'method.request.header.X-Tenant, method.request.querystring.ticket', authorizerResultTtlInSeconds: 0 }));
    const echo = await nodeFunction(c, lambda, role, 'ctx-echo', 'export const handler = async (e) => ({ statusCode: 200, body: JSON.stringify(e.requestContext.authorizer) });');
    await api.method('/r', 'GET', { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: invocationUri(echo) }, { authorizationType: 'CUSTOM', authorizerId: a.id });
    await api.deploy('prod');
    await allowApiGateway(lambda, 'reqauth', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/authorizers/*`);
    await allowApiGateway(lambda, 'ctx-echo', `arn:aws:execute-api:us-east-1:${ACCOUNT}:${api.id}/*/GET/r`);
    const url = `${stageUrl(c, api.id, 'prod')}/r`;

    assert.equal((await fetch(`${url}?ticket=ok`)).status, 401);
    assert.equal((await fetch(url, { headers: { 'X-Tenant': 't1' } })).status, 401);
    assert.equal((await fetch(`${url}?ticket=bad`, { headers: { 'X-Tenant': 't1' } })).status, 403);
    const ok = await fetch(`${url}?ticket=ok`, { headers: { 'X-Tenant': 't1' } });
    assert.equal(ok.status, 200, await ok.clone().text());
    const ctx = await ok.json();
    assert.equal(ctx.principalId, 'svc');
    assert.equal(ctx.tenant, 't1');
    assert.equal(ctx.path, '/r');
  });
});
