// Scaling policies: simple and step scaling, run by ExecutePolicy or by a CloudWatch alarm naming the policy ARN;
// target tracking, whose alarms Auto Scaling owns (target-tracking.ts); predictive scaling, run on its
// forecasts (predictive.ts).
import { randomUUID } from 'node:crypto';
import type { AutoscalingOperations, PutScalingPolicyType } from '../../generated/autoscaling.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { TargetInvocation, TargetResult } from '../../events/targets.js';
import type { Handlers } from '../define.js';
import { causeTime } from './activities.js';
import { reconcile } from './controller.js';
import { scalingActivityInProgress, validation } from './errors.js';
import { getGroup, isSuspended } from './groups.js';
import { groups, policies, policyKey, scopeOf, type GroupRecord, type PolicyRecord } from './store.js';
import { checkPredictive, forgetForecasts, notePredictivePolicy, predictiveFloor } from './predictive.js';
import { alarmsNaming, checkTargetTracking, deletePolicyAlarms, noteRun, scaleInHeldBy, syncAlarms, trackingCapacity } from './target-tracking.js';

const ADJUSTMENT_TYPES = ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'];

function checkPolicy(g: GroupRecord, input: PutScalingPolicyType): string {
  const type = input.PolicyType ?? 'SimpleScaling';
  if (type === 'TargetTrackingScaling') {
    checkTargetTracking(g, input);
    return type;
  }
  if (input.TargetTrackingConfiguration) throw validation(`TargetTrackingConfiguration is not supported for policy type ${type}.`);
  if (type === 'PredictiveScaling') {
    checkPredictive(g, input);
    return type;
  }
  if (input.PredictiveScalingConfiguration) throw validation(`PredictiveScalingConfiguration is not supported for policy type ${type}.`);
  if (type !== 'SimpleScaling' && type !== 'StepScaling') throw validation(`Invalid policy type: ${type}`);
  if (!input.AdjustmentType) throw validation(`AdjustmentType is required for ${type} policies.`);
  if (!ADJUSTMENT_TYPES.includes(input.AdjustmentType)) throw validation(`Unsupported adjustment type ${input.AdjustmentType}`);
  if (input.MinAdjustmentMagnitude !== undefined && input.AdjustmentType !== 'PercentChangeInCapacity') {
    throw validation('MinAdjustmentMagnitude is only supported with PercentChangeInCapacity');
  }
  if (type === 'SimpleScaling') {
    if (input.ScalingAdjustment === undefined) throw validation('ScalingAdjustment is required for SimpleScaling policies.');
    if (input.StepAdjustments?.length) throw validation('StepAdjustments is not supported for SimpleScaling policies.');
  } else {
    if (!input.StepAdjustments?.length) throw validation('StepAdjustments is required for StepScaling policies.');
    if (input.ScalingAdjustment !== undefined) throw validation('ScalingAdjustment is not supported for StepScaling policies.');
    if (input.Cooldown !== undefined) throw validation('Cooldown is not supported for StepScaling policies.');
    // the intervals must not overlap, and at most one may be unbounded on each side
    const steps = [...input.StepAdjustments].sort((a, b) => (a.MetricIntervalLowerBound ?? -Infinity) - (b.MetricIntervalLowerBound ?? -Infinity));
    for (let k = 1; k < steps.length; k++) {
      if ((steps[k - 1]!.MetricIntervalUpperBound ?? Infinity) > (steps[k]!.MetricIntervalLowerBound ?? -Infinity)) {
        throw validation('Step adjustments must not overlap.');
      }
    }
  }
  return type;
}

/** The new desired capacity a policy asks for, inside the group's bounds. */
export function adjustedCapacity(g: GroupRecord, type: string, adjustment: number, minMagnitude?: number): number {
  const current = g.DesiredCapacity;
  let target: number;
  if (type === 'ExactCapacity') target = adjustment;
  else if (type === 'ChangeInCapacity') target = current + adjustment;
  else {
    // AWS: a fraction above 1 is rounded down, below -1 rounded up, and between -1 and 1 made ±1
    const raw = (current * adjustment) / 100;
    let change = raw > 1 ? Math.floor(raw) : raw < -1 ? Math.ceil(raw) : raw > 0 ? 1 : raw < 0 ? -1 : 0;
    if (minMagnitude && Math.abs(change) < minMagnitude && change !== 0) change = Math.sign(change) * minMagnitude;
    target = current + change;
  }
  return Math.min(g.MaxSize, Math.max(g.MinSize, target));
}

function stepAdjustment(p: PolicyRecord, metricValue: number | undefined, threshold: number | undefined): number | undefined {
  const diff = metricValue !== undefined && threshold !== undefined ? metricValue - threshold : 0;
  const step = (p.StepAdjustments ?? []).find(
    (s) => (s.MetricIntervalLowerBound ?? -Infinity) <= diff && diff < (s.MetricIntervalUpperBound ?? Infinity),
  );
  return step?.ScalingAdjustment;
}

