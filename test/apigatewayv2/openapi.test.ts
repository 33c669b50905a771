// OpenAPI import and export of HTTP APIs: a YAML document with a Lambda proxy route (payload 2.0), HTTP proxy
// routes to a local server, a JWT authorizer, CORS and a $default route becomes routes, integrations and
// authorizers that serve real traffic; exports (JSON and YAML) import back into an identical API; reimport
// replaces the definition; malformed documents are BadRequestException; the AWS CLI imports a file.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ApiGatewayV2Client,
  CreateDeploymentCommand,
  CreateStageCommand,
  ExportApiCommand,
  GetApiCommand,
  GetAuthorizersCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  ImportApiCommand,
  ReimportApiCommand,
  type Route,
} from '@aws-sdk/client-apigatewayv2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import { allowApiGateway, createRole, invocationUri, nodeFunction } from '../apigateway/lambda-fixture.js';
import { callApi, startBackend, type Backend } from './helpers.js';

let c: Cumulus;
let gw: ApiGatewayV2Client;
let lambda: LambdaClient;
let backend: Backend;
let issuerServer: http.Server;
let issuer: string;
let fnArn: string;
let apiId: string;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

const ECHO = `export const handler = async (event) => ({ statusCode: 200, headers: { 'x-fn': event.version }, body: JSON.stringify({ routeKey: event.routeKey, id: event.pathParameters?.id }) });`;

function token(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
  const body = enc(claims);
  return `${head}.${body}.${sign('RSA-SHA256', Buffer.from(`${head}.${body}`), keys.privateKey).toString('base64url')}`;
}

async function now(): Promise<number> {
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 0 }) });
  const body = (await r.json()) as { now?: number | string };
  return body.now !== undefined ? Math.floor(new Date(body.now).getTime() / 1000) : Math.floor(Date.now() / 1000);
}

function document(title: string, extra = ''): string {
  return `openapi: "3.0.1"
info:
  title: ${title}
  version: "2024-01-01"
  description: imported from YAML
paths:
  /fn/{id}:
    get:
      operationId: getFn
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: ${invocationUri(fnArn)}
        payloadFormatVersion: "2.0"
        timeoutInMillis: 10000
  /web/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters:
        - name: proxy
          in: path
          required: true
          schema:
            type: string
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: ${backend.url}/backend/{proxy}
        payloadFormatVersion: "1.0"
  /secure:
    get:
      security:
        - issuer: [admin]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: ${backend.url}/backend/{proxy}
        payloadFormatVersion: "1.0"
${extra}components:
  securitySchemes:
    issuer:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: ${issuer}
          audience:
            - my-app
x-amazon-apigateway-cors:
  allowOrigins:
    - https://app.example
  allowMethods: [GET, POST]
  allowHeaders: [authorization]
  maxAge: 600
x-amazon-apigateway-importexport-version: "1.0"
`;
}

const keysOf = (routes: Route[]) => routes.map((r) => r.RouteKey!).sort();

