// Instance refresh: batches that keep MinHealthyPercentage, warm-up, checkpoints, skip matching, cancel and
// rollback, and AWS's errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  CreateAutoScalingGroupCommand,
  DescribeInstanceRefreshesCommand,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';
import { amazonLinux, group, inService, settle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  const ec2 = new EC2Client(clientConfig(c));
  const ami = await amazonLinux(ec2);
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'app', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER } }));
  await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: 'app', SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.small' } }));
  await asg.send(
    new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', LaunchTemplate: { LaunchTemplateName: 'app', Version: '1' }, MinSize: 4, MaxSize: 6, AvailabilityZones: ['us-east-1a', 'us-east-1b'] }),
  );
  await settle(c, asg, 'web', inService(4), '4 in service');
});
after(() => c.stop());

const refresh = async (id: string): Promise<InstanceRefresh> =>
  (await asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web', InstanceRefreshIds: [id] }))).InstanceRefreshes![0]!;

async function until(id: string, ok: (r: InstanceRefresh) => boolean, what: string, step = 10): Promise<InstanceRefresh> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await refresh(id);
    if (ok(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(r)}`);
    await advance(c, step);
    await new Promise((res) => setTimeout(res, 30));
  }
}

const versions = async () => ((await group(asg, 'web'))!.Instances ?? []).map((i) => `${i.InstanceType}@${i.LaunchTemplate?.Version}`).sort();

test('a refresh to a new template version replaces every instance in halves, pausing at a checkpoint', async () => {
  const { InstanceRefreshId: id } = await asg.send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: 'web',
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'app', Version: '2' } },
      Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 30, CheckpointPercentages: [50, 100], CheckpointDelay: 600 },
    }),
  );
  const first = await refresh(id!);
  assert.equal(first.Status, 'Pending');
  assert.equal(first.InstancesToUpdate, 4);
  assert.equal(first.Preferences!.MinHealthyPercentage, 50);
  await assert.rejects(asg.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web' })), (e: Error) => e.name === 'InstanceRefreshInProgressFault');

  const paused = await until(id!, (r) => r.PercentageComplete === 50, 'the 50% checkpoint');
  assert.equal(paused.Status, 'InProgress');
  assert.match(paused.StatusReason!, /checkpoint/i);
  assert.deepEqual(await versions(), ['t3.micro@1', 't3.micro@1', 't3.small@2', 't3.small@2']);
  await advance(c, 300);
  assert.equal((await refresh(id!)).PercentageComplete, 50, 'still waiting at the checkpoint');
  const done = await until(id!, (r) => r.Status === 'Successful', 'success', 30);
  assert.equal(done.PercentageComplete, 100);
  assert.equal(done.InstancesToUpdate, 0);
  assert.ok(done.EndTime);
  assert.deepEqual(await versions(), ['t3.small@2', 't3.small@2', 't3.small@2', 't3.small@2']);
  assert.equal((await group(asg, 'web'))!.LaunchTemplate!.Version, '2');

  // skip matching: nothing to replace
  const cli = await awsCli(c, ['autoscaling', 'start-instance-refresh', '--auto-scaling-group-name', 'web', '--preferences', '{"SkipMatching":true}']);
  assert.equal(cli.code, 0, cli.stderr);
  const skip = JSON.parse(cli.stdout).InstanceRefreshId;
  const r = await until(skip, (x) => x.Status === 'Successful', 'nothing to do');
  assert.equal(r.PercentageComplete, 100);
  const listed = await awsCli(c, ['autoscaling', 'describe-instance-refreshes', '--auto-scaling-group-name', 'web']);
  assert.deepEqual(JSON.parse(listed.stdout).InstanceRefreshes.map((x: InstanceRefresh) => x.InstanceRefreshId), [skip, id]);
});

test('cancel stops after the batch in flight and keeps the configuration; rollback returns the replaced instances', async () => {
  await assert.rejects(asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web' })), (e: Error) => e.name === 'ActiveInstanceRefreshNotFoundFault');
  const { InstanceRefreshId: id } = await asg.send(
    new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web', DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'app', Version: '1' } }, Preferences: { MinHealthyPercentage: 75 } }),
  );
  await until(id!, (r) => r.Status === 'InProgress', 'in progress', 5);
  await asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));
  assert.equal((await refresh(id!)).Status, 'Cancelling');
  const cancelled = await until(id!, (r) => r.Status === 'Cancelled', 'cancelled');
  assert.ok(cancelled.PercentageComplete! < 100);
  assert.equal((await group(asg, 'web'))!.LaunchTemplate!.Version, '2');
  await settle(c, asg, 'web', inService(4), 'whole again');
  const before = new Set(((await group(asg, 'web'))!.Instances ?? []).map((i) => i.InstanceId));

  const { InstanceRefreshId: rid } = await asg.send(
    new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web', DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'app', Version: '1' } }, Preferences: { MinHealthyPercentage: 50, SkipMatching: true } }),
  );
  await until(rid!, (r) => r.PercentageComplete! >= 50, 'half way', 10);
  await asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));
  const rolling = await refresh(rid!);
  assert.equal(rolling.Status, 'RollbackInProgress');
  assert.equal(rolling.RollbackDetails!.RollbackReason, 'Rollback requested by user.');
  await until(rid!, (r) => r.Status === 'RollbackSuccessful', 'rolled back', 10);
  await settle(c, asg, 'web', inService(4), 'whole after rollback');
  // what the rolled-back refresh launched is back on version 2
  const now = (await group(asg, 'web'))!.Instances!;
  assert.ok(now.every((i) => i.LaunchTemplate!.Version === '2' || before.has(i.InstanceId)), JSON.stringify(now));
  assert.ok(now.filter((i) => !before.has(i.InstanceId)).length >= 2, 'the refresh replaced instances that were rolled back');
  assert.equal((await group(asg, 'web'))!.LaunchTemplate!.Version, '2');
  await assert.rejects(asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' })), (e: Error) => e.name === 'ActiveInstanceRefreshNotFoundFault');
});
