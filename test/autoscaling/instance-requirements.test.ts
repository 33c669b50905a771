// Attribute-based instance type selection: a MixedInstancesPolicy override given as InstanceRequirements
// launches the cheapest matching type of EC2's catalogue (lowest-price by EC2's list prices), honours
// burstable/generation/excluded filters, and bad requirements are refused. The lowest-price strategies rank
// instance types by EC2's prices (per unit of weight).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AutoScalingClient, CreateAutoScalingGroupCommand, type InstanceRequirements } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { amazonLinux, inService, settle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let ec2: EC2Client;

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
  const ami = await amazonLinux(ec2);
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'abs', LaunchTemplateData: { ImageId: ami, UserData: SLEEPER } }));
});
after(() => c.stop());

const create = (name: string, req: InstanceRequirements, desired = 1, distribution: Record<string, unknown> = {}) =>
  asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: 0,
      MaxSize: 4,
      DesiredCapacity: desired,
      AvailabilityZones: ['us-east-1a'],
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'abs', Version: '$Latest' }, Overrides: [{ InstanceRequirements: req }] }, InstancesDistribution: distribution },
    }),
  );

async function typesOf(name: string, n: number): Promise<string[]> {
  const g = await settle(c, asg, name, inService(n), `${n} in service in ${name}`);
  const ids = g!.Instances!.map((i) => i.InstanceId!);
  const list = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!.flatMap((r) => r.Instances!);
  return list.map((i) => i.InstanceType!);
}

test('2 vCPUs and 4–8 GiB, burstable excluded by default: the cheapest match (c5.large at $0.085) on-demand, lowest-price by default', async () => {
  await create('abs-a', { VCpuCount: { Min: 2, Max: 2 }, MemoryMiB: { Min: 4096, Max: 8192 } });
  assert.deepEqual(await typesOf('abs-a', 1), ['c5.large']);
  const r = await boto3(c, `a = boto3.client('autoscaling', endpoint_url=endpoint, region_name='us-east-1')\ng = a.describe_auto_scaling_groups(AutoScalingGroupNames=['abs-a'])['AutoScalingGroups'][0]\nprint(json.dumps([g['MixedInstancesPolicy']['InstancesDistribution']['OnDemandAllocationStrategy'], g['MixedInstancesPolicy']['LaunchTemplate']['Overrides'][0]['InstanceRequirements']['VCpuCount']]))`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ['lowest-price', { Min: 2, Max: 2 }]);
});

test('burstable required, up to 2 GiB, Intel only, t2 excluded: t3.micro', async () => {
  await create('abs-b', { VCpuCount: { Min: 1, Max: 2 }, MemoryMiB: { Min: 1024, Max: 2048 }, BurstablePerformance: 'required', CpuManufacturers: ['intel'], ExcludedInstanceTypes: ['t2.*'] });
  assert.deepEqual(await typesOf('abs-b', 1), ['t3.micro']);
});

test('memory-optimized: at least 8 GiB per vCPU, previous generation only → r4.large', async () => {
  await create('abs-c', { VCpuCount: { Min: 2, Max: 4 }, MemoryMiB: { Min: 8192 }, MemoryGiBPerVCpu: { Min: 7 }, InstanceGenerations: ['previous'] });
  assert.deepEqual(await typesOf('abs-c', 1), ['r4.large']);
});

test('lowest-price spot ranks by EC2 prices per unit of weight: t3.micro ($0.0104/unit) before t3.large ($0.0416/unit)', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'cheap',
      MinSize: 0,
      MaxSize: 4,
      DesiredCapacity: 2,
      AvailabilityZones: ['us-east-1a'],
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'abs' }, Overrides: [{ InstanceType: 't3.large', WeightedCapacity: '2' }, { InstanceType: 't3.micro', WeightedCapacity: '1' }] },
        InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'lowest-price' },
      },
    }),
  );
  assert.deepEqual(await typesOf('cheap', 2), ['t3.micro', 't3.micro']);
});

test('bad InstanceRequirements are refused', async () => {
  const refused = async (p: Promise<unknown>, re: RegExp) =>
    assert.rejects(p, (e: Error & { name: string }) => {
      assert.equal(e.name, 'ValidationError');
      assert.match(e.message, re);
      return true;
    });
  await refused(create('bad1', { VCpuCount: { Min: 4, Max: 2 }, MemoryMiB: { Min: 0 } }), /VCpuCount/);
  await refused(create('bad2', { VCpuCount: { Min: 1000 }, MemoryMiB: { Min: 0 } }), /No instance types match/);
  await refused(create('bad3', { VCpuCount: { Min: 2 }, MemoryMiB: { Min: 0 }, AllowedInstanceTypes: ['m5.*'], ExcludedInstanceTypes: ['m5.large'] }), /AllowedInstanceTypes or ExcludedInstanceTypes/);
  await refused(create('bad4', { VCpuCount: { Min: 2 }, MemoryMiB: { Min: 0 } }, 1, { OnDemandAllocationStrategy: 'prioritized' }), /prioritized/);
  await refused(
    asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'bad5',
        MinSize: 0,
        MaxSize: 1,
        AvailabilityZones: ['us-east-1a'],
        MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'abs' }, Overrides: [{ InstanceType: 't3.micro', InstanceRequirements: { VCpuCount: { Min: 2 }, MemoryMiB: { Min: 0 } } }] } },
      }),
    ),
    /either InstanceType or InstanceRequirements/,
  );
});
