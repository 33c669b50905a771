// RunInstances: checks every reference as EC2 does, records the instances (pending) and schedules their boot.
import { randomBytes } from 'node:crypto';
import type { Reservation, RunInstancesRequest } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { RequestContext } from '../../server/context.js';
import * as iam from '../iam/index.js';
import { dryRun } from './dry-run.js';
import { findImage } from './images.js';
import { requireInstanceType, supportedRootDeviceTypes } from './instance-types.js';
import { getRecord, putRecord, toInstance, type InstanceRecord, type RootVolume } from './instances.js';
import { regional } from '../../server/context.js';
import { engineFor, newHostId } from './lifecycle.js';
import { checkCapacity, zoneHasCapacity } from './capacity.js';
import { findTemplate, findVersion, mergeIntoRunInstances } from './launch-templates.js';
import { availabilityZones } from './regions.js';
import { createSpotRequestFor, spotOptions } from './spot-requests.js';
import { copyData, snapshotDir, volumeDir } from './volumes.js';
import { keyNotFound } from './net-errors.js';
import { allocatePrivateIp, keyPairByName, resolveSecurityGroups, resolveSubnet } from './network.js';
import { tagsFromSpecs } from './tagging.js';
import { instancesThatFit } from './quotas.js';
import { placeOnHost } from './hosts.js';
import { createLaunchVolumes, planLaunchVolumes } from './launch-volumes.js';
import { decodeUserData } from './user-data.js';

/** The instance profile of RunInstances / AssociateIamInstanceProfile, with AWS's error for a missing one. */
export function resolveInstanceProfile(ctx: RequestContext, spec: { Arn?: string; Name?: string }): { Arn: string; Id: string } {
  const ref = spec.Arn ?? spec.Name;
  if (!ref) throw new AwsError('InvalidParameterValue', 'Value () for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name');
  const found = iam.instanceProfileByArnOrName(ctx, ctx.account, ref);
  if (!found || (spec.Arn && spec.Name && found.profile.InstanceProfileName !== spec.Name)) {
    throw spec.Arn
      ? new AwsError('InvalidParameterValue', `Value (${spec.Arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`)
      : new AwsError('InvalidParameterValue', `Value (${spec.Name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`);
  }
  return { Arn: found.profile.Arn, Id: found.profile.InstanceProfileId };
}

/** RunInstances' client tokens → the instances launched with them (idempotent retries). */
const clientTokenTable = (ctx: Pick<RequestContext, 'store'>) => ctx.store.table<{ InstanceIds: string[] }>('ec2', 'run-client-token');

