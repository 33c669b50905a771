// PutWarmPool, DescribeWarmPool, DeleteWarmPool. The pool's configuration lives on the group (DescribeAutoScalingGroups
// shows WarmPoolConfiguration and WarmPoolSize); the controller (warm-pool.ts) keeps the pool at its size.
import type { AutoscalingOperations, WarmPoolConfiguration } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import * as ec2 from '../ec2/index.js';
import type { Handlers } from '../define.js';
import { causeTime } from './activities.js';
import { reconcile } from './controller.js';
import { validation } from './errors.js';
import { getGroup, instanceView, putGroup } from './groups.js';
import { launchConfigurations, scopeOf, type GroupRecord } from './store.js';
import { terminateWarm } from './warm-pool.js';

type Ctx = Parameters<NonNullable<Handlers<AutoscalingOperations>['PutWarmPool']>>[0];

/** AWS refuses a warm pool for groups that launch Spot Instances (a mixed instances policy, a spot template or launch configuration). */
function checkNoSpot(ctx: Ctx, g: GroupRecord): void {
  const refuse = () => validation(`You can't add a warm pool to an Auto Scaling group that has a mixed instances policy or a launch template or launch configuration that requests Spot Instances.`);
  if (g.MixedInstancesPolicy) throw refuse();
  if (g.LaunchConfigurationName && launchConfigurations(ctx).get(scopeOf(ctx), g.LaunchConfigurationName)?.SpotPrice) throw refuse();
  if (g.LaunchTemplate) {
    try {
      const t = ec2.launchTemplateData(ctx, scopeOf(ctx), g.LaunchTemplate);
      if (t.LaunchTemplateData.InstanceMarketOptions?.MarketType === 'spot') throw refuse();
    } catch (err) {
      if (!(err instanceof AwsError) || err.code === 'ValidationError') throw err;
    }
  }
}

export const warmPoolHandlers: Handlers<AutoscalingOperations> = {
  PutWarmPool(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    if (g.deleting) throw validation(`AutoScalingGroup ${g.AutoScalingGroupName} is pending delete.`);
    if (g.WarmPoolConfiguration?.Status === 'PendingDelete') {
      throw validation(`The warm pool for Auto Scaling group ${g.AutoScalingGroupName} is pending delete. You can't update it until the deletion completes.`);
    }
    checkNoSpot(ctx, g);
    const min = input.MinSize ?? 0;
    const prepared = input.MaxGroupPreparedCapacity;
    if (min < 0) throw validation('MinSize must be greater than or equal to 0.');
    if (prepared !== undefined && prepared !== -1) {
      if (prepared < 0) throw validation('MaxGroupPreparedCapacity must be -1 or greater than or equal to 0.');
      if (prepared < min) throw validation(`MaxGroupPreparedCapacity (${prepared}) must be greater than or equal to the warm pool's MinSize (${min}).`);
      if (prepared > g.MaxSize) throw validation(`MaxGroupPreparedCapacity (${prepared}) cannot be greater than the group's MaxSize (${g.MaxSize}).`);
    }
    const config: WarmPoolConfiguration = {
      ...(prepared !== undefined ? { MaxGroupPreparedCapacity: prepared } : {}),
      MinSize: min,
      PoolState: input.PoolState ?? 'Stopped',
      ...(input.InstanceReusePolicy ? { InstanceReusePolicy: { ReuseOnScaleIn: input.InstanceReusePolicy.ReuseOnScaleIn ?? false } } : {}),
    };
    g.WarmPoolConfiguration = config;
    g.WarmPoolSize ??= 0;
    putGroup(ctx, g);
    // the pool starts filling at once, as on AWS
    reconcile(ctx, scope, g);
    return {};
  },

  DescribeWarmPool(ctx, input) {
    const g = getGroup(ctx, input.AutoScalingGroupName);
    if ((input.MaxRecords ?? 50) > 50) throw validation('MaxRecords must be less than or equal to 50');
    if (!g.WarmPoolConfiguration) return { Instances: [] };
    const list = (g.warm ?? []).filter((i) => i.LifecycleState !== 'Warmed:Terminated');
    const page = paginate(list, (i) => i.InstanceId, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { WarmPoolConfiguration: g.WarmPoolConfiguration, Instances: page.items.map(instanceView), NextToken: page.next };
  },

  DeleteWarmPool(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    if (!g.WarmPoolConfiguration) throw validation(`No warm pool found for Auto Scaling group ${g.AutoScalingGroupName}.`);
    const cause = `At ${causeTime(ctx.clock.now())} an instance was taken out of the warm pool in response to a user request to delete the warm pool.`;
    if (input.ForceDelete) {
      // gone at once with its instances, their lifecycle actions dropped
      for (const i of g.warm ?? []) {
        if (i.LifecycleState !== 'Warmed:Terminating' && i.LifecycleState !== 'Warmed:Terminated') terminateWarm(ctx, scope, g, i, cause, true);
      }
      delete g.WarmPoolConfiguration;
      delete g.WarmPoolSize;
    } else {
      if (g.WarmPoolConfiguration.Status === 'PendingDelete') {
        throw new AwsError('ScalingActivityInProgress', `The warm pool for Auto Scaling group ${g.AutoScalingGroupName} is already being deleted.`);
      }
      g.WarmPoolConfiguration = { ...g.WarmPoolConfiguration, Status: 'PendingDelete' };
      for (const i of g.warm ?? []) {
        if (!i.LifecycleState.startsWith('Warmed:Terminat')) terminateWarm(ctx, scope, g, i, cause);
      }
    }
    putGroup(ctx, g);
    reconcile(ctx, scope, g);
    return {};
  },
};
