// Metrics through the three protocols: SDK v3 (JSON 1.0), AWS CLI and boto3 (rpc-v2-cbor), raw query.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, fakeAuth, raw, startTestCumulus } from '../helpers/cumulus.js';

let c: Cumulus;
let cw: CloudWatchClient;
let now: number;

before(async () => {
  c = await startTestCumulus();
  cw = new CloudWatchClient(clientConfig(c));
  now = c.runtime.clock.now();
});
after(async () => {
  cw.destroy();
  await c.stop();
});

const minute = (k: number) => new Date(Math.floor(now / 60_000) * 60_000 - k * 60_000);

test('statistics and percentiles of values put with Value, Values/Counts and StatisticValues', async () => {
  const dims = [{ Name: 'Service', Value: 'api' }];
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      MetricData: [
        { MetricName: 'Latency', Dimensions: dims, Timestamp: minute(3), Values: Array.from({ length: 100 }, (_, i) => i + 1), Unit: 'Milliseconds' },
        { MetricName: 'Latency', Dimensions: dims, Timestamp: minute(2), Value: 500, Unit: 'Milliseconds' },
        { MetricName: 'Latency', Dimensions: dims, Timestamp: minute(2), Values: [10, 20], Counts: [3, 1], Unit: 'Milliseconds' },
        { MetricName: 'Requests', Dimensions: dims, Timestamp: minute(2), StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 }, Unit: 'Count' },
      ],
    }),
  );
  const base = { Namespace: 'Shop', MetricName: 'Latency', Dimensions: dims, StartTime: minute(10), EndTime: minute(-1), Period: 60 };
  const basic = await cw.send(new GetMetricStatisticsCommand({ ...base, Statistics: ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] }));
  const pts = basic.Datapoints!.sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
  assert.equal(basic.Label, 'Latency');
  assert.deepEqual(
    pts.map((p) => [p.Timestamp!.toISOString(), p.SampleCount, p.Sum, p.Minimum, p.Maximum, p.Average, p.Unit]),
    [
      [minute(3).toISOString(), 100, 5050, 1, 100, 50.5, 'Milliseconds'],
      [minute(2).toISOString(), 5, 550, 10, 500, 110, 'Milliseconds'],
    ],
  );
  const ext = await cw.send(new GetMetricStatisticsCommand({ ...base, ExtendedStatistics: ['p50', 'p90', 'p99.9', 'tm90'] }));
  const first = ext.Datapoints!.find((p) => p.Timestamp!.getTime() === minute(3).getTime())!;
  assert.deepEqual(first.ExtendedStatistics, { p50: 50, p90: 90, 'p99.9': 100, tm90: 45.5 });
  const second = ext.Datapoints!.find((p) => p.Timestamp!.getTime() === minute(2).getTime())!;
  assert.equal(second.ExtendedStatistics!.p50, 10);
  // a statistic set has no distribution: no percentile for it
  const sets = await cw.send(new GetMetricStatisticsCommand({ ...base, MetricName: 'Requests', ExtendedStatistics: ['p50'] }));
  assert.deepEqual(sets.Datapoints![0]!.ExtendedStatistics, {});
  // 5-minute period aggregates both minutes
  const five = await cw.send(new GetMetricStatisticsCommand({ ...base, StartTime: new Date(Math.floor(minute(3).getTime() / 300_000) * 300_000), Period: 300, Statistics: ['SampleCount'] }));
  assert.equal(five.Datapoints!.reduce((n, p) => n + p.SampleCount!, 0), 105);
});

