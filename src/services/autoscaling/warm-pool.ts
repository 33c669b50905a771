// The warm pool on the controller's clock: pre-initialized instances beside the group, launched through EC2
// as the group launches them (their user data runs at that first boot), then brought to the pool state
// (stopped through EC2's stop; Running left running). Scale out draws on them first; scale in with
// ReuseOnScaleIn returns instances to the pool. Warm instances are not capacity: they live in g.warm, not
// g.Instances, so they get no load balancer registration, no health replacement and no InService metrics.
//
// Hibernated: Cumulus's EC2 has no hibernation (StopInstances Hibernate=true is refused as for an instance
// launched without hibernation configured), so a Hibernated pool stops its instances and shows them as
// Warmed:Hibernated.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import * as ec2 from '../ec2/index.js';
import { causeTime, finishActivity, recordActivity } from './activities.js';
import { isSuspended, subnetFor } from './groups.js';
import { launchedEvent, launchOne, terminatedEvent, type Route } from './launch.js';
import { beginActions, settleActions } from './lifecycle-hooks.js';
import { deregisterInstance } from './load-balancers.js';
import { activeRefreshOf } from './instance-refresh.js';
import { startInstances, stopInstances } from './warm-ec2.js';
import { activities, type GroupInstanceRecord, type GroupRecord } from './store.js';

type State = GroupInstanceRecord['LifecycleState'];

const INTO_POOL: Route = { origin: 'EC2', destination: 'WarmPool' };
const POOL_TO_GROUP: Route = { origin: 'WarmPool', destination: 'AutoScalingGroup' };
const GROUP_TO_POOL: Route = { origin: 'AutoScalingGroup', destination: 'WarmPool' };
const POOL_TO_EC2: Route = { origin: 'WarmPool', destination: 'EC2' };

const READY = new Set<State>(['Warmed:Stopped', 'Warmed:Running', 'Warmed:Hibernated']);
const LEAVING = new Set<State>(['Warmed:Terminating', 'Warmed:Terminating:Wait', 'Warmed:Terminating:Proceed', 'Warmed:Terminated']);

const at = (rt: Runtime) => causeTime(rt.clock.now());

/** The state a warm instance rests in once prepared. */
export function restingState(g: GroupRecord): State {
  const s = g.WarmPoolConfiguration?.PoolState ?? 'Stopped';
  return s === 'Running' ? 'Warmed:Running' : s === 'Hibernated' ? 'Warmed:Hibernated' : 'Warmed:Stopped';
}

/** How many instances the pool keeps: max(MinSize, (MaxGroupPreparedCapacity, or MaxSize when -1/absent) − desired). */
export function poolTarget(g: GroupRecord): number {
  const c = g.WarmPoolConfiguration;
  if (!c || c.Status === 'PendingDelete' || g.deleting) return 0;
  const prepared = c.MaxGroupPreparedCapacity === undefined || c.MaxGroupPreparedCapacity === -1 ? g.MaxSize : c.MaxGroupPreparedCapacity;
  return Math.max(c.MinSize ?? 0, prepared - g.DesiredCapacity);
}

/** Warm instances that count toward the pool's size (launching, waiting or ready; not leaving). */
export const poolMembers = (g: GroupRecord) => (g.warm ?? []).filter((i) => !LEAVING.has(i.LifecycleState));

/** A ready warm instance for a scale out, preferring `zone`; taken out of the pool. During an instance refresh only instances of the new launch source qualify. */
export function takeWarm(rt: Runtime, scope: Scope, g: GroupRecord, zone: string | undefined): GroupInstanceRecord | undefined {
  const refreshing = !!g.warm?.length && !!activeRefreshOf(rt, scope, g.AutoScalingGroupName);
  const ready = (g.warm ?? []).filter((i) => READY.has(i.LifecycleState) && i.HealthStatus === 'Healthy' && (!refreshing || sameSource(g, i)));
  const pick = ready.find((i) => i.AvailabilityZone === zone) ?? ready[0];
  if (pick) g.warm = g.warm!.filter((i) => i !== pick);
  return pick;
}

/**
 * Moves a ready warm instance into the group: started if stopped, Pending until EC2 runs it (then the launch
 * hooks, then InService), with the "from warm pool" activity.
 */
