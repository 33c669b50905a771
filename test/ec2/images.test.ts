import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyImageCommand,
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import fs from 'node:fs';
import path from 'node:path';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { engineFor } from '../../src/services/ec2/lifecycle.js';
import { advance, b64, until, waitState } from './instances-helpers.js';

const OTHER = '111122223333';

describe('ec2 images: CreateImage, RegisterImage, CopyImage, launch permissions', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let other: EC2Client;
  let ami: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    // an access key that is an account id acts as that account's root
    other = new EC2Client(clientConfig(c, { credentials: { accessKeyId: OTHER, secretAccessKey: 'test' } }));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    ami = images.find((i) => i.Name!.includes('al2023') && i.Architecture === 'x86_64')!.ImageId!;
  });
  after(() => c.stop());

  const rootFile = (id: string, file: string) => {
    const handle = engineFor(c.runtime).handleOf(id)!;
    return path.join(handle.rootDir, file);
  };

  test("an image of an instance carries its root's files to new instances", async () => {
    const src = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64('#!/bin/sh\necho baked > $CUMULUS_ROOT/baked.txt\n') }))).Instances![0]!.InstanceId!;
    await waitState(ec2, src, 'running');
    // the shell creates the file before it writes to it: wait for its content, not for it to exist
    const baked = () => {
      try {
        return fs.readFileSync(rootFile(src, 'baked.txt'), 'utf8') === 'baked\n' ? true : undefined;
      } catch {
        return undefined;
      }
    };
    await until('user data ran', async () => baked());
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: src, Name: 'baked-1', Description: 'with a file', NoReboot: true, TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'k', Value: 'v' }] }] }));
    assert.match(ImageId!, /^ami-[0-9a-f]{17}$/);
    // written after the image: not in it
    fs.writeFileSync(rootFile(src, 'later.txt'), 'later');
    const pending = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
    assert.equal(pending.State, 'pending');
    assert.equal(pending.OwnerId, '000000000000');
    assert.equal(pending.SourceInstanceId, src);
    assert.deepEqual(pending.Tags, [{ Key: 'k', Value: 'v' }]);
    await awsError(ec2.send(new RunInstancesCommand({ ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.Unavailable', 400, `AMI '${ImageId}' is pending, and cannot be run`);
    await awsError(ec2.send(new CreateImageCommand({ InstanceId: src, Name: 'baked-1' })), 'InvalidAMIName.Duplicate', 400, `AMI name baked-1 is already in use by AMI ${ImageId}`);
    await advance(c, 5);
    const mine = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    assert.deepEqual(mine.Images!.map((i) => [i.ImageId, i.State]), [[ImageId, 'available']]);
    const snapshotId = mine.Images![0]!.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    await awsError(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })), 'InvalidSnapshot.InUse', 400);

    // the user data does not run again on the new instance (the semaphore came with the image), the file is there
    const copy = (await ec2.send(new RunInstancesCommand({ ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!;
    await waitState(ec2, copy, 'running');
    assert.equal(fs.readFileSync(rootFile(copy, 'baked.txt'), 'utf8'), 'baked\n');
    assert.equal(fs.existsSync(rootFile(copy, 'later.txt')), false);

    // RegisterImage from the snapshot; CopyImage to another region
    const reg = await ec2.send(new RegisterImageCommand({ Name: 'registered', RootDeviceName: '/dev/xvda', Architecture: 'x86_64', VirtualizationType: 'hvm', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }] }));
    assert.match(reg.ImageId!, /^ami-/);
    const west = new EC2Client(clientConfig(c, { region: 'us-west-2' }));
    const copied = await west.send(new CopyImageCommand({ SourceImageId: ImageId, SourceRegion: 'us-east-1', Name: 'baked-west' }));
    await advance(c, 5);
    const westImage = (await west.send(new DescribeImagesCommand({ ImageIds: [copied.ImageId!] }))).Images![0]!;
    assert.equal(westImage.State, 'available');
    assert.equal(westImage.Name, 'baked-west');
    await awsError(west.send(new CopyImageCommand({ SourceImageId: 'ami-0123456789abcdef0', SourceRegion: 'us-east-1', Name: 'x-x' })), 'InvalidAMIID.NotFound', 400);

    const gone = await ec2.send(new DeregisterImageCommand({ ImageId: reg.ImageId }));
    assert.equal(gone.Return, true);
    await awsError(ec2.send(new DescribeImagesCommand({ ImageIds: [reg.ImageId!] })), 'InvalidAMIID.NotFound', 400);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [src, copy] }));
  });

  test('launch permissions: private to the owner, shared with an account, public', async () => {
    const src = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!;
    await waitState(ec2, src, 'running');
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: src, Name: 'shared-1' }));
    await advance(c, 5);
    await awsError(other.send(new DescribeImagesCommand({ ImageIds: [ImageId!] })), 'InvalidAMIID.NotFound', 400);
    await awsError(other.send(new RunInstancesCommand({ ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.NotFound', 400);

    await ec2.send(new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ UserId: OTHER }] } }));
    const perms = await ec2.send(new DescribeImageAttributeCommand({ ImageId, Attribute: 'launchPermission' }));
    assert.deepEqual(perms.LaunchPermissions, [{ UserId: OTHER }]);
    const seen = await other.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    assert.ok(seen.Images!.some((i) => i.ImageId === ImageId));
    const launched = (await other.send(new RunInstancesCommand({ ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }))).Instances![0]!;
    assert.equal(launched.ImageId, ImageId);
    await awsError(other.send(new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ Group: 'all' }] } })), 'AuthFailure', 400);

    await ec2.send(new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ Group: 'all' }], Remove: [{ UserId: OTHER }] }, Description: { Value: 'now public' } }));
    const cli = await awsCli(c, ['ec2', 'describe-image-attribute', '--image-id', ImageId!, '--attribute', 'description']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).Description.Value, 'now public');
    const pub = await other.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }));
    assert.equal(pub.Images![0]!.Public, true);
    await other.send(new TerminateInstancesCommand({ InstanceIds: [launched.InstanceId!] }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [src] }));
  });
});
