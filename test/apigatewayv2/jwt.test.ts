// JWT authorizers against a local issuer: a JWKS served by a server the test starts, RS256 tokens signed with
// node:crypto. Valid tokens reach the backend with their claims; bad signature, issuer, audience, expiry and
// missing tokens are 401; missing scopes 403.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiGatewayV2Client, CreateApiCommand, CreateAuthorizerCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { callApi, startBackend, type Backend } from './helpers.js';

let c: Cumulus;
let gw: ApiGatewayV2Client;
let backend: Backend;
let issuerServer: http.Server;
let issuer: string;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
let apiId: string;

function token(claims: Record<string, unknown>, key: KeyObject = keys.privateKey, kid = 'k1'): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'RS256', typ: 'JWT', kid });
  const body = enc(claims);
  return `${head}.${body}.${sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key).toString('base64url')}`;
}

async function now(): Promise<number> {
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 0 }) });
  const body = (await r.json()) as { now?: number | string };
  return body.now !== undefined ? Math.floor(new Date(body.now).getTime() / 1000) : Math.floor(Date.now() / 1000);
}

before(async () => {
  c = await startTestCumulus();
  gw = new ApiGatewayV2Client(clientConfig(c));
  backend = await startBackend();
  const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  issuerServer = http.createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ keys: [jwk] }));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  apiId = (await gw.send(new CreateApiCommand({ Name: 'jwt', ProtocolType: 'HTTP' }))).ApiId!;
  const auth = await gw.send(
    new CreateAuthorizerCommand({ ApiId: apiId, Name: 'issuer', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], JwtConfiguration: { Issuer: issuer, Audience: ['my-app'] } }),
  );
  const i = await gw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'HTTP_PROXY',
      IntegrationMethod: 'ANY',
      IntegrationUri: `${backend.url}/`,
      PayloadFormatVersion: '1.0',
      RequestParameters: { 'overwrite:header.x-sub': '$context.authorizer.claims.sub' },
    }),
  );
  await gw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /open', AuthorizationType: 'JWT', AuthorizerId: auth.AuthorizerId, Target: `integrations/${i.IntegrationId}` }));
  await gw.send(
    new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /admin', AuthorizationType: 'JWT', AuthorizerId: auth.AuthorizerId, AuthorizationScopes: ['admin', 'root'], Target: `integrations/${i.IntegrationId}` }),
  );
  await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
});
after(async () => {
  gw.destroy();
  await backend.close();
  issuerServer.closeAllConnections();
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await c.stop();
});

describe('JWT authorizer', () => {
  test('a valid token is allowed and its claims reach the integration', async () => {
    const t = token({ iss: issuer, aud: 'my-app', sub: 'user-1', exp: (await now()) + 300, scope: 'read write' });
    const r = await callApi(c, apiId, '/open', { headers: { authorization: `Bearer ${t}` } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().headers['x-sub'], 'user-1');
    // client_id stands in for aud when there is none (Cognito access tokens)
    const t2 = token({ iss: issuer, client_id: 'my-app', sub: 'user-2', exp: (await now()) + 300 });
    assert.equal((await callApi(c, apiId, '/open', { headers: { authorization: t2 } })).status, 200);
  });

  test('missing, forged, foreign, wrong-audience and expired tokens are 401', async () => {
    const exp = (await now()) + 300;
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['garbage', { authorization: 'Bearer not.a.jwt' }],
      ['forged', { authorization: `Bearer ${token({ iss: issuer, aud: 'my-app', exp }, rogue.privateKey)}` }],
      ['unknown kid', { authorization: `Bearer ${token({ iss: issuer, aud: 'my-app', exp }, rogue.privateKey, 'k9')}` }],
      ['issuer', { authorization: `Bearer ${token({ iss: 'https://other.example', aud: 'my-app', exp })}` }],
      ['audience', { authorization: `Bearer ${token({ iss: issuer, aud: 'someone-else', exp })}` }],
      ['expired', { authorization: `Bearer ${token({ iss: issuer, aud: 'my-app', exp: exp - 1000 })}` }],
    ];
    for (const [name, headers] of cases) {
      const r = await callApi(c, apiId, '/open', { headers });
      assert.equal(r.status, 401, name);
      assert.deepEqual(r.json(), { message: 'Unauthorized' }, name);
    }
  });

  test('a token expires on the virtual clock', async () => {
    const t = token({ iss: issuer, aud: 'my-app', exp: (await now()) + 60 });
    assert.equal((await callApi(c, apiId, '/open', { headers: { authorization: t } })).status, 200);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 120 }) });
    const r = await callApi(c, apiId, '/open', { headers: { authorization: t } });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /invalid_token/);
  });

  test("a route's scopes need one of them in the token, else 403", async () => {
    const exp = (await now()) + 300;
    const reader = token({ iss: issuer, aud: 'my-app', exp, scope: 'read' });
    const r = await callApi(c, apiId, '/admin', { headers: { authorization: reader } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json(), { message: 'Forbidden' });
    const admin = token({ iss: issuer, aud: 'my-app', exp, scp: ['root'] });
    assert.equal((await callApi(c, apiId, '/admin', { headers: { authorization: admin } })).status, 200);
  });
});
