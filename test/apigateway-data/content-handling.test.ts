// contentHandling on integrations and integration responses with the API's binaryMediaTypes, as the table
// "Content type conversions in API Gateway" says, against an HTTP backend that reports what it received.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, PutIntegrationResponseCommand, PutMethodResponseCommand } from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from '../apigateway/helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;
let backend: http.Server;
let backendUrl: string;

/** The backend: /echo answers the bytes it got (with the type it got); /b64 answers a base64 text; /bin answers bytes. */
const BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10, 0x80]);

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  backend = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/b64') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(BYTES.toString('base64'));
      } else if (req.url === '/bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(BYTES);
      } else {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-received-hex': body.toString('hex') });
        res.end(body);
      }
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
});
after(async () => {
  gw.destroy();
  backend.close();
  await c.stop();
});

async function api(name: string) {
  return ApiBuilder.create(gw, name, { binaryMediaTypes: ['application/octet-stream', 'image/*'] });
}

async function integrationResponse(a: ApiBuilder, path: string, method: string, contentHandling?: 'CONVERT_TO_BINARY' | 'CONVERT_TO_TEXT') {
  const resourceId = await a.resource(path);
  await gw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId, httpMethod: method, statusCode: '200', responseParameters: { 'method.response.header.X-Received-Hex': false } }));
  await gw.send(
    new PutIntegrationResponseCommand({ restApiId: a.id, resourceId, httpMethod: method, statusCode: '200', contentHandling, responseParameters: { 'method.response.header.X-Received-Hex': 'integration.response.header.x-received-hex' } }),
  );
}

describe('request payload conversions', () => {
  test('binary body: passed as is without contentHandling, base64 text with CONVERT_TO_TEXT (and then mapped)', async () => {
    const a = await api('req-binary');
    await a.method('/raw', 'POST', { type: 'HTTP', integrationHttpMethod: 'POST', uri: `${backendUrl}/echo` });
    await integrationResponse(a, '/raw', 'POST');
    await a.method('/text', 'POST', { type: 'HTTP', integrationHttpMethod: 'POST', uri: `${backendUrl}/echo`, contentHandling: 'CONVERT_TO_TEXT', requestTemplates: { 'application/octet-stream': '{"data": "$input.body"}' } });
    await integrationResponse(a, '/text', 'POST');
    await a.deploy('v1');
    const post = (p: string) => fetch(`${stageUrl(c, a.id, 'v1')}${p}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', accept: 'application/json' }, body: BYTES });

    const raw = await post('/raw');
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('x-received-hex'), BYTES.toString('hex'));
    const text = await post('/text');
    assert.equal(Buffer.from(text.headers.get('x-received-hex')!, 'hex').toString(), `{"data": "${BYTES.toString('base64')}"}`);
  });

  test('text body: CONVERT_TO_BINARY base64-decodes it; without binaryMediaTypes text stays text', async () => {
    const a = await api('req-text');
    await a.method('/bin', 'POST', { type: 'HTTP', integrationHttpMethod: 'POST', uri: `${backendUrl}/echo`, contentHandling: 'CONVERT_TO_BINARY' });
    await integrationResponse(a, '/bin', 'POST');
    await a.method('/plain', 'POST', { type: 'HTTP', integrationHttpMethod: 'POST', uri: `${backendUrl}/echo`, contentHandling: 'CONVERT_TO_TEXT' });
    await integrationResponse(a, '/plain', 'POST');
    await a.deploy('v1');
    const post = (p: string, body: string) => fetch(`${stageUrl(c, a.id, 'v1')}${p}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    const bin = await post('/bin', BYTES.toString('base64'));
    assert.equal(bin.headers.get('x-received-hex'), BYTES.toString('hex'));
    const plain = await post('/plain', 'hello');
    assert.equal(plain.headers.get('x-received-hex'), Buffer.from('hello').toString('hex'));
  });
});

describe('response payload conversions', () => {
  test('binary answer: bytes for a binary Accept, base64 text for a text Accept, base64 with CONVERT_TO_TEXT', async () => {
    const a = await api('resp-binary');
    await a.method('/bin', 'GET', { type: 'HTTP', integrationHttpMethod: 'GET', uri: `${backendUrl}/bin` });
    await integrationResponse(a, '/bin', 'GET');
    await a.method('/totext', 'GET', { type: 'HTTP', integrationHttpMethod: 'GET', uri: `${backendUrl}/bin` });
    await integrationResponse(a, '/totext', 'GET', 'CONVERT_TO_TEXT');
    await a.deploy('v1');
    const get = async (p: string, accept: string) => Buffer.from(await (await fetch(`${stageUrl(c, a.id, 'v1')}${p}`, { headers: { accept } })).arrayBuffer());

    assert.deepEqual(await get('/bin', 'image/png'), BYTES);
    assert.equal((await get('/bin', 'application/json')).toString(), BYTES.toString('base64'));
    // only the first Accept type counts
    assert.equal((await get('/bin', 'application/json, image/png')).toString(), BYTES.toString('base64'));
    assert.equal((await get('/totext', 'image/png')).toString(), BYTES.toString('base64'));
  });

  test('text answer: base64-decoded with CONVERT_TO_BINARY, or for a binary Accept', async () => {
    const a = await api('resp-text');
    await a.method('/decode', 'GET', { type: 'HTTP', integrationHttpMethod: 'GET', uri: `${backendUrl}/b64` });
    await integrationResponse(a, '/decode', 'GET', 'CONVERT_TO_BINARY');
    await a.method('/asis', 'GET', { type: 'HTTP', integrationHttpMethod: 'GET', uri: `${backendUrl}/b64` });
    await integrationResponse(a, '/asis', 'GET');
    await a.deploy('v1');
    const get = async (p: string, accept: string) => Buffer.from(await (await fetch(`${stageUrl(c, a.id, 'v1')}${p}`, { headers: { accept } })).arrayBuffer());
    assert.deepEqual(await get('/decode', 'application/json'), BYTES);
    assert.equal((await get('/asis', 'application/json')).toString(), BYTES.toString('base64'));
    assert.deepEqual(await get('/asis', 'application/octet-stream'), BYTES);
  });
});
