// HTTP APIs with HTTP_PROXY integrations served on Cumulus's port: quick create, route selection, stages and
// deployments, stage variables, parameter mappings, timeouts, CORS, throttling, the path form, metrics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  UpdateApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { CreateRestApiCommand, APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import { callApi, startBackend, type Backend } from './helpers.js';

let c: Cumulus;
let gw: ApiGatewayV2Client;
let backend: Backend;

before(async () => {
  c = await startTestCumulus();
  gw = new ApiGatewayV2Client(clientConfig(c));
  backend = await startBackend();
});
after(async () => {
  gw.destroy();
  await backend.close();
  await c.stop();
});

async function api(name: string, extra: Record<string, unknown> = {}) {
  return (await gw.send(new CreateApiCommand({ Name: name, ProtocolType: 'HTTP', ...extra }))).ApiId!;
}

describe('quick create to an HTTP URL', () => {
  test('the $default route passes path, query, method and body through; host and path forms', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'quick', ProtocolType: 'HTTP', Target: backend.url }))).ApiId!;
    const r = await callApi(c, id, '/hello/world?a=1&a=2&b=x', { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain', 'x-custom': 'v' } });
    assert.equal(r.status, 200);
    const seen = r.json();
    assert.equal(seen.url, '/hello/world?a=1&a=2&b=x');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, 'payload');
    assert.equal(seen.headers['x-custom'], 'v');
    assert.match(seen.headers.forwarded, /for=127\.0\.0\.1/);
    assert.equal(r.headers['x-backend'], 'yes');
    assert.ok(r.headers['apigw-requestid']);
    // the LocalStack-style host and the path form reach the same API
    const r2 = await callApi(c, id, '/x', { host: `${id}.execute-api.localhost.localstack.cloud:${c.port}` });
    assert.equal(r2.json().url, '/x');
    const r3 = await fetch(`${c.url}/_aws/execute-api/${id}/a/b?q=1`);
    assert.equal(r3.status, 200);
    assert.equal(((await r3.json()) as { url: string }).url, '/a/b?q=1');
  });

  test('an unknown API id is left to REST APIs, which coexist on the same host form', async () => {
    const rest = new APIGatewayClient(clientConfig(c));
    const restId = (await rest.send(new CreateRestApiCommand({ name: 'rest' }))).id!;
    rest.destroy();
    const r = await callApi(c, restId, '/prod/x');
    assert.equal(r.headers['apigw-requestid'], undefined, 'answered by the REST API plane, not this one');
    const id = await api('no-stage');
    const r2 = await callApi(c, id, '/x');
    assert.equal(r2.status, 404);
    assert.deepEqual(r2.json(), { message: 'Not Found' });
  });

  test('DisableExecuteApiEndpoint closes the default endpoint', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'closed', ProtocolType: 'HTTP', Target: backend.url }))).ApiId!;
    assert.equal((await callApi(c, id, '/')).status, 200);
    await gw.send(new UpdateApiCommand({ ApiId: id, DisableExecuteApiEndpoint: true }));
    const r = await callApi(c, id, '/');
    assert.equal(r.status, 403);
    assert.deepEqual(r.json(), { message: 'Forbidden' });
  });
});