before(async () => {
  c = await startTestCumulus();
  gw = new ApiGatewayV2Client(clientConfig(c));
  lambda = new LambdaClient(clientConfig(c));
  backend = await startBackend();
  const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  issuerServer = http.createServer((req, res) => {
    res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/.well-known/jwks.json' ? JSON.stringify({ keys: [jwk] }) : '');
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  fnArn = await nodeFunction(c, lambda, await createRole(c, 'apigwv2-oas'), 'oas-echo', ECHO);
  await allowApiGateway(lambda, 'oas-echo', 'arn:aws:execute-api:us-east-1:000000000000:*/*');
});
after(async () => {
  gw.destroy();
  lambda.destroy();
  await backend.close();
  issuerServer.closeAllConnections();
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await c.stop();
});

describe('ImportApi', () => {
  test('a YAML document becomes routes, integrations, an authorizer and CORS', async () => {
    const defaultRoute = `  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: ${backend.url}/fallback
        payloadFormatVersion: "1.0"
`;
    const body = document('imported', defaultRoute);
    const api = await gw.send(new ImportApiCommand({ Body: body }));
    apiId = api.ApiId!;
    assert.equal(api.Name, 'imported');
    assert.equal(api.Version, '2024-01-01');
    assert.equal(api.Description, 'imported from YAML');
    assert.equal(api.ProtocolType, 'HTTP');
    assert.deepEqual(api.CorsConfiguration?.AllowOrigins, ['https://app.example']);
    assert.equal(api.CorsConfiguration?.MaxAge, 600);

    const routes = (await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!;
    assert.deepEqual(keysOf(routes), ['$default', 'ANY /web/{proxy+}', 'GET /fn/{id}', 'GET /secure']);
    const integrations = (await gw.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items!;
    // the two identical HTTP integrations are one
    assert.equal(integrations.length, 3);
    const lambdaInt = integrations.find((i) => i.IntegrationType === 'AWS_PROXY')!;
    assert.equal(lambdaInt.PayloadFormatVersion, '2.0');
    assert.equal(lambdaInt.TimeoutInMillis, 10000);
    assert.equal(lambdaInt.IntegrationMethod, 'POST');
    const fn = routes.find((r) => r.RouteKey === 'GET /fn/{id}')!;
    assert.equal(fn.Target, `integrations/${lambdaInt.IntegrationId}`);
    assert.equal(fn.OperationName, 'getFn');
    const web = routes.find((r) => r.RouteKey === 'ANY /web/{proxy+}')!;
    assert.equal(web.Target, routes.find((r) => r.RouteKey === 'GET /secure')!.Target);

    const auths = (await gw.send(new GetAuthorizersCommand({ ApiId: apiId }))).Items!;
    assert.equal(auths.length, 1);
    assert.equal(auths[0]!.Name, 'issuer');
    assert.equal(auths[0]!.AuthorizerType, 'JWT');
    assert.deepEqual(auths[0]!.IdentitySource, ['$request.header.Authorization']);
    assert.deepEqual(auths[0]!.JwtConfiguration, { Issuer: issuer, Audience: ['my-app'] });
    const secure = routes.find((r) => r.RouteKey === 'GET /secure')!;
    assert.equal(secure.AuthorizationType, 'JWT');
    assert.equal(secure.AuthorizerId, auths[0]!.AuthorizerId);
    assert.deepEqual(secure.AuthorizationScopes, ['admin']);
  });

  test('the imported API serves traffic once a stage is deployed', async () => {
    // import makes no stage: nothing answers until one exists
    await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
    const fn = await callApi(c, apiId, '/fn/42');
    assert.equal(fn.status, 200, fn.text);
    assert.equal(fn.headers['x-fn'], '2.0');
    assert.deepEqual(fn.json(), { routeKey: 'GET /fn/{id}', id: '42' });

    const web = await callApi(c, apiId, '/web/a/b?x=1', { method: 'POST', body: 'hi', headers: { origin: 'https://app.example' } });
    assert.equal(web.status, 200, web.text);
    assert.equal(web.json().url, '/backend/a/b?x=1');
    assert.equal(web.headers['access-control-allow-origin'], 'https://app.example');

    const other = await callApi(c, apiId, '/somewhere/else');
    assert.equal(other.status, 200);
    assert.match(other.json().url, /^\/fallback/);

    const pre = await callApi(c, apiId, '/fn/1', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-max-age'], '600');

    assert.equal((await callApi(c, apiId, '/secure')).status, 401);
    const exp = (await now()) + 300;
    const reader = token({ iss: issuer, aud: 'my-app', exp, scope: 'read' });
    assert.equal((await callApi(c, apiId, '/secure', { headers: { authorization: `Bearer ${reader}` } })).status, 403);
    const admin = token({ iss: issuer, aud: 'my-app', exp, scope: 'admin' });
    assert.equal((await callApi(c, apiId, '/secure', { headers: { authorization: `Bearer ${admin}` } })).status, 200);
  });

  test('basepath prepend and split take the base path from the servers entry', async () => {
    const doc = (extra: string) => `openapi: 3.0.1
info: {title: based, version: "1"}
servers:
  - url: https://example.com/{basePath}
    variables:
      basePath:
        default: /v1/pets
paths:
  /list:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "${backend.url}/list"}
${extra}`;
    const keysFor = async (Basepath?: string) => {
      const a = await gw.send(new ImportApiCommand({ Body: doc(''), Basepath }));
      return keysOf((await gw.send(new GetRoutesCommand({ ApiId: a.ApiId! }))).Items!);
    };
    assert.deepEqual(await keysFor(), ['GET /list']);
    assert.deepEqual(await keysFor('prepend'), ['GET /v1/pets/list']);
    assert.deepEqual(await keysFor('split'), ['GET /pets/list']);
  });

  test('malformed and unsupported documents are BadRequestException; warnings fail with failOnWarnings', async () => {
    const bad = async (Body: string, FailOnWarnings?: boolean) => {
      const e = await gw.send(new ImportApiCommand({ Body, FailOnWarnings })).then(
        () => assert.fail('import succeeded'),
        (err: Error & { $metadata: { httpStatusCode?: number } }) => err,
      );
      assert.equal(e.name, 'BadRequestException');
      assert.equal(e.$metadata.httpStatusCode, 400);
      return e.message;
    };
    assert.match(await bad('{"openapi": "3.0.1", "info": '), /malformed JSON/);
    assert.match(await bad('openapi: 3.0.1\ninfo:\n  title: [unclosed\n'), /Unable to parse API definition/);
    assert.match(await bad('just: text\n'), /OpenAPI/);
    assert.match(await bad(`openapi: 3.0.1\ninfo: {title: m, version: "1"}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n`), /not supported for HTTP APIs/);
    assert.match(await bad(`openapi: 3.0.1\ninfo: {title: m, version: "1"}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: aws_proxy, uri: "not-a-function", payloadFormatVersion: "2.0"}\n`), /Invalid integration URI/);
    const warned = `openapi: 3.0.1\ninfo: {title: w, version: "1"}\npaths:\n  /x:\n    get:\n      security:\n        - nowhere: []\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "${backend.url}/"}\n`;
    assert.match(await bad(warned, true), /Warnings found during import[\s\S]*nowhere/);
    const ok = await gw.send(new ImportApiCommand({ Body: warned }));
    assert.match(ok.Warnings?.[0] ?? '', /nowhere/);
    // nothing of a failed import stays behind
    const names = (await awsCli(c, ['apigatewayv2', 'get-apis'])).stdout;
    assert.doesNotMatch(names, /"Name": "m"/);
  });

  test('the AWS CLI imports a file', async () => {
    const file = path.join(tempDir('oas-cli-'), 'api.yaml');
    fs.writeFileSync(file, document('from-cli'));
    const r = await awsCli(c, ['apigatewayv2', 'import-api', '--body', `file://${file}`]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.Name, 'from-cli');
    const routes = (await gw.send(new GetRoutesCommand({ ApiId: out.ApiId }))).Items!;
    assert.deepEqual(keysOf(routes), ['ANY /web/{proxy+}', 'GET /fn/{id}', 'GET /secure']);
  });
});

describe('ExportApi', () => {
  test('JSON and YAML exports import back into an identical API', async () => {
    const routes = (await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!;
    const json = await gw.send(new ExportApiCommand({ ApiId: apiId, Specification: 'OAS30', OutputType: 'JSON' }));
    const doc = JSON.parse(Buffer.from(json.body!).toString('utf8'));
    assert.equal(doc.openapi, '3.0.1');
    assert.equal(doc.info.title, 'imported');
    assert.equal(doc.info.version, '2024-01-01');
    assert.match(doc.servers[0].url, new RegExp(`${apiId}`));
    assert.equal(doc['x-amazon-apigateway-importexport-version'], '1.0');
    assert.deepEqual(doc['x-amazon-apigateway-cors'].allowOrigins, ['https://app.example']);
    assert.equal(doc.paths['/fn/{id}'].get['x-amazon-apigateway-integration'].type, 'aws_proxy');
    assert.equal(doc.paths['/fn/{id}'].get['x-amazon-apigateway-integration'].payloadFormatVersion, '2.0');
    assert.equal(doc.paths['/$default']['x-amazon-apigateway-any-method'].isDefaultRoute, true);
    assert.deepEqual(doc.paths['/secure'].get.security, [{ issuer: ['admin'] }]);
    assert.equal(doc.components.securitySchemes.issuer['x-amazon-apigateway-authorizer'].type, 'jwt');

    const yaml = await gw.send(new ExportApiCommand({ ApiId: apiId, Specification: 'OAS30', OutputType: 'YAML' }));
    const text = Buffer.from(yaml.body!).toString('utf8');
    assert.match(text, /^openapi: /m);
    for (const body of [JSON.stringify(doc), text]) {
      const copy = await gw.send(new ImportApiCommand({ Body: body }));
      assert.notEqual(copy.ApiId, apiId);
      const copied = (await gw.send(new GetRoutesCommand({ ApiId: copy.ApiId! }))).Items!;
      const shape = (rs: Route[]) => rs.map((r) => `${r.RouteKey} ${r.AuthorizationType} ${(r.AuthorizationScopes ?? []).join(',')} ${!!r.Target}`).sort();
      assert.deepEqual(shape(copied), shape(routes));
      assert.equal((await gw.send(new GetIntegrationsCommand({ ApiId: copy.ApiId! }))).Items!.length, 3);
      assert.deepEqual((await gw.send(new GetApiCommand({ ApiId: copy.ApiId! }))).CorsConfiguration?.AllowOrigins, ['https://app.example']);
    }
  });

  test('without extensions, and of a stage deployment', async () => {
    const plain = await gw.send(new ExportApiCommand({ ApiId: apiId, Specification: 'OAS30', OutputType: 'JSON', IncludeExtensions: false }));
    const text = Buffer.from(plain.body!).toString('utf8');
    // ANY routes keep x-amazon-apigateway-any-method (OpenAPI has no other way to say ANY); nothing else
    assert.doesNotMatch(text.replaceAll('x-amazon-apigateway-any-method', ''), /x-amazon-apigateway/);
    assert.ok(JSON.parse(text).paths['/fn/{id}'].get);

    await gw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'prod' }));
    const d = await gw.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'prod' }));
    assert.ok(d.DeploymentId);
    const staged = JSON.parse(Buffer.from((await gw.send(new ExportApiCommand({ ApiId: apiId, Specification: 'OAS30', OutputType: 'JSON', StageName: 'prod' }))).body!).toString('utf8'));
    assert.equal(staged.servers[0].variables.basePath.default, 'prod');
    assert.ok(staged.paths['/web/{proxy+}']);

    const missing = await gw.send(new ExportApiCommand({ ApiId: 'nope123456', Specification: 'OAS30', OutputType: 'JSON' })).catch((e: Error) => e);
    assert.equal((missing as Error).name, 'NotFoundException');
  });
});

