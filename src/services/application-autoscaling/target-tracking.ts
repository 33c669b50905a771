// Target tracking for scalable targets, as EC2 Auto Scaling's: Application Auto Scaling creates and owns
// TargetTracking-<ResourceId>-AlarmHigh-<uuid> (above the target for 3 of 3 minutes) and …-AlarmLow-<uuid>
// (below 90 % of it for 15 of 15 minutes; none with DisableScaleIn), whose actions run the policy; the
// capacity follows capacity × metric / target, rounded up, within ScaleOutCooldown / ScaleInCooldown.
import type { PutScalingPolicyRequest, TargetTrackingScalingPolicyConfiguration } from '../../generated/application-autoscaling.js';
import type { MetricDataQuery, PutMetricAlarmInput } from '../../generated/cloudwatch.js';
import { AwsError, notImplemented } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { deleteAlarmsInternal, describeAlarmsInternal, evaluateAlarmInternal } from '../cloudwatch/index.js';
import { isHighAlarm, syncTrackingAlarms } from '../autoscaling/index.js';
import { policies, targetKey, targets, type Namespace, type PolicyRecord, type TargetRecord } from './store.js';

type RT = Pick<Runtime, 'store' | 'clock'>;
const validation = (m: string) => new AwsError('ValidationException', m);

type Dims = { Name: string; Value: string }[];
interface Predefined {
  namespace: Namespace[];
  cw: string;
  metric: string;
  statistic: 'Average' | 'Sum' | 'Maximum';
  dims: (t: { ResourceId: string }, label?: string) => Dims;
}

const ecsDims = (t: { ResourceId: string }): Dims => {
  const [, cluster, service] = t.ResourceId.split('/');
  return [
    { Name: 'ClusterName', Value: cluster ?? '' },
    { Name: 'ServiceName', Value: service ?? '' },
  ];
};
const lambdaDims = (t: { ResourceId: string }): Dims => {
  const [, fn, qualifier] = t.ResourceId.split(':');
  return [
    { Name: 'FunctionName', Value: fn ?? '' },
    { Name: 'Resource', Value: `${fn}:${qualifier}` },
  ];
};
const spotDims = (t: { ResourceId: string }): Dims => [{ Name: 'FleetRequestId', Value: t.ResourceId.split('/')[1] ?? '' }];

// The predefined metrics whose CloudWatch metric is a plain one; the DynamoDB and Cassandra utilisations are
// ratios of two metrics (consumed over provisioned) and are not offered here yet.
const PREDEFINED: Partial<Record<string, Predefined>> = {
  LambdaProvisionedConcurrencyUtilization: { namespace: ['lambda'], cw: 'AWS/Lambda', metric: 'ProvisionedConcurrencyUtilization', statistic: 'Average', dims: lambdaDims },
  ECSServiceAverageCPUUtilization: { namespace: ['ecs'], cw: 'AWS/ECS', metric: 'CPUUtilization', statistic: 'Average', dims: ecsDims },
  ECSServiceAverageMemoryUtilization: { namespace: ['ecs'], cw: 'AWS/ECS', metric: 'MemoryUtilization', statistic: 'Average', dims: ecsDims },
  EC2SpotFleetRequestAverageCPUUtilization: { namespace: ['ec2'], cw: 'AWS/EC2Spot', metric: 'CPUUtilization', statistic: 'Average', dims: spotDims },
  EC2SpotFleetRequestAverageNetworkIn: { namespace: ['ec2'], cw: 'AWS/EC2Spot', metric: 'NetworkIn', statistic: 'Average', dims: spotDims },
  EC2SpotFleetRequestAverageNetworkOut: { namespace: ['ec2'], cw: 'AWS/EC2Spot', metric: 'NetworkOut', statistic: 'Average', dims: spotDims },
  ALBRequestCountPerTarget: {
    namespace: ['ecs', 'ec2'],
    cw: 'AWS/ApplicationELB',
    metric: 'RequestCountPerTarget',
    statistic: 'Sum',
    dims: (_t, label) => [{ Name: 'TargetGroup', Value: /^app\/[^/]+\/[^/]+\/(targetgroup\/[^/]+\/[^/]+)$/.exec(label ?? '')?.[1] ?? '' }],
  },
};

