// Moving instances in and out of a group: Attach/Detach, Enter/ExitStandby; and group metrics collection.
import type { AutoscalingOperations } from '../../generated/autoscaling.js';
import type { Runtime } from '../../server/context.js';
import * as ec2 from '../ec2/index.js';
import type { Handlers } from '../define.js';
import { causeTime, recordActivity } from './activities.js';
import { validation } from './errors.js';
import { getGroup, putGroup } from './groups.js';
import { deregisterInstance } from './load-balancers.js';
import { capacityOf } from './mixed.js';
import { groups, scopeOf, type ActivityRecord } from './store.js';
import { poolTarget } from './warm-pool.js';

const view = ({ at: _at, ...a }: ActivityRecord) => (void _at, a);

export const GROUP_METRICS = [
  'GroupMinSize',
  'GroupMaxSize',
  'GroupDesiredCapacity',
  'GroupInServiceInstances',
  'GroupPendingInstances',
  'GroupStandbyInstances',
  'GroupTerminatingInstances',
  'GroupTotalInstances',
  'GroupInServiceCapacity',
  'GroupPendingCapacity',
  'GroupStandbyCapacity',
  'GroupTerminatingCapacity',
  'GroupTotalCapacity',
  // a group with a warm pool: its instances are counted here, not in the Group* metrics above
  'WarmPoolDesiredCapacity',
  'WarmPoolWarmedCapacity',
  'WarmPoolPendingCapacity',
  'WarmPoolTerminatingCapacity',
  'WarmPoolTotalCapacity',
  'GroupAndWarmPoolDesiredCapacity',
  'GroupAndWarmPoolTotalCapacity',
  'WarmPoolMinSize',
];

