import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand, IAMClient } from '@aws-sdk/client-iam';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { b64, describe1, waitState } from './instances-helpers.js';

describe("ec2 instances: EC2's rules and errors", () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  let storeAmi: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    ami = images.find((i) => i.Name!.includes('al2023') && i.Architecture === 'x86_64')!.ImageId!;
    storeAmi = images.find((i) => i.RootDeviceType === 'instance-store')!.ImageId!;
  });
  after(() => c.stop());

  const run = async (extra: Record<string, unknown> = {}) =>
    (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ...extra }))).Instances![0]!.InstanceId!;

  test('malformed vs missing ids, DryRun, bad references', async () => {
    await awsError(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-xyz'] })), 'InvalidInstanceID.Malformed', 400, 'Invalid id: "i-xyz"');
    await awsError(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })), 'InvalidInstanceID.NotFound', 400, "The instance ID 'i-0123456789abcdef0' does not exist");
    await awsError(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef1'] })),
      'InvalidInstanceID.NotFound',
      400,
      "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist",
    );
    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, DryRun: true })),
      'DryRunOperation',
      412,
      'Request would have succeeded, but DryRun flag is set.',
    );
    assert.equal((await ec2.send(new DescribeInstancesCommand({}))).Reservations!.length, 0);
    await awsError(ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: 'nope' })), 'InvalidKeyPair.NotFound', 400, "The key pair 'nope' does not exist");
    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, IamInstanceProfile: { Name: 'ghost' } })),
      'InvalidParameterValue',
      400,
      'Value (ghost) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    );
    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64('x'.repeat(16385)) })),
      'InvalidParameterValue',
      400,
      'User data is limited to 16384 bytes',
    );
    await awsError(ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't4g.micro', MinCount: 1, MaxCount: 1 })), 'InvalidParameterValue', 400, /architecture 'arm64' of the specified instance type does not match the architecture 'x86_64'/);
    await awsError(ec2.send(new RunInstancesCommand({ ImageId: 'ami-12345678', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })), 'InvalidAMIID.NotFound');
  });

  test('state rules: IncorrectInstanceState, instance-store roots cannot stop, hibernation refused', async () => {
    const id = await run();
    await waitState(ec2, id, 'running');
    await awsError(
      ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 't3.small' } })),
      'IncorrectInstanceState',
      400,
      `The instance '${id}' is not in the 'stopped' state.`,
    );
    await awsError(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, UserData: { Value: Buffer.from('#!/bin/sh\necho hi\n') } })), 'IncorrectInstanceState');
    await awsError(ec2.send(new StopInstancesCommand({ InstanceIds: [id], Hibernate: true })), 'UnsupportedHibernationConfiguration');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id], Force: true }));
    await waitState(ec2, id, 'stopped');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 't3.small' } }));
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'instanceType' }));
    assert.equal(attr.InstanceType!.Value, 't3.small');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'terminated');
    await awsError(ec2.send(new StartInstancesCommand({ InstanceIds: [id] })), 'IncorrectInstanceState', 400, `The instance '${id}' is not in a state from which it can be started.`);

    const s = (await ec2.send(new RunInstancesCommand({ ImageId: storeAmi, InstanceType: 'm5d.large', MinCount: 1, MaxCount: 1 }))).Instances![0]!;
    assert.equal(s.RootDeviceType, 'instance-store');
    await waitState(ec2, s.InstanceId!, 'running');
    await awsError(
      ec2.send(new StopInstancesCommand({ InstanceIds: [s.InstanceId!] })),
      'UnsupportedOperation',
      400,
      `The instance '${s.InstanceId}' does not have an 'ebs' root device type and cannot be stopped.`,
    );
    await ec2.send(new RebootInstancesCommand({ InstanceIds: [s.InstanceId!] }));
    assert.equal((await describe1(ec2, s.InstanceId!)).State!.Name, 'running');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [s.InstanceId!] }));
    await waitState(ec2, s.InstanceId!, 'terminated');
  });

  test('termination protection', async () => {
    const id = await run({ DisableApiTermination: true });
    await awsError(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })),
      'OperationNotPermitted',
      400,
      `The instance '${id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
    );
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'disableApiTermination' }));
    assert.equal(attr.DisableApiTermination!.Value, true);
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiTermination: { Value: false } }));
    const t = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.equal(t.TerminatingInstances![0]!.CurrentState!.Code, 32);
    await waitState(ec2, id, 'terminated');
  });

  test('shutdown from inside: stop by default, terminate when asked', async () => {
    const stopper = await run({ UserData: b64('#!/bin/sh\nshutdown -h now\n') });
    const stopped = await waitState(ec2, stopper, 'stopped');
    assert.equal(stopped.StateReason!.Code, 'Client.InstanceInitiatedShutdown');
    const killer = await run({ UserData: b64('#!/bin/sh\npoweroff\n'), InstanceInitiatedShutdownBehavior: 'terminate' });
    const terminated = await waitState(ec2, killer, 'terminated');
    assert.equal(terminated.StateReason!.Code, 'Client.InstanceInitiatedShutdown');
    const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: killer, Attribute: 'instanceInitiatedShutdownBehavior' }));
    assert.equal(attr.InstanceInitiatedShutdownBehavior!.Value, 'terminate');
    // the user data does not run again at the next start: the instance stays up
    await ec2.send(new StartInstancesCommand({ InstanceIds: [stopper] }));
    await waitState(ec2, stopper, 'running');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [stopper] }));
    await waitState(ec2, stopper, 'terminated');
  });

  test('DescribeInstances filters and pagination; status; profile associations', async () => {
    const res = await ec2.send(
      new RunInstancesCommand({
        ImageId: ami,
        InstanceType: 't3.nano',
        MinCount: 7,
        MaxCount: 7,
        Placement: { AvailabilityZone: 'us-east-1b' },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'blue' }] }],
      }),
    );
    const ids = res.Instances!.map((i) => i.InstanceId!);
    assert.deepEqual(res.Instances!.map((i) => i.AmiLaunchIndex), [0, 1, 2, 3, 4, 5, 6]);
    for (const id of ids) await waitState(ec2, id, 'running');
    const byTag = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:team', Values: ['bl*'] }, { Name: 'instance-state-name', Values: ['running'] }] }));
    assert.equal(byTag.Reservations!.length, 1);
    assert.deepEqual(byTag.Reservations![0]!.Instances!.map((i) => i.InstanceId), ids);
    const byZone = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }, { Name: 'instance-type', Values: ['t3.nano'] }] }));
    assert.equal(byZone.Reservations![0]!.Instances!.length, 7);
    const one = await describe1(ec2, ids[3]!);
    const byIp = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-ip-address', Values: [one.PrivateIpAddress!] }] }));
    assert.deepEqual(byIp.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)), [ids[3]]);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: token, Filters: [{ Name: 'tag-key', Values: ['team'] }] }));
      seen.push(...page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 2);
    assert.deepEqual(seen, ids);
    await awsError(ec2.send(new DescribeInstancesCommand({ MaxResults: 3 })), 'InvalidParameterValue');
    await awsError(ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })), 'InvalidParameterValue', 400, "The filter 'bogus' is invalid");

    const status = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids.slice(0, 2) }));
    assert.equal(status.InstanceStatuses!.length, 2);
    assert.equal(status.InstanceStatuses![0]!.InstanceState!.Name, 'running');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [ids[0]!] }));
    await waitState(ec2, ids[0]!, 'stopped');
    const running = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids.slice(0, 2) }));
    assert.equal(running.InstanceStatuses!.length, 1);
    const all = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids.slice(0, 2), IncludeAllInstances: true }));
    assert.equal(all.InstanceStatuses!.length, 2);

    await new IAMClient(clientConfig(c)).send(new CreateInstanceProfileCommand({ InstanceProfileName: 'later' }));
    const assoc = await ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: ids[1]!, IamInstanceProfile: { Name: 'later' } }));
    assert.match(assoc.IamInstanceProfileAssociation!.AssociationId!, /^iip-assoc-/);
    const list = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [ids[1]!] }] }));
    assert.equal(list.IamInstanceProfileAssociations!.length, 1);
    assert.match((await describe1(ec2, ids[1]!)).IamInstanceProfile!.Arn!, /instance-profile\/later$/);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    for (const id of ids) await waitState(ec2, id, 'terminated');
  });
});
