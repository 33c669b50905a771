// Target tracking scaling policies: Auto Scaling creates and owns two CloudWatch alarms per policy, as AWS
// does — TargetTracking-<group>-AlarmHigh-<uuid> (metric above the target for 3 of 3 minutes) and
// TargetTracking-<group>-AlarmLow-<uuid> (below 90 % of the target for 15 of 15 minutes; none when scale-in
// is disabled) — whose actions run the policy. The policy sets the capacity in proportion to the metric:
// capacity × metric / target, rounded up. CloudWatch repeats an Auto Scaling action every minute while the
// alarm stays in ALARM; repeatAlarmActions does that for these policies, with the value of the moment.
import type { PutScalingPolicyType, TargetTrackingConfiguration } from '../../generated/autoscaling.js';
import type { MetricDataQuery, PutMetricAlarmInput } from '../../generated/cloudwatch.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { deleteAlarmsInternal, describeAlarmsInternal, evaluateAlarmInternal } from '../cloudwatch/index.js';
import { validation } from './errors.js';
import { isHighAlarm, syncTrackingAlarms } from './tracking-alarms.js';
import { groups, policies, type GroupRecord, type PolicyRecord } from './store.js';

type RT = Pick<Runtime, 'store' | 'clock'>;

const PREDEFINED: Record<string, { namespace: string; metric: string; statistic: string }> = {
  ASGAverageCPUUtilization: { namespace: 'AWS/EC2', metric: 'CPUUtilization', statistic: 'Average' },
  ASGAverageNetworkIn: { namespace: 'AWS/EC2', metric: 'NetworkIn', statistic: 'Average' },
  ASGAverageNetworkOut: { namespace: 'AWS/EC2', metric: 'NetworkOut', statistic: 'Average' },
  ALBRequestCountPerTarget: { namespace: 'AWS/ApplicationELB', metric: 'RequestCountPerTarget', statistic: 'Sum' },
};

// app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>
const RESOURCE_LABEL = /^app\/[^/]+\/[^/]+\/(targetgroup\/[^/]+\/[^/]+)$/;

/** Checks a TargetTrackingScaling request against the group (refusing what AWS refuses). */
export function checkTargetTracking(g: GroupRecord, input: PutScalingPolicyType): void {
  for (const k of ['AdjustmentType', 'ScalingAdjustment', 'MinAdjustmentMagnitude', 'Cooldown', 'StepAdjustments', 'MetricAggregationType'] as const) {
    if (input[k] !== undefined) throw validation(`${k} is not supported for policy type TargetTrackingScaling.`);
  }
  const c = input.TargetTrackingConfiguration;
  if (!c) throw validation('TargetTrackingConfiguration is required for policy type TargetTrackingScaling.');
  if (c.TargetValue === undefined || c.TargetValue === null) throw validation('TargetValue is required.');
  if (!!c.PredefinedMetricSpecification === !!c.CustomizedMetricSpecification) {
    throw validation('Exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.');
  }
  const pre = c.PredefinedMetricSpecification;
  if (pre) {
    if (!PREDEFINED[pre.PredefinedMetricType]) throw validation(`Unsupported predefined metric type ${pre.PredefinedMetricType}.`);
    if (pre.PredefinedMetricType === 'ALBRequestCountPerTarget') {
      if (!pre.ResourceLabel) throw validation('ResourceLabel is required for predefined metric type ALBRequestCountPerTarget.');
      const m = RESOURCE_LABEL.exec(pre.ResourceLabel);
      if (!m) throw validation(`Invalid ResourceLabel ${pre.ResourceLabel}: use app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.`);
      if (!(g.TargetGroupARNs ?? []).some((a) => a.endsWith(`:${m[1]}`))) {
        throw validation(`The target group ${m[1]} specified in ResourceLabel is not attached to the Auto Scaling group ${g.AutoScalingGroupName}.`);
      }
    } else if (pre.ResourceLabel !== undefined) {
      throw validation(`ResourceLabel is only supported for predefined metric type ALBRequestCountPerTarget.`);
    }
    return;
  }
  const cu = c.CustomizedMetricSpecification!;
  if (cu.Metrics?.length) {
    if (cu.MetricName !== undefined || cu.Namespace !== undefined || cu.Dimensions !== undefined || cu.Statistic !== undefined || cu.Unit !== undefined) {
      throw validation('MetricName, Namespace, Dimensions, Statistic and Unit must not be specified together with Metrics.');
    }
    const returned = cu.Metrics.filter((q) => q.ReturnData !== false);
    if (returned.length !== 1) throw validation('Exactly one element of the Metrics list must return data (ReturnData true).');
    for (const q of cu.Metrics) {
      if (!!q.Expression === !!q.MetricStat) throw validation(`Exactly one of Expression or MetricStat must be specified for the metric ${q.Id}.`);
    }
  } else {
    if (!cu.MetricName || !cu.Namespace || !cu.Statistic) throw validation('MetricName, Namespace and Statistic are required for a customized metric specification.');
  }
}


