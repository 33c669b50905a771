import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemovePermissionCommand,
  RemoveTargetsCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

const ACCOUNT = '333333333333';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };
const sqs = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

async function rejectsWith(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & { name: string }) => {
    assert.equal(err.name, name, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('events: buses, rules and targets', () => {
  let c: Cumulus;
  let eb: EventBridgeClient;

  before(async () => {
    c = await startTestCumulus();
    eb = new EventBridgeClient(clientConfig(c, { credentials: creds }));
  });
  after(() => c.stop());

  test('the default bus always exists and cannot be deleted', async () => {
    const d = await eb.send(new DescribeEventBusCommand({}));
    assert.equal(d.Name, 'default');
    assert.equal(d.Arn, `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`);
    const list = await eb.send(new ListEventBusesCommand({}));
    assert.deepEqual(list.EventBuses?.map((b) => b.Name), ['default']);
    await rejectsWith(eb.send(new DeleteEventBusCommand({ Name: 'default' })), 'ValidationException', 'Cannot delete event bus default.');
  });

  test('custom buses: create, describe, list by prefix, duplicate, delete', async () => {
    const created = await eb.send(new CreateEventBusCommand({ Name: 'orders', Description: 'order events', Tags: [{ Key: 'team', Value: 'a' }] }));
    assert.equal(created.EventBusArn, `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
    await rejectsWith(eb.send(new CreateEventBusCommand({ Name: 'orders' })), 'ResourceAlreadyExistsException', 'Event bus orders already exists.');
    const d = await eb.send(new DescribeEventBusCommand({ Name: created.EventBusArn }));
    assert.equal(d.Name, 'orders');
    assert.equal(d.Description, 'order events');
    assert.ok(d.CreationTime instanceof Date);
    await eb.send(new CreateEventBusCommand({ Name: 'other' }));
    const byPrefix = await eb.send(new ListEventBusesCommand({ NamePrefix: 'or' }));
    assert.deepEqual(byPrefix.EventBuses?.map((b) => b.Name), ['orders']);
    const tags = await eb.send(new ListTagsForResourceCommand({ ResourceARN: created.EventBusArn }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'a' }]);
    await eb.send(new DeleteEventBusCommand({ Name: 'other' }));
    await eb.send(new DeleteEventBusCommand({ Name: 'never-existed' }));
    await rejectsWith(eb.send(new DescribeEventBusCommand({ Name: 'other' })), 'ResourceNotFoundException', 'Event bus other does not exist.');
  });

  test('PutRule validates patterns and schedules as AWS does', async () => {
    await rejectsWith(eb.send(new PutRuleCommand({ Name: 'r0' })), 'ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
    await rejectsWith(eb.send(new PutRuleCommand({ Name: 'r0', EventPattern: '{"source": "x"}' })), 'InvalidEventPatternException', /^Event pattern is not valid\. Reason: /);
    for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(5 weeks)', 'cron(0 12 * * * *)', 'cron(0 12 * *)', 'cron(61 * * * ? *)', 'cron(0 12 ? * ? *)', 'every 5 minutes']) {
      await rejectsWith(eb.send(new PutRuleCommand({ Name: 'r0', ScheduleExpression: bad })), 'ValidationException', 'Parameter ScheduleExpression is not valid.');
    }
    for (const good of ['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(2 days)', 'cron(0/15 * * * ? *)', 'cron(0 18 ? * MON-FRI *)', 'cron(0 8 1 * ? *)', 'cron(0 10 L * ? 2030-2035)', 'cron(15 10 ? * 6#3 *)', 'cron(0 9 15W JAN,JUL ? *)']) {
      const out = await eb.send(new PutRuleCommand({ Name: 'sched', ScheduleExpression: good, State: 'DISABLED' }));
      assert.equal(out.RuleArn, `arn:aws:events:us-east-1:${ACCOUNT}:rule/sched`);
    }
    await rejectsWith(
      eb.send(new PutRuleCommand({ Name: 'x', ScheduleExpression: 'rate(1 minute)', EventBusName: 'orders' })),
      'ValidationException',
      'ScheduleExpression is supported only on the default event bus.',
    );
    await rejectsWith(eb.send(new PutRuleCommand({ Name: 'x', EventPattern: '{"source":["a"]}', EventBusName: 'nope' })), 'ResourceNotFoundException', 'Event bus nope does not exist.');
    await eb.send(new DeleteRuleCommand({ Name: 'sched' }));
  });

  test('rules: describe, list with prefix and pages, enable/disable, rules on a custom bus', async () => {
    const pattern = '{"source":["my.app"]}';
    for (const n of ['app-1', 'app-2', 'app-3', 'zzz']) await eb.send(new PutRuleCommand({ Name: n, EventPattern: pattern, Description: `rule ${n}` }));
    const onBus = await eb.send(new PutRuleCommand({ Name: 'app-1', EventPattern: pattern, EventBusName: 'orders' }));
    assert.equal(onBus.RuleArn, `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/app-1`);
    const d = await eb.send(new DescribeRuleCommand({ Name: 'app-2' }));
    assert.equal(d.State, 'ENABLED');
    assert.equal(d.EventPattern, pattern);
    assert.equal(d.Description, 'rule app-2');
    assert.equal(d.EventBusName, 'default');
    assert.equal(d.CreatedBy, ACCOUNT);
    await rejectsWith(eb.send(new DescribeRuleCommand({ Name: 'nope' })), 'ResourceNotFoundException', 'Rule nope does not exist on EventBus default.');
    const page1 = await eb.send(new ListRulesCommand({ NamePrefix: 'app-', Limit: 2 }));
    assert.deepEqual(page1.Rules?.map((r) => r.Name), ['app-1', 'app-2']);
    assert.ok(page1.NextToken);
    const page2 = await eb.send(new ListRulesCommand({ NamePrefix: 'app-', Limit: 2, NextToken: page1.NextToken }));
    assert.deepEqual(page2.Rules?.map((r) => r.Name), ['app-3']);
    assert.equal(page2.NextToken, undefined);
    const orders = await eb.send(new ListRulesCommand({ EventBusName: 'orders' }));
    assert.deepEqual(orders.Rules?.map((r) => [r.Name, r.EventBusName]), [['app-1', 'orders']]);
    await eb.send(new DisableRuleCommand({ Name: 'app-3' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'app-3' }))).State, 'DISABLED');
    await eb.send(new EnableRuleCommand({ Name: 'app-3' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'app-3' }))).State, 'ENABLED');
    await rejectsWith(eb.send(new EnableRuleCommand({ Name: 'nope' })), 'ResourceNotFoundException');
    // PutRule on an existing rule updates it in place
    await eb.send(new PutRuleCommand({ Name: 'zzz', EventPattern: '{"source":["b"]}', State: 'DISABLED' }));
    const z = await eb.send(new DescribeRuleCommand({ Name: 'zzz' }));
    assert.deepEqual([z.EventPattern, z.State], ['{"source":["b"]}', 'DISABLED']);
  });

  test('targets: put, list, limit of five, input checks, remove, and rules that have targets', async () => {
    await eb.send(new PutRuleCommand({ Name: 't-rule', EventPattern: '{"source":["my.app"]}' }));
    const put = await eb.send(
      new PutTargetsCommand({
        Rule: 't-rule',
        Targets: [
          { Id: 'q1', Arn: sqs('q1') },
          { Id: 'q2', Arn: sqs('q2'), Input: '{"fixed":true}', RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 }, DeadLetterConfig: { Arn: sqs('dlq') } },
          { Id: 'q3', Arn: sqs('q3'), InputTransformer: { InputPathsMap: { s: '$.source' }, InputTemplate: '{"src": <s>}' } },
        ],
      }),
    );
    assert.equal(put.FailedEntryCount, 0);
    const listed = await eb.send(new ListTargetsByRuleCommand({ Rule: 't-rule' }));
    assert.deepEqual(listed.Targets?.map((t) => t.Id), ['q1', 'q2', 'q3']);
    assert.deepEqual(listed.Targets?.[1]?.RetryPolicy, { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 });
    assert.equal(listed.Targets?.[1]?.DeadLetterConfig?.Arn, sqs('dlq'));
    assert.equal(listed.Targets?.[2]?.InputTransformer?.InputTemplate, '{"src": <s>}');
    const page = await eb.send(new ListTargetsByRuleCommand({ Rule: 't-rule', Limit: 2 }));
    assert.equal(page.Targets?.length, 2);
    assert.ok(page.NextToken);

    await rejectsWith(
      eb.send(new PutTargetsCommand({ Rule: 't-rule', Targets: ['a', 'b', 'c'].map((id) => ({ Id: id, Arn: sqs(id) })) })),
      'LimitExceededException',
      'The requested resource exceeds the maximum number allowed.',
    );
    await rejectsWith(eb.send(new PutTargetsCommand({ Rule: 't-rule', Targets: [{ Id: 'x', Arn: sqs('x'), Input: '{"a":1}', InputPath: '$.detail' }] })), 'ValidationException', 'Only one of Input, InputPath, or InputTransformer must be provided.');
    await rejectsWith(eb.send(new PutTargetsCommand({ Rule: 't-rule', Targets: [{ Id: 'x', Arn: sqs('x'), Input: 'not json' }] })), 'ValidationException', 'Input for target x is not a valid JSON text.');
    await rejectsWith(eb.send(new PutTargetsCommand({ Rule: 't-rule', Targets: [{ Id: 'x', Arn: 'not-an-arn' }] })), 'ValidationException', /Provided Arn is not in correct format/);
    await rejectsWith(eb.send(new PutTargetsCommand({ Rule: 't-rule', Targets: [{ Id: 'x', Arn: sqs('x'), RetryPolicy: { MaximumRetryAttempts: 186 } }] })), 'ValidationException');
    await rejectsWith(eb.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 'x', Arn: sqs('x') }] })), 'ResourceNotFoundException', 'Rule nope does not exist on EventBus default.');

    const names = await eb.send(new ListRuleNamesByTargetCommand({ TargetArn: sqs('q1') }));
    assert.deepEqual(names.RuleNames, ['t-rule']);

    await rejectsWith(eb.send(new DeleteRuleCommand({ Name: 't-rule' })), 'ValidationException', "Rule can't be deleted since it has targets.");
    const removed = await eb.send(new RemoveTargetsCommand({ Rule: 't-rule', Ids: ['q1', 'q2', 'q3', 'ghost'] }));
    assert.equal(removed.FailedEntryCount, 1);
    assert.equal(removed.FailedEntries?.[0]?.TargetId, 'ghost');
    assert.equal(removed.FailedEntries?.[0]?.ErrorCode, 'ResourceNotFoundException');
    await eb.send(new DeleteRuleCommand({ Name: 't-rule' }));
    await eb.send(new DeleteRuleCommand({ Name: 't-rule' })); // deleting a missing rule succeeds
    await rejectsWith(eb.send(new ListTargetsByRuleCommand({ Rule: 't-rule' })), 'ResourceNotFoundException');
  });

  test('tags on rules; bus permissions', async () => {
    const { RuleArn } = await eb.send(new PutRuleCommand({ Name: 'tagged', EventPattern: '{"source":["a"]}', Tags: [{ Key: 'k1', Value: 'v1' }] }));
    await eb.send(new TagResourceCommand({ ResourceARN: RuleArn, Tags: [{ Key: 'k2', Value: 'v2' }] }));
    await eb.send(new UntagResourceCommand({ ResourceARN: RuleArn, TagKeys: ['k1'] }));
    assert.deepEqual((await eb.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags, [{ Key: 'k2', Value: 'v2' }]);
    await rejectsWith(eb.send(new ListTagsForResourceCommand({ ResourceARN: `arn:aws:events:us-east-1:${ACCOUNT}:rule/none` })), 'ResourceNotFoundException');

    await eb.send(new PutPermissionCommand({ EventBusName: 'orders', Action: 'events:PutEvents', Principal: '444444444444', StatementId: 'from-444' }));
    const policy = JSON.parse((await eb.send(new DescribeEventBusCommand({ Name: 'orders' }))).Policy!);
    assert.deepEqual(policy.Statement, [
      {
        Sid: 'from-444',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::444444444444:root' },
        Action: 'events:PutEvents',
        Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`,
      },
    ]);
    await rejectsWith(eb.send(new RemovePermissionCommand({ EventBusName: 'orders', StatementId: 'nope' })), 'ResourceNotFoundException', 'Statement with the provided id does not exist.');
    await eb.send(new RemovePermissionCommand({ EventBusName: 'orders', StatementId: 'from-444' }));
    assert.equal((await eb.send(new DescribeEventBusCommand({ Name: 'orders' }))).Policy, undefined);
  });

  test('the AWS CLI and boto3 manage rules and targets', async () => {
    const env = { AWS_ACCESS_KEY_ID: ACCOUNT };
    const put = await awsCli(c, ['events', 'put-rule', '--name', 'cli-rule', '--schedule-expression', 'rate(10 minutes)', '--state', 'DISABLED'], env);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(JSON.parse(put.stdout).RuleArn, `arn:aws:events:us-east-1:${ACCOUNT}:rule/cli-rule`);
    const targets = await awsCli(c, ['events', 'put-targets', '--rule', 'cli-rule', '--targets', `Id=1,Arn=${sqs('cli')}`], env);
    assert.equal(targets.code, 0, targets.stderr);
    assert.equal(JSON.parse(targets.stdout).FailedEntryCount, 0);
    const del = await awsCli(c, ['events', 'delete-rule', '--name', 'cli-rule'], env);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /ValidationException.*Rule can't be deleted since it has targets/);
    const py = await boto3(
      c,
      `eb = boto3.client('events', endpoint_url=endpoint)
r = eb.describe_rule(Name='cli-rule')
t = eb.list_targets_by_rule(Rule='cli-rule')['Targets']
try:
    eb.put_rule(Name='bad', ScheduleExpression='rate(1 minutes)')
    err = None
except eb.exceptions.ClientError as e:
    err = e.response['Error']['Code']
print(json.dumps({"schedule": r['ScheduleExpression'], "state": r['State'], "targets": [x['Id'] for x in t], "err": err}))`,
      env,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { schedule: 'rate(10 minutes)', state: 'DISABLED', targets: ['1'], err: 'ValidationException' });
  });
});
