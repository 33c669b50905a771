// Predictive scaling policies: checked and stored by PutScalingPolicy; their forecasts (load and capacity,
// hourly, 48 hours ahead) are made from up to 14 days of the load metric's history when the policy is
// created and every 6 hours after, as AWS does; GetPredictiveScalingForecast reads them. In ForecastAndScale
// mode the controller acts on them: SchedulingBufferTime before each hour, the group's capacity is raised to
// the hour's forecast and does not scale in below it for the hour (predictive scaling never scales in;
// dynamic policies still scale out above it). HonorMaxCapacity caps the forecast at MaxSize;
// IncreaseMaxCapacity raises MaxSize to the forecast plus MaxCapacityBuffer percent, and it stays raised.
import type {
  AutoscalingOperations,
  MetricDataQuery,
  PredictiveScalingConfiguration,
  PredictiveScalingMetricSpecification,
  PutScalingPolicyType,
} from '../../generated/autoscaling.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { causeTime } from './activities.js';
import { reconcile } from './controller.js';
import { validation } from './errors.js';
import { capacityForecast, forecastSeries, FORECAST_LOOKBACK_MS } from './forecast.js';
import { getGroup } from './groups.js';
import { loadHistory, RESOURCE_LABEL } from './predictive-metrics.js';
import { forecasts, groups, policies, policyKey, scopeOf, type ForecastRecord, type GroupRecord, type PolicyRecord } from './store.js';

type RT = Pick<Runtime, 'store' | 'clock'>;

const HOUR_MS = 3_600_000;
/** AWS updates a policy's forecast every 6 hours. */
const UPDATE_EVERY_MS = 6 * HOUR_MS;
/** Each forecast covers the next 48 hours. */
const FORECAST_HOURS = 48;
const DAY_MS = 24 * HOUR_MS;

const SCALING_TYPES = ['ASGAverageCPUUtilization', 'ASGAverageNetworkIn', 'ASGAverageNetworkOut', 'ALBRequestCountPerTarget'];
const PAIR_TYPES = ['ASGCPUUtilization', 'ASGNetworkIn', 'ASGNetworkOut', 'ALBRequestCount'];
const LOAD_TYPES = ['ASGTotalCPUUtilization', 'ASGTotalNetworkIn', 'ASGTotalNetworkOut', 'ALBTargetGroupRequestCount'];
const ALB_TYPES = ['ALBRequestCount', 'ALBRequestCountPerTarget', 'ALBTargetGroupRequestCount'];

function checkResourceLabel(g: GroupRecord, type: string, label: string | undefined): void {
  if (!ALB_TYPES.includes(type)) {
    if (label !== undefined) throw validation(`ResourceLabel is only supported for predefined metric type ${ALB_TYPES.join(', ')}.`);
    return;
  }
  if (!label) throw validation(`ResourceLabel is required for predefined metric type ${type}.`);
  const m = RESOURCE_LABEL.exec(label);
  if (!m) throw validation(`Invalid ResourceLabel ${label}: use app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.`);
  if (!(g.TargetGroupARNs ?? []).some((a) => a.endsWith(`:${m[2]}`))) {
    throw validation(`The target group ${m[2]} specified in ResourceLabel is not attached to the Auto Scaling group ${g.AutoScalingGroupName}.`);
  }
}

function checkQueries(what: string, queries: MetricDataQuery[]): void {
  if (!queries.length) throw validation(`MetricDataQueries of ${what} must contain at least one query.`);
  const ids = new Set<string>();
  for (const q of queries) {
    if (ids.has(q.Id)) throw validation(`The Id ${q.Id} is used more than once in the MetricDataQueries of ${what}.`);
    ids.add(q.Id);
    if (!!q.Expression === !!q.MetricStat) throw validation(`Exactly one of Expression or MetricStat must be specified for the metric data query ${q.Id}.`);
  }
  const returned = queries.filter((q) => q.ReturnData !== false);
  if (returned.length !== 1) throw validation(`Exactly one element of the MetricDataQueries of ${what} must return data (ReturnData true).`);
}