function macAddress(): string {
  const b = randomBytes(5);
  return ['0e', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

export function runInstances(ctx: RequestContext, call: RunInstancesRequest): Reservation {
  // a launch template supplies what the call leaves out
  let template: { LaunchTemplateId: string; Version: string } | undefined;
  let input = call;
  if (call.LaunchTemplate) {
    const t = findTemplate(ctx, call.LaunchTemplate);
    const v = findVersion(ctx, t, call.LaunchTemplate.Version);
    template = { LaunchTemplateId: t.LaunchTemplateId, Version: String(v.VersionNumber) };
    input = mergeIntoRunInstances(v.LaunchTemplateData, call);
  }
  // the SDKs send a client token with every call: an index finds the earlier launch without a scan
  if (input.ClientToken) {
    const ids = clientTokenTable(ctx).get(regional(ctx), input.ClientToken)?.InstanceIds ?? [];
    const earlier = ids.map((id) => getRecord(ctx, id)).filter((r): r is InstanceRecord => !!r);
    if (earlier.length) return reservationOf(ctx, earlier);
  }
  if (!input.ImageId) throw new AwsError('MissingParameter', 'The request must contain the parameter ImageId');
  if (!input.InstanceType) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceType');
  if (input.MinCount < 1) throw new AwsError('InvalidParameterValue', `Value (${input.MinCount}) for parameter minCount is invalid. Expected a value greater than 0.`);
  if (input.MaxCount < input.MinCount) {
    throw new AwsError('InvalidParameterValue', `Value (${input.MaxCount}) for parameter maxCount is invalid. Expected a value greater than or equal to minCount.`);
  }
  const image = findImage(ctx, input.ImageId);
  const type = requireInstanceType(input.InstanceType);
  if (type.arch !== image.Architecture) {
    throw new AwsError(
      'InvalidParameterValue',
      `The architecture '${type.arch}' of the specified instance type does not match the architecture '${image.Architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
    );
  }
  if (image.RootDeviceType === 'instance-store' && !supportedRootDeviceTypes(type).includes('instance-store')) {
    throw new AwsError('InvalidParameterCombination', `The instance type '${type.name}' does not support instance-store root devices. Use an EBS-backed AMI or an instance type with instance storage.`);
  }
  const userData = decodeUserData(input.UserData);
  if (input.KeyName !== undefined && !keyPairByName(ctx, input.KeyName)) throw keyNotFound(input.KeyName);
  const profile = input.IamInstanceProfile ? resolveInstanceProfile(ctx, input.IamInstanceProfile) : undefined;
  const nic = input.NetworkInterfaces?.[0];
  const subnetId = input.SubnetId ?? nic?.SubnetId;
  // without a subnet or zone, EC2 places the instance in a zone that has capacity
  const zone = input.Placement?.AvailabilityZone ?? (subnetId ? undefined : availabilityZones(ctx.region).find((z) => zoneHasCapacity(ctx, ctx.region, z.ZoneName))?.ZoneName);
  const subnet = resolveSubnet(ctx, subnetId, zone);
  checkCapacity(ctx, subnet.AvailabilityZone, type.name);
  const spot = spotOptions(ctx, input.InstanceMarketOptions, type.name, subnet.AvailabilityZone);
  const groups = resolveSecurityGroups(ctx, subnet.VpcId, input.SecurityGroupIds ?? nic?.Groups, input.SecurityGroups);
  if (input.PrivateIpAddress && input.MaxCount > 1) {
    throw new AwsError('InvalidParameterCombination', 'Cannot specify an explicit private IP address when launching more than one instance.');
  }
  const instanceTags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'instance'), 'instance');
  if (template) {
    instanceTags['aws:ec2launchtemplate:id'] = template.LaunchTemplateId;
    instanceTags['aws:ec2launchtemplate:version'] = template.Version;
  }
  const volumeTags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'volume'), 'volume');
  const extraVolumes = planLaunchVolumes(ctx, input.BlockDeviceMappings, image.RootDeviceName);

  // the root volume: the image's, resized or retyped by a mapping naming the root device
  let root: Omit<RootVolume, 'VolumeId' | 'AttachTime'> | undefined;
  if (image.RootDeviceType === 'ebs') {
    const imageEbs = image.image.BlockDeviceMappings?.[0]?.Ebs ?? {};
    const m = input.BlockDeviceMappings?.find((b) => b.DeviceName === image.RootDeviceName)?.Ebs;
    const size = m?.VolumeSize ?? image.VolumeSize;
    if (size < image.VolumeSize) {
      throw new AwsError('InvalidBlockDeviceMapping', `Volume of size ${size}GB is smaller than snapshot '${imageEbs.SnapshotId}', expect size >= ${image.VolumeSize}GB`);
    }
    root = {
      DeviceName: image.RootDeviceName,
      VolumeSize: size,
      VolumeType: m?.VolumeType ?? imageEbs.VolumeType ?? 'gp2',
      Iops: m?.Iops,
      DeleteOnTermination: m?.DeleteOnTermination ?? imageEbs.DeleteOnTermination ?? true,
      Encrypted: m?.Encrypted ?? false,
    };
  }
  const imdsV2Only = image.image.ImdsSupport === 'v2.0';
  const metadata: InstanceRecord['MetadataOptions'] = {
    HttpTokens: input.MetadataOptions?.HttpTokens ?? (imdsV2Only ? 'required' : 'optional'),
    HttpEndpoint: input.MetadataOptions?.HttpEndpoint ?? 'enabled',
    HttpPutResponseHopLimit: input.MetadataOptions?.HttpPutResponseHopLimit ?? (imdsV2Only ? 2 : 1),
    InstanceMetadataTags: input.MetadataOptions?.InstanceMetadataTags ?? 'disabled',
  };
  const mapPublicIp = nic?.AssociatePublicIpAddress ?? subnet.MapPublicIpOnLaunch;
  dryRun(input);
  const tenancy = input.Placement?.HostId || input.Placement?.Tenancy === 'host' ? 'host' : (input.Placement?.Tenancy ?? 'default');
  const market = tenancy === 'host' ? undefined : spot ? 'spot' : 'on-demand';
  let count = instancesThatFit(ctx, type.name, market, input.MinCount, input.MaxCount);
  // Dedicated Hosts: each instance goes onto the named host or one with auto-placement on
  const hostIds: string[] = [];
  if (tenancy === 'host') {
    for (let i = 0; i < count; i++) {
      const h = placeOnHost(ctx, type.name, subnet.AvailabilityZone, input.Placement?.HostId, hostIds, i < input.MinCount);
      if (!h) {
        count = i;
        break;
      }
      hostIds.push(h);
    }
  }

  const now = ctx.clock.date().toISOString();
  const reservationId = ec2Id('r');
  const engine = engineFor(ctx);
  const records: InstanceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const id = ec2Id('i');
    const r: InstanceRecord = {
      InstanceId: id,
      ReservationId: reservationId,
      OwnerId: ctx.account,
      ImageId: image.ImageId,
      InstanceType: type.name,
      KeyName: input.KeyName,
      AmiLaunchIndex: i,
      State: 'pending',
      StateTransitionReason: '',
      LaunchTime: now,
      PendingTime: now,
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      AvailabilityZone: subnet.AvailabilityZone,
      AvailabilityZoneId: subnet.AvailabilityZoneId,
      Tenancy: tenancy,
      HostId: hostIds[i],
      HasVolumes: extraVolumes.length > 0 || undefined,
      PrivateIpAddress: allocatePrivateIp(ctx, subnet.SubnetId, input.PrivateIpAddress ?? nic?.PrivateIpAddress, id),
      MapPublicIp: mapPublicIp,
      Groups: groups,
      Architecture: image.Architecture,
      RootDeviceType: image.RootDeviceType,
      RootDeviceName: image.RootDeviceName,
      RootVolume: root && { ...root, VolumeId: ec2Id('vol'), AttachTime: now },
      NetworkInterfaceId: ec2Id('eni'),
      AttachmentId: ec2Id('eni-attach'),
      MacAddress: macAddress(),
      IamInstanceProfile: profile && { ...profile, AssociationId: ec2Id('iip-assoc') },
      UserData: userData ? userData.toString('base64') : undefined,
      UserDataRan: false,
      DisableApiTermination: input.DisableApiTermination ?? false,
      InstanceInitiatedShutdownBehavior: input.InstanceInitiatedShutdownBehavior ?? 'stop',
      SourceDestCheck: true,
      EbsOptimized: input.EbsOptimized ?? type.hypervisor === 'nitro',
      EnaSupport: true,
      MetadataOptions: metadata,
      Monitoring: input.Monitoring?.Enabled ? 'pending' : 'disabled',
      Tags: instanceTags,
      ClientToken: input.ClientToken,
      Host: newHostId(),
      LaunchTemplate: template,
    };
    if (spot) {
      r.SpotInstanceRequestId = createSpotRequestFor(ctx, spot, r, input);
      r.SpotInterruptionBehavior = spot.InstanceInterruptionBehavior;
    }
    putRecord(ctx, r);
    records.push(r);
  }
  if (input.ClientToken) clientTokenTable(ctx).put(regional(ctx), input.ClientToken, { InstanceIds: records.map((r) => r.InstanceId) });
  for (const r of records) {
    // an account's own image: the root volume starts as a copy of the image's root snapshot
    if (image.own && r.RootVolume) copyData(snapshotDir(engine.baseDir, image.own.SnapshotId), volumeDir(engine.baseDir, r.RootVolume.VolumeId));
    createLaunchVolumes(ctx, engine.baseDir, r, extraVolumes, volumeTags, now);
    engine.changed(ctx, r.InstanceId, 'pending');
    engine.scheduleBoot({ account: ctx.account, region: ctx.region }, r.InstanceId);
  }
  return reservationOf(ctx, records, true);
}

function reservationOf(ctx: RequestContext, records: InstanceRecord[], launched = false): Reservation {
  return {
    ReservationId: records[0]!.ReservationId,
    OwnerId: ctx.account,
    Groups: [],
    Instances: records.map((r) => {
      const view = toInstance(ctx, r);
      if (launched) view.MetadataOptions = { ...view.MetadataOptions, State: 'pending' };
      return view;
    }),
  };
}
