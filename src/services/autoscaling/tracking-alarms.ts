// The two alarms a target tracking policy owns, as AWS makes them for Auto Scaling and Application Auto
// Scaling alike: TargetTracking-<resource>-AlarmHigh-<uuid> (above the target for 3 of 3 periods) and
// …-AlarmLow-<uuid> (below 90% of it for 15 of 15; none when scale-in is disabled), acting on the policy.
import { randomUUID } from 'node:crypto';
import type { PutMetricAlarmInput } from '../../generated/cloudwatch.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { deleteAlarmsInternal, describeAlarmsInternal, putMetricAlarmInternal } from '../cloudwatch/index.js';

export const isHighAlarm = (name: string) => /-AlarmHigh-[0-9a-f-]+$/.test(name);

export interface TrackingAlarmsSpec {
  /** the group name or scalable target's ResourceId, in the alarm names */
  resource: string;
  policyArn: string;
  /** the metric (or metric math) the alarms watch */
  metric: Partial<PutMetricAlarmInput>;
  targetValue: number;
  disableScaleIn?: boolean;
  /** the alarms the policy had (kept by name when it is replaced) */
  previous: { AlarmName?: string }[];
}

/** Creates or updates the alarms; drops the low one when scale-in is disabled. Returns them as the policy lists them. */
export function syncTrackingAlarms(rt: Pick<Runtime, 'store' | 'clock'>, scope: Scope, s: TrackingAlarmsSpec): { AlarmName: string; AlarmARN: string }[] {
  const highName = s.previous.find((a) => isHighAlarm(a.AlarmName ?? ''))?.AlarmName ?? `TargetTracking-${s.resource}-AlarmHigh-${randomUUID()}`;
  const lowOld = s.previous.find((a) => a.AlarmName && !isHighAlarm(a.AlarmName))?.AlarmName;
  const lowName = s.disableScaleIn ? undefined : (lowOld ?? `TargetTracking-${s.resource}-AlarmLow-${randomUUID()}`);
  const common = { ...s.metric, AlarmActions: [s.policyArn], AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${s.policyArn}.`, ActionsEnabled: true };
  putMetricAlarmInternal(rt, scope, { ...common, AlarmName: highName, ComparisonOperator: 'GreaterThanThreshold', Threshold: s.targetValue, EvaluationPeriods: 3, DatapointsToAlarm: 3 } as PutMetricAlarmInput);
  if (lowName) {
    putMetricAlarmInternal(rt, scope, {
      ...common,
      AlarmName: lowName,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: Math.round(s.targetValue * 0.9 * 1e6) / 1e6,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
    } as PutMetricAlarmInput);
  }
  if (lowOld && !lowName) deleteAlarmsInternal(rt, scope, [lowOld]);
  const names = [highName, ...(lowName ? [lowName] : [])];
  const arns = new Map(describeAlarmsInternal(rt, scope, { AlarmNames: names }).map((a) => [a.AlarmName!, a.AlarmArn!]));
  return names.map((n) => ({ AlarmName: n, AlarmARN: arns.get(n)! }));
}
