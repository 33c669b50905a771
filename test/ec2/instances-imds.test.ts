import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateKeyPairCommand, DescribeImagesCommand, EC2Client, GetConsoleOutputCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { advance, b64, until, waitState } from './instances-helpers.js';

describe('ec2 instance metadata service', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
  });
  after(() => c.stop());

  test('v1 and v2, the tree, public key, user data, token expiry on the clock', async () => {
    const ubuntu = (await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['ubuntu/*noble*amd64*'] }] }))).Images![0]!;
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'md-key' }));
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: ubuntu.ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: 'md-key', UserData: b64('not a script, just data') }),
    );
    const id = run.Instances![0]!.InstanceId!;
    assert.equal(run.Instances![0]!.MetadataOptions!.HttpTokens, 'optional');
    const inst = await waitState(ec2, id, 'running');
    // the console names the instance's metadata endpoint (the same URL is $IMDS inside)
    const imds = await until('console', async () => {
      const out = Buffer.from((await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }))).Output ?? '', 'base64').toString();
      return /metadata at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    });
    const get = async (p: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${imds}${p}`, { headers });
      return { status: r.status, text: await r.text() };
    };
    const listing = (await get('/latest/meta-data/')).text.split('\n');
    for (const k of ['ami-id', 'instance-id', 'instance-type', 'local-ipv4', 'public-ipv4', 'placement/', 'network/', 'public-keys/', 'mac']) assert.ok(listing.includes(k), k);
    assert.equal((await get('/latest/meta-data/instance-id')).text, id);
    assert.equal((await get('/latest/meta-data/ami-id')).text, ubuntu.ImageId);
    assert.equal((await get('/latest/meta-data/local-ipv4')).text, inst.PrivateIpAddress);
    assert.equal((await get('/latest/meta-data/public-ipv4')).text, inst.PublicIpAddress);
    assert.equal((await get('/latest/meta-data/placement/region')).text, 'us-east-1');
    assert.equal((await get('/latest/meta-data/placement/availability-zone')).text, inst.Placement!.AvailabilityZone);
    const mac = (await get('/latest/meta-data/mac')).text;
    assert.equal((await get(`/latest/meta-data/network/interfaces/macs/${mac}/subnet-id`)).text, inst.SubnetId);
    assert.equal((await get(`/latest/meta-data/network/interfaces/macs/${mac}/vpc-id`)).text, inst.VpcId);
    assert.match((await get('/latest/meta-data/public-keys/0/openssh-key')).text, /^ssh-rsa \S+ md-key\n$/);
    assert.equal((await get('/latest/user-data')).text, 'not a script, just data');
    assert.equal((await get('/latest/meta-data/iam/info')).status, 404);

    const bad = await fetch(`${imds}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '0' } });
    assert.equal(bad.status, 400);
    const tokenRes = await fetch(`${imds}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.equal(tokenRes.status, 200);
    const token = await tokenRes.text();
    assert.equal((await get('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': token })).text, id);
    await advance(c, 61);
    assert.equal((await get('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': token })).status, 401);
    assert.equal((await get('/latest/meta-data/nope')).status, 404);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'terminated');
  });
});
