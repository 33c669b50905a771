// Application Auto Scaling: scalable targets of other services (Lambda provisioned concurrency, custom
// resources behind an HTTP endpoint, the other namespaces as records), step scaling policies run by
// CloudWatch alarms, target tracking policies with the alarms they own (target-tracking.ts), scheduled
// actions on the clock, activities.
import { randomUUID } from 'node:crypto';
import type { ApplicationAutoscalingOperations, ScalableTarget } from '../../generated/application-autoscaling.js';
import { AwsError, notImplemented } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { isValidTimeZone } from '../autoscaling/index.js';
import { defineService, type Handlers } from '../define.js';
import { checkResource } from './resources.js';
import { nextScheduled, policyTarget, startScheduler, stopScheduler } from './scaling.js';
import { activities, policies, scheduled, scopeOf, targetKey, targets, type PolicyRecord, type TargetRecord } from './store.js';
import { alarmsNaming, checkTracking, deletePolicyAlarms, syncAlarms } from './target-tracking.js';

const validation = (m: string) => new AwsError('ValidationException', m);
const notFound = (ns: string, id: string, dim: string) =>
  new AwsError('ObjectNotFoundException', `No scalable target registered for service namespace: ${ns}, resource ID: ${id}, scalable dimension: ${dim}`);

type Ctx = Parameters<NonNullable<Handlers<ApplicationAutoscalingOperations>['RegisterScalableTarget']>>[0];

function getTarget(ctx: Ctx, ns: string, id: string, dim: string): TargetRecord {
  const t = targets(ctx).get(scopeOf(ctx), targetKey(ns, id, dim));
  if (!t) throw notFound(ns, id, dim);
  return t;
}

const targetView = ({ capacity: _c, cooldownUntil: _u, tags: _t, lastScaleOut: _o, lastScaleIn: _i, ...rest }: TargetRecord): ScalableTarget => (void _c, void _u, void _t, void _o, void _i, rest);

const page = <T>(list: T[], key: (x: T) => string, input: { NextToken?: string; MaxResults?: number }) =>
  paginate(list, key, { token: input.NextToken, max: input.MaxResults, defaultMax: 50, invalidTokenCode: 'InvalidNextTokenException' });

function checkTimes(start?: Date | string, end?: Date | string): void {
  if (start !== undefined && end !== undefined && new Date(end).getTime() < new Date(start).getTime()) throw validation('EndTime must be after StartTime');
}

type PutInput = Parameters<NonNullable<Handlers<ApplicationAutoscalingOperations>['PutScalingPolicy']>>[1];

function putTracking(ctx: Ctx, input: PutInput): { PolicyARN: string; Alarms: PolicyRecord['Alarms'] } {
  const scope = scopeOf(ctx);
  checkTracking(input);
  const key = `${targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension)}|${input.PolicyName}`;
  const existing = policies(ctx).get(scope, key);
  const cfg = input.TargetTrackingScalingPolicyConfiguration!;
  const record: PolicyRecord = {
    PolicyARN:
      existing?.PolicyARN ??
      arn({ service: 'autoscaling', region: ctx.region, account: ctx.account, resource: `scalingPolicy:${randomUUID()}:resource/${input.ServiceNamespace}/${input.ResourceId}:policyName/${input.PolicyName}` }),
    PolicyName: input.PolicyName,
    ServiceNamespace: input.ServiceNamespace,
    ResourceId: input.ResourceId,
    ScalableDimension: input.ScalableDimension,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: { ...cfg, DisableScaleIn: cfg.DisableScaleIn ?? false },
    Alarms: [],
    CreationTime: existing?.CreationTime ?? ctx.clock.date().toISOString(),
  };
  if (existing && existing.PolicyType !== 'TargetTrackingScaling') deletePolicyAlarms(ctx, scope, existing);
  syncAlarms(ctx, scope, record, existing);
  policies(ctx).put(scope, key, record);
  return { PolicyARN: record.PolicyARN, Alarms: record.Alarms };
}

