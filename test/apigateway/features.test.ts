// Request validation against models, TestInvokeMethod, IAM authorization, metrics in CloudWatch, compression.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, CreateModelCommand, CreateRequestValidatorCommand, FlushStageCacheCommand, TestInvokeMethodCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from './helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
});
after(async () => {
  gw.destroy();
  await c.stop();
});

const MOCK_OK = { type: 'MOCK' as const, requestTemplates: { 'application/json': '{"statusCode": 200}' } };

describe('request validation', () => {
  test('required parameters and the body against the model: 400 with AWS bodies', async () => {
    const api = await ApiBuilder.create(gw, 'validated');
    await gw.send(new CreateModelCommand({
      restApiId: api.id,
      name: 'Pet',
      contentType: 'application/json',
      schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, age: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }),
    }));
    const all = await gw.send(new CreateRequestValidatorCommand({ restApiId: api.id, name: 'all', validateRequestBody: true, validateRequestParameters: true }));
    await api.method('/pets', 'POST', MOCK_OK, { requestValidatorId: all.id, requestModels: { 'application/json': 'Pet' }, requestParameters: { 'method.request.querystring.owner': true, 'method.request.header.X-Trace': false } });
    await api.response('/pets', 'POST', '200', { responseTemplates: { 'application/json': '{"ok": true}' } });
    await api.deploy('v');
    const url = `${stageUrl(c, api.id, 'v')}/pets`;
    const post = (q: string, body: string) => fetch(`${url}${q}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const noParam = await post('', '{"name": "rex"}');
    assert.equal(noParam.status, 400);
    assert.deepEqual(await noParam.json(), { message: 'Missing required request parameters: [owner]' });
    const badBody = await post('?owner=me', '{"name": "rex", "age": -1}');
    assert.equal(badBody.status, 400);
    assert.deepEqual(await badBody.json(), { message: 'Invalid request body' });
    assert.equal((await post('?owner=me', '{"age": 2}')).status, 400);
    assert.equal((await post('?owner=me', '{"name": "rex", "color": "x"}')).status, 400);
    assert.equal((await post('?owner=me', 'not json')).status, 400);
    const ok = await post('?owner=me', '{"name": "rex", "age": 3, "tags": ["a"]}');
    assert.equal(ok.status, 200);
  });
});

describe('TestInvokeMethod', () => {
  test('runs the undeployed method with a path, query, headers and stage variables', async () => {
    const api = await ApiBuilder.create(gw, 'test-invoke');
    const rid = await api.method('/items/{id}', 'GET', MOCK_OK);
    await api.response('/items/{id}', 'GET', '200', { responseTemplates: { 'application/json': '{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')", "h": "$input.params(\'X-H\')", "v": "$stageVariables.v"}' } });
    const r = await gw.send(new TestInvokeMethodCommand({ restApiId: api.id, resourceId: rid, httpMethod: 'GET', pathWithQueryString: '/items/9?q=z', headers: { 'X-H': 'hv' }, stageVariables: { v: 'sv' } }));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body!), { id: '9', q: 'z', h: 'hv', v: 'sv' });
    assert.equal(r.headers!['Content-Type'], 'application/json');
    assert.match(r.log!, /Method completed with status: 200/);
  });
});

describe('AWS_IAM authorization', () => {
  test('unsigned requests get 403 Missing Authentication Token; signed by the account are let through', async () => {
    const api = await ApiBuilder.create(gw, 'iam');
    await api.method('/private', 'GET', MOCK_OK, { authorizationType: 'AWS_IAM' });
    await api.response('/private', 'GET', '200', { responseTemplates: { 'application/json': '{"caller": "$context.identity.userArn"}' } });
    await api.deploy('v');
    const url = `${stageUrl(c, api.id, 'v')}/private`;
    const unsigned = await fetch(url);
    assert.equal(unsigned.status, 403);
    assert.deepEqual(await unsigned.json(), { message: 'Missing Authentication Token' });
    const signed = await fetch(url, { headers: { authorization: fakeAuth('execute-api') } });
    assert.equal(signed.status, 200);
    assert.deepEqual(await signed.json(), { caller: 'arn:aws:iam::000000000000:root' });
    const other = await fetch(url, { headers: { authorization: fakeAuth('execute-api', 'us-east-1', '111122223333') } });
    assert.equal(other.status, 403);
  });
});

describe('resource policies', () => {
  test('aws:SourceIp conditions allow or deny anonymous callers; no applicable Allow denies', async () => {
    const allowLocal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8'] } } }] });
    const denyLocal = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:*' },
      { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:*/*/GET/blocked', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.1/32' } } },
    ] });
    const onlyOther = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:*', Condition: { IpAddress: { 'aws:SourceIp': '10.1.0.0/16' } } }] });
    const results: Record<string, number[]> = {};
    for (const [name, policy] of Object.entries({ allowLocal, denyLocal, onlyOther })) {
      const api = await ApiBuilder.create(gw, `policy-${name}`, { policy });
      await api.method('/open', 'GET', MOCK_OK);
      await api.response('/open', 'GET', '200');
      await api.method('/blocked', 'GET', MOCK_OK);
      await api.response('/blocked', 'GET', '200');
      await api.deploy('v');
      const base = stageUrl(c, api.id, 'v');
      results[name] = [(await fetch(`${base}/open`)).status, (await fetch(`${base}/blocked`)).status];
    }
    assert.deepEqual(results, { allowLocal: [200, 200], denyLocal: [200, 403], onlyOther: [403, 403] });
  });
});

describe('metrics and compression', () => {
  test('Count, 4XXError and Latency reach CloudWatch under AWS/ApiGateway', async () => {
    const api = await ApiBuilder.create(gw, 'metered');
    await api.method('/m', 'GET', MOCK_OK);
    await api.response('/m', 'GET', '200');
    await api.deploy('v');
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'v', patchOperations: [{ op: 'replace', path: '/*/*/metrics/enabled', value: 'true' }] }));
    const url = stageUrl(c, api.id, 'v');
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/m`)).status, 200);
    assert.equal((await fetch(`${url}/nope`)).status, 403);
    const clock = (await (await fetch(`${c.url}/_cumulus/clock`)).json()) as { epochMillis: number };
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 10 }) });
    const cw = new CloudWatchClient(clientConfig(c));
    const stat = async (name: string, dims: { Name: string; Value: string }[], s: 'Sum' | 'SampleCount' = 'Sum') => {
      const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/ApiGateway', MetricName: name, Dimensions: dims, StartTime: new Date(clock.epochMillis - 600_000), EndTime: new Date(clock.epochMillis + 600_000), Period: 60, Statistics: [s] }));
      return (r.Datapoints ?? []).reduce((n, d) => n + (d[s] ?? 0), 0);
    };
    const stage = [{ Name: 'ApiName', Value: 'metered' }, { Name: 'Stage', Value: 'v' }];
    assert.equal(await stat('Count', stage), 4);
    assert.equal(await stat('4XXError', stage), 1);
    assert.equal(await stat('Latency', stage, 'SampleCount'), 4);
    assert.equal(await stat('Count', [{ Name: 'ApiName', Value: 'metered' }, { Name: 'Method', Value: 'GET' }, { Name: 'Resource', Value: '/m' }, { Name: 'Stage', Value: 'v' }]), 3);
    cw.destroy();
  });

  test('minimumCompressionSize: gzip for clients that accept it', async () => {
    const api = await ApiBuilder.create(gw, 'gz', { minimumCompressionSize: 10 });
    await api.method('/big', 'GET', MOCK_OK);
    await api.response('/big', 'GET', '200', { responseTemplates: { 'application/json': '{"data": "' + 'x'.repeat(200) + '"}' } });
    await api.deploy('v');
    const u = new URL(`${stageUrl(c, api.id, 'v')}/big`);
    const res = await new Promise<{ enc?: string; body: Buffer }>((resolve, reject) => {
      http.get({ host: u.hostname, port: u.port, path: u.pathname, headers: { 'accept-encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (d) => chunks.push(d));
        r.on('end', () => resolve({ enc: r.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    assert.equal(res.enc, 'gzip');
    assert.equal(JSON.parse(gunzipSync(res.body).toString()).data.length, 200);
  });
});

describe('stage cache and access logs', () => {
  test('cached answers for the TTL, per cache key parameter; Cache-Control max-age=0; FlushStageCache', async () => {
    const api = await ApiBuilder.create(gw, 'cached');
    await api.method('/t', 'GET', { ...MOCK_OK, cacheKeyParameters: ['method.request.querystring.k'] }, { requestParameters: { 'method.request.querystring.k': false } });
    await api.response('/t', 'GET', '200', { responseTemplates: { 'application/json': '{"id": "$context.requestId", "k": "$input.params(\'k\')"}' } });
    await api.deploy('v');
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'v', patchOperations: [
      { op: 'replace', path: '/cacheClusterEnabled', value: 'true' },
      { op: 'replace', path: '/*/*/caching/enabled', value: 'true' },
      { op: 'replace', path: '/*/*/caching/ttlInSeconds', value: '60' },
      { op: 'replace', path: '/*/*/caching/requireAuthorizationForCacheControl', value: 'false' },
    ] }));
    const url = `${stageUrl(c, api.id, 'v')}/t`;
    const id = async (q: string, headers: Record<string, string> = {}) => ((await (await fetch(url + q, { headers })).json()) as { id: string }).id;
    const first = await id('?k=1');
    assert.equal(await id('?k=1'), first);
    assert.notEqual(await id('?k=2'), first);
    assert.equal(await id('?k=1&other=x'), first);
    const bypass = await id('?k=1', { 'cache-control': 'max-age=0' });
    assert.notEqual(bypass, first);
    assert.equal(await id('?k=1'), bypass);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 61 }) });
    const expired = await id('?k=1');
    assert.notEqual(expired, bypass);
    await gw.send(new FlushStageCacheCommand({ restApiId: api.id, stageName: 'v' }));
    assert.notEqual(await id('?k=1'), expired);
  });

  test('access logs in the stage format reach CloudWatch Logs', async () => {
    const api = await ApiBuilder.create(gw, 'logged');
    await api.method('/l', 'GET', MOCK_OK);
    await api.response('/l', 'GET', '200');
    await api.deploy('v');
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'v', patchOperations: [
      { op: 'replace', path: '/accessLogSettings/destinationArn', value: 'arn:aws:logs:us-east-1:000000000000:log-group:apigw-access' },
      { op: 'replace', path: '/accessLogSettings/format', value: '$context.requestId $context.httpMethod $context.resourcePath $context.status $context.identity.sourceIp' },
    ] }));
    const r = await fetch(`${stageUrl(c, api.id, 'v')}/l`);
    const rid = r.headers.get('x-amzn-requestid');
    const logs = new CloudWatchLogsClient(clientConfig(c));
    let lines: string[] = [];
    for (let i = 0; i < 50 && !lines.length; i++) {
      try {
        lines = ((await logs.send(new FilterLogEventsCommand({ logGroupName: 'apigw-access' }))).events ?? []).map((e) => e.message!);
      } catch {
        /* the group appears with the first line */
      }
      if (!lines.length) await new Promise((res) => setTimeout(res, 20));
    }
    logs.destroy();
    assert.deepEqual(lines, [`${rid} GET /l 200 127.0.0.1`]);
  });
});
