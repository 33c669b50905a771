// OpenAPI: ImportRestApi (JSON and YAML, with x-amazon-apigateway-* extensions), the imported API deployed and
// serving, GetExport (oas30 and swagger, JSON and YAML) and a round trip through PutRestApi.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, CreateDeploymentCommand, CreateRestApiCommand, GetExportCommand, GetMethodCommand, GetResourcesCommand, ImportRestApiCommand, PutRestApiCommand } from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import { stageUrl } from './helpers.js';
import fs from 'node:fs';
import path from 'node:path';

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

const OAS = {
  openapi: '3.0.1',
  info: { title: 'imported-pets', version: '2.0' },
  'x-amazon-apigateway-request-validators': { body: { validateRequestBody: true, validateRequestParameters: false } },
  'x-amazon-apigateway-gateway-responses': { MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, responseTemplates: { 'application/json': '{"error": "no route"}' } } },
  components: {
    schemas: { Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, owner: { $ref: '#/components/schemas/Owner' } } }, Owner: { type: 'object' } },
    securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
  },
  paths: {
    '/pets': {
      get: {
        operationId: 'ListPets',
        parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': { description: 'ok', headers: { 'X-Count': { schema: { type: 'string' } } } } },
        'x-amazon-apigateway-integration': {
          type: 'mock',
          requestTemplates: { 'application/json': '{"statusCode": 200}' },
          responses: { default: { statusCode: '200', responseParameters: { 'method.response.header.X-Count': "'2'" }, responseTemplates: { 'application/json': '[{"name": "a"}, {"name": "b"}]' } } },
        },
      },
      post: {
        'x-amazon-apigateway-request-validator': 'body',
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
        responses: { '201': { description: 'created' } },
        security: [{ api_key: [] }],
        'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 201}' }, responses: { default: { statusCode: '201' } } },
      },
    },
    '/pets/{id}': {
      'x-amazon-apigateway-any-method': {
        responses: { '200': { description: 'ok' } },
        'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"id": "$input.params(\'id\')"}' } } } },
      },
    },
  },
};

describe('ImportRestApi', () => {
  test('an OpenAPI 3.0 document becomes a working API', async () => {
    const api = await gw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(OAS)) }));
    assert.equal(api.name, 'imported-pets');
    assert.equal(api.version, '2.0');
    const res = await gw.send(new GetResourcesCommand({ restApiId: api.id, embed: ['methods'] }));
    assert.deepEqual(res.items!.map((r) => r.path).sort(), ['/', '/pets', '/pets/{id}']);
    const pets = res.items!.find((r) => r.path === '/pets')!;
    const post = await gw.send(new GetMethodCommand({ restApiId: api.id, resourceId: pets.id, httpMethod: 'POST' }));
    assert.equal(post.apiKeyRequired, true);
    assert.deepEqual(post.requestModels, { 'application/json': 'Pet' });
    assert.ok(post.requestValidatorId);
    const get = await gw.send(new GetMethodCommand({ restApiId: api.id, resourceId: pets.id, httpMethod: 'GET' }));
    assert.equal(get.operationName, 'ListPets');
    assert.deepEqual(get.requestParameters, { 'method.request.querystring.limit': false });

    await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'v1' }));
    const base = stageUrl(c, api.id!, 'v1');
    const list = await fetch(`${base}/pets`);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('x-count'), '2');
    assert.deepEqual(await list.json(), [{ name: 'a' }, { name: 'b' }]);
    assert.deepEqual(await (await fetch(`${base}/pets/5`, { method: 'DELETE' })).json(), { id: '5' });
    const nf = await fetch(`${base}/none`);
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { error: 'no route' });
  });

  test('YAML through the AWS CLI, and malformed documents', async () => {
    const yaml = `openapi: "3.0.1"
info:
  title: yaml-api   # a comment
  version: '1'
paths:
  /hello:
    get:
      responses:
        "200":
          description: ok
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: |
                {"hello": "yaml"}
`;
    const dir = tempDir('apigw-oas-');
    const file = path.join(dir, 'api.yaml');
    fs.writeFileSync(file, yaml);
    const r = await awsCli(c, ['apigateway', 'import-rest-api', '--body', `fileb://${file}`]);
    assert.equal(r.code, 0, r.stderr);
    const api = JSON.parse(r.stdout);
    assert.equal(api.name, 'yaml-api');
    await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 's' }));
    assert.deepEqual(await (await fetch(`${stageUrl(c, api.id, 's')}/hello`)).json(), { hello: 'yaml' });
    fs.rmSync(dir, { recursive: true, force: true });

    await assert.rejects(gw.send(new ImportRestApiCommand({ body: Buffer.from('{"openapi": "3.0.1",\n "paths": {\n  "/x": nope }') })), (e: Error) => e.name === 'BadRequestException' && /line 3/.test(e.message));
    await assert.rejects(gw.send(new ImportRestApiCommand({ body: Buffer.from('{"info": {}}') })), (e: Error) => e.name === 'BadRequestException');
  });
});