export function launchFromPool(rt: Runtime, scope: Scope, g: GroupRecord, inst: GroupInstanceRecord, cause: string): void {
  const state = ec2.instanceForTarget(rt, scope, inst.InstanceId)?.State;
  if (state === 'stopped') startInstances(rt, scope, [inst.InstanceId]);
  const a = recordActivity(rt, scope, g, {
    Description: `Launching a new EC2 instance from warm pool: ${inst.InstanceId}`,
    Cause: cause,
    StatusCode: 'InProgress',
    Details: details(rt, scope, g, inst),
  });
  Object.assign(inst, { LifecycleState: 'Pending', launchActivityId: a.ActivityId, launchedAt: rt.clock.now(), fromWarmPool: true, actions: undefined, returning: undefined });
  g.Instances.push(inst);
}

/** Scale in with ReuseOnScaleIn: the instance leaves its load balancers and goes back to the pool (stopped), not terminated. */
export function returnToPool(rt: Runtime, scope: Scope, g: GroupRecord, inst: GroupInstanceRecord, cause: string): void {
  if (inst.registeredTo?.length) deregisterInstance(rt, scope, inst);
  delete inst.drainUntil;
  const a = recordActivity(rt, scope, g, {
    Description: `Moving EC2 instance to warm pool: ${inst.InstanceId}`,
    Cause: cause,
    StatusCode: 'InProgress',
    Details: details(rt, scope, g, inst),
  });
  g.Instances = g.Instances.filter((i) => i !== inst);
  Object.assign(inst, { LifecycleState: 'Warmed:Pending', launchActivityId: a.ActivityId, returning: true, fromWarmPool: undefined, actions: undefined });
  (g.warm ??= []).push(inst);
}

export const reusesOnScaleIn = (g: GroupRecord) => !!g.WarmPoolConfiguration?.InstanceReusePolicy?.ReuseOnScaleIn && g.WarmPoolConfiguration.Status !== 'PendingDelete' && !g.deleting;

const details = (rt: Runtime, scope: Scope, g: GroupRecord, i: GroupInstanceRecord) => ({
  'Subnet ID': subnetFor({ ...rt, ...scope }, g, i.AvailabilityZone) ?? '',
  'Availability Zone': i.AvailabilityZone,
});

/** One pass over the pool: follow EC2, settle hooks, reach the pool state, keep the size, finish a deletion. */
export function reconcileWarmPool(rt: Runtime, scope: Scope, g: GroupRecord): void {
  if (!g.WarmPoolConfiguration && !g.warm?.length) return;
  followWarm(rt, scope, g);
  replaceOutdated(rt, scope, g);
  const target = poolTarget(g);
  const members = poolMembers(g);
  if (members.length < target && !isSuspended(g, 'Launch') && (g.launchBackoffUntil ?? 0) <= rt.clock.now()) fill(rt, scope, g, target - members.length);
  else if (members.length > target && !isSuspended(g, 'Terminate')) {
    // the surplus goes: the least prepared first (still launching), then the newest
    const surplus = [...members].sort((a, b) => Number(READY.has(a.LifecycleState)) - Number(READY.has(b.LifecycleState)) || b.launchedAt - a.launchedAt).slice(0, members.length - target);
    const cause = `At ${at(rt)} an instance was taken out of service in response to a difference between the warm pool's desired and actual size, shrinking it from ${members.length} to ${target}.`;
    for (const i of surplus) terminateWarm(rt, scope, g, i, cause);
  }
  g.warm = (g.warm ?? []).filter((i) => i.LifecycleState !== 'Warmed:Terminated');
  if (g.WarmPoolConfiguration?.Status === 'PendingDelete' && !g.warm.length) {
    delete g.WarmPoolConfiguration;
    delete g.WarmPoolSize;
  }
  if (g.WarmPoolConfiguration) g.WarmPoolSize = poolMembers(g).length;
  if (!g.warm.length) delete g.warm;
}

