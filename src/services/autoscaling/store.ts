// Auto Scaling's records: launch configurations, groups (with their instances), policies, activities.
import type {
  Activity,
  AutoScalingGroup,
  Instance as GroupInstance,
  LaunchConfiguration,
  ScalingPolicy,
} from '../../generated/autoscaling.js';
import { regional, type Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';

export const SERVICE = 'autoscaling';

export type ScopeCtx = Pick<Runtime, 'store'> & { account: string; region: string };

export interface LaunchConfigurationRecord extends Omit<LaunchConfiguration, 'CreatedTime'> {
  CreatedTime: string;
}

export interface GroupInstanceRecord extends GroupInstance {
  /** virtual epoch ms the instance was launched (termination policies, grace periods) */
  launchedAt: number;
  /** why the instance is unhealthy, for the activity's cause */
  unhealthyCause?: string;
  /** the activities that end when the instance is in service / terminated */
  launchActivityId?: string;
  terminateActivityId?: string;
  /** lifecycle actions the instance waits on (Pending:Wait / Terminating:Wait), by hook name */
  actions?: Record<string, LifecycleActionRecord>;
  /** the terminate hooks have had their say */
  terminateHooksDone?: boolean;
}

export interface LifecycleActionRecord {
  token: string;
  /** virtual epoch ms: the heartbeat timeout, pushed back by RecordLifecycleActionHeartbeat */
  deadline: number;
  /** virtual epoch ms: the global timeout (100 heartbeats or 48 hours, whichever is less) */
  globalDeadline: number;
  defaultResult: 'CONTINUE' | 'ABANDON';
  result?: 'CONTINUE' | 'ABANDON';
}

export interface LifecycleHookRecord {
  LifecycleHookName: string;
  AutoScalingGroupName: string;
  LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';
  NotificationTargetARN?: string;
  RoleARN?: string;
  NotificationMetadata?: string;
  HeartbeatTimeout: number;
  GlobalTimeout: number;
  DefaultResult: 'CONTINUE' | 'ABANDON';
}

export interface GroupRecord extends Omit<AutoScalingGroup, 'CreatedTime' | 'Instances' | 'Tags'> {
  CreatedTime: string;
  Instances: GroupInstanceRecord[];
  Tags: { Key: string; Value: string; PropagateAtLaunch: boolean }[];
  /** virtual epoch ms until which simple scaling waits (cooldown after a scaling activity) */
  cooldownUntil: number;
  /** the cause of the latest desired-capacity change, prefixed to the causes of the activities it leads to */
  pendingCause?: string;
  /** a launch failed: no new attempt before this virtual time */
  launchBackoffUntil?: number;
  /** AZ → virtual time until which launches there are not tried again after a capacity failure */
  azBackoff?: Record<string, number>;
  /** set while DeleteAutoScalingGroup waits for its instances to terminate */
  deleting?: boolean;
}

export interface PolicyRecord extends ScalingPolicy {
  AutoScalingGroupName: string;
  PolicyName: string;
  PolicyARN: string;
}

export interface ActivityRecord extends Omit<Activity, 'StartTime' | 'EndTime'> {
  StartTime: string;
  EndTime?: string;
  /** virtual epoch ms, for ordering (latest first) */
  at: number;
}

export const launchConfigurations = (rt: Pick<Runtime, 'store'>) => rt.store.table<LaunchConfigurationRecord>(SERVICE, 'launch-configuration');
export const groups = (rt: Pick<Runtime, 'store'>) => rt.store.table<GroupRecord>(SERVICE, 'group');
export const policies = (rt: Pick<Runtime, 'store'>) => rt.store.table<PolicyRecord>(SERVICE, 'policy');
export const activities = (rt: Pick<Runtime, 'store'>) => rt.store.table<ActivityRecord>(SERVICE, 'activity');
export const lifecycleHooks = (rt: Pick<Runtime, 'store'>) => rt.store.table<LifecycleHookRecord>(SERVICE, 'lifecycle-hook');

export function scopeOf(ctx: { account: string; region: string }): Scope {
  return regional(ctx);
}

export const policyKey = (group: string, name: string) => `${group}/${name}`;