/** Checks a TargetTrackingScaling request. */
export function checkTracking(input: PutScalingPolicyRequest): void {
  if (input.StepScalingPolicyConfiguration) throw validation('StepScalingPolicyConfiguration is not allowed for TargetTrackingScaling policies');
  const c = input.TargetTrackingScalingPolicyConfiguration;
  if (!c) throw validation('TargetTrackingScalingPolicyConfiguration is required for TargetTrackingScaling policies');
  if (!!c.PredefinedMetricSpecification === !!c.CustomizedMetricSpecification) {
    throw validation('Exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification must be specified');
  }
  const pre = c.PredefinedMetricSpecification;
  if (pre) {
    const m = PREDEFINED[pre.PredefinedMetricType];
    if (!m) throw notImplemented('application-autoscaling', `PutScalingPolicy (PredefinedMetricType ${pre.PredefinedMetricType})`);
    if (!m.namespace.includes(input.ServiceNamespace)) {
      throw validation(`Unsupported metric type ${pre.PredefinedMetricType} for service namespace ${input.ServiceNamespace}`);
    }
    if (pre.PredefinedMetricType === 'ALBRequestCountPerTarget') {
      if (!pre.ResourceLabel || !/^app\/[^/]+\/[^/]+\/targetgroup\/[^/]+\/[^/]+$/.test(pre.ResourceLabel)) {
        throw validation('ResourceLabel is required for ALBRequestCountPerTarget: app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>');
      }
    } else if (pre.ResourceLabel !== undefined) {
      throw validation(`ResourceLabel is only supported for predefined metric type ALBRequestCountPerTarget`);
    }
    return;
  }
  const cu = c.CustomizedMetricSpecification!;
  if (cu.Metrics?.length) {
    if (cu.MetricName !== undefined || cu.Namespace !== undefined || cu.Dimensions !== undefined || cu.Statistic !== undefined || cu.Unit !== undefined) {
      throw validation('MetricName, Namespace, Dimensions, Statistic and Unit must not be specified together with Metrics');
    }
    if (cu.Metrics.filter((q) => q.ReturnData !== false).length !== 1) throw validation('Exactly one element of the Metrics list must return data');
    for (const q of cu.Metrics) if (!!q.Expression === !!q.MetricStat) throw validation(`Exactly one of Expression or MetricStat must be specified for the metric ${q.Id}`);
  } else if (!cu.MetricName || !cu.Namespace || !cu.Statistic) {
    throw validation('MetricName, Namespace and Statistic are required for a customized metric specification');
  }
}

function alarmMetric(t: { ResourceId: string }, c: TargetTrackingScalingPolicyConfiguration): Partial<PutMetricAlarmInput> {
  const pre = c.PredefinedMetricSpecification;
  if (pre) {
    const m = PREDEFINED[pre.PredefinedMetricType]!;
    return { Namespace: m.cw, MetricName: m.metric, Statistic: m.statistic, Dimensions: m.dims(t, pre.ResourceLabel), Period: 60 };
  }
  const cu = c.CustomizedMetricSpecification!;
  if (cu.Metrics?.length) {
    return {
      Metrics: cu.Metrics.map((q) => ({
        Id: q.Id,
        ...(q.Expression ? { Expression: q.Expression } : {}),
        ...(q.Label ? { Label: q.Label } : {}),
        ReturnData: q.ReturnData ?? true,
        ...(q.MetricStat ? { MetricStat: { Metric: q.MetricStat.Metric, Stat: q.MetricStat.Stat, Period: 60, ...(q.MetricStat.Unit ? { Unit: q.MetricStat.Unit } : {}) } } : {}),
      })) as MetricDataQuery[],
    };
  }
  return {
    Namespace: cu.Namespace,
    MetricName: cu.MetricName,
    Statistic: cu.Statistic,
    Dimensions: cu.Dimensions ?? [],
    Period: 60,
    ...(cu.Unit ? { Unit: cu.Unit as PutMetricAlarmInput['Unit'] } : {}),
  };
}

const isHigh = isHighAlarm;

/** Creates or updates the policy's alarms; records them in p.Alarms. */
export function syncAlarms(rt: RT, scope: Scope, p: PolicyRecord, previous?: PolicyRecord): void {
  const c = p.TargetTrackingScalingPolicyConfiguration!;
  p.Alarms = syncTrackingAlarms(rt, scope, {
    resource: p.ResourceId,
    policyArn: p.PolicyARN,
    metric: alarmMetric(p, c),
    targetValue: c.TargetValue,
    disableScaleIn: c.DisableScaleIn,
    previous: previous?.PolicyType === 'TargetTrackingScaling' ? (previous.Alarms ?? []) : [],
  });
}

