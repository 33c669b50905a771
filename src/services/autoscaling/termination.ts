// Which instances a scale-in terminates: AWS's termination policies, applied in the group's order, then Default.
import { activeInstances } from './groups.js';
import { capacityOf, surplusMarket, weightOf } from './mixed.js';
import type { GroupInstanceRecord, GroupRecord } from './store.js';

const HOUR = 3_600_000;

/** Filters a candidate list down by one policy (ties stay for the next policy). */
function applyPolicy(policy: string, g: GroupRecord, list: GroupInstanceRecord[], now: number): GroupInstanceRecord[] {
  const keepBy = (score: (i: GroupInstanceRecord) => number, prefer: 'min' | 'max') => {
    const scores = list.map(score);
    const best = prefer === 'min' ? Math.min(...scores) : Math.max(...scores);
    return list.filter((_, k) => scores[k] === best);
  };
  switch (policy) {
    case 'OldestInstance':
      return keepBy((i) => i.launchedAt, 'min');
    case 'NewestInstance':
      return keepBy((i) => i.launchedAt, 'max');
    case 'OldestLaunchConfiguration':
      // instances from another launch configuration than the group's are the oldest
      return keepBy((i) => (g.LaunchConfigurationName && i.LaunchConfigurationName === g.LaunchConfigurationName ? 1 : 0), 'min');
    case 'OldestLaunchTemplate': {
      const current = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      return keepBy((i) => (current && i.LaunchTemplate?.LaunchTemplateId === current.LaunchTemplateId ? Number(i.LaunchTemplate?.Version) || 1 : 0), 'min');
    }
    case 'ClosestToNextInstanceHour':
      return keepBy((i) => HOUR - ((now - i.launchedAt) % HOUR), 'min');
    default:
      return list;
  }
}

/** `count` instances to terminate, never protected ones. Default: the zone with the most instances, then the
 *  oldest launch configuration or template, then the closest to the next billing hour, then at random. */
export function chooseVictims(g: GroupRecord, surplus: number, now: number, desiredAfter?: number): GroupInstanceRecord[] {
  const chosen: GroupInstanceRecord[] = [];
  const policies = [...(g.TerminationPolicies?.length ? g.TerminationPolicies : ['Default'])].filter((p) => p !== 'Default');
  for (let left = surplus; left > 0; ) {
    // weighted instances: none whose removal would take the group below its desired capacity
    let candidates = activeInstances(g).filter((i) => !i.ProtectedFromScaleIn && !chosen.includes(i) && weightOf(i) <= left);
    if (!candidates.length) break;
    // a mixed group first sheds the market above its share (AWS's allocation-strategy step)
    const remaining = activeInstances(g).filter((x) => !chosen.includes(x));
    const market = surplusMarket(g, remaining, desiredAfter ?? capacityOf(remaining) - left);
    if (market) {
      const same = candidates.filter((i) => !!i.spot === (market === 'spot'));
      if (same.length) candidates = same;
    }
    // zones are balanced first, whatever the policies (AWS: "select the Availability Zone with the most instances")
    const perZone = new Map<string, number>();
    for (const i of activeInstances(g).filter((x) => !chosen.includes(x))) perZone.set(i.AvailabilityZone, (perZone.get(i.AvailabilityZone) ?? 0) + 1);
    const most = Math.max(...candidates.map((i) => perZone.get(i.AvailabilityZone) ?? 0));
    let list = candidates.filter((i) => (perZone.get(i.AvailabilityZone) ?? 0) === most);
    for (const p of [...policies, 'OldestLaunchConfiguration', 'OldestLaunchTemplate', 'ClosestToNextInstanceHour']) {
      if (list.length <= 1) break;
      list = applyPolicy(p, g, list, now);
    }
    const victim = list[Math.floor(Math.random() * list.length)]!;
    chosen.push(victim);
    left -= weightOf(victim);
  }
  return chosen;
}
