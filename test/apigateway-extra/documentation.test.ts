// API documentation: documentation parts (locations with AWS's defaults, properties as JSON, filters, updates),
// imports that merge or overwrite, documentation versions snapshotting the parts and named by a stage, and
// GetExport with extensions=documentation publishing the stage's version, and locationStatus=UNDOCUMENTED listing
// the API's entities that no part documents.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  APIGatewayClient,
  CreateAuthorizerCommand,
  CreateDocumentationPartCommand,
  CreateDocumentationVersionCommand,
  CreateModelCommand,
  DeleteDocumentationPartCommand,
  DeleteDocumentationVersionCommand,
  GetDocumentationPartCommand,
  GetDocumentationPartsCommand,
  GetDocumentationVersionCommand,
  GetDocumentationVersionsCommand,
  GetExportCommand,
  GetStageCommand,
  ImportDocumentationPartsCommand,
  ImportRestApiCommand,
  PutMethodResponseCommand,
  UpdateDocumentationPartCommand,
  UpdateDocumentationVersionCommand,
  UpdateStageCommand,
  type DocumentationPartLocation,
  type GetDocumentationPartsCommandInput,
} from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder } from '../apigateway/helpers.js';

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

async function mockApi(name: string): Promise<ApiBuilder> {
  const api = await ApiBuilder.create(gw, name);
  await api.method('/pets', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
  await api.response('/pets', 'GET', '200');
  await api.deploy('prod');
  return api;
}

describe('documentation parts', () => {
  test('create with defaults, conflicts, filters, update, get and delete', async () => {
    const api = await mockApi('docs');
    const root = await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'API' }, properties: JSON.stringify({ info: { description: 'The pet store' } }) }));
    assert.match(root.id!, /^[a-z0-9]+$/);
    assert.deepEqual(root.location, { type: 'API' });

    const method = await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'METHOD', path: '/pets' }, properties: '{"summary":"all methods of /pets"}' }));
    assert.equal(method.location!.method, '*');
    const resp = await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'RESPONSE', path: '/pets', method: 'get' }, properties: '{"description":"any status"}' }));
    assert.deepEqual(resp.location, { type: 'RESPONSE', path: '/pets', method: 'GET', statusCode: '*' });
    await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'QUERY_PARAMETER', path: '/pets', method: 'GET', name: 'limit' }, properties: '{"description":"page size"}' }));
    await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'MODEL', name: 'Pet' }, properties: '{"title":"A pet"}' }));

    await assert.rejects(gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'API' }, properties: '{}' })), { name: 'ConflictException' });
    await assert.rejects(gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'MODEL' }, properties: '{}' })), { name: 'BadRequestException' });
    await assert.rejects(gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'API', path: '/pets' }, properties: '{}' })), { name: 'BadRequestException' });
    await assert.rejects(gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'RESOURCE', path: '/x' }, properties: 'not json' })), { name: 'BadRequestException' });

    const all = await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id }));
    assert.equal(all.items!.length, 5);
    const models = await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id, type: 'MODEL' }));
    assert.deepEqual(models.items!.map((p) => p.location!.name), ['Pet']);
    const onPets = await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id, path: '/pets' }));
    assert.equal(onPets.items!.length, 3);
    const named = await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id, nameQuery: 'lim' }));
    assert.deepEqual(named.items!.map((p) => p.location!.type), ['QUERY_PARAMETER']);
    const paged = await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id, limit: 2 }));
    assert.equal(paged.items!.length, 2);
    assert.ok(paged.position);

    const upd = await gw.send(new UpdateDocumentationPartCommand({ restApiId: api.id, documentationPartId: method.id, patchOperations: [{ op: 'replace', path: '/properties', value: '{"summary":"changed"}' }] }));
    assert.equal(upd.properties, '{"summary":"changed"}');
    assert.equal((await gw.send(new GetDocumentationPartCommand({ restApiId: api.id, documentationPartId: method.id }))).properties, '{"summary":"changed"}');
    await gw.send(new DeleteDocumentationPartCommand({ restApiId: api.id, documentationPartId: method.id }));
    await assert.rejects(gw.send(new GetDocumentationPartCommand({ restApiId: api.id, documentationPartId: method.id })), { name: 'NotFoundException' });

    const cli = await awsCli(c, ['apigateway', 'get-documentation-parts', '--rest-api-id', api.id, '--type', 'API']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).items.map((p: { id: string }) => p.id), [root.id]);
  });

  test('import merges (same location updated, new ones added) or overwrites', async () => {
    const api = await mockApi('docs-import');
    const kept = await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'RESOURCE', path: '/pets' }, properties: '{"description":"old"}' }));
    const other = await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'MODEL', name: 'Old' }, properties: '{}' }));
    const body = JSON.stringify({
      swagger: '2.0',
      info: { title: 'docs' },
      paths: {},
      'x-amazon-apigateway-documentation': {
        version: '1',
        documentationParts: [
          { location: { type: 'RESOURCE', path: '/pets' }, properties: { description: 'new' } },
          { location: { type: 'API' }, properties: { info: { description: 'imported' } } },
        ],
      },
    });
    const merged = await gw.send(new ImportDocumentationPartsCommand({ restApiId: api.id, mode: 'merge', body: Buffer.from(body) }));
    assert.equal(merged.ids!.length, 2);
    assert.ok(merged.ids!.includes(kept.id!));
    assert.equal((await gw.send(new GetDocumentationPartCommand({ restApiId: api.id, documentationPartId: kept.id }))).properties, '{"description":"new"}');
    assert.equal((await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id }))).items!.length, 3);

    const py = await boto3(
      c,
      `gw = boto3.client('apigateway', endpoint_url=endpoint)
body = json.dumps({'openapi': '3.0.1', 'info': {'title': 'x'}, 'paths': {}, 'x-amazon-apigateway-documentation': {'documentationParts': [{'location': {'type': 'API'}, 'properties': {'only': True}}]}})
r = gw.import_documentation_parts(restApiId=os.environ['API_ID'], mode='overwrite', body=body.encode())
parts = gw.get_documentation_parts(restApiId=os.environ['API_ID'])['items']
print(json.dumps({'ids': r['ids'], 'parts': [[p['location']['type'], p['properties']] for p in parts]}))`,
      { API_ID: api.id },
    );
    assert.equal(py.code, 0, py.stderr);
    const out = JSON.parse(py.stdout) as { ids: string[]; parts: [string, string][] };
    assert.equal(out.ids.length, 1);
    assert.deepEqual(out.parts, [['API', '{"only":true}']]);
    await assert.rejects(gw.send(new GetDocumentationPartCommand({ restApiId: api.id, documentationPartId: other.id })), { name: 'NotFoundException' });
    await assert.rejects(gw.send(new ImportDocumentationPartsCommand({ restApiId: api.id, body: Buffer.from('{"swagger":"2.0"}') })), { name: 'BadRequestException' });
  });
});

