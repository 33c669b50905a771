// AWS Auto Scaling (scaling plans): a plan names an application (a CloudFormation stack or tag filters) and
// gives scaling instructions for its resources. For Auto Scaling groups the plan really configures the group
// through Auto Scaling (group.ts: min/max, target tracking policies with their alarms; predictive.ts: load
// forecasts from CloudWatch history and scheduled actions); other namespaces are recorded (apply.ts).
import type { ApplicationSource, AutoscalingPlansOperations, ScalingInstruction, ScalingPlan } from '../../generated/autoscaling-plans.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { Runtime } from '../../server/context.js';
import { defineService, type Handlers } from '../define.js';
import { refreshForecasts, resumePlans, schedule, stopPlans } from './apply.js';
import { forecast, isPredictive } from './predictive.js';
import { planKey, plans, resourceKey, scopeOf, type PlanRecord } from './store.js';
import { checkApplicationSource, checkInstructions, checkVersion, validation } from './validate.js';

/** Scaling plans per account and Region. */
const MAX_PLANS = 100;
const MAX_FORECAST_RANGE_MS = 7 * 24 * 3_600_000;

type Ctx = Parameters<NonNullable<Handlers<AutoscalingPlansOperations>['CreateScalingPlan']>>[0];

const runtimes = new WeakMap<object, Runtime>();
const runtimeOf = (ctx: Ctx): Runtime => runtimes.get(ctx.store) ?? ctx;

const notFound = (name: string, version: number) => new AwsError('ObjectNotFoundException', `Scaling plan with name ${name} and version ${version} does not exist.`);

function getPlan(ctx: Ctx, name: string, version: number, missing: (n: string, v: number) => AwsError = notFound): PlanRecord {
  checkVersion(version);
  const p = plans(ctx).get(scopeOf(ctx), planKey(name, version));
  if (!p) throw missing(name, version);
  return p;
}

const sortedTags = (s: ApplicationSource) =>
  JSON.stringify((s.TagFilters ?? []).map((f) => ({ k: f.Key, v: [...(f.Values ?? [])].sort() })).sort((a, b) => String(a.k).localeCompare(String(b.k))));
const sameSource = (a: ApplicationSource, b: ApplicationSource) =>
  (a.CloudFormationStackARN ?? '') === (b.CloudFormationStackARN ?? '') && sortedTags(a) === sortedTags(b);

function checkSourceFree(ctx: Ctx, source: ApplicationSource, except?: string): void {
  const other = plans(ctx)
    .list(scopeOf(ctx))
    .find((p) => p.ScalingPlanName !== except && sameSource(p.ApplicationSource, source));
  if (other) throw validation(`The application source is already used by scaling plan ${other.ScalingPlanName}: you can create one scaling plan per application source.`);
}

/** The instruction as AWS describes it: its defaults filled in. */
function instructionView(i: ScalingInstruction): ScalingInstruction {
  return {
    ...i,
    TargetTrackingConfigurations: i.TargetTrackingConfigurations.map((c) => ({ ...c, DisableScaleIn: c.DisableScaleIn ?? false })),
    ScalingPolicyUpdateBehavior: i.ScalingPolicyUpdateBehavior ?? 'KeepExternalPolicies',
    DisableDynamicScaling: i.DisableDynamicScaling ?? false,
    ...(isPredictive(i)
      ? {
          PredictiveScalingMode: i.PredictiveScalingMode ?? 'ForecastAndScale',
          PredictiveScalingMaxCapacityBehavior: i.PredictiveScalingMaxCapacityBehavior ?? 'SetForecastCapacityToMaxCapacity',
          ScheduledActionBufferTime: i.ScheduledActionBufferTime ?? 300,
        }
      : {}),
  };
}

const planView = (p: PlanRecord): ScalingPlan => ({
  ScalingPlanName: p.ScalingPlanName,
  ScalingPlanVersion: p.ScalingPlanVersion,
  ApplicationSource: p.ApplicationSource,
  ScalingInstructions: p.ScalingInstructions.map(instructionView),
  StatusCode: p.StatusCode,
  ...(p.StatusMessage ? { StatusMessage: p.StatusMessage } : {}),
  StatusStartTime: p.StatusStartTime,
  CreationTime: p.CreationTime,
});