function checkSpec(g: GroupRecord, s: PredictiveScalingMetricSpecification): void {
  if (typeof s.TargetValue !== 'number' || !(s.TargetValue > 0)) throw validation('TargetValue must be greater than 0.');
  const pair = s.PredefinedMetricPairSpecification;
  const scaling = [s.PredefinedScalingMetricSpecification, s.CustomizedScalingMetricSpecification].filter(Boolean).length;
  const load = [s.PredefinedLoadMetricSpecification, s.CustomizedLoadMetricSpecification].filter(Boolean).length;
  if (pair) {
    if (scaling || load || s.CustomizedCapacityMetricSpecification) {
      throw validation('A PredefinedMetricPairSpecification cannot be specified together with a scaling, load or capacity metric specification.');
    }
    if (!PAIR_TYPES.includes(pair.PredefinedMetricType)) throw validation(`Unsupported predefined metric pair type ${pair.PredefinedMetricType}.`);
    checkResourceLabel(g, pair.PredefinedMetricType, pair.ResourceLabel);
    return;
  }
  if (scaling !== 1 || load !== 1) {
    throw validation('Specify either a PredefinedMetricPairSpecification, or exactly one scaling metric specification (predefined or customized) and one load metric specification (predefined or customized).');
  }
  const ps = s.PredefinedScalingMetricSpecification;
  if (ps) {
    if (!SCALING_TYPES.includes(ps.PredefinedMetricType)) throw validation(`Unsupported predefined scaling metric type ${ps.PredefinedMetricType}.`);
    checkResourceLabel(g, ps.PredefinedMetricType, ps.ResourceLabel);
  }
  const pl = s.PredefinedLoadMetricSpecification;
  if (pl) {
    if (!LOAD_TYPES.includes(pl.PredefinedMetricType)) throw validation(`Unsupported predefined load metric type ${pl.PredefinedMetricType}.`);
    checkResourceLabel(g, pl.PredefinedMetricType, pl.ResourceLabel);
  }
  if (s.CustomizedScalingMetricSpecification) checkQueries('CustomizedScalingMetricSpecification', s.CustomizedScalingMetricSpecification.MetricDataQueries ?? []);
  if (s.CustomizedLoadMetricSpecification) checkQueries('CustomizedLoadMetricSpecification', s.CustomizedLoadMetricSpecification.MetricDataQueries ?? []);
  if (s.CustomizedCapacityMetricSpecification) checkQueries('CustomizedCapacityMetricSpecification', s.CustomizedCapacityMetricSpecification.MetricDataQueries ?? []);
}

/** Checks a PredictiveScaling request; returns the configuration as stored (AWS's defaults filled in). */
export function checkPredictive(g: GroupRecord, input: PutScalingPolicyType): PredictiveScalingConfiguration {
  for (const k of ['AdjustmentType', 'ScalingAdjustment', 'MinAdjustmentMagnitude', 'Cooldown', 'StepAdjustments', 'MetricAggregationType', 'EstimatedInstanceWarmup'] as const) {
    if (input[k] !== undefined) throw validation(`${k} is not supported for policy type PredictiveScaling.`);
  }
  const c = input.PredictiveScalingConfiguration;
  if (!c) throw validation('PredictiveScalingConfiguration is required for policy type PredictiveScaling.');
  const specs = c.MetricSpecifications ?? [];
  if (specs.length !== 1) throw validation('Only one metric specification is supported in MetricSpecifications.');
  checkSpec(g, specs[0]!);
  const mode = c.Mode ?? 'ForecastOnly';
  if (mode !== 'ForecastOnly' && mode !== 'ForecastAndScale') throw validation(`Invalid predictive scaling mode: ${mode}`);
  const buffer = c.SchedulingBufferTime ?? 300;
  if (!Number.isInteger(buffer) || buffer < 0 || buffer >= 3600) throw validation('SchedulingBufferTime must be at least 0 and less than 3600 seconds.');
  const breach = c.MaxCapacityBreachBehavior ?? 'HonorMaxCapacity';
  if (breach !== 'HonorMaxCapacity' && breach !== 'IncreaseMaxCapacity') throw validation(`Invalid MaxCapacityBreachBehavior: ${breach}`);
  if (breach === 'IncreaseMaxCapacity') {
    if (c.MaxCapacityBuffer === undefined) throw validation('MaxCapacityBuffer is required when MaxCapacityBreachBehavior is IncreaseMaxCapacity.');
    if (!Number.isInteger(c.MaxCapacityBuffer) || c.MaxCapacityBuffer < 0 || c.MaxCapacityBuffer > 100) throw validation('MaxCapacityBuffer must be between 0 and 100.');
  } else if (c.MaxCapacityBuffer !== undefined) {
    throw validation('MaxCapacityBuffer is only supported when MaxCapacityBreachBehavior is IncreaseMaxCapacity.');
  }
  return {
    MetricSpecifications: specs,
    Mode: mode,
    SchedulingBufferTime: buffer,
    MaxCapacityBreachBehavior: breach,
    ...(breach === 'IncreaseMaxCapacity' ? { MaxCapacityBuffer: c.MaxCapacityBuffer } : {}),
  };
}

