// The controller: on the clock, keeps every group at its desired capacity with real EC2 instances —
// follows their EC2 state, replaces unhealthy ones, launches evenly across zones, terminates by the
// group's termination policies, rebalances zones, and finishes deletions.
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import * as ec2 from '../ec2/index.js';
import { causeTime, finishActivity } from './activities.js';
import { activeInstances, isSuspended } from './groups.js';
import { launchedEvent, launchOne, terminatedEvent, terminateInEc2, terminateOne } from './launch.js';
import { beginActions, deleteHooksOf, settleActions } from './lifecycle-hooks.js';
import { activities, groups, policies, type GroupInstanceRecord, type GroupRecord } from './store.js';
import { publishGroupMetrics } from './instances-api.js';
import { chooseVictims } from './termination.js';
import { capacityOf, nextLaunch } from './mixed.js';
import type { LaunchPick } from './launch.js';
import { elbHealth, registerInService } from './load-balancers.js';
import { deleteRefreshesOf, runRefreshes } from './instance-refresh.js';
import { deleteScheduledActionsOf, runDueScheduledActions } from './scheduled-actions.js';
import { deletePolicyAlarms, repeatAlarmActions } from './target-tracking.js';
import { executePolicy } from './policies.js';
import { forgetForecasts, runPredictiveScaling } from './predictive.js';
import { launchFromPool, POOL_TO_GROUP, poolMembers, poolTarget, reconcileWarmPool, returnToPool, reusesOnScaleIn, takeWarm } from './warm-pool.js';

