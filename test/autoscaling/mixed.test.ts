// Mixed instances: on-demand base and percentage kept with real spot instances, instance types in the
// overrides' priority, capacity counted in weights; capacity rebalancing replaces a spot instance before
// it is interrupted, and an interrupted spot instance is replaced anyway without it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeScalingActivitiesCommand, SetDesiredCapacityCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';
import { amazonLinux, group, inService, settle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let ec2: EC2Client;
const ZONES = ['us-east-1a', 'us-east-1b'];

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
  const ami = await amazonLinux(ec2);
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'mixed', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER } }));
});
after(() => c.stop());

async function ec2Instances(g: AutoScalingGroup | undefined): Promise<Instance[]> {
  const ids = (g?.Instances ?? []).map((i) => i.InstanceId!);
  if (!ids.length) return [];
  return (await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!.flatMap((r) => r.Instances!);
}

const spotCount = (list: Instance[]) => list.filter((i) => i.InstanceLifecycle === 'spot').length;

async function fault(body: object): Promise<void> {
  const res = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.ok(res.ok, await res.text());
}

test('base and percentage: 5 = 1 on-demand base + 50% of 4 on-demand (rounded up) → 3 on-demand, 2 spot; scale-in keeps the split', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'mix',
      MinSize: 0,
      MaxSize: 8,
      DesiredCapacity: 5,
      AvailabilityZones: ZONES,
      CapacityRebalance: true,
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'mixed', Version: '$Latest' }, Overrides: [{ InstanceType: 't3.small' }, { InstanceType: 't3.micro' }] },
        InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 50, SpotAllocationStrategy: 'capacity-optimized' },
      },
    }),
  );
  const g = await settle(c, asg, 'mix', inService(5), '5 in service');
  assert.equal(g!.MixedInstancesPolicy!.InstancesDistribution!.OnDemandAllocationStrategy, 'prioritized');
  const list = await ec2Instances(g);
  assert.equal(spotCount(list), 2);
  // prioritized / capacity-optimized in Cumulus: the first override wins
  assert.ok(list.every((i) => i.InstanceType === 't3.small'), JSON.stringify(list.map((i) => i.InstanceType)));
  assert.ok(g!.Instances!.every((i) => i.InstanceType === 't3.small'));

  // scale in to 3: target 1 + ceil(2 * 50%) = 2 on-demand, 1 spot
  await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'mix', DesiredCapacity: 3 }));
  const shrunk = await settle(c, asg, 'mix', inService(3), 'scale in to 3');
  assert.equal(spotCount(await ec2Instances(shrunk)), 1);
});

test('capacity rebalance: a spot instance with an interruption notice is replaced before it goes', async () => {
  const before = await ec2Instances(await group(asg, 'mix'));
  const victim = before.find((i) => i.InstanceLifecycle === 'spot')!.InstanceId!;
  await fault({ kind: 'spot-interruption', instanceId: victim });
  // the replacement launches while the old one is still in service
  const both = await settle(c, asg, 'mix', (g) => (g?.Instances ?? []).length === 4, 'replacement launched first', 5);
  assert.equal(both!.Instances!.find((i) => i.InstanceId === victim)!.LifecycleState, 'InService');
  const g = await settle(c, asg, 'mix', (x) => inService(3)(x) && !x!.Instances!.some((i) => i.InstanceId === victim), 'old spot gone', 5);
  assert.equal(spotCount(await ec2Instances(g)), 1, 'the replacement is spot too');
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'mix' }));
  assert.ok(acts.Activities!.some((a) => a.Description === `Terminating EC2 instance: ${victim}` && /in response to an EC2 Spot Instance interruption notice/.test(a.Cause!)));
  assert.ok(acts.Activities!.some((a) => /an instance was launched in response to an EC2 Spot Instance interruption notice/.test(a.Cause!)));
});

test('weights: capacity in units, types in priority; an interrupted spot instance is replaced without capacity rebalance', async () => {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'weighted',
      MinSize: 0,
      MaxSize: 10,
      DesiredCapacity: 4,
      AvailabilityZones: ZONES,
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'mixed' }, Overrides: [{ InstanceType: 't3.large', WeightedCapacity: '2' }, { InstanceType: 't3.micro', WeightedCapacity: '1' }] },
        // priority order (lowest-price would pick t3.micro: $0.0104 per unit against t3.large's $0.0416)
        InstancesDistribution: { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'capacity-optimized-prioritized' },
      },
    }),
  );
  const g = await settle(c, asg, 'weighted', inService(2), '2 instances of weight 2');
  assert.deepEqual(g!.Instances!.map((i) => [i.InstanceType, i.WeightedCapacity]), [['t3.large', '2'], ['t3.large', '2']]);
  const list = await ec2Instances(g);
  assert.equal(spotCount(list), 2);
  const victim = list[0]!.InstanceId!;
  await fault({ kind: 'spot-interruption', instanceId: victim });
  await advance(c, 130);
  const healed = await settle(c, asg, 'weighted', (x) => inService(2)(x) && !x!.Instances!.some((i) => i.InstanceId === victim), 'interrupted one replaced');
  assert.equal(spotCount(await ec2Instances(healed)), 2);
  await assert.rejects(
    asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'bad',
        MinSize: 0,
        MaxSize: 1,
        AvailabilityZones: ZONES,
        MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'mixed' }, Overrides: [{ InstanceType: 't3.large', WeightedCapacity: '2' }, { InstanceType: 't3.micro' }] } },
      }),
    ),
    (e: Error) => e.name === 'ValidationError' && /WeightedCapacity/.test(e.message),
  );
});
