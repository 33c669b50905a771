// Auto Scaling groups keep real EC2 instances at their desired capacity: launch across zones, replace what
// dies, scale in by policy, run simple and step policies, refuse bad input with AWS's wording.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteAutoScalingGroupCommand,
  DeleteLaunchConfigurationCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLaunchConfigurationsCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  ExecutePolicyCommand,
  PutScalingPolicyCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64 } from '../ec2/instances-helpers.js';
import { group as sharedGroup, inService, settle as sharedSettle } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let ec2: EC2Client;
let ami: string;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
  ami = images.Images![0]!.ImageId!;
  await asg.send(
    new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'web', ImageId: ami, InstanceType: 't3.micro', UserData: b64('#!/bin/sh\nexec sleep 3600\n') }),
  );
});
after(() => c.stop());

const group = (name: string) => sharedGroup(asg, name);
const settle = (name: string, ok: (g: AutoScalingGroup | undefined) => boolean, what: string, step = 10) => sharedSettle(c, asg, name, ok, what, step);


test('launch configurations: create, describe, duplicate and in-use errors', async () => {
  const lcs = await asg.send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: ['web'] }));
  assert.equal(lcs.LaunchConfigurations![0]!.InstanceType, 't3.micro');
  assert.match(lcs.LaunchConfigurations![0]!.LaunchConfigurationARN!, /^arn:aws:autoscaling:us-east-1:000000000000:launchConfiguration:[0-9a-f-]+:launchConfigurationName\/web$/);
  await assert.rejects(
    asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'web', ImageId: ami, InstanceType: 't3.micro' })),
    (e: Error) => e.name === 'AlreadyExistsFault' && /already exists with the name web/.test(e.message),
  );
  await assert.rejects(asg.send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: 'nope' })), (e: Error) => e.name === 'ValidationError');
});

test('a group of 3 across 3 zones runs one instance per zone, tagged, with activities; a killed instance is replaced', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'g3',
      LaunchConfigurationName: 'web',
      MinSize: 3,
      MaxSize: 6,
      AvailabilityZones: ZONES,
      Tags: [{ Key: 'team', Value: 'blue', PropagateAtLaunch: true }],
    }),
  );
  const g = await settle('g3', inService(3), '3 in service');
  assert.deepEqual(g!.Instances!.map((i) => i.AvailabilityZone).sort(), ZONES);
  const ids = g!.Instances!.map((i) => i.InstanceId!);
  const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  for (const i of d.Reservations!.flatMap((r) => r.Instances!)) {
    assert.equal(i.State?.Name, 'running');
    const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
    assert.equal(tags['aws:autoscaling:groupName'], 'g3');
    assert.equal(tags.team, 'blue');
  }
  await assert.rejects(
    asg.send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: 'web' })),
    (e: Error) => e.name === 'ResourceInUseFault' && /attached to AutoScalingGroup g3/.test(e.message),
  );
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g3' }));
  assert.equal(acts.Activities!.length, 3);
  for (const a of acts.Activities!) {
    assert.equal(a.StatusCode, 'Successful');
    assert.match(a.Description!, /^Launching a new EC2 instance: i-[0-9a-f]{17}$/);
    assert.match(a.Cause!, /a user request created an AutoScalingGroup changing the desired capacity from 0 to 3\.  At \S+Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 3\./);
  }

  // kill one behind the group's back: EC2 health check → replaced
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0]!] }));
  const healed = await settle('g3', (x) => inService(3)(x) && !x!.Instances!.some((i) => i.InstanceId === ids[0]), 'replacement');
  assert.deepEqual(healed!.Instances!.map((i) => i.AvailabilityZone).sort(), ZONES, 'the replacement goes to the zone that lost one');
  const after = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g3' }));
  assert.ok(after.Activities!.some((a) => a.Description === `Terminating EC2 instance: ${ids[0]}` && /EC2 health check indicating it has been terminated or stopped/.test(a.Cause!)));
});

test('scale in by SetDesiredCapacity keeps zones balanced and spares protected instances', async () => {
  const g = (await group('g3'))!;
  const keep = g.Instances![0]!.InstanceId!;
  await asg.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: 'g3', InstanceIds: [keep], ProtectedFromScaleIn: true }));
  await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g3', MinSize: 1 }));
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g3', DesiredCapacity: 1 }));
  const shrunk = await settle('g3', inService(1), 'scale in to 1');
  assert.equal(shrunk!.Instances![0]!.InstanceId, keep);
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g3' }));
  assert.ok(acts.Activities!.some((a) => /explicitly set group desired capacity changing the desired capacity from 3 to 1\..*was selected for termination/.test(a.Cause!)));
  await assert.rejects(
    asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g3', DesiredCapacity: 9 })),
    (e: Error) => e.name === 'ValidationError' && e.message === 'New SetDesiredCapacity value 9 is above max value 6 for the AutoScalingGroup.',
  );
});

