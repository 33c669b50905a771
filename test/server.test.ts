import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsCli, boto3, clientConfig, fakeAuth, raw, startTestCumulus } from './helpers/cumulus.js';
import type { Cumulus } from '../src/server/server.js';

describe('server', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  test('health lists services and whether each is implemented', async () => {
    const res = await fetch(`${c.url}/_cumulus/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { version: string; services: Record<string, { implemented: boolean }> };
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.equal(body.services.sts?.implemented, true);
    assert.equal(body.services.sns?.implemented, false);
  });

  test("LocalStack's health endpoint answers in LocalStack's shape", async () => {
    const res = await fetch(`${c.url}/_localstack/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { services: Record<string, string>; edition: string };
    assert.equal(body.services.sts, 'running');
    assert.equal(typeof body.edition, 'string');
  });

  test('GetCallerIdentity through the SDK, the CLI and boto3', async () => {
    const sts = new STSClient(clientConfig(c));
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '000000000000');
    assert.equal(id.Arn, 'arn:aws:iam::000000000000:root');

    const cli = await awsCli(c, ['sts', 'get-caller-identity']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).Account, '000000000000');

    const py = await boto3(c, `print(json.dumps(boto3.client('sts', endpoint_url=endpoint).get_caller_identity()['Account']))`);
    assert.equal(py.code, 0, py.stderr);
    assert.equal(JSON.parse(py.stdout), '000000000000');
  });

  test('a 12-digit access key id names the account', async () => {
    const sts = new STSClient(clientConfig(c, { credentials: { accessKeyId: '123456789012', secretAccessKey: 'x' } }));
    const id = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, '123456789012');
  });

  test('an operation of a service not implemented yet answers 501 NotImplemented naming it', async () => {
    const res = await raw(c, {
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sns') },
      body: 'Action=ListTopics&Version=2010-03-31',
    });
    assert.equal(res.status, 501);
    assert.match(res.text, /<Code>NotImplemented<\/Code>/);
    assert.match(res.text, /ListTopics/);
  });

  test('clock advance moves the virtual clock', async () => {
    const before = (await (await fetch(`${c.url}/_cumulus/clock`)).json()) as { epochMillis: number };
    const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 3600 }) });
    assert.equal(res.status, 200);
    const after = (await res.json()) as { epochMillis: number };
    assert.ok(after.epochMillis - before.epochMillis >= 3600_000);
    const bad = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: '{"seconds":-1}' });
    assert.equal(bad.status, 400);
  });
});
