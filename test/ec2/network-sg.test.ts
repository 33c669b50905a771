import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeTagsCommand,
  EC2Client,
  ImportKeyPairCommand,
  ReleaseAddressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';

describe('ec2 networking: security groups, key pairs, addresses, tags', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  before(async () => {
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
  });
  after(() => c.stop());

  test('security groups with CIDR and group rules', async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
    const vpcId = Vpc!.VpcId!;
    const defaults = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    assert.deepEqual(defaults.SecurityGroups!.map((g) => g.GroupName), ['default']);

    const web = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers', VpcId: vpcId }));
    const app = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app servers', VpcId: vpcId }));
    assert.match(web.GroupId!, /^sg-[0-9a-f]{17}$/);
    await awsError(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'again', VpcId: vpcId })),
      'InvalidGroup.Duplicate', 400, `The security group 'web' already exists for VPC '${vpcId}'`,
    );
    const auth = await ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: web.GroupId!,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'https' }] },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ],
    }));
    assert.equal(auth.Return, true);
    assert.equal(auth.SecurityGroupRules!.length, 2);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: app.GroupId!,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: web.GroupId! }] }],
    }));
    await awsError(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: web.GroupId!, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] })),
      'InvalidPermission.Duplicate', 400, 'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already exists',
    );

    const got = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [web.GroupId!] }));
    const g = got.SecurityGroups![0]!;
    assert.equal(g.GroupName, 'web');
    assert.deepEqual(g.IpPermissions!.map((p) => [p.IpProtocol, p.FromPort, p.IpRanges![0]!.CidrIp]), [['tcp', 443, '0.0.0.0/0'], ['tcp', 22, '10.0.0.0/8']]);
    assert.equal(g.IpPermissions![0]!.IpRanges![0]!.Description, 'https');
    assert.deepEqual(g.IpPermissionsEgress!.map((p) => [p.IpProtocol, p.IpRanges![0]!.CidrIp]), [['-1', '0.0.0.0/0']]);
    const appView = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['app'] }] }))).SecurityGroups!;
    assert.equal(appView[0]!.IpPermissions![0]!.UserIdGroupPairs![0]!.GroupId, web.GroupId);
    const by22 = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.from-port', Values: ['22'] }] }));
    assert.deepEqual(by22.SecurityGroups!.map((x) => x.GroupId), [web.GroupId]);

    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [web.GroupId!] }] }));
    assert.equal(rules.SecurityGroupRules!.length, 3);
    assert.equal(rules.SecurityGroupRules!.filter((r) => r.IsEgress).length, 1);

    await awsError(ec2.send(new DeleteSecurityGroupCommand({ GroupId: web.GroupId! })), 'DependencyViolation', 400, `resource ${web.GroupId} has a dependent object`);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: app.GroupId!, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: web.GroupId! }] }] }));
    await awsError(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: app.GroupId!, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: web.GroupId! }] }] })),
      'InvalidPermission.NotFound', 400,
    );
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: web.GroupId! }));
    await awsError(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [web.GroupId!] })), 'InvalidGroup.NotFound', 400, `The security group '${web.GroupId}' does not exist`);
    const defaultId = defaults.SecurityGroups![0]!.GroupId!;
    await awsError(ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaultId })), 'CannotDelete', 400);
    await awsError(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', DryRun: true })), 'DryRunOperation', 412);
  });

  test('CreateKeyPair returns a real private key; ImportKeyPair checks the key', async () => {
    const rsa = await ec2.send(new CreateKeyPairCommand({ KeyName: 'rsa-key' }));
    assert.match(rsa.KeyMaterial!, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const priv = createPrivateKey(rsa.KeyMaterial!);
    assert.equal(priv.asymmetricKeyType, 'rsa');
    assert.match(rsa.KeyFingerprint!, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    assert.match(rsa.KeyPairId!, /^key-[0-9a-f]{17}$/);
    const ed = await ec2.send(new CreateKeyPairCommand({ KeyName: 'ed-key', KeyType: 'ed25519' }));
    assert.match(ed.KeyMaterial!, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    await awsError(ec2.send(new CreateKeyPairCommand({ KeyName: 'rsa-key' })), 'InvalidKeyPair.Duplicate', 400, "The keypair 'rsa-key' already exists.");

    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const mp = (b64: string) => {
      let b = Buffer.from(b64, 'base64url');
      if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const typ = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa')]);
    const line = `ssh-rsa ${Buffer.concat([typ, mp(jwk.e!), mp(jwk.n!)]).toString('base64')} me@host`;
    const imported = await ec2.send(new ImportKeyPairCommand({ KeyName: 'imported', PublicKeyMaterial: Buffer.from(line) }));
    assert.match(imported.KeyFingerprint!, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    await awsError(ec2.send(new ImportKeyPairCommand({ KeyName: 'bad', PublicKeyMaterial: Buffer.from('ssh-rsa notakey') })), 'InvalidKey.Format', 400);

    const described = await ec2.send(new DescribeKeyPairsCommand({ IncludePublicKey: true, Filters: [{ Name: 'key-name', Values: ['*key'] }] }));
    assert.deepEqual(described.KeyPairs!.map((k) => k.KeyName).sort(), ['ed-key', 'rsa-key']);
    const rsaInfo = described.KeyPairs!.find((k) => k.KeyName === 'rsa-key')!;
    assert.equal(rsaInfo.KeyType, 'rsa');
    assert.match(rsaInfo.PublicKey!, /^ssh-rsa AAAA/);
    // the public key shown belongs to the private key handed out
    const fromPriv = createPublicKey(priv).export({ format: 'jwk' });
    assert.ok(rsaInfo.PublicKey!.includes(Buffer.concat([typ, mp(fromPriv.e!), mp(fromPriv.n!)]).toString('base64')));
    await awsError(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['nope'] })), 'InvalidKeyPair.NotFound', 400, "The key pair 'nope' does not exist");
    await ec2.send(new DeleteKeyPairCommand({ KeyName: 'imported' }));
    assert.equal((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs!.length, 2);
  });

  test('Elastic IPs: allocate, describe, release', async () => {
    const a = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    assert.match(a.AllocationId!, /^eipalloc-[0-9a-f]{17}$/);
    assert.match(a.PublicIp!, /^\d+\.\d+\.\d+\.\d+$/);
    const d = await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'public-ip', Values: [a.PublicIp!] }] }));
    assert.equal(d.Addresses![0]!.AllocationId, a.AllocationId);
    assert.equal(d.Addresses![0]!.Domain, 'vpc');
    await awsError(ec2.send(new AssociateAddressCommand({ AllocationId: a.AllocationId!, InstanceId: 'i-0123456789abcdef0' })), 'InvalidInstanceID.NotFound', 400);
    await ec2.send(new ReleaseAddressCommand({ AllocationId: a.AllocationId! }));
    await awsError(ec2.send(new ReleaseAddressCommand({ AllocationId: a.AllocationId! })), 'InvalidAllocationID.NotFound', 400, `The allocation ID '${a.AllocationId}' does not exist`);
  });

  test('tags on networking resources', async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'tagged', Description: 'd', VpcId: Vpc!.VpcId! }));
    await ec2.send(new CreateTagsCommand({ Resources: [Vpc!.VpcId!, sg.GroupId!], Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'team', Value: 'a' }] }));
    const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['env'] }] }));
    assert.deepEqual(tags.Tags!.map((t) => [t.ResourceId, t.ResourceType, t.Value]).sort(), [[Vpc!.VpcId, 'vpc', 'dev'], [sg.GroupId, 'security-group', 'dev']].sort());
    await ec2.send(new DeleteTagsCommand({ Resources: [sg.GroupId!], Tags: [{ Key: 'env' }] }));
    const sgTags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [sg.GroupId!] }] }));
    assert.deepEqual(sgTags.Tags!.map((t) => t.Key), ['team']);
    await awsError(ec2.send(new CreateTagsCommand({ Resources: ['vpc-0123456789abcdef0'], Tags: [{ Key: 'a', Value: 'b' }] })), 'InvalidVpcID.NotFound', 400);
    await awsError(ec2.send(new CreateTagsCommand({ Resources: [Vpc!.VpcId!], Tags: [{ Key: 'a', Value: 'b' }], DryRun: true })), 'DryRunOperation', 412);
  });
});