/** A new or changed predictive policy starts its forecasts afresh; any other type has none. */
export function notePredictivePolicy(rt: RT, scope: Scope, p: PolicyRecord, previous?: PolicyRecord): void {
  const key = policyKey(p.AutoScalingGroupName, p.PolicyName);
  if (p.PolicyType !== 'PredictiveScaling') {
    forecasts(rt).delete(scope, key);
    return;
  }
  const same = previous?.PolicyType === 'PredictiveScaling' && JSON.stringify(previous.PredictiveScalingConfiguration) === JSON.stringify(p.PredictiveScalingConfiguration);
  if (same && forecasts(rt).has(scope, key)) return;
  forecasts(rt).put(scope, key, { since: rt.clock.now(), points: {} });
}

export function forgetForecasts(rt: RT, scope: Scope, p: PolicyRecord): void {
  forecasts(rt).delete(scope, policyKey(p.AutoScalingGroupName, p.PolicyName));
}

/** When the forecast in force now was (or is to be) made: at creation, then every 6 hours. */
function dueUpdateTime(since: number, now: number): number {
  return Math.max(since, Math.floor(now / UPDATE_EVERY_MS) * UPDATE_EVERY_MS);
}

/** The policy's forecasts, brought up to date (a new one made when one is due; retried while data was short). */
export function currentForecast(rt: RT, scope: Scope, g: GroupRecord, p: PolicyRecord): ForecastRecord {
  const key = policyKey(p.AutoScalingGroupName, p.PolicyName);
  const now = rt.clock.now();
  const rec = forecasts(rt).get(scope, key) ?? { since: now, points: {} };
  let made = dueUpdateTime(rec.since, now);
  // without 24 hours of data there is no forecast yet: try again with what has arrived since
  if (rec.updateTime !== undefined && !rec.complete && now - rec.updateTime >= 60_000) made = now;
  if (rec.updateTime !== undefined && rec.updateTime >= made) return rec;
  const c = p.PredictiveScalingConfiguration!;
  const spec = c.MetricSpecifications[0]!;
  // whole hours only: the hour in progress would count as a light one
  const startMs = Math.floor(made / HOUR_MS) * HOUR_MS;
  const history = loadHistory(rt, scope, g.AutoScalingGroupName, spec, startMs - FORECAST_LOOKBACK_MS, startMs);
  const load = forecastSeries(history, { startMs, hours: FORECAST_HOURS });
  const max = c.MaxCapacityBreachBehavior === 'IncreaseMaxCapacity' ? Number.MAX_SAFE_INTEGER : g.MaxSize;
  const capacity = capacityForecast(load, spec.TargetValue, g.MinSize, max);
  load.forEach((pt, i) => {
    rec.points[String(pt.t)] = [pt.v, capacity[i]!.v];
  });
  // forecasts older than the longest range GetPredictiveScalingForecast reads back (a year) are dropped
  for (const t of Object.keys(rec.points)) if (Number(t) < now - 366 * DAY_MS) delete rec.points[t];
  rec.updateTime = made;
  rec.complete = load.length > 0;
  forecasts(rt).put(scope, key, rec);
  return rec;
}

/** Scale-in by other policies stops at the forecast capacity of the hour (ForecastAndScale). */
export function predictiveFloor(g: GroupRecord, now: number): number {
  const f = g.predictiveFloor;
  return f && now < f.until ? f.capacity : 0;
}