describe('routes, stages and deployments', () => {
  test('exact before parameters before greedy, method before ANY, then $default; no match is 404', async () => {
    const id = await api('routes');
    const mk = async (key: string, uri: string, method = 'ANY') => {
      const i = await gw.send(new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'HTTP_PROXY', IntegrationMethod: method, IntegrationUri: uri, PayloadFormatVersion: '1.0' }));
      await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: key, Target: `integrations/${i.IntegrationId}` }));
    };
    await mk('GET /items/special', `${backend.url}/exact`);
    await mk('GET /items/{id}', `${backend.url}/param/{id}`);
    await mk('ANY /items/{id}', `${backend.url}/any/{id}`);
    await mk('ANY /files/{proxy+}', `${backend.url}/greedy/{proxy}`);
    await gw.send(new CreateStageCommand({ ApiId: id, StageName: '$default', AutoDeploy: true }));
    assert.equal((await callApi(c, id, '/items/special')).json().url, '/exact');
    assert.equal((await callApi(c, id, '/items/42?x=1')).json().url, '/param/42?x=1');
    assert.equal((await callApi(c, id, '/items/42', { method: 'DELETE' })).json().url, '/any/42');
    assert.equal((await callApi(c, id, '/files/a/b/c.txt')).json().url, '/greedy/a/b/c.txt');
    const miss = await callApi(c, id, '/nothing');
    assert.equal(miss.status, 404);
    assert.deepEqual(miss.json(), { message: 'Not Found' });
    assert.equal((await callApi(c, id, '/files')).status, 404);
    await mk('$default', `${backend.url}/fallback`);
    assert.equal((await callApi(c, id, '/nothing/here')).json().url, '/fallback/nothing/here');
  });

  test('a named stage without AutoDeploy serves its deployment; stage variables in the URI and mappings', async () => {
    const id = await api('staged');
    const i = await gw.send(
      new CreateIntegrationCommand({
        ApiId: id,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'GET',
        IntegrationUri: `${backend.url}/\${stageVariables.prefix}/{name}`,
        PayloadFormatVersion: '1.0',
        RequestParameters: { 'overwrite:header.x-stage': '$context.stage', 'append:querystring.added': '$request.header.x-in', 'remove:header.x-drop': "''" },
      }),
    );
    await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /hi/{name}', Target: `integrations/${i.IntegrationId}` }));
    await gw.send(new CreateStageCommand({ ApiId: id, StageName: 'prod', StageVariables: { prefix: 'v1' } }));
    // no deployment yet: nothing is served
    assert.equal((await callApi(c, id, '/prod/hi/bob')).status, 404);
    const d = await gw.send(new CreateDeploymentCommand({ ApiId: id, StageName: 'prod' }));
    assert.equal(d.DeploymentStatus, 'DEPLOYED');
    const r = await callApi(c, id, '/prod/hi/bob?q=1', { headers: { 'x-in': 'from-header', 'x-drop': 'gone' } });
    assert.equal(r.status, 200);
    const seen = r.json();
    assert.equal(seen.url, '/v1/bob?q=1&added=from-header');
    assert.equal(seen.headers['x-stage'], 'prod');
    assert.equal(seen.headers['x-drop'], undefined);
    await gw.send(new UpdateStageCommand({ ApiId: id, StageName: 'prod', StageVariables: { prefix: 'v2' } }));
    assert.equal((await callApi(c, id, '/prod/hi/al')).json().url, '/v2/al');
    // the path form names the stage after the API id
    const viaPath = await fetch(`${c.url}/_aws/execute-api/${id}/prod/hi/pat`);
    assert.equal(((await viaPath.json()) as { url: string }).url, '/v2/pat');
    // a change to the API is not served until deployed again
    await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /new', Target: `integrations/${i.IntegrationId}` }));
    assert.equal((await callApi(c, id, '/prod/new')).status, 404);
    await gw.send(new CreateDeploymentCommand({ ApiId: id, StageName: 'prod' }));
    assert.equal((await callApi(c, id, '/prod/new')).status, 200);
  });

  test('response parameter mappings by backend status: headers and status code', async () => {
    const id = await api('mapped');
    const i = await gw.send(
      new CreateIntegrationCommand({
        ApiId: id,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'ANY',
        IntegrationUri: `${backend.url}/m`,
        PayloadFormatVersion: '1.0',
        ResponseParameters: { '200': { 'overwrite:statuscode': '202', 'append:header.x-stage': '$context.stage', 'overwrite:header.x-copy': '$response.header.x-backend', 'remove:header.x-backend': "''" } },
      }),
    );
    await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /m', Target: `integrations/${i.IntegrationId}` }));
    await gw.send(new CreateStageCommand({ ApiId: id, StageName: '$default', AutoDeploy: true }));
    const r = await callApi(c, id, '/m');
    assert.equal(r.status, 202);
    assert.equal(r.headers['x-stage'], '$default');
    assert.equal(r.headers['x-copy'], 'yes');
    assert.equal(r.headers['x-backend'], undefined);
  });

  test('an integration past its timeout answers 503 Service Unavailable', async () => {
    const id = await api('slow');
    const i = await gw.send(new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'ANY', IntegrationUri: `${backend.url}/slow`, PayloadFormatVersion: '1.0', TimeoutInMillis: 200 }));
    await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /wait', Target: `integrations/${i.IntegrationId}` }));
    await gw.send(new CreateStageCommand({ ApiId: id, StageName: '$default', AutoDeploy: true }));
    const r = await callApi(c, id, '/wait');
    assert.equal(r.status, 503);
    assert.deepEqual(r.json(), { message: 'Service Unavailable' });
  });

  test('an unreachable backend answers 500 Internal Server Error', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'down', ProtocolType: 'HTTP', Target: 'http://127.0.0.1:1/' }))).ApiId!;
    const r = await callApi(c, id, '/');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), { message: 'Internal Server Error' });
  });

  test('route throttling answers 429 Too Many Requests', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'throttled', ProtocolType: 'HTTP', Target: backend.url }))).ApiId!;
    await gw.send(new UpdateStageCommand({ ApiId: id, StageName: '$default', RouteSettings: { $default: { ThrottlingBurstLimit: 2, ThrottlingRateLimit: 1 } } }));
    const statuses: number[] = [];
    for (let k = 0; k < 4; k++) statuses.push((await callApi(c, id, '/t')).status);
    assert.deepEqual(statuses.slice(0, 2), [200, 200]);
    assert.equal(statuses[3], 429);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 5 }) });
    assert.equal((await callApi(c, id, '/t')).status, 200);
  });
});