function fill(rt: Runtime, scope: Scope, g: GroupRecord, n: number): void {
  const size = poolMembers(g).length;
  const cause = `At ${at(rt)} an instance was launched in response to a difference between the warm pool's desired and actual size, increasing it from ${size} to ${size + n}.`;
  for (let k = 0; k < n; k++) {
    const counts = new Map(g.AvailabilityZones.map((z) => [z, 0]));
    for (const i of poolMembers(g)) counts.set(i.AvailabilityZone, (counts.get(i.AvailabilityZone) ?? 0) + 1);
    const zones = g.AvailabilityZones.filter((z) => (g.azBackoff?.[z] ?? 0) <= rt.clock.now()).sort((a, b) => counts.get(a)! - counts.get(b)!);
    let launched = false;
    for (const zone of zones) {
      const outcome = launchOne(rt, scope, g, zone, cause, undefined, true);
      if (outcome.instance) {
        (g.warm ??= []).push(outcome.instance);
        launched = true;
        break;
      }
      g.azBackoff = { ...(g.azBackoff ?? {}), [zone]: rt.clock.now() + 60_000 };
    }
    if (!launched) return;
  }
}

/** Out of the pool and into EC2's termination (the terminate hooks hold it in Warmed:Terminating:Wait unless `skipHooks`). */
export function terminateWarm(rt: Runtime, scope: Scope, g: GroupRecord, inst: GroupInstanceRecord, cause: string, skipHooks = false): void {
  const held = !skipHooks && !g.deleting && beginActions(rt, scope, g, inst, 'terminate', { state: 'Warmed:Terminating:Wait', ...POOL_TO_EC2 });
  if (inst.launchActivityId) {
    const open = activities(rt).get(scope, inst.launchActivityId);
    if (open && !open.EndTime) finishActivity(rt, scope, inst.launchActivityId, 'Failed', 'The instance was terminated before it was ready in the warm pool.');
  }
  const a = recordActivity(rt, scope, g, {
    Description: `Terminating EC2 instance: ${inst.InstanceId}`,
    Cause: cause,
    StatusCode: held ? 'MidLifecycleAction' : 'InProgress',
    Details: details(rt, scope, g, inst),
  });
  inst.terminateActivityId = a.ActivityId;
  if (!held) terminateNow(rt, scope, inst);
}

function terminateNow(rt: Runtime, scope: Scope, inst: GroupInstanceRecord): void {
  inst.LifecycleState = 'Warmed:Terminating';
  inst.actions = undefined;
  try {
    ec2.terminateInstancesInternal(rt, scope, [inst.InstanceId]);
  } catch (err) {
    // termination protection: tried again on the next pass
    rt.log.debug(`autoscaling: terminating warm ${inst.InstanceId}: ${(err as Error).message}`);
  }
}

