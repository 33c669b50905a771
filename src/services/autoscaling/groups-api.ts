// Group operations: create, update, delete, describe, capacity, instance health and protection, processes, tags.
import { randomUUID } from 'node:crypto';
import type { AutoscalingOperations, Filter } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import type { Handlers } from '../define.js';
import { causeTime } from './activities.js';
import { reconcile } from './controller.js';
import { alreadyExists, resourceInUse, scalingActivityInProgress, validation } from './errors.js';
import {
  activeInstances,
  checkLaunchConfiguration,
  checkLaunchSource,
  checkLaunchTemplate,
  checkSizes,
  getGroup,
  groupView,
  instanceView,
  placementOf,
  PROCESSES,
  putGroup,
  TERMINATION_POLICIES,
} from './groups.js';
import { terminateOne } from './launch.js';
import { terminateWarm } from './warm-pool.js';
import { createHooks } from './lifecycle-hooks.js';
import { normalizeMixed } from './mixed.js';
import { checkLoadBalancers, splitSources } from './load-balancers.js';
import { activities, groups, launchConfigurations, scopeOf, type GroupRecord } from './store.js';

const MAX_GROUPS = 500;

function checkPolicies(list: string[] | undefined): void {
  for (const p of list ?? []) {
    if (!TERMINATION_POLICIES.includes(p) && !p.startsWith('arn:')) throw validation(`Termination policy ${p} is not valid`);
  }
}

function matchesFilters(g: GroupRecord, filters: Filter[] | undefined): boolean {
  return (filters ?? []).every((f) => {
    const values = f.Values ?? [];
    if (f.Name === 'tag-key') return g.Tags.some((t) => values.includes(t.Key));
    if (f.Name === 'tag-value') return g.Tags.some((t) => values.includes(t.Value));
    if (f.Name?.startsWith('tag:')) return g.Tags.some((t) => t.Key === f.Name!.slice(4) && values.includes(t.Value));
    throw validation(`Filter name ${f.Name} is not valid`);
  });
}