test('simple and step policies change capacity; cooldown is honoured; an alarm action naming the policy runs it', async () => {
  const simple = await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'g3', PolicyName: 'out', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 2 }));
  assert.match(simple.PolicyARN!, /:scalingPolicy:[0-9a-f-]+:autoScalingGroupName\/g3:policyName\/out$/);
  await asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'g3', PolicyName: 'out' }));
  assert.equal((await group('g3'))!.DesiredCapacity, 3);
  await assert.rejects(asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'g3', PolicyName: 'out', HonorCooldown: true })), (e: Error) => e.name === 'ScalingActivityInProgressFault');

  await asg.send(
    new PutScalingPolicyCommand({
      AutoScalingGroupName: 'g3',
      PolicyName: 'steps',
      PolicyType: 'StepScaling',
      AdjustmentType: 'ExactCapacity',
      StepAdjustments: [
        { MetricIntervalUpperBound: 10, ScalingAdjustment: 4 },
        { MetricIntervalLowerBound: 10, ScalingAdjustment: 5 },
      ],
    }),
  );
  await asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'g3', PolicyName: 'steps', MetricValue: 95, BreachThreshold: 80 }));
  assert.equal((await group('g3'))!.DesiredCapacity, 5);
  await assert.rejects(asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'g3', PolicyName: 'steps' })), (e: Error) => e.name === 'ValidationError');

  // what CloudWatch does when an alarm names the policy: dispatch by ARN
  const stepArn = (await asg.send(new DescribePoliciesCommand({ AutoScalingGroupName: 'g3', PolicyNames: ['steps'] }))).ScalingPolicies![0]!.PolicyARN!;
  const result = await c.runtime.targets.invoke({
    arn: stepArn,
    payload: JSON.stringify({ AlarmName: 'cpu-high', NewStateValue: 'ALARM', Trigger: { Threshold: 80 } }),
    source: { principal: 'cloudwatch.amazonaws.com', account: '000000000000', region: 'us-east-1' },
    context: { alarmName: 'cpu-high', metricValue: 85 },
  });
  assert.deepEqual(result, { ok: true, message: 'changed the desired capacity from 5 to 4' });
  await settle('g3', inService(4), '4 in service');
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g3' }));
  assert.ok(acts.Activities!.some((a) => /a monitor alarm cpu-high in state ALARM triggered policy steps changing the desired capacity from 5 to 4\./.test(a.Cause!)));
});

test('bad input gets AWS wording', async () => {
  const base = { AutoScalingGroupName: 'bad', LaunchConfigurationName: 'web', AvailabilityZones: ZONES };
  const expect = async (input: object, message: RegExp) =>
    assert.rejects(asg.send(new CreateAutoScalingGroupCommand({ ...base, MinSize: 1, MaxSize: 2, ...input })), (e: Error) => e.name === 'ValidationError' && message.test(e.message));
  await expect({ MinSize: 3, MaxSize: 2 }, /^Max bound, 2, must be greater than or equal to min bound, 3$/);
  await expect({ DesiredCapacity: 5 }, /^Desired capacity:5 must be between the specified min size:1 and max size:2$/);
  await expect({ LaunchConfigurationName: 'missing' }, /Launch configuration missing not found/);
  await expect({ LaunchConfigurationName: undefined }, /must contain either LaunchTemplate, LaunchConfigurationName/);
  await expect({ AvailabilityZones: undefined }, /At least one Availability Zone or VPC Subnet is required/);
  await expect({ LaunchConfigurationName: undefined, LaunchTemplate: { LaunchTemplateName: 'none' } }, /The specified launch template, with template name none, does not exist/);
  await expect({ VPCZoneIdentifier: 'subnet-0123456789abcdef0', AvailabilityZones: undefined }, /The subnet ID 'subnet-0123456789abcdef0' does not exist/);
  await assert.rejects(asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'g3' })), (e: Error) => {
    console.log(e.name, e.message);
    return e.name === 'ResourceInUseFault' && e.message === 'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.';
  });
  await assert.rejects(asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0123456789abcdef0', ShouldDecrementDesiredCapacity: false })), (e: Error) => e.name === 'ValidationError');
});

test('launch templates, the CLI and boto3; force delete terminates everything and removes the group', async () => {
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt-web', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.nano', UserData: b64('#!/bin/sh\nexec sleep 3600\n') } }));
  const created = await awsCli(c, [
    'autoscaling', 'create-auto-scaling-group', '--auto-scaling-group-name', 'from-lt', '--launch-template', 'LaunchTemplateName=lt-web,Version=$Latest',
    '--min-size', '2', '--max-size', '2', '--availability-zones', 'us-east-1a', 'us-east-1b',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const g = await settle('from-lt', inService(2), 'template group in service');
  assert.equal(g!.LaunchTemplate!.LaunchTemplateName, 'lt-web');
  const inst = await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [g!.Instances![0]!.InstanceId!] }));
  assert.equal(inst.AutoScalingInstances![0]!.AutoScalingGroupName, 'from-lt');
  assert.equal(inst.AutoScalingInstances![0]!.HealthStatus, 'HEALTHY');
  assert.equal(inst.AutoScalingInstances![0]!.InstanceType, 't3.nano');

  const py = await boto3(c, `
a = boto3.client('autoscaling', endpoint_url=endpoint)
g = a.describe_auto_scaling_groups(AutoScalingGroupNames=['from-lt'])['AutoScalingGroups'][0]
a.delete_auto_scaling_group(AutoScalingGroupName='from-lt', ForceDelete=True)
print(json.dumps({'n': len(g['Instances']), 'status': a.describe_auto_scaling_groups(AutoScalingGroupNames=['from-lt'])['AutoScalingGroups'][0].get('Status')}))
`);
  assert.equal(py.code, 0, py.stderr);
  assert.deepEqual(JSON.parse(py.stdout), { n: 2, status: 'Delete in progress' });
  await settle('from-lt', (x) => x === undefined, 'group deleted');
  const left = await ec2.send(new DescribeInstancesCommand({ InstanceIds: g!.Instances!.map((i) => i.InstanceId!) }));
  for (const i of left.Reservations!.flatMap((r) => r.Instances!)) assert.ok(['shutting-down', 'terminated'].includes(i.State!.Name!));
});