/** Runs every ForecastAndScale policy whose next hour is due (called by the controller each tick). */
export function runPredictiveScaling(rt: Runtime): void {
  for (const { scope, record: p } of policies(rt).listAll()) {
    const c = p.PredictiveScalingConfiguration;
    if (p.PolicyType !== 'PredictiveScaling' || c?.Mode !== 'ForecastAndScale' || p.Enabled === false) continue;
    try {
      rt.store.transaction(() => scaleForHour(rt, scope, p, c));
    } catch (err) {
      rt.log.error(`autoscaling: predictive scaling ${p.PolicyName} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

function scaleForHour(rt: Runtime, scope: Scope, p: PolicyRecord, c: PredictiveScalingConfiguration): void {
  const g = groups(rt).get(scope, p.AutoScalingGroupName);
  if (!g || g.deleting) return;
  const now = rt.clock.now();
  const buffer = (c.SchedulingBufferTime ?? 300) * 1000;
  // the hour whose capacity is due: it starts within the scheduling buffer (or has started)
  const hour = Math.floor((now + buffer) / HOUR_MS) * HOUR_MS;
  const rec = currentForecast(rt, scope, g, p);
  if (rec.scaledHour === hour) return;
  rec.scaledHour = hour;
  forecasts(rt).put(scope, policyKey(p.AutoScalingGroupName, p.PolicyName), rec);
  const point = rec.points[String(hour)];
  if (!point) return;
  let capacity = Math.max(g.MinSize, point[1]);
  let maxChange = '';
  if (capacity > g.MaxSize) {
    if (c.MaxCapacityBreachBehavior === 'IncreaseMaxCapacity') {
      const newMax = Math.ceil(capacity * (1 + (c.MaxCapacityBuffer ?? 0) / 100));
      maxChange = ` and increasing the maximum capacity from ${g.MaxSize} to ${newMax}`;
      g.MaxSize = newMax;
    } else capacity = g.MaxSize;
  }
  g.predictiveFloor = { capacity, until: hour + HOUR_MS - buffer };
  if (capacity > g.DesiredCapacity) {
    g.pendingCause = `At ${causeTime(now)} the predictive scaling policy ${p.PolicyName} forecast a capacity of ${capacity} for ${causeTime(hour)}${maxChange}, changing the desired capacity from ${g.DesiredCapacity} to ${capacity}.`;
    g.DesiredCapacity = capacity;
    groups(rt).put(scope, g.AutoScalingGroupName, g);
    reconcile(rt, scope, g);
  } else groups(rt).put(scope, g.AutoScalingGroupName, g);
}

const MAX_RANGE_MS = 30 * DAY_MS;

export const predictiveHandlers: Handlers<AutoscalingOperations> = {
  GetPredictiveScalingForecast(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const p = policies(ctx).get(scope, policyKey(input.AutoScalingGroupName, input.PolicyName));
    if (!p) throw validation(`Policy ${input.PolicyName} does not exist for Auto Scaling group ${input.AutoScalingGroupName}.`);
    if (p.PolicyType !== 'PredictiveScaling') throw validation(`Policy ${input.PolicyName} is not a predictive scaling policy.`);
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    const now = ctx.clock.now();
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw validation('StartTime and EndTime must be valid timestamps.');
    if (start >= end) throw validation('StartTime must be before EndTime.');
    if (end - start > MAX_RANGE_MS) throw validation('The time range between StartTime and EndTime must not exceed 30 days.');
    if (start < now - 365 * DAY_MS) throw validation('StartTime must not be more than one year in the past.');
    const rec = currentForecast(ctx, scope, g, p);
    const hours = Object.keys(rec.points)
      .map(Number)
      .filter((t) => t >= start && t < end)
      .sort((a, b) => a - b);
    const timestamps = hours.map((t) => new Date(t));
    const spec = p.PredictiveScalingConfiguration!.MetricSpecifications[0]!;
    return {
      LoadForecast: hours.length ? [{ Timestamps: timestamps, Values: hours.map((t) => rec.points[String(t)]![0]), MetricSpecification: spec }] : [],
      CapacityForecast: { Timestamps: timestamps, Values: hours.map((t) => rec.points[String(t)]![1]) },
      UpdateTime: new Date(rec.updateTime ?? now),
    };
  },
};

