// An acknowledged PutMetricData (and alarm) survives a SIGKILL when --data-dir is set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricStatisticsCommand, PutMetricAlarmCommand, PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
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

test('a state change the clock made survives kill -9, and the next change and update carry it', async () => {
  const dir = tempDir('cumulus-cw-');
  const first = await spawnCumulus(['--data-dir', dir, '--clock-speed', '0.001']);
  const cw = new CloudWatchClient(clientConfig(first));
  const advance = (c: { url: string }, seconds: number) => fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  const clock = (await (await fetch(`${first.url}/_cumulus/clock`)).json()) as { epochMillis: number };
  // the datapoint lands in the minute the next evaluation looks at
  await advance(first, (60_000 - (clock.epochMillis % 60_000) + 1_000) / 1000);
  const ts = new Date(clock.epochMillis - (clock.epochMillis % 60_000) + 90_000);
  await cw.send(new PutMetricDataCommand({ Namespace: 'Keep', MetricData: [{ MetricName: 'Hot', Value: 95, Timestamp: ts }] }));
  const alarm = { AlarmName: 'hot', Namespace: 'Keep', MetricName: 'Hot', Statistic: 'Maximum' as const, Period: 60, EvaluationPeriods: 1, Threshold: 90, ComparisonOperator: 'GreaterThanThreshold' as const };
  await cw.send(new PutMetricAlarmCommand(alarm));
  await advance(first, 60);
  const before = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }))).MetricAlarms![0]!;
  assert.equal(before.StateValue, 'ALARM');
  await first.kill('SIGKILL');
  cw.destroy();

  const second = await spawnCumulus(['--data-dir', dir, '--clock-speed', '0.001']);
  const cw2 = new CloudWatchClient(clientConfig(second));
  try {
    const after = (await cw2.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }))).MetricAlarms![0]!;
    for (const k of ['StateValue', 'StateReason', 'StateReasonData', 'StateUpdatedTimestamp', 'StateTransitionedTimestamp'] as const) assert.deepEqual(after[k], before[k], k);
    // the clock restarts at real time: no data in the next minute's window, so the alarm leaves ALARM
    await advance(second, 60);
    const current = (await cw2.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }))).MetricAlarms![0]!;
    assert.notEqual(current.StateValue, 'ALARM');
    const history = (await cw2.send(new DescribeAlarmHistoryCommand({ AlarmName: 'hot', HistoryItemType: 'StateUpdate' }))).AlarmHistoryItems!;
    const left = history.find((h) => h.HistorySummary === `Alarm updated from ALARM to ${current.StateValue}`);
    const data = JSON.parse(left!.HistoryData!) as { oldState: { stateReason: string }; newState: { stateReason: string } };
    assert.deepEqual([data.oldState.stateReason, data.newState.stateReason], [before.StateReason, current.StateReason]);
    // an update keeps the state, and its history shows the alarm as it was
    await cw2.send(new PutMetricAlarmCommand({ ...alarm, Threshold: 80 }));
    const updated = (await cw2.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }))).MetricAlarms![0]!;
    assert.deepEqual([updated.StateValue, updated.StateReason, updated.Threshold], [current.StateValue, current.StateReason, 80]);
    const config = (await cw2.send(new DescribeAlarmHistoryCommand({ AlarmName: 'hot', HistoryItemType: 'ConfigurationUpdate' }))).AlarmHistoryItems!;
    const update = JSON.parse(config.find((h) => h.HistorySummary === 'Alarm "hot" updated')!.HistoryData!) as { originalAlarm: { stateValue: string; stateReason: string } };
    assert.deepEqual([update.originalAlarm.stateValue, update.originalAlarm.stateReason], [current.StateValue, current.StateReason]);
  } finally {
    cw2.destroy();
    await second.kill();
  }
});