function followWarm(rt: Runtime, scope: Scope, g: GroupRecord): void {
  const resting = restingState(g);
  for (const i of g.warm ?? []) {
    const state = ec2.instanceForTarget(rt, scope, i.InstanceId)?.State;
    switch (i.LifecycleState) {
      case 'Warmed:Terminating':
        if (!state || state === 'terminated') {
          i.LifecycleState = 'Warmed:Terminated';
          if (i.terminateActivityId) {
            finishActivity(rt, scope, i.terminateActivityId, 'Successful');
            const a = activities(rt).get(scope, i.terminateActivityId);
            if (a) terminatedEvent(rt, scope, g, a, i, POOL_TO_EC2);
          }
        } else if (state !== 'shutting-down') terminateNow(rt, scope, i);
        break;
      case 'Warmed:Terminating:Wait':
        if (settleActions(rt, i) !== 'waiting') terminateNow(rt, scope, i);
        break;
      case 'Warmed:Pending':
        if (!state || state === 'terminated' || state === 'shutting-down') {
          terminateWarm(rt, scope, g, i, `At ${at(rt)} an instance was taken out of the warm pool in response to an EC2 health check indicating it has been terminated or stopped.`, true);
          break;
        }
        // on its way to a stopped pool state already (the hooks had their say when it was running)
        if (state === 'stopping' || state === 'stopped') {
          towardRest(rt, scope, g, i, resting, state);
          break;
        }
        // a new instance waits until EC2 has booted it (its user data runs then); a returning one is running already
        if (state !== 'running' && !i.returning) break;
        if (!beginActions(rt, scope, g, i, i.returning ? 'terminate' : 'launch', { state: 'Warmed:Pending:Wait', ...(i.returning ? GROUP_TO_POOL : INTO_POOL) })) {
          towardRest(rt, scope, g, i, resting, state);
        }
        break;
      case 'Warmed:Pending:Wait': {
        const outcome = settleActions(rt, i);
        if (outcome === 'CONTINUE' || (outcome === 'ABANDON' && i.returning)) {
          i.LifecycleState = 'Warmed:Pending:Proceed';
          towardRest(rt, scope, g, i, resting, state);
        } else if (outcome === 'ABANDON') {
          const token = Object.values(i.actions ?? {}).find((a) => a.result === 'ABANDON')?.token;
          if (i.launchActivityId) {
            finishActivity(rt, scope, i.launchActivityId, 'Failed', `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${token} was abandoned: Lifecycle Action Completed with ABANDON Result`);
          }
          terminateWarm(rt, scope, g, i, `At ${at(rt)} an instance was taken out of the warm pool in response to a lifecycle action being abandoned.`, true);
        }
        break;
      }
      case 'Warmed:Pending:Proceed':
        towardRest(rt, scope, g, i, resting, state);
        break;
      default:
        if (!READY.has(i.LifecycleState)) break;
        if (!state || state === 'terminated' || state === 'shutting-down') {
          terminateWarm(rt, scope, g, i, `At ${at(rt)} an instance was taken out of the warm pool in response to an EC2 health check indicating it has been terminated or stopped.`, true);
        } else if (i.LifecycleState !== resting) {
          // the pool state changed (PutWarmPool): ready instances move to the new one
          i.LifecycleState = 'Warmed:Pending:Proceed';
          towardRest(rt, scope, g, i, resting, state);
        }
    }
  }
}

/** Drives the instance to the pool state through EC2; once there it is ready and its activity ends. */
function towardRest(rt: Runtime, scope: Scope, g: GroupRecord, i: GroupInstanceRecord, resting: State, state: string | undefined): void {
  const wantRunning = resting === 'Warmed:Running';
  if (wantRunning) {
    if (state === 'stopped') startInstances(rt, scope, [i.InstanceId]);
    if (state !== 'running') return;
  } else {
    if (state === 'running' || state === 'pending') stopInstances(rt, scope, [i.InstanceId]);
    if (state !== 'stopped') return;
  }
  const returning = i.returning;
  i.LifecycleState = resting;
  i.actions = undefined;
  i.returning = undefined;
  if (!i.launchActivityId) return;
  const open = activities(rt).get(scope, i.launchActivityId);
  if (!open || open.EndTime) return;
  finishActivity(rt, scope, i.launchActivityId, 'Successful');
  const a = activities(rt).get(scope, i.launchActivityId);
  // a new instance is a launch into the pool; a returned one ends its move without a launch event
  if (a && !returning) launchedEvent(rt, scope, g, a, i, INTO_POOL);
}

/** While an instance refresh runs, ready warm instances launched from another source are replaced (the pool refills from the new one). */
function replaceOutdated(rt: Runtime, scope: Scope, g: GroupRecord): void {
  if (!g.warm?.length || !activeRefreshOf(rt, scope, g.AutoScalingGroupName)) return;
  for (const i of g.warm.filter((x) => READY.has(x.LifecycleState) && !sameSource(g, x))) {
    terminateWarm(rt, scope, g, i, `At ${at(rt)} an instance was taken out of the warm pool in response to an instance refresh.`);
  }
}

function sameSource(g: GroupRecord, i: GroupInstanceRecord): boolean {
  if (g.LaunchConfigurationName) return i.LaunchConfigurationName === g.LaunchConfigurationName;
  if (!g.LaunchTemplate || !i.LaunchTemplate) return true;
  if (i.LaunchTemplate.LaunchTemplateId !== g.LaunchTemplate.LaunchTemplateId) return false;
  const v = g.LaunchTemplate.Version;
  // $Latest/$Default resolve at launch: an instance launched from an older version is outdated only by number
  return !v || v.startsWith('$') || v === i.LaunchTemplate.Version;
}

export { POOL_TO_GROUP };