function checkMaxResults(max: number | undefined): void {
  if (max !== undefined && (max < 1 || max > 50)) throw validation('MaxResults must be between 1 and 50.');
}

function inProgress(p: PlanRecord): void {
  if (p.StatusCode.endsWith('InProgress')) {
    throw new AwsError('ConcurrentUpdateException', `Scaling plan ${p.ScalingPlanName} is in status ${p.StatusCode}: wait until the operation in progress completes.`);
  }
}

/** The plan enters an in-progress status, stored now and applied by the scheduler. */
function startTransition(ctx: Ctx, scope: ReturnType<typeof scopeOf>, p: PlanRecord, status: 'UpdateInProgress' | 'DeletionInProgress'): void {
  p.StatusCode = status;
  delete p.StatusMessage;
  p.StatusStartTime = ctx.clock.date().toISOString();
  plans(ctx).put(scope, planKey(p.ScalingPlanName, p.ScalingPlanVersion), p);
  schedule(runtimeOf(ctx), scope, planKey(p.ScalingPlanName, p.ScalingPlanVersion));
}

const handlers: Handlers<AutoscalingPlansOperations> = {
  CreateScalingPlan(ctx, input) {
    const scope = scopeOf(ctx);
    checkApplicationSource(input.ApplicationSource);
    checkInstructions(input.ScalingInstructions);
    if (plans(ctx).has(scope, planKey(input.ScalingPlanName, 1))) throw validation(`Scaling plan with name ${input.ScalingPlanName} already exists.`);
    checkSourceFree(ctx, input.ApplicationSource);
    if (plans(ctx).count(scope) >= MAX_PLANS) throw new AwsError('LimitExceededException', `You have reached the limit of ${MAX_PLANS} scaling plans for this account in this Region.`);
    const now = ctx.clock.date().toISOString();
    const record: PlanRecord = {
      ScalingPlanName: input.ScalingPlanName,
      ScalingPlanVersion: 1,
      ApplicationSource: input.ApplicationSource,
      ScalingInstructions: input.ScalingInstructions,
      StatusCode: 'CreationInProgress',
      StatusStartTime: now,
      CreationTime: now,
      resources: {},
    };
    plans(ctx).put(scope, planKey(record.ScalingPlanName, 1), record);
    schedule(runtimeOf(ctx), scope, planKey(record.ScalingPlanName, 1));
    return { ScalingPlanVersion: 1 };
  },

  DescribeScalingPlans(ctx, input) {
    checkVersion(input.ScalingPlanVersion);
    checkMaxResults(input.MaxResults);
    if (input.ScalingPlanVersion !== undefined && !input.ScalingPlanNames?.length) throw validation('ScalingPlanVersion can only be specified together with ScalingPlanNames.');
    if (input.ScalingPlanNames?.length && input.ApplicationSources?.length) throw validation('ScalingPlanNames and ApplicationSources cannot be specified together.');
    if ((input.ScalingPlanNames?.length ?? 0) > 10) throw validation('You can specify at most 10 scaling plan names.');
    if ((input.ApplicationSources?.length ?? 0) > 10) throw validation('You can specify at most 10 application sources.');
    let list = plans(ctx).list(scopeOf(ctx));
    if (input.ScalingPlanNames?.length) list = list.filter((p) => input.ScalingPlanNames!.includes(p.ScalingPlanName));
    if (input.ApplicationSources?.length) list = list.filter((p) => input.ApplicationSources!.some((s) => sameSource(p.ApplicationSource, s)));
    list.sort((a, b) => a.ScalingPlanName.localeCompare(b.ScalingPlanName));
    const page = paginate(list, (p) => p.ScalingPlanName, { token: input.NextToken, max: input.MaxResults, defaultMax: 50, invalidTokenCode: 'InvalidNextTokenException' });
    return { ScalingPlans: page.items.map(planView), ...(page.next ? { NextToken: page.next } : {}) };
  },

  DescribeScalingPlanResources(ctx, input) {
    checkMaxResults(input.MaxResults);
    const p = getPlan(ctx, input.ScalingPlanName, input.ScalingPlanVersion, (n, v) => validation(`Scaling plan with name ${n} and version ${v} does not exist.`));
    const list = p.ScalingInstructions.map((i) => {
      const s = p.resources[resourceKey(i)];
      return {
        ScalingPlanName: p.ScalingPlanName,
        ScalingPlanVersion: p.ScalingPlanVersion,
        ServiceNamespace: i.ServiceNamespace,
        ResourceId: i.ResourceId,
        ScalableDimension: i.ScalableDimension,
        ScalingPolicies: s?.ScalingPolicies ?? [],
        // not applied yet: the plan is being created or updated
        ScalingStatusCode: s?.ScalingStatusCode ?? ('Inactive' as const),
        ...(s?.ScalingStatusMessage ? { ScalingStatusMessage: s.ScalingStatusMessage } : !s ? { ScalingStatusMessage: 'The scaling plan is being created.' } : {}),
      };
    });
    const page = paginate(list, (r) => resourceKey(r), { token: input.NextToken, max: input.MaxResults, defaultMax: 50, invalidTokenCode: 'InvalidNextTokenException' });
    return { ScalingPlanResources: page.items, ...(page.next ? { NextToken: page.next } : {}) };
  },

  UpdateScalingPlan(ctx, input) {
    const scope = scopeOf(ctx);
    const p = getPlan(ctx, input.ScalingPlanName, input.ScalingPlanVersion);
    inProgress(p);
    if (input.ApplicationSource) {
      checkApplicationSource(input.ApplicationSource);
      checkSourceFree(ctx, input.ApplicationSource, p.ScalingPlanName);
    }
    if (input.ScalingInstructions) checkInstructions(input.ScalingInstructions);
    if (input.ApplicationSource) p.ApplicationSource = input.ApplicationSource;
    // the resources the new instructions drop lose what the plan made on them when the update is applied
    if (input.ScalingInstructions) p.ScalingInstructions = input.ScalingInstructions;
    startTransition(ctx, scope, p, 'UpdateInProgress');
    return {};
  },

  DeleteScalingPlan(ctx, input) {
    const scope = scopeOf(ctx);
    const p = getPlan(ctx, input.ScalingPlanName, input.ScalingPlanVersion);
    if (p.StatusCode === 'DeletionInProgress') return {};
    inProgress(p);
    startTransition(ctx, scope, p, 'DeletionInProgress');
    return {};
  },

  GetScalingPlanResourceForecastData(ctx, input) {
    const p = getPlan(ctx, input.ScalingPlanName, input.ScalingPlanVersion, (n, v) => validation(`Scaling plan with name ${n} and version ${v} does not exist.`));
    if (input.ServiceNamespace !== 'autoscaling') throw validation('Forecast data is only available for the service namespace autoscaling.');
    const i = p.ScalingInstructions.find((x) => resourceKey(x) === resourceKey(input));
    if (!i) throw validation(`Resource ${input.ResourceId} with scalable dimension ${input.ScalableDimension} is not part of scaling plan ${p.ScalingPlanName}.`);
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    if (!(end > start)) throw validation('EndTime must be later than StartTime.');
    if (end - start > MAX_FORECAST_RANGE_MS) throw validation('The time range between StartTime and EndTime must not exceed 7 days.');
    const points = forecast(ctx, scopeOf(ctx), i, input.ForecastDataType, start, end);
    return { Datapoints: points.map((d) => ({ Timestamp: new Date(d.t), Value: d.v })) };
  },
};


export default defineService<AutoscalingPlansOperations>('autoscaling-plans', handlers, {
  init(runtime) {
    runtimes.set(runtime.store, runtime);
    resumePlans(runtime);
    refreshForecasts(runtime);
  },
  stop(runtime) {
    stopPlans(runtime);
  },
});
