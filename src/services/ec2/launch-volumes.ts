// RunInstances' BlockDeviceMappings beyond the root device: new EBS volumes (empty or from a snapshot)
// created and attached at launch, with their DeleteOnTermination, size, type and IOPS, and the
// TagSpecifications for volumes (which the root volume gets too). Instance-store names (VirtualName
// ephemeralN) and NoDevice entries create nothing: the instance store comes with the type.
import fs from 'node:fs';
import type { BlockDeviceMapping } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import { checkShape } from './volumes-api.js';
import { copyData, getSnapshot, putVolume, setRootVolumeTags, snapshotDir, volumeDir, type VolumeRecord, type VolumeType } from './volumes.js';
import type { Ec2Ctx } from './network.js';

export interface LaunchVolume {
  DeviceName: string;
  Size: number;
  VolumeType: VolumeType;
  Iops?: number;
  Throughput?: number;
  SnapshotId?: string;
  Encrypted: boolean;
  DeleteOnTermination: boolean;
}

const DEVICE = /^(\/dev\/)?(sd[a-z][0-9]*|xvd[a-z]+|hd[a-z]|nvme[0-9]+n[0-9]+)$/;

/** Checks the mappings other than the root's (before anything is created). */
export function planLaunchVolumes(ctx: Ec2Ctx, mappings: BlockDeviceMapping[] | undefined, rootDevice: string): LaunchVolume[] {
  const out: LaunchVolume[] = [];
  const seen = new Set<string>([rootDevice.replace(/^\/dev\//, '')]);
  for (const m of mappings ?? []) {
    if (!m.DeviceName) throw new AwsError('MissingParameter', 'The request must contain the parameter BlockDeviceMapping.DeviceName');
    if (m.DeviceName === rootDevice) continue;
    if (m.NoDevice !== undefined || m.VirtualName) continue;
    if (!m.Ebs) continue;
    if (!DEVICE.test(m.DeviceName)) throw new AwsError('InvalidBlockDeviceMapping', `Invalid device name ${m.DeviceName}`);
    const base = m.DeviceName.replace(/^\/dev\//, '');
    if (seen.has(base)) throw new AwsError('InvalidBlockDeviceMapping', `The device '${m.DeviceName}' is used in more than one block-device mapping`);
    seen.add(base);
    const snap = m.Ebs.SnapshotId ? getSnapshot(ctx, m.Ebs.SnapshotId) : undefined;
    if (m.Ebs.VolumeSize === undefined && !snap) {
      throw new AwsError('InvalidBlockDeviceMapping', `The request must contain the parameter size or snapshotId for device ${m.DeviceName}`);
    }
    const size = m.Ebs.VolumeSize ?? snap!.VolumeSize;
    if (snap && size < snap.VolumeSize) {
      throw new AwsError('InvalidBlockDeviceMapping', `Volume of size ${size}GB is smaller than snapshot '${snap.SnapshotId}', expect size >= ${snap.VolumeSize}GB`);
    }
    const type = (m.Ebs.VolumeType ?? 'gp2') as VolumeType;
    const shape = checkShape(type, size, m.Ebs.Iops, m.Ebs.Throughput);
    out.push({
      DeviceName: m.DeviceName,
      Size: size,
      VolumeType: type,
      ...shape,
      SnapshotId: snap?.SnapshotId,
      Encrypted: m.Ebs.Encrypted ?? snap?.Encrypted ?? false,
      DeleteOnTermination: m.Ebs.DeleteOnTermination ?? true,
    });
  }
  return out;
}

/** Creates and attaches the planned volumes of one instance; tags the root volume too. */
export function createLaunchVolumes(
  ctx: Ec2Ctx,
  baseDir: string,
  r: { InstanceId: string; AvailabilityZone: string; AvailabilityZoneId: string; RootVolume?: { VolumeId: string } },
  plan: LaunchVolume[],
  tags: TagMap,
  now: string,
): void {
  if (r.RootVolume && Object.keys(tags).length) setRootVolumeTags(ctx, r.RootVolume.VolumeId, { ...tags });
  for (const p of plan) {
    const v: VolumeRecord = {
      VolumeId: ec2Id('vol'),
      Size: p.Size,
      VolumeType: p.VolumeType,
      Iops: p.Iops,
      Throughput: p.Throughput,
      AvailabilityZone: r.AvailabilityZone,
      AvailabilityZoneId: r.AvailabilityZoneId,
      SnapshotId: p.SnapshotId ?? '',
      CreateTime: now,
      Encrypted: p.Encrypted,
      Tags: { ...tags },
      Attachment: { InstanceId: r.InstanceId, Device: p.DeviceName, AttachTime: now, DeleteOnTermination: p.DeleteOnTermination },
    };
    if (p.SnapshotId) copyData(snapshotDir(baseDir, p.SnapshotId), volumeDir(baseDir, v.VolumeId));
    else fs.mkdirSync(volumeDir(baseDir, v.VolumeId), { recursive: true });
    putVolume(ctx, v);
  }
}
