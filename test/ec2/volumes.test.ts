import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AttachVolumeCommand,
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  DetachVolumeCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { advance, b64, describe1, until, waitState } from './instances-helpers.js';

describe('ec2 EBS volumes and snapshots', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    ami = images.find((i) => i.Name!.includes('al2023') && i.Architecture === 'x86_64')!.ImageId!;
  });
  after(() => c.stop());

  const zone = () => 'us-east-1a';
  const create = async (extra: Record<string, unknown> = {}) =>
    (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: zone(), Size: 8, ...extra }))).VolumeId!;
  const vol1 = async (id: string) => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;

  test('create, describe with filters and pages, delete; errors', async () => {
    const created = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: 'us-east-1a',
        Size: 20,
        VolumeType: 'gp3',
        TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'data' }] }],
      }),
    );
    assert.equal(created.State, 'creating');
    assert.equal(created.Iops, 3000);
    assert.equal(created.Throughput, 125);
    const a = created.VolumeId!;
    assert.match(a, /^vol-[0-9a-f]{17}$/);
    const b = await create({ VolumeType: 'io1', Iops: 500, AvailabilityZone: 'us-east-1b' });
    const v = await vol1(a);
    assert.equal(v.State, 'available');
    assert.equal(v.Size, 20);
    assert.deepEqual(v.Tags, [{ Key: 'Name', Value: 'data' }]);

    const ids = async (filters: { Name: string; Values: string[] }[]) =>
      ((await ec2.send(new DescribeVolumesCommand({ Filters: filters }))).Volumes ?? []).map((x) => x.VolumeId).sort();
    assert.deepEqual(await ids([{ Name: 'tag:Name', Values: ['data'] }]), [a]);
    assert.deepEqual(await ids([{ Name: 'volume-type', Values: ['io1'] }]), [b]);
    assert.deepEqual(await ids([{ Name: 'availability-zone', Values: ['us-east-1b'] }, { Name: 'status', Values: ['available'] }]), [b]);
    assert.deepEqual(await ids([{ Name: 'size', Values: ['20'] }]), [a]);
    assert.deepEqual(await ids([{ Name: 'volume-id', Values: [a, b] }]), [a, b].sort());

    const p1 = await ec2.send(new DescribeVolumesCommand({ MaxResults: 5, Filters: [{ Name: 'volume-id', Values: [a, b] }] }));
    assert.equal(p1.Volumes!.length, 2);
    const first = await ec2.send(new DescribeVolumesCommand({ MaxResults: 1, Filters: [{ Name: 'volume-id', Values: [a, b] }] }));
    assert.equal(first.Volumes!.length, 1);
    const second = await ec2.send(new DescribeVolumesCommand({ MaxResults: 1, NextToken: first.NextToken, Filters: [{ Name: 'volume-id', Values: [a, b] }] }));
    assert.notEqual(second.Volumes![0]!.VolumeId, first.Volumes![0]!.VolumeId);

    await awsError(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-xyz'] })), 'InvalidVolumeID.Malformed', 400, /Invalid id: "vol-xyz"/);
    await awsError(ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef0'] })), 'InvalidVolume.NotFound', 400, "The volume 'vol-0123456789abcdef0' does not exist.");
    await awsError(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, VolumeType: 'io1' })), 'MissingParameter');
    await awsError(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, VolumeType: 'gp2', Iops: 100 })), 'InvalidParameterCombination');
    await awsError(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 0 })), 'InvalidParameterValue');
    await awsError(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, DryRun: true })), 'DryRunOperation', 412);

    await ec2.send(new DeleteVolumeCommand({ VolumeId: b }));
    await awsError(ec2.send(new DeleteVolumeCommand({ VolumeId: b })), 'InvalidVolume.NotFound');

    // ModifyVolume: size only grows; type and IOPS change
    const m = await ec2.send(new ModifyVolumeCommand({ VolumeId: a, Size: 30, Iops: 4000 }));
    assert.equal(m.VolumeModification!.OriginalSize, 20);
    assert.equal(m.VolumeModification!.TargetSize, 30);
    assert.equal(m.VolumeModification!.TargetIops, 4000);
    assert.equal(m.VolumeModification!.ModificationState, 'modifying');
    assert.equal((await vol1(a)).Size, 30);
    await awsError(ec2.send(new ModifyVolumeCommand({ VolumeId: a, Size: 40 })), 'IncorrectModificationState');
    await advance(c, 10);
    const mods = await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [a] }));
    assert.equal(mods.VolumesModifications![0]!.ModificationState, 'completed');
    assert.equal(mods.VolumesModifications![0]!.Progress, 100);
    await awsError(ec2.send(new ModifyVolumeCommand({ VolumeId: a, Size: 10 })), 'InvalidParameterValue', 400, 'New size cannot be smaller than existing size');
    await ec2.send(new DeleteVolumeCommand({ VolumeId: a }));
  });

  test('attach exposes a real directory inside the instance; detach, re-attach, snapshot, volume from snapshot', async () => {
    // the boot script waits for the volume to appear at /mnt/sdf (inside the instance's root) and writes to it
    const script = [
      '#!/bin/sh',
      'echo "ROOT=$CUMULUS_ROOT"',
      'i=0; while [ ! -d "$CUMULUS_ROOT/mnt/sdf" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done',
      'echo "written by the instance" > "$CUMULUS_ROOT/mnt/sdf/hello.txt"',
      'echo volume written',
    ].join('\n');
    const run = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 2, MaxCount: 2, UserData: b64(script), Placement: { AvailabilityZone: 'us-east-1a' } }));
    const [i1, i2] = run.Instances!.map((i) => i.InstanceId!) as [string, string];
    await waitState(ec2, i1, 'running');
    await waitState(ec2, i2, 'running');
    const consoleOf = async (id: string) => Buffer.from((await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }))).Output ?? '', 'base64').toString();
    const root1 = (await until('root reported', async () => /ROOT=(\S+)/.exec(await consoleOf(i1))?.[1]))!;
    const root2 = (await until('root reported', async () => /ROOT=(\S+)/.exec(await consoleOf(i2))?.[1]))!;
    const volumesDir = path.dirname(root1);

    // root volumes are volumes too
    const inst1 = await describe1(ec2, i1);
    const rootVol = inst1.BlockDeviceMappings![0]!.Ebs!.VolumeId!;
    assert.equal(path.basename(root1), rootVol);
    const rv = await vol1(rootVol);
    assert.equal(rv.State, 'in-use');
    assert.equal(rv.Attachments![0]!.InstanceId, i1);
    assert.equal(rv.Attachments![0]!.DeleteOnTermination, true);

    const vol = await create({ TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'k', Value: 'v' }] }] });
    const other = await create({ AvailabilityZone: 'us-east-1b' });
    await awsError(ec2.send(new AttachVolumeCommand({ VolumeId: other, InstanceId: i1, Device: '/dev/sdf' })), 'InvalidVolume.ZoneMismatch');
    await awsError(
      ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: i1, Device: inst1.RootDeviceName! })),
      'InvalidParameterValue',
      400,
      `Invalid value '${inst1.RootDeviceName}' for unixDevice. Attachment point ${inst1.RootDeviceName} is already in use`,
    );
    const att = await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: i1, Device: '/dev/sdf' }));
    assert.equal(att.State, 'attaching');
    await awsError(ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: i2, Device: '/dev/sdf' })), 'VolumeInUse');
    await awsError(ec2.send(new DeleteVolumeCommand({ VolumeId: vol })), 'VolumeInUse', 400, `Volume ${vol} is currently attached to ${i1}`);
    await awsError(ec2.send(new DetachVolumeCommand({ VolumeId: rootVol })), 'OperationNotPermitted');
    const v = await vol1(vol);
    assert.equal(v.State, 'in-use');
    assert.deepEqual([v.Attachments![0]!.InstanceId, v.Attachments![0]!.Device, v.Attachments![0]!.State], [i1, '/dev/sdf', 'attached']);
    const attachedIds = ((await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [i1] }] }))).Volumes ?? []).map((x) => x.VolumeId).sort();
    assert.deepEqual(attachedIds, [rootVol, vol].sort());

    // the instance's boot script wrote into the volume; the data is the volume's own directory
    await until('instance wrote to /mnt/sdf', async () => ((await consoleOf(i1)).includes('volume written') ? true : undefined));
    assert.equal(fs.readFileSync(path.join(root1, 'mnt/sdf/hello.txt'), 'utf8'), 'written by the instance\n');
    assert.equal(fs.readFileSync(path.join(volumesDir, vol, 'hello.txt'), 'utf8'), 'written by the instance\n');

    // detach: gone from the instance, data kept; re-attach to the other instance at another device
    const det = await ec2.send(new DetachVolumeCommand({ VolumeId: vol }));
    assert.equal(det.State, 'detaching');
    assert.equal((await vol1(vol)).State, 'available');
    assert.equal(fs.existsSync(path.join(root1, 'mnt/sdf')), false);
    await awsError(ec2.send(new DetachVolumeCommand({ VolumeId: vol })), 'IncorrectState');
    await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: i2, Device: '/dev/sdg' }));
    assert.equal(fs.readFileSync(path.join(root2, 'mnt/sdg/hello.txt'), 'utf8'), 'written by the instance\n');
    fs.appendFileSync(path.join(root2, 'mnt/sdg/hello.txt'), 'and by the second\n');

    // snapshot → pending, then completed on the clock; a volume from it has the files
    const snap = await ec2.send(
      new CreateSnapshotCommand({ VolumeId: vol, Description: 'mine', TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 's', Value: '1' }] }] }),
    );
    assert.equal(snap.State, 'pending');
    assert.equal(snap.VolumeSize, 8);
    fs.writeFileSync(path.join(root2, 'mnt/sdg/later.txt'), 'after the snapshot');
    await advance(c, 5);
    const ds = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], SnapshotIds: [snap.SnapshotId!] }));
    assert.equal(ds.Snapshots![0]!.State, 'completed');
    assert.equal(ds.Snapshots![0]!.Progress, '100%');
    assert.deepEqual(ds.Snapshots![0]!.Tags, [{ Key: 's', Value: '1' }]);
    const byFilter = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: [vol] }, { Name: 'description', Values: ['mi*'] }] }));
    assert.deepEqual(byFilter.Snapshots!.map((s) => s.SnapshotId), [snap.SnapshotId]);
    assert.equal((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['amazon'] }))).Snapshots!.length, 0);

    await awsError(ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: snap.SnapshotId, Size: 4 })), 'InvalidParameterValue', 400, /smaller than snapshot/);
    const restored = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', SnapshotId: snap.SnapshotId }))).VolumeId!;
    const rvol = await vol1(restored);
    assert.equal(rvol.SnapshotId, snap.SnapshotId);
    assert.equal(rvol.Size, 8);
    assert.equal(fs.readFileSync(path.join(volumesDir, restored, 'hello.txt'), 'utf8'), 'written by the instance\nand by the second\n');
    assert.equal(fs.existsSync(path.join(volumesDir, restored, 'later.txt')), false);

    // a snapshot of a root volume holds the instance's files
    const rootSnap = await ec2.send(new CreateSnapshotCommand({ VolumeId: rootVol }));
    const fromRoot = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: rootSnap.SnapshotId }))).VolumeId!;
    assert.deepEqual(fs.readdirSync(path.join(volumesDir, fromRoot)).sort(), fs.readdirSync(root1).sort());

    // copy and delete snapshots
    const copy = await ec2.send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: snap.SnapshotId!, Description: 'copy' }));
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snap.SnapshotId! }));
    await awsError(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap.SnapshotId!] })), 'InvalidSnapshot.NotFound');
    await awsError(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-1'] })), 'InvalidSnapshotID.Malformed');
    const fromCopy = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: copy.SnapshotId }))).VolumeId!;
    assert.equal(fs.readFileSync(path.join(volumesDir, fromCopy, 'hello.txt'), 'utf8'), 'written by the instance\nand by the second\n');

    // terminating an instance detaches its (DeleteOnTermination=false) volumes; the data stays
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [i2] }));
    await waitState(ec2, i2, 'terminated');
    assert.equal((await vol1(vol)).State, 'available');
    assert.ok(fs.existsSync(path.join(volumesDir, vol, 'later.txt')));
    await awsError(ec2.send(new DescribeVolumesCommand({ VolumeIds: [path.basename(root2)] })), 'InvalidVolume.NotFound');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [i1] }));
  });

  test('AWS CLI: create-volume, describe-volumes, delete-volume', async () => {
    const created = await awsCli(c, ['ec2', 'create-volume', '--availability-zone', 'us-east-1c', '--size', '5', '--volume-type', 'gp2', '--tag-specifications', 'ResourceType=volume,Tags=[{Key=cli,Value=yes}]']);
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).VolumeId as string;
    const d = await awsCli(c, ['ec2', 'describe-volumes', '--filters', 'Name=tag:cli,Values=yes', '--query', 'Volumes[].[VolumeId,State,Size,Iops]']);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(JSON.parse(d.stdout), [[id, 'available', 5, 100]]);
    const del = await awsCli(c, ['ec2', 'delete-volume', '--volume-id', id]);
    assert.equal(del.code, 0, del.stderr);
    const gone = await awsCli(c, ['ec2', 'describe-volumes', '--volume-ids', id]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /InvalidVolume\.NotFound/);
  });
});