export const groupHandlers: Handlers<AutoscalingOperations> = {
  CreateAutoScalingGroup(ctx, input) {
    const scope = scopeOf(ctx);
    const name = input.AutoScalingGroupName;
    if (groups(ctx).has(scope, name)) throw alreadyExists(`AutoScalingGroup by this name already exists - A group with the name ${name} already exists`);
    if (groups(ctx).count(scope) >= MAX_GROUPS) throw new AwsError('LimitExceeded', `You have reached your limit of ${MAX_GROUPS} Auto Scaling groups.`);
    checkLaunchSource(input);
    if (input.InstanceId) throw validation('Creating a group from an instance (InstanceId) is not supported by Cumulus yet; use a launch template or launch configuration.');
    const desired = input.DesiredCapacity ?? input.MinSize;
    checkSizes(input.MinSize, input.MaxSize, desired);
    if (input.LaunchConfigurationName) checkLaunchConfiguration(ctx, input.LaunchConfigurationName);
    const template = input.LaunchTemplate ? checkLaunchTemplate(ctx, input.LaunchTemplate) : undefined;
    if (input.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification) checkLaunchTemplate(ctx, input.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification);
    checkPolicies(input.TerminationPolicies);
    const placement = placementOf(ctx, input);
    const sources = splitSources(input.TrafficSources ?? []);
    const targetGroups = [...new Set([...(input.TargetGroupARNs ?? []), ...sources.tgs])];
    const classic = [...new Set([...(input.LoadBalancerNames ?? []), ...sources.classic])];
    checkLoadBalancers(ctx, scope, targetGroups, classic);
    const now = ctx.clock.now();
    const g: GroupRecord = {
      AutoScalingGroupName: name,
      AutoScalingGroupARN: arn({ service: 'autoscaling', region: ctx.region, account: ctx.account, resource: `autoScalingGroup:${randomUUID()}:autoScalingGroupName/${name}` }),
      ...(input.LaunchConfigurationName ? { LaunchConfigurationName: input.LaunchConfigurationName } : {}),
      ...(template ? { LaunchTemplate: { LaunchTemplateId: template.LaunchTemplateId, LaunchTemplateName: template.LaunchTemplateName, Version: input.LaunchTemplate!.Version ?? '$Default' } } : {}),
      ...(input.MixedInstancesPolicy ? { MixedInstancesPolicy: normalizeMixed(input.MixedInstancesPolicy) } : {}),
      MinSize: input.MinSize,
      MaxSize: input.MaxSize,
      DesiredCapacity: desired,
      DefaultCooldown: input.DefaultCooldown ?? 300,
      AvailabilityZones: placement.AvailabilityZones,
      LoadBalancerNames: classic,
      TargetGroupARNs: targetGroups,
      HealthCheckType: input.HealthCheckType ?? 'EC2',
      HealthCheckGracePeriod: input.HealthCheckGracePeriod ?? 0,
      CreatedTime: new Date(now).toISOString(),
      SuspendedProcesses: [],
      VPCZoneIdentifier: placement.VPCZoneIdentifier,
      EnabledMetrics: [],
      TerminationPolicies: input.TerminationPolicies?.length ? input.TerminationPolicies : ['Default'],
      NewInstancesProtectedFromScaleIn: input.NewInstancesProtectedFromScaleIn ?? false,
      ServiceLinkedRoleARN: input.ServiceLinkedRoleARN ?? `arn:aws:iam::${ctx.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      CapacityRebalance: input.CapacityRebalance ?? false,
      ...(input.MaxInstanceLifetime !== undefined ? { MaxInstanceLifetime: input.MaxInstanceLifetime } : {}),
      ...(input.DefaultInstanceWarmup !== undefined ? { DefaultInstanceWarmup: input.DefaultInstanceWarmup } : {}),
      ...(input.Context ? { Context: input.Context } : {}),
      DeletionProtection: input.DeletionProtection ?? 'none',
      Instances: [],
      Tags: (input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value ?? '', PropagateAtLaunch: t.PropagateAtLaunch ?? false })),
      cooldownUntil: 0,
      pendingCause: `At ${causeTime(now)} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${desired}.`,
    };
    for (const t of g.Tags) if (/^aws:/i.test(t.Key)) throw validation("Tag keys starting with 'aws:' are reserved for internal use");
    putGroup(ctx, g);
    createHooks(ctx, scope, name, input.LifecycleHookSpecificationList);
    // launches begin at once, as on AWS; the controller carries on from here on the clock
    reconcile(ctx, scope, g);
  },

  UpdateAutoScalingGroup(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const min = input.MinSize ?? g.MinSize;
    const max = input.MaxSize ?? g.MaxSize;
    let desired = input.DesiredCapacity ?? g.DesiredCapacity;
    if (input.DesiredCapacity === undefined) desired = Math.min(Math.max(desired, min), max); // AWS moves desired into a new range
    checkSizes(min, max, desired);
    const sources = [input.LaunchConfigurationName, input.LaunchTemplate, input.MixedInstancesPolicy].filter((x) => x !== undefined).length;
    if (sources > 1) throw validation('Valid requests must contain either LaunchTemplate, LaunchConfigurationName or MixedInstancesPolicy parameter.');
    if (input.LaunchConfigurationName) {
      checkLaunchConfiguration(ctx, input.LaunchConfigurationName);
      g.LaunchConfigurationName = input.LaunchConfigurationName;
      delete g.LaunchTemplate;
      delete g.MixedInstancesPolicy;
    }
    if (input.LaunchTemplate) {
      const t = checkLaunchTemplate(ctx, input.LaunchTemplate);
      g.LaunchTemplate = { LaunchTemplateId: t.LaunchTemplateId, LaunchTemplateName: t.LaunchTemplateName, Version: input.LaunchTemplate.Version ?? '$Default' };
      delete g.LaunchConfigurationName;
      delete g.MixedInstancesPolicy;
    }
    if (input.MixedInstancesPolicy) {
      if (input.MixedInstancesPolicy.LaunchTemplate?.LaunchTemplateSpecification) checkLaunchTemplate(ctx, input.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification);
      g.MixedInstancesPolicy = normalizeMixed(input.MixedInstancesPolicy);
      delete g.LaunchConfigurationName;
      delete g.LaunchTemplate;
    }
    if (input.VPCZoneIdentifier !== undefined || input.AvailabilityZones !== undefined) {
      const placement = placementOf(ctx, {
        VPCZoneIdentifier: input.VPCZoneIdentifier ?? (input.AvailabilityZones ? undefined : g.VPCZoneIdentifier),
        AvailabilityZones: input.AvailabilityZones,
      });
      g.VPCZoneIdentifier = placement.VPCZoneIdentifier;
      g.AvailabilityZones = placement.AvailabilityZones;
    }
    checkPolicies(input.TerminationPolicies);
    if (input.TerminationPolicies?.length) g.TerminationPolicies = input.TerminationPolicies;
    if (input.DefaultCooldown !== undefined) g.DefaultCooldown = input.DefaultCooldown;
    if (input.HealthCheckType !== undefined) g.HealthCheckType = input.HealthCheckType;
    if (input.HealthCheckGracePeriod !== undefined) g.HealthCheckGracePeriod = input.HealthCheckGracePeriod;
    if (input.NewInstancesProtectedFromScaleIn !== undefined) g.NewInstancesProtectedFromScaleIn = input.NewInstancesProtectedFromScaleIn;
    if (input.CapacityRebalance !== undefined) g.CapacityRebalance = input.CapacityRebalance;
    if (input.MaxInstanceLifetime !== undefined) g.MaxInstanceLifetime = input.MaxInstanceLifetime;
    if (input.DefaultInstanceWarmup !== undefined) g.DefaultInstanceWarmup = input.DefaultInstanceWarmup;
    if (input.DeletionProtection !== undefined) g.DeletionProtection = input.DeletionProtection;
    if (desired !== g.DesiredCapacity) {
      g.pendingCause = `At ${causeTime(ctx.clock.now())} a user request update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} changing the desired capacity from ${g.DesiredCapacity} to ${desired}.`;
    }
    g.MinSize = min;
    g.MaxSize = max;
    g.DesiredCapacity = desired;
    putGroup(ctx, g);
    reconcile(ctx, scope, g);
  },

  DeleteAutoScalingGroup(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    if (g.DeletionProtection === 'prevent-all-deletion' || (g.DeletionProtection === 'prevent-force-deletion' && input.ForceDelete)) {
      throw validation(`Deletion protection is enabled for Auto Scaling group ${g.AutoScalingGroupName}.`);
    }
    if (!input.ForceDelete) {
      // warm pool instances count: the pool is deleted first (DeleteWarmPool), or the group with ForceDelete
      if (g.Instances.some((i) => i.LifecycleState !== 'Terminated') || g.warm?.some((i) => i.LifecycleState !== 'Warmed:Terminated')) {
        if (g.Instances.some((i) => i.LifecycleState === 'Pending' || i.LifecycleState === 'Terminating')) {
          throw scalingActivityInProgress('You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.');
        }
        throw resourceInUse('You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.');
      }
    }
    g.deleting = true;
    g.MinSize = 0;
    g.DesiredCapacity = 0;
    g.pendingCause = `At ${causeTime(ctx.clock.now())} a user request deleted the AutoScalingGroup changing the desired capacity from ${activeInstances(g).length} to 0.`;
    // a forced delete terminates everything, protected or not
    for (const i of activeInstances(g)) i.ProtectedFromScaleIn = false;
    reconcile(ctx, scope, g);
  },

  DescribeAutoScalingGroups(ctx, input) {
    if ((input.MaxRecords ?? 50) > 100) throw validation('MaxRecords must be less than or equal to 100');
    let list = groups(ctx).list(scopeOf(ctx));
    if (input.AutoScalingGroupNames?.length) list = list.filter((g) => input.AutoScalingGroupNames!.includes(g.AutoScalingGroupName));
    list = list.filter((g) => matchesFilters(g, input.Filters));
    const page = paginate(list, (g) => g.AutoScalingGroupName, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return {
      AutoScalingGroups: page.items.map((g) => {
        const v = groupView(g);
        return input.IncludeInstances === false ? { ...v, Instances: undefined } : v;
      }),
      NextToken: page.next,
    };
  },

  DescribeAutoScalingInstances(ctx, input) {
    if ((input.MaxRecords ?? 50) > 50) throw validation('MaxRecords must be less than or equal to 50');
    const all = groups(ctx)
      .list(scopeOf(ctx))
      .flatMap((g) =>
        [...g.Instances, ...(g.warm ?? [])].filter((i) => i.LifecycleState !== 'Terminated' && i.LifecycleState !== 'Warmed:Terminated').map((i) => ({
          ...instanceView(i),
          AutoScalingGroupName: g.AutoScalingGroupName,
          HealthStatus: i.HealthStatus.toUpperCase(),
        })),
      );
    const wanted = input.InstanceIds?.length ? all.filter((i) => input.InstanceIds!.includes(i.InstanceId)) : all;
    const page = paginate(wanted, (i) => i.InstanceId, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { AutoScalingInstances: page.items, NextToken: page.next };
  },

  SetDesiredCapacity(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const d = input.DesiredCapacity;
    if (d > g.MaxSize) throw validation(`New SetDesiredCapacity value ${d} is above max value ${g.MaxSize} for the AutoScalingGroup.`);
    if (d < g.MinSize) throw validation(`New SetDesiredCapacity value ${d} is below min value ${g.MinSize} for the AutoScalingGroup.`);
    if (input.HonorCooldown && g.cooldownUntil > ctx.clock.now()) {
      throw scalingActivityInProgress('Scaling activity cannot be performed because a cooldown period is in effect for the Auto Scaling group.');
    }
    if (d !== g.DesiredCapacity) {
      g.pendingCause = `At ${causeTime(ctx.clock.now())} a user request explicitly set group desired capacity changing the desired capacity from ${g.DesiredCapacity} to ${d}.`;
      g.DesiredCapacity = d;
      g.cooldownUntil = ctx.clock.now() + g.DefaultCooldown * 1000;
    }
    putGroup(ctx, g);
    reconcile(ctx, scope, g);
  },

  TerminateInstanceInAutoScalingGroup(ctx, input) {
    const scope = scopeOf(ctx);
    const all = groups(ctx).list(scope);
    const g = all.find((x) => x.Instances.some((i) => i.InstanceId === input.InstanceId && i.LifecycleState !== 'Terminated'));
    const inst = g?.Instances.find((i) => i.InstanceId === input.InstanceId);
    const warmGroup = inst ? undefined : all.find((x) => x.warm?.some((i) => i.InstanceId === input.InstanceId && !i.LifecycleState.startsWith('Warmed:Terminat')));
    if (warmGroup) {
      // a warm pool instance: terminated out of the pool (the pool refills); desired capacity is not involved
      const w = warmGroup.warm!.find((i) => i.InstanceId === input.InstanceId)!;
      terminateWarm(ctx, scope, warmGroup, w, `At ${causeTime(ctx.clock.now())} instance ${w.InstanceId} was taken out of the warm pool in response to a user request.`);
      putGroup(ctx, warmGroup);
      const { at: _w, ...act } = activities(ctx).get(scope, w.terminateActivityId!)!;
      void _w;
      return { Activity: act };
    }
    if (!g || !inst) throw validation(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId}`);
    if (inst.LifecycleState === 'Terminating') throw validation(`The instance ${input.InstanceId} is already terminating.`);
    const from = g.DesiredCapacity;
    let cause = `At ${causeTime(ctx.clock.now())} instance ${inst.InstanceId} was taken out of service in response to a user request`;
    if (input.ShouldDecrementDesiredCapacity) {
      if (from - 1 < g.MinSize) throw validation(`Currently, desired capacity (${from}) is equal to min size (${g.MinSize}). Cannot decrement desired capacity.`);
      g.DesiredCapacity = from - 1;
      cause += `, shrinking the capacity from ${from} to ${from - 1}.`;
    } else cause += '.';
    terminateOne(ctx, scope, g, inst, cause);
    putGroup(ctx, g);
    const { at: _at, ...activity } = activities(ctx).get(scope, inst.terminateActivityId!)!;
    void _at;
    return { Activity: activity };
  },

  SetInstanceHealth(ctx, input) {
    const g = groups(ctx)
      .list(scopeOf(ctx))
      .find((x) => x.Instances.some((i) => i.InstanceId === input.InstanceId && i.LifecycleState !== 'Terminated'));
    const inst = g?.Instances.find((i) => i.InstanceId === input.InstanceId);
    if (!g || !inst) throw validation(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId}`);
    if (input.HealthStatus !== 'Healthy' && input.HealthStatus !== 'Unhealthy') throw validation(`Health status ${input.HealthStatus} is not valid: Healthy or Unhealthy`);
    const inGrace = ctx.clock.now() - inst.launchedAt < (g.HealthCheckGracePeriod ?? 0) * 1000;
    if (input.ShouldRespectGracePeriod && inGrace && input.HealthStatus === 'Unhealthy') return;
    inst.HealthStatus = input.HealthStatus;
    inst.unhealthyCause = input.HealthStatus === 'Unhealthy' ? 'a user health-check' : undefined;
    putGroup(ctx, g);
  },

  SetInstanceProtection(ctx, input) {
    const g = getGroup(ctx, input.AutoScalingGroupName);
    for (const id of input.InstanceIds) {
      const inst = g.Instances.find((i) => i.InstanceId === id && i.LifecycleState !== 'Terminated');
      if (!inst) throw validation(`The instance ${id} is not part of Auto Scaling group ${g.AutoScalingGroupName}.`);
      inst.ProtectedFromScaleIn = input.ProtectedFromScaleIn;
    }
    putGroup(ctx, g);
    return {};
  },

  SuspendProcesses(ctx, input) {
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const names = input.ScalingProcesses?.length ? input.ScalingProcesses : [...PROCESSES];
    for (const p of names) if (!(PROCESSES as readonly string[]).includes(p)) throw validation(`Process ${p} is not a valid scaling process`);
    const suspended = g.SuspendedProcesses ?? [];
    for (const p of names) {
      if (!suspended.some((s) => s.ProcessName === p)) suspended.push({ ProcessName: p, SuspensionReason: `User suspended at ${causeTime(ctx.clock.now())}` });
    }
    g.SuspendedProcesses = suspended;
    putGroup(ctx, g);
  },

  ResumeProcesses(ctx, input) {
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const names = input.ScalingProcesses?.length ? input.ScalingProcesses : [...PROCESSES];
    for (const p of names) if (!(PROCESSES as readonly string[]).includes(p)) throw validation(`Process ${p} is not a valid scaling process`);
    g.SuspendedProcesses = (g.SuspendedProcesses ?? []).filter((s) => !names.includes(s.ProcessName!));
    putGroup(ctx, g);
  },

  DescribeScalingProcessTypes() {
    return { Processes: PROCESSES.map((ProcessName) => ({ ProcessName })) };
  },

  DescribeTerminationPolicyTypes() {
    return { TerminationPolicyTypes: TERMINATION_POLICIES };
  },

  DescribeAdjustmentTypes() {
    return { AdjustmentTypes: ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'].map((AdjustmentType) => ({ AdjustmentType })) };
  },

  DescribeAccountLimits(ctx) {
    return {
      MaxNumberOfAutoScalingGroups: MAX_GROUPS,
      MaxNumberOfLaunchConfigurations: 200,
      NumberOfAutoScalingGroups: groups(ctx).count(scopeOf(ctx)),
      NumberOfLaunchConfigurations: launchConfigurations(ctx).count(scopeOf(ctx)),
    };
  },
};
