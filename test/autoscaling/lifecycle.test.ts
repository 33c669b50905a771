// Lifecycle hooks hold instances in Pending:Wait / Terminating:Wait until completed or timed out; standby,
// attach and detach move instances in and out of capacity; enabled group metrics reach the bus.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AttachInstancesCommand,
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  DeleteLifecycleHookCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  DetachInstancesCommand,
  EnableMetricsCollectionCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsEvent, MetricEvent } from '../../src/events/bus.js';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64, waitState } from '../ec2/instances-helpers.js';
import { group as sharedGroup, settle as sharedSettle } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let ec2: EC2Client;
let ami: string;
const events: AwsEvent[] = [];
const metrics: MetricEvent[] = [];

before(async () => {
  c = await startTestCumulus();
  c.runtime.bus.on('aws-event', (e) => void (e.source === 'aws.autoscaling' && events.push(e)));
  c.runtime.bus.on('metric', (m) => void (m.namespace === 'AWS/AutoScaling' && metrics.push(m)));
  asg = new AutoScalingClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
  ami = images.Images![0]!.ImageId!;
  const { CreateLaunchConfigurationCommand } = await import('@aws-sdk/client-auto-scaling');
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: ami, InstanceType: 't3.micro', UserData: b64('#!/bin/sh\nexec sleep 3600\n') }));
});
after(() => c.stop());

const group = (name: string) => sharedGroup(asg, name);
const settle = (name: string, ok: (g: AutoScalingGroup | undefined) => boolean, what: string, step = 10) => sharedSettle(c, asg, name, ok, what, step);

const states = (g: AutoScalingGroup | undefined) => (g?.Instances ?? []).map((i) => i.LifecycleState).sort();

test('a launch hook holds the instance in Pending:Wait until CompleteLifecycleAction CONTINUE; a heartbeat extends it; ABANDON replaces it', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'hooked',
      LaunchConfigurationName: 'lc',
      MinSize: 1,
      MaxSize: 2,
      AvailabilityZones: ['us-east-1a'],
      LifecycleHookSpecificationList: [{ LifecycleHookName: 'warm-up', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 60, DefaultResult: 'ABANDON', NotificationMetadata: 'hello' }],
    }),
  );
  const hooks = await asg.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'hooked' }));
  assert.equal(hooks.LifecycleHooks![0]!.GlobalTimeout, 6000);
  const waiting = await settle('hooked', (g) => states(g).join() === 'Pending:Wait', 'Pending:Wait', 5);
  const id = waiting!.Instances![0]!.InstanceId!;
  const ev = events.find((e) => e.detailType === 'EC2 Instance-launch Lifecycle Action' && e.detail.EC2InstanceId === id)!;
  assert.equal(ev.detail.NotificationMetadata, 'hello');
  // a heartbeat moves the 60 s timeout on: 45 s later it is still waiting
  await advance(c, 40);
  await asg.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'warm-up', InstanceId: id }));
  await advance(c, 45);
  assert.equal(states(await group('hooked')).join(), 'Pending:Wait');
  await asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'warm-up', LifecycleActionToken: ev.detail.LifecycleActionToken as string, LifecycleActionResult: 'CONTINUE' }));
  await settle('hooked', (g) => states(g).join() === 'InService', 'InService', 5);
  await assert.rejects(
    asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'warm-up', InstanceId: id, LifecycleActionResult: 'CONTINUE' })),
    (e: Error) => e.name === 'ValidationError',
  );

  // scale out: the new one times out into ABANDON, is terminated and replaced (then waits again)
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'hooked', DesiredCapacity: 2 }));
  const second = await settle('hooked', (g) => states(g).join() === 'InService,Pending:Wait', 'second waiting', 5);
  const secondId = second!.Instances!.find((i) => i.LifecycleState === 'Pending:Wait')!.InstanceId!;
  await settle('hooked', (g) => !g!.Instances!.some((i) => i.InstanceId === secondId), 'abandoned one gone', 30);
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'hooked' }));
  const failed = acts.Activities!.find((a) => a.Description === `Launching a new EC2 instance: ${secondId}`)!;
  assert.equal(failed.StatusCode, 'Failed');
  assert.match(failed.StatusMessage!, /was abandoned: Lifecycle Action Completed with ABANDON Result/);
});

