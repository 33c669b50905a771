// Predictive scaling of a plan's Auto Scaling groups: the load metric's history is read from CloudWatch,
// forecast hourly (services/autoscaling/forecast.ts), turned into capacity with the target value of the
// matching scaling metric, and — in ForecastAndScale mode — put on the group as scheduled actions for the
// next 48 hours, each ScheduledActionBufferTime early, whose MinSize is the forecast capacity (never below the
// instruction's MinCapacity) and whose MaxSize follows PredictiveScalingMaxCapacityBehavior.
import type { ScalingInstruction } from '../../generated/autoscaling-plans.js';
import type { MetricDataQuery } from '../../generated/cloudwatch.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { capacityForecast, forecastSeries, FORECAST_LOOKBACK_MS, type Datapoint } from '../autoscaling/index.js';
// CloudWatch's index.ts exports alarms only; its metric query is used read-only
import { getMetricDataInternal, type TimeSeries } from '../cloudwatch/index.js';
import { call, groupName } from './group.js';
import type { ResourceState } from './store.js';

const HOUR_MS = 3_600_000;
/** AWS forecasts (and schedules) the next two days. */
export const FORECAST_HOURS = 48;

type Rt = Pick<Runtime, 'store' | 'clock'>;

const LOAD: Record<string, { namespace: string; metric: string; pairs: string }> = {
  ASGTotalCPUUtilization: { namespace: 'AWS/EC2', metric: 'CPUUtilization', pairs: 'ASGAverageCPUUtilization' },
  ASGTotalNetworkIn: { namespace: 'AWS/EC2', metric: 'NetworkIn', pairs: 'ASGAverageNetworkIn' },
  ASGTotalNetworkOut: { namespace: 'AWS/EC2', metric: 'NetworkOut', pairs: 'ASGAverageNetworkOut' },
  ALBTargetGroupRequestCount: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', pairs: 'ALBRequestCountPerTarget' },
};

export const isPredictive = (i: ScalingInstruction) => !!(i.PredefinedLoadMetricSpecification || i.CustomizedLoadMetricSpecification);

/** The load metric's query: the group's total, per minute (the sum over its instances, or over the target group). */
function loadQuery(i: ScalingInstruction): MetricDataQuery {
  const pre = i.PredefinedLoadMetricSpecification;
  if (pre) {
    const m = LOAD[pre.PredefinedLoadMetricType]!;
    const dims =
      pre.PredefinedLoadMetricType === 'ALBTargetGroupRequestCount'
        ? [{ Name: 'TargetGroup', Value: pre.ResourceLabel!.split('/').slice(3).join('/') }]
        : [{ Name: 'AutoScalingGroupName', Value: groupName(i.ResourceId) }];
    return { Id: 'load', MetricStat: { Metric: { Namespace: m.namespace, MetricName: m.metric, Dimensions: dims }, Period: 60, Stat: 'Sum' } };
  }
  const cu = i.CustomizedLoadMetricSpecification!;
  return {
    Id: 'load',
    MetricStat: { Metric: { Namespace: cu.Namespace, MetricName: cu.MetricName, Dimensions: cu.Dimensions ?? [] }, Period: 60, Stat: 'Sum', ...(cu.Unit ? { Unit: cu.Unit as never } : {}) },
  };
}

/** The load metric's datapoints in [from, to). */
export function loadHistory(rt: Rt, scope: Scope, i: ScalingInstruction, from: number, to: number): Datapoint[] {
  if (to <= from) return [];
  const out = getMetricDataInternal(rt, scope, [loadQuery(i)], from, to).get('load');
  const ts = (Array.isArray(out) ? out[0] : out) as TimeSeries | number | undefined;
  if (!ts || typeof ts === 'number') return [];
  return ts.ts.map((t, k) => ({ t, v: ts.values[k]! }));
}

/** The target value each instance should carry: the scaling metric that pairs with the load metric, else the first. */
function targetValue(i: ScalingInstruction): number | undefined {
  const pairs = i.PredefinedLoadMetricSpecification ? LOAD[i.PredefinedLoadMetricSpecification.PredefinedLoadMetricType]?.pairs : undefined;
  const c = i.TargetTrackingConfigurations.find((x) => x.PredefinedScalingMetricSpecification?.PredefinedScalingMetricType === pairs) ?? i.TargetTrackingConfigurations[0];
  return c?.TargetValue;
}

export type ForecastType = 'CapacityForecast' | 'LoadForecast' | 'ScheduledActionMinCapacity' | 'ScheduledActionMaxCapacity';

/**
 * The hourly forecast of `type` for the hours in [start, end): made from the history before the first hour
 * (and never from the future), and issued at most FORECAST_HOURS past the current hour.
 */
