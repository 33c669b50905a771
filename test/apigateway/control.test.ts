// REST API control plane through the SDK, the AWS CLI and boto3: APIs, resources, methods, integrations,
// deployments, stages, patch operations and AWS's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateModelCommand,
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  DeleteResourceCommand,
  DeleteRestApiCommand,
  GetDeploymentsCommand,
  GetGatewayResponsesCommand,
  GetIntegrationCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetTagsCommand,
  PutGatewayResponseCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateIntegrationCommand,
  UpdateMethodCommand,
  UpdateResourceCommand,
  UpdateRestApiCommand,
  UpdateStageCommand,
  GetAccountCommand,
} from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';

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

async function rejects(p: Promise<unknown>, name: string, message?: RegExp | string): Promise<void> {
  await assert.rejects(p, (e: Error & { name: string }) => {
    assert.equal(e.name, name, e.message);
    if (message instanceof RegExp) assert.match(e.message, message);
    else if (message) assert.equal(e.message, message);
    return true;
  });
}

describe('rest apis', () => {
  test('create, get, list with position paging, update by patch, delete', async () => {
    const a = await gw.send(
      new CreateRestApiCommand({
        name: 'pets',
        description: 'd',
        binaryMediaTypes: ['image/png'],
        minimumCompressionSize: 1024,
        apiKeySource: 'HEADER',
        endpointConfiguration: { types: ['REGIONAL'] },
        tags: { team: 'a' },
      }),
    );
    assert.match(a.id!, /^[a-z0-9]{10}$/);
    assert.match(a.rootResourceId!, /^[a-z0-9]{10}$/);
    assert.deepEqual(a.endpointConfiguration?.types, ['REGIONAL']);
    assert.deepEqual(a.binaryMediaTypes, ['image/png']);
    assert.ok(a.createdDate instanceof Date);
    const got = await gw.send(new GetRestApiCommand({ restApiId: a.id }));
    assert.equal(got.name, 'pets');
    assert.deepEqual(got.tags, { team: 'a' });

    for (let i = 0; i < 3; i++) await gw.send(new CreateRestApiCommand({ name: `more${i}` }));
    const p1 = await gw.send(new GetRestApisCommand({ limit: 2 }));
    assert.equal(p1.items!.length, 2);
    assert.ok(p1.position);
    const p2 = await gw.send(new GetRestApisCommand({ limit: 2, position: p1.position }));
    assert.equal(p2.items!.length, 2);
    assert.equal(p2.position, undefined);

    const u = await gw.send(
      new UpdateRestApiCommand({
        restApiId: a.id,
        patchOperations: [
          { op: 'replace', path: '/name', value: 'pets2' },
          { op: 'add', path: '/binaryMediaTypes/image~1jpeg' },
          { op: 'remove', path: '/binaryMediaTypes/image~1png' },
          { op: 'replace', path: '/minimumCompressionSize', value: '0' },
        ],
      }),
    );
    assert.equal(u.name, 'pets2');
    assert.deepEqual(u.binaryMediaTypes, ['image/jpeg']);
    assert.equal(u.minimumCompressionSize, 0);
    await rejects(gw.send(new UpdateRestApiCommand({ restApiId: a.id, patchOperations: [{ op: 'replace', path: '/nope', value: 'x' }] })), 'BadRequestException', /^Invalid patch path \/nope/);

    await gw.send(new DeleteRestApiCommand({ restApiId: a.id }));
    await rejects(gw.send(new GetRestApiCommand({ restApiId: a.id })), 'NotFoundException', `Invalid API identifier specified 000000000000:${a.id}`);
  });

  test('cloneFrom copies resources, methods and integrations', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 'src' }));
    const r = await gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: a.rootResourceId, pathPart: 'items' }));
    await gw.send(new PutMethodCommand({ restApiId: a.id, resourceId: r.id, httpMethod: 'GET', authorizationType: 'NONE' }));
    await gw.send(new PutIntegrationCommand({ restApiId: a.id, resourceId: r.id, httpMethod: 'GET', type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
    const clone = await gw.send(new CreateRestApiCommand({ name: 'copy', cloneFrom: a.id }));
    assert.notEqual(clone.id, a.id);
    const res = await gw.send(new GetResourcesCommand({ restApiId: clone.id, embed: ['methods'] }));
    const items = res.items!.find((x) => x.path === '/items')!;
    assert.notEqual(items.id, r.id);
    assert.equal(items.resourceMethods!.GET!.methodIntegration!.type, 'MOCK');
  });
});