test('AWS errors for bad periods, too many datapoints, old timestamps, mixed values', async () => {
  const base = { Namespace: 'Shop', MetricName: 'Latency', StartTime: new Date(now - 2 * 86400_000), EndTime: new Date(now), Statistics: ['Average' as const] };
  await assert.rejects(cw.send(new GetMetricStatisticsCommand({ ...base, Period: 60 })), (e: Error) => {
    assert.match(e.message, /^You have requested up to 2,88\d datapoints, which exceeds the limit of 1,440\./);
    assert.equal((e as { Code?: string }).Code ?? e.name, 'InvalidParameterCombination');
    return true;
  });
  await assert.rejects(cw.send(new GetMetricStatisticsCommand({ ...base, Period: 45 })), /Period/);
  await assert.rejects(cw.send(new GetMetricStatisticsCommand({ ...base, Statistics: undefined, Period: 3600 })), /Statistics or ExtendedStatistics, but not both/);
  await assert.rejects(
    cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'Old', Value: 1, Timestamp: new Date(now - 15 * 86400_000) }] })),
    /The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks\./,
  );
  await assert.rejects(
    cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'Both', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }] })),
    /mutually exclusive/,
  );
  await assert.rejects(cw.send(new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'X', Value: 1 }] })), /Namespace is invalid/);
  await assert.rejects(
    cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'V', Values: [1, 2], Counts: [1] }] })),
    /must be of the same size/,
  );
});

test('GetMetricData: metric stats, arithmetic, functions, labels, ScanBy and pagination', async () => {
  const dims = (h: string) => [{ Name: 'Host', Value: h }];
  const data = [];
  for (let k = 1; k <= 5; k++) {
    if (k !== 3) data.push({ MetricName: 'Bytes', Dimensions: dims('a'), Timestamp: minute(k), Value: k * 10 });
    data.push({ MetricName: 'Bytes', Dimensions: dims('b'), Timestamp: minute(k), Value: 1 });
  }
  await cw.send(new PutMetricDataCommand({ Namespace: 'Net', MetricData: data }));
  const stat = (id: string, host: string) => ({ Id: id, MetricStat: { Metric: { Namespace: 'Net', MetricName: 'Bytes', Dimensions: dims(host) }, Period: 60, Stat: 'Sum' }, ReturnData: false });
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: minute(5),
      EndTime: minute(0),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('a', 'a'),
        stat('b', 'b'),
        { Id: 'total', Expression: '(a + b) * 2 ^ 1', Label: 'Total' },
        { Id: 'filled', Expression: 'FILL(a, 0)' },
        { Id: 'linear', Expression: 'FILL(a, LINEAR)' },
        { Id: 'diff', Expression: 'DIFF(b)' },
        { Id: 'rate', Expression: 'RATE(FILL(a, REPEAT))' },
        { Id: 'cond', Expression: 'IF(a > 25, a, 0)' },
        { Id: 'sums', Expression: 'SUM(METRICS())' },
        { Id: 'avg', Expression: 'AVG(a)' },
        { Id: 'abs', Expression: 'ABS(-1 * CEIL(a / 7))' },
        { Id: 'found', Expression: `SEARCH('{Net,Host} MetricName="Bytes"', 'Sum', 60)` },
      ],
    }),
  );
  const r = Object.fromEntries(out.MetricDataResults!.map((x) => [`${x.Id}:${x.Label}`, x.Values]));
  assert.deepEqual(r['total:Total'], [102, 82, 42, 22]);
  assert.deepEqual(r['filled:filled'], [50, 40, 0, 20, 10]);
  assert.deepEqual(r['linear:linear'], [50, 40, 30, 20, 10]);
  assert.deepEqual(r['diff:diff'], [0, 0, 0, 0]);
  assert.deepEqual(r['rate:rate'], [-10 / 60, 0, -20 / 60, -10 / 60]);
  assert.deepEqual(r['cond:cond'], [50, 40, 0, 0]);
  assert.deepEqual(r['sums:sums'], [51, 41, 1, 21, 11]);
  assert.deepEqual(r['avg:avg'], [30, 30, 30, 30, 30]);
  assert.deepEqual(r['abs:abs'], [8, 6, 3, 2]);
  assert.deepEqual(r['found:Bytes a'], [50, 40, 20, 10]);
  assert.deepEqual(r['found:Bytes b'], [1, 1, 1, 1, 1]);
  assert.ok(out.MetricDataResults!.every((x) => x.StatusCode === 'Complete'));

  // pages of MaxDatapoints, newest first by default
  const q = [{ ...stat('b', 'b'), ReturnData: true }];
  const p1 = await cw.send(new GetMetricDataCommand({ StartTime: minute(5), EndTime: minute(0), MaxDatapoints: 3, MetricDataQueries: q }));
  assert.equal(p1.MetricDataResults![0]!.StatusCode, 'PartialData');
  assert.deepEqual(p1.MetricDataResults![0]!.Timestamps, [minute(1), minute(2), minute(3)]);
  const p2 = await cw.send(new GetMetricDataCommand({ StartTime: minute(5), EndTime: minute(0), MaxDatapoints: 3, MetricDataQueries: q, NextToken: p1.NextToken }));
  assert.deepEqual(p2.MetricDataResults![0]!.Timestamps, [minute(4), minute(5)]);
  assert.equal(p2.NextToken, undefined);

  await assert.rejects(
    cw.send(new GetMetricDataCommand({ StartTime: minute(5), EndTime: minute(0), MetricDataQueries: [{ Id: 'e', Expression: 'nope * 2' }] })),
    /Unrecognized identifier/,
  );
});

