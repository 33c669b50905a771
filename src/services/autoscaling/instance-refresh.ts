// Instance refresh: replaces a group's instances in batches that keep MinHealthyPercentage in service
// (or, with MaxHealthyPercentage above 100, launches before terminating), waits InstanceWarmup after each
// batch, pauses at checkpoints, and can be cancelled or rolled back; run on the clock by the controller.
import { randomUUID } from 'node:crypto';
import type { AutoscalingOperations, InstanceRefresh, RefreshPreferences } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import * as ec2 from '../ec2/index.js';
import type { Handlers } from '../define.js';
import { causeTime } from './activities.js';
import { typeSatisfies } from './instance-requirements.js';
import { validation } from './errors.js';
import { activeInstances, checkLaunchTemplate, getGroup, isSuspended, putGroup } from './groups.js';
import { terminateOne } from './launch.js';
import { capacityOf, normalizeMixed } from './mixed.js';
import { instanceRefreshes, scopeOf, type GroupInstanceRecord, type GroupRecord, type InstanceRefreshRecord, type LaunchSource } from './store.js';

const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);
const REASON = 'an instance refresh';

const key = (group: string, id: string) => `${group}/${id}`;

const refreshesOf = (rt: Pick<Runtime, 'store'>, scope: Scope, group: string) =>
  instanceRefreshes(rt)
    .list(scope)
    .filter((r) => r.AutoScalingGroupName === group)
    .sort((a, b) => b.startedAt - a.startedAt);

export const activeRefreshOf = (rt: Pick<Runtime, 'store'>, scope: Scope, group: string) => refreshesOf(rt, scope, group).find((r) => ACTIVE.has(r.Status!));

const sourceOf = (g: GroupRecord): LaunchSource => ({
  ...(g.LaunchConfigurationName ? { LaunchConfigurationName: g.LaunchConfigurationName } : {}),
  ...(g.LaunchTemplate ? { LaunchTemplate: g.LaunchTemplate } : {}),
  ...(g.MixedInstancesPolicy ? { MixedInstancesPolicy: g.MixedInstancesPolicy } : {}),
});

function applySource(g: GroupRecord, s: LaunchSource): void {
  delete g.LaunchConfigurationName;
  delete g.LaunchTemplate;
  delete g.MixedInstancesPolicy;
  Object.assign(g, structuredClone(s));
}

/** Whether an instance already runs what the group launches now (SkipMatching). */
function matches(rt: Runtime, scope: Scope, g: GroupRecord, i: GroupInstanceRecord): boolean {
  if (g.LaunchConfigurationName) return i.LaunchConfigurationName === g.LaunchConfigurationName;
  const spec = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!spec || !i.LaunchTemplate) return false;
  try {
    const t = ec2.launchTemplateData(rt, scope, spec);
    if (i.LaunchTemplate.LaunchTemplateId !== t.LaunchTemplateId || i.LaunchTemplate.Version !== String(t.VersionNumber)) return false;
  } catch {
    return false;
  }
  const overrides = g.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? [];
  if (overrides.some((o) => o.InstanceRequirements)) return !!i.InstanceType && overrides.some((o) => o.InstanceRequirements && typeSatisfies(o.InstanceRequirements, i.InstanceType!));
  const types = overrides.map((o) => o.InstanceType).filter(Boolean);
  return !types.length || types.includes(i.InstanceType);
}

function view(r: InstanceRefreshRecord): InstanceRefresh {
  const { startedAt: _s, previous: _p, pending: _q, total: _t, inFlight: _f, warmUntil: _w, checkpointUntil: _c, nextCheckpoint: _n, ...rest } = r;
  void _s, _p, _q, _t, _f, _w, _c, _n;
  return { ...rest, ProgressDetails: { LivePoolProgress: { PercentageComplete: r.PercentageComplete, InstancesToUpdate: r.InstancesToUpdate } } };
}

function emit(rt: Runtime, scope: Scope, g: GroupRecord, r: InstanceRefreshRecord, what: string, extra: Record<string, unknown> = {}): void {
  rt.bus.emit('aws-event', {
    account: scope.account,
    region: scope.region,
    source: 'aws.autoscaling',
    detailType: `EC2 Auto Scaling Instance Refresh ${what}`,
    detail: { InstanceRefreshId: r.InstanceRefreshId, AutoScalingGroupName: g.AutoScalingGroupName, ...extra },
    resources: [g.AutoScalingGroupARN!],
    time: rt.clock.date(),
  });
}

