import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import type { AwsEvent } from '../../src/events/bus.js';
import { describe1, until, waitState } from './instances-helpers.js';
import { inject, sweepUntil } from './faults-helpers.js';
import fs from 'node:fs';
import path from 'node:path';
import { engineFor } from '../../src/services/ec2/lifecycle.js';
import { instanceTable } from '../../src/services/ec2/instances.js';

const ACCOUNT = '000000000000';

describe('ec2 EventBridge events and alarm actions', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  let storeAmi: string;
  const events: AwsEvent[] = [];
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '1';
    c = await startTestCumulus();
    c.runtime.bus.on('aws-event', (e) => events.push(e));
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    ami = images.find((i) => i.Name!.includes('al2023') && i.Architecture === 'x86_64')!.ImageId!;
    storeAmi = images.find((i) => i.RootDeviceType === 'instance-store')!.ImageId!;
  });
  after(() => c.stop());

  const run = async (extra: Record<string, unknown> = {}) => {
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ...extra }))).Instances![0]!.InstanceId!;
    await waitState(ec2, id, 'running');
    return id;
  };
  const statesOf = (id: string) => events.filter((e) => e.detailType === 'EC2 Instance State-change Notification' && e.detail['instance-id'] === id).map((e) => e.detail.state);
  const automate = (action: string, id: string) =>
    c.runtime.targets.invoke({
      arn: `arn:aws:automate:us-east-1:ec2:${action}`,
      payload: '{}',
      source: { principal: 'cloudwatch.amazonaws.com', arn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:a`, account: ACCOUNT, region: 'us-east-1' },
      context: { dimensions: { InstanceId: id } },
    });

  test('every state change is an EC2 Instance State-change Notification', async () => {
    const id = await run();
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'stopped');
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'running');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'terminated');
    assert.deepEqual(statesOf(id), ['pending', 'running', 'stopping', 'stopped', 'pending', 'running', 'shutting-down', 'terminated']);
    const e = events.find((x) => x.detail['instance-id'] === id)!;
    assert.equal(e.source, 'aws.ec2');
    assert.equal(e.account, ACCOUNT);
    assert.equal(e.region, 'us-east-1');
    assert.deepEqual(e.resources, [`arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${id}`]);
    assert.ok(e.time instanceof Date);
  });

  test('alarm actions stop, reboot and terminate as the API calls; termination protection refuses', async () => {
    assert.ok(c.runtime.targets.handles('arn:aws:automate:eu-west-1:ec2:recover'));
    assert.ok(!c.runtime.targets.handles('arn:aws:automate:us-east-1:ec2:explode'));
    const id = await run({ DisableApiTermination: true });
    const refused = await automate('terminate', id);
    assert.equal(refused.ok, false);
    assert.match(refused.message, /OperationNotPermitted: The instance '.*' may not be terminated/);
    const rebooted = await automate('reboot', id);
    assert.equal(rebooted.ok, true);
    const stopped = await automate('stop', id);
    assert.equal(stopped.ok, true, stopped.message);
    await waitState(ec2, id, 'stopped');
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiTermination: { Value: false } }));
    assert.equal((await automate('terminate', id)).ok, true);
    await waitState(ec2, id, 'terminated');
    const missing = await automate('stop', 'i-0123456789abcdef0');
    assert.equal(missing.ok, false);
    assert.match(missing.message, /InvalidInstanceID\.NotFound/);
    assert.equal((await automate('stop', '')).ok, false);
  });

  test('a host fault, then recover: same id, private IP, Elastic IP and root volume; instance store wiped; healthy again', async () => {
    const id = await run({ InstanceType: 'm5.large', UserData: Buffer.from('#!/bin/sh\necho kept > $CUMULUS_ROOT/kept.txt\n').toString('base64') });
    const alloc = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await ec2.send(new AssociateAddressCommand({ InstanceId: id, AllocationId: alloc.AllocationId }));
    const before = await describe1(ec2, id);
    await inject(c, { kind: 'instance-system-check', instanceId: id });
    await sweepUntil(c, ec2, id, { system: 'impaired' });
    const engine = engineFor(c.runtime);
    const pidBefore = engine.handleOf(id)!.pid;

    const res = await automate('recover', id);
    assert.equal(res.ok, true, res.message);
    const healed = await sweepUntil(c, ec2, id, { system: 'ok', instance: 'ok' });
    assert.deepEqual(healed.Events, []);
    const after = await describe1(ec2, id);
    assert.equal(after.State!.Name, 'running');
    assert.equal(after.PrivateIpAddress, before.PrivateIpAddress);
    assert.equal(after.PublicIpAddress, alloc.PublicIp);
    assert.equal(after.BlockDeviceMappings![0]!.Ebs!.VolumeId, before.BlockDeviceMappings![0]!.Ebs!.VolumeId);
    await until('new workload', async () => {
      const h = engine.handleOf(id);
      return h && h.state === 'running' && h.pid !== pidBefore ? true : undefined;
    });
    const record = instanceTable(c.runtime).get({ account: ACCOUNT, region: 'us-east-1' }, id)!;
    assert.equal(fs.readFileSync(path.join(engine.rootDirOf(record), 'kept.txt'), 'utf8'), 'kept\n');
    // no state change is reported for a recovery
    assert.deepEqual(statesOf(id), ['pending', 'running']);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('recover refuses instance-store instances and types with instance storage', async () => {
    const store = (await ec2.send(new RunInstancesCommand({ ImageId: storeAmi, InstanceType: 'm5d.large', MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!;
    await waitState(ec2, store, 'running');
    const res = await automate('recover', store);
    assert.equal(res.ok, false);
    assert.match(res.message, /not supported for recovery/);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [store] }));
  });
});
