// Launching and terminating a group's instances through EC2, with the activities and events AWS records.
import type { LaunchTemplateOverrides } from '../../generated/autoscaling.js';
import type { RunInstancesRequest } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import * as ec2 from '../ec2/index.js';
import { causeTime, recordActivity } from './activities.js';
import { subnetFor } from './groups.js';
import { beginActions } from './lifecycle-hooks.js';
import type { Market } from './mixed.js';
import { deregisterInstance } from './load-balancers.js';
import { activities, launchConfigurations, type ActivityRecord, type GroupInstanceRecord, type GroupRecord } from './store.js';

type RT = Runtime;

/** What one launch of a mixed group asks for: a market and one of the overrides. */
export interface LaunchPick {
  market: Market;
  override: LaunchTemplateOverrides;
}

/** The RunInstances request for one instance of the group in `subnetId`. */
function runRequest(rt: RT, scope: Scope, g: GroupRecord, subnetId: string, pick?: LaunchPick): RunInstancesRequest {
  const propagated = g.Tags.filter((t) => t.PropagateAtLaunch).map((t) => ({ Key: t.Key, Value: t.Value }));
  const common = {
    MinCount: 1,
    MaxCount: 1,
    SubnetId: subnetId,
    ...(propagated.length ? { TagSpecifications: [{ ResourceType: 'instance' as const, Tags: propagated }] } : {}),
  };
  if (g.LaunchConfigurationName) {
    const lc = launchConfigurations(rt).get(scope, g.LaunchConfigurationName);
    if (!lc) throw new AwsError('ValidationError', `Launch configuration ${g.LaunchConfigurationName} not found`);
    const groupIds = (lc.SecurityGroups ?? []).filter((s) => s.startsWith('sg-'));
    const groupNames = (lc.SecurityGroups ?? []).filter((s) => !s.startsWith('sg-'));
    return {
      ...common,
      ImageId: lc.ImageId,
      InstanceType: lc.InstanceType as RunInstancesRequest['InstanceType'],
      ...(lc.KeyName ? { KeyName: lc.KeyName } : {}),
      ...(groupIds.length ? { SecurityGroupIds: groupIds } : {}),
      ...(groupNames.length ? { SecurityGroups: groupNames } : {}),
      ...(lc.UserData ? { UserData: lc.UserData } : {}),
      ...(lc.IamInstanceProfile ? { IamInstanceProfile: lc.IamInstanceProfile.startsWith('arn:') ? { Arn: lc.IamInstanceProfile } : { Name: lc.IamInstanceProfile } } : {}),
      ...(lc.BlockDeviceMappings?.length ? { BlockDeviceMappings: lc.BlockDeviceMappings as RunInstancesRequest['BlockDeviceMappings'] } : {}),
      Monitoring: { Enabled: lc.InstanceMonitoring?.Enabled ?? true },
      ...(lc.MetadataOptions ? { MetadataOptions: lc.MetadataOptions as RunInstancesRequest['MetadataOptions'] } : {}),
    };
  }
  const spec = pick?.override.LaunchTemplateSpecification ?? g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!spec) throw new AwsError('ValidationError', 'The group has no launch configuration or launch template.');
  const maxPrice = g.MixedInstancesPolicy?.InstancesDistribution?.SpotMaxPrice;
  return {
    ...common,
    LaunchTemplate: { LaunchTemplateId: spec.LaunchTemplateId, LaunchTemplateName: spec.LaunchTemplateId ? undefined : spec.LaunchTemplateName, Version: spec.Version ?? '$Default' },
    ...(pick?.override.InstanceType ? { InstanceType: pick.override.InstanceType as RunInstancesRequest['InstanceType'] } : {}),
    ...(pick?.override.ImageId ? { ImageId: pick.override.ImageId } : {}),
    ...(pick?.market === 'spot' ? { InstanceMarketOptions: { MarketType: 'spot' as const, SpotOptions: { SpotInstanceType: 'one-time' as const, ...(maxPrice ? { MaxPrice: maxPrice } : {}) } } } : {}),
  };
}

/** Where an instance comes from and goes to, as EventBridge events say (EC2 | AutoScalingGroup | WarmPool). */
export interface Route {
  origin: string;
  destination: string;
}

