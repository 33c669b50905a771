import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudTrailClient, LookupEventsCommand, type Event, type LookupAttribute } from '@aws-sdk/client-cloudtrail';
import { CreateLoginProfileCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { boto3, clientConfig, fakeAuth, raw, spawnCumulus, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

/** Credentials whose 12-digit key names a fresh account, so each test sees only its own events. */
const account = (n: number) => ({ accessKeyId: `1111111111${String(n).padStart(2, '0')}`, secretAccessKey: 'x' });

interface CloudTrailJson {
  eventVersion: string;
  userIdentity: { type: string; principalId: string; arn: string; accountId: string; accessKeyId?: string };
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  eventType: string;
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: string;
}

const parse = (e: Event) => JSON.parse(e.CloudTrailEvent!) as CloudTrailJson;

describe('cloudtrail management events', () => {
  let c: Cumulus;
  const trail = (creds = account(0), region = 'us-east-1') => new CloudTrailClient(clientConfig(c, { credentials: creds, region }));
  const sts = (creds = account(0), region = 'us-east-1') => new STSClient(clientConfig(c, { credentials: creds, region }));
  const lookup = (creds: ReturnType<typeof account>, attr?: LookupAttribute, extra: Record<string, unknown> = {}, region = 'us-east-1') =>
    trail(creds, region).send(new LookupEventsCommand({ LookupAttributes: attr ? [attr] : undefined, ...extra }));

  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  test('a GetCallerIdentity call is recorded as AWS writes it', async () => {
    const creds = account(1);
    const out = await sts(creds).send(new GetCallerIdentityCommand({}));
    const { Events = [] } = await lookup(creds, { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' });
    assert.equal(Events.length, 1);
    const e = Events[0]!;
    assert.equal(e.EventName, 'GetCallerIdentity');
    assert.equal(e.EventSource, 'sts.amazonaws.com');
    assert.equal(e.ReadOnly, 'true');
    assert.equal(e.Username, 'root');
    assert.equal(e.AccessKeyId, creds.accessKeyId);
    assert.ok(e.EventTime instanceof Date && Math.abs(e.EventTime.getTime() - Date.now()) < 60_000);
    const j = parse(e);
    assert.match(j.eventVersion, /^1\.0[89]$/);
    assert.deepEqual(j.userIdentity, {
      type: 'Root',
      principalId: creds.accessKeyId,
      arn: `arn:aws:iam::${creds.accessKeyId}:root`,
      accountId: creds.accessKeyId,
      accessKeyId: creds.accessKeyId,
    });
    assert.match(j.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(new Date(j.eventTime).getTime(), Math.floor(e.EventTime!.getTime() / 1000) * 1000);
    assert.equal(j.eventSource, 'sts.amazonaws.com');
    assert.equal(j.eventName, 'GetCallerIdentity');
    assert.equal(j.awsRegion, 'us-east-1');
    assert.equal(j.sourceIPAddress, '127.0.0.1');
    assert.match(j.userAgent, /aws-sdk-js/);
    assert.equal(j.requestParameters, null);
    assert.equal(j.responseElements, null);
    assert.equal(j.requestID, out.$metadata.requestId);
    assert.equal(j.eventID, e.EventId);
    assert.match(j.eventID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(j.readOnly, true);
    assert.equal(j.eventType, 'AwsApiCall');
    assert.equal(j.managementEvent, true);
    assert.equal(j.recipientAccountId, creds.accessKeyId);
    assert.equal(j.eventCategory, 'Management');
    assert.equal('errorCode' in j, false);

    // the event is found by each attribute it carries
    for (const attr of [
      { AttributeKey: 'EventId', AttributeValue: e.EventId! },
      { AttributeKey: 'EventSource', AttributeValue: 'sts.amazonaws.com' },
      { AttributeKey: 'ReadOnly', AttributeValue: 'true' },
      { AttributeKey: 'Username', AttributeValue: 'root' },
      { AttributeKey: 'AccessKeyId', AttributeValue: creds.accessKeyId },
    ] as const) {
      const found = await lookup(creds, attr);
      assert.ok(found.Events?.some((x) => x.EventId === e.EventId), `found by ${attr.AttributeKey}`);
    }
    assert.equal((await lookup(creds, { AttributeKey: 'ReadOnly', AttributeValue: 'false' })).Events?.length, 0);
  });

  test('events are scoped by account and region', async () => {
    const a = account(2);
    const b = account(3);
    await sts(a, 'eu-west-1').send(new GetCallerIdentityCommand({}));
    const inRegion = await lookup(a, { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' }, {}, 'eu-west-1');
    assert.equal(inRegion.Events?.length, 1);
    assert.equal(parse(inRegion.Events![0]!).awsRegion, 'eu-west-1');
    assert.equal((await lookup(a, { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' })).Events?.length, 0);
    assert.equal((await lookup(b, { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' }, {}, 'eu-west-1')).Events?.length, 0);
  });

  test("LookupEvents calls are recorded too (as AWS does), after the call that made them", async () => {
    const creds = account(4);
    const first = await lookup(creds);
    assert.equal(first.Events?.length, 0);
    const second = await lookup(creds);
    assert.deepEqual(second.Events?.map((e) => e.EventName), ['LookupEvents']);
    const j = parse(second.Events![0]!);
    assert.equal(j.eventSource, 'cloudtrail.amazonaws.com');
    assert.equal(j.readOnly, true);
  });

  test('a failed IAM call is recorded in us-east-1 with its error code, parameters and resource', async () => {
    const creds = account(5);
    const iam = new IAMClient(clientConfig(c, { credentials: creds }));
    const err = (await iam.send(new GetRoleCommand({ RoleName: 'no-such-role' })).then(() => undefined, (e: Error) => e)) as
      | (Error & { name: string; message: string })
      | undefined;
    assert.ok(err, 'GetRole of a missing role fails (NoSuchEntity, or NotImplemented while IAM is not served)');
    // IAM is global: a call signed for another region is recorded in us-east-1 as well
    const res = await raw(c, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('iam', 'eu-west-1', creds.accessKeyId) },
      body: 'Action=GetRole&Version=2010-05-08&RoleName=no-such-role',
    });
    assert.ok(res.status >= 400);
    const { Events = [] } = await lookup(creds, { AttributeKey: 'EventName', AttributeValue: 'GetRole' });
    assert.equal(Events.length, 2);
    for (const e of Events) {
      const j = parse(e);
      assert.equal(j.awsRegion, 'us-east-1');
      assert.equal(j.eventSource, 'iam.amazonaws.com');
      assert.equal(j.errorCode, err.name);
      assert.equal(j.errorMessage, err.message);
      assert.deepEqual(j.requestParameters, { roleName: 'no-such-role' });
      assert.equal(j.responseElements, null);
      assert.deepEqual(e.Resources, [{ ResourceType: 'AWS::IAM::Role', ResourceName: 'no-such-role' }]);
    }
    const byType = await lookup(creds, { AttributeKey: 'ResourceType', AttributeValue: 'AWS::IAM::Role' });
    assert.equal(byType.Events?.length, 2);
    const byName = await lookup(creds, { AttributeKey: 'ResourceName', AttributeValue: 'no-such-role' });
    assert.equal(byName.Events?.length, 2);
    assert.equal((await lookup(creds, undefined, {}, 'eu-west-1')).Events?.filter((e) => e.EventName === 'GetRole').length, 0);
  });

  test('secrets in request parameters are never recorded', async () => {
    const creds = account(6);
    const iam = new IAMClient(clientConfig(c, { credentials: creds }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Sup3r-S3cret-Pw!', PasswordResetRequired: true })).catch(() => undefined);
    const { Events = [] } = await lookup(creds, { AttributeKey: 'EventName', AttributeValue: 'CreateLoginProfile' });
    assert.equal(Events.length, 1);
    assert.doesNotMatch(Events[0]!.CloudTrailEvent!, /Sup3r-S3cret-Pw/);
    const j = parse(Events[0]!);
    assert.deepEqual(j.requestParameters, { userName: 'alice', password: 'HIDDEN_DUE_TO_SECURITY_REASONS', passwordResetRequired: true });
    assert.equal(j.readOnly, false);
  });

  test('a call to an operation Cumulus does not serve yet is recorded with NotImplemented', async () => {
    const creds = account(7);
    const res = await raw(c, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('ec2', 'us-east-1', creds.accessKeyId) },
      body: 'Action=DescribeInstanceCreditSpecifications&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0',
    });
    assert.equal(res.status, 501);
    const { Events = [] } = await lookup(creds, { AttributeKey: 'EventSource', AttributeValue: 'ec2.amazonaws.com' });
    assert.equal(Events.length, 1);
    const j = parse(Events[0]!);
    assert.equal(j.eventName, 'DescribeInstanceCreditSpecifications');
    assert.equal(j.errorCode, 'Server.NotImplemented'); // EC2's events carry Client./Server. codes
    assert.deepEqual(Events[0]!.Resources, [{ ResourceType: 'AWS::EC2::Instance', ResourceName: 'i-0123456789abcdef0' }]);
  });

  test('the event source is the service name AWS writes, not its endpoint prefix', async () => {
    const creds = account(12);
    const res = await raw(c, {
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
        authorization: fakeAuth('ecr', 'us-east-1', creds.accessKeyId),
      },
      body: '{}',
    });
    assert.ok(res.status >= 400);
    const { Events = [] } = await lookup(creds, { AttributeKey: 'EventName', AttributeValue: 'DescribeRepositories' });
    assert.equal(Events.length, 1);
    assert.equal(Events[0]!.EventSource, 'ecr.amazonaws.com');
  });

  test('an assumed-role caller and issued credentials, as STS reports them on the bus', async () => {
    const acct = '111111111113';
    const expiration = new Date(Date.UTC(2024, 0, 5, 21, 4, 12));
    c.runtime.bus.emit('api-call', {
      requestId: 'req-1',
      time: c.runtime.clock.date(),
      service: 'sts',
      eventSource: 'sts.amazonaws.com',
      operation: 'AssumeRole',
      account: acct,
      region: 'us-east-1',
      caller: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${acct}:assumed-role/deployer/ci`,
        userId: 'AROAEXAMPLEROLEID:ci',
        accessKeyId: 'ASIAEXAMPLEKEY',
        roleArn: `arn:aws:iam::${acct}:role/deployer`,
        sessionName: 'ci',
        sessionToken: 'token-of-the-caller',
      },
      sourceIp: '::ffff:10.0.0.7',
      userAgent: 'test',
      readOnly: false,
      managementEvent: true,
      requestParameters: { RoleArn: `arn:aws:iam::${acct}:role/app`, RoleSessionName: 'next' },
      responseElements: {
        Credentials: { AccessKeyId: 'ASIANEWKEY', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG', SessionToken: 'FwoGZXIvYXdzEXAMPLE', Expiration: expiration },
      },
      status: 200,
    });
    const { Events = [] } = await lookup({ accessKeyId: acct, secretAccessKey: 'x' }, { AttributeKey: 'EventName', AttributeValue: 'AssumeRole' });
    assert.equal(Events.length, 1);
    const e = Events[0]!;
    assert.equal(e.Username, 'ci');
    assert.equal(e.AccessKeyId, 'ASIAEXAMPLEKEY');
    assert.deepEqual(e.Resources, [{ ResourceType: 'AWS::IAM::Role', ResourceName: `arn:aws:iam::${acct}:role/app` }]);
    assert.doesNotMatch(e.CloudTrailEvent!, /wJalrXUtnFEMI|FwoGZXIvYXdzEXAMPLE|token-of-the-caller/);
    const j = parse(e);
    assert.equal(j.sourceIPAddress, '10.0.0.7');
    assert.deepEqual(j.userIdentity, {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEROLEID:ci',
      arn: `arn:aws:sts::${acct}:assumed-role/deployer/ci`,
      accountId: acct,
      accessKeyId: 'ASIAEXAMPLEKEY',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEROLEID', arn: `arn:aws:iam::${acct}:role/deployer`, accountId: acct, userName: 'deployer' },
        webIdFederationData: {},
        attributes: { mfaAuthenticated: 'false' },
      },
    });
    assert.deepEqual(j.requestParameters, { roleArn: `arn:aws:iam::${acct}:role/app`, roleSessionName: 'next' });
    assert.deepEqual(j.responseElements, {
      credentials: {
        accessKeyId: 'ASIANEWKEY',
        secretAccessKey: 'HIDDEN_DUE_TO_SECURITY_REASONS',
        sessionToken: 'HIDDEN_DUE_TO_SECURITY_REASONS',
        expiration: 'Jan 5, 2024, 9:04:12 PM',
      },
    });
  });

  test('pagination: newest first, MaxResults pages, tokens bound to their request', async () => {
    const creds = account(8);
    for (let i = 0; i < 7; i++) await sts(creds).send(new GetCallerIdentityCommand({}));
    const attr = { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' } as const;
    const all: Event[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await lookup(creds, attr, { MaxResults: 3, NextToken: token });
      assert.ok((page.Events?.length ?? 0) <= 3);
      all.push(...(page.Events ?? []));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.equal(all.length, 7);
    assert.equal(new Set(all.map((e) => e.EventId)).size, 7);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.EventTime!.getTime() >= all[i]!.EventTime!.getTime());
    const requestIds = all.map((e) => parse(e).requestID);
    assert.equal(new Set(requestIds).size, 7);

    const first = await lookup(creds, attr, { MaxResults: 2 });
    assert.ok(first.NextToken);
    await assert.rejects(lookup(creds, { AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }, { NextToken: first.NextToken }), {
      name: 'InvalidNextTokenException',
    });
    await assert.rejects(lookup(creds, attr, { NextToken: 'not-a-token' }), { name: 'InvalidNextTokenException' });
  });

  test("LookupEvents answers AWS's errors", async () => {
    const creds = account(9);
    const t = trail(creds);
    await assert.rejects(
      t.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' },
            { AttributeKey: 'Username', AttributeValue: 'root' },
          ],
        }),
      ),
      { name: 'InvalidLookupAttributesException' },
    );
    await assert.rejects(t.send(new LookupEventsCommand({ StartTime: new Date(Date.now()), EndTime: new Date(Date.now() - 3600_000) })), {
      name: 'InvalidTimeRangeException',
    });
    const tooMany = await t.send(new LookupEventsCommand({ MaxResults: 51 })).then(() => undefined, (e: Error) => e);
    assert.ok(tooMany && /^(InvalidMaxResultsException|ValidationException)$/.test(tooMany.name), String(tooMany?.name));
    await assert.rejects(t.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Nope' as 'EventId', AttributeValue: 'x' }] })), (e: Error) =>
      /ValidationException|InvalidLookupAttributesException/.test(e.name),
    );
    // failed lookups are management events too
    const failed = await t.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }] }));
    assert.ok(failed.Events?.some((e) => parse(e).errorCode === 'InvalidTimeRangeException'));
  });

  test('boto3 pages through LookupEvents with its paginator', async () => {
    const creds = account(10);
    for (let i = 0; i < 4; i++) await sts(creds).send(new GetCallerIdentityCommand({}));
    const py = await boto3(
      c,
      `ct = boto3.client('cloudtrail', endpoint_url=endpoint)
pages = ct.get_paginator('lookup_events').paginate(LookupAttributes=[{'AttributeKey': 'EventName', 'AttributeValue': 'GetCallerIdentity'}], PaginationConfig={'PageSize': 3})
events = [e for p in pages for e in p['Events']]
print(json.dumps({'n': len(events), 'names': sorted(set(e['EventName'] for e in events)), 'src': json.loads(events[0]['CloudTrailEvent'])['eventSource']}))`,
      { AWS_ACCESS_KEY_ID: creds.accessKeyId },
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { n: 4, names: ['GetCallerIdentity'], src: 'sts.amazonaws.com' });
  });

  test('time range on the virtual clock, and nothing older than 90 days', async () => {
    const creds = account(11);
    const attr = { AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' } as const;
    await sts(creds).send(new GetCallerIdentityCommand({}));
    const t0 = (await lookup(creds, attr)).Events![0]!.EventTime!.getTime();
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 3600 }) });
    await sts(creds).send(new GetCallerIdentityCommand({}));
    const both = await lookup(creds, attr);
    assert.equal(both.Events?.length, 2);
    const t1 = both.Events![0]!.EventTime!.getTime();
    assert.ok(t1 - t0 >= 3600_000);
    const mid = new Date(t0 + 1800_000);
    assert.deepEqual((await lookup(creds, attr, { StartTime: mid })).Events?.map((e) => e.EventTime!.getTime()), [t1]);
    assert.deepEqual((await lookup(creds, attr, { EndTime: mid })).Events?.map((e) => e.EventTime!.getTime()), [t0]);
    assert.equal((await lookup(creds, attr, { StartTime: new Date(t0), EndTime: new Date(t1) })).Events?.length, 2);

    // 90 days after the first call it is gone; the second (an hour younger) is still there
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 90 * 86400 - 1800 }) });
    assert.deepEqual((await lookup(creds, attr)).Events?.map((e) => e.EventTime!.getTime()), [t1]);
  });
});

describe('cloudtrail events survive a restart', () => {
  test('with --data-dir, events recorded before a SIGKILL are found after', async () => {
    const dir = tempDir();
    const creds = account(20);
    const first = await spawnCumulus(['--data-dir', dir]);
    try {
      await new STSClient(clientConfig(first, { credentials: creds })).send(new GetCallerIdentityCommand({}));
    } finally {
      await first.kill('SIGKILL');
    }
    const second = await spawnCumulus(['--data-dir', dir]);
    try {
      const out = await new CloudTrailClient(clientConfig(second, { credentials: creds })).send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetCallerIdentity' }] }),
      );
      assert.equal(out.Events?.length, 1);
    } finally {
      await second.kill();
    }
  });
});