const handlers: Handlers<ApplicationAutoscalingOperations> = {
  RegisterScalableTarget(ctx, input) {
    const scope = scopeOf(ctx);
    checkResource(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    const key = targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    const existing = targets(ctx).get(scope, key);
    if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
      throw validation('MinCapacity and MaxCapacity are required for registering a new scalable target');
    }
    const min = input.MinCapacity ?? existing!.MinCapacity;
    const max = input.MaxCapacity ?? existing!.MaxCapacity;
    if (min < 0 || max < 0) throw validation('Capacity values must be non-negative');
    if (min > max) throw validation(`Minimum capacity cannot be greater than maximum capacity`);
    const record: TargetRecord = {
      ServiceNamespace: input.ServiceNamespace,
      ResourceId: input.ResourceId,
      ScalableDimension: input.ScalableDimension,
      MinCapacity: min,
      MaxCapacity: max,
      RoleARN: input.RoleARN ?? existing?.RoleARN ?? `arn:aws:iam::${ctx.account}:role/aws-service-role/${input.ServiceNamespace}.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_${input.ServiceNamespace}`,
      CreationTime: existing?.CreationTime ?? ctx.clock.date().toISOString(),
      SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false, ...existing?.SuspendedState, ...input.SuspendedState },
      ScalableTargetARN:
        existing?.ScalableTargetARN ?? arn({ service: 'application-autoscaling', region: ctx.region, account: ctx.account, resource: `scalable-target/${randomUUID().replace(/-/g, '').slice(0, 28)}` }),
      // a record-only resource starts at its minimum (a custom resource's capacity is its endpoint's)
      ...(input.ServiceNamespace !== 'custom-resource' ? { capacity: Math.min(max, Math.max(min, existing?.capacity ?? min)) } : {}),
      tags: { ...existing?.tags, ...input.Tags },
    };
    targets(ctx).put(scope, key, record);
    return { ScalableTargetARN: record.ScalableTargetARN };
  },

  DescribeScalableTargets(ctx, input) {
    let list = targets(ctx)
      .list(scopeOf(ctx))
      .filter((t) => t.ServiceNamespace === input.ServiceNamespace);
    if (input.ResourceIds?.length) list = list.filter((t) => input.ResourceIds!.includes(t.ResourceId));
    if (input.ScalableDimension) list = list.filter((t) => t.ScalableDimension === input.ScalableDimension);
    const p = page(list, (t) => targetKey(t.ServiceNamespace, t.ResourceId, t.ScalableDimension), input);
    return { ScalableTargets: p.items.map(targetView), NextToken: p.next };
  },

  DeregisterScalableTarget(ctx, input) {
    const scope = scopeOf(ctx);
    getTarget(ctx, input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    const same = (x: { ServiceNamespace: string; ResourceId: string; ScalableDimension?: string }) =>
      x.ServiceNamespace === input.ServiceNamespace && x.ResourceId === input.ResourceId && x.ScalableDimension === input.ScalableDimension;
    for (const { id, record } of policies(ctx).listAll().filter((x) => x.scope.account === scope.account && x.scope.region === scope.region)) {
      if (!same(record)) continue;
      deletePolicyAlarms(ctx, scope, record);
      policies(ctx).delete(scope, id);
    }
    for (const { id, record } of scheduled(ctx).listAll().filter((x) => x.scope.account === scope.account && x.scope.region === scope.region)) if (same(record)) scheduled(ctx).delete(scope, id);
    targets(ctx).delete(scope, targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension));
    return {};
  },

  PutScalingPolicy(ctx, input) {
    const scope = scopeOf(ctx);
    getTarget(ctx, input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    const type = input.PolicyType ?? 'StepScaling';
    if (type === 'PredictiveScaling') throw notImplemented('application-autoscaling', `PutScalingPolicy (PolicyType ${type})`);
    if (type === 'TargetTrackingScaling') return putTracking(ctx, input);
    if (type !== 'StepScaling') throw validation(`Unsupported policy type: ${type}`);
    const cfg = input.StepScalingPolicyConfiguration;
    if (!cfg) throw validation('StepScalingPolicyConfiguration is required for StepScaling policies');
    if (input.TargetTrackingScalingPolicyConfiguration) throw validation('TargetTrackingScalingPolicyConfiguration is not allowed for StepScaling policies');
    if (!cfg.AdjustmentType) throw validation('AdjustmentType is required');
    if (!cfg.StepAdjustments?.length) throw validation('StepAdjustments is required');
    const key = `${targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension)}|${input.PolicyName}`;
    const existing = policies(ctx).get(scope, key);
    const record = {
      PolicyARN:
        existing?.PolicyARN ??
        arn({ service: 'autoscaling', region: ctx.region, account: ctx.account, resource: `scalingPolicy:${randomUUID()}:resource/${input.ServiceNamespace}/${input.ResourceId}:policyName/${input.PolicyName}` }),
      PolicyName: input.PolicyName,
      ServiceNamespace: input.ServiceNamespace,
      ResourceId: input.ResourceId,
      ScalableDimension: input.ScalableDimension,
      PolicyType: type,
      StepScalingPolicyConfiguration: { MetricAggregationType: 'Average' as const, ...cfg },
      Alarms: [],
      CreationTime: existing?.CreationTime ?? ctx.clock.date().toISOString(),
    };
    if (existing) deletePolicyAlarms(ctx, scope, existing);
    policies(ctx).put(scope, key, record);
    return { PolicyARN: record.PolicyARN, Alarms: [] };
  },

  DescribeScalingPolicies(ctx, input) {
    let list = policies(ctx)
      .list(scopeOf(ctx))
      .filter((p) => p.ServiceNamespace === input.ServiceNamespace);
    if (input.ResourceId) list = list.filter((p) => p.ResourceId === input.ResourceId);
    if (input.ScalableDimension) list = list.filter((p) => p.ScalableDimension === input.ScalableDimension);
    if (input.PolicyNames?.length) list = list.filter((p) => input.PolicyNames!.includes(p.PolicyName));
    const p = page(list, (x) => x.PolicyARN, input);
    // target tracking policies list the alarms they own; step policies the alarms whose actions name them
    const items = p.items.map((x) => (x.PolicyType === 'TargetTrackingScaling' ? x : { ...x, Alarms: alarmsNaming(ctx, scopeOf(ctx), x) }));
    return { ScalingPolicies: items, NextToken: p.next };
  },

  DeleteScalingPolicy(ctx, input) {
    const scope = scopeOf(ctx);
    const key = `${targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension)}|${input.PolicyName}`;
    if (!policies(ctx).has(scope, key)) {
      throw new AwsError('ObjectNotFoundException', `No scaling policy found for service namespace: ${input.ServiceNamespace}, resource ID: ${input.ResourceId}, scalable dimension: ${input.ScalableDimension}, policy name: ${input.PolicyName}`);
    }
    deletePolicyAlarms(ctx, scope, policies(ctx).get(scope, key)!);
    policies(ctx).delete(scope, key);
    return {};
  },

  PutScheduledAction(ctx, input) {
    const scope = scopeOf(ctx);
    getTarget(ctx, input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    const key = `${targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension)}|${input.ScheduledActionName}`;
    const existing = scheduled(ctx).get(scope, key);
    const schedule = input.Schedule ?? existing?.Schedule;
    if (!schedule) throw validation('Schedule is required for a new scheduled action');
    if (input.Timezone !== undefined && !isValidTimeZone(input.Timezone)) throw validation(`Invalid timezone: ${input.Timezone}`);
    checkTimes(input.StartTime, input.EndTime);
    const a = {
      ScheduledActionName: input.ScheduledActionName,
      ScheduledActionARN:
        existing?.ScheduledActionARN ??
        arn({ service: 'autoscaling', region: ctx.region, account: ctx.account, resource: `scheduledAction:${randomUUID()}:resource/${input.ServiceNamespace}/${input.ResourceId}:scheduledActionName/${input.ScheduledActionName}` }),
      ServiceNamespace: input.ServiceNamespace,
      Schedule: schedule,
      ...((input.Timezone ?? existing?.Timezone) ? { Timezone: input.Timezone ?? existing?.Timezone } : {}),
      ResourceId: input.ResourceId,
      ScalableDimension: input.ScalableDimension,
      ...(input.StartTime !== undefined ? { StartTime: new Date(input.StartTime).toISOString() } : existing?.StartTime ? { StartTime: existing.StartTime } : {}),
      ...(input.EndTime !== undefined ? { EndTime: new Date(input.EndTime).toISOString() } : existing?.EndTime ? { EndTime: existing.EndTime } : {}),
      ScalableTargetAction: { ...existing?.ScalableTargetAction, ...input.ScalableTargetAction },
      CreationTime: existing?.CreationTime ?? ctx.clock.date().toISOString(),
    };
    let next: number | undefined;
    try {
      next = nextScheduled(a, ctx.clock.now());
    } catch {
      throw validation(`Invalid schedule expression: ${schedule}`);
    }
    if (!/^(at|cron|rate)\(.+\)$/.test(schedule) || (next === undefined && !/^at\(/.test(schedule))) throw validation(`Invalid schedule expression: ${schedule}`);
    scheduled(ctx).put(scope, key, { ...a, nextRun: next });
    return {};
  },

  DescribeScheduledActions(ctx, input) {
    let list = scheduled(ctx)
      .list(scopeOf(ctx))
      .filter((a) => a.ServiceNamespace === input.ServiceNamespace);
    if (input.ResourceId) list = list.filter((a) => a.ResourceId === input.ResourceId);
    if (input.ScalableDimension) list = list.filter((a) => a.ScalableDimension === input.ScalableDimension);
    if (input.ScheduledActionNames?.length) list = list.filter((a) => input.ScheduledActionNames!.includes(a.ScheduledActionName));
    const p = page(list, (a) => a.ScheduledActionARN, input);
    return { ScheduledActions: p.items.map(({ nextRun: _n, ...a }) => (void _n, a)), NextToken: p.next };
  },

  DeleteScheduledAction(ctx, input) {
    const scope = scopeOf(ctx);
    const key = `${targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension)}|${input.ScheduledActionName}`;
    if (!scheduled(ctx).has(scope, key)) throw new AwsError('ObjectNotFoundException', `No scheduled action found for service namespace: ${input.ServiceNamespace}, resource ID: ${input.ResourceId}, scalable dimension: ${input.ScalableDimension}, scheduled action name: ${input.ScheduledActionName}`);
    scheduled(ctx).delete(scope, key);
    return {};
  },

  DescribeScalingActivities(ctx, input) {
    let list = activities(ctx)
      .list(scopeOf(ctx))
      .filter((a) => a.ServiceNamespace === input.ServiceNamespace);
    if (input.ResourceId) list = list.filter((a) => a.ResourceId === input.ResourceId);
    if (input.ScalableDimension) list = list.filter((a) => a.ScalableDimension === input.ScalableDimension);
    list.sort((a, b) => b.at - a.at);
    const p = page(list, (a) => a.ActivityId, input);
    return { ScalingActivities: p.items.map(({ at: _a, ...a }) => (void _a, a)), NextToken: p.next };
  },

  TagResource(ctx, input) {
    const t = targets(ctx)
      .list(scopeOf(ctx))
      .find((x) => x.ScalableTargetARN === input.ResourceARN);
    if (!t) throw new AwsError('ResourceNotFoundException', `No scalable target found for ARN ${input.ResourceARN}`);
    targets(ctx).put(scopeOf(ctx), targetKey(t.ServiceNamespace, t.ResourceId, t.ScalableDimension), { ...t, tags: { ...t.tags, ...input.Tags } });
    return {};
  },

  UntagResource(ctx, input) {
    const t = targets(ctx)
      .list(scopeOf(ctx))
      .find((x) => x.ScalableTargetARN === input.ResourceARN);
    if (!t) throw new AwsError('ResourceNotFoundException', `No scalable target found for ARN ${input.ResourceARN}`);
    const tags = { ...t.tags };
    for (const k of input.TagKeys) delete tags[k];
    targets(ctx).put(scopeOf(ctx), targetKey(t.ServiceNamespace, t.ResourceId, t.ScalableDimension), { ...t, tags });
    return {};
  },

  ListTagsForResource(ctx, input) {
    const t = targets(ctx)
      .list(scopeOf(ctx))
      .find((x) => x.ScalableTargetARN === input.ResourceARN);
    if (!t) throw new AwsError('ResourceNotFoundException', `No scalable target found for ARN ${input.ResourceARN}`);
    return { Tags: t.tags };
  },
};

export default defineService<ApplicationAutoscalingOperations>('application-autoscaling', handlers, {
  validationErrorCode: 'ValidationException',
  init(runtime) {
    const target = policyTarget(runtime);
    runtime.targets.register('application-autoscaling-policy', target.matches, target.handle);
    startScheduler(runtime);
  },
  stop(runtime) {
    stopScheduler(runtime);
  },
});
