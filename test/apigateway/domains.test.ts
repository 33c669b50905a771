// Custom domain names with base path mappings, served by Host on Cumulus's port.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, CreateBasePathMappingCommand, CreateDomainNameCommand, GetBasePathMappingsCommand, GetDomainNameCommand } from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import { ApiBuilder } from './helpers.js';

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

function selfSigned(name: string): { cert: string; key: string } {
  const dir = tempDir('apigw-cert-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', `/CN=${name}`], { cwd: dir, stdio: 'ignore' });
  const out = { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function getByHost(host: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: c.port, path: p, headers: { host } }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: s }));
    }).on('error', reject);
  });
}

describe('custom domain names', () => {
  test('base path mappings route a custom Host to APIs and stages', async () => {
    const { cert, key } = selfSigned('api.example.com');
    await assert.rejects(gw.send(new CreateDomainNameCommand({ domainName: 'bad.example.com', certificateBody: 'not pem', certificatePrivateKey: key })), (e: Error) => e.name === 'BadRequestException');
    const d = await gw.send(new CreateDomainNameCommand({ domainName: 'api.example.com', certificateName: 'c', certificateBody: cert, certificatePrivateKey: key }));
    assert.match(d.distributionDomainName!, /\.cloudfront\.net$/);
    assert.equal((await gw.send(new GetDomainNameCommand({ domainName: 'api.example.com' }))).domainNameStatus, 'AVAILABLE');

    const a = await ApiBuilder.create(gw, 'orders');
    await a.method('/list', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await a.response('/list', 'GET', '200', { responseTemplates: { 'application/json': '{"api": "orders", "path": "$context.path", "domain": "$context.domainName"}' } });
    await a.deploy('prod');
    const b = await ApiBuilder.create(gw, 'root');
    await b.method('/', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await b.response('/', 'GET', '200', { responseTemplates: { 'application/json': '{"api": "root"}' } });
    await b.deploy('live');
    await gw.send(new CreateBasePathMappingCommand({ domainName: 'api.example.com', basePath: 'orders', restApiId: a.id, stage: 'prod' }));
    await gw.send(new CreateBasePathMappingCommand({ domainName: 'api.example.com', restApiId: b.id, stage: 'live' }));
    await assert.rejects(gw.send(new CreateBasePathMappingCommand({ domainName: 'api.example.com', basePath: 'orders', restApiId: b.id, stage: 'live' })), (e: Error) => e.name === 'ConflictException');
    const maps = await gw.send(new GetBasePathMappingsCommand({ domainName: 'api.example.com' }));
    assert.deepEqual(maps.items!.map((m) => m.basePath).sort(), ['(none)', 'orders']);

    const o = await getByHost(`api.example.com:${c.port}`, '/orders/list');
    assert.equal(o.status, 200);
    assert.deepEqual(JSON.parse(o.body), { api: 'orders', path: '/orders/list', domain: 'api.example.com' });
    const r = await getByHost('api.example.com', '/');
    assert.deepEqual(JSON.parse(r.body), { api: 'root' });
    assert.equal((await getByHost('api.example.com', '/nothing/here')).status, 403);
  });
});
