// AWS service integrations of HTTP APIs (AWS_PROXY with IntegrationSubtype EventBridge-PutEvents): a POST to the
// API puts an event on the default bus as the integration's role, a rule routes it to a CloudWatch Logs group,
// and the client gets PutEvents' answer; CreateIntegration/UpdateIntegration check the role, the subtype's
// parameters and the payload format; subtypes of services Cumulus lacks are refused; a role API Gateway cannot
// assume is a 500 at request time; OpenAPI import builds the same integration and export keeps the subtype.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  ExportApiCommand,
  GetIntegrationsCommand,
  ImportApiCommand,
  UpdateIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';

const SUBTYPE = 'EventBridge-PutEvents';
const PARAMS = { Source: 'my.app', DetailType: '$request.header.x-type', Detail: '$request.body.detail' };
const GROUP = '/aws/events/http-api';

let c: Cumulus;
let gw: ApiGatewayV2Client;
let logs: CloudWatchLogsClient;
let roleArn: string;
let untrustedRoleArn: string;

const trust = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** A POST by the path form: /_aws/execute-api/{api}/{path} ($default stage). */
async function post(apiId: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${c.url}/_aws/execute-api/${apiId}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
}

/** The events the rule delivered to the log group, polled until `n` have arrived (bounded). */
async function delivered(n: number): Promise<any[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP }));
    const events = (r.events ?? []).map((e) => JSON.parse(e.message!));
    if (events.length >= n) return events;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} events in ${GROUP} (got ${events.length})`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function badRequest(p: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(p, (e: any) => {
    assert.equal(e.name, 'BadRequestException');
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.message, pattern);
    return true;
  });
}

async function httpApi(name: string): Promise<string> {
  const api = await gw.send(new CreateApiCommand({ Name: name, ProtocolType: 'HTTP' }));
  await gw.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: '$default', AutoDeploy: true }));
  return api.ApiId!;
}

before(async () => {
  c = await startTestCumulus();
  gw = new ApiGatewayV2Client(clientConfig(c));
  logs = new CloudWatchLogsClient(clientConfig(c));
  const iam = new IAMClient(clientConfig(c));
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'api-to-events', AssumeRolePolicyDocument: trust('apigateway.amazonaws.com') }));
  roleArn = role.Role!.Arn!;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'api-to-events',
      PolicyName: 'put-events',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }] }),
    }),
  );
  // a role that exists but trusts only Lambda: API Gateway cannot assume it
  untrustedRoleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'lambda-only', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') }))).Role!.Arn!;
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  const eb = new EventBridgeClient(clientConfig(c));
  await eb.send(new PutRuleCommand({ Name: 'from-my-app', EventPattern: JSON.stringify({ source: ['my.app'] }) }));
  await eb.send(new PutTargetsCommand({ Rule: 'from-my-app', Targets: [{ Id: 'logs', Arn: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}` }] }));
});
after(() => c.stop());