export function deletePolicyAlarms(rt: RT, scope: Scope, p: PolicyRecord): void {
  if (p.PolicyType !== 'TargetTrackingScaling') return;
  deleteAlarmsInternal(rt, scope, (p.Alarms ?? []).map((a) => a.AlarmName));
}

/** For step policies: the user's alarms whose actions name the policy. */
export function alarmsNaming(rt: RT, scope: Scope, p: PolicyRecord): { AlarmName: string; AlarmARN: string }[] {
  return describeAlarmsInternal(rt, scope, { ActionPrefix: p.PolicyARN })
    .filter((a) => [...(a.AlarmActions ?? []), ...(a.OKActions ?? []), ...(a.InsufficientDataActions ?? [])].includes(p.PolicyARN))
    .map((a) => ({ AlarmName: a.AlarmName!, AlarmARN: a.AlarmArn! }));
}

// AWS's default cooldowns: 300 seconds, except the namespaces whose capacity changes at once
const NO_COOLDOWN = new Set<Namespace>(['dynamodb', 'comprehend', 'lambda', 'cassandra']);

/** What the policy asks for on its alarm: a capacity (the caller keeps it in bounds), or why none. */
export function trackingCapacity(now: number, t: TargetRecord, p: PolicyRecord, alarmName: string, metricValue: number | undefined, current: number): number | string {
  const c = p.TargetTrackingScalingPolicyConfiguration!;
  if (metricValue === undefined) return 'the alarm gave no metric value';
  const proportional = Math.ceil((current * metricValue) / c.TargetValue - 1e-9);
  const byDefault = NO_COOLDOWN.has(t.ServiceNamespace) ? 0 : 300;
  if (isHigh(alarmName)) {
    if (t.SuspendedState?.DynamicScalingOutSuspended) return 'dynamic scale-out is suspended';
    if (now < (t.lastScaleOut ?? -Infinity) + (c.ScaleOutCooldown ?? byDefault) * 1000) return 'the scale-out cooldown is in effect';
    return Math.max(current + 1, proportional);
  }
  if (c.DisableScaleIn) return 'scale-in is disabled for the policy';
  if (t.SuspendedState?.DynamicScalingInSuspended) return 'dynamic scale-in is suspended';
  const last = Math.max(t.lastScaleOut ?? -Infinity, t.lastScaleIn ?? -Infinity);
  if (now < last + (c.ScaleInCooldown ?? byDefault) * 1000) return 'the scale-in cooldown is in effect';
  return Math.min(current - 1, proportional);
}

const lastRuns = new WeakMap<object, Map<string, number>>();

export function noteRun(rt: RT, alarmName: string): void {
  let m = lastRuns.get(rt.store);
  if (!m) lastRuns.set(rt.store, (m = new Map()));
  m.set(alarmName, rt.clock.now());
}

/** Every minute: a target tracking alarm still in ALARM runs its policy again with the current value. */
export async function repeatAlarmActions(rt: Runtime, run: (scope: Scope, p: PolicyRecord, alarmName: string, metricValue: number | undefined) => Promise<unknown>): Promise<void> {
  const now = rt.clock.now();
  for (const { scope, record: p } of policies(rt).listAll()) {
    if (p.PolicyType !== 'TargetTrackingScaling' || !p.Alarms?.length) continue;
    if (!targets(rt).get(scope, targetKey(p.ServiceNamespace, p.ResourceId, p.ScalableDimension))) continue;
    for (const a of describeAlarmsInternal(rt, scope, { AlarmNames: p.Alarms.map((x) => x.AlarmName) })) {
      if (a.StateValue !== 'ALARM' || a.ActionsEnabled === false || !(a.AlarmActions ?? []).includes(p.PolicyARN)) continue;
      if (now - (lastRuns.get(rt.store)?.get(a.AlarmName!) ?? 0) < 60_000) continue;
      const e = evaluateAlarmInternal(rt, scope, a.AlarmName!);
      if (e?.state === 'ALARM') await run(scope, p, a.AlarmName!, e.metricValue);
    }
  }
}
