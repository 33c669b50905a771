import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeImagesCommand, DescribeInstanceStatusCommand, EC2Client, RebootInstancesCommand, RunInstancesCommand, StopInstancesCommand, StartInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { runningInstancesForMetrics } from '../../src/services/ec2/index.js';
import { engineFor } from '../../src/services/ec2/lifecycle.js';
import { clearFault, inject, statusOf, sweepUntil } from './faults-helpers.js';
import { describe1, until, waitState } from './instances-helpers.js';

describe('ec2 status checks and faults', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '1';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    ami = images.find((i) => i.Name!.includes('al2023') && i.Architecture === 'x86_64')!.ImageId!;
  });
  after(() => c.stop());

  const run = async (extra: Record<string, unknown> = {}) => {
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ...extra }))).Instances![0]!.InstanceId!;
    await waitState(ec2, id, 'running');
    return id;
  };
  const metricsOf = (id: string) => runningInstancesForMetrics(c.runtime).find((m) => m.InstanceId === id);

  test('initializing, then ok after a sweep; a killed workload fails the instance check until a reboot', async () => {
    const id = await run();
    const first = await statusOf(ec2, id);
    assert.equal(first.InstanceStatus!.Status, 'initializing');
    assert.equal(first.SystemStatus!.Details![0]!.Status, 'initializing');
    const ok = await sweepUntil(c, ec2, id, { instance: 'ok', system: 'ok' });
    assert.equal(ok.InstanceStatus!.Details![0]!.Status, 'passed');
    assert.deepEqual(metricsOf(id)!.statusCheckFailed, { system: false, instance: false });

    const killed = await inject(c, { kind: 'workload-kill', instanceId: id });
    assert.equal(killed.status, 201);
    const bad = await sweepUntil(c, ec2, id, { instance: 'impaired' });
    assert.equal(bad.InstanceStatus!.Details![0]!.Name, 'reachability');
    assert.equal(bad.InstanceStatus!.Details![0]!.Status, 'failed');
    assert.ok(bad.InstanceStatus!.Details![0]!.ImpairedSince instanceof Date);
    assert.equal(bad.SystemStatus!.Status, 'ok');
    // a crash is not a shutdown: the instance is still running
    assert.equal((await describe1(ec2, id)).State!.Name, 'running');
    assert.deepEqual(metricsOf(id)!.statusCheckFailed, { system: false, instance: true });
    // the fault was one-shot
    const listed = (await (await fetch(`${c.url}/_cumulus/faults`)).json()) as { faults: unknown[] };
    assert.equal(listed.faults.length, 0);

    await ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
    await sweepUntil(c, ec2, id, { instance: 'ok' });
    assert.deepEqual(metricsOf(id)!.statusCheckFailed, { system: false, instance: false });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('a hung workload (instance-check) is impaired until the fault is cleared', async () => {
    const id = await run();
    await sweepUntil(c, ec2, id, { instance: 'ok' });
    const hung = await inject(c, { kind: 'instance-check', instanceId: id });
    assert.equal(hung.status, 201);
    await sweepUntil(c, ec2, id, { instance: 'impaired' });
    const filtered = await ec2.send(
      new DescribeInstanceStatusCommand({ Filters: [{ Name: 'instance-status.status', Values: ['impaired'] }] }),
    );
    assert.deepEqual(filtered.InstanceStatuses!.map((s) => s.InstanceId), [id]);
    await clearFault(c, hung.body.fault!.id);
    await sweepUntil(c, ec2, id, { instance: 'ok' });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('a host fault fails the system check and schedules a stop; stop and start move the instance to a healthy host', async () => {
    const id = await run();
    await sweepUntil(c, ec2, id, { system: 'ok' });
    const host = await inject(c, { kind: 'instance-system-check', instanceId: id });
    assert.equal(host.status, 201);
    const bad = await sweepUntil(c, ec2, id, { system: 'impaired' });
    assert.equal(bad.SystemStatus!.Details![0]!.Status, 'failed');
    assert.equal(bad.Events!.length, 1);
    assert.equal(bad.Events![0]!.Code, 'instance-stop');
    assert.equal(bad.Events![0]!.Description, 'The instance is running on degraded hardware');
    assert.match(bad.Events![0]!.InstanceEventId!, /^instance-event-[0-9a-f]{17}$/);
    assert.deepEqual(metricsOf(id)!.statusCheckFailed, { system: true, instance: false });
    // the metadata service shows the scheduled event to the instance itself
    const imds = engineFor(c.runtime).handleOf(id)!.env.IMDS!;
    const token = await (await fetch(`${imds}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
    const scheduled = JSON.parse(await (await fetch(`${imds}/latest/meta-data/events/maintenance/scheduled`, { headers: { 'x-aws-ec2-metadata-token': token } })).text());
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0].Code, 'instance-stop');
    assert.equal(scheduled[0].EventId, bad.Events![0]!.InstanceEventId);
    assert.match(scheduled[0].NotBefore, /^\d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'stopped');
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'running');
    const healed = await sweepUntil(c, ec2, id, { system: 'ok' });
    assert.deepEqual(healed.Events, []);
    await clearFault(c, host.body.fault!.id);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('an AZ outage: capacity errors there, instances impaired, launches elsewhere; clear boots them again', async () => {
    const id = await run({ Placement: { AvailabilityZone: 'us-east-1b' } });
    await sweepUntil(c, ec2, id, { instance: 'ok' });
    const outage = await inject(c, { kind: 'az-outage', availabilityZone: 'us-east-1b' });
    assert.equal(outage.status, 201);
    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: 'us-east-1b' } })),
      'InsufficientInstanceCapacity',
      500,
      /^We currently do not have sufficient t3\.micro capacity in the Availability Zone you requested \(us-east-1b\)\. Our system will be working on provisioning additional capacity\. You can currently get t3\.micro capacity by not specifying an Availability Zone in your request or choosing us-east-1a, us-east-1c/,
    );
    const down = await sweepUntil(c, ec2, id, { instance: 'impaired', system: 'impaired' });
    assert.equal(down.InstanceState!.Name, 'running');
    // not naming a zone still works: EC2 picks one with capacity
    const elsewhere = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }));
    assert.notEqual(elsewhere.Instances![0]!.Placement!.AvailabilityZone, 'us-east-1b');

    await clearFault(c, outage.body.fault!.id);
    await until('workload back', async () => (c.runtime.faults.list().length === 0 ? true : undefined));
    await sweepUntil(c, ec2, id, { instance: 'ok', system: 'ok' });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id, elsewhere.Instances![0]!.InstanceId!] }));
  });

  test('bad fault specs answer 400', async () => {
    const unknown = await inject(c, { kind: 'workload-kill', instanceId: 'i-0123456789abcdef0' });
    assert.equal(unknown.status, 400);
    assert.equal((await inject(c, { kind: 'az-outage', availabilityZone: 'us-east-1z' })).status, 400);
    assert.equal((await inject(c, { kind: 'instance-check' })).status, 400);
    const kinds = (await (await fetch(`${c.url}/_cumulus/faults/kinds`)).json()) as { kinds: { kind: string }[] };
    for (const k of ['instance-system-check', 'instance-check', 'workload-kill', 'az-outage', 'spot-interruption']) assert.ok(kinds.kinds.some((x) => x.kind === k), k);
  });
});