function emit(rt: RT, scope: Scope, g: GroupRecord, detailType: string, a: ActivityRecord, instanceId: string | undefined, details: Record<string, string>, route?: Route): void {
  rt.bus.emit('aws-event', {
    account: scope.account,
    region: scope.region,
    source: 'aws.autoscaling',
    detailType,
    detail: {
      Origin: route?.origin ?? (detailType.includes('Terminate') ? 'AutoScalingGroup' : 'EC2'),
      Destination: route?.destination ?? (detailType.includes('Terminate') ? 'EC2' : 'AutoScalingGroup'),
      StatusCode: a.StatusCode,
      AutoScalingGroupName: g.AutoScalingGroupName,
      ActivityId: a.ActivityId,
      AccountId: scope.account,
      RequestId: a.ActivityId,
      StatusMessage: a.StatusMessage ?? '',
      EndTime: a.EndTime ?? rt.clock.date().toISOString(),
      EC2InstanceId: instanceId ?? '',
      StartTime: a.StartTime,
      Cause: a.Cause,
      Details: details,
    },
    resources: [g.AutoScalingGroupARN!, ...(instanceId ? [`arn:aws:ec2:${scope.region}:${scope.account}:instance/${instanceId}`] : [])],
    time: rt.clock.date(),
  });
}

export interface LaunchOutcome {
  instance?: GroupInstanceRecord;
  /** EC2's refusal, when the launch failed */
  error?: AwsError;
}

/** Runs the first pick EC2 accepts (one try without picks); throws the last refusal. */
function runFirst(rt: RT, scope: Scope, g: GroupRecord, subnetId: string, picks: LaunchPick[] | undefined) {
  let last: unknown;
  for (const pick of picks?.length ? picks : [undefined]) {
    try {
      const [instance] = ec2.runInstancesInternal(rt, scope, runRequest(rt, scope, g, subnetId, pick), { systemTags: { 'aws:autoscaling:groupName': g.AutoScalingGroupName } });
      return { instance: instance!, pick };
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      last = err;
    }
  }
  throw last;
}

/** Launches one instance in `zone` (trying each pick in order). A refusal is recorded as a failed activity (and an Unsuccessful event). */
export function launchOne(rt: RT, scope: Scope, g: GroupRecord, zone: string, cause: string, picks?: LaunchPick[], intoWarmPool = false): LaunchOutcome {
  const ctx = { ...rt, ...scope };
  const subnetId = subnetFor(ctx, g, zone);
  const details = { 'Subnet ID': subnetId ?? '', 'Availability Zone': zone };
  try {
    if (!subnetId) throw new AwsError('InvalidSubnet', `No subnet of the group is in ${zone}.`);
    const { instance, pick } = runFirst(rt, scope, g, subnetId, picks);
    const id = instance!.InstanceId!;
    const a = recordActivity(rt, scope, g, { Description: `Launching a new EC2 instance${intoWarmPool ? ' into warm pool' : ''}: ${id}`, Cause: cause, StatusCode: 'InProgress', Details: details });
    const rec: GroupInstanceRecord = {
      InstanceId: id,
      InstanceType: instance!.InstanceType,
      AvailabilityZone: zone,
      LifecycleState: intoWarmPool ? 'Warmed:Pending' : 'Pending',
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: g.NewInstancesProtectedFromScaleIn ?? false,
      ...(g.LaunchConfigurationName ? { LaunchConfigurationName: g.LaunchConfigurationName } : {}),
      ...(instance!.Tags?.some((t) => t.Key === 'aws:ec2launchtemplate:id')
        ? {
            LaunchTemplate: {
              LaunchTemplateId: instance!.Tags.find((t) => t.Key === 'aws:ec2launchtemplate:id')!.Value,
              LaunchTemplateName: (g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification)?.LaunchTemplateName,
              Version: instance!.Tags.find((t) => t.Key === 'aws:ec2launchtemplate:version')!.Value,
            },
          }
        : {}),
      ImageId: instance!.ImageId,
      ...(g.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.some((o) => o.WeightedCapacity !== undefined) ? { WeightedCapacity: pick?.override.WeightedCapacity ?? '1' } : {}),
      ...(instance!.InstanceLifecycle === 'spot' ? { spot: true } : {}),
      launchedAt: rt.clock.now(),
      launchActivityId: a.ActivityId,
    };
    return { instance: rec };
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    const a = recordActivity(rt, scope, g, {
      Description: 'Launching a new EC2 instance.  Status Reason: ' + `${err.message} Launching EC2 instance failed.`,
      Cause: cause,
      StatusCode: 'Failed',
      StatusMessage: `${err.message} Launching EC2 instance failed.`,
      Details: details,
    });
    emit(rt, scope, g, 'EC2 Instance Launch Unsuccessful', a, undefined, details, intoWarmPool ? { origin: 'EC2', destination: 'WarmPool' } : undefined);
    return { error: err };
  }
}

