// An instance profile's credentials from the metadata service are rotated before they expire, as EC2 does:
// the old ones stop working at their expiration, the new ones work.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Cumulus } from '../../src/server/server.js';
import { engineFor } from '../../src/services/ec2/lifecycle.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64, until, waitState } from './instances-helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';

let c: Cumulus;
before(async () => {
  c = await startTestCumulus();
});
after(() => c.stop());

interface ImdsCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
}

test('role credentials rotate before expiry; the old ones expire, the new ones work', async () => {
  const iam = new IAMClient(clientConfig(c));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'rotating',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'rotating' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'rotating', RoleName: 'rotating' }));
  const ec2 = new EC2Client(clientConfig(c));
  const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
  const run = await ec2.send(
    new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, IamInstanceProfile: { Name: 'rotating' }, UserData: b64('#!/bin/sh\nexec sleep 3600\n') }),
  );
  const id = run.Instances![0]!.InstanceId!;
  await waitState(ec2, id, 'running');
  // the metadata service this instance's programs reach (its address is in their environment)
  const imds = await until('the instance workload', async () => engineFor(c.runtime).handleOf(id)?.env.IMDS);
  const credentials = async (): Promise<ImdsCredentials> => {
    const token = await (await fetch(`${imds}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } })).text();
    const get = (p: string) => fetch(`${imds}/latest/meta-data/iam/security-credentials/${p}`, { headers: { 'x-aws-ec2-metadata-token': token } });
    assert.equal(await (await get('')).text(), 'rotating');
    return (await (await get('rotating')).json()) as ImdsCredentials;
  };
  const identity = (k: ImdsCredentials) =>
    new STSClient(clientConfig(c, { credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, sessionToken: k.Token } })).send(new GetCallerIdentityCommand({}));

  const first = await credentials();
  assert.match((await identity(first)).Arn!, new RegExp(`^arn:aws:sts::000000000000:assumed-role/rotating/${id}$`));
  assert.equal((await credentials()).AccessKeyId, first.AccessKeyId, 'the same credentials while far from expiry');

  // to 10 minutes before the expiration: the metadata service hands out new credentials
  const left = (Date.parse(first.Expiration) - c.runtime.clock.now()) / 1000;
  await advance(c, left - 600);
  const second = await credentials();
  assert.notEqual(second.AccessKeyId, first.AccessKeyId);
  assert.ok(Date.parse(second.Expiration) > Date.parse(first.Expiration));

  // past the first expiration: the old credentials are refused, the new ones still work
  await advance(c, 660);
  await assert.rejects(identity(first), (e: Error) => e.name === 'ExpiredToken' || e.name === 'ExpiredTokenException');
  assert.match((await identity(second)).Arn!, /assumed-role\/rotating\//);
});