describe('resources, methods, integrations', () => {
  test('path parts, conflicts, greedy and variable siblings, subtree delete', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 'tree' }));
    const pets = await gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: a.rootResourceId, pathPart: 'pets' }));
    assert.equal(pets.path, '/pets');
    const id = await gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: pets.id, pathPart: '{petId}' }));
    assert.equal(id.path, '/pets/{petId}');
    await rejects(gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: a.rootResourceId, pathPart: 'pets' })), 'ConflictException', 'Another resource with the same parent already has this name: pets');
    await rejects(gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: pets.id, pathPart: '{other}' })), 'BadRequestException', /only one is allowed/);
    await rejects(gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: pets.id, pathPart: 'a b' })), 'BadRequestException', /path part only allow/);
    const greedy = await gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: a.rootResourceId, pathPart: '{proxy+}' }));
    await rejects(gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: greedy.id, pathPart: 'x' })), 'BadRequestException', /greedy/);
    await rejects(gw.send(new CreateResourceCommand({ restApiId: a.id, parentId: 'nope', pathPart: 'x' })), 'NotFoundException', 'Invalid Resource identifier specified');

    const moved = await gw.send(new UpdateResourceCommand({ restApiId: a.id, resourceId: pets.id, patchOperations: [{ op: 'replace', path: '/pathPart', value: 'animals' }] }));
    assert.equal(moved.path, '/animals');
    const all = await gw.send(new GetResourcesCommand({ restApiId: a.id }));
    assert.ok(all.items!.some((r) => r.path === '/animals/{petId}'));

    await gw.send(new DeleteResourceCommand({ restApiId: a.id, resourceId: pets.id }));
    const left = await gw.send(new GetResourcesCommand({ restApiId: a.id }));
    assert.deepEqual(left.items!.map((r) => r.path).sort(), ['/', '/{proxy+}']);
  });

  test('methods, method responses, integrations and integration responses, with patches and errors', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 'm' }));
    const root = a.rootResourceId!;
    await gw.send(new CreateModelCommand({ restApiId: a.id, name: 'Pet', contentType: 'application/json', schema: '{"type":"object"}' }));
    await rejects(gw.send(new CreateModelCommand({ restApiId: a.id, name: 'Bad', contentType: 'application/json', schema: '{nope' })), 'BadRequestException');
    const v = await gw.send(new CreateRequestValidatorCommand({ restApiId: a.id, name: 'body', validateRequestBody: true }));
    const m = await gw.send(
      new PutMethodCommand({
        restApiId: a.id,
        resourceId: root,
        httpMethod: 'POST',
        authorizationType: 'NONE',
        apiKeyRequired: true,
        requestParameters: { 'method.request.querystring.q': false },
        requestModels: { 'application/json': 'Pet' },
        requestValidatorId: v.id,
        operationName: 'CreatePet',
      }),
    );
    assert.equal(m.httpMethod, 'POST');
    assert.equal(m.apiKeyRequired, true);
    await rejects(gw.send(new PutMethodCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST', authorizationType: 'NONE' })), 'ConflictException', 'Method already exists for this resource');
    await rejects(gw.send(new GetMethodCommand({ restApiId: a.id, resourceId: root, httpMethod: 'GET' })), 'NotFoundException', 'Invalid Method identifier specified');
    await rejects(gw.send(new PutMethodCommand({ restApiId: a.id, resourceId: root, httpMethod: 'GET', authorizationType: 'CUSTOM' })), 'BadRequestException', /authorizer/);
    const um = await gw.send(
      new UpdateMethodCommand({
        restApiId: a.id,
        resourceId: root,
        httpMethod: 'POST',
        patchOperations: [
          { op: 'replace', path: '/apiKeyRequired', value: 'false' },
          { op: 'add', path: '/requestParameters/method.request.header.X-Id', value: 'true' },
        ],
      }),
    );
    assert.equal(um.apiKeyRequired, false);
    assert.deepEqual(um.requestParameters, { 'method.request.querystring.q': false, 'method.request.header.X-Id': true });

    await rejects(
      gw.send(new PutIntegrationCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST', type: 'HTTP', integrationHttpMethod: 'GET', uri: 'http://x', timeoutInMillis: 40 })),
      'BadRequestException',
      'Timeout should be between 50 ms and 29000 ms',
    );
    const i = await gw.send(
      new PutIntegrationCommand({
        restApiId: a.id,
        resourceId: root,
        httpMethod: 'POST',
        type: 'HTTP',
        integrationHttpMethod: 'POST',
        uri: 'http://example.com/{id}',
        requestParameters: { 'integration.request.path.id': 'method.request.querystring.q' },
        requestTemplates: { 'application/json': '$input.body' },
        passthroughBehavior: 'NEVER',
        cacheKeyParameters: ['method.request.querystring.q'],
      }),
    );
    assert.equal(i.timeoutInMillis, 29000);
    assert.equal(i.passthroughBehavior, 'NEVER');
    await gw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST', statusCode: '200', responseParameters: { 'method.response.header.X-A': false } }));
    await rejects(gw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST', statusCode: '404' })), 'NotFoundException');
    await gw.send(
      new PutIntegrationResponseCommand({
        restApiId: a.id,
        resourceId: root,
        httpMethod: 'POST',
        statusCode: '200',
        selectionPattern: '2\\d{2}',
        responseParameters: { 'method.response.header.X-A': "'a'" },
        responseTemplates: { 'application/json': '$input.body' },
      }),
    );
    const ui = await gw.send(
      new UpdateIntegrationCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST', patchOperations: [{ op: 'replace', path: '/timeoutInMillis', value: '5000' }] }),
    );
    assert.equal(ui.timeoutInMillis, 5000);
    const gi = await gw.send(new GetIntegrationCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST' }));
    assert.equal(gi.integrationResponses!['200']!.selectionPattern, '2\\d{2}');
    const gm = await gw.send(new GetMethodCommand({ restApiId: a.id, resourceId: root, httpMethod: 'POST' }));
    assert.equal(gm.methodIntegration!.uri, 'http://example.com/{id}');
    assert.deepEqual(gm.methodResponses!['200']!.responseParameters, { 'method.response.header.X-A': false });
  });
});

describe('deployments and stages', () => {
  test('deploy, stage variables and method settings by patch, deployment in use', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 'd' }));
    await rejects(gw.send(new CreateDeploymentCommand({ restApiId: a.id, stageName: 'x' })), 'BadRequestException', "The REST API doesn't contain any methods");
    await gw.send(new PutMethodCommand({ restApiId: a.id, resourceId: a.rootResourceId, httpMethod: 'GET', authorizationType: 'NONE' }));
    await rejects(gw.send(new CreateDeploymentCommand({ restApiId: a.id, stageName: 'x' })), 'BadRequestException', 'No integration defined for method');
    await gw.send(new PutIntegrationCommand({ restApiId: a.id, resourceId: a.rootResourceId, httpMethod: 'GET', type: 'MOCK' }));
    const d = await gw.send(new CreateDeploymentCommand({ restApiId: a.id, stageName: 'prod', variables: { v: '1' } }));
    const s = await gw.send(new GetStageCommand({ restApiId: a.id, stageName: 'prod' }));
    assert.equal(s.deploymentId, d.id);
    assert.deepEqual(s.variables, { v: '1' });
    await rejects(gw.send(new CreateStageCommand({ restApiId: a.id, stageName: 'prod', deploymentId: d.id })), 'ConflictException', 'Stage already exists');
    await rejects(gw.send(new CreateStageCommand({ restApiId: a.id, stageName: 'dev', deploymentId: 'nope' })), 'NotFoundException', 'Invalid Deployment identifier specified');
    const u = await gw.send(
      new UpdateStageCommand({
        restApiId: a.id,
        stageName: 'prod',
        patchOperations: [
          { op: 'replace', path: '/variables/w', value: 'two' },
          { op: 'remove', path: '/variables/v' },
          { op: 'replace', path: '/*/*/throttling/rateLimit', value: '5' },
          { op: 'replace', path: '/*/*/metrics/enabled', value: 'true' },
          { op: 'replace', path: '/~1/GET/caching/ttlInSeconds', value: '60' },
        ],
      }),
    );
    assert.deepEqual(u.variables, { w: 'two' });
    assert.equal(u.methodSettings!['*/*']!.throttlingRateLimit, 5);
    assert.equal(u.methodSettings!['*/*']!.throttlingBurstLimit, 5000);
    assert.equal(u.methodSettings!['*/*']!.metricsEnabled, true);
    assert.equal(u.methodSettings!['/GET']!.cacheTtlInSeconds, 60);
    await rejects(gw.send(new UpdateStageCommand({ restApiId: a.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/bogus', value: '1' }] })), 'BadRequestException', /Invalid patch path/);
    await rejects(gw.send(new DeleteDeploymentCommand({ restApiId: a.id, deploymentId: d.id })), 'BadRequestException', 'Active stages pointing to this deployment must be moved or deleted');
    const list = await gw.send(new GetDeploymentsCommand({ restApiId: a.id }));
    assert.equal(list.items!.length, 1);
  });

  test('quotas: at most 10 stages per API', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 'many-stages' }));
    await gw.send(new PutMethodCommand({ restApiId: a.id, resourceId: a.rootResourceId, httpMethod: 'GET', authorizationType: 'NONE' }));
    await gw.send(new PutIntegrationCommand({ restApiId: a.id, resourceId: a.rootResourceId, httpMethod: 'GET', type: 'MOCK' }));
    const d = await gw.send(new CreateDeploymentCommand({ restApiId: a.id }));
    for (let i = 0; i < 10; i++) await gw.send(new CreateStageCommand({ restApiId: a.id, stageName: `s${i}`, deploymentId: d.id }));
    await rejects(gw.send(new CreateStageCommand({ restApiId: a.id, stageName: 's10', deploymentId: d.id })), 'LimitExceededException');
  });

  test('gateway responses: defaults for every type, customised ones', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 'g' }));
    const all = await gw.send(new GetGatewayResponsesCommand({ restApiId: a.id }));
    const types = all.items!.map((r) => r.responseType);
    for (const t of ['DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN', 'THROTTLED', 'QUOTA_EXCEEDED', 'UNAUTHORIZED']) assert.ok(types.includes(t as never), t);
    const missing = all.items!.find((r) => r.responseType === 'MISSING_AUTHENTICATION_TOKEN')!;
    assert.equal(missing.statusCode, '403');
    assert.equal(missing.defaultResponse, true);
    const put = await gw.send(new PutGatewayResponseCommand({ restApiId: a.id, responseType: 'DEFAULT_4XX', responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" } }));
    assert.equal(put.defaultResponse, false);
  });

  test('tags and account', async () => {
    const a = await gw.send(new CreateRestApiCommand({ name: 't' }));
    const arn = `arn:aws:apigateway:us-east-1::/restapis/${a.id}`;
    await gw.send(new TagResourceCommand({ resourceArn: arn, tags: { a: '1', b: '2' } }));
    await gw.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    assert.deepEqual((await gw.send(new GetTagsCommand({ resourceArn: arn }))).tags, { b: '2' });
    const acct = await gw.send(new GetAccountCommand({}));
    assert.equal(acct.throttleSettings!.rateLimit, 10000);
  });
});

describe('other clients', () => {
  test('AWS CLI and boto3', async () => {
    const created = await awsCli(c, ['apigateway', 'create-rest-api', '--name', 'cli-api']);
    assert.equal(created.code, 0, created.stderr);
    const api = JSON.parse(created.stdout);
    const res = await awsCli(c, ['apigateway', 'get-resources', '--rest-api-id', api.id]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).items[0].path, '/');
    const missing = await awsCli(c, ['apigateway', 'get-rest-api', '--rest-api-id', 'abcdefghij']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFoundException/);

    const py = await boto3(
      c,
      `c = boto3.client('apigateway', endpoint_url=endpoint)
a = c.create_rest_api(name='py-api')
r = c.create_resource(restApiId=a['id'], parentId=a['rootResourceId'], pathPart='x')
c.put_method(restApiId=a['id'], resourceId=r['id'], httpMethod='GET', authorizationType='NONE')
c.put_integration(restApiId=a['id'], resourceId=r['id'], httpMethod='GET', type='MOCK')
d = c.create_deployment(restApiId=a['id'], stageName='v1')
print(json.dumps({'stages': [s['stageName'] for s in c.get_stages(restApiId=a['id'])['item']], 'dep': d['id']}))`,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout).stages, ['v1']);
  });
});