describe('EventBridge-PutEvents integrations', () => {
  test('a POST puts the mapped event on the bus and answers with PutEvents result', async () => {
    const apiId = await httpApi('events-api');
    const integ = await gw.send(
      new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationSubtype: SUBTYPE, CredentialsArn: roleArn, PayloadFormatVersion: '1.0', RequestParameters: PARAMS }),
    );
    assert.equal(integ.IntegrationSubtype, SUBTYPE);
    assert.equal(integ.IntegrationType, 'AWS_PROXY');
    assert.equal(integ.CredentialsArn, roleArn);
    assert.equal(integ.PayloadFormatVersion, '1.0');
    assert.equal(integ.IntegrationUri, undefined);
    assert.deepEqual(integ.RequestParameters, PARAMS);
    await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /events', Target: `integrations/${integ.IntegrationId}` }));

    const r = await post(apiId, '/events', { detail: { orderId: 42, items: ['a'] } }, { 'x-type': 'order.placed' });
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /application\/json/);
    assert.equal(r.body.FailedEntryCount, 0);
    assert.equal(r.body.Entries.length, 1);
    const eventId = r.body.Entries[0].EventId;
    assert.match(eventId, /^[0-9a-f-]{36}$/);

    const [event] = (await delivered(1)).filter((e) => e.id === eventId);
    assert.ok(event, 'the event reached the rule target');
    assert.equal(event.source, 'my.app');
    assert.equal(event['detail-type'], 'order.placed');
    assert.deepEqual(event.detail, { orderId: 42, items: ['a'] });

    // a request without the header lacks DetailType: PutEvents reports the failed entry, passed through
    const missing = await post(apiId, '/events', { detail: { orderId: 43 } });
    assert.equal(missing.status, 200);
    assert.equal(missing.body.FailedEntryCount, 1);
    assert.ok(missing.body.Entries[0].ErrorCode);

    // path, query string and context references, a literal time and resources
    const mixed = await gw.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationSubtype: SUBTYPE,
        CredentialsArn: roleArn,
        PayloadFormatVersion: '1.0',
        RequestParameters: {
          Source: 'my.app',
          DetailType: 'order-$request.path.id',
          Detail: '{"q":"$request.querystring.q","route":"$context.routeKey","all":$request.body}',
          Time: '2024-05-01T12:00:00Z',
          Resources: '["arn:aws:s3:::bucket-a"]',
        },
      }),
    );
    await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /orders/{id}', Target: `integrations/${mixed.IntegrationId}` }));
    const m = await post(apiId, '/orders/7?q=fast', { n: 1 });
    assert.equal(m.status, 200);
    const [me] = (await delivered(2)).filter((e) => e.id === m.body.Entries[0].EventId);
    assert.equal(me['detail-type'], 'order-7');
    assert.deepEqual(me.detail, { q: 'fast', route: 'POST /orders/{id}', all: { n: 1 } });
    assert.equal(me.time, '2024-05-01T12:00:00Z');
    assert.deepEqual(me.resources, ['arn:aws:s3:::bucket-a']);

    // an error of the service call itself comes back with the service's status and body
    const big = await post(apiId, '/events', { detail: { blob: 'x'.repeat(300 * 1024) } }, { 'x-type': 'big' });
    assert.equal(big.status, 400);
    assert.match(JSON.stringify(big.body), /ValidationException/);
  });

  test('CreateIntegration and UpdateIntegration check the role, the parameters and the payload format', async () => {
    const apiId = await httpApi('checks');
    const base = { ApiId: apiId, IntegrationType: 'AWS_PROXY' as const, IntegrationSubtype: SUBTYPE, PayloadFormatVersion: '1.0' };
    await badRequest(gw.send(new CreateIntegrationCommand({ ...base, RequestParameters: PARAMS })), /CredentialsArn is required/);
    await badRequest(
      gw.send(new CreateIntegrationCommand({ ...base, CredentialsArn: roleArn, RequestParameters: { Source: 'my.app', Detail: '$request.body' } })),
      /Missing required parameters for integration subtype EventBridge-PutEvents: DetailType/,
    );
    await badRequest(gw.send(new CreateIntegrationCommand({ ...base, CredentialsArn: roleArn, RequestParameters: { ...PARAMS, QueueUrl: 'x' } })), /QueueUrl/);
    await badRequest(
      gw.send(new CreateIntegrationCommand({ ...base, CredentialsArn: roleArn, RequestParameters: { ...PARAMS, Source: '$request.cookie.x' } })),
      /Invalid mapping expression specified: \$request\.cookie\.x/,
    );
    await badRequest(gw.send(new CreateIntegrationCommand({ ...base, CredentialsArn: roleArn, PayloadFormatVersion: '2.0', RequestParameters: PARAMS })), /payload format version '2.0'/);
    await badRequest(
      gw.send(new CreateIntegrationCommand({ ...base, IntegrationSubtype: 'SQS-SendMessage', CredentialsArn: roleArn, RequestParameters: { QueueUrl: 'q', MessageBody: '$request.body' } })),
      /SQS-SendMessage is not supported by Cumulus: Cumulus has no Amazon SQS service/,
    );
    await badRequest(gw.send(new CreateIntegrationCommand({ ...base, IntegrationSubtype: 'StepFunctions-StartExecution', CredentialsArn: roleArn })), /Cumulus has no AWS Step Functions service/);
    await badRequest(gw.send(new CreateIntegrationCommand({ ...base, IntegrationSubtype: 'Nope-Nothing', CredentialsArn: roleArn })), /Invalid integration subtype specified: Nope-Nothing/);
    await badRequest(gw.send(new CreateIntegrationCommand({ ...base, IntegrationType: 'HTTP_PROXY', IntegrationUri: 'http://x', IntegrationMethod: 'GET', CredentialsArn: roleArn })), /AWS_PROXY/);

    const ok = await gw.send(new CreateIntegrationCommand({ ...base, CredentialsArn: roleArn, RequestParameters: PARAMS }));
    await badRequest(gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: ok.IntegrationId, RequestParameters: { Source: 'only' } })), /Missing required parameters.*Detail, DetailType/);
    const updated = await gw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: ok.IntegrationId, RequestParameters: { ...PARAMS, EventBusName: 'default', TraceHeader: '$context.requestId' } }));
    assert.equal(updated.RequestParameters!.EventBusName, 'default');
    assert.equal(updated.IntegrationSubtype, SUBTYPE);
  });

  test('a role API Gateway cannot assume is a 500 at request time', async () => {
    const apiId = await httpApi('untrusted');
    const integ = await gw.send(
      new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationSubtype: SUBTYPE, CredentialsArn: untrustedRoleArn, PayloadFormatVersion: '1.0', RequestParameters: PARAMS }),
    );
    await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /events', Target: `integrations/${integ.IntegrationId}` }));
    const r = await post(apiId, '/events', { detail: { x: 1 } }, { 'x-type': 't' });
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { message: 'Internal Server Error' });
  });

  test('the AWS CLI creates the integration', async () => {
    const apiId = await httpApi('cli');
    const r = await awsCli(c, [
      'apigatewayv2', 'create-integration', '--api-id', apiId, '--integration-type', 'AWS_PROXY', '--integration-subtype', SUBTYPE,
      '--credentials-arn', roleArn, '--payload-format-version', '1.0', '--request-parameters', JSON.stringify({ Source: 'cli.app', DetailType: 'cli', Detail: '$request.body' }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.IntegrationSubtype, SUBTYPE);
    assert.equal(out.RequestParameters.Source, 'cli.app');
  });

  test('OpenAPI import builds the same integration, which serves requests; export keeps the subtype', async () => {
    const doc = {
      openapi: '3.0.1',
      info: { title: 'imported-events', version: '1' },
      paths: {
        '/events': {
          post: {
            'x-amazon-apigateway-integration': { type: 'aws_proxy', integrationSubtype: SUBTYPE, credentials: roleArn, payloadFormatVersion: '1.0', requestParameters: PARAMS },
          },
        },
      },
    };
    const api = await gw.send(new ImportApiCommand({ Body: JSON.stringify(doc) }));
    const { Items } = await gw.send(new GetIntegrationsCommand({ ApiId: api.ApiId }));
    assert.equal(Items!.length, 1);
    assert.equal(Items![0]!.IntegrationSubtype, SUBTYPE);
    assert.equal(Items![0]!.CredentialsArn, roleArn);
    assert.deepEqual(Items![0]!.RequestParameters, PARAMS);
    await gw.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: '$default', AutoDeploy: true }));
    const before = (await delivered(1)).length;
    const r = await post(api.ApiId!, '/events', { detail: { via: 'import' } }, { 'x-type': 'imported' });
    assert.equal(r.status, 200);
    assert.equal(r.body.FailedEntryCount, 0);
    const events = await delivered(before + 1);
    assert.ok(events.some((e) => e.id === r.body.Entries[0].EventId && e['detail-type'] === 'imported' && e.detail.via === 'import'));

    const exported = await gw.send(new ExportApiCommand({ ApiId: api.ApiId, OutputType: 'JSON', Specification: 'OAS30' }));
    const ext = JSON.parse(Buffer.from(exported.body!).toString('utf8')).paths['/events'].post['x-amazon-apigateway-integration'];
    assert.equal(ext.integrationSubtype, SUBTYPE);
    assert.equal(ext.credentials, roleArn);
  });
});
