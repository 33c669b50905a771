// Auto Scaling groups: validation of their settings, where they may launch, and the view DescribeAutoScalingGroups shows.
import type { AutoScalingGroup, CreateAutoScalingGroupType, Instance as GroupInstance, LaunchTemplateSpecification } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import * as ec2 from '../ec2/index.js';
import { groupNotFound, launchConfigurationNotFound, validation } from './errors.js';
import { groups, launchConfigurations, scopeOf, type GroupInstanceRecord, type GroupRecord } from './store.js';

type Ctx = Runtime & { account: string; region: string };

export const PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;

export const TERMINATION_POLICIES = ['AllocationStrategy', 'ClosestToNextInstanceHour', 'Default', 'NewestInstance', 'OldestInstance', 'OldestLaunchConfiguration', 'OldestLaunchTemplate'];

export function getGroup(ctx: Ctx, name: string): GroupRecord {
  const g = groups(ctx).get(scopeOf(ctx), name);
  if (!g) throw groupNotFound(name);
  return g;
}

export function putGroup(ctx: Ctx, g: GroupRecord): void {
  groups(ctx).put(scopeOf(ctx), g.AutoScalingGroupName, g);
}

export function checkSizes(min: number, max: number, desired: number): void {
  if (min > max) throw validation(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
  if (desired < min || desired > max) throw validation(`Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
}

/** The launch template a group names, resolved now (so an unknown template or version is refused at once). */
export function checkLaunchTemplate(ctx: Ctx, spec: LaunchTemplateSpecification): LaunchTemplateSpecification {
  if (!spec.LaunchTemplateId && !spec.LaunchTemplateName) throw validation('You must specify either a launch template ID or a launch template name in the request.');
  try {
    const t = ec2.launchTemplateData(ctx, scopeOf(ctx), spec);
    return { LaunchTemplateId: t.LaunchTemplateId, LaunchTemplateName: t.LaunchTemplateName, Version: spec.Version ?? '$Default' };
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    if (/Version/i.test(err.code)) throw validation(`You must use a valid fully-formed launch template. ${err.message}`);
    const which = spec.LaunchTemplateId ? `template ID ${spec.LaunchTemplateId}` : `template name ${spec.LaunchTemplateName}`;
    throw validation(`You must use a valid fully-formed launch template. The specified launch template, with ${which}, does not exist.`);
  }
}

export function checkLaunchConfiguration(ctx: Ctx, name: string): void {
  if (!launchConfigurations(ctx).has(scopeOf(ctx), name)) throw launchConfigurationNotFound(name);
}

/** Where the group launches: the subnets of VPCZoneIdentifier, or the default subnet of each named zone. */
export function placementOf(ctx: Ctx, input: { VPCZoneIdentifier?: string; AvailabilityZones?: string[] }): { VPCZoneIdentifier: string; AvailabilityZones: string[] } {
  const subnetIds = (input.VPCZoneIdentifier ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (subnetIds.length) {
    const subnets = subnetIds.map((id) => {
      try {
        return ec2.subnetForAttachment(ctx, id);
      } catch (err) {
        if (err instanceof AwsError) throw validation(`The subnet ID '${id}' does not exist`);
        throw err;
      }
    });
    const vpcs = new Set(subnets.map((s) => s.VpcId));
    if (vpcs.size > 1) throw validation('The subnets must all belong to the same VPC.');
    const zones = [...new Set(subnets.map((s) => s.AvailabilityZone))];
    if (input.AvailabilityZones?.length && input.AvailabilityZones.some((z) => !zones.includes(z))) {
      throw validation('The availability zones of the specified subnets and the Auto Scaling group do not match');
    }
    return { VPCZoneIdentifier: subnetIds.join(','), AvailabilityZones: zones };
  }
  if (!input.AvailabilityZones?.length) throw validation('At least one Availability Zone or VPC Subnet is required.');
  const net = ec2.defaultNetwork(ctx);
  const zones = new Set(net?.Subnets.map((s) => s.AvailabilityZone));
  for (const z of input.AvailabilityZones) if (!zones.has(z)) throw validation(`The availability zone ${z} is not legal`);
  return { VPCZoneIdentifier: '', AvailabilityZones: [...new Set(input.AvailabilityZones)] };
}

/** The subnet to launch into in one zone. */
export function subnetFor(ctx: Ctx, g: GroupRecord, zone: string): string | undefined {
  const ids = (g.VPCZoneIdentifier ?? '').split(',').filter(Boolean);
  if (ids.length) return ids.map((id) => ec2.subnetForAttachment(ctx, id)).find((s) => s.AvailabilityZone === zone)?.SubnetId;
  return ec2.defaultNetwork(ctx)?.Subnets.find((s) => s.AvailabilityZone === zone)?.SubnetId;
}

export function checkLaunchSource(input: Pick<CreateAutoScalingGroupType, 'LaunchConfigurationName' | 'LaunchTemplate' | 'MixedInstancesPolicy' | 'InstanceId'>): void {
  const given = [input.LaunchConfigurationName, input.LaunchTemplate, input.MixedInstancesPolicy, input.InstanceId].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw validation('Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.');
  }
}

export function groupView(g: GroupRecord): AutoScalingGroup {
  const { cooldownUntil: _c, pendingCause: _p, launchBackoffUntil: _l, azBackoff: _a, predictiveFloor: _f, warm: _w, deleting, Instances, Tags, ...rest } = g;
  void _c, _p, _l, _a, _f, _w;
  return {
    ...rest,
    Instances: Instances.filter((i) => i.LifecycleState !== 'Terminated').map(instanceView),
    Tags: Tags.map((t) => ({ ResourceId: g.AutoScalingGroupName, ResourceType: 'auto-scaling-group', ...t })),
    ...(deleting ? { Status: 'Delete in progress' } : {}),
  };
}

const ACTIVE = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed', 'InService']);

/** Instances that count toward capacity: launching or in service (not standby, not leaving). */
export function activeInstances(g: GroupRecord) {
  return g.Instances.filter((i) => ACTIVE.has(i.LifecycleState) && !i.replacing);
}

export function isSuspended(g: GroupRecord, process: (typeof PROCESSES)[number]): boolean {
  return (g.SuspendedProcesses ?? []).some((p) => p.ProcessName === process);
}

/** An instance as Describe shows it (without Cumulus's bookkeeping). */
export function instanceView(i: GroupInstanceRecord): GroupInstance {
  const { launchedAt: _l, unhealthyCause: _u, launchActivityId: _a, terminateActivityId: _t, actions: _x, terminateHooksDone: _d, spot: _s, replacing: _r, registeredTo: _g, drainUntil: _w, fromWarmPool: _f, returning: _b, ...view } = i;
  void _l, _u, _a, _t, _x, _d, _s, _r, _g, _w, _f, _b;
  return view;
}
