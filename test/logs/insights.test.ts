import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeQueriesCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  type ResultField,
} from '@aws-sdk/client-cloudwatch-logs';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

const ACCOUNT = '121212121212';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };

const rowObj = (row: ResultField[]) => Object.fromEntries(row.map((f) => [f.field!, f.value!]));

describe('logs: Insights queries and log groups as EventBridge targets', () => {
  let c: Cumulus;
  let logs: CloudWatchLogsClient;
  let t0: number;
  const query = async (queryString: string, extra: Record<string, unknown> = {}) => {
    const { queryId } = await logs.send(
      new StartQueryCommand({ logGroupName: 'app', startTime: Math.floor(t0 / 1000) - 60, endTime: Math.floor(t0 / 1000) + 3600, queryString, ...extra }),
    );
    const out = await logs.send(new GetQueryResultsCommand({ queryId }));
    assert.equal(out.status, 'Complete');
    return out;
  };

  before(async () => {
    c = await startTestCumulus();
    logs = new CloudWatchLogsClient(clientConfig(c, { credentials: creds }));
    t0 = Math.floor(c.runtime.clock.now() / 60_000) * 60_000 - 10 * 60_000;
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'api' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'auth' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'api',
        logEvents: [
          { timestamp: t0 + 1_000, message: '{"level":"info","status":200,"latency":10,"route":"/a"}' },
          { timestamp: t0 + 2_000, message: '{"level":"error","status":500,"latency":300,"route":"/b"}' },
          { timestamp: t0 + 61_000, message: '{"level":"error","status":503,"latency":100,"route":"/b"}' },
          { timestamp: t0 + 62_000, message: '{"level":"info","status":200,"latency":20,"route":"/a"}' },
        ],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'auth',
        logEvents: [
          { timestamp: t0 + 1_500, message: 'user=alice action=login' },
          { timestamp: t0 + 2_500, message: 'ERROR user=bob action=denied' },
          { timestamp: t0 + 3_500, message: 'user=carol action=login' },
        ],
      }),
    );
  });
  after(() => c.stop());

  test('fields, filter with like and comparisons, sort, limit', async () => {
    const out = await query('fields @timestamp, @message, @logStream | filter @message like /ERROR|error/ | sort @timestamp asc | limit 2');
    const rows = out.results!.map(rowObj);
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((r) => r['@logStream']),
      ['api', 'auth'],
    );
    assert.equal(rows[0]!['@message'], '{"level":"error","status":500,"latency":300,"route":"/b"}');
    assert.match(rows[0]!['@timestamp']!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    assert.equal(new Date(rows[0]!['@timestamp']!.replace(' ', 'T') + 'Z').getTime(), t0 + 2_000);
    assert.ok(rows[0]!['@ptr']);
    assert.equal(out.statistics!.recordsScanned, 7);
    assert.equal(out.statistics!.recordsMatched, 3);

    const json = await query('filter status >= 500 and route = "/b" | fields latency | sort latency desc');
    assert.deepEqual(
      json.results!.map((r) => rowObj(r).latency),
      ['300', '100'],
    );
    // newest first when the query does not sort
    const newest = await query('fields @message | filter ispresent(level) and level in ["info"]');
    assert.deepEqual(
      newest.results!.map((r) => JSON.parse(rowObj(r)['@message']!).latency),
      [20, 10],
    );
  });

  test('stats with by and bin, parse with a glob, dedup', async () => {
    const byLevel = await query('filter ispresent(level) | stats count(*) as n, avg(latency) as avgLatency by level | sort level');
    assert.deepEqual(byLevel.results!.map(rowObj), [
      { level: 'error', n: '2', avgLatency: '200' },
      { level: 'info', n: '2', avgLatency: '15' },
    ]);
    const byMinute = await query('filter ispresent(latency) | stats max(latency) as worst by bin(1m) | sort worst');
    const rows = byMinute.results!.map(rowObj);
    assert.deepEqual(
      rows.map((r) => r.worst),
      ['100', '300'],
    );
    assert.equal(new Date(rows[1]!['bin(1m)']!.replace(' ', 'T') + 'Z').getTime(), t0);
    const parsed = await query('parse @message "user=* action=*" as user, action | filter action = "login" | sort user | display user');
    assert.deepEqual(
      parsed.results!.map((r) => rowObj(r).user),
      ['alice', 'carol'],
    );
    const dedup = await query('fields route | filter ispresent(route) | sort @timestamp asc | dedup route');
    assert.deepEqual(
      dedup.results!.map((r) => rowObj(r).route),
      ['/a', '/b'],
    );
    const { queries = [] } = await logs.send(new DescribeQueriesCommand({ logGroupName: 'app' }));
    assert.ok(queries.length >= 4);
    assert.ok(queries.every((q) => q.status === 'Complete'));
  });

  test('bad queries and groups answer AWS errors', async () => {
    await assert.rejects(query('fields @message | bogus thing'), (e: Error) => e.name === 'MalformedQueryException');
    await assert.rejects(query('stats count(*) as n', { logGroupName: 'nope' }), (e: Error) => e.name === 'ResourceNotFoundException');
    await assert.rejects(logs.send(new GetQueryResultsCommand({ queryId: 'not-a-query' })), (e: Error) => e.name === 'ResourceNotFoundException');
  });

  test('boto3 runs a query', async () => {
    const py = await boto3(
      c,
      `logs = boto3.client('logs', endpoint_url=endpoint)
q = logs.start_query(logGroupName='app', startTime=${Math.floor(t0 / 1000) - 60}, endTime=${Math.floor(t0 / 1000) + 3600}, queryString='stats count(*) as n by @logStream | sort @logStream')
r = logs.get_query_results(queryId=q['queryId'])
print(json.dumps({'status': r['status'], 'rows': [{f['field']: f['value'] for f in row} for row in r['results']]}))`,
      { AWS_ACCESS_KEY_ID: ACCOUNT },
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), {
      status: 'Complete',
      rows: [
        { '@logStream': 'api', n: '4' },
        { '@logStream': 'auth', n: '3' },
      ],
    });
  });

  test('an EventBridge target delivery to a log group writes the event in a stream named by its id', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/events/rule' }));
    const event = { version: '0', id: 'f5b1e8a2-1111-2222-3333-444455556666', 'detail-type': 'Test', source: 'app', time: new Date(t0).toISOString(), detail: {} };
    const arn = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/events/rule`;
    const ok = await c.runtime.targets.invoke({
      arn,
      payload: JSON.stringify(event),
      source: { principal: 'events.amazonaws.com', account: ACCOUNT, region: 'us-east-1' },
    });
    assert.equal(ok.ok, true, ok.message);
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/events/rule', logStreamName: event.id, startFromHead: true }));
    assert.deepEqual(
      page.events!.map((e) => [e.timestamp, JSON.parse(e.message!).id]),
      [[t0, event.id]],
    );
    const missing = await c.runtime.targets.invoke({
      arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/events/none`,
      payload: JSON.stringify(event),
      source: { principal: 'events.amazonaws.com', account: ACCOUNT, region: 'us-east-1' },
    });
    assert.equal(missing.ok, false);
  });
});