/** The metric part of the alarms: a single metric or the policy's metric math. */
function alarmMetric(g: GroupRecord, c: TargetTrackingConfiguration): Partial<PutMetricAlarmInput> {
  const pre = c.PredefinedMetricSpecification;
  if (pre) {
    const m = PREDEFINED[pre.PredefinedMetricType]!;
    const dims =
      pre.PredefinedMetricType === 'ALBRequestCountPerTarget'
        ? [{ Name: 'TargetGroup', Value: RESOURCE_LABEL.exec(pre.ResourceLabel!)![1]! }]
        : [{ Name: 'AutoScalingGroupName', Value: g.AutoScalingGroupName }];
    return { Namespace: m.namespace, MetricName: m.metric, Statistic: m.statistic as PutMetricAlarmInput['Statistic'], Dimensions: dims, Period: 60 };
  }
  const cu = c.CustomizedMetricSpecification!;
  if (cu.Metrics?.length) {
    const metrics: MetricDataQuery[] = cu.Metrics.map((q) => ({
      Id: q.Id,
      ...(q.Expression ? { Expression: q.Expression } : {}),
      ...(q.Label ? { Label: q.Label } : {}),
      ReturnData: q.ReturnData ?? true,
      ...(q.MetricStat
        ? { MetricStat: { Metric: q.MetricStat.Metric, Stat: q.MetricStat.Stat, Period: q.MetricStat.Period ?? q.Period ?? cu.Period ?? 60, ...(q.MetricStat.Unit ? { Unit: q.MetricStat.Unit } : {}) } }
        : {}),
    })) as MetricDataQuery[];
    return { Metrics: metrics };
  }
  return {
    Namespace: cu.Namespace,
    MetricName: cu.MetricName,
    Statistic: cu.Statistic,
    Dimensions: cu.Dimensions ?? [],
    Period: cu.Period ?? 60,
    ...(cu.Unit ? { Unit: cu.Unit as PutMetricAlarmInput['Unit'] } : {}),
  };
}

const isHigh = isHighAlarm;

/** Creates (or updates) the policy's alarms and records them in p.Alarms; drops the low alarm when scale-in is disabled. */
export function syncAlarms(rt: RT, scope: Scope, g: GroupRecord, p: PolicyRecord, previous?: PolicyRecord): void {
  const c = p.TargetTrackingConfiguration!;
  p.Alarms = syncTrackingAlarms(rt, scope, {
    resource: g.AutoScalingGroupName,
    policyArn: p.PolicyARN,
    metric: alarmMetric(g, c),
    targetValue: c.TargetValue,
    disableScaleIn: c.DisableScaleIn,
    previous: previous?.PolicyType === 'TargetTrackingScaling' ? (previous.Alarms ?? []) : [],
  });
}

/** Deletes the alarms a target tracking policy owns (with the policy, its replacement, or its group). */
export function deletePolicyAlarms(rt: RT, scope: Scope, p: PolicyRecord): void {
  if (p.PolicyType !== 'TargetTrackingScaling') return;
  deleteAlarmsInternal(rt, scope, (p.Alarms ?? []).map((a) => a.AlarmName!));
}

/** For step and simple policies: the user's alarms whose actions name the policy. */
export function alarmsNaming(rt: RT, scope: Scope, p: PolicyRecord): { AlarmName: string; AlarmARN: string }[] {
  return describeAlarmsInternal(rt, scope, { ActionPrefix: p.PolicyARN })
    .filter((a) => [...(a.AlarmActions ?? []), ...(a.OKActions ?? []), ...(a.InsufficientDataActions ?? [])].includes(p.PolicyARN))
    .map((a) => ({ AlarmName: a.AlarmName!, AlarmARN: a.AlarmArn! }));
}

const WARMING = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed']);