test('a terminate hook holds Terminating:Wait; standby leaves capacity; attach and detach', async () => {
  await asg.send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'warm-up' }));
  await asg.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: 30, DefaultResult: 'CONTINUE' }));
  await settle('hooked', (x) => states(x).join() === 'InService,InService', 'two in service', 10);
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'hooked', DesiredCapacity: 1 }));
  // the surplus leaves through the terminate hook, which times out into CONTINUE after 30 s
  await settle('hooked', (x) => states(x).join() === 'InService,Terminating:Wait', 'surplus waiting on the hook', 5);
  const g = await settle('hooked', (x) => states(x).join() === 'InService', 'surplus gone after the hook timed out', 10);
  const keep = g!.Instances![0]!.InstanceId!;
  await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'hooked', MinSize: 0 }));
  const standby = await asg.send(new EnterStandbyCommand({ AutoScalingGroupName: 'hooked', InstanceIds: [keep], ShouldDecrementDesiredCapacity: true }));
  assert.equal(standby.Activities![0]!.Description, `Moving EC2 instance to Standby: ${keep}`);
  assert.equal((await group('hooked'))!.DesiredCapacity, 0);
  await asg.send(new ExitStandbyCommand({ AutoScalingGroupName: 'hooked', InstanceIds: [keep] }));
  assert.equal((await group('hooked'))!.DesiredCapacity, 1);

  // attach an instance launched by hand, then detach it again
  const run = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: 'us-east-1a' }, UserData: b64('#!/bin/sh\nexec sleep 3600\n') }));
  const loose = run.Instances![0]!.InstanceId!;
  await waitState(ec2, loose, 'running');
  await asg.send(new AttachInstancesCommand({ AutoScalingGroupName: 'hooked', InstanceIds: [loose] }));
  const attached = await group('hooked');
  assert.equal(attached!.DesiredCapacity, 2);
  const tags = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [loose] }))).Reservations![0]!.Instances![0]!.Tags!;
  assert.ok(tags.some((t) => t.Key === 'aws:autoscaling:groupName' && t.Value === 'hooked'));
  await assert.rejects(asg.send(new AttachInstancesCommand({ AutoScalingGroupName: 'hooked', InstanceIds: [loose] })), (e: Error) => e.name === 'ValidationError');
  const detached = await asg.send(new DetachInstancesCommand({ AutoScalingGroupName: 'hooked', InstanceIds: [loose], ShouldDecrementDesiredCapacity: true }));
  assert.equal(detached.Activities![0]!.Description, `Detaching EC2 instance: ${loose}`);
  const after = await group('hooked');
  assert.equal(after!.DesiredCapacity, 1);
  assert.ok(!after!.Instances!.some((i) => i.InstanceId === loose));
});

test('enabled group metrics are published every minute', async () => {
  await asg.send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'hooked', Granularity: '1Minute', Metrics: ['GroupDesiredCapacity', 'GroupInServiceInstances'] }));
  await assert.rejects(asg.send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'hooked', Granularity: '5Minute' })), (e: Error) => e.name === 'ValidationError');
  metrics.length = 0;
  await advance(c, 61);
  const m = metrics.find((x) => x.datums.some((d) => d.Dimensions?.[0]?.Value === 'hooked'))!;
  assert.ok(m, 'a metric event for the group');
  const desired = m.datums.find((d) => d.MetricName === 'GroupDesiredCapacity')!;
  assert.equal(desired.Value, 1);
  assert.deepEqual(m.datums.map((d) => d.MetricName).sort(), ['GroupDesiredCapacity', 'GroupInServiceInstances']);
});