export const instanceHandlers: Handlers<AutoscalingOperations> = {
  EnterStandby(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const ids = input.InstanceIds ?? [];
    const found = ids.map((id) => {
      const i = g.Instances.find((x) => x.InstanceId === id);
      if (!i) throw validation(`The instance ${id} is not part of Auto Scaling group ${g.AutoScalingGroupName}.`);
      if (i.LifecycleState !== 'InService') throw validation(`The instance ${id} is not in InService.`);
      return i;
    });
    const from = g.DesiredCapacity;
    const to = input.ShouldDecrementDesiredCapacity ? from - ids.length : from;
    if (to < g.MinSize) throw validation(`Cannot move instances to standby: the desired capacity would fall below the group's min size of ${g.MinSize}.`);
    g.DesiredCapacity = to;
    const t = causeTime(ctx.clock.now());
    const acts = found.map((i) => {
      i.LifecycleState = 'Standby';
      // a standby instance leaves its load balancers (registered again when it is back in service)
      deregisterInstance(ctx, scope, i);
      return recordActivity(ctx, scope, g, {
        Description: `Moving EC2 instance to Standby: ${i.InstanceId}`,
        Cause: `At ${t} part of the group was moved to standby in response to a user request${to !== from ? `, shrinking the capacity from ${from} to ${to}` : ''}.`,
        StatusCode: 'Successful',
      });
    });
    putGroup(ctx, g);
    return { Activities: acts.map(view) };
  },

  ExitStandby(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const ids = input.InstanceIds ?? [];
    const found = ids.map((id) => {
      const i = g.Instances.find((x) => x.InstanceId === id);
      if (!i) throw validation(`The instance ${id} is not part of Auto Scaling group ${g.AutoScalingGroupName}.`);
      if (i.LifecycleState !== 'Standby') throw validation(`The instance ${id} is not in Standby.`);
      return i;
    });
    const from = g.DesiredCapacity;
    const to = from + ids.length;
    if (to > g.MaxSize) throw validation(`Cannot move instances out of standby: the desired capacity would exceed the group's max size of ${g.MaxSize}.`);
    g.DesiredCapacity = to;
    const t = causeTime(ctx.clock.now());
    const acts = found.map((i) => {
      i.LifecycleState = 'InService';
      return recordActivity(ctx, scope, g, {
        Description: `Moving EC2 instance out of Standby: ${i.InstanceId}`,
        Cause: `At ${t} instance ${i.InstanceId} was moved out of standby in response to a user request, increasing the capacity from ${from} to ${to}.`,
        StatusCode: 'Successful',
      });
    });
    putGroup(ctx, g);
    return { Activities: acts.map(view) };
  },

  AttachInstances(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const ids = input.InstanceIds ?? [];
    const others = groups(ctx).list(scope);
    const found = ec2.describeInstancesInternal(ctx, scope, ids);
    for (const id of ids) {
      const i = found.find((x) => x.InstanceId === id);
      if (!i || i.State?.Name !== 'running') throw validation(`Instance ${id} is not in correct state: it must be running.`);
      if (!g.AvailabilityZones.includes(i.Placement!.AvailabilityZone!)) {
        throw validation(`The instance ${id} is not in one of the Availability Zones of the Auto Scaling group ${g.AutoScalingGroupName}.`);
      }
      if (others.some((o) => o.Instances.some((x) => x.InstanceId === id && x.LifecycleState !== 'Terminated'))) {
        throw validation(`The instance ${id} is already part of an Auto Scaling group.`);
      }
    }
    const from = g.DesiredCapacity;
    const to = from + ids.length;
    if (to > g.MaxSize) throw validation(`Instances could not be attached: the desired capacity (${to}) would exceed the group's max size (${g.MaxSize}).`);
    g.DesiredCapacity = to;
    const t = causeTime(ctx.clock.now());
    for (const i of found) {
      g.Instances.push({
        InstanceId: i.InstanceId!,
        InstanceType: i.InstanceType,
        AvailabilityZone: i.Placement!.AvailabilityZone!,
        LifecycleState: 'InService',
        HealthStatus: 'Healthy',
        ProtectedFromScaleIn: g.NewInstancesProtectedFromScaleIn ?? false,
        ImageId: i.ImageId,
        launchedAt: ctx.clock.now(),
      });
      ec2.setSystemTags(ctx, scope, i.InstanceId!, { 'aws:autoscaling:groupName': g.AutoScalingGroupName });
      recordActivity(ctx, scope, g, {
        Description: `Attaching an existing EC2 instance: ${i.InstanceId}`,
        Cause: `At ${t} an instance was added in response to a user request, increasing the capacity from ${from} to ${to}.`,
        StatusCode: 'Successful',
      });
    }
    putGroup(ctx, g);
  },

  DetachInstances(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const ids = input.InstanceIds ?? [];
    for (const id of ids) {
      const i = g.Instances.find((x) => x.InstanceId === id);
      if (!i || (i.LifecycleState !== 'InService' && i.LifecycleState !== 'Standby')) {
        throw validation(`The instance ${id} is not part of Auto Scaling group ${g.AutoScalingGroupName} or is not InService or Standby.`);
      }
    }
    const from = g.DesiredCapacity;
    const leaving = g.Instances.filter((i) => ids.includes(i.InstanceId) && i.LifecycleState === 'InService').length;
    const to = input.ShouldDecrementDesiredCapacity ? from - leaving : from;
    if (to < g.MinSize) throw validation(`Instances could not be detached: the desired capacity (${to}) would fall below the group's min size (${g.MinSize}).`);
    g.DesiredCapacity = to;
    const t = causeTime(ctx.clock.now());
    const acts = ids.map((id) => {
      ec2.setSystemTags(ctx, scope, id, { 'aws:autoscaling:groupName': undefined });
      const leaving = g.Instances.find((i) => i.InstanceId === id);
      if (leaving) deregisterInstance(ctx, scope, leaving);
      return recordActivity(ctx, scope, g, {
        Description: `Detaching EC2 instance: ${id}`,
        Cause: `At ${t} instance ${id} was detached in response to a user request${to !== from ? `, shrinking the capacity from ${from} to ${to}` : ''}.`,
        StatusCode: 'Successful',
      });
    });
    g.Instances = g.Instances.filter((i) => !ids.includes(i.InstanceId));
    putGroup(ctx, g);
    return { Activities: acts.map(view) };
  },

  EnableMetricsCollection(ctx, input) {
    const g = getGroup(ctx, input.AutoScalingGroupName);
    if (input.Granularity !== '1Minute') throw validation(`Invalid granularity: ${input.Granularity}. Valid granularity: 1Minute`);
    const metrics = input.Metrics?.length ? input.Metrics : GROUP_METRICS;
    for (const m of metrics) if (!GROUP_METRICS.includes(m)) throw validation(`Invalid metric: ${m}`);
    const enabled = new Map((g.EnabledMetrics ?? []).map((e) => [e.Metric!, e]));
    for (const m of metrics) enabled.set(m, { Metric: m, Granularity: '1Minute' });
    g.EnabledMetrics = [...enabled.values()];
    putGroup(ctx, g);
  },

  DisableMetricsCollection(ctx, input) {
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const metrics = input.Metrics?.length ? input.Metrics : GROUP_METRICS;
    g.EnabledMetrics = (g.EnabledMetrics ?? []).filter((e) => !metrics.includes(e.Metric!));
    putGroup(ctx, g);
  },

  DescribeMetricCollectionTypes() {
    return { Metrics: GROUP_METRICS.map((Metric) => ({ Metric })), Granularities: [{ Granularity: '1Minute' }] };
  },
};