/** Runs a policy; returns the outcome in words. `trigger` names what ran it, for the activity's cause. */
export function executePolicy(
  rt: Runtime,
  scope: Scope,
  p: PolicyRecord,
  trigger: { by: 'user'; honorCooldown: boolean; metricValue?: number; breachThreshold?: number } | { by: 'alarm'; alarmName: string; state: string; metricValue?: number; threshold?: number },
): string {
  const g = groups(rt).get(scope, p.AutoScalingGroupName);
  if (!g || g.deleting) return `group ${p.AutoScalingGroupName} no longer exists`;
  if (p.Enabled === false) return `policy ${p.PolicyName} is disabled`;
  if (trigger.by === 'alarm' && isSuspended(g, 'AlarmNotification')) return 'alarm notifications are suspended for the group';
  const now = rt.clock.now();
  if (p.PolicyType === 'PredictiveScaling') return 'predictive scaling policies run on their forecasts only';
  const simple = (p.PolicyType ?? 'SimpleScaling') === 'SimpleScaling';
  if (simple && g.cooldownUntil > now) {
    if (trigger.by === 'user' && trigger.honorCooldown) {
      throw scalingActivityInProgress('Scaling activity cannot be performed because a cooldown period is in effect for the Auto Scaling group.');
    }
    if (trigger.by === 'alarm') return 'the group is in its cooldown period';
  }
  let target: number;
  if (p.PolicyType === 'TargetTrackingScaling') {
    if (trigger.by !== 'alarm') return 'target tracking policies run on their alarms only';
    noteRun(rt, trigger.alarmName);
    const t = trackingCapacity(now, g, p, trigger.alarmName, trigger.metricValue, () => scaleInHeldBy(rt, scope, p));
    if (typeof t === 'string') return t;
    target = t;
  } else {
    const adjustment = simple
      ? p.ScalingAdjustment!
      : stepAdjustment(p, trigger.metricValue, trigger.by === 'alarm' ? trigger.threshold : trigger.breachThreshold);
    if (adjustment === undefined) return 'no step adjustment matches the metric value';
    target = adjustedCapacity(g, p.AdjustmentType!, adjustment, p.MinAdjustmentMagnitude);
  }
  // a ForecastAndScale policy holds the capacity of the hour: scale-in stops there
  if (target < g.DesiredCapacity) target = Math.min(g.DesiredCapacity, Math.max(target, predictiveFloor(g, now)));
  if (target === g.DesiredCapacity) return `desired capacity stays ${target}`;
  const by =
    trigger.by === 'alarm'
      ? `a monitor alarm ${trigger.alarmName} in state ${trigger.state} triggered policy ${p.PolicyName}`
      : `a user request executed policy ${p.PolicyName}`;
  g.pendingCause = `At ${causeTime(now)} ${by} changing the desired capacity from ${g.DesiredCapacity} to ${target}.`;
  const from = g.DesiredCapacity;
  g.DesiredCapacity = target;
  if (simple) g.cooldownUntil = now + (p.Cooldown ?? g.DefaultCooldown) * 1000;
  groups(rt).put(scope, g.AutoScalingGroupName, g);
  reconcile(rt, scope, g);
  return `changed the desired capacity from ${from} to ${target}`;
}

// Application Auto Scaling's policy ARNs share the prefix (…:resource/…): only group policies are ours
const POLICY_ARN = /^arn:aws[\w-]*:autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:[^:]+:autoScalingGroupName\//;

/** Alarm actions naming a policy ARN land here (CloudWatch dispatches by ARN). */
export function policyTarget(rt: Runtime) {
  return {
    matches: (a: string) => POLICY_ARN.test(a),
    handle: (inv: TargetInvocation): TargetResult => {
      const parts = inv.arn.split(':');
      const scope = { account: parts[4]!, region: parts[3]! };
      const p = policies(rt)
        .list(scope)
        .find((x) => x.PolicyARN === inv.arn);
      if (!p) return { ok: false, message: `Policy ${inv.arn} does not exist` };
      let payload: { NewStateValue?: string; Trigger?: { Threshold?: number }; AlarmName?: string } = {};
      try {
        payload = JSON.parse(inv.payload);
      } catch {
        /* not the alarm message */
      }
      const ctx = inv.context ?? {};
      const message = rt.store.transaction(() =>
        executePolicy(rt, scope, p, {
          by: 'alarm',
          alarmName: (ctx.alarmName as string | undefined) ?? payload.AlarmName ?? 'unknown',
          state: payload.NewStateValue ?? 'ALARM',
          metricValue: typeof ctx.metricValue === 'number' ? ctx.metricValue : undefined,
          threshold: payload.Trigger?.Threshold,
        }),
      );
      return { ok: true, message };
    },
  };
}

