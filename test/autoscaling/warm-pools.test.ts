// Warm pools: a pool of prepared (stopped) instances beside the group, drawn on by scale out, refilled by the
// controller, fed back by ReuseOnScaleIn; lifecycle hooks on the warm transitions; DeleteWarmPool; bad input.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteWarmPoolCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScalingActivitiesCommand,
  DescribeWarmPoolCommand,
  PutWarmPoolCommand,
  SetDesiredCapacityCommand,
  StartInstanceRefreshCommand,
  type DescribeWarmPoolCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, DescribeInstancesCommand, EC2Client, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import type { AwsEvent } from '../../src/events/bus.js';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64, until } from '../ec2/instances-helpers.js';
import { amazonLinux, group as sharedGroup, inService, settle as sharedSettle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let ec2: EC2Client;
let ami: string;
const events: AwsEvent[] = [];

before(async () => {
  c = await startTestCumulus();
  c.runtime.bus.on('aws-event', (e) => void (e.source === 'aws.autoscaling' && events.push(e)));
  asg = new AutoScalingClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
  ami = await amazonLinux(ec2);
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER }));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-marked', ImageId: ami, InstanceType: 't3.micro', UserData: b64('#!/bin/sh\necho warm-pool-bootstrap-done\nexec sleep 3600\n') }));
});
after(() => c.stop());

const group = (name: string) => sharedGroup(asg, name);
const settle = (name: string, ok: Parameters<typeof sharedSettle>[3], what: string, step = 10) => sharedSettle(c, asg, name, ok, what, step);
const pool = (name: string) => asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: name }));

