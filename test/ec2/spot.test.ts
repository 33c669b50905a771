import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelSpotInstanceRequestsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  RequestSpotInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import type { AwsEvent } from '../../src/events/bus.js';
import { engineFor } from '../../src/services/ec2/lifecycle.js';
import { onDemandPrice } from '../../src/services/ec2/list-prices.js';
import { advance, describe1, httpGet, until, waitState } from './instances-helpers.js';
import { inject } from './faults-helpers.js';

describe('ec2 spot instances', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  const events: AwsEvent[] = [];
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '1';
    c = await startTestCumulus();
    c.runtime.bus.on('aws-event', (e) => events.push(e));
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'] }))).Images!;
    ami = images.find((i) => i.Architecture === 'x86_64')!.ImageId!;
  });
  after(() => c.stop());

  const runSpot = async (spot: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
    const res = await ec2.send(
      new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot', SpotOptions: spot }, ...extra }),
    );
    const id = res.Instances![0]!.InstanceId!;
    await waitState(ec2, id, 'running');
    return res.Instances![0]!;
  };
  const imds = (id: string) => engineFor(c.runtime).handleOf(id)!.env.IMDS!;

  test('price history: per type and zone, deterministic, below on-demand, moved by the clock', async () => {
    const ask = () => ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['m5.large'], ProductDescriptions: ['Linux/UNIX'], AvailabilityZone: 'us-east-1a', StartTime: new Date(Date.now() - 6 * 3600_000) }));
    const a = await ask();
    const b = await ask();
    assert.deepEqual(a.SpotPriceHistory, b.SpotPriceHistory);
    assert.ok(a.SpotPriceHistory!.length >= 1);
    for (const p of a.SpotPriceHistory!) {
      assert.equal(p.InstanceType, 'm5.large');
      assert.equal(p.AvailabilityZone, 'us-east-1a');
      assert.ok(Number(p.SpotPrice) > 0 && Number(p.SpotPrice) < onDemandPrice('m5.large')!, p.SpotPrice);
    }
    const all = await ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['t3.micro', 'c5.large'], StartTime: new Date() }));
    assert.deepEqual([...new Set(all.SpotPriceHistory!.map((p) => p.InstanceType))].sort(), ['c5.large', 't3.micro']);
    assert.ok(new Set(all.SpotPriceHistory!.map((p) => p.AvailabilityZone)).size >= 3);
  });

  test('RunInstances spot: lifecycle, request record, errors', async () => {
    const i = await runSpot({ SpotInstanceType: 'one-time' });
    assert.equal(i.InstanceLifecycle, 'spot');
    assert.match(i.SpotInstanceRequestId!, /^sir-[0-9a-f]{8}$/);
    const req = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!;
    assert.equal(req.State, 'active');
    assert.equal(req.Status!.Code, 'fulfilled');
    assert.equal(req.InstanceId, i.InstanceId);
    assert.equal(Number(req.SpotPrice), onDemandPrice('m5.large'));
    const spotOnly = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-lifecycle', Values: ['spot'] }] }));
    assert.ok(spotOnly.Reservations!.some((r) => r.Instances!.some((x) => x.InstanceId === i.InstanceId)));
    assert.equal((await httpGet(`${imds(i.InstanceId!)}/latest/meta-data/instance-life-cycle`)).text, 'spot');
    assert.equal((await httpGet(`${imds(i.InstanceId!)}/latest/meta-data/spot/instance-action`)).status, 404);

    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.0001' } } })),
      'SpotMaxPriceTooLow',
      400,
      /^Your Spot request price of 0\.0001 is lower than the minimum required Spot request fulfillment price of 0\.\d+\.$/,
    );
    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { InstanceInterruptionBehavior: 'stop' } } })),
      'InvalidParameterCombination',
    );
    await awsError(ec2.send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] })), 'UnsupportedOperation', 400, /associated with a one-time Spot Instance request/);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    const closed = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!;
    assert.equal(closed.State, 'closed');
    assert.equal(closed.Status!.Code, 'instance-terminated-by-user');
  });

  test('an injected interruption: the notice first, then termination two minutes later', async () => {
    const i = await runSpot();
    const id = i.InstanceId!;
    assert.equal((await inject(c, { kind: 'spot-interruption', instanceId: id })).status, 201);
    const action = JSON.parse((await httpGet(`${imds(id)}/latest/meta-data/spot/instance-action`)).text);
    assert.equal(action.action, 'terminate');
    assert.match(action.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const warning = events.find((e) => e.detailType === 'EC2 Spot Instance Interruption Warning' && e.detail['instance-id'] === id)!;
    assert.deepEqual(warning.detail, { 'instance-id': id, 'instance-action': 'terminate' });
    assert.equal((await describe1(ec2, id)).State!.Name, 'running');
    assert.equal((await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!.Status!.Code, 'marked-for-termination');
    await advance(c, 120);
    const gone = await waitState(ec2, id, 'terminated');
    assert.equal(gone.StateReason!.Code, 'Server.SpotInstanceTermination');
    const req = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!;
    assert.equal(req.State, 'closed');
    assert.equal(req.Status!.Code, 'instance-terminated-no-capacity');
    assert.equal((await inject(c, { kind: 'spot-interruption', instanceId: id })).status, 400);
  });

  test('a persistent request with stop behaviour: the instance is stopped, the request disabled', async () => {
    const i = await runSpot({ SpotInstanceType: 'persistent', InstanceInterruptionBehavior: 'stop' });
    await inject(c, { kind: 'spot-interruption', instanceId: i.InstanceId! });
    assert.equal(JSON.parse((await httpGet(`${imds(i.InstanceId!)}/latest/meta-data/spot/instance-action`)).text).action, 'stop');
    await advance(c, 120);
    const stopped = await waitState(ec2, i.InstanceId!, 'stopped');
    assert.equal(stopped.StateReason!.Code, 'Server.SpotInstanceShutdown');
    const req = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!;
    assert.equal(req.State, 'disabled');
    assert.equal(req.Status!.Code, 'instance-stopped-no-capacity');
    await ec2.send(new StartInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await waitState(ec2, i.InstanceId!, 'running');
    const again = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!;
    assert.deepEqual([again.State, again.Status!.Code], ['active', 'fulfilled']);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
  });

  test('the market passing the maximum price interrupts the instance', async () => {
    const now = await ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['c5.large'], AvailabilityZone: 'us-east-1a' }));
    const current = now.SpotPriceHistory![0]!.SpotPrice!;
    const i = await runSpot({ MaxPrice: current }, { InstanceType: 'c5.large', Placement: { AvailabilityZone: 'us-east-1a' } });
    const id = i.InstanceId!;
    // hour by hour until the market moves above the maximum price (bounded)
    await until('interrupted by price', async () => {
      await advance(c, 3600);
      const state = (await describe1(ec2, id)).State!.Name;
      return state === 'shutting-down' || state === 'terminated' ? true : undefined;
    }, 30_000);
    await waitState(ec2, id, 'terminated');
    // the warning came before the instance went
    const mine = events.filter((e) => e.detail['instance-id'] === id).map((e) => e.detailType === 'EC2 Spot Instance Interruption Warning' ? 'warning' : e.detail.state);
    assert.deepEqual(mine, ['pending', 'running', 'warning', 'shutting-down', 'terminated']);
    const req = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [i.SpotInstanceRequestId!] }))).SpotInstanceRequests![0]!;
    assert.equal(req.Status!.Code, 'instance-terminated-by-price');
  });

  test('RequestSpotInstances (boto3): open, fulfilled by the market, cancel leaves the instance running', async () => {
    const out = await boto3(
      c,
      `ec2 = boto3.client('ec2', endpoint_url=endpoint)
r = ec2.request_spot_instances(InstanceCount=1, LaunchSpecification={'ImageId': '${ami}', 'InstanceType': 't3.micro'})
print(json.dumps(r['SpotInstanceRequests'][0], default=str))`,
    );
    assert.equal(out.code, 0, out.stderr);
    const req = JSON.parse(out.stdout);
    assert.equal(req.State, 'open');
    assert.equal(req.Status.Code, 'pending-evaluation');
    const active = await until('fulfilled', async () => {
      await advance(c, 5);
      const r = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [req.SpotInstanceRequestId] }))).SpotInstanceRequests![0]!;
      return r.State === 'active' ? r : undefined;
    });
    const instance = await waitState(ec2, active.InstanceId!, 'running');
    assert.equal(instance.SpotInstanceRequestId, req.SpotInstanceRequestId);
    assert.equal(instance.InstanceLifecycle, 'spot');
    const cancelled = await ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [req.SpotInstanceRequestId] }));
    assert.equal(cancelled.CancelledSpotInstanceRequests![0]!.State, 'cancelled');
    const after = (await ec2.send(new DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'state', Values: ['cancelled'] }] }))).SpotInstanceRequests!;
    assert.equal(after[0]!.Status!.Code, 'request-canceled-and-instance-running');
    assert.equal((await describe1(ec2, active.InstanceId!)).State!.Name, 'running');
    await awsError(ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ['sir-12345678'] })), 'InvalidSpotInstanceRequestID.NotFound', 400);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [active.InstanceId!] }));
  });
});
