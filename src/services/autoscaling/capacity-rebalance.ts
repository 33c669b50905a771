// Capacity rebalancing: when EC2 warns that a group's spot instance is at risk (a rebalance recommendation
// or the two-minute interruption notice), a group with CapacityRebalance launches a replacement first and
// terminates the old instance once the replacement is in service (the controller does both on its tick).
import type { AwsEvent } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import { causeTime } from './activities.js';
import { groups } from './store.js';

const REASONS: Record<string, string> = {
  'EC2 Instance Rebalance Recommendation': 'an EC2 instance rebalance recommendation',
  'EC2 Spot Instance Interruption Warning': 'an EC2 Spot Instance interruption notice',
};

export function watchSpotNotices(rt: Runtime): () => void {
  return rt.bus.on('aws-event', (e: AwsEvent) => {
    if (e.source !== 'aws.ec2' || !REASONS[e.detailType]) return;
    const id = (e.detail as Record<string, unknown>)['instance-id'];
    if (typeof id !== 'string') return;
    try {
      rt.store.transaction(() => mark(rt, { account: e.account, region: e.region }, id, REASONS[e.detailType]!));
    } catch (err) {
      rt.log.error(`autoscaling: capacity rebalance for ${id}: ${(err as Error)?.stack ?? String(err)}`);
    }
  });
}

function mark(rt: Runtime, scope: { account: string; region: string }, instanceId: string, reason: string): void {
  for (const g of groups(rt).list(scope)) {
    const i = g.Instances.find((x) => x.InstanceId === instanceId);
    if (!i) continue;
    if (!g.CapacityRebalance || g.deleting || i.replacing || !i.spot) return;
    if (i.LifecycleState !== 'InService' && i.LifecycleState !== 'Pending') return;
    i.replacing = reason;
    g.pendingCause = `At ${causeTime(rt.clock.now())} an instance was launched in response to ${reason}.`;
    groups(rt).put(scope, g.AutoScalingGroupName, g);
    return;
  }
}
