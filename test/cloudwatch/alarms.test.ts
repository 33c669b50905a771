// Alarms evaluated on the clock: OK → ALARM → OK, M of N, missing data, composite alarms, history,
// actions dispatched to a registered target, the EventBridge event, and dashboards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudWatchClient, DeleteAlarmsCommand, DeleteDashboardsCommand, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand, GetDashboardCommand, ListDashboardsCommand, ListTagsForResourceCommand, PutCompositeAlarmCommand, PutDashboardCommand,
  PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand, TagResourceCommand, type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { AwsEvent } from '../../src/events/bus.js';
import type { TargetInvocation } from '../../src/events/targets.js';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';

let c: Cumulus;
let cw: CloudWatchClient;
const invocations: TargetInvocation[] = [];
const events: AwsEvent[] = [];
const TARGET = 'arn:aws:sns:us-east-1:000000000000:alarms';
const FAILING = 'arn:aws:sns:us-east-1:000000000000:broken';

before(async () => {
  c = await startTestCumulus();
  cw = new CloudWatchClient(clientConfig(c));
  c.runtime.targets.register('test-sns', (arn) => arn === TARGET || arn === FAILING, (inv) => {
    invocations.push(inv);
    return inv.arn === TARGET ? { ok: true, message: 'published' } : { ok: false, message: 'topic is gone' };
  });
  c.runtime.bus.on('aws-event', (e) => events.push(e));
  // start on a minute boundary so each advance of 60 s runs exactly one evaluation
  const now = c.runtime.clock.now();
  c.runtime.clock.advance((60_000 - (now % 60_000) + 1_000) / 1000);
});
after(async () => {
  cw.destroy();
  await c.stop();
});

const advance = (seconds: number) => fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
const put = (name: string, value: number, dims = [{ Name: 'Host', Value: 'h1' }]) => cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: name, Dimensions: dims, Value: value }] }));
const alarm = async (name: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })));
const stateOf = async (name: string) => {
  const a = await alarm(name);
  return (a.MetricAlarms![0] ?? a.CompositeAlarms![0])!.StateValue;
};
const metricAlarm = (name: string, extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: 'App',
  MetricName: name,
  Dimensions: [{ Name: 'Host', Value: 'h1' }],
  Statistic: 'Maximum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 80,
  ComparisonOperator: 'GreaterThanThreshold',
  ...extra,
});