describe('GetExport', () => {
  test('oas30 with integrations exports what re-imports into an identical API; swagger and YAML', async () => {
    const api = await gw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(OAS)) }));
    await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'prod' }));
    const exp = await gw.send(new GetExportCommand({ restApiId: api.id, stageName: 'prod', exportType: 'oas30', parameters: { extensions: 'integrations' }, accepts: 'application/json' }));
    assert.equal(exp.contentType, 'application/json');
    const doc = JSON.parse(Buffer.from(exp.body!).toString());
    assert.equal(doc.openapi, '3.0.1');
    assert.equal(doc.paths['/pets'].get['x-amazon-apigateway-integration'].type, 'mock');
    assert.equal(doc.paths['/pets'].post.requestBody.content['application/json'].schema.$ref, '#/components/schemas/Pet');
    assert.equal(doc.components.schemas.Pet.properties.owner.$ref, '#/components/schemas/Owner');
    assert.ok(doc.paths['/pets/{id}']['x-amazon-apigateway-any-method']);

    // round trip: the export put over an empty API serves the same answers
    const empty = await gw.send(new CreateRestApiCommand({ name: 'copy' }));
    await gw.send(new PutRestApiCommand({ restApiId: empty.id, mode: 'overwrite', body: Buffer.from(JSON.stringify(doc)) }));
    await gw.send(new CreateDeploymentCommand({ restApiId: empty.id, stageName: 'prod' }));
    const again = await fetch(`${stageUrl(c, empty.id!, 'prod')}/pets`);
    assert.equal(again.headers.get('x-count'), '2');
    assert.deepEqual(await again.json(), [{ name: 'a' }, { name: 'b' }]);
    const exp2 = JSON.parse(Buffer.from((await gw.send(new GetExportCommand({ restApiId: empty.id, stageName: 'prod', exportType: 'oas30', parameters: { extensions: 'integrations' } }))).body!).toString());
    assert.deepEqual(exp2.paths, doc.paths);

    const swagger = await gw.send(new GetExportCommand({ restApiId: api.id, stageName: 'prod', exportType: 'swagger', accepts: 'application/yaml' }));
    assert.equal(swagger.contentType, 'application/yaml');
    const text = Buffer.from(swagger.body!).toString();
    assert.match(text, /^swagger: "?2\.0"?$/m);
    assert.doesNotMatch(text, /x-amazon-apigateway-integration/);
    // the YAML we write reads back
    const back = await gw.send(new ImportRestApiCommand({ body: Buffer.from(text) }));
    const res = await gw.send(new GetResourcesCommand({ restApiId: back.id }));
    assert.deepEqual(res.items!.map((r) => r.path).sort(), ['/', '/pets', '/pets/{id}']);
  });
});
