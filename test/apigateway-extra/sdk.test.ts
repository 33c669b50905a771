// GetSdk: the JavaScript SDK of a stage, as a zip a standard unzip reads (Python's zipfile checks every CRC),
// whose apigClient.js — loaded with require() — calls the stage's methods; GetSdkTypes / GetSdkType; the other
// SDK kinds' required properties.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, GetSdkCommand, GetSdkTypeCommand, GetSdkTypesCommand } from '@aws-sdk/client-api-gateway';
import { credentialOf } from '../../src/protocol/identify.js';
import type { Cumulus } from '../../src/server/server.js';
import { verifySigV4 } from '../../src/server/sigv4.js';
import { entryData, readEntries } from '../../src/services/lambda/zip.js';
import { awsCli, boto3, clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import { ApiBuilder } from '../apigateway/helpers.js';
import { echoBackend, type Backend } from './helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;
let backend: Backend;
let api: ApiBuilder;
const dirs: string[] = [];
const scratch = (prefix: string) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  backend = await echoBackend('pets-backend');
  api = await ApiBuilder.create(gw, 'pets');
  await api.method('/pets', 'GET', { type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: `${backend.url}/pets` }, { requestParameters: { 'method.request.querystring.limit': false, 'method.request.header.x-trace': false } });
  await api.method('/pets', 'POST', { type: 'HTTP_PROXY', integrationHttpMethod: 'POST', uri: `${backend.url}/pets` });
  await api.method('/pets/{petId}', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
  await api.response('/pets/{petId}', 'GET', '200', { responseTemplates: { 'application/json': '{"id": "$input.params(\'petId\')"}' } });
  await api.method('/pets/{petId}/toys', 'DELETE', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 404}' } });
  await api.response('/pets/{petId}/toys', 'DELETE', '404', { selectionPattern: '404', responseTemplates: { 'application/json': '{"message": "no toys"}' } });
  await api.method('/secure/{item}', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }, { authorizationType: 'AWS_IAM' });
  await api.response('/secure/{item}', 'GET', '200', { responseTemplates: { 'application/json': '{"caller": "$context.identity.userArn"}' } });
  await api.deploy('v1');
});
after(async () => {
  gw.destroy();
  await backend.close();
  await c.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('GetSdk', () => {
  test('the JavaScript SDK is a zip with apigClient.js and a README; its client calls the stage', async () => {
    const dir = scratch('apigw-sdk-');
    const py = await boto3(
      c,
      `import io, zipfile
gw = boto3.client('apigateway', endpoint_url=endpoint)
r = gw.get_sdk(restApiId=os.environ['API_ID'], stageName='v1', sdkType='javascript')
z = zipfile.ZipFile(io.BytesIO(r['body'].read()))
bad = z.testzip()
z.extractall(os.environ['OUT'])
print(json.dumps({'contentType': r['contentType'], 'disposition': r.get('contentDisposition'), 'names': z.namelist(), 'bad': bad}))`,
      { API_ID: api.id, OUT: dir },
    );
    assert.equal(py.code, 0, py.stderr);
    const out = JSON.parse(py.stdout) as { contentType: string; disposition: string; names: string[]; bad: string | null };
    assert.equal(out.contentType, 'application/zip');
    assert.match(out.disposition, /attachment; filename="javascript_.*\.zip"/);
    assert.equal(out.bad, null);
    assert.deepEqual(out.names.sort(), ['apiGateway-js-sdk/README.md', 'apiGateway-js-sdk/apigClient.js']);
    const readmeText = fs.readFileSync(path.join(dir, 'apiGateway-js-sdk/README.md'), 'utf8');
    assert.match(readmeText, /petsPetIdGet/);

    const factory = createRequire(import.meta.url)(path.join(dir, 'apiGateway-js-sdk/apigClient.js')) as { newClient(config?: object): Record<string, (p?: object, b?: unknown, a?: object) => Promise<{ status: number; data: any; headers: Record<string, string> }>> };
    const client = factory.newClient();
    assert.deepEqual(Object.keys(client).sort(), ['petsGet', 'petsPetIdGet', 'petsPetIdToysDelete', 'petsPost', 'secureItemGet']);

    const one = await client.petsPetIdGet!({ petId: 'rex 1' });
    assert.equal(one.status, 200);
    assert.deepEqual(one.data, { id: 'rex 1' });

    const list = await client.petsGet!({ limit: 3, 'x-trace': 't1' }, undefined, { queryParams: { extra: 'y' } });
    assert.equal(list.data.url, '/pets?limit=3&extra=y');
    assert.equal(list.data.name, 'pets-backend');

    const made = await client.petsPost!({}, { name: 'tom' });
    assert.equal(made.data.method, 'POST');
    assert.deepEqual(JSON.parse(made.data.body), { name: 'tom' });

    await assert.rejects(client.petsPetIdToysDelete!({ petId: 'rex' }), (e: { response: { status: number; data: unknown } }) => {
      assert.equal(e.response.status, 404);
      assert.deepEqual(e.response.data, { message: 'no toys' });
      return true;
    });
    assert.throws(() => client.petsPetIdGet!({}), /Missing required path parameter: petId/);
  });

  test('methods with AWS_IAM authorization are signed with Signature Version 4', async () => {
    const dir = scratch('apigw-sdk-iam-');
    const r = await gw.send(new GetSdkCommand({ restApiId: api.id, stageName: 'v1', sdkType: 'javascript' }));
    const zip = Buffer.from(r.body!);
    for (const e of readEntries(zip)) {
      fs.mkdirSync(path.join(dir, path.dirname(e.name)), { recursive: true });
      fs.writeFileSync(path.join(dir, e.name), entryData(zip, e));
    }
    const factory = createRequire(import.meta.url)(path.join(dir, 'apiGateway-js-sdk/apigClient.js')) as { newClient(config?: object): Record<string, (p?: object, b?: unknown, a?: object) => Promise<{ status: number; data: any }>> };
    // a server that checks the signature as AWS does
    const verifier = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const wire = { method: req.method!, path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.alloc(0) };
      try {
        verifySigV4(wire, credentialOf(wire), (k) => (k === 'AKIDEXAMPLE' ? 'secret/key' : undefined), Date.now());
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: u.pathname }));
      } catch (e) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
      }
    });
    await new Promise<void>((r) => verifier.listen(0, '127.0.0.1', r));
    try {
      const local = factory.newClient({ invokeUrl: `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/v1`, accessKey: 'AKIDEXAMPLE', secretKey: 'secret/key', region: 'us-east-1' });
      const ok = await local.secureItemGet!({ item: 'a b+c' }, undefined, { queryParams: { z: '1', a: 'x y' } });
      assert.deepEqual(ok.data, { ok: true, path: '/v1/secure/a%20b%2Bc' });
      const wrong = factory.newClient({ invokeUrl: `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/v1`, accessKey: 'AKIDEXAMPLE', secretKey: 'other', region: 'us-east-1' });
      await assert.rejects(wrong.secureItemGet!({ item: 'a' }), (e: { response: { status: number } }) => e.response.status === 403);
    } finally {
      verifier.closeAllConnections();
      await new Promise((r) => verifier.close(r));
    }
    // against the stage: unsigned is refused, signed passes IAM authorization
    await assert.rejects(factory.newClient().secureItemGet!({ item: 'a' }), (e: { response: { status: number } }) => e.response.status === 403);
    const signed = await factory.newClient({ accessKey: 'test', secretKey: 'test' }).secureItemGet!({ item: 'a' });
    assert.equal(signed.status, 200);
    assert.match(signed.data.caller, /^arn:aws:iam::\d{12}:root$/);
  });

  test('the AWS CLI writes the zip to a file; unknown stages and SDK types are errors', async () => {
    const file = path.join(scratch('apigw-sdk-cli-'), 'sdk.zip');
    const r = await awsCli(c, ['apigateway', 'get-sdk', '--rest-api-id', api.id, '--stage-name', 'v1', '--sdk-type', 'javascript', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(file).subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
    await assert.rejects(gw.send(new GetSdkCommand({ restApiId: api.id, stageName: 'nope', sdkType: 'javascript' })), { name: 'NotFoundException' });
    await assert.rejects(gw.send(new GetSdkCommand({ restApiId: api.id, stageName: 'v1', sdkType: 'cobol' })), { name: 'BadRequestException' });
    await assert.rejects(gw.send(new GetSdkCommand({ restApiId: api.id, stageName: 'v1', sdkType: 'android' })), { name: 'BadRequestException', message: /groupId/ });
  });

  test('SDK types and their configuration properties', async () => {
    const types = await gw.send(new GetSdkTypesCommand({}));
    assert.deepEqual(types.items!.map((t) => t.id).sort(), ['android', 'ios-objective-c', 'ios-swift', 'java', 'javascript', 'ruby']);
    const java = await gw.send(new GetSdkTypeCommand({ id: 'java' }));
    assert.ok(java.configurationProperties!.some((p) => p.name === 'service.name' && p.required));
    await assert.rejects(gw.send(new GetSdkTypeCommand({ id: 'cobol' })), { name: 'NotFoundException' });
  });
});