test('ListMetrics filters by namespace, name, dimensions (name only too), recency, with pages of 500', async () => {
  const data = Array.from({ length: 600 }, (_, i) => ({ MetricName: 'Many', Dimensions: [{ Name: 'N', Value: String(i) }, { Name: 'Kind', Value: i % 2 ? 'odd' : 'even' }], Value: i }));
  for (let i = 0; i < data.length; i += 300) await cw.send(new PutMetricDataCommand({ Namespace: 'Lots', MetricData: data.slice(i, i + 300) }));
  const p1 = await cw.send(new ListMetricsCommand({ Namespace: 'Lots' }));
  assert.equal(p1.Metrics!.length, 500);
  const p2 = await cw.send(new ListMetricsCommand({ Namespace: 'Lots', NextToken: p1.NextToken }));
  assert.equal(p2.Metrics!.length, 100);
  assert.equal(p2.NextToken, undefined);
  const odd = await cw.send(new ListMetricsCommand({ Namespace: 'Lots', Dimensions: [{ Name: 'Kind', Value: 'odd' }] }));
  assert.equal(odd.Metrics!.length, 300);
  const byName = await cw.send(new ListMetricsCommand({ Dimensions: [{ Name: 'Host' }] }));
  assert.deepEqual(new Set(byName.Metrics!.map((m) => m.Namespace)), new Set(['Net']));
  const latency = await cw.send(new ListMetricsCommand({ MetricName: 'Latency' }));
  assert.equal(latency.Metrics!.length, 1);
  // RecentlyActive: only metrics put in the last 3 hours
  await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 4 * 3600 }) });
  await cw.send(new PutMetricDataCommand({ Namespace: 'Fresh', MetricData: [{ MetricName: 'New', Value: 1 }] }));
  const recent = await cw.send(new ListMetricsCommand({ RecentlyActive: 'PT3H' }));
  assert.deepEqual(recent.Metrics!.map((m) => m.Namespace), ['Fresh']);
  now = c.runtime.clock.now();
});

test('metrics other services publish on the bus are stored under their AWS namespace', async () => {
  c.runtime.bus.emit('metric', {
    account: '000000000000',
    region: 'us-east-1',
    namespace: 'AWS/Lambda',
    datums: [
      { MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'fn' }], Timestamp: new Date(now), Value: 1, Unit: 'Count' },
      { MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'fn' }], Timestamp: new Date(now), Value: 1, Unit: 'Count' },
    ],
  });
  const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda' }));
  assert.deepEqual(listed.Metrics, [{ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'fn' }] }]);
  const sum = await cw.send(
    new GetMetricStatisticsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'fn' }], StartTime: new Date(now - 300_000), EndTime: new Date(now + 300_000), Period: 600, Statistics: ['Sum'] }),
  );
  assert.equal(sum.Datapoints![0]!.Sum, 2);
});

