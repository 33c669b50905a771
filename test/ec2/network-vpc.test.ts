import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRegionsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
} from '@aws-sdk/client-ec2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';

describe('ec2 networking: zones, VPCs, subnets', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  before(async () => {
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
  });
  after(() => c.stop());

  test('zones, regions and account attributes', async () => {
    const az = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(
      az.AvailabilityZones!.map((z) => z.ZoneName),
      ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
    );
    assert.equal(az.AvailabilityZones![0]!.ZoneId, 'use1-az1');
    assert.equal(az.AvailabilityZones![0]!.State, 'available');
    const west = await new EC2Client(clientConfig(c, { region: 'eu-west-1' })).send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-name', Values: ['*b'] }] }));
    assert.deepEqual(west.AvailabilityZones!.map((z) => [z.ZoneName, z.ZoneId]), [['eu-west-1b', 'euw1-az2']]);

    const regions = await ec2.send(new DescribeRegionsCommand({}));
    const names = regions.Regions!.map((r) => r.RegionName);
    assert.ok(names.includes('us-east-1') && names.includes('eu-central-1') && names.includes('ap-southeast-2'));
    assert.equal(regions.Regions!.find((r) => r.RegionName === 'eu-west-1')!.Endpoint, 'ec2.eu-west-1.amazonaws.com');
    const notRequired = await ec2.send(new DescribeRegionsCommand({ Filters: [{ Name: 'region-name', Values: ['us-*'] }, { Name: 'opt-in-status', Values: ['opt-in-not-required'] }] }));
    assert.deepEqual(notRequired.Regions!.map((r) => r.RegionName).sort(), ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']);

    const attrs = await ec2.send(new DescribeAccountAttributesCommand({ AttributeNames: ['supported-platforms', 'default-vpc'] }));
    const byName = Object.fromEntries(attrs.AccountAttributes!.map((a) => [a.AttributeName, a.AttributeValues![0]!.AttributeValue]));
    assert.equal(byName['supported-platforms'], 'VPC');
    assert.match(byName['default-vpc']!, /^vpc-[0-9a-f]{17}$/);
  });

  test('the default VPC and its default subnets exist on first use', async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    assert.equal(vpcs.Vpcs!.length, 1);
    const vpc = vpcs.Vpcs![0]!;
    assert.equal(vpc.CidrBlock, '172.31.0.0/16');
    assert.equal(vpc.IsDefault, true);
    assert.equal(vpc.State, 'available');
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }, { Name: 'default-for-az', Values: ['true'] }] }));
    assert.equal(subnets.Subnets!.length, 6);
    const a = subnets.Subnets!.find((s) => s.AvailabilityZone === 'us-east-1a')!;
    assert.equal(a.CidrBlock, '172.31.0.0/20');
    assert.equal(a.MapPublicIpOnLaunch, true);
    assert.equal(a.AvailableIpAddressCount, 4091);
    assert.equal(subnets.Subnets!.find((s) => s.AvailabilityZone === 'us-east-1b')!.CidrBlock, '172.31.16.0/20');
  });

  test('create, describe and delete a VPC with subnets', async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'main' }] }] }));
    assert.match(Vpc!.VpcId!, /^vpc-[0-9a-f]{17}$/);
    assert.equal(Vpc!.IsDefault, false);
    assert.deepEqual(Vpc!.Tags, [{ Key: 'Name', Value: 'main' }]);
    const byTag = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['ma*'] }] }));
    assert.deepEqual(byTag.Vpcs!.map((v) => v.VpcId), [Vpc!.VpcId]);

    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1b' }));
    assert.equal(Subnet!.AvailabilityZone, 'us-east-1b');
    assert.equal(Subnet!.AvailableIpAddressCount, 251);
    assert.equal(Subnet!.MapPublicIpOnLaunch, false);
    await awsError(ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.0.1.128/25' })), 'InvalidSubnet.Conflict', 400, "The CIDR '10.0.1.128/25' conflicts with another subnet");
    await awsError(ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.1.0.0/24' })), 'InvalidSubnet.Range', 400, "The CIDR '10.1.0.0/24' is invalid.");
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: Subnet!.SubnetId!, MapPublicIpOnLaunch: { Value: true } }));
    const mapped = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [Subnet!.SubnetId!] }));
    assert.equal(mapped.Subnets![0]!.MapPublicIpOnLaunch, true);

    await awsError(ec2.send(new DeleteVpcCommand({ VpcId: Vpc!.VpcId! })), 'DependencyViolation', 400, `The vpc '${Vpc!.VpcId}' has dependencies and cannot be deleted.`);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: Subnet!.SubnetId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: Vpc!.VpcId! }));
    await awsError(ec2.send(new DescribeVpcsCommand({ VpcIds: [Vpc!.VpcId!] })), 'InvalidVpcID.NotFound', 400, `The vpc ID '${Vpc!.VpcId}' does not exist`);
  });

  test('bad input gets AWS errors', async () => {
    await awsError(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })), 'InvalidVpc.Range', 400, "The CIDR '10.0.0.0/8' is invalid.");
    await awsError(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0/16' })), 'InvalidParameterValue', 400);
    await awsError(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-zz'] })), 'InvalidVpcID.Malformed', 400);
    await awsError(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })), 'InvalidSubnetID.NotFound', 400);
    await awsError(ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })), 'InvalidParameterValue', 400, "The filter 'no-such-filter' is invalid");
  });

  test('DryRun answers DryRunOperation and changes nothing', async () => {
    const before = await ec2.send(new DescribeVpcsCommand({}));
    await awsError(ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16', DryRun: true })), 'DryRunOperation', 412, 'Request would have succeeded, but DryRun flag is set.');
    const afterDry = await ec2.send(new DescribeVpcsCommand({}));
    assert.equal(afterDry.Vpcs!.length, before.Vpcs!.length);
  });
});
