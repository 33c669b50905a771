import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';

describe('ec2 networking: gateways, routes, CLI and boto3', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  before(async () => {
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
  });
  after(() => c.stop());

  test('internet gateway and route table flow', async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.3.0.0/24' }))).Subnet!.SubnetId!;
    const igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    const igws = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }));
    assert.deepEqual(igws.InternetGateways!.map((g) => g.InternetGatewayId), [igwId]);
    await awsError(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId })), 'DependencyViolation', 400);

    const main = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }] }));
    assert.equal(main.RouteTables!.length, 1);
    assert.deepEqual(main.RouteTables![0]!.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId]), [['10.3.0.0/16', 'local']]);

    const rtbId = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtbId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId }));
    await awsError(ec2.send(new CreateRouteCommand({ RouteTableId: rtbId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId })), 'RouteAlreadyExists', 400, 'The route identified by 0.0.0.0/0 already exists.');
    const { AssociationId } = await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rtbId, SubnetId: subnetId }));
    const bySubnet = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }));
    assert.deepEqual(bySubnet.RouteTables!.map((r) => r.RouteTableId), [rtbId]);
    assert.deepEqual(bySubnet.RouteTables![0]!.Routes!.map((r) => r.GatewayId), ['local', igwId]);
    await awsError(ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtbId })), 'DependencyViolation', 400);
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: AssociationId! }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtbId }));

    await awsError(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', 400);
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId }));
    await awsError(ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igwId] })), 'InvalidInternetGatewayID.NotFound', 400);
  });

  test('AWS CLI: default VPC, a VPC, a subnet and a security group rule', async () => {
    const vpcs = await awsCli(c, ['ec2', 'describe-vpcs', '--filters', 'Name=isDefault,Values=true']);
    // isDefault is not a filter name AWS knows: the CLI reports the error
    assert.notEqual(vpcs.code, 0);
    assert.match(vpcs.stderr, /InvalidParameterValue/);
    const def = await awsCli(c, ['ec2', 'describe-vpcs', '--filters', 'Name=is-default,Values=true']);
    assert.equal(def.code, 0, def.stderr);
    assert.equal(JSON.parse(def.stdout).Vpcs[0].CidrBlock, '172.31.0.0/16');
    const vpc = await awsCli(c, ['ec2', 'create-vpc', '--cidr-block', '10.4.0.0/16']);
    assert.equal(vpc.code, 0, vpc.stderr);
    const vpcId = JSON.parse(vpc.stdout).Vpc.VpcId as string;
    const sg = await awsCli(c, ['ec2', 'create-security-group', '--group-name', 'cli', '--description', 'from the cli', '--vpc-id', vpcId]);
    assert.equal(sg.code, 0, sg.stderr);
    const groupId = JSON.parse(sg.stdout).GroupId as string;
    const rule = await awsCli(c, ['ec2', 'authorize-security-group-ingress', '--group-id', groupId, '--protocol', 'tcp', '--port', '22', '--cidr', '203.0.113.0/24']);
    assert.equal(rule.code, 0, rule.stderr);
    const shown = await awsCli(c, ['ec2', 'describe-security-groups', '--group-ids', groupId]);
    const perm = JSON.parse(shown.stdout).SecurityGroups[0].IpPermissions[0];
    assert.deepEqual([perm.IpProtocol, perm.FromPort, perm.ToPort, perm.IpRanges[0].CidrIp], ['tcp', 22, 22, '203.0.113.0/24']);
    const dry = await awsCli(c, ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.4.1.0/24', '--dry-run']);
    assert.match(dry.stderr, /DryRunOperation/);
  });

  test('boto3: key pair, zones and an Elastic IP', async () => {
    const py = await boto3(
      c,
      `ec2 = boto3.client('ec2', endpoint_url=endpoint)
k = ec2.create_key_pair(KeyName='py')
zones = [z['ZoneName'] for z in ec2.describe_availability_zones()['AvailabilityZones']]
a = ec2.allocate_address(Domain='vpc')
addrs = ec2.describe_addresses(AllocationIds=[a['AllocationId']])['Addresses']
ec2.release_address(AllocationId=a['AllocationId'])
try:
    ec2.describe_key_pairs(KeyNames=['missing'])
    err = None
except Exception as e:
    err = e.response['Error']['Code']
print(json.dumps({'pem': k['KeyMaterial'][:31], 'zones': zones, 'ip': addrs[0]['PublicIp'] == a['PublicIp'], 'err': err}))`,
    );
    assert.equal(py.code, 0, py.stderr);
    const out = JSON.parse(py.stdout);
    assert.equal(out.pem, '-----BEGIN RSA PRIVATE KEY-----');
    assert.equal(out.zones.length, 6);
    assert.equal(out.ip, true);
    assert.equal(out.err, 'InvalidKeyPair.NotFound');
  });
});