export function tickMs(): number {
  const s = Number(process.env.CUMULUS_AUTOSCALING_TICK_SECONDS ?? 10);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

/** A zone that refused a launch is not tried again for this long. */
const AZ_BACKOFF_MS = 60_000;

const controllers = new WeakMap<Runtime['clock'], TimerHandle[]>();

export function startController(rt: Runtime): void {
  if (controllers.has(rt.clock)) return;
  controllers.set(rt.clock, [
    rt.clock.setInterval(() => reconcileAll(rt), tickMs()),
    rt.clock.setInterval(() => publishGroupMetrics(rt), 60_000),
    // CloudWatch runs an Auto Scaling action again every minute while its alarm stays in ALARM
    rt.clock.setInterval(
      () =>
        repeatAlarmActions(rt, (scope, p, alarmName, metricValue) => {
          executePolicy(rt, scope, p, { by: 'alarm', alarmName, state: 'ALARM', metricValue });
        }),
      60_000,
    ),
  ]);
}

export function stopController(rt: Runtime): void {
  for (const t of controllers.get(rt.clock) ?? []) t.cancel();
  controllers.delete(rt.clock);
}

export function reconcileAll(rt: Runtime): void {
  runDueScheduledActions(rt);
  runPredictiveScaling(rt);
  runRefreshes(
    rt,
    (scope, name) => groups(rt).get(scope, name),
    (scope, g) => groups(rt).put(scope, g.AutoScalingGroupName, g),
  );
  for (const { scope, id } of groups(rt).listAll()) {
    try {
      rt.store.transaction(() => {
        const g = groups(rt).get(scope, id);
        if (g) reconcile(rt, scope, g, JSON.stringify(g));
      });
    } catch (err) {
      rt.log.error(`autoscaling: reconciling ${id} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

const at = (rt: Runtime) => causeTime(rt.clock.now());

/** One pass over one group; persists it (or deletes it when its deletion is complete). */
export function reconcile(rt: Runtime, scope: Scope, g: GroupRecord, unchanged?: string): void {
  followEc2(rt, scope, g);
  if (!isSuspended(g, 'ReplaceUnhealthy')) {
    for (const i of activeInstances(g).filter((x) => x.HealthStatus === 'Unhealthy')) {
      terminateOne(rt, scope, g, i, `At ${at(rt)} an instance was taken out of service in response to ${i.unhealthyCause ?? 'a user health-check'}.`);
    }
  }
  if (g.TargetGroupARNs?.length || g.LoadBalancerNames?.length) registerInService(rt, scope, g);
  settleReplacements(rt, scope, g);
  const desired = g.deleting ? 0 : g.DesiredCapacity;
  const capacity = capacityOf(activeInstances(g));
  if (capacity < desired && !isSuspended(g, 'Launch')) launchUpTo(rt, scope, g, desired);
  else if (capacity > desired && !isSuspended(g, 'Terminate')) shrinkTo(rt, scope, g, desired);
  else if (!g.deleting && !isSuspended(g, 'AZRebalance') && !isSuspended(g, 'Launch')) rebalance(rt, scope, g);
  reconcileWarmPool(rt, scope, g);

  g.Instances = g.Instances.filter((i) => i.LifecycleState !== 'Terminated');
  if (g.deleting && g.Instances.length === 0 && !g.warm?.length) {
    groups(rt).delete(scope, g.AutoScalingGroupName);
    for (const p of policies(rt).list(scope).filter((p) => p.AutoScalingGroupName === g.AutoScalingGroupName)) {
      deletePolicyAlarms(rt, scope, p);
      forgetForecasts(rt, scope, p);
      policies(rt).delete(scope, `${p.AutoScalingGroupName}/${p.PolicyName}`);
    }
    deleteHooksOf(rt, scope, g.AutoScalingGroupName);
    deleteScheduledActionsOf(rt, scope, g.AutoScalingGroupName);
    deleteRefreshesOf(rt, scope, g.AutoScalingGroupName);
    return;
  }
  // a quiet tick writes nothing
  if (unchanged === undefined || JSON.stringify(g) !== unchanged) groups(rt).put(scope, g.AutoScalingGroupName, g);
}

/** Pending → InService once running; stopped, terminated or impaired instances become Unhealthy; terminations complete. */
function followEc2(rt: Runtime, scope: Scope, g: GroupRecord): void {
  if (!g.Instances.length) return;
  const ids = g.Instances.map((i) => i.InstanceId);
  // only the state is needed: EC2's light lookup, not the full DescribeInstances view (the controller's hot path)
  const states = new Map(ids.map((id) => [id, ec2.instanceForTarget(rt, scope, id)?.State]));
  const checks = ec2.statusChecksFailedOf(rt, scope, ids);
  const graceOver = (i: GroupInstanceRecord) => rt.clock.now() - i.launchedAt >= (g.HealthCheckGracePeriod ?? 0) * 1000;
  for (const i of g.Instances) {
    const state = states.get(i.InstanceId);
    if (i.LifecycleState === 'Terminating') {
      if (i.drainUntil !== undefined) {
        terminateInEc2(rt, scope, i);
        continue;
      }
      if (!state || state === 'terminated') {
        i.LifecycleState = 'Terminated';
        if (i.terminateActivityId) {
          finishActivity(rt, scope, i.terminateActivityId, 'Successful');
          const a = activities(rt).get(scope, i.terminateActivityId);
          if (a) terminatedEvent(rt, scope, g, a, i);
        }
      } else if (state === 'running' || state === 'stopped' || state === 'pending') {
        // termination was refused (protection): try again
        try {
          ec2.terminateInstancesInternal(rt, scope, [i.InstanceId]);
        } catch {
          /* still protected */
        }
      }
      continue;
    }
    if (i.LifecycleState === 'Terminating:Wait') {
      if (settleActions(rt, i) !== 'waiting') terminateInEc2(rt, scope, i);
      continue;
    }
    if (i.LifecycleState === 'Pending' && state === 'running' && !beginActions(rt, scope, g, i, 'launch')) inService(rt, scope, g, i);
    if (i.LifecycleState === 'Pending:Wait') {
      const outcome = settleActions(rt, i);
      if (outcome === 'CONTINUE') inService(rt, scope, g, i);
      else if (outcome === 'ABANDON') {
        const token = Object.values(i.actions ?? {}).find((a) => a.result === 'ABANDON')?.token;
        if (i.launchActivityId) {
          finishActivity(rt, scope, i.launchActivityId, 'Failed', `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${token} was abandoned: Lifecycle Action Completed with ABANDON Result`);
        }
        i.terminateHooksDone = true;
        terminateOne(rt, scope, g, i, `At ${at(rt)} an instance was taken out of service in response to a lifecycle action being abandoned.`);
        continue;
      }
    }
    if (isSuspended(g, 'HealthCheck') || i.HealthStatus === 'Unhealthy') continue;
    if (i.LifecycleState !== 'Pending' && i.LifecycleState !== 'Pending:Wait' && i.LifecycleState !== 'InService') continue;
    if (!state || state === 'terminated' || state === 'shutting-down' || state === 'stopped' || state === 'stopping') {
      i.HealthStatus = 'Unhealthy';
      i.unhealthyCause = 'an EC2 health check indicating it has been terminated or stopped';
    } else if (state === 'running' && graceOver(i)) {
      const failed = checks.get(i.InstanceId);
      if (failed && (failed.system || failed.instance)) {
        i.HealthStatus = 'Unhealthy';
        i.unhealthyCause = 'an EC2 instance status checks failure';
      } else if (g.HealthCheckType === 'ELB' && i.LifecycleState === 'InService' && elbHealth(rt, scope, g, i) === 'unhealthy') {
        i.HealthStatus = 'Unhealthy';
        i.unhealthyCause = 'an ELB system health check failure';
      }
    }
  }
}

function inService(rt: Runtime, scope: Scope, g: GroupRecord, i: GroupInstanceRecord): void {
  i.LifecycleState = 'InService';
  if (!i.launchActivityId) return;
  finishActivity(rt, scope, i.launchActivityId, 'Successful');
  const a = activities(rt).get(scope, i.launchActivityId);
  if (a) launchedEvent(rt, scope, g, a, i, i.fromWarmPool ? POOL_TO_GROUP : undefined);
}

function zoneCounts(g: GroupRecord): Map<string, number> {
  const counts = new Map<string, number>(g.AvailabilityZones.map((z) => [z, 0]));
  for (const i of activeInstances(g)) counts.set(i.AvailabilityZone, (counts.get(i.AvailabilityZone) ?? 0) + 1);
  return counts;
}

/** The zone to launch in next: the one with the fewest instances, skipping zones that refused recently. */
function nextZone(rt: Runtime, g: GroupRecord, exclude: Set<string>): string | undefined {
  const counts = zoneCounts(g);
  const now = rt.clock.now();
  let best: string | undefined;
  for (const z of g.AvailabilityZones) {
    if (exclude.has(z) || (g.azBackoff?.[z] ?? 0) > now) continue;
    if (best === undefined || counts.get(z)! < counts.get(best)!) best = z;
  }
  return best;
}

function launchUpTo(rt: Runtime, scope: Scope, g: GroupRecord, desired: number): void {
  if ((g.launchBackoffUntil ?? 0) > rt.clock.now()) return;
  const from = capacityOf(activeInstances(g));
  const cause = `${g.pendingCause ? `${g.pendingCause}  ` : ''}At ${at(rt)} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${desired}.`;
  while (capacityOf(activeInstances(g)) < desired) {
    // the warm pool first: a prepared instance is started instead of a cold launch
    const warm = g.deleting ? undefined : takeWarm(rt, scope, g, nextZone(rt, g, new Set()));
    if (warm) {
      launchFromPool(rt, scope, g, warm, cause);
      continue;
    }
    const refused = new Set<string>();
    let launched = false;
    const picks = picksFor(rt, g, desired);
    for (let zone = nextZone(rt, g, refused); zone; zone = nextZone(rt, g, refused)) {
      const outcome = launchOne(rt, scope, g, zone, cause, picks);
      if (outcome.instance) {
        g.Instances.push(outcome.instance);
        launched = true;
        break;
      }
      refused.add(zone);
      g.azBackoff = { ...(g.azBackoff ?? {}), [zone]: rt.clock.now() + AZ_BACKOFF_MS };
    }
    if (!launched) {
      // every zone refused: try again a little later, as AWS backs off
      g.launchBackoffUntil = rt.clock.now() + 3 * tickMs();
      return;
    }
  }
  g.pendingCause = undefined;
}

function shrinkTo(rt: Runtime, scope: Scope, g: GroupRecord, desired: number): void {
  const from = capacityOf(activeInstances(g));
  const victims = chooseVictims(g, from - desired, rt.clock.now(), desired);
  const prefix = `${g.pendingCause ? `${g.pendingCause}  ` : ''}At ${at(rt)} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${from} to ${desired}.`;
  // ReuseOnScaleIn: back to the warm pool (stopped) instead of terminated, while the pool has room for them
  let room = reusesOnScaleIn(g) ? poolTarget(g) - poolMembers(g).length : 0;
  for (const v of victims) {
    if (room-- > 0) returnToPool(rt, scope, g, v, `${prefix}  At ${at(rt)} instance ${v.InstanceId} was selected to be returned to the warm pool.`);
    else terminateOne(rt, scope, g, v, `${prefix}  At ${at(rt)} instance ${v.InstanceId} was selected for termination.`);
  }
  g.pendingCause = undefined;
}

/** Zones that drifted apart by more than one instance: launch in the emptiest first; the surplus is then terminated from the fullest. */
function rebalance(rt: Runtime, scope: Scope, g: GroupRecord): void {
  if (g.AvailabilityZones.length < 2 || g.Instances.some((i) => i.LifecycleState !== 'InService' && i.LifecycleState !== 'Standby')) return;
  const counts = [...zoneCounts(g).entries()].filter(([z]) => (g.azBackoff?.[z] ?? 0) <= rt.clock.now());
  if (!counts.length) return;
  const min = counts.reduce((a, b) => (b[1] < a[1] ? b : a));
  const max = Math.max(...zoneCounts(g).values());
  if (max - min[1] <= 1) return;
  // AWS may exceed the maximum by 10% (at least one instance) while rebalancing
  if (activeInstances(g).length + 1 > g.MaxSize + Math.max(1, Math.floor(g.MaxSize / 10))) return;
  const cause = `At ${at(rt)} an instance was launched to rebalance the Availability Zones.`;
  const outcome = launchOne(rt, scope, g, min[0], cause, picksFor(rt, g, g.DesiredCapacity));
  if (outcome.instance) {
    g.Instances.push(outcome.instance);
    g.pendingCause = `At ${at(rt)} an instance was launched to rebalance the Availability Zones.`;
  } else g.azBackoff = { ...(g.azBackoff ?? {}), [min[0]]: rt.clock.now() + AZ_BACKOFF_MS };
}

/** A mixed group's launch options, best first; undefined for a group with one launch source. */
function picksFor(rt: Runtime, g: GroupRecord, desired: number): LaunchPick[] | undefined {
  if (!g.MixedInstancesPolicy) return undefined;
  const choice = nextLaunch(g, activeInstances(g), desired, { now: rt.clock.now(), zones: g.AvailabilityZones });
  return choice.overrides.map((override) => ({ market: choice.market, override }));
}

/**
 * Instances leaving once a replacement is in service (capacity rebalancing, instance refresh): they no
 * longer count toward capacity, so the group launches their replacements; when the replacements are in
 * service (or the instance died meanwhile) they are terminated.
 */
function settleReplacements(rt: Runtime, scope: Scope, g: GroupRecord): void {
  const leaving = g.Instances.filter((i) => i.replacing && (i.LifecycleState === 'InService' || i.LifecycleState === 'Pending' || i.LifecycleState === 'Pending:Wait'));
  if (!leaving.length) return;
  const active = activeInstances(g);
  const replaced = capacityOf(active) >= g.DesiredCapacity && active.every((i) => i.LifecycleState === 'InService');
  for (const i of leaving) {
    if (i.HealthStatus === 'Unhealthy' || replaced || g.deleting) {
      terminateOne(rt, scope, g, i, `At ${at(rt)} instance ${i.InstanceId} was taken out of service in response to ${i.replacing}.`);
    }
  }
}
