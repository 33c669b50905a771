// A group behind a load balancer: in-service instances are registered in its target groups, leaving ones
// deregistered and drained before EC2 terminates them, ELB health checks replace failing instances, and
// target groups / traffic sources are attached and detached.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AttachTrafficSourcesCommand,
  AutoScalingClient,
  AttachLoadBalancerTargetGroupsCommand,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeLoadBalancerTargetGroupsCommand,
  DescribeScalingActivitiesCommand,
  DescribeTrafficSourcesCommand,
  DetachLoadBalancerTargetGroupsCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, freePort, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64, REAL_PYTHON } from '../ec2/instances-helpers.js';
import { defaultNetwork } from '../elb/helpers.js';
import { amazonLinux, group, inService, settle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let elb: ElasticLoadBalancingV2Client;
let web: string;
let dead: string;
let port: number;

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  elb = new ElasticLoadBalancingV2Client(clientConfig(c));
  const ec2 = new EC2Client(clientConfig(c));
  const ami = await amazonLinux(ec2);
  const net = await defaultNetwork(ec2);
  port = await freePort();
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'front', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
  const tg = async (Name: string, Port: number) =>
    (await elb.send(new CreateTargetGroupCommand({ Name, Protocol: 'HTTP', Port, VpcId: net.vpcId, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 })))
      .TargetGroups![0]!.TargetGroupArn!;
  web = await tg('web', port);
  dead = await tg('dead', await freePort());
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: web }, { TargetGroupArn: dead }] } }] }));
  const server = `#!/bin/sh\nexec ${REAL_PYTHON} -m http.server ${port} --bind 127.0.0.1\n`;
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'web', ImageId: ami, InstanceType: 't3.micro', UserData: b64(server) }));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'sleeper', ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER }));
});
after(() => c.stop());

const targets = async (tg: string) => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];

test('in-service instances are registered and become healthy; a leaving instance drains before EC2 terminates it', async () => {
  await assert.rejects(
    asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'x', LaunchConfigurationName: 'web', MinSize: 0, MaxSize: 1, AvailabilityZones: ['us-east-1a'], TargetGroupARNs: [`${web}0`] })),
    (e: Error) => e.name === 'ValidationError' && /Target Groups may not be valid/.test(e.message),
  );
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'front', LaunchConfigurationName: 'web', MinSize: 0, MaxSize: 2, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'], TargetGroupARNs: [web] }));
  const g = await settle(c, asg, 'front', inService(1), 'one in service');
  const id = g!.Instances![0]!.InstanceId!;
  assert.deepEqual((await targets(web)).map((t) => t.Target!.Id), [id]);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const s = await asg.send(new DescribeLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'front' }));
    if (s.LoadBalancerTargetGroups![0]!.State === 'InService') break;
    assert.ok(Date.now() < deadline, `target group state ${s.LoadBalancerTargetGroups![0]!.State}`);
    await advance(c, 5);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await targets(web))[0]!.TargetHealth!.State, 'healthy');

  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'front', DesiredCapacity: 0 }));
  const leaving = (await group(asg, 'front'))!.Instances![0]!;
  assert.equal(leaving.LifecycleState, 'Terminating');
  assert.ok(!(await targets(web)).some((t) => t.TargetHealth!.State === 'healthy'), 'out of the target group');
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'front', MaxRecords: 1 }));
  assert.equal(acts.Activities![0]!.StatusCode, 'WaitingForELBConnectionDraining');
  await advance(c, 120);
  assert.equal((await group(asg, 'front'))!.Instances!.length, 1, 'still draining');
  await settle(c, asg, 'front', (x) => (x?.Instances ?? []).length === 0, 'terminated after the delay', 30);
  const done = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'front', MaxRecords: 1 }));
  assert.equal(done.Activities![0]!.StatusCode, 'Successful');
});

test('HealthCheckType ELB: an instance failing the target group health check is replaced after the grace period', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'sick', LaunchConfigurationName: 'sleeper', MinSize: 1, MaxSize: 1, AvailabilityZones: ['us-east-1b'], TargetGroupARNs: [dead], HealthCheckType: 'ELB', HealthCheckGracePeriod: 60 }),
  );
  const g = await settle(c, asg, 'sick', inService(1), 'one in service');
  const first = g!.Instances![0]!.InstanceId!;
  await settle(c, asg, 'sick', (x) => !(x?.Instances ?? []).some((i) => i.InstanceId === first && i.LifecycleState === 'InService'), 'replaced', 10);
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'sick' }));
  assert.ok(acts.Activities!.some((a) => a.Description === `Terminating EC2 instance: ${first}` && /in response to an ELB system health check failure/.test(a.Cause!)), JSON.stringify(acts.Activities!.map((a) => a.Cause)));
  await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'sick', HealthCheckType: 'EC2', MinSize: 0, DesiredCapacity: 0 }));
});

test('attach and detach target groups and traffic sources', async () => {
  await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'front', LaunchConfigurationName: 'sleeper', DesiredCapacity: 1 }));
  const g = await settle(c, asg, 'front', inService(1), 'one in service again', 10);
  const id = g!.Instances![0]!.InstanceId!;
  await asg.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'front', TargetGroupARNs: [dead] }));
  assert.ok((await targets(dead)).some((t) => t.Target!.Id === id));
  const src = await asg.send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: 'front' }));
  assert.deepEqual(src.TrafficSources!.map((s) => [s.Identifier, s.Type]).sort(), [[dead, 'elbv2'], [web, 'elbv2']].sort());
  await asg.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'front', TargetGroupARNs: [dead] }));
  assert.equal((await targets(dead)).filter((t) => t.TargetHealth!.State !== 'draining').length, 0);
  assert.deepEqual((await asg.send(new DescribeLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'front' }))).LoadBalancerTargetGroups!.map((t) => t.LoadBalancerTargetGroupARN), [web]);
  await assert.rejects(
    asg.send(new AttachTrafficSourcesCommand({ AutoScalingGroupName: 'front', TrafficSources: [{ Identifier: 'no-such-classic', Type: 'elb' }] })),
    (e: Error) => e.name === 'ValidationError' && /Load Balancers may not be valid/.test(e.message),
  );
});
