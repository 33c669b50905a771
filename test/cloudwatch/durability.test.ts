// An acknowledged PutMetricData (and alarm) survives a SIGKILL when --data-dir is set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { clientConfig, spawnCumulus, tempDir } from '../helpers/cumulus.js';

test('metrics and alarms survive kill -9 and a restart', async () => {
  const dir = tempDir('cumulus-cw-');
  const first = await spawnCumulus(['--data-dir', dir]);
  const cw = new CloudWatchClient(clientConfig(first));
  const now = Date.now();
  const data = Array.from({ length: 1000 }, (_, i) => ({ MetricName: 'Durable', Dimensions: [{ Name: 'Shard', Value: String(i % 10) }], Value: i, Timestamp: new Date(now - (i % 60) * 1000) }));
  await cw.send(new PutMetricDataCommand({ Namespace: 'Keep', MetricData: data }));
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Keep',
      MetricData: [
        { MetricName: 'Dist', Values: [1, 2, 3, 100], Counts: [10, 10, 10, 1], Timestamp: new Date(now) },
        { MetricName: 'Set', StatisticValues: { SampleCount: 3, Sum: 9, Minimum: 1, Maximum: 5 }, Timestamp: new Date(now) },
      ],
    }),
  );
  await cw.send(new PutMetricAlarmCommand({ AlarmName: 'kept', Namespace: 'Keep', MetricName: 'Durable', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' }));
  await first.kill('SIGKILL');
  cw.destroy();

  const second = await spawnCumulus(['--data-dir', dir]);
  const cw2 = new CloudWatchClient(clientConfig(second));
  try {
    const stats = await cw2.send(
      new GetMetricStatisticsCommand({ Namespace: 'Keep', MetricName: 'Durable', Dimensions: [{ Name: 'Shard', Value: '3' }], StartTime: new Date(now - 600_000), EndTime: new Date(now + 600_000), Period: 600, Statistics: ['SampleCount', 'Sum'] }),
    );
    const total = stats.Datapoints!.reduce((n, d) => n + d.SampleCount!, 0);
    const sum = stats.Datapoints!.reduce((n, d) => n + d.Sum!, 0);
    assert.equal(total, 100);
    assert.equal(sum, data.filter((_, i) => i % 10 === 3).reduce((n, d) => n + d.Value, 0));
    const range = { Namespace: 'Keep', StartTime: new Date(now - 600_000), EndTime: new Date(now + 600_000), Period: 1200 };
    const dist = await cw2.send(new GetMetricStatisticsCommand({ ...range, MetricName: 'Dist', ExtendedStatistics: ['p50', 'p99'] }));
    assert.deepEqual(dist.Datapoints![0]!.ExtendedStatistics, { p50: 2, p99: 100 });
    const set = await cw2.send(new GetMetricStatisticsCommand({ ...range, MetricName: 'Set', Statistics: ['SampleCount', 'Average', 'Maximum'] }));
    assert.deepEqual([set.Datapoints![0]!.SampleCount, set.Datapoints![0]!.Average, set.Datapoints![0]!.Maximum], [3, 3, 5]);
    const alarms = await cw2.send(new DescribeAlarmsCommand({ AlarmNames: ['kept'] }));
    assert.equal(alarms.MetricAlarms!.length, 1);
  } finally {
    cw2.destroy();
    await second.kill();
  }
});