/** A location as one comparable line: type, path, method, statusCode, name. */
const line = (l: DocumentationPartLocation) => [l.type, l.path, l.method, l.statusCode, l.name].filter((v) => v !== undefined).join(' ');

describe('undocumented entities', () => {
  test('UNDOCUMENTED lists each entity without a part at its exact location; filters and paging apply', async () => {
    const api = await ApiBuilder.create(gw, 'docs-undocumented');
    await gw.send(new CreateModelCommand({ restApiId: api.id, name: 'Pet', contentType: 'application/json', schema: '{"type":"object"}' }));
    await gw.send(
      new CreateAuthorizerCommand({
        restApiId: api.id,
        name: 'tok',
        type: 'TOKEN',
        authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations',
        identitySource: 'method.request.header.Authorization',
      }),
    );
    const mock = { type: 'MOCK' as const, requestTemplates: { 'application/json': '{"statusCode": 200}' } };
    await api.method('/pets/{petId}', 'GET', mock, { requestParameters: { 'method.request.querystring.verbose': false, 'method.request.header.x-trace': false } });
    await api.response('/pets/{petId}', 'GET', '200', {}, { 'method.response.header.x-rate': false });
    const pets = await api.method('/pets', 'POST', mock, { requestModels: { 'application/json': 'Pet' } });
    await gw.send(new PutMethodResponseCommand({ restApiId: api.id, resourceId: pets, httpMethod: 'POST', statusCode: '201', responseModels: { 'application/json': 'Pet' } }));

    const documented: DocumentationPartLocation[] = [
      { type: 'API' },
      { type: 'RESOURCE', path: '/pets' },
      { type: 'QUERY_PARAMETER', path: '/pets/{petId}', method: 'get', name: 'verbose' },
      { type: 'RESPONSE_HEADER', path: '/pets/{petId}', method: 'GET', statusCode: '200', name: 'x-rate' },
      { type: 'MODEL', name: 'Pet' },
      // a wildcard: content GET inherits, but GET itself still has no part of its own
      { type: 'METHOD', path: '/pets/{petId}' },
    ];
    const ids: string[] = [];
    for (const location of documented) ids.push((await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location, properties: '{"description":"x"}' }))).id!);

    const list = async (input: Omit<GetDocumentationPartsCommandInput, 'restApiId'>) => (await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id, ...input }))).items!;
    const undocumented = await list({ locationStatus: 'UNDOCUMENTED', limit: 500 });
    for (const item of undocumented) assert.deepEqual(Object.keys(item), ['location'], 'an undocumented entity has only a location');
    assert.deepEqual(undocumented.map((i) => line(i.location!)).sort(), [
      'AUTHORIZER tok',
      'METHOD /pets POST',
      'METHOD /pets/{petId} GET',
      // the models every new API starts with
      'MODEL Empty',
      'MODEL Error',
      'PATH_PARAMETER /pets/{petId} GET petId',
      'REQUEST_BODY /pets POST',
      'REQUEST_HEADER /pets/{petId} GET x-trace',
      'RESOURCE /',
      'RESOURCE /pets/{petId}',
      'RESPONSE /pets POST 201',
      'RESPONSE /pets/{petId} GET 200',
      'RESPONSE_BODY /pets POST 201',
    ]);

    // DOCUMENTED (explicit or by default) lists the parts themselves, with ids and properties
    const explicit = await list({ locationStatus: 'DOCUMENTED' });
    assert.deepEqual(explicit.map((p) => p.id).sort(), [...ids].sort());
    assert.ok(explicit.every((p) => p.properties === '{"description":"x"}'));
    assert.deepEqual((await list({})).map((p) => p.id), explicit.map((p) => p.id));

    // type, path and name filters apply to the undocumented entities too
    assert.deepEqual((await list({ locationStatus: 'UNDOCUMENTED', type: 'METHOD' })).map((i) => line(i.location!)).sort(), ['METHOD /pets POST', 'METHOD /pets/{petId} GET']);
    assert.deepEqual((await list({ locationStatus: 'UNDOCUMENTED', path: '/pets/{petId}' })).map((i) => i.location!.type).sort(), ['METHOD', 'PATH_PARAMETER', 'REQUEST_HEADER', 'RESOURCE', 'RESPONSE']);
    assert.deepEqual((await list({ locationStatus: 'UNDOCUMENTED', nameQuery: 'PET' })).map((i) => line(i.location!)), ['PATH_PARAMETER /pets/{petId} GET petId']);
    assert.deepEqual((await list({ locationStatus: 'UNDOCUMENTED', type: 'MODEL' })).map((i) => i.location!.name).sort(), ['Empty', 'Error']);
    assert.deepEqual((await list({ locationStatus: 'DOCUMENTED', type: 'MODEL' })).map((p) => p.location!.name), ['Pet']);

    // paging walks the same entities in a stable order
    const walked: string[] = [];
    let position: string | undefined;
    do {
      const r = await gw.send(new GetDocumentationPartsCommand({ restApiId: api.id, locationStatus: 'UNDOCUMENTED', limit: 4, position }));
      assert.ok(r.items!.length <= 4);
      walked.push(...r.items!.map((i) => line(i.location!)));
      position = r.position;
    } while (position);
    assert.deepEqual(walked, undocumented.map((i) => line(i.location!)));

    // documenting an entity takes it off the undocumented list
    await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'AUTHORIZER', name: 'tok' }, properties: '{}' }));
    assert.deepEqual(await list({ locationStatus: 'UNDOCUMENTED', type: 'AUTHORIZER' }), []);
    const cli = await awsCli(c, ['apigateway', 'get-documentation-parts', '--rest-api-id', api.id, '--location-status', 'UNDOCUMENTED', '--type', 'PATH_PARAMETER']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).items, [{ location: { type: 'PATH_PARAMETER', path: '/pets/{petId}', method: 'GET', name: 'petId' } }]);
  });
});