/** Instances that do not count yet: still launching, or launched within the warmup. */
export function warmingUp(now: number, g: GroupRecord, p: PolicyRecord): number {
  const warmup = (p.EstimatedInstanceWarmup ?? g.DefaultInstanceWarmup ?? g.DefaultCooldown ?? 300) * 1000;
  return g.Instances.filter((i) => WARMING.has(i.LifecycleState) || (i.LifecycleState === 'InService' && now - i.launchedAt < warmup)).length;
}

/** With several target tracking policies a group scales in only when every one whose scale-in is enabled is
 * ready to (its low alarm is in ALARM), as AWS does; returns the policy that holds it back. */
export function scaleInHeldBy(rt: RT, scope: Scope, p: PolicyRecord): string | undefined {
  const others = policies(rt)
    .list(scope)
    .filter((o) => o.AutoScalingGroupName === p.AutoScalingGroupName && o.PolicyARN !== p.PolicyARN && o.PolicyType === 'TargetTrackingScaling')
    .filter((o) => o.Enabled !== false && !o.TargetTrackingConfiguration?.DisableScaleIn);
  if (!others.length) return undefined;
  const lows = others.map((o) => ({ o, low: (o.Alarms ?? []).find((a) => !isHigh(a.AlarmName!))?.AlarmName }));
  const states = new Map(describeAlarmsInternal(rt, scope, { AlarmNames: lows.flatMap((x) => (x.low ? [x.low] : [])) }).map((a) => [a.AlarmName!, a.StateValue]));
  return lows.find((x) => !x.low || states.get(x.low) !== 'ALARM')?.o.PolicyName;
}

/** The capacity a target tracking policy asks for on its alarm, or why it asks for none. */
export function trackingCapacity(now: number, g: GroupRecord, p: PolicyRecord, alarmName: string, metricValue: number | undefined, heldBy?: () => string | undefined): number | string {
  const c = p.TargetTrackingConfiguration!;
  if (metricValue === undefined) return 'the alarm gave no metric value';
  const current = g.DesiredCapacity;
  // a little slack so that 1 × 150 / 50 is 3, not 3.0000000004 rounded up to 4
  const proportional = Math.ceil((current * metricValue) / c.TargetValue - 1e-9);
  if (isHigh(alarmName)) {
    if (warmingUp(now, g, p)) return 'instances launched by an earlier scale-out are still warming up';
    return Math.min(g.MaxSize, Math.max(current + 1, proportional));
  }
  if (c.DisableScaleIn) return 'scale-in is disabled for the policy';
  if (warmingUp(now, g, p)) return 'instances are still warming up';
  const holder = heldBy?.();
  if (holder) return `policy ${holder} is not ready to scale in`;
  // scale in gently: at least one fewer, never below what the metric needs, never below the minimum
  return Math.max(g.MinSize, Math.min(current - 1, proportional));
}

const lastRuns = new WeakMap<object, Map<string, number>>();

/** When a target tracking alarm last ran its policy (so the repeat does not run it twice in a minute). */
export function noteRun(rt: RT, alarmName: string): void {
  let m = lastRuns.get(rt.store);
  if (!m) lastRuns.set(rt.store, (m = new Map()));
  m.set(alarmName, rt.clock.now());
}

/** Every minute: a target tracking alarm still in ALARM runs its policy again with the current value. */
export function repeatAlarmActions(
  rt: Runtime,
  run: (scope: Scope, p: PolicyRecord, alarmName: string, metricValue: number | undefined) => void,
): void {
  const now = rt.clock.now();
  for (const { scope, record: p } of policies(rt).listAll()) {
    if (p.PolicyType !== 'TargetTrackingScaling' || p.Enabled === false || !p.Alarms?.length) continue;
    try {
      rt.store.transaction(() => {
        if (!groups(rt).get(scope, p.AutoScalingGroupName)) return;
        const alarms = describeAlarmsInternal(rt, scope, { AlarmNames: p.Alarms!.map((a) => a.AlarmName!) });
        for (const a of alarms) {
          if (a.StateValue !== 'ALARM' || a.ActionsEnabled === false || !(a.AlarmActions ?? []).includes(p.PolicyARN)) continue;
          const last = lastRuns.get(rt.store)?.get(a.AlarmName!) ?? 0;
          if (now - last < 60_000) continue;
          const e = evaluateAlarmInternal(rt, scope, a.AlarmName!);
          if (e?.state !== 'ALARM') continue;
          run(scope, p, a.AlarmName!, e.metricValue);
        }
      });
    } catch (err) {
      rt.log.warn(`autoscaling: repeating the alarm actions of ${p.PolicyName} failed: ${(err as Error).message}`);
    }
  }
}
