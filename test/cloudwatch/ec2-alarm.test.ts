// End to end: an instance that burns CPU drives AWS/EC2 CPUUtilization over an alarm's threshold, and the
// alarm's arn:aws:automate:…:ec2:stop action stops it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { describe1, until, waitState } from '../ec2/instances-helpers.js';

let c: Cumulus;
let cw: CloudWatchClient;
let ec2: EC2Client;

before(async () => {
  process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
  process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '1';
  c = await startTestCumulus();
  cw = new CloudWatchClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
});
after(async () => {
  cw.destroy();
  ec2.destroy();
  await c.stop();
});

const advance = (seconds: number) => fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });

test('a CPU-burning instance with detailed monitoring trips a CPUUtilization alarm that stops it', async () => {
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
  const ami = images.Images![0]!.ImageId!;
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: ami,
      InstanceType: 't2.micro',
      MinCount: 1,
      MaxCount: 1,
      Monitoring: { Enabled: true },
      UserData: Buffer.from('#!/bin/sh\nwhile :; do :; done\n').toString('base64'),
    }),
  );
  const id = run.Instances![0]!.InstanceId!;
  await waitState(ec2, id, 'running');
  try {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'busy',
        Namespace: 'AWS/EC2',
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'InstanceId', Value: id }],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: ['arn:aws:automate:us-east-1:ec2:stop'],
      }),
    );
    // each minute of the clock samples the instance's real CPU use since the previous sample
    const state = await until(
      'the alarm in ALARM',
      async () => {
        await new Promise((r) => setTimeout(r, 1000));
        await advance(60);
        const a = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['busy'] }))).MetricAlarms![0]!;
        return a.StateValue === 'ALARM' ? a : undefined;
      },
      // another test file may be burning the CPU at the same time: the busy loop still gets its share, slowly
      90_000,
    );
    assert.match(state.StateReason!, /^Threshold Crossed: 1 datapoint \[\d+(\.\d+)? \(.+\)\] was greater than the threshold \(5\.0\)\.$/);

    // the metric is listed with its dimensions, per instance and aggregated
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' }));
    const dimNames = listed.Metrics!.map((m) => (m.Dimensions ?? []).map((d) => d.Name).join(',')).sort();
    assert.deepEqual(dimNames, ['', 'ImageId', 'InstanceId', 'InstanceType']);
    const now = c.runtime.clock.now();
    const stats = await cw.send(
      new GetMetricStatisticsCommand({ Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id }], StartTime: new Date(now - 3600_000), EndTime: new Date(now), Period: 60, Statistics: ['Maximum'] }),
    );
    assert.ok(stats.Datapoints!.some((d) => d.Maximum! > 5 && d.Unit === 'Percent'));

    // the stop action: EC2 stops the instance
    await until('the instance stopping', async () => {
      await advance(2);
      const i = await describe1(ec2, id);
      return i.State?.Name === 'stopped' || i.State?.Name === 'stopping' ? i : undefined;
    });
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'busy', HistoryItemType: 'Action' }));
    assert.equal(history.AlarmHistoryItems![0]!.HistorySummary, 'Successfully executed action arn:aws:automate:us-east-1:ec2:stop');
  } finally {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  }
});