test('high-resolution data is kept per second for 3 hours, then rolled up to the minute', async () => {
  const t0 = Math.floor(c.runtime.clock.now() / 60_000) * 60_000 + 5_000;
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'HiRes',
      MetricData: [0, 10, 20].map((s) => ({ MetricName: 'Tick', Value: s, Timestamp: new Date(t0 + s * 1000), StorageResolution: 1 })),
    }),
  );
  const query = () =>
    cw.send(new GetMetricStatisticsCommand({ Namespace: 'HiRes', MetricName: 'Tick', StartTime: new Date(t0 - 5_000), EndTime: new Date(t0 + 55_000), Period: 1, Statistics: ['SampleCount'] }));
  assert.equal((await query()).Datapoints!.length, 3);
  await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 4 * 3600 }) });
  const later = await query();
  assert.deepEqual(later.Datapoints!.map((d) => [d.Timestamp!.getTime(), d.SampleCount]), [[t0 - 5_000, 3]]);
  now = c.runtime.clock.now();
});

test('the AWS CLI and boto3 speak rpc-v2-cbor; an old client speaks query', async () => {
  const put = await awsCli(c, ['cloudwatch', 'put-metric-data', '--namespace', 'Cli', '--metric-name', 'Hits', '--value', '7', '--unit', 'Count', '--dimensions', 'Page=home']);
  assert.equal(put.code, 0, put.stderr);
  const start = new Date(now - 600_000).toISOString();
  const end = new Date(now + 120_000).toISOString();
  const stats = await awsCli(c, ['cloudwatch', 'get-metric-statistics', '--namespace', 'Cli', '--metric-name', 'Hits', '--dimensions', 'Name=Page,Value=home', '--start-time', start, '--end-time', end, '--period', '60', '--statistics', 'Sum']);
  assert.equal(stats.code, 0, stats.stderr);
  assert.equal(JSON.parse(stats.stdout).Datapoints[0].Sum, 7);
  const missing = await awsCli(c, ['cloudwatch', 'get-dashboard', '--dashboard-name', 'absent']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /\(ResourceNotFound\).*Dashboard absent does not exist/);

  const py = await boto3(
    c,
    `import datetime
cw = boto3.client('cloudwatch', endpoint_url=endpoint)
cw.put_metric_data(Namespace='Py', MetricData=[{'MetricName': 'Temp', 'Value': 21.5, 'Timestamp': datetime.datetime.now(datetime.timezone.utc), 'StorageResolution': 1}])
r = cw.get_metric_data(MetricDataQueries=[{'Id': 'm', 'MetricStat': {'Metric': {'Namespace': 'Py', 'MetricName': 'Temp'}, 'Period': 1, 'Stat': 'Maximum'}}, {'Id': 'e', 'Expression': 'm * 2'}],
  StartTime=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5), EndTime=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5))
try:
  cw.describe_alarm_history(AlarmName='x', NextToken='garbage')
  err = None
except cw.exceptions.InvalidNextToken as e:
  err = e.response['Error']['Code']
print(json.dumps({'values': {x['Id']: x['Values'] for x in r['MetricDataResults']}, 'ts': type(r['MetricDataResults'][0]['Timestamps'][0]).__name__, 'err': err}))`,
  );
  assert.equal(py.code, 0, py.stderr);
  assert.deepEqual(JSON.parse(py.stdout), { values: { m: [21.5], e: [43] }, ts: 'datetime', err: 'InvalidNextToken' });

  const form = (body: string) => raw(c, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('monitoring') }, body });
  const q = await form('Action=ListMetrics&Version=2010-08-01&Namespace=Cli');
  assert.equal(q.status, 200);
  assert.match(q.text, /<ListMetricsResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/"><ListMetricsResult><Metrics><member><Namespace>Cli<\/Namespace><MetricName>Hits<\/MetricName>/);
  const bad = await form('Action=GetMetricStatistics&Version=2010-08-01&Namespace=Cli&MetricName=Hits&StartTime=2026-01-01T00:00:00Z&EndTime=2026-01-01T01:00:00Z&Period=60');
  assert.equal(bad.status, 400);
  assert.match(bad.text, /<Type>Sender<\/Type><Code>InvalidParameterCombination<\/Code><Message>Must specify either Statistics or ExtendedStatistics, but not both.<\/Message>/);
});