function finish(rt: Runtime, scope: Scope, g: GroupRecord, r: InstanceRefreshRecord, status: InstanceRefreshRecord['Status'], reason?: string): void {
  r.Status = status;
  r.EndTime = rt.clock.date().toISOString();
  if (reason) r.StatusReason = reason;
  else delete r.StatusReason;
  delete r.inFlight;
  delete r.warmUntil;
  const what = status === 'Successful' ? 'Succeeded' : status === 'RollbackSuccessful' ? 'Rollback Succeeded' : status === 'Cancelled' ? 'Cancelled' : 'Failed';
  emit(rt, scope, g, r, what);
}

/** One step of every active refresh (called by the controller each tick, before the groups are reconciled). */
export function runRefreshes(rt: Runtime, loadGroup: (scope: Scope, name: string) => GroupRecord | undefined, save: (scope: Scope, g: GroupRecord) => void): void {
  for (const { scope, id, record } of instanceRefreshes(rt).listAll()) {
    if (!ACTIVE.has(record.Status!)) continue;
    try {
      rt.store.transaction(() => {
        const r = instanceRefreshes(rt).get(scope, id)!;
        const g = loadGroup(scope, r.AutoScalingGroupName!);
        if (!g || g.deleting) {
          instanceRefreshes(rt).delete(scope, id);
          return;
        }
        step(rt, scope, g, r);
        instanceRefreshes(rt).put(scope, id, r);
        save(scope, g);
      });
    } catch (err) {
      rt.log.error(`autoscaling: instance refresh ${id} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

function step(rt: Runtime, scope: Scope, g: GroupRecord, r: InstanceRefreshRecord): void {
  const now = rt.clock.now();
  const prefs = r.Preferences!;
  if (r.Status === 'Pending') {
    r.Status = 'InProgress';
    emit(rt, scope, g, r, 'Started');
  }
  // instances replaced by other means (health, scale-in) no longer need it
  const present = new Set(g.Instances.filter((i) => i.LifecycleState !== 'Terminated' && i.LifecycleState !== 'Terminating').map((i) => i.InstanceId));
  r.pending = r.pending.filter((id) => present.has(id));
  const active = activeInstances(g);
  const settled = capacityOf(active) >= g.DesiredCapacity && active.every((i) => i.LifecycleState === 'InService') && !g.Instances.some((i) => i.replacing);
  if (r.inFlight) {
    if (!settled) return;
    r.warmUntil ??= now + (prefs.InstanceWarmup ?? 0) * 1000;
    if (now < r.warmUntil) return;
    delete r.inFlight;
    delete r.warmUntil;
  }
  const done = r.total - r.pending.length;
  r.PercentageComplete = r.total ? Math.floor((done * 100) / r.total) : 100;
  r.InstancesToUpdate = r.pending.length;
  if (r.Status === 'Cancelling') return finish(rt, scope, g, r, 'Cancelled', 'Cancelled due to user request.');
  if (!r.pending.length) {
    if (r.Status === 'RollbackInProgress') return finish(rt, scope, g, r, 'RollbackSuccessful', r.StatusReason);
    return finish(rt, scope, g, r, 'Successful');
  }
  if (isSuspended(g, 'InstanceRefresh')) return;
  // checkpoints: pause once a percentage is reached (forward refreshes only)
  const checkpoints = r.Status === 'InProgress' ? (prefs.CheckpointPercentages ?? []) : [];
  if (r.checkpointUntil !== undefined) {
    if (now < r.checkpointUntil) return;
    delete r.checkpointUntil;
    delete r.StatusReason;
  } else if (r.nextCheckpoint < checkpoints.length && r.PercentageComplete >= checkpoints[r.nextCheckpoint]!) {
    r.nextCheckpoint++;
    r.checkpointUntil = now + (prefs.CheckpointDelay ?? 3600) * 1000;
    r.StatusReason = `Waiting for checkpoint: ${r.PercentageComplete}% of instances replaced.`;
    emit(rt, scope, g, r, 'Checkpoint Reached', { CheckpointPercentage: checkpoints[r.nextCheckpoint - 1], CheckpointDelay: prefs.CheckpointDelay ?? 3600 });
    return;
  }
  if (!settled) return;
  // the next batch: as many as keep MinHealthyPercentage in service (at least one)
  const capacity = capacityOf(active);
  const launchFirst = (prefs.MaxHealthyPercentage ?? 100) > 100;
  const size = launchFirst
    ? Math.max(1, Math.floor((g.DesiredCapacity * ((prefs.MaxHealthyPercentage ?? 100) - 100)) / 100))
    : Math.max(1, capacity - Math.ceil((g.DesiredCapacity * (prefs.MinHealthyPercentage ?? 90)) / 100));
  const batch = r.pending.slice(0, size);
  const t = causeTime(now);
  for (const id of batch) {
    const i = g.Instances.find((x) => x.InstanceId === id)!;
    if (launchFirst) {
      i.replacing = REASON;
      g.pendingCause = `At ${t} an instance was launched in response to ${REASON}.`;
    } else {
      terminateOne(rt, scope, g, i, `At ${t} an instance was taken out of service in response to ${REASON}.  At ${t} instance ${id} was selected for termination.`);
    }
  }
  r.pending = r.pending.slice(batch.length);
  r.inFlight = true;
}

function checkPreferences(p: RefreshPreferences | undefined, g: GroupRecord): RefreshPreferences {
  const min = p?.MinHealthyPercentage ?? 90;
  const max = p?.MaxHealthyPercentage ?? 100;
  if (min < 0 || min > 100) throw validation('MinHealthyPercentage must be between 0 and 100.');
  if (max < 100 || max > 200) throw validation('MaxHealthyPercentage must be between 100 and 200.');
  if (max - min > 100) throw validation('The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.');
  if (min === 100 && max === 100) throw validation('MinHealthyPercentage and MaxHealthyPercentage cannot both be 100.');
  const cps = p?.CheckpointPercentages ?? [];
  for (let k = 0; k < cps.length; k++) {
    if (cps[k]! < 1 || cps[k]! > 100 || (k > 0 && cps[k]! <= cps[k - 1]!)) throw validation('Checkpoint percentages must be unique values between 1 and 100, in ascending order.');
  }
  if (p?.CheckpointDelay !== undefined && !cps.length) throw validation('CheckpointDelay requires CheckpointPercentages.');
  return {
    MinHealthyPercentage: min,
    ...(p?.MaxHealthyPercentage !== undefined ? { MaxHealthyPercentage: max } : {}),
    InstanceWarmup: p?.InstanceWarmup ?? g.DefaultInstanceWarmup ?? g.HealthCheckGracePeriod ?? 0,
    ...(cps.length ? { CheckpointPercentages: cps, CheckpointDelay: p?.CheckpointDelay ?? 3600 } : {}),
    SkipMatching: p?.SkipMatching ?? false,
    AutoRollback: p?.AutoRollback ?? false,
    ScaleInProtectedInstances: p?.ScaleInProtectedInstances ?? 'Ignore',
    StandbyInstances: p?.StandbyInstances ?? 'Ignore',
  };
}

const noActive = (group: string) => new AwsError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${group}`);

export const instanceRefreshHandlers: Handlers<AutoscalingOperations> = {
  StartInstanceRefresh(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    if (activeRefreshOf(ctx, scope, g.AutoScalingGroupName)) {
      throw new AwsError('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.');
    }
    if ((input.Strategy ?? 'Rolling') !== 'Rolling') throw validation(`The strategy ${input.Strategy} is not supported by Cumulus; use Rolling.`);
    const prefs = checkPreferences(input.Preferences, g);
    const previous = sourceOf(g);
    const desired = input.DesiredConfiguration;
    if (desired?.LaunchTemplate && desired.MixedInstancesPolicy) throw validation('Valid requests must contain either LaunchTemplate or MixedInstancesPolicy parameter.');
    if (desired?.LaunchTemplate) {
      const t = checkLaunchTemplate(ctx, desired.LaunchTemplate);
      applySource(g, { LaunchTemplate: { LaunchTemplateId: t.LaunchTemplateId, LaunchTemplateName: t.LaunchTemplateName, Version: desired.LaunchTemplate.Version ?? '$Default' } });
    } else if (desired?.MixedInstancesPolicy) {
      const spec = desired.MixedInstancesPolicy.LaunchTemplate?.LaunchTemplateSpecification ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      if (spec) checkLaunchTemplate(ctx, spec);
      applySource(g, { MixedInstancesPolicy: normalizeMixed({ ...desired.MixedInstancesPolicy, LaunchTemplate: { ...desired.MixedInstancesPolicy.LaunchTemplate, LaunchTemplateSpecification: spec } }) });
    }
    if (prefs.SkipMatching && g.LaunchConfigurationName) throw validation('SkipMatching is not supported for Auto Scaling groups that use a launch configuration.');
    if (prefs.AutoRollback && !desired) throw validation('AutoRollback requires a DesiredConfiguration.');
    const candidates = g.Instances.filter((i) => i.LifecycleState === 'InService' && !i.replacing && (prefs.ScaleInProtectedInstances !== 'Ignore' || !i.ProtectedFromScaleIn));
    const pending = candidates.filter((i) => !prefs.SkipMatching || !matches(ctx, scope, g, i)).map((i) => i.InstanceId);
    const now = ctx.clock.now();
    const r: InstanceRefreshRecord = {
      InstanceRefreshId: randomUUID(),
      AutoScalingGroupName: g.AutoScalingGroupName,
      Status: 'Pending',
      StartTime: new Date(now).toISOString(),
      PercentageComplete: 0,
      InstancesToUpdate: pending.length,
      Preferences: prefs,
      ...(desired ? { DesiredConfiguration: desired } : {}),
      Strategy: 'Rolling',
      startedAt: now,
      previous,
      pending,
      total: pending.length,
      nextCheckpoint: 0,
    };
    instanceRefreshes(ctx).put(scope, key(g.AutoScalingGroupName, r.InstanceRefreshId!), r);
    putGroup(ctx, g);
    return { InstanceRefreshId: r.InstanceRefreshId };
  },

  DescribeInstanceRefreshes(ctx, input) {
    const scope = scopeOf(ctx);
    getGroup(ctx, input.AutoScalingGroupName);
    if ((input.MaxRecords ?? 50) > 100) throw validation('MaxRecords must be less than or equal to 100');
    let list = refreshesOf(ctx, scope, input.AutoScalingGroupName);
    if (input.InstanceRefreshIds?.length) list = list.filter((r) => input.InstanceRefreshIds!.includes(r.InstanceRefreshId!));
    const page = paginate(list, (r) => r.InstanceRefreshId!, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { InstanceRefreshes: page.items.map(view), NextToken: page.next };
  },

  CancelInstanceRefresh(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const r = activeRefreshOf(ctx, scope, g.AutoScalingGroupName);
    if (!r || r.Status === 'Cancelling' || r.Status === 'RollbackInProgress') throw noActive(g.AutoScalingGroupName);
    r.Status = 'Cancelling';
    // the group keeps the configuration it had: a cancelled refresh does not update it
    applySource(g, r.previous);
    for (const i of g.Instances) if (i.replacing === REASON) delete i.replacing;
    instanceRefreshes(ctx).put(scope, key(g.AutoScalingGroupName, r.InstanceRefreshId!), r);
    putGroup(ctx, g);
    return { InstanceRefreshId: r.InstanceRefreshId };
  },

  RollbackInstanceRefresh(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const r = activeRefreshOf(ctx, scope, g.AutoScalingGroupName);
    if (!r || r.Status === 'Cancelling' || r.Status === 'RollbackInProgress') throw noActive(g.AutoScalingGroupName);
    const prev = r.previous;
    const version = prev.LaunchTemplate?.Version ?? prev.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version;
    if (!r.DesiredConfiguration || prev.LaunchConfigurationName || version === undefined || version === '$Latest' || version === '$Default') {
      throw new AwsError('IrreversibleInstanceRefresh', 'The instance refresh cannot be rolled back: the previous configuration must name a launch template version number and the refresh must have a desired configuration.');
    }
    applySource(g, prev);
    // the instances launched by the refresh go back to the previous configuration
    const replaced = activeInstances(g)
      .filter((i) => i.launchedAt >= r.startedAt)
      .map((i) => i.InstanceId);
    r.RollbackDetails = {
      RollbackReason: 'Rollback requested by user.',
      RollbackStartTime: ctx.clock.date().toISOString(),
      PercentageCompleteOnRollback: r.PercentageComplete,
      InstancesToUpdateOnRollback: replaced.length,
    };
    r.Status = 'RollbackInProgress';
    r.StatusReason = 'Rollback requested by user.';
    r.pending = replaced;
    r.total = replaced.length;
    delete r.checkpointUntil;
    instanceRefreshes(ctx).put(scope, key(g.AutoScalingGroupName, r.InstanceRefreshId!), r);
    putGroup(ctx, g);
    return { InstanceRefreshId: r.InstanceRefreshId };
  },
};

export function deleteRefreshesOf(rt: Pick<Runtime, 'store'>, scope: Scope, group: string): void {
  for (const r of refreshesOf(rt, scope, group)) instanceRefreshes(rt).delete(scope, key(group, r.InstanceRefreshId!));
}
