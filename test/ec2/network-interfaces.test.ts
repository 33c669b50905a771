// Elastic network interfaces: create in a subnet, describe with filters, attach/detach, attributes,
// secondary addresses, delete refused while in use.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DescribeImagesCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { describe1, waitState } from './instances-helpers.js';

describe('ec2 network interfaces', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'] }))).Images!;
    ami = images.find((i) => i.Architecture === 'x86_64')!.ImageId!;
  });
  after(() => c.stop());

  test('create, describe, attach, modify, secondary addresses, detach, delete', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.7.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'eni', Description: 'eni', VpcId: vpc }))).GroupId!;
    const created = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, PrivateIpAddress: '10.7.1.50', Description: 'extra', SecondaryPrivateIpAddressCount: 1, TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'role', Value: 'data' }] }] }))).NetworkInterface!;
    const eni = created.NetworkInterfaceId!;
    assert.equal(created.PrivateIpAddress, '10.7.1.50');
    assert.equal(created.PrivateIpAddresses!.length, 2);
    assert.equal(created.Status, 'available');
    assert.equal(created.AvailabilityZone, 'us-east-1a');
    assert.equal(created.Groups!.length, 1); // the VPC's default group
    await awsError(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, PrivateIpAddress: '10.7.1.50' })), 'InvalidIPAddress.InUse', 400);

    const byTag = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag:role', Values: ['data'] }] }));
    assert.deepEqual(byTag.NetworkInterfaces!.map((n) => n.NetworkInterfaceId), [eni]);
    const cli = JSON.parse((await awsCli(c, ['ec2', 'describe-network-interfaces', '--filters', `Name=subnet-id,Values=${subnet}`, 'Name=status,Values=available'])).stdout);
    assert.deepEqual(cli.NetworkInterfaces.map((n: { NetworkInterfaceId: string }) => n.NetworkInterfaceId), [eni]);

    const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: subnet }))).Instances![0]!.InstanceId!;
    await waitState(ec2, id, 'running');
    await awsError(ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni, InstanceId: id, DeviceIndex: 0 })), 'InvalidParameterValue', 400);
    const { AttachmentId } = await ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni, InstanceId: id, DeviceIndex: 1 }));
    assert.match(AttachmentId!, /^eni-attach-/);
    const inst = await describe1(ec2, id);
    assert.deepEqual(inst.NetworkInterfaces!.map((n) => n.Attachment!.DeviceIndex), [0, 1]);
    assert.equal(inst.NetworkInterfaces![1]!.NetworkInterfaceId, eni);
    await awsError(ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni })), 'InvalidNetworkInterface.InUse', 400);
    const attached = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [id] }] }));
    assert.equal(attached.NetworkInterfaces!.length, 2); // the primary one is listed too

    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [sg] }));
    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, SourceDestCheck: { Value: false } }));
    const assigned = await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, PrivateIpAddresses: ['10.7.1.60'] }));
    assert.deepEqual(assigned.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress), ['10.7.1.60']);
    let now = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }))).NetworkInterfaces![0]!;
    assert.deepEqual(now.Groups!.map((g) => g.GroupId), [sg]);
    assert.equal(now.SourceDestCheck, false);
    assert.equal(now.PrivateIpAddresses!.length, 3);
    await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, PrivateIpAddresses: ['10.7.1.60'] }));
    await awsError(ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, PrivateIpAddresses: ['10.7.1.60'] })), 'InvalidParameterValue', 400);
    // the instance's primary interface takes secondary addresses too
    const primary = inst.NetworkInterfaces![0]!.NetworkInterfaceId!;
    await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: primary, SecondaryPrivateIpAddressCount: 1 }));
    assert.equal((await describe1(ec2, id)).NetworkInterfaces![0]!.PrivateIpAddresses!.length, 2);
    await awsError(ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: inst.NetworkInterfaces![0]!.Attachment!.AttachmentId! })), 'OperationNotPermitted', 400);

    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    now = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }))).NetworkInterfaces![0]!;
    assert.equal(now.Status, 'available');
    assert.equal((await describe1(ec2, id)).NetworkInterfaces!.length, 1);
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni }));
    await awsError(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] })), 'InvalidNetworkInterfaceID.NotFound', 400);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'terminated');
  });
});
