import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  DeauthorizeConnectionCommand,
  DescribeConnectionCommand,
  EventBridgeClient,
  ListApiDestinationsCommand,
  ListConnectionsCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import type { TargetInvocation } from '../../src/events/targets.js';

const ACCOUNT = '888888888888';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };
const dlq = `arn:aws:sqs:us-east-1:${ACCOUNT}:dlq`;

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('events: connections and API destinations', () => {
  let c: Cumulus;
  let eb: EventBridgeClient;
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  const dead: TargetInvocation[] = [];

  before(async () => {
    // a webhook receiver: /token issues OAuth tokens, /fail/<status> answers that status, anything else 200
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url!.startsWith('/token')) {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-123', expires_in: 3600 }));
          return;
        }
        const fail = /^\/fail\/(\d+)/.exec(req.url!);
        res.writeHead(fail ? Number(fail[1]) : 200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    c = await startTestCumulus();
    eb = new EventBridgeClient(clientConfig(c, { credentials: creds }));
    c.runtime.targets.register('test-dlq', (arn) => arn === dlq, (inv) => {
      dead.push(inv);
      return { ok: true, message: 'ok' };
    });
  });
  after(async () => {
    await c.stop();
    await new Promise((r) => server.close(r));
  });

  const route = async (rule: string, source: string, target: Record<string, unknown>) => {
    await eb.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: [source] }) }));
    await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'api', ...target } as never] }));
  };
  const put = (source: string, detail: unknown) => eb.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'hook', Detail: JSON.stringify(detail) }] }));

  test('a Basic connection: the event is POSTed with auth, connection and target parameters', async () => {
    const conn = await eb.send(
      new CreateConnectionCommand({
        Name: 'basic',
        AuthorizationType: 'BASIC',
        AuthParameters: {
          BasicAuthParameters: { Username: 'user', Password: 'pass' },
          InvocationHttpParameters: { HeaderParameters: [{ Key: 'X-Conn', Value: 'c1' }, { Key: 'X-Secret', Value: 's3cret', IsValueSecret: true }] },
        },
      }),
    );
    assert.equal(conn.ConnectionState, 'AUTHORIZED');
    const described = await eb.send(new DescribeConnectionCommand({ Name: 'basic' }));
    assert.deepEqual(described.AuthParameters?.BasicAuthParameters, { Username: 'user' });
    assert.deepEqual(described.AuthParameters?.InvocationHttpParameters?.HeaderParameters, [
      { Key: 'X-Conn', Value: 'c1' },
      { Key: 'X-Secret', IsValueSecret: true },
    ]);
    const dest = await eb.send(
      new CreateApiDestinationCommand({ Name: 'hooks', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${base}/hooks/*`, HttpMethod: 'POST' }),
    );
    assert.equal(dest.ApiDestinationState, 'ACTIVE');
    await route('to-hooks', 'app.hooks', {
      Arn: dest.ApiDestinationArn,
      HttpParameters: { PathParameterValues: ['orders'], HeaderParameters: { 'X-Target': 't1' }, QueryStringParameters: { q: 'v' } },
    });
    const out = await put('app.hooks', { n: 1 });
    const req = await waitFor('webhook call', () => seen.find((s) => s.url.startsWith('/hooks/')));
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/hooks/orders?q=v');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('user:pass').toString('base64')}`);
    assert.equal(req.headers['x-conn'], 'c1');
    assert.equal(req.headers['x-secret'], 's3cret');
    assert.equal(req.headers['x-target'], 't1');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    const event = JSON.parse(req.body);
    assert.equal(event.id, out.Entries![0]!.EventId);
    assert.deepEqual(event.detail, { n: 1 });
    const list = await eb.send(new ListApiDestinationsCommand({ ConnectionArn: conn.ConnectionArn }));
    assert.deepEqual(list.ApiDestinations?.map((d) => d.Name), ['hooks']);
  });

  test('an API key connection; a 404 is not retried, a 500 is', async () => {
    const conn = await eb.send(
      new CreateConnectionCommand({ Name: 'key', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k-1' } } }),
    );
    const missing = await eb.send(new CreateApiDestinationCommand({ Name: 'missing', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${base}/fail/404`, HttpMethod: 'PUT' }));
    await route('to-missing', 'app.missing', { Arn: missing.ApiDestinationArn, DeadLetterConfig: { Arn: dlq } });
    await put('app.missing', { n: 2 });
    const [dl] = await waitFor('dead letter after a 404', () => dead.length === 1 && dead);
    assert.equal((dl!.context?.messageAttributes as Record<string, string>).RETRY_ATTEMPTS, '0');
    const call = seen.find((s) => s.url === '/fail/404')!;
    assert.equal(call.method, 'PUT');
    assert.equal(call.headers['x-api-key'], 'k-1');

    const broken = await eb.send(new CreateApiDestinationCommand({ Name: 'broken', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${base}/fail/500`, HttpMethod: 'POST' }));
    await route('to-broken', 'app.broken', { Arn: broken.ApiDestinationArn, RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 }, DeadLetterConfig: { Arn: dlq } });
    await put('app.broken', { n: 3 });
    await waitFor('first 500', () => seen.filter((s) => s.url === '/fail/500').length === 1);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 1 }) });
    await waitFor('retried 500', () => seen.filter((s) => s.url === '/fail/500').length === 2);
    await waitFor('dead letter after retries', () => dead.length === 2);
    assert.equal((dead[1]!.context?.messageAttributes as Record<string, string>).RETRY_ATTEMPTS, '1');
  });

  test('an OAuth connection fetches a token and sends it as a bearer token; deauthorized connections refuse', async () => {
    await assert.rejects(
      eb.send(new CreateConnectionCommand({ Name: 'bad', AuthorizationType: 'BASIC', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'a', ApiKeyValue: 'b' } } })),
      (err: Error & { name: string }) => err.name === 'ValidationException',
    );
    const conn = await eb.send(
      new CreateConnectionCommand({
        Name: 'oauth',
        AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
        AuthParameters: { OAuthParameters: { ClientParameters: { ClientID: 'cid', ClientSecret: 'csecret' }, AuthorizationEndpoint: `${base}/token`, HttpMethod: 'POST' } },
      }),
    );
    assert.equal(conn.ConnectionState, 'AUTHORIZING');
    await waitFor('authorized', async () => (await eb.send(new DescribeConnectionCommand({ Name: 'oauth' }))).ConnectionState === 'AUTHORIZED');
    const tokenCall = seen.find((s) => s.url === '/token')!;
    assert.equal(tokenCall.headers.authorization, `Basic ${Buffer.from('cid:csecret').toString('base64')}`);
    assert.match(tokenCall.body, /grant_type=client_credentials/);
    const dest = await eb.send(new CreateApiDestinationCommand({ Name: 'secured', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${base}/secured`, HttpMethod: 'POST' }));
    await route('to-secured', 'app.secured', { Arn: dest.ApiDestinationArn, DeadLetterConfig: { Arn: dlq } });
    await put('app.secured', { n: 4 });
    const req = await waitFor('secured call', () => seen.find((s) => s.url === '/secured'));
    assert.equal(req.headers.authorization, 'Bearer tok-123');

    await eb.send(new DeauthorizeConnectionCommand({ Name: 'oauth' }));
    const deadBefore = dead.length;
    await put('app.secured', { n: 5 });
    const [, refused] = await waitFor('refused', () => dead.length === deadBefore + 1 && [undefined, dead.at(-1)]);
    assert.equal((refused!.context?.messageAttributes as Record<string, string>).ERROR_CODE, 'NO_PERMISSIONS');
    assert.equal(seen.filter((s) => s.url === '/secured').length, 1);
    const listed = await eb.send(new ListConnectionsCommand({ ConnectionState: 'DEAUTHORIZED' }));
    assert.deepEqual(listed.Connections?.map((x) => x.Name), ['oauth']);
    await assert.rejects(
      eb.send(new CreateApiDestinationCommand({ Name: 'x', ConnectionArn: `arn:aws:events:us-east-1:${ACCOUNT}:connection/none/abc`, InvocationEndpoint: `${base}/x`, HttpMethod: 'POST' })),
      (err: Error & { name: string }) => err.name === 'ResourceNotFoundException',
    );
  });
});