export const policyHandlers: Handlers<AutoscalingOperations> = {
  PutScalingPolicy(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const type = checkPolicy(g, input);
    const key = policyKey(input.AutoScalingGroupName, input.PolicyName);
    const existing = policies(ctx).get(scope, key);
    const record: PolicyRecord = {
      AutoScalingGroupName: input.AutoScalingGroupName,
      PolicyName: input.PolicyName,
      PolicyARN:
        existing?.PolicyARN ??
        arn({
          service: 'autoscaling',
          region: ctx.region,
          account: ctx.account,
          resource: `scalingPolicy:${randomUUID()}:autoScalingGroupName/${input.AutoScalingGroupName}:policyName/${input.PolicyName}`,
        }),
      PolicyType: type,
      AdjustmentType: input.AdjustmentType,
      ...(input.MinAdjustmentMagnitude !== undefined ? { MinAdjustmentMagnitude: input.MinAdjustmentMagnitude } : {}),
      ...(type === 'SimpleScaling' ? { ScalingAdjustment: input.ScalingAdjustment, ...(input.Cooldown !== undefined ? { Cooldown: input.Cooldown } : {}) } : {}),
      ...(type === 'StepScaling'
        ? { StepAdjustments: input.StepAdjustments, MetricAggregationType: input.MetricAggregationType ?? 'Average', ...(input.EstimatedInstanceWarmup !== undefined ? { EstimatedInstanceWarmup: input.EstimatedInstanceWarmup } : {}) }
        : {}),
      ...(type === 'TargetTrackingScaling'
        ? {
            TargetTrackingConfiguration: { ...input.TargetTrackingConfiguration!, DisableScaleIn: input.TargetTrackingConfiguration!.DisableScaleIn ?? false },
            ...(input.EstimatedInstanceWarmup !== undefined ? { EstimatedInstanceWarmup: input.EstimatedInstanceWarmup } : {}),
          }
        : {}),
      ...(type === 'PredictiveScaling' ? { PredictiveScalingConfiguration: checkPredictive(g, input) } : {}),
      Alarms: [],
      Enabled: input.Enabled ?? true,
    };
    if (type === 'TargetTrackingScaling') syncAlarms(ctx, scope, g, record, existing);
    else if (existing) deletePolicyAlarms(ctx, scope, existing);
    notePredictivePolicy(ctx, scope, record, existing);
    policies(ctx).put(scope, key, record);
    return { PolicyARN: record.PolicyARN, Alarms: record.Alarms };
  },

  DescribePolicies(ctx, input) {
    const scope = scopeOf(ctx);
    if (input.AutoScalingGroupName) getGroup(ctx, input.AutoScalingGroupName);
    let list = policies(ctx).list(scope);
    if (input.AutoScalingGroupName) list = list.filter((p) => p.AutoScalingGroupName === input.AutoScalingGroupName);
    if (input.PolicyNames?.length) list = list.filter((p) => input.PolicyNames!.includes(p.PolicyName) || input.PolicyNames!.includes(p.PolicyARN));
    if (input.PolicyTypes?.length) list = list.filter((p) => input.PolicyTypes!.includes(p.PolicyType ?? 'SimpleScaling'));
    const page = paginate(list, (p) => p.PolicyARN, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    // target tracking policies list the alarms they own; the others the alarms whose actions name them
    const items = page.items.map((p) => (p.PolicyType === 'TargetTrackingScaling' || p.PolicyType === 'PredictiveScaling' ? p : { ...p, Alarms: alarmsNaming(ctx, scope, p) }));
    return { ScalingPolicies: items, NextToken: page.next };
  },

  DeletePolicy(ctx, input) {
    const scope = scopeOf(ctx);
    const p = policies(ctx)
      .list(scope)
      .find((x) => x.PolicyARN === input.PolicyName || (x.PolicyName === input.PolicyName && x.AutoScalingGroupName === input.AutoScalingGroupName));
    if (!p) {
      if (input.AutoScalingGroupName) getGroup(ctx, input.AutoScalingGroupName);
      throw validation(`Policy ${input.PolicyName} does not exist`);
    }
    deletePolicyAlarms(ctx, scope, p);
    forgetForecasts(ctx, scope, p);
    policies(ctx).delete(scope, policyKey(p.AutoScalingGroupName, p.PolicyName));
  },

  ExecutePolicy(ctx, input) {
    const scope = scopeOf(ctx);
    const p = policies(ctx)
      .list(scope)
      .find((x) => x.PolicyARN === input.PolicyName || (x.PolicyName === input.PolicyName && (!input.AutoScalingGroupName || x.AutoScalingGroupName === input.AutoScalingGroupName)));
    if (!p) throw validation(`Policy ${input.PolicyName} does not exist`);
    if (p.PolicyType === 'TargetTrackingScaling' || p.PolicyType === 'PredictiveScaling') throw validation(`ExecutePolicy is not supported for policy type ${p.PolicyType}.`);
    const step = p.PolicyType === 'StepScaling';
    if (step && (input.MetricValue === undefined || input.BreachThreshold === undefined)) {
      throw validation('MetricValue and BreachThreshold are required for StepScaling policies.');
    }
    if (!step && (input.MetricValue !== undefined || input.BreachThreshold !== undefined)) {
      throw validation('MetricValue and BreachThreshold are only supported for StepScaling policies.');
    }
    executePolicy(ctx, scope, p, { by: 'user', honorCooldown: input.HonorCooldown ?? false, metricValue: input.MetricValue, breachThreshold: input.BreachThreshold });
  },
};
