// A scaling instruction for an EC2 Auto Scaling group, applied through Auto Scaling's own operations (as the
// plan's service-linked role): the group's min and max become the instruction's, external policies go when
// the instruction says to replace them, and each target tracking configuration becomes a target tracking
// policy AutoScaling-<group>-<uuid> with its TargetTracking alarms. Deleting the plan deletes those policies.
import { randomUUID } from 'node:crypto';
import type { ScalingInstruction, TargetTrackingConfiguration } from '../../generated/autoscaling-plans.js';
import type { AutoscalingOperations, PredefinedMetricSpecification, PutScalingPolicyType } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { groupHandlers, groups, policies, policyHandlers, scheduledActionHandlers } from '../autoscaling/index.js';
import type { Handlers } from '../define.js';
import { serviceContext } from './service-context.js';
import type { ResourceState } from './store.js';

export const groupName = (resourceId: string) => resourceId.slice('autoScalingGroup/'.length);

const operations: Handlers<AutoscalingOperations> = { ...groupHandlers, ...policyHandlers, ...scheduledActionHandlers };

/** Runs one of Auto Scaling's operations as the plan's service-linked role. */
export function call<K extends keyof AutoscalingOperations>(rt: Runtime, scope: Scope, op: K, input: AutoscalingOperations[K]['input']): AutoscalingOperations[K]['output'] {
  return operations[op]!(serviceContext(rt, scope, 'autoscaling', op), input) as AutoscalingOperations[K]['output'];
}

function policyInput(group: string, name: string, c: TargetTrackingConfiguration): PutScalingPolicyType {
  const pre = c.PredefinedScalingMetricSpecification;
  const cu = c.CustomizedScalingMetricSpecification;
  return {
    AutoScalingGroupName: group,
    PolicyName: name,
    PolicyType: 'TargetTrackingScaling',
    // ScaleOutCooldown and ScaleInCooldown are not used for Auto Scaling groups (AWS ignores them there)
    ...(c.EstimatedInstanceWarmup !== undefined ? { EstimatedInstanceWarmup: c.EstimatedInstanceWarmup } : {}),
    TargetTrackingConfiguration: {
      ...(pre ? { PredefinedMetricSpecification: { PredefinedMetricType: pre.PredefinedScalingMetricType as AsgMetricType, ...(pre.ResourceLabel ? { ResourceLabel: pre.ResourceLabel } : {}) } } : {}),
      ...(cu
        ? {
            CustomizedMetricSpecification: {
              MetricName: cu.MetricName,
              Namespace: cu.Namespace,
              Statistic: cu.Statistic,
              ...(cu.Dimensions ? { Dimensions: cu.Dimensions } : {}),
              ...(cu.Unit ? { Unit: cu.Unit } : {}),
            },
          }
        : {}),
      TargetValue: c.TargetValue,
      DisableScaleIn: c.DisableScaleIn ?? false,
    },
  };
}

// validate.ts admits only Auto Scaling's metric types for autoscaling resources
type AsgMetricType = PredefinedMetricSpecification['PredefinedMetricType'];

const reason = (err: unknown) => (err instanceof AwsError ? err.message : String((err as Error)?.message ?? err));

/** Applies the instruction to its group; returns what the resource now is. Runs inside a transaction. */
export function applyToGroup(rt: Runtime, scope: Scope, i: ScalingInstruction, prev: ResourceState | undefined): ResourceState {
  const name = groupName(i.ResourceId);
  const base = { ServiceNamespace: i.ServiceNamespace, ResourceId: i.ResourceId, ScalableDimension: i.ScalableDimension };
  const g = groups(rt).get(scope, name);
  if (!g || g.deleting) {
    return { ...base, ScalingStatusCode: 'Inactive', ScalingStatusMessage: `Failed to apply the scaling configuration: Auto Scaling group ${name} was not found.`, ScalingPolicies: [] };
  }
  try {
    call(rt, scope, 'UpdateAutoScalingGroup', { AutoScalingGroupName: name, MinSize: i.MinCapacity, MaxSize: i.MaxCapacity });
  } catch (err) {
    return { ...base, ScalingStatusCode: 'Inactive', ScalingStatusMessage: `Failed to apply the scaling configuration: ${reason(err)}`, ScalingPolicies: prev?.ScalingPolicies ?? [] };
  }
  const ours = prev?.ScalingPolicies ?? [];
  if (i.ScalingPolicyUpdateBehavior === 'ReplaceExternalPolicies') {
    const mine = new Set(ours.map((p) => p.PolicyName));
    for (const p of policies(rt).list(scope)) {
      if (p.AutoScalingGroupName === name && !mine.has(p.PolicyName)) call(rt, scope, 'DeletePolicy', { AutoScalingGroupName: name, PolicyName: p.PolicyName });
    }
  }
  const wanted = i.DisableDynamicScaling ? [] : i.TargetTrackingConfigurations;
  const applied: ResourceState['ScalingPolicies'] = [];
  const failures: string[] = [];
  wanted.forEach((c, k) => {
    // an update keeps the policies (and so their alarms) by position
    const policyName = ours[k]?.PolicyName ?? `AutoScaling-${name}-${randomUUID()}`;
    try {
      call(rt, scope, 'PutScalingPolicy', policyInput(name, policyName, c));
      applied.push({ PolicyName: policyName, PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: c });
    } catch (err) {
      failures.push(reason(err));
    }
  });
  const keep = new Set(applied.map((p) => p.PolicyName));
  for (const p of ours) if (!keep.has(p.PolicyName)) deletePolicy(rt, scope, name, p.PolicyName);
  const state: ResourceState = { ...base, ScalingStatusCode: 'Active', ScalingPolicies: applied, ...(prev?.scheduledActions ? { scheduledActions: prev.scheduledActions } : {}) };
  if (failures.length) {
    state.ScalingStatusCode = applied.length ? 'PartiallyActive' : 'Inactive';
    state.ScalingStatusMessage = `Failed to apply the scaling configuration: ${failures.join(' ')}`;
  } else {
    state.ScalingStatusMessage = wanted.length ? 'Target tracking scaling policies have been applied to the resource.' : 'Dynamic scaling is disabled for the resource.';
  }
  return state;
}

function deletePolicy(rt: Runtime, scope: Scope, group: string, policy: string): void {
  try {
    call(rt, scope, 'DeletePolicy', { AutoScalingGroupName: group, PolicyName: policy });
  } catch (err) {
    // someone deleted it (or the group) already
    if (!(err instanceof AwsError)) throw err;
  }
}

/** Removes what the plan made on the group: its policies and its predictive scheduled actions. */
export function removeFromGroup(rt: Runtime, scope: Scope, state: ResourceState): void {
  const name = groupName(state.ResourceId);
  if (!groups(rt).get(scope, name)) return;
  for (const p of state.ScalingPolicies) deletePolicy(rt, scope, name, p.PolicyName);
  for (const a of state.scheduledActions ?? []) {
    try {
      call(rt, scope, 'DeleteScheduledAction', { AutoScalingGroupName: name, ScheduledActionName: a });
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
    }
  }
}
