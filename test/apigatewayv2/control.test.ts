// The HTTP API control plane through the SDK, the AWS CLI and boto3: APIs, quick create, routes,
// integrations, authorizers, stages, deployments, tags, paging and AWS's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  GetApiCommand,
  GetApisCommand,
  GetDeploymentsCommand,
  GetIntegrationCommand,
  GetRouteCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
  GetTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';

let c: Cumulus;
let gw: ApiGatewayV2Client;

before(async () => {
  c = await startTestCumulus();
  gw = new ApiGatewayV2Client(clientConfig(c));
});
after(async () => {
  gw.destroy();
  await c.stop();
});

async function rejects(p: Promise<unknown>, name: string, message?: RegExp, status?: number) {
  await assert.rejects(p, (e: { name: string; message: string; $metadata: { httpStatusCode: number } }) => {
    assert.equal(e.name, name);
    if (message) assert.match(e.message, message);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    return true;
  });
}

describe('APIs', () => {
  test('quick create makes a managed integration, route and auto-deployed $default stage', async () => {
    const api = await gw.send(new CreateApiCommand({ Name: 'quick', ProtocolType: 'HTTP', Target: 'https://example.com', RouteKey: 'GET /pets', Tags: { team: 'a' } }));
    assert.match(api.ApiId!, /^[a-z0-9]{10}$/);
    assert.equal(api.RouteSelectionExpression, '$request.method $request.path');
    assert.equal(api.ApiKeySelectionExpression, '$request.header.x-api-key');
    assert.match(api.ApiEndpoint!, new RegExp(`^http://${api.ApiId}\\.execute-api\\.localhost`));
    const routes = await gw.send(new GetRoutesCommand({ ApiId: api.ApiId }));
    assert.equal(routes.Items!.length, 1);
    assert.equal(routes.Items![0]!.RouteKey, 'GET /pets');
    assert.equal(routes.Items![0]!.ApiGatewayManaged, true);
    const integrationId = routes.Items![0]!.Target!.split('/')[1]!;
    const i = await gw.send(new GetIntegrationCommand({ ApiId: api.ApiId, IntegrationId: integrationId }));
    assert.equal(i.IntegrationType, 'HTTP_PROXY');
    assert.equal(i.IntegrationMethod, 'ANY');
    assert.equal(i.PayloadFormatVersion, '1.0');
    assert.equal(i.TimeoutInMillis, 30000);
    const stage = await gw.send(new GetStageCommand({ ApiId: api.ApiId, StageName: '$default' }));
    assert.equal(stage.AutoDeploy, true);
    assert.ok(stage.DeploymentId);
    await rejects(gw.send(new DeleteRouteCommand({ ApiId: api.ApiId, RouteId: routes.Items![0]!.RouteId })), 'ConflictException');
    const got = await gw.send(new GetApiCommand({ ApiId: api.ApiId }));
    assert.deepEqual(got.Tags, { team: 'a' });
  });

  test('NotFoundException with the account and id; paging with string MaxResults', async () => {
    await rejects(gw.send(new GetApiCommand({ ApiId: 'abcdefghij' })), 'NotFoundException', /^Invalid API identifier specified 000000000000:abcdefghij$/, 404);
    for (let k = 0; k < 3; k++) await gw.send(new CreateApiCommand({ Name: `page-${k}`, ProtocolType: 'HTTP' }));
    const all = await gw.send(new GetApisCommand({}));
    const p1 = await gw.send(new GetApisCommand({ MaxResults: '2' }));
    assert.equal(p1.Items!.length, 2);
    assert.ok(p1.NextToken);
    const p2 = await gw.send(new GetApisCommand({ MaxResults: '100', NextToken: p1.NextToken }));
    assert.equal(p1.Items!.length + p2.Items!.length, all.Items!.length);
    await rejects(gw.send(new GetApisCommand({ MaxResults: 'x' })), 'BadRequestException');
  });

  test('DeleteApi removes the API, its stages and deployments', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'gone', ProtocolType: 'HTTP', Target: 'https://example.com' }))).ApiId!;
    await gw.send(new DeleteApiCommand({ ApiId: id }));
    await rejects(gw.send(new GetStagesCommand({ ApiId: id })), 'NotFoundException');
  });
});

