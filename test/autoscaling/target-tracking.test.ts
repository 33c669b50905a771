// Target tracking scaling: Auto Scaling creates and owns the TargetTracking-…-AlarmHigh/AlarmLow alarms, a
// real CPU-burning workload drives the group out, a customized metric drives it out and back in (15 low
// minutes), DisableScaleIn keeps the capacity, and the alarms go with the policy and with the group.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteAutoScalingGroupCommand,
  DeletePolicyCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  ExecutePolicyCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64 } from '../ec2/instances-helpers.js';
import { defaultNetwork } from '../elb/helpers.js';
import { SLEEPER, amazonLinux, group, inService, settle } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let cw: CloudWatchClient;
let ami: string;
const ZONES = ['us-east-1a', 'us-east-1b'];

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  cw = new CloudWatchClient(clientConfig(c));
  ami = await amazonLinux(new EC2Client(clientConfig(c)));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'idle', ImageId: ami, InstanceType: 't2.micro', UserData: SLEEPER }));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'burn', ImageId: ami, InstanceType: 't2.micro', UserData: b64('#!/bin/sh\nwhile :; do :; done\n') }));
});
after(() => c.stop());

const alarmsOf = async (prefix: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }))).MetricAlarms ?? [];

test('a CPU-burning group with an ASGAverageCPUUtilization policy scales out; the two alarms are AWS-named and owned', async () => {
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'cpu', LaunchConfigurationName: 'burn', MinSize: 1, MaxSize: 2, AvailabilityZones: ZONES }));
  await settle(c, asg, 'cpu', inService(1), 'the first instance');
  const put = await asg.send(
    new PutScalingPolicyCommand({
      AutoScalingGroupName: 'cpu',
      PolicyName: 'cpu30',
      PolicyType: 'TargetTrackingScaling',
      EstimatedInstanceWarmup: 60,
      TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 30 },
    }),
  );
  assert.equal(put.Alarms?.length, 2);
  const alarms = await alarmsOf('TargetTracking-cpu-');
  assert.equal(alarms.length, 2);
  const high = alarms.find((a) => /^TargetTracking-cpu-AlarmHigh-[0-9a-f-]{36}$/.test(a.AlarmName!))!;
  const low = alarms.find((a) => /^TargetTracking-cpu-AlarmLow-[0-9a-f-]{36}$/.test(a.AlarmName!))!;
  assert.ok(high && low, JSON.stringify(alarms.map((a) => a.AlarmName)));
  for (const a of [high, low]) {
    assert.equal(a.AlarmDescription, `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${put.PolicyARN}.`);
    assert.deepEqual(a.AlarmActions, [put.PolicyARN]);
    assert.equal(a.Namespace, 'AWS/EC2');
    assert.equal(a.MetricName, 'CPUUtilization');
    assert.equal(a.Statistic, 'Average');
    assert.deepEqual(a.Dimensions, [{ Name: 'AutoScalingGroupName', Value: 'cpu' }]);
    assert.equal(a.Period, 60);
  }
  assert.deepEqual([high.ComparisonOperator, high.Threshold, high.EvaluationPeriods], ['GreaterThanThreshold', 30, 3]);
  assert.deepEqual([low.ComparisonOperator, low.Threshold, low.EvaluationPeriods], ['LessThanThreshold', 27, 15]);
  const described = (await asg.send(new DescribePoliciesCommand({ AutoScalingGroupName: 'cpu' }))).ScalingPolicies![0]!;
  assert.equal(described.PolicyType, 'TargetTrackingScaling');
  assert.equal(described.TargetTrackingConfiguration?.TargetValue, 30);
  assert.deepEqual(described.Alarms!.map((a) => a.AlarmName).sort(), [high.AlarmName, low.AlarmName].sort());
  await assert.rejects(asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'cpu', PolicyName: 'cpu30' })), /not supported for policy type TargetTrackingScaling/);

  // the busy loop uses a whole vCPU; CPU is measured in real time, so each virtual minute gets a little real time
  const deadline = Date.now() + 30_000;
  for (;;) {
    const g = await group(asg, 'cpu');
    if (g!.DesiredCapacity === 2) break;
    if (Date.now() > deadline) throw new Error(`no scale-out: ${JSON.stringify((await alarmsOf('TargetTracking-cpu-AlarmHigh')).map((a) => a.StateReason))}`);
    await new Promise((r) => setTimeout(r, 300));
    await advance(c, 60);
  }
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'cpu' }));
  assert.ok(acts.Activities!.some((a) => /a monitor alarm TargetTracking-cpu-AlarmHigh-[0-9a-f-]+ in state ALARM triggered policy cpu30 changing the desired capacity from 1 to 2\./.test(a.Cause!)));

  // the group goes, and its policy's alarms with it
  await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'cpu', ForceDelete: true }));
  await settle(c, asg, 'cpu', (g) => g === undefined, 'the group to go');
  assert.deepEqual(await alarmsOf('TargetTracking-cpu-'), []);
});

