// Reserved Instances (offerings, purchase, states on the clock, the discount in the cost report) and
// Dedicated Hosts (allocate, capacity, launch with host tenancy, release refused while occupied).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllocateHostsCommand,
  DescribeHostsCommand,
  DescribeImagesCommand,
  DescribeReservedInstancesCommand,
  DescribeReservedInstancesOfferingsCommand,
  EC2Client,
  ModifyHostsCommand,
  ModifyReservedInstancesCommand,
  DescribeReservedInstancesModificationsCommand,
  PurchaseReservedInstancesOfferingCommand,
  ReleaseHostsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import type { CostReport } from '../../src/services/ec2/cost-report.js';
import { onDemandPrice } from '../../src/services/ec2/list-prices.js';
import { reservationTable } from '../../src/services/ec2/reserved.js';
import { advance, describe1, waitState } from './instances-helpers.js';

describe('ec2 reserved instances and dedicated hosts', () => {
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
  const cost = async () => (await (await fetch(`${c.url}/_aws/ec2/cost`)).json()) as CostReport;

  test('offerings: terms, payment options, classes, scopes, filters and pages', async () => {
    const all = await ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'm5.large', ProductDescription: 'Linux/UNIX', Filters: [{ Name: 'scope', Values: ['Region'] }] }));
    const offers = all.ReservedInstancesOfferings!;
    assert.equal(offers.length, 12); // 2 classes × 2 terms × 3 payment options
    const list = onDemandPrice('m5.large')!;
    const std1 = offers.find((o) => o.OfferingClass === 'standard' && o.Duration === 31536000 && o.OfferingType === 'All Upfront')!;
    assert.ok(Math.abs(std1.FixedPrice! - list * 0.6 * 8760) <= 1, String(std1.FixedPrice));
    assert.equal(std1.RecurringCharges![0]!.Amount, 0);
    const std3no = offers.find((o) => o.OfferingClass === 'standard' && o.Duration === 94608000 && o.OfferingType === 'No Upfront')!;
    assert.equal(std3no.FixedPrice, 0);
    assert.ok(std3no.RecurringCharges![0]!.Amount! < list * 0.5);
    assert.ok(offers.every((o) => o.Scope === 'Region' && !o.AvailabilityZone && o.CurrencyCode === 'USD'));
    const zonal = await ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'm5.large', AvailabilityZone: 'us-east-1b', OfferingClass: 'convertible', MaxDuration: 31536000 }));
    assert.equal(zonal.ReservedInstancesOfferings!.length, 3);
    assert.ok(zonal.ReservedInstancesOfferings!.every((o) => o.AvailabilityZone === 'us-east-1b' && o.Scope === 'Availability Zone'));
    const page1 = await ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'c5.large', MaxResults: 5 }));
    assert.equal(page1.ReservedInstancesOfferings!.length, 5);
    const page2 = await ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'c5.large', MaxResults: 5, NextToken: page1.NextToken }));
    assert.notEqual(page2.ReservedInstancesOfferings![0]!.ReservedInstancesOfferingId, page1.ReservedInstancesOfferings![0]!.ReservedInstancesOfferingId);
  });

  test('purchase: payment-pending then active on the clock, and the discount applies to a matching instance', async () => {
    const offer = (await ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'm5.large', OfferingClass: 'standard', OfferingType: 'All Upfront', MaxDuration: 31536000, Filters: [{ Name: 'scope', Values: ['Region'] }] }))).ReservedInstancesOfferings![0]!;
    await awsError(ec2.send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: '00000000-0000-0000-0000-000000000000', InstanceCount: 1 })), 'InvalidReservedInstancesOfferingId', 400);
    const { ReservedInstancesId } = await ec2.send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: offer.ReservedInstancesOfferingId!, InstanceCount: 1 }));
    const ri = async () => (await ec2.send(new DescribeReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!] }))).ReservedInstances![0]!;
    assert.equal((await ri()).State, 'payment-pending');
    await advance(c, 61);
    const active = await ri();
    assert.equal(active.State, 'active');
    assert.equal(active.InstanceCount, 1);
    assert.equal(active.Scope, 'Region');
    assert.equal(new Date(active.End!).getTime() - new Date(active.Start!).getTime(), 31536000_000);
    const byState = await ec2.send(new DescribeReservedInstancesCommand({ Filters: [{ Name: 'state', Values: ['active'] }, { Name: 'instance-type', Values: ['m5.large'] }] }));
    assert.deepEqual(byState.ReservedInstances!.map((r) => r.ReservedInstancesId), [ReservedInstancesId]);
    // two m5.large: the reservation covers one of them
    const run = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.large', MinCount: 2, MaxCount: 2 }));
    const ids = run.Instances!.map((i) => i.InstanceId!);
    for (const id of ids) await waitState(ec2, id, 'running');
    await advance(c, 3600);
    const scope = (await cost()).accounts[0]!;
    const mine = scope.instances.filter((i) => ids.includes(i.InstanceId));
    const reserved = mine.find((i) => i.PurchasingOption === 'reserved')!;
    const onDemand = mine.find((i) => i.PurchasingOption === 'on-demand')!;
    assert.equal(reserved.ReservedInstancesId, ReservedInstancesId);
    assert.ok(reserved.CostUSD < onDemand.CostUSD * 0.7, `${reserved.CostUSD} vs ${onDemand.CostUSD}`);
    assert.ok(Math.abs(reserved.HourlyPriceUSD - offer.FixedPrice! / 8760) < 0.001);
    assert.deepEqual(scope.reservations.find((r) => r.ReservedInstancesId === ReservedInstancesId)!.CoveredInstances, [reserved.InstanceId]);
    // the end of the term: rather than advance the clock a year, the record's start moves back so that
    // its term ends within the next minute
    const table = reservationTable(c.runtime);
    const where = { account: '000000000000', region: 'us-east-1' };
    const rec = table.get(where, ReservedInstancesId!)!;
    table.put(where, ReservedInstancesId!, { ...rec, Start: rec.Start - 31536000_000 + 3700_000 });
    assert.equal((await ri()).State, 'active');
    await advance(c, 60);
    assert.equal((await ri()).State, 'retired');
    await advance(c, 3600);
    const later = (await cost()).accounts[0]!.instances.find((i) => i.InstanceId === reserved.InstanceId)!;
    assert.equal(later.HourlyPriceUSD, onDemandPrice('m5.large'), 'a retired reservation no longer discounts');
    assert.ok(later.CostUSD > reserved.CostUSD + onDemandPrice('m5.large')! * 0.9);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  });

  test('ModifyReservedInstances: split into smaller sizes in a zone, footprint kept, originals retired', async () => {
    const offer = (await ec2.send(new DescribeReservedInstancesOfferingsCommand({ InstanceType: 'c5.xlarge', OfferingClass: 'standard', OfferingType: 'No Upfront', MaxDuration: 31536000, Filters: [{ Name: 'scope', Values: ['Region'] }] }))).ReservedInstancesOfferings![0]!;
    const { ReservedInstancesId } = await ec2.send(new PurchaseReservedInstancesOfferingCommand({ ReservedInstancesOfferingId: offer.ReservedInstancesOfferingId!, InstanceCount: 1 }));
    await awsError(
      ec2.send(new ModifyReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!], TargetConfigurations: [{ InstanceType: 'c5.large', InstanceCount: 2 }] })),
      'InvalidReservedInstancesState',
      400,
    );
    await advance(c, 61);
    await awsError(
      ec2.send(new ModifyReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!], TargetConfigurations: [{ InstanceType: 'c5.large', InstanceCount: 3, AvailabilityZone: 'us-east-1b', Scope: 'Availability Zone' }] })),
      'InvalidParameterValue',
      400,
    );
    const { ReservedInstancesModificationId } = await ec2.send(
      new ModifyReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!], TargetConfigurations: [{ InstanceType: 'c5.large', InstanceCount: 2, AvailabilityZone: 'us-east-1b', Scope: 'Availability Zone' }] }),
    );
    const mod = (await ec2.send(new DescribeReservedInstancesModificationsCommand({ ReservedInstancesModificationIds: [ReservedInstancesModificationId!] }))).ReservedInstancesModifications![0]!;
    assert.equal(mod.Status, 'fulfilled');
    assert.deepEqual(mod.ReservedInstancesIds!.map((r) => r.ReservedInstancesId), [ReservedInstancesId]);
    const newId = mod.ModificationResults![0]!.ReservedInstancesId!;
    const all = (await ec2.send(new DescribeReservedInstancesCommand({ ReservedInstancesIds: [ReservedInstancesId!, newId] }))).ReservedInstances!;
    const old = all.find((r) => r.ReservedInstancesId === ReservedInstancesId)!;
    const made = all.find((r) => r.ReservedInstancesId === newId)!;
    assert.equal(old.State, 'retired');
    assert.equal(made.State, 'active');
    assert.equal(made.InstanceType, 'c5.large');
    assert.equal(made.InstanceCount, 2);
    assert.equal(made.AvailabilityZone, 'us-east-1b');
    assert.equal(made.Scope, 'Availability Zone');
    assert.equal(new Date(made.End!).getTime(), new Date(old.End!).getTime(), 'the term still ends when it did');
  });

  test('dedicated hosts: allocate, capacity, host tenancy, full host, release refused while occupied', async () => {
    const { HostIds } = await ec2.send(new AllocateHostsCommand({ InstanceFamily: 'm5', AvailabilityZone: 'us-east-1a', Quantity: 1, AutoPlacement: 'off', HostRecovery: 'on' }));
    const hostId = HostIds![0]!;
    const host = async () => (await ec2.send(new DescribeHostsCommand({ HostIds: [hostId] }))).Hosts![0]!;
    const h0 = await host();
    assert.equal(h0.State, 'available');
    assert.equal(h0.HostProperties!.TotalVCpus, 96);
    assert.equal(h0.AvailableCapacity!.AvailableInstanceCapacity!.find((x) => x.InstanceType === 'm5.large')!.AvailableCapacity, 48);
    // auto-placement is off: an instance without HostId finds no host
    await awsError(ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'host', AvailabilityZone: 'us-east-1a' } })), 'IncompatibleHostRequirements', 400);
    const run = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.xlarge', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'host', HostId: hostId } }));
    const id = run.Instances![0]!.InstanceId!;
    const i = await describe1(ec2, id);
    assert.equal(i.Placement!.Tenancy, 'host');
    assert.equal(i.Placement!.HostId, hostId);
    assert.equal(i.Placement!.AvailabilityZone, 'us-east-1a');
    const h1 = await host();
    assert.equal(h1.AvailableCapacity!.AvailableVCpus, 92);
    assert.deepEqual(h1.Instances!.map((x) => x.InstanceId), [id]);
    await awsError(ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.24xlarge', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'host', HostId: hostId } })), 'InsufficientCapacityOnHost', 400);
    const refused = await ec2.send(new ReleaseHostsCommand({ HostIds: [hostId] }));
    assert.equal(refused.Unsuccessful![0]!.Error!.Message, 'Host has running instances');
    assert.deepEqual(refused.Successful, []);
    // auto-placement on: a launch without HostId lands on it
    assert.deepEqual((await ec2.send(new ModifyHostsCommand({ HostIds: [hostId], AutoPlacement: 'on' }))).Successful, [hostId]);
    const auto = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, Placement: { Tenancy: 'host', AvailabilityZone: 'us-east-1a' } }))).Instances![0]!;
    assert.equal(auto.Placement!.HostId, hostId);
    // dedicated tenancy (no host) through boto3
    const py = await boto3(c, `
ec2 = boto3.client('ec2', endpoint_url=endpoint, region_name='us-east-1')
r = ec2.run_instances(ImageId='${ami}', InstanceType='t3.micro', MinCount=1, MaxCount=1, Placement={'Tenancy': 'dedicated'})
i = r['Instances'][0]
print(json.dumps({'id': i['InstanceId'], 'tenancy': i['Placement']['Tenancy']}))
`);
    assert.equal(py.code, 0, py.stderr);
    const ded = JSON.parse(py.stdout) as { id: string; tenancy: string };
    assert.equal(ded.tenancy, 'dedicated');
    await waitState(ec2, ded.id, 'running');
    await advance(c, 600);
    const scope = (await cost()).accounts[0]!;
    assert.equal(scope.instances.find((x) => x.InstanceId === id)!.PurchasingOption, 'dedicated-host');
    assert.equal(scope.instances.find((x) => x.InstanceId === id)!.CostUSD, 0);
    assert.equal(scope.instances.find((x) => x.InstanceId === ded.id)!.PurchasingOption, 'dedicated');
    const hostCost = scope.hosts.find((x) => x.HostId === hostId)!;
    assert.ok(hostCost.CostUSD > 0 && hostCost.HourlyPriceUSD > 4, JSON.stringify(hostCost));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id, auto.InstanceId!, ded.id] }));
    for (const x of [id, auto.InstanceId!]) await waitState(ec2, x, 'terminated');
    const released = await ec2.send(new ReleaseHostsCommand({ HostIds: [hostId] }));
    assert.deepEqual(released.Successful, [hostId]);
    assert.equal((await host()).State, 'released');
  });
});
