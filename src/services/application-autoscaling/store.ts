// Application Auto Scaling's records: scalable targets (with the capacity Cumulus keeps for namespaces it
// cannot reach), scaling policies, scheduled actions and activities, scoped per account and region.
import type { ScalableTarget, ScalingActivity, ScalingPolicy, ScheduledAction } from '../../generated/application-autoscaling.js';
import { regional, type Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';

export const SERVICE = 'application-autoscaling';

export type Namespace = ScalableTarget['ServiceNamespace'];
export type Dimension = ScalableTarget['ScalableDimension'];

export interface TargetRecord extends Omit<ScalableTarget, 'CreationTime'> {
  CreationTime: string;
  /** the capacity Cumulus holds for a resource it has no service for (a record-only namespace) */
  capacity?: number;
  /** virtual epoch ms until which step scaling waits (its Cooldown) */
  cooldownUntil?: number;
  /** virtual epoch ms of the latest scale-out / scale-in by a target tracking policy (its cooldowns) */
  lastScaleOut?: number;
  lastScaleIn?: number;
  tags: Record<string, string>;
}

export interface PolicyRecord extends Omit<ScalingPolicy, 'CreationTime'> {
  CreationTime: string;
}

export interface ScheduledRecord extends Omit<ScheduledAction, 'CreationTime' | 'StartTime' | 'EndTime'> {
  CreationTime: string;
  StartTime?: string;
  EndTime?: string;
  /** virtual epoch ms of the next run */
  nextRun?: number;
}

export interface ActivityRecord extends Omit<ScalingActivity, 'StartTime' | 'EndTime'> {
  StartTime: string;
  EndTime?: string;
  at: number;
}

export const targetKey = (ns: string, id: string, dim: string) => `${ns}|${id}|${dim}`;

export const targets = (rt: Pick<Runtime, 'store'>) => rt.store.table<TargetRecord>(SERVICE, 'target');
export const policies = (rt: Pick<Runtime, 'store'>) => rt.store.table<PolicyRecord>(SERVICE, 'policy');
export const scheduled = (rt: Pick<Runtime, 'store'>) => rt.store.table<ScheduledRecord>(SERVICE, 'scheduled-action');
export const activities = (rt: Pick<Runtime, 'store'>) => rt.store.table<ActivityRecord>(SERVICE, 'activity');

export const scopeOf = (ctx: { account: string; region: string }): Scope => regional(ctx);