describe('ReimportApi', () => {
  test('replaces routes, integrations and authorizers, keeping the API id and stages serving', async () => {
    const changed = `openapi: 3.0.1
info: {title: reimported, version: "2"}
paths:
  /only:
    post:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: POST
        uri: ${backend.url}/only
`;
    const r = await gw.send(new ReimportApiCommand({ ApiId: apiId, Body: changed }));
    assert.equal(r.ApiId, apiId);
    assert.equal(r.Name, 'reimported');
    assert.equal(r.CorsConfiguration, undefined);
    assert.deepEqual(keysOf((await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!), ['POST /only']);
    assert.equal((await gw.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items!.length, 1);
    assert.equal((await gw.send(new GetAuthorizersCommand({ ApiId: apiId }))).Items!.length, 0);
    // the auto-deployed $default stage serves the new definition
    const hit = await callApi(c, apiId, '/only', { method: 'POST', body: 'x' });
    assert.equal(hit.status, 200, hit.text);
    assert.equal(hit.json().url, '/only');
    assert.equal((await callApi(c, apiId, '/fn/1')).status, 404);

    const gone = await gw.send(new ReimportApiCommand({ ApiId: 'nope123456', Body: changed })).catch((e: Error) => e);
    assert.equal((gone as Error).name, 'NotFoundException');
    const broken = await gw.send(new ReimportApiCommand({ ApiId: apiId, Body: 'openapi: 3.0.1\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: http}\n' })).catch((e: Error) => e);
    assert.equal((broken as Error).name, 'BadRequestException');
    // a failed reimport leaves the API as it was
    assert.deepEqual(keysOf((await gw.send(new GetRoutesCommand({ ApiId: apiId }))).Items!), ['POST /only']);
  });
});
