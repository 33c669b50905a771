// vCPU quotas (VcpuLimitExceeded per bucket and market) and the cost report (GET /_aws/ec2/cost, `cumulus cost`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type _InstanceType, DescribeImagesCommand, EC2Client, RequestSpotInstancesCommand, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import type { CostReport } from '../../src/services/ec2/cost-report.js';
import { costCommand } from '../../src/cli/cost.js';
import { onDemandPrice } from '../../src/services/ec2/list-prices.js';
import { advance, waitState } from './instances-helpers.js';

describe('ec2 vCPU quotas and cost', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';
    process.env.CUMULUS_EC2_VCPU_LIMIT_STANDARD = '8';
    process.env.CUMULUS_EC2_VCPU_LIMIT_SPOT_STANDARD = '4';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'] }))).Images!;
    ami = images.find((i) => i.Architecture === 'x86_64')!.ImageId!;
  });
  after(async () => {
    delete process.env.CUMULUS_EC2_VCPU_LIMIT_STANDARD;
    delete process.env.CUMULUS_EC2_VCPU_LIMIT_SPOT_STANDARD;
    await c.stop();
  });
  const cost = async () => (await (await fetch(`${c.url}/_aws/ec2/cost`)).json()) as CostReport;
  const run = (type: string, min = 1, max = min, extra: Record<string, unknown> = {}) =>
    ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: type as _InstanceType, MinCount: min, MaxCount: max, ...extra }));

  test('vCPU limits per bucket: fewer than MaxCount, VcpuLimitExceeded, StartInstances, spot counted apart', async () => {
    const msg = (n: number) =>
      `You have requested more vCPU capacity than your current vCPU limit of ${n} allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`;
    // 8 vCPUs: only two m5.xlarge (4 each) of the three asked for
    const big = await run('m5.xlarge', 1, 3);
    assert.equal(big.Instances!.length, 2);
    await awsError(run('t3.micro'), 'VcpuLimitExceeded', 400, msg(8));
    const cli = await awsCli(c, ['ec2', 'run-instances', '--image-id', ami, '--instance-type', 't3.micro', '--count', '1']);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /VcpuLimitExceeded/);
    // a stopped instance frees its vCPUs; starting it again needs them back
    const [a, b] = big.Instances!.map((i) => i.InstanceId!);
    await waitState(ec2, a!, 'running');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [a!] }));
    await waitState(ec2, a!, 'stopped');
    const small = (await run('t3.micro')).Instances![0]!.InstanceId!;
    await awsError(ec2.send(new StartInstancesCommand({ InstanceIds: [a!] })), 'VcpuLimitExceeded', 400, msg(8));
    // spot has its own limit (4)
    const spot = { InstanceMarketOptions: { MarketType: 'spot' } };
    const s1 = (await run('m5.xlarge', 1, 1, spot)).Instances![0]!.InstanceId!;
    await awsError(run('t3.micro', 1, 1, spot), 'VcpuLimitExceeded', 400, msg(4));
    await awsError(
      ec2.send(new RequestSpotInstancesCommand({ InstanceCount: 1, LaunchSpecification: { ImageId: ami, InstanceType: 'm5.large' } })),
      'MaxSpotInstanceCountExceeded',
      400,
    );
    // other buckets are not the Standard one
    const g = (await run('g4dn.xlarge')).Instances![0]!.InstanceId!;
    const report = await cost();
    const quotas = report.accounts[0]!.quotas;
    assert.deepEqual(
      quotas.find((q) => q.bucket === 'STANDARD' && q.market === 'on-demand'),
      { bucket: 'STANDARD', market: 'on-demand', name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances', limit: 8, inUse: 6 },
    );
    assert.equal(quotas.find((q) => q.bucket === 'G' && q.market === 'on-demand')!.inUse, 4);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [a!, b!, small, s1, g] }));
    for (const id of [a!, b!, small, s1, g]) await waitState(ec2, id, 'terminated');
  });

  test('cost so far: per second at the list price with a 60 s minimum, spot at market prices, EBS per GB-month', async () => {
    const before = await cost();
    const known = new Set(before.accounts.flatMap((a) => a.instances.map((i) => i.InstanceId)));
    const od = (await run('t3.micro')).Instances![0]!.InstanceId!;
    const brief = (await run('t3.micro')).Instances![0]!.InstanceId!;
    const sp = (await run('m5.large', 1, 1, { InstanceMarketOptions: { MarketType: 'spot' } })).Instances![0]!.InstanceId!;
    for (const id of [od, brief, sp]) await waitState(ec2, id, 'running');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [brief] }));
    await waitState(ec2, brief, 'stopped');
    await advance(c, 3600);
    const report = await cost();
    const scope = report.accounts.find((a) => a.account === '000000000000' && a.region === 'us-east-1')!;
    const byId = new Map(scope.instances.filter((i) => !known.has(i.InstanceId)).map((i) => [i.InstanceId, i]));
    const o = byId.get(od)!;
    assert.equal(o.PurchasingOption, 'on-demand');
    assert.equal(o.State, 'running');
    assert.ok(o.RunningSeconds >= 3600 && o.RunningSeconds < 3660, String(o.RunningSeconds));
    assert.ok(Math.abs(o.CostUSD - (onDemandPrice('t3.micro')! * o.BilledSeconds) / 3600) < 1e-5, JSON.stringify(o));
    const s = byId.get(brief)!;
    assert.equal(s.State, 'stopped');
    assert.equal(s.BilledSeconds, 60, 'a start is billed for at least a minute');
    const p = byId.get(sp)!;
    assert.equal(p.PurchasingOption, 'spot');
    assert.ok(p.CostUSD > 0 && p.CostUSD < onDemandPrice('m5.large')! * (p.BilledSeconds / 3600), JSON.stringify(p));
    // the root volumes (gp2 / gp3 by the image) cost per GB-month of their age
    const root = scope.volumes.find((v) => v.Seconds >= 3600)!;
    assert.ok(root.CostUSD > 0);
    assert.ok(scope.totals.totalUSD >= scope.totals.instancesUSD + scope.totals.volumesUSD - 1e-6);
    // the CLI's table
    let text = '';
    assert.equal(await costCommand(c.url, [], (x) => (text += x)), 0);
    assert.match(text, new RegExp(`${od}\\s+t3\\.micro\\s+on-demand\\s+running`));
    assert.match(text, /quota Running On-Demand Standard .*: \d+ of 8 vCPUs/);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [od, brief, sp] }));
  });
});