describe('documentation versions', () => {
  test('a version snapshots the parts; a stage names it; the export publishes it', async () => {
    const api = await mockApi('docs-versions');
    await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'METHOD', path: '/pets', method: 'GET' }, properties: '{"summary":"List pets"}' }));
    const v1 = await gw.send(new CreateDocumentationVersionCommand({ restApiId: api.id, documentationVersion: '1.0', stageName: 'prod', description: 'first' }));
    assert.equal(v1.version, '1.0');
    assert.equal((await gw.send(new GetStageCommand({ restApiId: api.id, stageName: 'prod' }))).documentationVersion, '1.0');
    await assert.rejects(gw.send(new CreateDocumentationVersionCommand({ restApiId: api.id, documentationVersion: '1.0' })), { name: 'ConflictException' });

    // a later change to the parts is not in version 1.0
    await gw.send(new CreateDocumentationPartCommand({ restApiId: api.id, location: { type: 'API' }, properties: '{"info":{"description":"later"}}' }));
    const exp = await gw.send(new GetExportCommand({ restApiId: api.id, stageName: 'prod', exportType: 'oas30', parameters: { extensions: 'documentation' }, accepts: 'application/json' }));
    const doc = JSON.parse(Buffer.from(exp.body!).toString('utf8'));
    assert.deepEqual(doc['x-amazon-apigateway-documentation'], { version: '1.0', documentationParts: [{ location: { type: 'METHOD', path: '/pets', method: 'GET' }, properties: { summary: 'List pets' } }] });
    const plain = JSON.parse(Buffer.from((await gw.send(new GetExportCommand({ restApiId: api.id, stageName: 'prod', exportType: 'oas30' }))).body!).toString('utf8'));
    assert.equal(plain['x-amazon-apigateway-documentation'], undefined);

    await gw.send(new CreateDocumentationVersionCommand({ restApiId: api.id, documentationVersion: '2.0' }));
    await assert.rejects(gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/documentationVersion', value: '9.9' }] })), { name: 'NotFoundException' });
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/documentationVersion', value: '2.0' }] }));
    const exp2 = JSON.parse(Buffer.from((await gw.send(new GetExportCommand({ restApiId: api.id, stageName: 'prod', exportType: 'swagger', parameters: { extensions: 'documentation' } }))).body!).toString('utf8'));
    assert.equal(exp2['x-amazon-apigateway-documentation'].version, '2.0');
    assert.equal(exp2['x-amazon-apigateway-documentation'].documentationParts.length, 2);

    const upd = await gw.send(new UpdateDocumentationVersionCommand({ restApiId: api.id, documentationVersion: '1.0', patchOperations: [{ op: 'replace', path: '/description', value: 'renamed' }] }));
    assert.equal(upd.description, 'renamed');
    const list = await gw.send(new GetDocumentationVersionsCommand({ restApiId: api.id }));
    assert.deepEqual(list.items!.map((v) => v.version), ['1.0', '2.0']);
    await gw.send(new DeleteDocumentationVersionCommand({ restApiId: api.id, documentationVersion: '1.0' }));
    await assert.rejects(gw.send(new GetDocumentationVersionCommand({ restApiId: api.id, documentationVersion: '1.0' })), { name: 'NotFoundException' });

    // the exported definition imports into a new API with its documentation
    const copy = await gw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(exp2)) }));
    const copied = await gw.send(new GetDocumentationPartsCommand({ restApiId: copy.id }));
    assert.deepEqual(copied.items!.map((p) => p.location!.type).sort(), ['API', 'METHOD']);
    assert.equal(copied.items!.find((p) => p.location!.type === 'METHOD')!.properties, '{"summary":"List pets"}');
  });
});
