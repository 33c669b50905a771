// What a predictive scaling policy forecasts from: its load metric, hourly, read from CloudWatch.
//
// Predefined load metrics are the group's totals: ASGTotalCPUUtilization is the sum of its instances' CPU
// utilization (AWS/EC2 CPUUtilization by AutoScalingGroupName), ASGTotalNetworkIn/Out the sum of their
// network bytes, ALBTargetGroupRequestCount the requests its target group receives (AWS/ApplicationELB
// RequestCount by TargetGroup and LoadBalancer). Their hourly value is the mean over the hour of the
// per-minute total, so the capacity a load needs is load / TargetValue (the TargetValue of the matching
// average metric: CPU per instance, requests per target per minute).
// Customized load metrics are the user's MetricDataQueries, evaluated with a period of one hour (the
// forecast's granularity): the value returned is the hour's load as the user defined it.
import type { MetricDataQuery as AsgMetricDataQuery, PredictiveScalingMetricSpecification } from '../../generated/autoscaling.js';
import type { MetricDataQuery } from '../../generated/cloudwatch.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { getMetricDataInternal } from '../cloudwatch/index.js';
import type { Datapoint } from './forecast.js';

const HOUR_MS = 3_600_000;
const SAMPLE_PERIOD_S = 300;

interface PredefinedLoad {
  namespace: string;
  metric: string;
}

/** Load metric of each predefined metric pair and of each predefined load metric. */
export const PREDEFINED_LOAD: Record<string, PredefinedLoad> = {
  ASGCPUUtilization: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
  ASGTotalCPUUtilization: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
  ASGNetworkIn: { namespace: 'AWS/EC2', metric: 'NetworkIn' },
  ASGTotalNetworkIn: { namespace: 'AWS/EC2', metric: 'NetworkIn' },
  ASGNetworkOut: { namespace: 'AWS/EC2', metric: 'NetworkOut' },
  ASGTotalNetworkOut: { namespace: 'AWS/EC2', metric: 'NetworkOut' },
  ALBRequestCount: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount' },
  ALBTargetGroupRequestCount: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount' },
};

/** app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id> → the load balancer and target group dimensions. */
export const RESOURCE_LABEL = /^(app\/[^/]+\/[^/]+)\/(targetgroup\/[^/]+\/[^/]+)$/;

/**
 * CloudWatch GetMetricData evaluated in `scope` over [start, end): the values of the query that returns
 * data, or undefined when the queries do not evaluate (an unknown id, a bad expression: AWS then has no
 * data to forecast from).
 */
function readQueries(rt: Pick<Runtime, 'store' | 'clock'>, scope: Scope, queries: MetricDataQuery[], start: number, end: number): Datapoint[] | undefined {
  const out = queries.find((q) => q.ReturnData !== false);
  if (!out) return undefined;
  let values;
  try {
    values = getMetricDataInternal(rt, scope, queries, start, end).get(out.Id);
  } catch {
    return undefined;
  }
  if (values === undefined || typeof values === 'number') return undefined;
  const series = Array.isArray(values) ? values[0] : values;
  if (!series) return [];
  return series.ts.map((t, i) => ({ t, v: series.values[i]! })).filter((p) => Number.isFinite(p.v));
}

/** The user's queries as CloudWatch runs them, every metric at the forecast's hourly period. */
function hourlyQueries(queries: AsgMetricDataQuery[]): MetricDataQuery[] {
  return queries.map((q) => ({
    Id: q.Id,
    ReturnData: q.ReturnData ?? true,
    ...(q.Label ? { Label: q.Label } : {}),
    ...(q.Expression ? { Expression: q.Expression, Period: 3600 } : {}),
    ...(q.MetricStat
      ? { MetricStat: { Metric: q.MetricStat.Metric, Stat: q.MetricStat.Stat, Period: 3600, ...(q.MetricStat.Unit ? { Unit: q.MetricStat.Unit } : {}) } }
      : {}),
  })) as MetricDataQuery[];
}

/** The predefined load metric type a specification uses (a pair, or a predefined load metric). */
function predefinedLoadType(spec: PredictiveScalingMetricSpecification): { type: string; label?: string } | undefined {
  const pair = spec.PredefinedMetricPairSpecification;
  if (pair) return { type: pair.PredefinedMetricType, label: pair.ResourceLabel };
  const load = spec.PredefinedLoadMetricSpecification;
  if (load) return { type: load.PredefinedMetricType, label: load.ResourceLabel };
  return undefined;
}

/**
 * The hourly load history of a policy's metric specification over [start, end): one point per hour that
 * has data, timestamped at the start of the hour.
 */
export function loadHistory(rt: Pick<Runtime, 'store' | 'clock'>, scope: Scope, group: string, spec: PredictiveScalingMetricSpecification, start: number, end: number): Datapoint[] {
  const predefined = predefinedLoadType(spec);
  if (!predefined) {
    const queries = spec.CustomizedLoadMetricSpecification?.MetricDataQueries ?? [];
    const points = readQueries(rt, scope, hourlyQueries(queries), start, end) ?? [];
    return points.map((p) => ({ t: Math.floor(p.t / HOUR_MS) * HOUR_MS, v: p.v }));
  }
  const m = PREDEFINED_LOAD[predefined.type];
  if (!m) return [];
  let dims: { Name: string; Value: string }[];
  if (m.namespace === 'AWS/ApplicationELB') {
    const label = RESOURCE_LABEL.exec(predefined.label ?? '');
    if (!label) return [];
    dims = [
      { Name: 'TargetGroup', Value: label[2]! },
      { Name: 'LoadBalancer', Value: label[1]! },
    ];
  } else dims = [{ Name: 'AutoScalingGroupName', Value: group }];
  // the group's total per minute: a five-minute Sum over all instances, divided by its five minutes
  const periods = readQueries(rt, scope, [{ Id: 'load', MetricStat: { Metric: { Namespace: m.namespace, MetricName: m.metric, Dimensions: dims }, Stat: 'Sum', Period: SAMPLE_PERIOD_S }, ReturnData: true }], start, end) ?? [];
  const hours = new Map<number, { sum: number; n: number }>();
  for (const p of periods) {
    const h = Math.floor(p.t / HOUR_MS) * HOUR_MS;
    const a = hours.get(h) ?? { sum: 0, n: 0 };
    a.sum += p.v / (SAMPLE_PERIOD_S / 60);
    a.n++;
    hours.set(h, a);
  }
  return [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([t, a]) => ({ t, v: a.sum / a.n }));
}