/** Terminates one instance of the group: it leaves capacity at once and is removed once EC2 has terminated it. */
export function terminateOne(rt: RT, scope: Scope, g: GroupRecord, inst: GroupInstanceRecord, cause: string): void {
  // out of the load balancers first: connection draining runs before (and while) the hooks are waited on
  if (inst.registeredTo?.length) {
    const until = deregisterInstance(rt, scope, inst);
    if (until > rt.clock.now()) inst.drainUntil = until;
  }
  // a deleted group's instances skip the terminate hooks
  const held = !g.deleting && !inst.terminateHooksDone && beginActions(rt, scope, g, inst, 'terminate');
  if (!held) inst.LifecycleState = 'Terminating';
  const a = recordActivity(rt, scope, g, {
    Description: `Terminating EC2 instance: ${inst.InstanceId}`,
    Cause: cause,
    StatusCode: held ? 'MidLifecycleAction' : inst.drainUntil ? 'WaitingForELBConnectionDraining' : 'InProgress',
    Details: { 'Subnet ID': subnetFor({ ...rt, ...scope }, g, inst.AvailabilityZone) ?? '', 'Availability Zone': inst.AvailabilityZone },
  });
  inst.terminateActivityId = a.ActivityId;
  if (!held) terminateInEc2(rt, scope, inst);
}

/** The EC2 side of a termination, once the hooks (if any) have let it go. */
export function terminateInEc2(rt: RT, scope: Scope, inst: GroupInstanceRecord): void {
  inst.LifecycleState = 'Terminating';
  inst.terminateHooksDone = true;
  // still draining: the controller terminates it when the deregistration delay is over
  if (inst.drainUntil !== undefined) {
    if (inst.drainUntil > rt.clock.now()) return;
    delete inst.drainUntil;
    if (inst.terminateActivityId) {
      const a = activities(rt).get(scope, inst.terminateActivityId);
      if (a && a.StatusCode === 'WaitingForELBConnectionDraining') activities(rt).put(scope, a.ActivityId, { ...a, StatusCode: 'InProgress' });
    }
  }
  try {
    ec2.terminateInstancesInternal(rt, scope, [inst.InstanceId]);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    // termination protection: AWS keeps trying; the instance stays Terminating until it can go
    rt.log.debug(`autoscaling: terminating ${inst.InstanceId}: ${err.message}`);
  }
}

export function launchedEvent(rt: RT, scope: Scope, g: GroupRecord, a: ActivityRecord, inst: GroupInstanceRecord, route?: Route): void {
  emit(rt, scope, g, 'EC2 Instance Launch Successful', a, inst.InstanceId, { 'Subnet ID': subnetFor({ ...rt, ...scope }, g, inst.AvailabilityZone) ?? '', 'Availability Zone': inst.AvailabilityZone }, route);
}

export function terminatedEvent(rt: RT, scope: Scope, g: GroupRecord, a: ActivityRecord, inst: GroupInstanceRecord, route?: Route): void {
  emit(rt, scope, g, 'EC2 Instance Terminate Successful', a, inst.InstanceId, { 'Subnet ID': subnetFor({ ...rt, ...scope }, g, inst.AvailabilityZone) ?? '', 'Availability Zone': inst.AvailabilityZone }, route);
}

export { causeTime };