test('a customized metric scales out in proportion, back in after 15 low minutes; DisableScaleIn keeps the capacity', async () => {
  const policy = (name: string, service: string, disableScaleIn: boolean, policyName = 'load50') =>
    asg.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: name,
        PolicyName: policyName,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          CustomizedMetricSpecification: { Namespace: 'App', MetricName: 'Load', Dimensions: [{ Name: 'Service', Value: service }], Statistic: 'Average' },
          TargetValue: 50,
          DisableScaleIn: disableScaleIn,
        },
      }),
    );
  for (const name of ['app', 'keep', 'both']) {
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchConfigurationName: 'idle', MinSize: 1, MaxSize: 4, AvailabilityZones: ZONES }));
  }
  const app = await policy('app', 'app', false);
  const keep = await policy('keep', 'keep', true);
  // two policies on one group: it scales in only when both are ready to
  await policy('both', 'app', false);
  await policy('both', 'steady', false, 'steady50');
  assert.equal(app.Alarms!.length, 2);
  assert.equal(keep.Alarms!.length, 1);
  assert.match(keep.Alarms![0]!.AlarmName!, /^TargetTracking-keep-AlarmHigh-/);

  const load = (value: number) =>
    cw.send(
      new PutMetricDataCommand({
        Namespace: 'App',
        MetricData: [
          ...['app', 'keep'].map((s) => ({ MetricName: 'Load', Dimensions: [{ Name: 'Service', Value: s }], Value: value, Timestamp: c.runtime.clock.date() })),
          { MetricName: 'Load', Dimensions: [{ Name: 'Service', Value: 'steady' }], Value: 50, Timestamp: c.runtime.clock.date() },
        ],
      }),
    );
  const minutesUntil = async (value: number, ok: () => Promise<boolean>, max: number, what: string) => {
    for (let m = 0; m < max; m++) {
      if (await ok()) return;
      await load(value);
      await advance(c, 60);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!(await ok())) throw new Error(`timed out waiting for ${what}`);
  };
  const desired = async (name: string) => (await group(asg, name))!.DesiredCapacity;

  // 150 against a target of 50: three times the capacity (1 → 3), after 3 minutes over the target
  await minutesUntil(150, async () => (await desired('app')) === 3 && (await desired('keep')) === 3 && (await desired('both')) === 3, 8, 'the scale-out');
  const causes = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'app' }))).Activities!.map((a) => a.Cause!);
  assert.ok(causes.some((x) => /TargetTracking-app-AlarmHigh-[0-9a-f-]+ in state ALARM triggered policy load50 changing the desired capacity from 1 to 3\./.test(x)), causes.join('\n'));

  // the load stops: 15 minutes under 45 (0.9 × 50) and the low alarm scales in (3 × 10 / 50 → 1)
  await minutesUntil(10, async () => (await desired('app')) === 1, 20, 'the scale-in');
  await settle(c, asg, 'app', inService(1), 'the scale-in to finish');
  assert.equal(await desired('keep'), 3, 'DisableScaleIn keeps the capacity');
  assert.equal(await desired('both'), 3, 'the steady policy holds the scale-in back');
  const lowCauses = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'app' }))).Activities!.map((a) => a.Cause!);
  assert.ok(lowCauses.some((x) => /TargetTracking-app-AlarmLow-[0-9a-f-]+ in state ALARM triggered policy load50 changing the desired capacity from 3 to 1\./.test(x)), lowCauses.join('\n'));

  // DeletePolicy deletes the alarms it owns; replacing a policy keeps its alarm names
  const again = await policy('keep', 'keep', false);
  assert.equal(again.Alarms!.length, 2);
  assert.equal(again.Alarms![0]!.AlarmName, keep.Alarms![0]!.AlarmName);
  await asg.send(new DeletePolicyCommand({ AutoScalingGroupName: 'app', PolicyName: 'load50' }));
  await asg.send(new DeletePolicyCommand({ AutoScalingGroupName: 'keep', PolicyName: 'load50' }));
  await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'both', ForceDelete: true }));
  await settle(c, asg, 'both', (g) => g === undefined, 'the group to go');
  assert.deepEqual(await alarmsOf('TargetTracking-'), []);
});

