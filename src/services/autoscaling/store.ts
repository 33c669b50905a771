// Auto Scaling's records: launch configurations, groups (with their instances), policies, activities.
import type {
  Activity,
  AutoScalingGroup,
  Instance as GroupInstance,
  InstanceRefresh,
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
  /** launched on the spot market */
  spot?: boolean;
  /** a replacement is launched before this instance leaves (capacity rebalancing, instance refresh): the cause */
  replacing?: string;
  /** the load balancers it is registered with (target group ARNs, `elb:<name>`) */
  registeredTo?: string[];
  /** virtual epoch ms until which a leaving instance drains from its load balancers before EC2 terminates it */
  drainUntil?: number;
  /** came out of the warm pool: its launch event's Origin is WarmPool */
  fromWarmPool?: boolean;
  /** a warm instance returned to the pool on scale in (ReuseOnScaleIn): the terminate hooks hold it, not the launch hooks */
  returning?: boolean;
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
  /** ForecastAndScale: the forecast capacity the group does not scale in below until `until` (virtual ms) */
  predictiveFloor?: { capacity: number; until: number };
  /** the warm pool's instances (LifecycleState Warmed:*): kept apart from Instances, they are not capacity */
  warm?: GroupInstanceRecord[];
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

/** A predictive scaling policy's forecasts (kept apart from the policy, which DescribePolicies shows as is). */
export interface ForecastRecord {
  /** virtual epoch ms the policy was created or last changed: the first forecast is made then */
  since: number;
  /** virtual epoch ms the latest forecast was made; undefined before the first */
  updateTime?: number;
  /** the latest forecast had enough data (24 hours) */
  complete?: boolean;
  /** hour start (epoch ms) → [load, capacity]; each forecast overwrites the hours it covers */
  points: Record<string, [number, number]>;
  /** ForecastAndScale: the hour (start, epoch ms) already acted on */
  scaledHour?: number;
}

export const launchConfigurations = (rt: Pick<Runtime, 'store'>) => rt.store.table<LaunchConfigurationRecord>(SERVICE, 'launch-configuration');
export const groups = (rt: Pick<Runtime, 'store'>) => rt.store.table<GroupRecord>(SERVICE, 'group');
export const policies = (rt: Pick<Runtime, 'store'>) => rt.store.table<PolicyRecord>(SERVICE, 'policy');
export const activities = (rt: Pick<Runtime, 'store'>) => rt.store.table<ActivityRecord>(SERVICE, 'activity');
export const forecasts = (rt: Pick<Runtime, 'store'>) => rt.store.table<ForecastRecord>(SERVICE, 'predictive-forecast');
export interface ScheduledActionRecord {
  AutoScalingGroupName: string;
  ScheduledActionName: string;
  ScheduledActionARN: string;
  /** ISO times as given (StartTime/EndTime) */
  StartTime?: string;
  EndTime?: string;
  Recurrence?: string;
  MinSize?: number;
  MaxSize?: number;
  DesiredCapacity?: number;
  TimeZone?: string;
  /** virtual epoch ms of the next run; undefined when the action will not run again */
  nextRun?: number;
}

/** What a group launches from (the part an instance refresh changes and a rollback restores). */
export interface LaunchSource {
  LaunchConfigurationName?: string;
  LaunchTemplate?: AutoScalingGroup['LaunchTemplate'];
  MixedInstancesPolicy?: AutoScalingGroup['MixedInstancesPolicy'];
}

export interface InstanceRefreshRecord extends Omit<InstanceRefresh, 'StartTime' | 'EndTime' | 'ProgressDetails' | 'AutoScalingGroupName'> {
  AutoScalingGroupName: string;
  StartTime: string;
  EndTime?: string;
  PercentageComplete: number;
  InstancesToUpdate: number;
  /** virtual epoch ms the refresh started */
  startedAt: number;
  /** the group's launch source before the refresh (cancel and rollback restore it) */
  previous: LaunchSource;
  /** instances still to replace, in order */
  pending: string[];
  total: number;
  /** a batch is being replaced: waiting for the group to be whole and warmed up */
  inFlight?: boolean;
  warmUntil?: number;
  checkpointUntil?: number;
  nextCheckpoint: number;
}

export const instanceRefreshes = (rt: Pick<Runtime, 'store'>) => rt.store.table<InstanceRefreshRecord>(SERVICE, 'instance-refresh');
export const scheduledActions = (rt: Pick<Runtime, 'store'>) => rt.store.table<ScheduledActionRecord>(SERVICE, 'scheduled-action');
export const lifecycleHooks = (rt: Pick<Runtime, 'store'>) => rt.store.table<LifecycleHookRecord>(SERVICE, 'lifecycle-hook');

export function scopeOf(ctx: { account: string; region: string }): Scope {
  return regional(ctx);
}

export const policyKey = (group: string, name: string) => `${group}/${name}`;