/** Advances the clock until the warm pool's view satisfies `ok` (bounded in real time). */
async function settlePool(name: string, ok: (p: DescribeWarmPoolCommandOutput) => boolean, what: string, step = 5): Promise<DescribeWarmPoolCommandOutput> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const p = await pool(name);
    if (ok(p)) return p;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(p)}`);
    await advance(c, step);
    await new Promise((r) => setTimeout(r, 30));
  }
}

const poolStates = (p: DescribeWarmPoolCommandOutput) => (p.Instances ?? []).map((i) => i.LifecycleState).sort().join();
const ec2States = async (ids: string[]) => {
  const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return Object.fromEntries(d.Reservations!.flatMap((r) => r.Instances!).map((i) => [i.InstanceId!, i.State!.Name!]));
};
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('expected an error');
};

test('a pool of 2 stopped instances forms; scale out takes a warm instance (same id, started) and the pool refills; ReuseOnScaleIn returns one stopped; DeleteWarmPool', async () => {
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'wp', LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 4, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a', 'us-east-1b'] }));
  await settle('wp', inService(1), 'group in service');
  await asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp', MinSize: 2, MaxGroupPreparedCapacity: 3, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } }));

  // launched through EC2 like the group's instances, then stopped: Warmed:Stopped
  const formed = await settlePool('wp', (p) => poolStates(p) === 'Warmed:Stopped,Warmed:Stopped', 'two warm stopped instances');
  assert.deepEqual(formed.WarmPoolConfiguration, { MaxGroupPreparedCapacity: 3, MinSize: 2, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } });
  const warmIds = formed.Instances!.map((i) => i.InstanceId!);
  assert.deepEqual(Object.values(await ec2States(warmIds)), ['stopped', 'stopped']);
  assert.deepEqual(new Set(formed.Instances!.map((i) => i.AvailabilityZone)), new Set(['us-east-1a', 'us-east-1b']));
  // not capacity: the group still has one instance, and shows the pool's configuration and size
  let g = await group('wp');
  assert.equal(g!.Instances!.length, 1);
  assert.equal(g!.WarmPoolSize, 2);
  assert.equal(g!.WarmPoolConfiguration!.PoolState, 'Stopped');
  const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'wp' }))).Activities!;
  for (const id of warmIds) {
    const a = acts.find((x) => x.Description === `Launching a new EC2 instance into warm pool: ${id}`);
    assert.equal(a?.StatusCode, 'Successful');
    const ev = events.find((e) => e.detailType === 'EC2 Instance Launch Successful' && e.detail.EC2InstanceId === id)!;
    assert.deepEqual([ev.detail.Origin, ev.detail.Destination], ['EC2', 'WarmPool']);
  }
  // pagination
  const page1 = await asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'wp', MaxRecords: 1 }));
  assert.equal(page1.Instances!.length, 1);
  const page2 = await asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'wp', MaxRecords: 1, NextToken: page1.NextToken }));
  assert.deepEqual([page1.Instances![0]!.InstanceId, page2.Instances![0]!.InstanceId].sort(), [...warmIds].sort());

  // scale out: a warm instance is started and put in service (same id), not a cold launch
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'wp', DesiredCapacity: 2 }));
  g = await group('wp');
  const moved = g!.Instances!.find((i) => warmIds.includes(i.InstanceId!));
  assert.ok(moved, 'a warm instance joined the group');
  assert.equal(moved.LifecycleState, 'Pending');
  g = await settle('wp', inService(2), 'warm instance in service', 5);
  assert.equal((await ec2States([moved.InstanceId!]))[moved.InstanceId!], 'running');
  const fromPool = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'wp' }))).Activities!.find((a) => a.Description === `Launching a new EC2 instance from warm pool: ${moved.InstanceId}`);
  assert.equal(fromPool?.StatusCode, 'Successful');
  assert.match(fromPool!.Cause!, /changing the desired capacity from 1 to 2/);
  const ev = events.find((e) => e.detailType === 'EC2 Instance Launch Successful' && e.detail.EC2InstanceId === moved.InstanceId && e.detail.Origin === 'WarmPool')!;
  assert.equal(ev.detail.Destination, 'AutoScalingGroup');
  // the pool refills to its MinSize of 2 with a new instance
  const refilled = await settlePool('wp', (p) => poolStates(p) === 'Warmed:Stopped,Warmed:Stopped', 'pool refilled');
  const refilledIds = refilled.Instances!.map((i) => i.InstanceId!);
  assert.ok(!refilledIds.includes(moved.InstanceId!));
  assert.equal(refilledIds.filter((id) => !warmIds.includes(id)).length, 1);

  // ReuseOnScaleIn: with room in the pool (MaxGroupPreparedCapacity now the max size, 4), scale in returns an instance stopped
  await asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp', MinSize: 0, InstanceReusePolicy: { ReuseOnScaleIn: true } }));
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'wp', DesiredCapacity: 1 }));
  const inGroup = new Set(g!.Instances!.map((i) => i.InstanceId!));
  const back = await settlePool('wp', (p) => p.Instances!.length === 3 && poolStates(p) === 'Warmed:Stopped,Warmed:Stopped,Warmed:Stopped', 'instance returned to the pool');
  const returned = back.Instances!.find((i) => inGroup.has(i.InstanceId!))!;
  assert.ok(returned, 'a group instance is back in the pool');
  assert.equal((await ec2States([returned.InstanceId!]))[returned.InstanceId!], 'stopped');
  assert.equal((await group('wp'))!.Instances!.length, 1);

  // DeleteWarmPool: PendingDelete while its instances terminate, then gone
  await asg.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'wp' }));
  const pending = await pool('wp');
  assert.equal(pending.WarmPoolConfiguration?.Status, 'PendingDelete');
  await settlePool('wp', (p) => !p.WarmPoolConfiguration && p.Instances!.length === 0, 'warm pool deleted');
  g = await group('wp');
  assert.equal(g!.WarmPoolConfiguration, undefined);
  assert.equal(g!.Instances!.length, 1);
  const gone = await ec2States(back.Instances!.map((i) => i.InstanceId!));
  assert.ok(Object.values(gone).every((s) => s === 'terminated' || s === 'shutting-down'), JSON.stringify(gone));
});

test('lifecycle hooks hold warm transitions (Warmed:Pending:Wait, then Pending:Wait on the way in); a Running pool; CLI and boto3; ForceDelete', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'wp-hook',
      LaunchConfigurationName: 'lc-marked',
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: 0,
      AvailabilityZones: ['us-east-1a'],
      LifecycleHookSpecificationList: [{ LifecycleHookName: 'init', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 300, DefaultResult: 'ABANDON' }],
    }),
  );
  const put = await awsCli(c, ['autoscaling', 'put-warm-pool', '--auto-scaling-group-name', 'wp-hook', '--pool-state', 'Running', '--min-size', '1', '--max-group-prepared-capacity', '1']);
  assert.equal(put.code, 0, put.stderr);
  const waiting = await settlePool('wp-hook', (p) => poolStates(p) === 'Warmed:Pending:Wait', 'Warmed:Pending:Wait');
  const id = waiting.Instances![0]!.InstanceId!;
  const hookEvent = events.find((e) => e.detailType === 'EC2 Instance-launch Lifecycle Action' && e.detail.EC2InstanceId === id)!;
  assert.deepEqual([hookEvent.detail.Origin, hookEvent.detail.Destination], ['EC2', 'WarmPool']);
  // the instance's user data runs while the hook holds it in the pool (AWS's advice for bootstrapping warm instances)
  await until('user data output', async () => {
    const out = Buffer.from((await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }))).Output ?? '', 'base64').toString();
    return out.includes('warm-pool-bootstrap-done') ? true : undefined;
  });
  await asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'wp-hook', LifecycleHookName: 'init', InstanceId: id, LifecycleActionResult: 'CONTINUE' }));
  await settlePool('wp-hook', (p) => poolStates(p) === 'Warmed:Running', 'Warmed:Running');
  assert.equal((await ec2States([id]))[id], 'running');

  // into the group: the launch hook holds it again, now from the warm pool
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'wp-hook', DesiredCapacity: 1 }));
  await settle('wp-hook', (g) => g?.Instances?.[0]?.InstanceId === id && g.Instances[0].LifecycleState === 'Pending:Wait', 'Pending:Wait from the pool', 5);
  const second = events.filter((e) => e.detailType === 'EC2 Instance-launch Lifecycle Action' && e.detail.EC2InstanceId === id)[1]!;
  assert.deepEqual([second.detail.Origin, second.detail.Destination], ['WarmPool', 'AutoScalingGroup']);
  await asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'wp-hook', LifecycleHookName: 'init', LifecycleActionToken: second.detail.LifecycleActionToken as string, LifecycleActionResult: 'CONTINUE' }));
  await settle('wp-hook', inService(1), 'in service', 5);
  // the pool refills to its minimum of 1: the new instance waits on the hook in the pool
  const refill = await settlePool('wp-hook', (p) => poolStates(p) === 'Warmed:Pending:Wait', 'refill waiting');
  const newId = refill.Instances![0]!.InstanceId!;

  // boto3: ForceDelete removes the pool at once and terminates its instances, lifecycle actions and all
  const py = await boto3(c, `
