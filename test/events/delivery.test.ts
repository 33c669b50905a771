import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEventBusCommand,
  DisableRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateUserCommand, GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import type { TargetInvocation } from '../../src/events/targets.js';
import type { MetricEvent } from '../../src/events/bus.js';

/** Credentials whose 12-digit key names a fresh account, so each test sees only its own rules. */
const account = (n: number) => ({ accessKeyId: `5555555555${String(n).padStart(2, '0')}`, secretAccessKey: 'x' });
const sqs = (acct: string, name: string) => `arn:aws:sqs:us-east-1:${acct}:${name}`;

async function waitFor<T>(what: string, fn: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Lets pending deliveries run, so that "nothing arrived" is a real observation. */
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('events: routing and delivery', () => {
  let c: Cumulus;
  const received = new Map<string, TargetInvocation[]>();
  const metrics: MetricEvent[] = [];
  const got = (arn: string) => received.get(arn) ?? [];
  const eb = (n: number) => new EventBridgeClient(clientConfig(c, { credentials: account(n) }));
  const advance = async (seconds: number) => {
    const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
    assert.equal(res.status, 200);
  };

  before(async () => {
    c = await startTestCumulus();
    // an in-process stand-in for SQS: records what EventBridge hands it; queues named fail-* refuse
    c.runtime.targets.register(
      'test',
      (arn) => arn.startsWith('arn:aws:sqs:'),
      (inv) => {
        received.set(inv.arn, [...got(inv.arn), inv]);
        return inv.arn.includes(':fail-') ? { ok: false, message: 'queue unavailable' } : { ok: true, message: 'ok' };
      },
    );
    c.runtime.bus.on('metric', (m) => {
      if (m.namespace === 'AWS/Events') metrics.push(m);
    });
  });
  after(() => c.stop());

  test('PutEvents routes matching events to targets with Input, InputPath and InputTransformer', async () => {
    const acct = account(1).accessKeyId;
    const client = eb(1);
    const { RuleArn } = await client.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['my.shop'], detail: { kind: ['order'] } }) }));
    await client.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [
          { Id: 'all', Arn: sqs(acct, 'all') },
          { Id: 'path', Arn: sqs(acct, 'path'), InputPath: '$.detail.order' },
          { Id: 'const', Arn: sqs(acct, 'const'), Input: '{"hello":"world"}' },
          {
            Id: 'json',
            Arn: sqs(acct, 'json'),
            InputTransformer: {
              InputPathsMap: { id: '$.detail.order.id', total: '$.detail.order.total', items: '$.detail.order.items' },
              InputTemplate: '{"orderId": <id>, "total": <total>, "items": <items>, "text": "order <id> costs <total>", "rule": <aws.events.rule-name>}',
            },
          },
          { Id: 'text', Arn: sqs(acct, 'text'), InputTransformer: { InputPathsMap: { id: '$.detail.order.id' }, InputTemplate: 'Order <id> was placed' } },
        ],
      }),
    );
    const detail = { kind: 'order', order: { id: 'o-1', total: 42.5, items: ['a', 'b'] } };
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'my.shop', DetailType: 'Order Placed', Detail: JSON.stringify(detail), Resources: ['arn:aws:x:::r'] },
          { Source: 'my.shop', DetailType: 'Refund', Detail: JSON.stringify({ kind: 'refund' }) },
        ],
      }),
    );
    assert.equal(out.FailedEntryCount, 0);
    assert.equal(out.Entries?.length, 2);
    const [all] = await waitFor('delivery to all', () => got(sqs(acct, 'all')).length === 1 && got(sqs(acct, 'all')));
    const event = JSON.parse(all!.payload);
    assert.deepEqual(Object.keys(event), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
    assert.equal(event.id, out.Entries![0]!.EventId);
    assert.equal(event['detail-type'], 'Order Placed');
    assert.equal(event.account, acct);
    assert.equal(event.region, 'us-east-1');
    assert.match(event.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(event.resources, ['arn:aws:x:::r']);
    assert.deepEqual(event.detail, detail);
    assert.deepEqual(all!.source, { principal: 'events.amazonaws.com', arn: RuleArn, account: acct, region: 'us-east-1' });

    await waitFor('all targets', () => ['path', 'const', 'json', 'text'].every((q) => got(sqs(acct, q)).length === 1));
    assert.deepEqual(JSON.parse(got(sqs(acct, 'path'))[0]!.payload), detail.order);
    assert.equal(got(sqs(acct, 'const'))[0]!.payload, '{"hello":"world"}');
    assert.deepEqual(JSON.parse(got(sqs(acct, 'json'))[0]!.payload), { orderId: 'o-1', total: 42.5, items: ['a', 'b'], text: 'order o-1 costs 42.5', rule: 'orders' });
    assert.equal(got(sqs(acct, 'text'))[0]!.payload, 'Order o-1 was placed');
    await settle();
    assert.equal(got(sqs(acct, 'all')).length, 1, 'the refund matched nothing');
    const names = metrics.filter((m) => m.account === acct).flatMap((m) => m.datums.map((d) => `${d.MetricName}:${d.Dimensions?.[0]?.Value}`));
    assert.ok(names.includes('MatchedEvents:orders') && names.includes('TriggeredRules:orders') && names.includes('Invocations:orders'), names.join());

    await client.send(new DisableRuleCommand({ Name: 'orders' }));
    await client.send(new PutEventsCommand({ Entries: [{ Source: 'my.shop', DetailType: 'Order Placed', Detail: JSON.stringify(detail) }] }));
    await settle();
    assert.equal(got(sqs(acct, 'all')).length, 1, 'a disabled rule delivers nothing');
  });

  test('PutEvents reports bad entries one by one and refuses oversized requests', async () => {
    const client = eb(2);
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'a', DetailType: 'b', Detail: '{}' },
          { Source: 'a', DetailType: 'b' },
          { Source: 'a', DetailType: 'b', Detail: '[1,2]' },
          { DetailType: 'b', Detail: '{}' },
          { Source: 'aws.ec2', DetailType: 'b', Detail: '{}' },
        ],
      }),
    );
    assert.equal(out.FailedEntryCount, 4);
    assert.ok(out.Entries![0]!.EventId);
    assert.deepEqual(out.Entries!.slice(1).map((e) => [e.ErrorCode, e.ErrorMessage]), [
      ['InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.'],
      ['MalformedDetail', 'Detail is malformed.'],
      ['InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'],
      ['NotAuthorizedForSourceException', 'Not authorized for the source.'],
    ]);
    const big = JSON.stringify({ pad: 'x'.repeat(200_000) });
    await assert.rejects(
      client.send(new PutEventsCommand({ Entries: [{ Source: 'a', DetailType: 'b', Detail: big }, { Source: 'a', DetailType: 'b', Detail: big }] })),
      (err: Error & { name: string }) => err.name === 'ValidationException' && err.message === 'Total size of the entries in the request is over the limit.',
    );
    const py = await boto3(
      c,
      `eb = boto3.client('events', endpoint_url=endpoint)
r = eb.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "nope"}, {"Source": "a", "DetailType": "b", "Detail": "{}", "EventBusName": "no-such-bus"}])
print(json.dumps({"failed": r["FailedEntryCount"], "codes": [e.get("ErrorCode") for e in r["Entries"]], "ids": [bool(e.get("EventId")) for e in r["Entries"]]}))`,
      { AWS_ACCESS_KEY_ID: account(2).accessKeyId },
    );
    assert.equal(py.code, 0, py.stderr);
    // as AWS: an event for a bus that does not exist is accepted (and goes nowhere)
    assert.deepEqual(JSON.parse(py.stdout), { failed: 1, codes: ['MalformedDetail', null], ids: [false, true] });
  });

  test('a rate(1 minute) rule fires once per minute the clock advances; cron rules fire on their minutes', async () => {
    const acct = account(3).accessKeyId;
    const client = eb(3);
    const { RuleArn } = await client.send(new PutRuleCommand({ Name: 'every-minute', ScheduleExpression: 'rate(1 minute)' }));
    await client.send(new PutTargetsCommand({ Rule: 'every-minute', Targets: [{ Id: 't', Arn: sqs(acct, 'tick') }] }));
    await client.send(new PutRuleCommand({ Name: 'every-ten', ScheduleExpression: 'cron(0/10 * * * ? *)' }));
    await client.send(new PutTargetsCommand({ Rule: 'every-ten', Targets: [{ Id: 't', Arn: sqs(acct, 'ten') }] }));
    await advance(300);
    const ticks = await waitFor('5 ticks', () => got(sqs(acct, 'tick')).length >= 5 && got(sqs(acct, 'tick')));
    await settle();
    assert.equal(got(sqs(acct, 'tick')).length, 5);
    const e = JSON.parse(ticks[0]!.payload);
    assert.equal(e.version, '0');
    assert.equal(e['detail-type'], 'Scheduled Event');
    assert.equal(e.source, 'aws.events');
    assert.equal(e.account, acct);
    assert.equal(e.region, 'us-east-1');
    assert.deepEqual(e.resources, [RuleArn]);
    assert.deepEqual(e.detail, {});
    const times = ticks.map((t) => Date.parse(JSON.parse(t.payload).time));
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 60_000);

    await advance(3300); // an hour in all
    await waitFor('6 ten-minute firings', () => got(sqs(acct, 'ten')).length >= 6);
    await settle();
    assert.equal(got(sqs(acct, 'ten')).length, 6);
    for (const inv of got(sqs(acct, 'ten'))) assert.equal(new Date(JSON.parse(inv.payload).time).getUTCMinutes() % 10, 0);
    assert.equal(got(sqs(acct, 'tick')).length, 60);

    await client.send(new DisableRuleCommand({ Name: 'every-minute' }));
    await advance(600);
    await settle();
    assert.equal(got(sqs(acct, 'tick')).length, 60, 'a disabled schedule stops');
  });

  test('an event bus as target: the event is put on the other bus, whose rules see it', async () => {
    const acct = account(4).accessKeyId;
    const client = eb(4);
    const { EventBusArn } = await client.send(new CreateEventBusCommand({ Name: 'second' }));
    await client.send(new PutRuleCommand({ Name: 'forward', EventPattern: '{"source":["app.one"]}' }));
    await client.send(new PutTargetsCommand({ Rule: 'forward', Targets: [{ Id: 'bus', Arn: EventBusArn! }] }));
    await client.send(new PutRuleCommand({ Name: 'on-second', EventBusName: 'second', EventPattern: '{"detail":{"n":[{"numeric":[">",1]}]}}' }));
    await client.send(new PutTargetsCommand({ Rule: 'on-second', EventBusName: 'second', Targets: [{ Id: 'q', Arn: sqs(acct, 'second') }] }));
    const out = await client.send(new PutEventsCommand({ Entries: [{ Source: 'app.one', DetailType: 't', Detail: '{"n":2}' }] }));
    const [inv] = await waitFor('cross-bus delivery', () => got(sqs(acct, 'second')).length === 1 && got(sqs(acct, 'second')));
    const event = JSON.parse(inv!.payload);
    assert.equal(event.id, out.Entries![0]!.EventId);
    assert.equal(event.source, 'app.one');
    assert.deepEqual(event.detail, { n: 2 });
    assert.equal(inv!.source.arn, `arn:aws:events:us-east-1:${acct}:rule/second/on-second`);
  });

  test("another account's bus receives events only when its policy allows the sender", async () => {
    const sender = account(8).accessKeyId;
    const receiver = account(9).accessKeyId;
    const a = eb(8);
    const b = eb(9);
    const { EventBusArn } = await b.send(new CreateEventBusCommand({ Name: 'central' }));
    await b.send(new PutRuleCommand({ Name: 'all', EventBusName: 'central', EventPattern: '{"source":["app.x"]}' }));
    await b.send(new PutTargetsCommand({ Rule: 'all', EventBusName: 'central', Targets: [{ Id: 'q', Arn: sqs(receiver, 'central') }] }));
    await a.send(new PutRuleCommand({ Name: 'ship', EventPattern: '{"source":["app.x"]}' }));
    await a.send(new PutTargetsCommand({ Rule: 'ship', Targets: [{ Id: 'central', Arn: EventBusArn!, DeadLetterConfig: { Arn: sqs(sender, 'refused') } }] }));
    await a.send(new PutEventsCommand({ Entries: [{ Source: 'app.x', DetailType: 't', Detail: '{"n":1}' }] }));
    const [refused] = await waitFor('refused delivery', () => got(sqs(sender, 'refused')).length === 1 && got(sqs(sender, 'refused')));
    assert.equal((refused!.context?.messageAttributes as Record<string, string>).ERROR_CODE, 'NO_PERMISSIONS');
    assert.equal(got(sqs(receiver, 'central')).length, 0);
    await b.send(new PutPermissionCommand({ EventBusName: 'central', Action: 'events:PutEvents', Principal: sender, StatementId: 'sender' }));
    await a.send(new PutEventsCommand({ Entries: [{ Source: 'app.x', DetailType: 't', Detail: '{"n":2}' }] }));
    const [inv] = await waitFor('cross-account delivery', () => got(sqs(receiver, 'central')).length === 1 && got(sqs(receiver, 'central')));
    const event = JSON.parse(inv!.payload);
    assert.equal(event.account, sender, 'the event keeps the account it came from');
    assert.deepEqual(event.detail, { n: 2 });
  });

  test('a failing target is retried with backoff on the clock, then the event goes to the dead-letter queue', async () => {
    const acct = account(5).accessKeyId;
    const client = eb(5);
    const failing = sqs(acct, 'fail-target');
    await client.send(new PutRuleCommand({ Name: 'flaky', EventPattern: '{"source":["app.retry"]}' }));
    await client.send(
      new PutTargetsCommand({
        Rule: 'flaky',
        Targets: [{ Id: 'f', Arn: failing, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 }, DeadLetterConfig: { Arn: sqs(acct, 'dlq') } }],
      }),
    );
    const out = await client.send(new PutEventsCommand({ Entries: [{ Source: 'app.retry', DetailType: 't', Detail: '{"x":1}' }] }));
    await waitFor('first attempt', () => got(failing).length === 1);
    await settle();
    assert.equal(got(failing).length, 1, 'the retry waits for the clock');
    await advance(1);
    await waitFor('second attempt', () => got(failing).length === 2);
    await advance(2);
    await waitFor('third attempt', () => got(failing).length === 3);
    const [dl] = await waitFor('dead letter', () => got(sqs(acct, 'dlq')).length === 1 && got(sqs(acct, 'dlq')));
    assert.equal(JSON.parse(dl!.payload).id, out.Entries![0]!.EventId);
    const attrs = dl!.context?.messageAttributes as Record<string, string>;
    assert.equal(attrs.RULE_ARN, `arn:aws:events:us-east-1:${acct}:rule/flaky`);
    assert.equal(attrs.TARGET_ARN, failing);
    assert.equal(attrs.ERROR_MESSAGE, 'queue unavailable');
    assert.equal(attrs.ERROR_CODE, 'SDK_CLIENT_ERROR');
    await advance(600);
    await settle();
    assert.equal(got(failing).length, 3, 'no attempts beyond MaximumRetryAttempts');

    // a target nothing can act on is not retried: straight to the dead-letter queue
    await client.send(new PutRuleCommand({ Name: 'nowhere', EventPattern: '{"source":["app.nowhere"]}' }));
    await client.send(
      new PutTargetsCommand({ Rule: 'nowhere', Targets: [{ Id: 'n', Arn: `arn:aws:nowhere:us-east-1:${acct}:thing`, DeadLetterConfig: { Arn: sqs(acct, 'dlq2') } }] }),
    );
    await client.send(new PutEventsCommand({ Entries: [{ Source: 'app.nowhere', DetailType: 't', Detail: '{}' }] }));
    const [dl2] = await waitFor('dead letter without retries', () => got(sqs(acct, 'dlq2')).length === 1 && got(sqs(acct, 'dlq2')));
    const attrs2 = dl2!.context?.messageAttributes as Record<string, string>;
    assert.equal(attrs2.ERROR_CODE, 'RESOURCE_NOT_FOUND');
    assert.equal(attrs2.RETRY_ATTEMPTS, '0');
    const names = metrics.filter((m) => m.account === acct).flatMap((m) => m.datums.map((d) => d.MetricName));
    assert.ok(names.includes('FailedInvocations') && names.includes('InvocationsSentToDlq'), names.join());
  });

  test('events the services emit reach the default bus and are routed by pattern', async () => {
    const acct = account(6).accessKeyId;
    const client = eb(6);
    await client.send(
      new PutRuleCommand({
        Name: 'stopped',
        EventPattern: JSON.stringify({ source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['stopped'] } }),
      }),
    );
    await client.send(new PutTargetsCommand({ Rule: 'stopped', Targets: [{ Id: 'q', Arn: sqs(acct, 'ec2') }] }));
    const emit = (state: string) =>
      c.runtime.bus.emit('aws-event', {
        account: acct,
        region: 'us-east-1',
        source: 'aws.ec2',
        detailType: 'EC2 Instance State-change Notification',
        detail: { 'instance-id': 'i-0abc', state },
        resources: [`arn:aws:ec2:us-east-1:${acct}:instance/i-0abc`],
        time: c.runtime.clock.date(),
      });
    emit('running');
    emit('stopped');
    const [inv] = await waitFor('state change', () => got(sqs(acct, 'ec2')).length >= 1 && got(sqs(acct, 'ec2')));
    await settle();
    assert.equal(got(sqs(acct, 'ec2')).length, 1);
    const event = JSON.parse(inv!.payload);
    assert.deepEqual(event.detail, { 'instance-id': 'i-0abc', state: 'stopped' });
    assert.deepEqual(event.resources, [`arn:aws:ec2:us-east-1:${acct}:instance/i-0abc`]);
  });

  test('mutating API calls arrive as "AWS API Call via CloudTrail" events', async () => {
    const creds = account(7);
    const acct = creds.accessKeyId;
    const client = eb(7);
    await client.send(
      new PutRuleCommand({
        Name: 'new-users',
        EventPattern: JSON.stringify({ source: ['aws.iam'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: ['CreateUser', 'GetUser'] } }),
      }),
    );
    await client.send(new PutTargetsCommand({ Rule: 'new-users', Targets: [{ Id: 'q', Arn: sqs(acct, 'iam') }] }));
    const iam = new IAMClient(clientConfig(c, { credentials: creds }));
    const created = await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new GetUserCommand({ UserName: 'alice' }));
    const [inv] = await waitFor('API call event', () => got(sqs(acct, 'iam')).length >= 1 && got(sqs(acct, 'iam')));
    await settle();
    assert.equal(got(sqs(acct, 'iam')).length, 1, 'read-only calls are not delivered');
    const event = JSON.parse(inv!.payload);
    assert.equal(event.source, 'aws.iam');
    assert.equal(event['detail-type'], 'AWS API Call via CloudTrail');
    assert.equal(event.region, 'us-east-1');
    assert.equal(event.detail.eventSource, 'iam.amazonaws.com');
    assert.equal(event.detail.eventName, 'CreateUser');
    assert.equal(event.detail.readOnly, false);
    assert.equal(event.detail.eventType, 'AwsApiCall');
    assert.equal(event.detail.userIdentity.accountId, acct);
    assert.deepEqual(event.detail.requestParameters, { userName: 'alice' });
    assert.equal(event.detail.responseElements.user.userName, 'alice');
    assert.equal(event.detail.responseElements.user.userId, created.User?.UserId);
  });
});