export function forecast(rt: Rt, scope: Scope, i: ScalingInstruction, type: ForecastType, start: number, end: number): Datapoint[] {
  if (!isPredictive(i)) return [];
  const now = rt.clock.now();
  const first = Math.ceil(start / HOUR_MS) * HOUR_MS;
  const last = Math.min(end, Math.floor(now / HOUR_MS) * HOUR_MS + FORECAST_HOURS * HOUR_MS + 1);
  if (last <= first) return [];
  const until = Math.min(first, now);
  const history = loadHistory(rt, scope, i, until - FORECAST_LOOKBACK_MS, until);
  const load = forecastSeries(history, { startMs: first, hours: Math.ceil((last - first) / HOUR_MS), periodS: 3600 }).filter((p) => p.t < last);
  if (type === 'LoadForecast') return load;
  const target = targetValue(i);
  if (target === undefined || !load.length) return [];
  const behavior = i.PredictiveScalingMaxCapacityBehavior ?? 'SetForecastCapacityToMaxCapacity';
  // only SetForecastCapacityToMaxCapacity holds the forecast to MaxCapacity
  const cap = behavior === 'SetForecastCapacityToMaxCapacity' ? i.MaxCapacity : Number.MAX_SAFE_INTEGER;
  const capacity = capacityForecast(load, target, i.MinCapacity, cap);
  if (type === 'CapacityForecast' || type === 'ScheduledActionMinCapacity') return capacity;
  return capacity.map(({ t, v }) => ({
    t,
    v:
      behavior === 'SetForecastCapacityToMaxCapacity'
        ? i.MaxCapacity
        : behavior === 'SetMaxCapacityToForecastCapacity'
          ? Math.max(i.MaxCapacity, v)
          : Math.max(i.MaxCapacity, Math.ceil(v * (1 + (i.PredictiveScalingMaxCapacityBuffer ?? 0) / 100) - 1e-9)),
  }));
}

const actionName = (t: number) => `ScalingPlanPredictiveScaling-${new Date(t).toISOString().slice(0, 13).replace(/[-T]/g, '')}`;

/**
 * Puts the next FORECAST_HOURS of the forecast on the group as scheduled actions (ForecastAndScale), and
 * removes the plan's earlier ones that are no longer wanted. Runs inside a transaction; returns the state.
 */
export function applyPredictive(rt: Runtime, scope: Scope, i: ScalingInstruction, state: ResourceState): ResourceState {
  const group = groupName(i.ResourceId);
  const wanted = new Map<string, { at: number; min: number; max: number }>();
  if (isPredictive(i) && (i.PredictiveScalingMode ?? 'ForecastAndScale') === 'ForecastAndScale') {
    const now = rt.clock.now();
    const buffer = (i.ScheduledActionBufferTime ?? 300) * 1000;
    const start = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
    const mins = forecast(rt, scope, i, 'ScheduledActionMinCapacity', start, start + FORECAST_HOURS * HOUR_MS);
    const maxs = new Map(forecast(rt, scope, i, 'ScheduledActionMaxCapacity', start, start + FORECAST_HOURS * HOUR_MS).map((p) => [p.t, p.v]));
    for (const p of mins) {
      const at = Math.max(p.t - buffer, now + 1000);
      wanted.set(actionName(p.t), { at, min: p.v, max: Math.max(p.v, maxs.get(p.t) ?? i.MaxCapacity) });
    }
  }
  const failures: string[] = [];
  for (const [name, a] of wanted) {
    try {
      call(rt, scope, 'PutScheduledUpdateGroupAction', {
        AutoScalingGroupName: group,
        ScheduledActionName: name,
        StartTime: new Date(a.at),
        MinSize: a.min,
        MaxSize: a.max,
      });
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      failures.push(err.message);
      wanted.delete(name);
    }
  }
  for (const name of state.scheduledActions ?? []) {
    if (wanted.has(name)) continue;
    try {
      call(rt, scope, 'DeleteScheduledAction', { AutoScalingGroupName: group, ScheduledActionName: name });
    } catch (err) {
      // already run (a one-time action goes once it runs) or deleted
      if (!(err instanceof AwsError)) throw err;
    }
  }
  const next: ResourceState = { ...state, scheduledActions: [...wanted.keys()] };
  if (!next.scheduledActions!.length) delete next.scheduledActions;
  if (failures.length && next.ScalingStatusCode === 'Active') {
    next.ScalingStatusCode = 'PartiallyActive';
    next.ScalingStatusMessage = `Failed to apply the predictive scaling configuration: ${failures[0]}`;
  }
  return next;
}