/** Publishes the enabled group metrics (AWS/AutoScaling, per AutoScalingGroupName) for every group: once a minute. */
export function publishGroupMetrics(rt: Runtime): void {
  const time = rt.clock.date();
  for (const { scope, record: g } of groups(rt).listAll()) {
    if (!g.EnabledMetrics?.length) continue;
    const count = (states: string[]) => g.Instances.filter((i) => states.includes(i.LifecycleState)).length;
    const values: Record<string, number> = {
      GroupMinSize: g.MinSize,
      GroupMaxSize: g.MaxSize,
      GroupDesiredCapacity: g.DesiredCapacity,
      GroupInServiceInstances: count(['InService']),
      GroupPendingInstances: count(['Pending', 'Pending:Wait', 'Pending:Proceed']),
      GroupStandbyInstances: count(['Standby']),
      GroupTerminatingInstances: count(['Terminating', 'Terminating:Wait', 'Terminating:Proceed']),
      GroupTotalInstances: g.Instances.filter((i) => i.LifecycleState !== 'Terminated').length,
    };
    // capacity counts the instances' weights (mixed instances policies), one unit each otherwise
    const units = (states: string[]) => capacityOf(g.Instances.filter((i) => states.includes(i.LifecycleState)));
    values.GroupInServiceCapacity = units(['InService']);
    values.GroupPendingCapacity = units(['Pending', 'Pending:Wait', 'Pending:Proceed']);
    values.GroupStandbyCapacity = units(['Standby']);
    values.GroupTerminatingCapacity = units(['Terminating', 'Terminating:Wait', 'Terminating:Proceed']);
    values.GroupTotalCapacity = capacityOf(g.Instances.filter((i) => i.LifecycleState !== 'Terminated'));
    const warm = (g.warm ?? []).filter((i) => i.LifecycleState !== 'Warmed:Terminated');
    const warmCount = (pred: (s: string) => boolean) => warm.filter((i) => pred(i.LifecycleState)).length;
    values.WarmPoolDesiredCapacity = poolTarget(g);
    values.WarmPoolMinSize = g.WarmPoolConfiguration?.MinSize ?? 0;
    values.WarmPoolWarmedCapacity = warmCount((s) => s === 'Warmed:Stopped' || s === 'Warmed:Running' || s === 'Warmed:Hibernated');
    values.WarmPoolPendingCapacity = warmCount((s) => s.startsWith('Warmed:Pending'));
    values.WarmPoolTerminatingCapacity = warmCount((s) => s.startsWith('Warmed:Terminating'));
    values.WarmPoolTotalCapacity = warm.length;
    values.GroupAndWarmPoolDesiredCapacity = g.DesiredCapacity + values.WarmPoolDesiredCapacity;
    values.GroupAndWarmPoolTotalCapacity = values.GroupTotalCapacity + warm.length;
    rt.bus.emit('metric', {
      account: scope.account,
      region: scope.region,
      namespace: 'AWS/AutoScaling',
      datums: g.EnabledMetrics.map((e) => ({
        MetricName: e.Metric!,
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: g.AutoScalingGroupName }],
        Timestamp: time,
        Value: values[e.Metric!] ?? 0,
        Unit: 'None',
      })),
    });
  }
}
