// The loop no emulator closes: a metric crosses an alarm's threshold, the alarm's action runs an Auto Scaling
// step policy, and the group launches real instances — all on the virtual clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64 } from '../ec2/instances-helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
before(async () => {
  c = await startTestCumulus();
});
after(() => c.stop());

test('a custom metric over the threshold drives a step policy: the group scales out by the matching step', async () => {
  const asg = new AutoScalingClient(clientConfig(c));
  const cw = new CloudWatchClient(clientConfig(c));
  const ec2 = new EC2Client(clientConfig(c));
  const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'worker', ImageId: ami, InstanceType: 't3.micro', UserData: b64('#!/bin/sh\nexec sleep 3600\n') }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'workers', LaunchConfigurationName: 'worker', MinSize: 1, MaxSize: 5, AvailabilityZones: ['us-east-1a', 'us-east-1b'] }));
  const policy = await asg.send(
    new PutScalingPolicyCommand({
      AutoScalingGroupName: 'workers',
      PolicyName: 'backlog',
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 50, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 50, ScalingAdjustment: 2 },
      ],
    }),
  );
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'backlog-high',
      Namespace: 'App',
      MetricName: 'Backlog',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [policy.PolicyARN!],
    }),
  );

  // a backlog of 175 is 75 over the threshold: the second step (+2)
  const deadline = Date.now() + 30_000;
  let state: string | undefined;
  while (state !== 'ALARM') {
    if (Date.now() > deadline) throw new Error(`the alarm never fired (state ${state})`);
    await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Backlog', Value: 175, Timestamp: c.runtime.clock.date() }] }));
    await advance(c, 30);
    state = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['backlog-high'] }))).MetricAlarms![0]!.StateValue;
  }

  let group;
  for (;;) {
    group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['workers'] }))).AutoScalingGroups![0]!;
    if (group.Instances!.length === 3 && group.Instances!.every((i) => i.LifecycleState === 'InService')) break;
    if (Date.now() > deadline) throw new Error(`no scale-out: ${JSON.stringify(group.Instances)}`);
    await advance(c, 10);
  }
  assert.equal(group.DesiredCapacity, 3);
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'workers' }));
  assert.ok(acts.Activities!.some((a) => /a monitor alarm backlog-high in state ALARM triggered policy backlog changing the desired capacity from 1 to 3\./.test(a.Cause!)));
  const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'backlog-high', HistoryItemType: 'Action' }));
  assert.match(history.AlarmHistoryItems![0]!.HistorySummary!, /^Successfully executed action arn:aws:autoscaling:/);
});
