// Deployed stages over plain HTTP: MOCK integrations with templates, HTTP_PROXY and HTTP integrations to a
// local server, routing (literal, {param}, {proxy+}, ANY), 403 for no route, the three ways to address a stage.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, PutGatewayResponseCommand, PutIntegrationResponseCommand, UpdateStageCommand, CreateDeploymentCommand, GetStageCommand } from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from './helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;
let backend: http.Server;
let backendUrl: string;
let delayMs = 0;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  backend = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const reply = () => {
        res.writeHead(req.url?.includes('missing') ? 404 : 200, { 'content-type': 'application/json', 'x-backend': 'yes' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
      };
      if (delayMs) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
});
after(async () => {
  gw.destroy();
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
  await c.stop();
});

describe('MOCK', () => {
  test('status from the request template, integration response by status regex, templates and header mappings', async () => {
    const api = await ApiBuilder.create(gw, 'mock');
    await api.method('/hello', 'GET', {
      type: 'MOCK',
      requestTemplates: { 'application/json': '#if($input.params("fail") == "yes"){"statusCode": 500}#else{"statusCode": 200}#end' },
    });
    await api.response('/hello', 'GET', '200', {
      responseTemplates: { 'application/json': '{"hello": "$input.params(\'name\')", "stage": "$context.stage", "v": "$stageVariables.v"}' },
      responseParameters: { 'method.response.header.X-Literal': "'lit'" },
    }, { 'method.response.header.X-Literal': false });
    await api.response('/hello', 'GET', '500', { selectionPattern: '5\\d{2}', responseTemplates: { 'application/json': '{"error": true}' } });
    await api.deploy('test', { v: 'one' });

    const ok = await fetch(`${stageUrl(c, api.id, 'test')}/hello?name=bob`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-literal'), 'lit');
    assert.ok(ok.headers.get('x-amzn-requestid'));
    assert.ok(ok.headers.get('x-amz-apigw-id'));
    assert.match(ok.headers.get('x-amzn-trace-id') ?? '', /^Root=1-/);
    assert.deepEqual(await ok.json(), { hello: 'bob', stage: 'test', v: 'one' });

    const bad = await fetch(`${stageUrl(c, api.id, 'test')}/hello?fail=yes`);
    assert.equal(bad.status, 500);
    assert.deepEqual(await bad.json(), { error: true });
  });

  test('no route: 403 Missing Authentication Token, customisable by gateway responses after redeploy', async () => {
    const api = await ApiBuilder.create(gw, 'missing');
    await api.method('/a', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/a', 'GET', '200');
    await api.deploy('s');
    const r = await fetch(`${stageUrl(c, api.id, 's')}/nothing`);
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(await r.json(), { message: 'Missing Authentication Token' });
    const wrongMethod = await fetch(`${stageUrl(c, api.id, 's')}/a`, { method: 'DELETE' });
    assert.equal(wrongMethod.status, 403);

    await gw.send(new PutGatewayResponseCommand({
      restApiId: api.id,
      responseType: 'MISSING_AUTHENTICATION_TOKEN',
      statusCode: '404',
      responseParameters: { 'gatewayresponse.header.X-Why': "'no-route'" },
      responseTemplates: { 'application/json': '{"custom": $context.error.messageString}' },
    }));
    // not deployed yet: the stage still serves the old snapshot
    assert.equal((await fetch(`${stageUrl(c, api.id, 's')}/nothing`)).status, 403);
    await api.deploy('s');
    const custom = await fetch(`${stageUrl(c, api.id, 's')}/nothing`);
    assert.equal(custom.status, 404);
    assert.equal(custom.headers.get('x-why'), 'no-route');
    assert.deepEqual(await custom.json(), { custom: 'Missing Authentication Token' });
  });

  test('addressed by the old path form and by Host', async () => {
    const api = await ApiBuilder.create(gw, 'hosts');
    await api.method('/x', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/x', 'GET', '200', { responseTemplates: { 'application/json': '{"path": "$context.path", "domain": "$context.domainName"}' } });
    await api.deploy('v1');
    const old = await fetch(`${c.url}/restapis/${api.id}/v1/_user_request_/x`);
    assert.equal(old.status, 200);
    for (const host of [`${api.id}.execute-api.localhost:${c.port}`, `${api.id}.execute-api.localhost.localstack.cloud:${c.port}`]) {
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: c.port, path: '/v1/x', headers: { host } }, (res) => {
          let s = '';
          res.on('data', (d) => (s += d));
          res.on('end', () => resolve(s));
        }).on('error', reject);
      });
      assert.deepEqual(JSON.parse(body), { path: '/v1/x', domain: host.replace(/:\d+$/, '') });
    }
  });

  test('passthrough behaviours: NEVER and WHEN_NO_TEMPLATES answer 415 for unmapped content types', async () => {
    const api = await ApiBuilder.create(gw, 'pass');
    await api.method('/never', 'POST', { type: 'MOCK', passthroughBehavior: 'NEVER', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/never', 'POST', '200');
    await api.method('/match', 'POST', { type: 'MOCK', passthroughBehavior: 'WHEN_NO_MATCH', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/match', 'POST', '200');
    await api.deploy('p');
    const base = stageUrl(c, api.id, 'p');
    const never = await fetch(`${base}/never`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"statusCode": 200}' });
    assert.equal(never.status, 415);
    assert.deepEqual(await never.json(), { message: 'Unsupported Media Type' });
    assert.equal((await fetch(`${base}/never`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 200);
    assert.equal((await fetch(`${base}/match`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"statusCode": 200}' })).status, 200);
  });
});

describe('CORS', () => {
  test('OPTIONS preflight through a MOCK integration, headers on DEFAULT_4XX gateway responses', async () => {
    const api = await ApiBuilder.create(gw, 'cors');
    await api.method('/things', 'OPTIONS', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/things', 'OPTIONS', '200', {
      responseParameters: {
        'method.response.header.Access-Control-Allow-Origin': "'*'",
        'method.response.header.Access-Control-Allow-Methods': "'GET,OPTIONS'",
        'method.response.header.Access-Control-Allow-Headers': "'Content-Type,X-Api-Key'",
      },
      responseTemplates: { 'application/json': '' },
    }, { 'method.response.header.Access-Control-Allow-Origin': false, 'method.response.header.Access-Control-Allow-Methods': false, 'method.response.header.Access-Control-Allow-Headers': false });
    await gw.send(new PutGatewayResponseCommand({ restApiId: api.id, responseType: 'DEFAULT_4XX', responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" } }));
    await api.deploy('p');
    const pre = await fetch(`${stageUrl(c, api.id, 'p')}/things`, { method: 'OPTIONS', headers: { origin: 'http://site', 'access-control-request-method': 'GET' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET,OPTIONS');
    const missing = await fetch(`${stageUrl(c, api.id, 'p')}/nothing`);
    assert.equal(missing.status, 403);
    assert.equal(missing.headers.get('access-control-allow-origin'), '*');
  });
});

describe('HTTP integrations', () => {
  test('HTTP_PROXY with greedy and param routing, stage variables in the URI, passthrough both ways', async () => {
    const api = await ApiBuilder.create(gw, 'proxy');
    await api.method('/{proxy+}', 'ANY', { type: 'HTTP_PROXY', integrationHttpMethod: 'ANY', uri: '${stageVariables.backend}/greedy/{proxy}' });
    await api.method('/items/{id}', 'GET', { type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: `${backendUrl}/item/{id}` });
    await api.method('/items/special', 'GET', { type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: `${backendUrl}/special` });
    await api.deploy('live', { backend: backendUrl });
    const base = stageUrl(c, api.id, 'live');

    const lit = await (await fetch(`${base}/items/special`)).json();
    assert.equal(lit.url, '/special');
    const param = await (await fetch(`${base}/items/42?x=1`)).json();
    assert.equal(param.url, '/item/42?x=1');
    const r = await fetch(`${base}/a/b/c?q=z`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-custom': 'h' }, body: 'payload' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-backend'), 'yes');
    const echoed = await r.json();
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.url, '/greedy/a/b/c?q=z');
    assert.equal(echoed.headers['x-custom'], 'h');
    assert.equal(echoed.body, 'payload');
    const nf = await fetch(`${base}/missing`);
    assert.equal(nf.status, 404);
  });

  test('HTTP_PROXY timeout: 504 Endpoint request timed out', async () => {
    const api = await ApiBuilder.create(gw, 'slow');
    await api.method('/slow', 'GET', { type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: `${backendUrl}/slow`, timeoutInMillis: 100 });
    await api.deploy('s');
    delayMs = 1000;
    try {
      const r = await fetch(`${stageUrl(c, api.id, 's')}/slow`);
      assert.equal(r.status, 504);
      assert.deepEqual(await r.json(), { message: 'Endpoint request timed out' });
    } finally {
      delayMs = 0;
    }
  });

  test('HTTP (non-proxy) with request parameter mappings and templates both ways', async () => {
    const api = await ApiBuilder.create(gw, 'custom-http');
    await api.method('/users/{name}', 'POST', {
      type: 'HTTP',
      integrationHttpMethod: 'PUT',
      uri: `${backendUrl}/u/{user}`,
      requestParameters: { 'integration.request.path.user': 'method.request.path.name', 'integration.request.header.X-Stage': 'context.stage', 'integration.request.querystring.src': "'gw'" },
      requestTemplates: { 'application/json': '{"wrapped": $input.json(\'$\'), "len": $input.body.length()}' },
    }, { requestParameters: { 'method.request.path.name': true } });
    await api.response('/users/{name}', 'POST', '200', {
      responseTemplates: { 'application/json': '#set($b = $util.parseJson($input.path(\'$.body\')))\n{"url": "$input.path(\'$.url\')", "method": "$input.path(\'$.method\')", "stage": "$input.path(\'$.headers\').get(\'x-stage\')", "a": $b.wrapped.a}' },
      responseParameters: { 'method.response.header.X-From': 'integration.response.header.x-backend' },
    }, { 'method.response.header.X-From': false });
    await api.deploy('dev');
    const r = await fetch(`${stageUrl(c, api.id, 'dev')}/users/ann`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a": 7}' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-from'), 'yes');
    assert.deepEqual(await r.json(), { url: '/u/ann?src=gw', method: 'PUT', stage: 'dev', a: 7 });
  });
});

describe('canary', () => {
  test('a canary deployment takes its share of traffic with its variable overrides, then is promoted', async () => {
    const api = await ApiBuilder.create(gw, 'canary');
    const rid = await api.method('/v', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/v', 'GET', '200', { responseTemplates: { 'application/json': '{"version": "one", "color": "$stageVariables.color", "canary": $context.isCanaryRequest}' } });
    await api.deploy('prod', { color: 'blue' });
    await gw.send(new PutIntegrationResponseCommand({ restApiId: api.id, resourceId: rid, httpMethod: 'GET', statusCode: '200', responseTemplates: { 'application/json': '{"version": "two", "color": "$stageVariables.color", "canary": $context.isCanaryRequest}' } }));
    const d2 = await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'prod', canarySettings: { percentTraffic: 100, stageVariableOverrides: { color: 'green' } } }));
    const stage = await gw.send(new GetStageCommand({ restApiId: api.id, stageName: 'prod' }));
    assert.equal(stage.canarySettings!.deploymentId, d2.id);
    assert.notEqual(stage.deploymentId, d2.id);
    const url = `${stageUrl(c, api.id, 'prod')}/v`;
    assert.deepEqual(await (await fetch(url)).json(), { version: 'two', color: 'green', canary: true });
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '0' }] }));
    assert.deepEqual(await (await fetch(url)).json(), { version: 'one', color: 'blue', canary: false });
    // promotion: the stage takes the canary's deployment, the canary goes
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/deploymentId', value: d2.id }, { op: 'remove', path: '/canarySettings' }] }));
    assert.deepEqual(await (await fetch(url)).json(), { version: 'two', color: 'blue', canary: false });
  });
});

describe('stage throttling', () => {
  test('method settings throttle a stage: 429 Too Many Requests', async () => {
    const api = await ApiBuilder.create(gw, 'throttled');
    await api.method('/t', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await api.response('/t', 'GET', '200');
    await api.deploy('s');
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 's', patchOperations: [
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '0.001' },
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '2' },
    ] }));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await fetch(`${stageUrl(c, api.id, 's')}/t`)).status);
    assert.deepEqual(codes, [200, 200, 429, 429]);
    const r = await fetch(`${stageUrl(c, api.id, 's')}/t`);
    assert.deepEqual(await r.json(), { message: 'Too Many Requests' });
    // a redeploy keeps the stage's settings
    await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 's' }));
    assert.equal((await fetch(`${stageUrl(c, api.id, 's')}/t`)).status, 429);
  });
});