describe('CORS', () => {
  test('preflight answered by API Gateway; headers added to answers for allowed origins, backend CORS ignored', async () => {
    const id = (
      await gw.send(
        new CreateApiCommand({
          Name: 'cors',
          ProtocolType: 'HTTP',
          Target: backend.url,
          CorsConfiguration: { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['content-type', 'authorization'], ExposeHeaders: ['x-backend'], MaxAge: 600, AllowCredentials: true },
        }),
      )
    ).ApiId!;
    const before = backend.requests.length;
    const pre = await callApi(c, id, '/things', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type,authorization');
    assert.equal(pre.headers['access-control-max-age'], '600');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.equal(backend.requests.length, before, 'the preflight never reaches the backend');
    const other = await callApi(c, id, '/things', { method: 'OPTIONS', headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' } });
    assert.equal(other.status, 204);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const r = await callApi(c, id, '/things', { headers: { origin: 'https://app.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(r.headers['access-control-expose-headers'], 'x-backend');
    const r2 = await callApi(c, id, '/things', { headers: { origin: 'https://other.example' } });
    assert.equal(r2.headers['access-control-allow-origin'], undefined, "the backend's own CORS header is dropped");
  });
});

describe('metrics', () => {
  test('Count, 4xx and Latency reach CloudWatch under AWS/ApiGateway by ApiId and Stage', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'metered', ProtocolType: 'HTTP', Target: backend.url, RouteKey: 'GET /ok' }))).ApiId!;
    const datums: { MetricName: string; Dimensions?: { Name: string; Value: string }[]; StatisticValues?: { Sum: number } }[] = [];
    c.runtime.bus.on('metric', (e) => {
      if (e.namespace === 'AWS/ApiGateway') datums.push(...(e.datums as typeof datums));
    });
    await callApi(c, id, '/ok');
    await callApi(c, id, '/missing');
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 6 }) });
    const forStage = datums.filter((d) => d.Dimensions?.some((x) => x.Name === 'ApiId' && x.Value === id) && d.Dimensions?.some((x) => x.Name === 'Stage' && x.Value === '$default'));
    const sum = (name: string) => forStage.filter((d) => d.MetricName === name).reduce((s, d) => s + (d.StatisticValues?.Sum ?? 0), 0);
    assert.equal(sum('Count'), 2);
    assert.equal(sum('4xx'), 1);
    assert.equal(sum('5xx'), 0);
    assert.ok(forStage.some((d) => d.MetricName === 'Latency'));
    assert.ok(forStage.some((d) => d.MetricName === 'IntegrationLatency'));
  });
});

describe('access logs', () => {
  test('one line per request in the stage format, written to the log group', async () => {
    const logs = new CloudWatchLogsClient(clientConfig(c));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'httpapi-access' }));
    const id = (await gw.send(new CreateApiCommand({ Name: 'logged', ProtocolType: 'HTTP', Target: backend.url }))).ApiId!;
    await gw.send(
      new UpdateStageCommand({
        ApiId: id,
        StageName: '$default',
        AccessLogSettings: { DestinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:httpapi-access', Format: '$context.requestId $context.httpMethod $context.routeKey $context.status $context.path $context.authorizer.claims.sub' },
      }),
    );
    const r = await callApi(c, id, '/logged/path');
    const deadline = Date.now() + 5000;
    let messages: string[] = [];
    while (Date.now() < deadline) {
      const ev = await logs.send(new FilterLogEventsCommand({ logGroupName: 'httpapi-access' }));
      messages = (ev.events ?? []).map((e) => e.message!);
      if (messages.length) break;
      await new Promise((res) => setImmediate(res));
    }
    logs.destroy();
    assert.deepEqual(messages, [`${r.headers['apigw-requestid']} GET $default 200 /logged/path -`]);
  });
});

describe('AWS_IAM routes', () => {
  test('unsigned requests are 403; a SigV4-signed request of the account\'s root is served; an unknown IAM key is 403', async () => {
    const id = await api('iam');
    const i = await gw.send(new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'ANY', IntegrationUri: `${backend.url}/iam`, PayloadFormatVersion: '1.0' }));
    await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /secure', AuthorizationType: 'AWS_IAM', Target: `integrations/${i.IntegrationId}` }));
    await gw.send(new CreateStageCommand({ ApiId: id, StageName: '$default', AutoDeploy: true }));
    const unsigned = await callApi(c, id, '/secure');
    assert.equal(unsigned.status, 403);
    assert.deepEqual(unsigned.json(), { message: 'Forbidden' });
    // signatures are checked only with strictSigV4 (as for the control plane); the signer's identity and policies always are
    const r = await callApi(c, id, '/secure', { headers: { authorization: fakeAuth('execute-api'), 'x-amz-date': '20260101T000000Z' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().url, '/iam');
    const unknown = await callApi(c, id, '/secure', { headers: { authorization: fakeAuth('execute-api', 'us-east-1', 'AKIAUNKNOWNKEY000000'), 'x-amz-date': '20260101T000000Z' } });
    assert.equal(unknown.status, 403);
  });
});
