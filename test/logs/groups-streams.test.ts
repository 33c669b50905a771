import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  ListLogGroupsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutLogGroupDeletionProtectionCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
  paginateDescribeLogStreams,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

const ACCOUNT = '333333333333';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('logs: log groups and streams', () => {
  let c: Cumulus;
  let logs: CloudWatchLogsClient;

  before(async () => {
    c = await startTestCumulus();
    logs = new CloudWatchLogsClient(clientConfig(c, { credentials: creds }));
  });
  after(() => c.stop());

  test('CreateLogGroup stores tags, KMS key and class; DescribeLogGroups shows both ARNs', async () => {
    const before = Date.now();
    await logs.send(
      new CreateLogGroupCommand({
        logGroupName: '/app/one',
        tags: { team: 'core' },
        kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        logGroupClass: 'INFREQUENT_ACCESS',
      }),
    );
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/one' }));
    assert.equal(logGroups.length, 1);
    const g = logGroups[0]!;
    assert.equal(g.logGroupName, '/app/one');
    assert.equal(g.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/one:*`);
    assert.equal(g.logGroupArn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/one`);
    assert.equal(g.logGroupClass, 'INFREQUENT_ACCESS');
    assert.equal(g.kmsKeyId, `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    assert.equal(g.storedBytes, 0);
    assert.equal(g.metricFilterCount, 0);
    assert.equal(g.retentionInDays, undefined);
    assert.ok(g.creationTime! >= before - 1000 && g.creationTime! <= Date.now() + 1000);
    const { tags } = await logs.send(new ListTagsLogGroupCommand({ logGroupName: '/app/one' }));
    assert.deepEqual(tags, { team: 'core' });
  });

  test('a second CreateLogGroup with the same name fails as AWS words it', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' }));
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' })), 'ResourceAlreadyExistsException', 'The specified log group already exists');
  });

  test('bad names and limits are InvalidParameterException', async () => {
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' })), 'InvalidParameterException', /logGroupName/);
    await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: 'aws/mine' })), 'InvalidParameterException', 'Log groups starting with AWS/ are reserved for AWS.');
    await rejects(logs.send(new DescribeLogGroupsCommand({ limit: 51 })), 'InvalidParameterException', /less than or equal to 50/);
    await rejects(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'a', logGroupNamePattern: 'b' })),
      'InvalidParameterException',
      /mutually exclusive/,
    );
  });

  test('DescribeLogGroups: ASCII order, prefix, case-sensitive pattern, pagination', async () => {
    for (const n of ['pg/c', 'pg/a', 'pg/B', 'pg/d', 'pg/Data', 'pg/xdatax']) await logs.send(new CreateLogGroupCommand({ logGroupName: n }));
    const names: string[] = [];
    const pages: number[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: 'pg/' })) {
      pages.push(page.logGroups!.length);
      names.push(...page.logGroups!.map((g) => g.logGroupName!));
    }
    assert.deepEqual(names, ['pg/B', 'pg/Data', 'pg/a', 'pg/c', 'pg/d', 'pg/xdatax']);
    assert.deepEqual(pages, [2, 2, 2]);
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'Data' }));
    assert.deepEqual(
      logGroups.map((g) => g.logGroupName),
      ['pg/Data'],
    );
    // with a pattern, AWS answers only the name, the creation time and the ARN
    assert.deepEqual(Object.keys(logGroups[0]!).sort(), ['arn', 'creationTime', 'logGroupName']);
    // ListLogGroups: a small regular expression
    const listed = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: '^pg/d|data' }));
    assert.deepEqual(listed.logGroups, [
      { logGroupName: 'pg/d', logGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:pg/d`, logGroupClass: 'STANDARD' },
      { logGroupName: 'pg/xdatax', logGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:pg/xdatax`, logGroupClass: 'STANDARD' },
    ]);
  });

  test('retention: only AWS values, shown, removed', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ret' }));
    await rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret', retentionInDays: 2 })), 'InvalidParameterException', /enum value set: \[1, 3, 5/);
    await rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: 'nope', retentionInDays: 7 })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret', retentionInDays: 7 }));
    let { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret' }));
    assert.equal(logGroups[0]!.retentionInDays, 7);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'ret' }));
    ({ logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret' })));
    assert.equal(logGroups[0]!.retentionInDays, undefined);
  });

  test('streams: create, duplicates, missing group, ordering by name and by last event time, pagination', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'streams' }));
    await rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'missing', logStreamName: 's' })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
    for (const s of ['b', 'a', 'c', 'd']) await logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: s }));
    await rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' })),
      'ResourceAlreadyExistsException',
      'The specified log stream already exists',
    );
    const now = Date.now();
    // 'c' gets the newest event, 'a' an older one; 'b' and 'd' have none
    await logs.send(new PutLogEventsCommand({ logGroupName: 'streams', logStreamName: 'a', logEvents: [{ timestamp: now - 5000, message: 'x' }] }));
    await logs.send(new PutLogEventsCommand({ logGroupName: 'streams', logStreamName: 'c', logEvents: [{ timestamp: now - 1000, message: 'y' }] }));

    const names: string[] = [];
    for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 3 }, { logGroupName: 'streams' })) {
      names.push(...page.logStreams!.map((s) => s.logStreamName!));
    }
    assert.deepEqual(names, ['a', 'b', 'c', 'd']);

    const byTime = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'LastEventTime', descending: true, limit: 2 }));
    assert.deepEqual(
      byTime.logStreams!.map((s) => s.logStreamName),
      ['c', 'a'],
    );
    assert.ok(byTime.nextToken);
    const c1 = byTime.logStreams![0]!;
    assert.equal(c1.firstEventTimestamp, now - 1000);
    assert.equal(c1.lastEventTimestamp, now - 1000);
    assert.ok(c1.lastIngestionTime! >= now - 1000);
    assert.equal(c1.storedBytes, 0);
    assert.match(c1.uploadSequenceToken!, /^\d{56}$/);
    assert.equal(c1.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:streams:log-stream:c`);

    const prefixed = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logStreamNamePrefix: 'c' }));
    assert.deepEqual(
      prefixed.logStreams!.map((s) => s.logStreamName),
      ['c'],
    );
    await rejects(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', logStreamNamePrefix: 'c', orderBy: 'LastEventTime' })),
      'InvalidParameterException',
      'Cannot order by LastEventTime with a logStreamNamePrefix.',
    );
    // logGroupIdentifier takes the group's ARN
    const byArn = await logs.send(
      new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:streams`, logStreamNamePrefix: 'd' }),
    );
    assert.equal(byArn.logStreams![0]!.logStreamName, 'd');

    await logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' }));
    await rejects(
      logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' })),
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'streams' }));
    assert.equal(logGroups[0]!.storedBytes, 1, 'the deleted stream no longer counts');
  });

  test('tags by ARN and by name', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { a: '1' } }));
    const arn = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:tagged`;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { b: '2', c: '3' } }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { b: '2', c: '3' });
    await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { d: '4' } }));
    await logs.send(new UntagLogGroupCommand({ logGroupName: 'tagged', tags: ['b'] }));
    assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags, { c: '3', d: '4' });
    await rejects(
      logs.send(new ListTagsForResourceCommand({ resourceArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:untagged-missing` })),
      'ResourceNotFoundException',
    );
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await rejects(logs.send(new TagResourceCommand({ resourceArn: arn, tags: many })), 'TooManyTagsException');
  });

  test('DeleteLogGroup removes the group and its streams; a second delete is ResourceNotFoundException', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'gone' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'gone', logStreamName: 's' }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'gone' }));
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'gone' }));
    assert.equal(logGroups.length, 0);
    await rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: 'gone' })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    // deletion protection blocks the delete until it is turned off
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'kept', deletionProtectionEnabled: true }));
    await rejects(
      logs.send(new DeleteLogGroupCommand({ logGroupName: 'kept' })),
      'ValidationException',
      'Cannot delete log group with deletion protection enabled. Disable deletion protection first.',
    );
    await logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: 'kept', deletionProtectionEnabled: false }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'kept' }));
    // recreated, it starts empty
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'gone' }));
    const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'gone' }));
    assert.equal(logStreams.length, 0);
  });

  test('the AWS CLI and boto3 see the same groups and streams', async () => {
    const env = { AWS_ACCESS_KEY_ID: '444444444444' };
    let r = await awsCli(c, ['logs', 'create-log-group', '--log-group-name', 'cli-group', '--tags', 'k=v'], env);
    assert.equal(r.code, 0, r.stderr);
    r = await awsCli(c, ['logs', 'create-log-stream', '--log-group-name', 'cli-group', '--log-stream-name', 'cli-stream'], env);
    assert.equal(r.code, 0, r.stderr);
    r = await awsCli(c, ['logs', 'create-log-group', '--log-group-name', 'cli-group'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ResourceAlreadyExistsException/);
    r = await awsCli(c, ['logs', 'describe-log-groups'], env);
    assert.equal(r.code, 0, r.stderr);
    const groups = JSON.parse(r.stdout).logGroups as { logGroupName: string; arn: string }[];
    assert.deepEqual(
      groups.map((g) => g.logGroupName),
      ['cli-group'],
    );
    const py = await boto3(
      c,
      `logs = boto3.client('logs', endpoint_url=endpoint)
streams = logs.describe_log_streams(logGroupName='cli-group')['logStreams']
tags = logs.list_tags_log_group(logGroupName='cli-group')['tags']
try:
    logs.delete_log_stream(logGroupName='cli-group', logStreamName='nope')
    err = None
except logs.exceptions.ResourceNotFoundException as e:
    err = e.response['Error']['Message']
print(json.dumps({'streams': [s['logStreamName'] for s in streams], 'tags': tags, 'err': err}))`,
      env,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { streams: ['cli-stream'], tags: { k: 'v' }, err: 'The specified log stream does not exist.' });
  });
});