test('an alarm goes OK → ALARM → OK on the clock, with reasons, history, actions and events', async () => {
  await cw.send(new PutMetricAlarmCommand(metricAlarm('cpu', { AlarmActions: [TARGET, FAILING], OKActions: [TARGET], AlarmDescription: 'hot' })));
  const created = (await alarm('cpu')).MetricAlarms![0]!;
  assert.equal(created.StateValue, 'INSUFFICIENT_DATA');
  assert.equal(created.StateReason, 'Unchecked: Initial alarm creation');

  await put('cpu', 20);
  await advance(60);
  const ok = (await alarm('cpu')).MetricAlarms![0]!;
  assert.equal(ok.StateValue, 'OK');
  assert.match(ok.StateReason!, /^Threshold Crossed: 1 datapoint \[20\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was not greater than the threshold \(80\.0\)\.$/);

  await put('cpu', 95);
  await advance(60);
  const hot = (await alarm('cpu')).MetricAlarms![0]!;
  assert.equal(hot.StateValue, 'ALARM');
  assert.match(hot.StateReason!, /^Threshold Crossed: 1 datapoint \[95\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than the threshold \(80\.0\)\.$/);
  const data = JSON.parse(hot.StateReasonData!);
  assert.equal(data.version, '1.0');
  assert.equal(data.statistic, 'Maximum');
  assert.equal(data.period, 60);
  assert.deepEqual(data.recentDatapoints, [95]);
  assert.equal(data.threshold, 80);
  assert.match(hot.StateReasonData!, /"threshold":80\.0,"evaluatedDatapoints":\[\{"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000\+0000","sampleCount":1\.0,"value":95\.0\}\]/);
  assert.ok(hot.StateTransitionedTimestamp! > ok.StateTransitionedTimestamp!);

  // both ALARM actions ran, one failing; the outcome is in the history
  for (let i = 0; i < 50 && invocations.length < 3; i++) await new Promise((r) => setImmediate(r));
  const alarmInv = invocations.filter((i) => JSON.parse(i.payload).NewStateValue === 'ALARM');
  assert.deepEqual(alarmInv.map((i) => i.arn).sort(), [FAILING, TARGET].sort());
  const msg = JSON.parse(alarmInv[0]!.payload);
  assert.equal(msg.AlarmName, 'cpu');
  assert.equal(msg.OldStateValue, 'OK');
  assert.equal(msg.Trigger.MetricName, 'cpu');
  assert.equal(alarmInv[0]!.source.principal, 'cloudwatch.amazonaws.com');
  assert.deepEqual(alarmInv[0]!.context, { dimensions: { Host: 'h1' }, alarmName: 'cpu', metricValue: 95 });

  await put('cpu', 10);
  await advance(60);
  assert.equal(await stateOf('cpu'), 'OK');

  const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu' }));
  const summaries = history.AlarmHistoryItems!.map((h) => h.HistorySummary);
  assert.ok(summaries.includes('Alarm updated from INSUFFICIENT_DATA to OK'));
  assert.ok(summaries.includes('Alarm updated from OK to ALARM'));
  assert.ok(summaries.includes('Alarm updated from ALARM to OK'));
  assert.ok(summaries.includes(`Successfully executed action ${TARGET}`));
  assert.ok(summaries.some((s) => s === `Failed to execute action ${FAILING}. Received error: "topic is gone"`));
  assert.ok(summaries.includes('Alarm "cpu" created'));
  const states = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu', HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' }));
  assert.deepEqual(states.AlarmHistoryItems!.map((h) => h.HistorySummary), [
    'Alarm updated from INSUFFICIENT_DATA to OK',
    'Alarm updated from OK to ALARM',
    'Alarm updated from ALARM to OK',
  ]);
  const change = JSON.parse(states.AlarmHistoryItems![1]!.HistoryData!);
  assert.equal(change.oldState.stateValue, 'OK');
  assert.equal(change.newState.stateValue, 'ALARM');
  assert.equal(change.newState.stateReasonData.threshold, 80);

  const ev = events.filter((e) => e.source === 'aws.cloudwatch' && (e.detail.alarmName as string) === 'cpu');
  assert.equal(ev.length, 3);
  assert.equal(ev[1]!.detailType, 'CloudWatch Alarm State Change');
  assert.deepEqual([(ev[1]!.detail.previousState as { value: string }).value, (ev[1]!.detail.state as { value: string }).value], ['OK', 'ALARM']);
  assert.deepEqual(ev[1]!.resources, [hot.AlarmArn]);
});

test('M of N: 2 of 3 breaching datapoints; ActionsEnabled false dispatches nothing', async () => {
  await cw.send(new PutMetricAlarmCommand(metricAlarm('mofn', { EvaluationPeriods: 3, DatapointsToAlarm: 2, AlarmActions: [TARGET] })));
  await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ['mofn'] }));
  const before = invocations.length;
  await put('mofn', 90);
  await advance(60);
  await put('mofn', 10);
  await advance(60);
  assert.equal(await stateOf('mofn'), 'OK');
  await put('mofn', 85);
  await advance(60);
  const a = (await alarm('mofn')).MetricAlarms![0]!;
  assert.equal(a.StateValue, 'ALARM');
  assert.match(a.StateReason!, /^Threshold Crossed: 2 out of the last 3 datapoints \[85\.0 \(.+\), 90\.0 \(.+\)\] were greater than the threshold \(80\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/);
  assert.equal(a.ActionsEnabled, false);
  assert.equal(invocations.length, before);
});

test('missing data: missing → INSUFFICIENT_DATA, breaching → ALARM, notBreaching → OK, ignore keeps the state', async () => {
  for (const [name, treat] of [['m-missing', 'missing'], ['m-breaching', 'breaching'], ['m-not', 'notBreaching'], ['m-ignore', 'ignore']] as const) {
    await cw.send(new PutMetricAlarmCommand(metricAlarm(name, { TreatMissingData: treat, MetricName: 'silent' })));
  }
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'm-ignore', StateValue: 'ALARM', StateReason: 'testing' }));
  await advance(60);
  assert.equal(await stateOf('m-missing'), 'INSUFFICIENT_DATA');
  assert.equal(await stateOf('m-breaching'), 'ALARM');
  assert.equal(await stateOf('m-not'), 'OK');
  assert.equal(await stateOf('m-ignore'), 'ALARM');
  const b = (await alarm('m-breaching')).MetricAlarms![0]!;
  assert.equal(b.StateReason, 'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].');
});

