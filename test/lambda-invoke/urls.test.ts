// Function URLs: host form and path form, payload format 2.0 events, response mapping, AuthType NONE
// gated by the resource policy, AWS_IAM needing a SigV4-signed request, CORS preflight.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { AddPermissionCommand, CreateFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let publicUrl: string;
let iamUrl: string;

const HANDLER = `exports.handler = async (event) => {
  if (event.rawPath === '/raw') return { hello: 'bare' };
  return {
    statusCode: 201,
    headers: { 'x-custom': 'yes', 'content-type': 'application/json' },
    cookies: ['a=1', 'b=2; Path=/'],
    body: JSON.stringify({ event }),
  };
};`;

function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const u = new URL(url);
    // the host form: connect to Cumulus, name the URL's host in the Host header
    const req = http.request({ host: '127.0.0.1', port: c.port, method: init.method ?? 'GET', path: u.pathname + u.search, headers: { host: u.host, ...init.headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  const role = await createRole(c);
  await createFunction(lambda, role, { FunctionName: 'web', Runtime: 'nodejs20.x', Handler: 'index.handler', files: { 'index.js': HANDLER } });
  await createFunction(lambda, role, { FunctionName: 'private', Runtime: 'nodejs20.x', Handler: 'index.handler', files: { 'index.js': HANDLER } });
  publicUrl = (
    await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'web',
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://example.com'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-token'], MaxAge: 60 },
      }),
    )
  ).FunctionUrl!;
  iamUrl = (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'private', AuthType: 'AWS_IAM' }))).FunctionUrl!;
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

test('AuthType NONE answers 403 until the resource policy lets everyone invoke the URL', async () => {
  const denied = await request(`${publicUrl}hello`);
  assert.equal(denied.status, 403);
  assert.deepEqual(JSON.parse(denied.text), { Message: 'Forbidden' });
  await lambda.send(
    new AddPermissionCommand({ FunctionName: 'web', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
  );
  const ok = await request(`${publicUrl}hello`);
  assert.equal(ok.status, 201);
});

test('the host form: a payload 2.0 event in, the mapped response out', async () => {
  const r = await request(`${publicUrl}path/to?x=1&x=2&y=z`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'session=abc; theme=dark', 'user-agent': 'cumulus-test' },
    body: JSON.stringify({ posted: true }),
  });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-custom'], 'yes');
  assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2; Path=/']);
  const { event } = JSON.parse(r.text);
  const urlId = new URL(publicUrl).hostname.split('.')[0];
  assert.equal(event.version, '2.0');
  assert.equal(event.routeKey, '$default');
  assert.equal(event.rawPath, '/path/to');
  assert.equal(event.rawQueryString, 'x=1&x=2&y=z');
  assert.deepEqual(event.queryStringParameters, { x: '1,2', y: 'z' });
  assert.deepEqual(event.cookies, ['session=abc', 'theme=dark']);
  assert.equal(event.headers['content-type'], 'application/json');
  assert.equal(event.headers.cookie, undefined);
  assert.equal(event.body, JSON.stringify({ posted: true }));
  assert.equal(event.isBase64Encoded, false);
  const rc = event.requestContext;
  assert.equal(rc.apiId, urlId);
  assert.equal(rc.domainPrefix, urlId);
  assert.equal(rc.http.method, 'POST');
  assert.equal(rc.http.path, '/path/to');
  assert.equal(rc.http.userAgent, 'cumulus-test');
  assert.equal(rc.stage, '$default');
  assert.equal(rc.routeKey, '$default');
  assert.equal(typeof rc.timeEpoch, 'number');
  assert.match(rc.time, /^\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
});

test('the path form works with plain fetch; a bare return value becomes a 200 JSON body', async () => {
  const urlId = new URL(publicUrl).hostname.split('.')[0];
  const r = await fetch(`${c.url}/_aws/lambda-url/${urlId}/raw`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(await r.json(), { hello: 'bare' });
  const binary = await fetch(`${c.url}/_aws/lambda-url/${urlId}/bin`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([1, 2, 3]) });
  const { event } = (await binary.json()) as any;
  assert.equal(event.isBase64Encoded, true);
  assert.equal(event.body, Buffer.from([1, 2, 3]).toString('base64'));
});

test('CORS: a preflight is answered from the URL configuration', async () => {
  const r = await request(`${publicUrl}anything`, {
    method: 'OPTIONS',
    headers: { origin: 'https://example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-token' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'https://example.com');
  assert.match(String(r.headers['access-control-allow-methods']), /POST/);
  assert.equal(r.headers['access-control-allow-headers'], 'x-token');
  assert.equal(r.headers['access-control-max-age'], '60');
  const other = await request(`${publicUrl}anything`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('AWS_IAM: unsigned requests are refused; a signed one of the account gets through with its identity', async () => {
  const unsigned = await request(`${iamUrl}x`);
  assert.equal(unsigned.status, 403);
  const signed = await request(`${iamUrl}x`, { headers: { authorization: fakeAuth('lambda'), 'x-amz-date': '20260101T000000Z' } });
  assert.equal(signed.status, 201);
  const { event } = JSON.parse(signed.text);
  assert.equal(event.requestContext.authorizer.iam.accountId, '000000000000');
  assert.equal(event.requestContext.authorizer.iam.userArn, 'arn:aws:iam::000000000000:root');
  const otherAccount = await request(`${iamUrl}x`, { headers: { authorization: fakeAuth('lambda', 'us-east-1', '111111111111') } });
  assert.equal(otherAccount.status, 403);
});

test('an unknown URL id is 403', async () => {
  const r = await fetch(`${c.url}/_aws/lambda-url/abcdefabcdefabcdefabcdefabcdefab/`);
  assert.equal(r.status, 403);
});

test('a streaming handler (awslambda.streamifyResponse, HttpResponseStream) behind a RESPONSE_STREAM URL', async () => {
  const role = await createRole(c, 'stream-role');
  await createFunction(lambda, role, {
    FunctionName: 'streamer',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    files: {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 202, headers: { 'content-type': 'text/plain', 'x-s': '1' } });
  out.write('part one, ');
  await new Promise((r) => setTimeout(r, 10));
  out.write('part two');
  out.end();
});`,
    },
  });
  const u = (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'streamer', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }))).FunctionUrl!;
  await lambda.send(
    new AddPermissionCommand({ FunctionName: 'streamer', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
  );
  const r = await request(u);
  assert.equal(r.status, 202, r.text);
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.headers['x-s'], '1');
  assert.equal(r.text, 'part one, part two');
});