a = boto3.client('autoscaling', endpoint_url=endpoint)
a.delete_warm_pool(AutoScalingGroupName='wp-hook', ForceDelete=True)
p = a.describe_warm_pool(AutoScalingGroupName='wp-hook')
print(json.dumps({'config': p.get('WarmPoolConfiguration'), 'n': len(p['Instances'])}))
`);
  assert.equal(py.code, 0, py.stderr);
  assert.deepEqual(JSON.parse(py.stdout), { config: null, n: 0 });
  const s = (await ec2States([newId]))[newId];
  assert.ok(s === 'shutting-down' || s === 'terminated', s);
  assert.equal((await group('wp-hook'))!.Instances!.length, 1);
});

test('bad input is refused as AWS does; Hibernated is stopped in Cumulus (no hibernation) and shows Warmed:Hibernated', async () => {
  let e = await errorOf(asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'nope', MinSize: 1 })));
  assert.equal(e.name, 'ValidationError');
  assert.match(e.message, /AutoScalingGroup name not found/);
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'wp-bad', LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 1, DesiredCapacity: 0, AvailabilityZones: ['us-east-1a'] }));
  e = await errorOf(asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp-bad', MinSize: 2, MaxGroupPreparedCapacity: 1 })));
  assert.equal(e.name, 'ValidationError');
  assert.match(e.message, /MaxGroupPreparedCapacity/);
  e = await errorOf(asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp-bad', MaxGroupPreparedCapacity: -2 })));
  assert.equal(e.name, 'ValidationError');
  const badState = await awsCli(c, ['autoscaling', 'put-warm-pool', '--auto-scaling-group-name', 'wp-bad', '--pool-state', 'Frozen']);
  assert.notEqual(badState.code, 0);
  assert.match(badState.stderr, /ValidationError/);
  e = await errorOf(asg.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'wp-bad' })));
  assert.equal(e.name, 'ValidationError');
  e = await errorOf(asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'wp-bad', MaxRecords: 51 })));
  assert.equal(e.name, 'ValidationError');
  assert.deepEqual((await pool('wp-bad')).Instances, []);

  // groups that launch Spot Instances cannot have a warm pool
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'wp-lt', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER } }));
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'wp-mixed',
      MinSize: 0,
      MaxSize: 1,
      AvailabilityZones: ['us-east-1a'],
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'wp-lt' }, Overrides: [{ InstanceType: 't3.micro' }] } },
    }),
  );
  e = await errorOf(asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp-mixed' })));
  assert.equal(e.name, 'ValidationError');
  assert.match(e.message, /mixed instances policy/);

  // Hibernated: stopped through EC2, shown as Warmed:Hibernated
  await asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp-bad', PoolState: 'Hibernated' }));
  const p = await settlePool('wp-bad', (x) => poolStates(x) === 'Warmed:Hibernated', 'Warmed:Hibernated');
  const id = p.Instances![0]!.InstanceId!;
  assert.equal((await ec2States([id]))[id], 'stopped');
  // a group with warm instances is not deleted without ForceDelete
  const del = await awsCli(c, ['autoscaling', 'delete-auto-scaling-group', '--auto-scaling-group-name', 'wp-bad']);
  assert.notEqual(del.code, 0);
  assert.match(del.stderr, /ResourceInUse/);
  // ForceDelete takes the warm pool's instances with the group
  const forced = await awsCli(c, ['autoscaling', 'delete-auto-scaling-group', '--auto-scaling-group-name', 'wp-bad', '--force-delete']);
  assert.equal(forced.code, 0, forced.stderr);
  await settle('wp-bad', (g) => g === undefined, 'group with warm pool deleted', 5);
  const s = (await ec2States([id]))[id];
  assert.ok(s === 'shutting-down' || s === 'terminated', s);
});

test('an instance refresh replaces the warm instances too: the pool refills from the new launch template version', async () => {
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'wp-app', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER } }));
  await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: 'wp-app', SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.small' } }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'wp-ref', LaunchTemplate: { LaunchTemplateName: 'wp-app', Version: '1' }, MinSize: 0, MaxSize: 2, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'] }));
  await asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'wp-ref', MinSize: 1, MaxGroupPreparedCapacity: 2 }));
  await settle('wp-ref', inService(1), 'in service', 5);
  const before = await settlePool('wp-ref', (p) => poolStates(p) === 'Warmed:Stopped', 'warm v1');
  assert.equal(before.Instances![0]!.InstanceType, 't3.micro');
  const { InstanceRefreshId } = await asg.send(
    new StartInstanceRefreshCommand({ AutoScalingGroupName: 'wp-ref', DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'wp-app', Version: '2' } }, Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 0 } }),
  );
  const after = await settlePool('wp-ref', (p) => poolStates(p) === 'Warmed:Stopped' && p.Instances![0]!.InstanceType === 't3.small', 'warm v2', 10);
  assert.equal(after.Instances![0]!.LaunchTemplate!.Version, '2');
  await settle('wp-ref', (g) => inService(1)(g) && g!.Instances![0]!.InstanceType === 't3.small', 'group on v2', 10);
  const r = (await asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'wp-ref', InstanceRefreshIds: [InstanceRefreshId!] }))).InstanceRefreshes![0]!;
  assert.ok(r.Status === 'InProgress' || r.Status === 'Successful', r.Status);
  const old = (await ec2States([before.Instances![0]!.InstanceId!]))[before.Instances![0]!.InstanceId!];
  assert.ok(old === 'shutting-down' || old === 'terminated', old);
});