test('a high-resolution alarm (10-second period) is evaluated every 10 seconds', async () => {
  await cw.send(new PutMetricAlarmCommand(metricAlarm('fast', { Period: 10 })));
  const t = c.runtime.clock.now();
  // the 10 seconds that end at the next tick
  const slot = t - (t % 10_000);
  await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'fast', Dimensions: [{ Name: 'Host', Value: 'h1' }], Value: 99, StorageResolution: 1, Timestamp: new Date(slot) }] }));
  await advance(10);
  const a = (await alarm('fast')).MetricAlarms![0]!;
  assert.equal(a.StateValue, 'ALARM');
  assert.equal(JSON.parse(a.StateReasonData!).period, 10);
  await advance(10);
  assert.equal(await stateOf('fast'), 'INSUFFICIENT_DATA');
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['fast'] }));
});

test('composite alarms follow their rule; DescribeAlarms children and parents', async () => {
  await cw.send(new PutMetricAlarmCommand(metricAlarm('disk')));
  await cw.send(new PutMetricAlarmCommand(metricAlarm('mem')));
  await cw.send(new PutCompositeAlarmCommand({ AlarmName: 'host-bad', AlarmRule: 'ALARM(disk) AND (ALARM("mem") OR NOT OK(mem))', AlarmActions: [TARGET] }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'disk', StateValue: 'ALARM', StateReason: 'test' }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'mem', StateValue: 'OK', StateReason: 'test' }));
  assert.equal(await stateOf('host-bad'), 'OK');
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'mem', StateValue: 'ALARM', StateReason: 'test' }));
  const comp = (await alarm('host-bad')).CompositeAlarms![0]!;
  assert.equal(comp.StateValue, 'ALARM');
  assert.equal(comp.AlarmRule, 'ALARM(disk) AND (ALARM("mem") OR NOT OK(mem))');
  assert.match(comp.StateReason!, /^arn:aws:cloudwatch:us-east-1:000000000000:alarm:mem transitioned to ALARM at \w+day \d+ \w+, \d{4} \d\d:\d\d:\d\d UTC$/);
  assert.deepEqual(JSON.parse(comp.StateReasonData!).triggeringAlarms.map((t: { arn: string }) => t.arn.split(':').pop()).sort(), ['disk', 'mem']);
  const children = await cw.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'host-bad' }));
  assert.deepEqual(children.MetricAlarms!.map((a) => a.AlarmName).sort(), ['disk', 'mem']);
  const parents = await cw.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'mem' }));
  assert.deepEqual(parents.CompositeAlarms!.map((a) => a.AlarmName), ['host-bad']);
  await assert.rejects(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['mem'] })), /composite alarm host-bad/);
  await assert.rejects(cw.send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM(nothing)' })), /do not exist/);
  await assert.rejects(cw.send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM(disk) AND' })), /Invalid AlarmRule/);
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['host-bad'] }));
});

test('DescribeAlarms filters and pages; DescribeAlarmsForMetric; validation as AWS does; tags', async () => {
  const prefixed = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'm-' }));
  assert.deepEqual(prefixed.MetricAlarms!.map((a) => a.AlarmName), ['m-breaching', 'm-ignore', 'm-missing', 'm-not']);
  const inAlarm = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmNamePrefix: 'm-' }));
  assert.deepEqual(inAlarm.MetricAlarms!.map((a) => a.AlarmName), ['m-breaching', 'm-ignore']);
  const withAction = await cw.send(new DescribeAlarmsCommand({ ActionPrefix: 'arn:aws:sns:us-east-1:000000000000:al' }));
  assert.deepEqual(withAction.MetricAlarms!.map((a) => a.AlarmName), ['cpu', 'mofn']);
  const p1 = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
  const p2 = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: p1.NextToken }));
  assert.equal(p1.MetricAlarms!.length, 2);
  assert.notEqual(p1.MetricAlarms![0]!.AlarmName, p2.MetricAlarms![0]!.AlarmName);
  const forMetric = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: 'App', MetricName: 'silent' }));
  assert.equal(forMetric.MetricAlarms!.length, 4);

  await assert.rejects(cw.send(new PutMetricAlarmCommand(metricAlarm('x', { DatapointsToAlarm: 3 }))), /DatapointsToAlarm must be less than or equal to EvaluationPeriods/);
  await assert.rejects(cw.send(new PutMetricAlarmCommand(metricAlarm('x', { AlarmActions: ['arn:aws:automate:us-east-1:ec2:stop'] }))), /InstanceId dimension/);
  await assert.rejects(cw.send(new PutMetricAlarmCommand(metricAlarm('x', { AlarmActions: ['not-an-arn'] }))), /Invalid arn syntax: not-an-arn/);
  await assert.rejects(cw.send(new PutMetricAlarmCommand(metricAlarm('x', { ExtendedStatistic: 'p99' }))), /Statistic or ExtendedStatistic/);
  await assert.rejects(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })), (e: Error) => e.name === 'ResourceNotFound' && /Alarm nope not found/.test(e.message));

  const arn = (await alarm('cpu')).MetricAlarms![0]!.AlarmArn!;
  await cw.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'team', Value: 'core' }] }));
  assert.deepEqual((await cw.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, [{ Key: 'team', Value: 'core' }]);
});

