import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  PutSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import type { MetricEvent } from '../../src/events/bus.js';
import type { TargetInvocation } from '../../src/events/targets.js';
import { gunzipSync } from 'node:zlib';

const ACCOUNT = '666666666666';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };
const DAY = 86_400;

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('logs: ingestion from services, retention on the clock, metric filters', () => {
  let c: Cumulus;
  let logs: CloudWatchLogsClient;
  const advance = async (seconds: number) => {
    const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
    assert.equal(res.status, 200);
  };

  before(async () => {
    c = await startTestCumulus();
    logs = new CloudWatchLogsClient(clientConfig(c, { credentials: creds }));
  });
  after(() => c.stop());

  test("'log-events' on the bus creates the group and stream and appends, in order", async () => {
    const now = c.runtime.clock.now();
    const group = '/aws/lambda/fn';
    const stream = '2026/01/01/[$LATEST]0123456789abcdef';
    // several emissions in one turn of the event loop, as a busy function produces them
    for (let i = 0; i < 3; i++) {
      c.runtime.bus.emit('log-events', {
        account: ACCOUNT,
        region: 'us-east-1',
        logGroupName: group,
        logStreamName: stream,
        events: [
          { timestamp: now + i * 10, message: `START RequestId: r${i}` },
          { timestamp: now + i * 10 + 1, message: `END RequestId: r${i}` },
        ],
      });
    }
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
    assert.deepEqual(
      logGroups.map((g) => g.logGroupName),
      [group],
    );
    assert.ok(logGroups[0]!.storedBytes! > 0);
    const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    assert.equal(logStreams[0]!.logStreamName, stream);
    assert.equal(logStreams[0]!.firstEventTimestamp, now);
    assert.equal(logStreams[0]!.lastEventTimestamp, now + 21);
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      ['START RequestId: r0', 'END RequestId: r0', 'START RequestId: r1', 'END RequestId: r1', 'START RequestId: r2', 'END RequestId: r2'],
    );
    // other accounts do not see it
    const other = new CloudWatchLogsClient(clientConfig(c, { credentials: { accessKeyId: '777777777777', secretAccessKey: 'x' } }));
    assert.equal((await other.send(new DescribeLogGroupsCommand({}))).logGroups!.length, 0);
  });

  test('bus ingestion keeps up with a burst of lines', async () => {
    const now = c.runtime.clock.now();
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      c.runtime.bus.emit('log-events', {
        account: ACCOUNT,
        region: 'us-east-1',
        logGroupName: '/aws/lambda/busy',
        logStreamName: `s${i % 4}`,
        events: [{ timestamp: now + i, message: `line ${i}` }],
      });
    }
    const emitMs = performance.now() - started;
    assert.ok(emitMs < 500, `emitting 2,000 lines took ${emitMs} ms`);
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/busy', filterPattern: '"line 1999"' }));
    assert.deepEqual(
      out.events!.map((e) => [e.logStreamName, e.message]),
      [['s3', 'line 1999']],
    );
    const total = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/busy' }));
    assert.equal(total.events!.length, 2000);
  });

  test('retention drops events older than the retention period as the clock advances', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ret' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'ret', logStreamName: 's' }));
    const t = c.runtime.clock.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', logEvents: [{ timestamp: t - 1000, message: 'old one' }] }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret', retentionInDays: 1 }));
    await advance(DAY / 2);
    const t2 = c.runtime.clock.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', logEvents: [{ timestamp: t2, message: 'new one' }] }));
    let page = await logs.send(new GetLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', startFromHead: true }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      ['old one', 'new one'],
    );
    // a day after the first event, within the next hourly sweep, it is gone; the second stays
    await advance(DAY / 2 + 3600);
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', startFromHead: true }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      ['new one'],
    );
    const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret' }));
    assert.equal(logGroups[0]!.storedBytes, 'new one'.length);
    const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ret' }));
    assert.equal(logStreams[0]!.firstEventTimestamp, t2);
    await advance(DAY);
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', startFromHead: true }));
    assert.equal(page.events!.length, 0);
  });

  test('a metric filter turns matching events into datapoints on the bus', async () => {
    const metrics: MetricEvent[] = [];
    const off = c.runtime.bus.on('metric', (m) => metrics.push(m));
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 's' }));
      await rejects(
        logs.send(
          new PutMetricFilterCommand({
            logGroupName: 'missing',
            filterName: 'x',
            filterPattern: 'ERROR',
            metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1' }],
          }),
        ),
        'ResourceNotFoundException',
        'The specified log group does not exist.',
      );
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'app',
          filterName: 'errors',
          filterPattern: 'ERROR',
          metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1', unit: 'Count' }],
        }),
      );
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'app',
          filterName: 'latency',
          filterPattern: '{ $.latency > 0 }',
          metricTransformations: [{ metricName: 'Latency', metricNamespace: 'App', metricValue: '$.latency', unit: 'Milliseconds', dimensions: { Route: '$.route' } }],
        }),
      );
      const described = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'app' }));
      assert.deepEqual(
        described.metricFilters!.map((f) => f.filterName),
        ['errors', 'latency'],
      );
      const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'app' }));
      assert.equal(logGroups[0]!.metricFilterCount, 2);

      const t = c.runtime.clock.now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: 'app',
          logStreamName: 's',
          logEvents: [
            { timestamp: t, message: 'ERROR one' },
            { timestamp: t + 1, message: 'fine' },
            { timestamp: t + 2, message: '{"latency": 42, "route": "/a"}' },
            { timestamp: t + 3, message: 'ERROR two' },
          ],
        }),
      );
      const errors = metrics.filter((m) => m.namespace === 'App').flatMap((m) => m.datums.filter((d) => d.MetricName === 'Errors'));
      assert.equal(errors.length, 2);
      assert.deepEqual(
        errors.map((d) => [d.Value, d.Unit, d.Timestamp.getTime()]),
        [
          [1, 'Count', t],
          [1, 'Count', t + 3],
        ],
      );
      assert.ok(metrics.every((m) => m.account === ACCOUNT && m.region === 'us-east-1'));
      const latency = metrics.flatMap((m) => m.datums.filter((d) => d.MetricName === 'Latency'));
      assert.deepEqual(
        latency.map((d) => [d.Value, d.Dimensions]),
        [[42, [{ Name: 'Route', Value: '/a' }]]],
      );

      // lines from the bus go through the same filters
      c.runtime.bus.emit('log-events', {
        account: ACCOUNT,
        region: 'us-east-1',
        logGroupName: 'app',
        logStreamName: 'from-bus',
        events: [{ timestamp: t + 10, message: 'ERROR from a workload' }],
      });
      await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'app' }));
      assert.equal(metrics.flatMap((m) => m.datums.filter((d) => d.MetricName === 'Errors')).length, 3);

      await logs.send(new DeleteMetricFilterCommand({ logGroupName: 'app', filterName: 'errors' }));
      await rejects(
        logs.send(new DeleteMetricFilterCommand({ logGroupName: 'app', filterName: 'errors' })),
        'ResourceNotFoundException',
        'The specified metric filter does not exist.',
      );
      await rejects(
        logs.send(
          new PutMetricFilterCommand({
            logGroupName: 'app',
            filterName: 'bad',
            filterPattern: '{ $.x = ',
            metricTransformations: [{ metricName: 'X', metricNamespace: 'App', metricValue: '1' }],
          }),
        ),
        'InvalidParameterException',
      );
    } finally {
      off();
    }
  });

  test('a subscription filter delivers matching events to its destination as AWS encodes them', async () => {
    const sink = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/sink`;
    const delivered: TargetInvocation[] = [];
    c.runtime.targets.register('test-sink', (arn) => arn === sink, (inv) => {
      delivered.push(inv);
      return { ok: true, message: 'ok' };
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'sub' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'sub', logStreamName: 's' }));
    await rejects(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: 'sub', filterName: 'x', filterPattern: '', destinationArn: 'arn:aws:sqs:us-east-1:1:q' })),
      'InvalidParameterException',
    );
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: 'sub', filterName: 'errors', filterPattern: '?ERROR ?FATAL', destinationArn: sink }));
    await logs.send(new PutSubscriptionFilterCommand({ logGroupName: 'sub', filterName: 'all', filterPattern: '', destinationArn: sink }));
    await rejects(
      logs.send(new PutSubscriptionFilterCommand({ logGroupName: 'sub', filterName: 'third', filterPattern: '', destinationArn: sink })),
      'LimitExceededException',
    );
    const described = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: 'sub' }));
    assert.deepEqual(
      described.subscriptionFilters!.map((f) => [f.filterName, f.destinationArn, f.distribution]),
      [
        ['all', sink, 'ByLogStream'],
        ['errors', sink, 'ByLogStream'],
      ],
    );
    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'sub', filterName: 'all' }));
    const t = c.runtime.clock.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'sub',
        logStreamName: 's',
        logEvents: [
          { timestamp: t, message: 'ERROR a' },
          { timestamp: t + 1, message: 'ok' },
          { timestamp: t + 2, message: 'FATAL b' },
        ],
      }),
    );
    for (let i = 0; i < 100 && delivered.length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.source.principal, 'logs.amazonaws.com');
    assert.equal(delivered[0]!.source.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:sub:*`);
    const doc = JSON.parse(gunzipSync(Buffer.from(delivered[0]!.payload, 'base64')).toString('utf8'));
    assert.equal(doc.messageType, 'DATA_MESSAGE');
    assert.equal(doc.owner, ACCOUNT);
    assert.equal(doc.logGroup, 'sub');
    assert.equal(doc.logStream, 's');
    assert.deepEqual(doc.subscriptionFilters, ['errors']);
    assert.deepEqual(
      doc.logEvents.map((e: { message: string; timestamp: number; id: string }) => [e.timestamp, e.message, /^\d{56}$/.test(e.id)]),
      [
        [t, 'ERROR a', true],
        [t + 2, 'FATAL b', true],
      ],
    );
  });

  test('the AWS CLI (put, filter, get with tokens) and boto3 read what was put', async () => {
    const env = { AWS_ACCESS_KEY_ID: '888888888888' };
    const t = c.runtime.clock.now();
    let r = await awsCli(c, ['logs', 'create-log-group', '--log-group-name', 'cli'], env);
    assert.equal(r.code, 0, r.stderr);
    r = await awsCli(c, ['logs', 'create-log-stream', '--log-group-name', 'cli', '--log-stream-name', 'main'], env);
    assert.equal(r.code, 0, r.stderr);
    r = await awsCli(
      c,
      [
        'logs',
        'put-log-events',
        '--log-group-name',
        'cli',
        '--log-stream-name',
        'main',
        '--log-events',
        JSON.stringify([
          { timestamp: t - 2000, message: 'hello from the cli' },
          { timestamp: t - 1000, message: 'ERROR something broke' },
        ]),
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).nextSequenceToken, /^\d+$/);
    r = await awsCli(c, ['logs', 'filter-log-events', '--log-group-name', 'cli', '--filter-pattern', 'ERROR'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).events.map((e: { message: string }) => e.message),
      ['ERROR something broke'],
    );
    // (AWS CLI v1 here: no `aws logs tail`)
    r = await awsCli(c, ['logs', 'get-log-events', '--log-group-name', 'cli', '--log-stream-name', 'main', '--limit', '1'], env);
    assert.equal(r.code, 0, r.stderr);
    const tail = JSON.parse(r.stdout) as { events: { message: string }[]; nextForwardToken: string; nextBackwardToken: string };
    assert.deepEqual(
      tail.events.map((e) => e.message),
      ['ERROR something broke'],
    );
    r = await awsCli(c, ['logs', 'get-log-events', '--log-group-name', 'cli', '--log-stream-name', 'main', '--next-token', tail.nextBackwardToken], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).events.map((e: { message: string }) => e.message),
      ['hello from the cli'],
    );

    const py = await boto3(
      c,
      `logs = boto3.client('logs', endpoint_url=endpoint)
ev = logs.get_log_events(logGroupName='cli', logStreamName='main', startFromHead=True)
pages = list(logs.get_paginator('filter_log_events').paginate(logGroupName='cli', filterPattern='hello'))
try:
    logs.put_retention_policy(logGroupName='cli', retentionInDays=4)
    err = None
except logs.exceptions.InvalidParameterException as e:
    err = e.response['Error']['Code']
print(json.dumps({'messages': [e['message'] for e in ev['events']], 'filtered': [e['message'] for p in pages for e in p['events']], 'err': err}))`,
      env,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), {
      messages: ['hello from the cli', 'ERROR something broke'],
      filtered: ['hello from the cli'],
      err: 'InvalidParameterException',
    });
  });
});