test('target tracking input is checked as AWS checks it; step policies list the alarms that name them', async () => {
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'checks', LaunchConfigurationName: 'idle', MinSize: 0, MaxSize: 2, AvailabilityZones: ZONES }));
  const tt = (config: object) =>
    asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'checks', PolicyName: 'tt', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: config as never }));
  await assert.rejects(tt({ PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' }, TargetValue: 100 }), /ResourceLabel is required/);
  await assert.rejects(
    tt({ PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'app/web/0123456789abcdef/targetgroup/web/0123456789abcdef' }, TargetValue: 100 }),
    /is not attached to the Auto Scaling group checks/,
  );
  await assert.rejects(tt({ PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization', ResourceLabel: 'x' }, TargetValue: 50 }), /ResourceLabel is only supported/);
  await assert.rejects(tt({ TargetValue: 50 }), /Exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification/);
  await assert.rejects(
    asg.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'checks',
        PolicyName: 'tt',
        PolicyType: 'TargetTrackingScaling',
        AdjustmentType: 'ChangeInCapacity',
        TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 50 },
      }),
    ),
    /AdjustmentType is not supported/,
  );
  // metric math is accepted and handed to the alarms as it is
  await tt({
    CustomizedMetricSpecification: {
      Metrics: [
        { Id: 'backlog', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Backlog' }, Stat: 'Sum' }, ReturnData: false },
        { Id: 'perInstance', Expression: 'backlog / 2', Label: 'backlog per instance', ReturnData: true },
      ],
    },
    TargetValue: 10,
  });
  const high = (await alarmsOf('TargetTracking-checks-AlarmHigh-'))[0]!;
  assert.equal(high.Metrics?.length, 2);
  assert.equal(high.Metrics![0]!.MetricStat?.Period, 60);

  const step = await asg.send(
    new PutScalingPolicyCommand({ AutoScalingGroupName: 'checks', PolicyName: 'step', PolicyType: 'StepScaling', AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] }),
  );
  await cw.send(
    new PutMetricAlarmCommand({ AlarmName: 'mine', Namespace: 'App', MetricName: 'Backlog', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [step.PolicyARN!] }),
  );
  const listed = (await asg.send(new DescribePoliciesCommand({ AutoScalingGroupName: 'checks', PolicyNames: ['step'] }))).ScalingPolicies![0]!;
  assert.deepEqual(listed.Alarms!.map((a) => a.AlarmName), ['mine']);
  // a user's alarm is the user's: deleting the step policy leaves it
  await asg.send(new DeletePolicyCommand({ AutoScalingGroupName: 'checks', PolicyName: 'step' }));
  assert.equal((await alarmsOf('mine')).length, 1);
});

test('ALBRequestCountPerTarget tracks the attached target group named by ResourceLabel', async () => {
  const ec2 = new EC2Client(clientConfig(c));
  const elb = new ElasticLoadBalancingV2Client(clientConfig(c));
  const net = await defaultNetwork(ec2);
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'front', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'web', Protocol: 'HTTP', Port: 8080, VpcId: net.vpcId }))).TargetGroups![0]!;
  const label = `${lb.LoadBalancerArn!.split(':loadbalancer/')[1]}/${tg.TargetGroupArn!.split(':').pop()}`;
  assert.match(label, /^app\/front\/[0-9a-f]+\/targetgroup\/web\/[0-9a-f]+$/);
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', LaunchConfigurationName: 'idle', MinSize: 0, MaxSize: 2, AvailabilityZones: ZONES, TargetGroupARNs: [tg.TargetGroupArn!] }));
  const put = await asg.send(
    new PutScalingPolicyCommand({
      AutoScalingGroupName: 'web',
      PolicyName: 'rps',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label }, TargetValue: 1000 },
    }),
  );
  const high = (await alarmsOf('TargetTracking-web-AlarmHigh-'))[0]!;
  assert.deepEqual(put.Alarms!.map((a) => a.AlarmName).includes(high.AlarmName), true);
  assert.deepEqual([high.Namespace, high.MetricName, high.Statistic, high.Threshold], ['AWS/ApplicationELB', 'RequestCountPerTarget', 'Sum', 1000]);
  assert.deepEqual(high.Dimensions, [{ Name: 'TargetGroup', Value: label.split('/').slice(3).join('/') }]);
});