test('metric-math alarms evaluate their expression', async () => {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'ratio',
      EvaluationPeriods: 1,
      Threshold: 0.5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        { Id: 'err', MetricStat: { Metric: { Namespace: 'App', MetricName: 'errors' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'req', MetricStat: { Metric: { Namespace: 'App', MetricName: 'requests' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'rate', Expression: 'err / req', Label: 'error rate' },
      ],
    }),
  );
  await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'errors', Value: 6 }, { MetricName: 'requests', Value: 10 }] }));
  await advance(60);
  assert.equal(await stateOf('ratio'), 'ALARM');
});

test('an anomaly band alarm (ThresholdMetricId) goes to ALARM on a spike', async () => {
  const t = c.runtime.clock.now();
  const minuteStart = t - (t % 60_000);
  const history = Array.from({ length: 30 }, (_, k) => ({ MetricName: 'steady', Value: 10 + (k % 3), Timestamp: new Date(minuteStart - (30 - k) * 60_000) }));
  await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: history }));
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'anomaly',
      EvaluationPeriods: 1,
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      ThresholdMetricId: 'band',
      Metrics: [
        { Id: 'm', MetricStat: { Metric: { Namespace: 'App', MetricName: 'steady' }, Period: 60, Stat: 'Average' } },
        { Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(m, 2)' },
      ],
    }),
  );
  await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'steady', Value: 11, Timestamp: new Date(minuteStart) }] }));
  await advance(60);
  assert.equal(await stateOf('anomaly'), 'OK');
  await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'steady', Value: 100, Timestamp: new Date(minuteStart + 60_000) }] }));
  await advance(60);
  const a = (await alarm('anomaly')).MetricAlarms![0]!;
  assert.equal(a.StateValue, 'ALARM');
  assert.match(a.StateReason!, /^Threshold Crossed: 1 datapoint \[100\.0 \(.+\)\] was outside of the band\.$/);
});

test('dashboards: put (validated), get, list by prefix, delete', async () => {
  const body = JSON.stringify({ widgets: [{ type: 'metric', x: 0, y: 0, width: 12, height: 6, properties: { metrics: [['App', 'cpu', 'Host', 'h1']], region: 'us-east-1' } }] });
  const put = await cw.send(new PutDashboardCommand({ DashboardName: 'ops-main', DashboardBody: body }));
  assert.deepEqual(put.DashboardValidationMessages, []);
  await cw.send(new PutDashboardCommand({ DashboardName: 'dev', DashboardBody: '{"widgets":[]}' }));
  const got = await cw.send(new GetDashboardCommand({ DashboardName: 'ops-main' }));
  assert.equal(got.DashboardBody, body);
  assert.equal(got.DashboardArn, 'arn:aws:cloudwatch::000000000000:dashboard/ops-main');
  const listed = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: 'ops' }));
  assert.deepEqual(listed.DashboardEntries!.map((d) => [d.DashboardName, d.Size]), [['ops-main', Buffer.byteLength(body)]]);
  await assert.rejects(cw.send(new PutDashboardCommand({ DashboardName: 'bad', DashboardBody: '{"widgets":[{"type":"text"}]}' })), (e: Error & { dashboardValidationMessages?: unknown }) => {
    assert.equal(e.name, 'DashboardInvalidInputError');
    return true;
  });
  await assert.rejects(cw.send(new PutDashboardCommand({ DashboardName: 'bad', DashboardBody: 'not json' })), /valid JSON/);
  await cw.send(new DeleteDashboardsCommand({ DashboardNames: ['ops-main', 'dev'] }));
  await assert.rejects(cw.send(new GetDashboardCommand({ DashboardName: 'ops-main' })), /does not exist/);
  await assert.rejects(cw.send(new DeleteDashboardsCommand({ DashboardNames: ['ops-main'] })), /does not exist/);
});