describe('routes, integrations, authorizers, stages, deployments', () => {
  test('validation and references', async () => {
    const id = (await gw.send(new CreateApiCommand({ Name: 'parts', ProtocolType: 'HTTP' }))).ApiId!;
    await rejects(gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'FETCH /x' })), 'BadRequestException');
    await rejects(gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /{proxy+}/x' })), 'BadRequestException');
    await rejects(gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /x', Target: 'integrations/nope123' })), 'NotFoundException');
    await rejects(
      gw.send(new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'GET', IntegrationUri: 'https://example.com', TimeoutInMillis: 30001 })),
      'BadRequestException',
    );
    await rejects(gw.send(new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'AWS_PROXY', IntegrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:f' })), 'BadRequestException', /PayloadFormatVersion/);
    const i = await gw.send(new CreateIntegrationCommand({ ApiId: id, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'GET', IntegrationUri: 'https://example.com/{id}', PayloadFormatVersion: '1.0' }));
    const r = await gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /items/{id}', Target: `integrations/${i.IntegrationId}` }));
    assert.equal(r.AuthorizationType, 'NONE');
    await rejects(gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'GET /items/{id}' })), 'ConflictException', /already exists/, 409);
    await rejects(gw.send(new CreateRouteCommand({ ApiId: id, RouteKey: 'POST /items/{key}/x' })), 'ConflictException', /conflicting variable on the same hierarchical level as "GET \/items\/\{id\}"/, 409);
    await rejects(gw.send(new DeleteIntegrationCommand({ ApiId: id, IntegrationId: i.IntegrationId })), 'ConflictException');
    const jwt = await gw.send(
      new CreateAuthorizerCommand({ ApiId: id, Name: 'jwt', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], JwtConfiguration: { Issuer: 'https://issuer.example', Audience: ['aud1'] } }),
    );
    await rejects(gw.send(new UpdateRouteCommand({ ApiId: id, RouteId: r.RouteId!, AuthorizationType: 'CUSTOM', AuthorizerId: jwt.AuthorizerId })), 'BadRequestException');
    const u = await gw.send(new UpdateRouteCommand({ ApiId: id, RouteId: r.RouteId!, AuthorizationType: 'JWT', AuthorizerId: jwt.AuthorizerId, AuthorizationScopes: ['read'] }));
    assert.deepEqual(u.AuthorizationScopes, ['read']);
    assert.equal((await gw.send(new GetRouteCommand({ ApiId: id, RouteId: r.RouteId! }))).AuthorizerId, jwt.AuthorizerId);
    await rejects(
      gw.send(new CreateAuthorizerCommand({ ApiId: id, Name: 'lam', AuthorizerType: 'REQUEST', IdentitySource: ['$request.header.x'], AuthorizerUri: 'arn:aws:lambda:us-east-1:000000000000:function:auth' })),
      'BadRequestException',
      /AuthorizerPayloadFormatVersion/,
    );
    // stages and deployments
    await rejects(gw.send(new CreateStageCommand({ ApiId: id, StageName: 'prod', DeploymentId: 'nope' })), 'NotFoundException');
    await gw.send(new CreateStageCommand({ ApiId: id, StageName: 'prod', StageVariables: { v: 'one' } }));
    await rejects(gw.send(new CreateStageCommand({ ApiId: id, StageName: 'prod' })), 'ConflictException');
    const d = await gw.send(new CreateDeploymentCommand({ ApiId: id, StageName: 'prod', Description: 'first' }));
    assert.equal((await gw.send(new GetStageCommand({ ApiId: id, StageName: 'prod' }))).DeploymentId, d.DeploymentId);
    const ds = await gw.send(new GetDeploymentsCommand({ ApiId: id }));
    assert.equal(ds.Items!.length, 1);
    assert.equal(ds.Items![0]!.AutoDeployed, false);
    await rejects(gw.send(new UpdateStageCommand({ ApiId: id, StageName: 'prod', RouteSettings: { 'GET /none': { ThrottlingRateLimit: 1 } } })), 'NotFoundException');
    const s = await gw.send(new UpdateStageCommand({ ApiId: id, StageName: 'prod', RouteSettings: { 'GET /items/{id}': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } } }));
    assert.equal(s.RouteSettings!['GET /items/{id}']!.ThrottlingBurstLimit, 10);
    // tags on an API and a stage by ARN
    const apiArn = `arn:aws:apigateway:us-east-1::/apis/${id}`;
    await gw.send(new TagResourceCommand({ ResourceArn: apiArn, Tags: { a: '1', b: '2' } }));
    await gw.send(new UntagResourceCommand({ ResourceArn: apiArn, TagKeys: ['a'] }));
    assert.deepEqual((await gw.send(new GetTagsCommand({ ResourceArn: apiArn }))).Tags, { b: '2' });
    await gw.send(new TagResourceCommand({ ResourceArn: `${apiArn}/stages/prod`, Tags: { s: 'x' } }));
    assert.deepEqual((await gw.send(new GetStageCommand({ ApiId: id, StageName: 'prod' }))).Tags, { s: 'x' });
  });
});

describe('AWS CLI and boto3', () => {
  test('aws apigatewayv2 create-api / create-route / get-routes', async () => {
    const created = await awsCli(c, ['apigatewayv2', 'create-api', '--name', 'cli', '--protocol-type', 'HTTP', '--target', 'https://example.com']);
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).ApiId;
    const route = await awsCli(c, ['apigatewayv2', 'create-route', '--api-id', id, '--route-key', 'ANY /{proxy+}']);
    assert.equal(route.code, 0, route.stderr);
    const routes = await awsCli(c, ['apigatewayv2', 'get-routes', '--api-id', id]);
    assert.deepEqual(JSON.parse(routes.stdout).Items.map((r: { RouteKey: string }) => r.RouteKey).sort(), ['$default', 'ANY /{proxy+}']);
    const missing = await awsCli(c, ['apigatewayv2', 'get-api', '--api-id', 'zzzzzzzzzz']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFoundException/);
  });

  test('boto3 create_api with CORS, create_stage, get_stages', async () => {
    const r = await boto3(
      c,
      `c = boto3.client('apigatewayv2', endpoint_url=endpoint)
a = c.create_api(Name='py', ProtocolType='HTTP', CorsConfiguration={'AllowOrigins': ['*'], 'AllowMethods': ['GET']})
c.create_stage(ApiId=a['ApiId'], StageName='dev', AutoDeploy=True)
s = c.get_stages(ApiId=a['ApiId'])
print(json.dumps({'cors': c.get_api(ApiId=a['ApiId'])['CorsConfiguration'], 'stages': [x['StageName'] for x in s['Items']]}))`,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.cors, { AllowOrigins: ['*'], AllowMethods: ['GET'] });
    assert.deepEqual(out.stages, ['dev']);
  });
});
