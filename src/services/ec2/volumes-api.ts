// EBS operations: Create/Describe/Attach/Detach/Delete/ModifyVolume, DescribeVolumesModifications,
// Create/Copy/Delete/DescribeSnapshots. Records and data directories live in volumes.ts.
import fs from 'node:fs';
import type { Ec2Operations, Snapshot } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { imageUsingSnapshot } from './image-registry.js';
import { applyFilters, pageOf, pickByIds } from './filters.js';
import { putRecord, recordsByIds } from './instances.js';
import { engineFor } from './lifecycle.js';
import { availabilityZones } from './network.js';
import { tagList, tagsFromSpecs } from './tagging.js';
import {
  attachedTo,
  attachmentView,
  checkSnapshotId,
  checkVolumeId,
  copyData,
  getSnapshot,
  getVolume,
  linkInto,
  listVolumes,
  modificationView,
  mountTarget,
  putVolume,
  snapshotDelayMs,
  snapshotDir,
  snapshotNotFound,
  snapshotState,
  snapshotTable,
  toVolume,
  unlinkFrom,
  updateRootVolume,
  volumeDir,
  volumeNotFound,
  volumeTable,
  type SnapshotRecord,
  type VolumeRecord,
  type VolumeType,
  type VolumeView,
} from './volumes.js';

const invalid = (message: string) => new AwsError('InvalidParameterValue', message);

/** Size limits (GiB) and IOPS rules per type, as EBS documents them. */
const SIZES: Record<VolumeType, [number, number]> = {
  gp2: [1, 16384],
  gp3: [1, 16384],
  io1: [4, 16384],
  io2: [4, 65536],
  st1: [125, 16384],
  sc1: [125, 16384],
  standard: [1, 1024],
};
const IOPS: Partial<Record<VolumeType, [number, number]>> = { gp3: [3000, 16000], io1: [100, 64000], io2: [100, 256000] };
const TYPES = Object.keys(SIZES) as VolumeType[];

/** Checks type, size and IOPS together; returns the IOPS and throughput the volume gets. */
export function checkShape(type: VolumeType, size: number, iops: number | undefined, throughput: number | undefined): { Iops?: number; Throughput?: number } {
  if (!TYPES.includes(type)) throw invalid(`The parameter volumeType must be one of: ${TYPES.join(', ')}`);
  const [min, max] = SIZES[type];
  if (!Number.isInteger(size) || size < min || size > max) throw invalid(`Volume of ${size}GiB is not valid for volume type ${type}: the size must be between ${min} and ${max} GiB.`);
  const range = IOPS[type];
  if (iops !== undefined && !range) throw new AwsError('InvalidParameterCombination', `The parameter iops is not supported for ${type} volumes.`);
  if (range && iops === undefined && (type === 'io1' || type === 'io2')) throw new AwsError('MissingParameter', `The parameter iops must be specified for ${type} volumes.`);
  if (range && iops !== undefined && (iops < range[0] || iops > range[1])) throw invalid(`Volume iops of ${iops} is not valid for volume type ${type}: the iops must be between ${range[0]} and ${range[1]}.`);
  if (throughput !== undefined && type !== 'gp3') throw new AwsError('InvalidParameterCombination', `The parameter throughput is not supported for ${type} volumes.`);
  if (throughput !== undefined && (throughput < 125 || throughput > 1000)) throw invalid(`Throughput of ${throughput}MiB/s is not valid: it must be between 125 and 1000.`);
  switch (type) {
    case 'gp2':
      return { Iops: Math.min(16000, Math.max(100, size * 3)) };
    case 'gp3':
      return { Iops: iops ?? 3000, Throughput: throughput ?? 125 };
    case 'io1':
    case 'io2':
      return { Iops: iops };
    default:
      return {};
  }
}

const volumeAccessors: Record<string, (v: VolumeView) => string | number | boolean | undefined> = {
  'volume-id': (v) => v.VolumeId,
  status: (v) => (v.Attachment ? 'in-use' : 'available'),
  'availability-zone': (v) => v.AvailabilityZone,
  'attachment.instance-id': (v) => v.Attachment?.InstanceId,
  'attachment.device': (v) => v.Attachment?.Device,
  'attachment.status': (v) => (v.Attachment ? 'attached' : undefined),
  'attachment.attach-time': (v) => v.Attachment?.AttachTime,
  'attachment.delete-on-termination': (v) => v.Attachment?.DeleteOnTermination,
  'volume-type': (v) => v.VolumeType,
  size: (v) => v.Size,
  'snapshot-id': (v) => v.SnapshotId || undefined,
  encrypted: (v) => v.Encrypted,
  'create-time': (v) => v.CreateTime,
  'multi-attach-enabled': () => false,
  'fast-restored': () => false,
};

function toSnapshot(s: SnapshotRecord, now: number): Snapshot {
  const st = snapshotState(s, now);
  return {
    SnapshotId: s.SnapshotId,
    VolumeId: s.VolumeId,
    VolumeSize: s.VolumeSize,
    Description: s.Description,
    OwnerId: s.OwnerId,
    StartTime: new Date(s.StartTime).toISOString(),
    CompletionTime: st.state === 'completed' ? new Date(s.StartTime + s.DurationMs).toISOString() : undefined,
    State: st.state,
    Progress: st.progress,
    Encrypted: s.Encrypted,
    StorageTier: 'standard',
    Tags: tagList(s.Tags),
  };
}

const snapshotAccessors: Record<string, (s: Snapshot) => string | number | boolean | undefined> = {
  'snapshot-id': (s) => s.SnapshotId,
  'volume-id': (s) => s.VolumeId,
  status: (s) => s.State,
  progress: (s) => s.Progress,
  'owner-id': (s) => s.OwnerId,
  description: (s) => s.Description,
  'volume-size': (s) => s.VolumeSize,
  'start-time': (s) => s.StartTime as string,
  encrypted: (s) => s.Encrypted,
  'storage-tier': (s) => s.StorageTier,
};

export const volumeHandlers: Handlers<Ec2Operations> = {
  CreateVolume(ctx, input) {
    const zones = availabilityZones(ctx.region);
    const zone = input.AvailabilityZone
      ? zones.find((z) => z.ZoneName === input.AvailabilityZone)
      : input.AvailabilityZoneId
        ? zones.find((z) => z.ZoneId === input.AvailabilityZoneId)
        : undefined;
    if (!input.AvailabilityZone && !input.AvailabilityZoneId) throw new AwsError('MissingParameter', 'The request must contain the parameter AvailabilityZone');
    if (!zone) throw invalid(`Invalid availability zone: [${input.AvailabilityZone ?? input.AvailabilityZoneId}]`);
    const snap = input.SnapshotId ? getSnapshot(ctx, input.SnapshotId) : undefined;
    if (input.Size === undefined && !snap) throw new AwsError('MissingParameter', 'The request must contain the parameter size or snapshotId');
    const size = input.Size ?? snap!.VolumeSize;
    if (snap && size < snap.VolumeSize) throw invalid(`Volume of ${size}GiB is smaller than snapshot '${snap.SnapshotId}', expect size >= ${snap.VolumeSize}GiB`);
    const type: VolumeType = input.VolumeType ?? 'gp2';
    const shape = checkShape(type, size, input.Iops, input.Throughput);
    const tags = tagsFromSpecs(input.TagSpecifications, 'volume');
    dryRun(input);
    const v: VolumeRecord = {
      VolumeId: ec2Id('vol'),
      Size: size,
      VolumeType: type,
      ...shape,
      AvailabilityZone: zone.ZoneName,
      AvailabilityZoneId: zone.ZoneId,
      SnapshotId: snap?.SnapshotId ?? '',
      CreateTime: ctx.clock.date().toISOString(),
      Encrypted: input.Encrypted ?? snap?.Encrypted ?? false,
      Tags: tags,
    };
    const base = engineFor(ctx).baseDir;
    if (snap) copyData(snapshotDir(base, snap.SnapshotId), volumeDir(base, v.VolumeId));
    else fs.mkdirSync(volumeDir(base, v.VolumeId), { recursive: true });
    putVolume(ctx, v);
    return { ...toVolume({ ...v, root: false }), State: 'creating' };
  },

  DescribeVolumes(ctx, input) {
    for (const id of input.VolumeIds ?? []) checkVolumeId(id);
    const all = listVolumes(ctx, engineFor(ctx).baseDir);
    const picked = pickByIds(all, input.VolumeIds, (v) => v.VolumeId, volumeNotFound);
    const filtered = applyFilters(picked, input.Filters, volumeAccessors);
    const page = pageOf(filtered, input, (v) => v.VolumeId);
    return { Volumes: page.items.map(toVolume), NextToken: page.NextToken };
  },

  AttachVolume(ctx, input) {
    const engine = engineFor(ctx);
    const v = getVolume(ctx, input.VolumeId, engine.baseDir);
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    const device = input.Device;
    if (!/^(\/dev\/)?(sd[a-z][0-9]*|xvd[a-z]+|hd[a-z]|nvme[0-9]+n[0-9]+)$/.test(device)) {
      throw invalid(`Value (${device}) for parameter device is invalid. ${device} is not a valid EBS device name.`);
    }
    if (v.Attachment) throw new AwsError('VolumeInUse', `${v.VolumeId} is already attached to an instance`);
    if (v.AvailabilityZone !== r!.AvailabilityZone) {
      throw new AwsError('InvalidVolume.ZoneMismatch', `The volume '${v.VolumeId}' is not in the same availability zone as instance '${r!.InstanceId}'`);
    }
    if (r!.State !== 'running' && r!.State !== 'stopped') throw new AwsError('IncorrectState', `Instance '${r!.InstanceId}' is not 'running' or 'stopped'.`);
    const base = (d: string) => d.replace(/^\/dev\//, '');
    const used = [r!.RootDeviceName, ...attachedTo(ctx, r!.InstanceId).map((a) => a.Attachment!.Device)];
    if (used.some((d) => base(d) === base(device))) throw invalid(`Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
    dryRun(input);
    const now = ctx.clock.date().toISOString();
    const a = { InstanceId: r!.InstanceId, Device: device, AttachTime: now, DeleteOnTermination: false };
    putVolume(ctx, { ...v, Attachment: a });
    if (!r!.HasVolumes) putRecord(ctx, { ...r!, HasVolumes: true });
    // visible inside the instance at once; recreated by the driver at each start (registerInstanceMounts)
    try {
      linkInto(engine.rootDirOf(r!), device, volumeDir(engine.baseDir, v.VolumeId));
    } catch (err) {
      ctx.log.warn(`ec2: could not link ${v.VolumeId} into ${r!.InstanceId} at ${mountTarget(device)}: ${(err as Error).message}`);
    }
    return attachmentView(v, a, 'attaching');
  },

  DetachVolume(ctx, input) {
    const engine = engineFor(ctx);
    const v = getVolume(ctx, input.VolumeId, engine.baseDir);
    const a = v.Attachment;
    if (!a) throw new AwsError('IncorrectState', `Volume '${v.VolumeId}' is in the 'available' state.`);
    if ((input.InstanceId && input.InstanceId !== a.InstanceId) || (input.Device && input.Device !== a.Device)) {
      throw new AwsError('InvalidAttachment.NotFound', `The volume '${v.VolumeId}' is not attached to instance '${input.InstanceId ?? a.InstanceId}'${input.Device ? ` at ${input.Device}` : ''}.`);
    }
    if (v.root) throw new AwsError('OperationNotPermitted', `Unable to detach root volume '${v.VolumeId}' from instance '${a.InstanceId}'`);
    dryRun(input);
    const rec = volumeTable(ctx).get(regional(ctx), v.VolumeId)!;
    delete rec.Attachment;
    putVolume(ctx, rec);
    const [r] = recordsByIds(ctx, [a.InstanceId]);
    try {
      unlinkFrom(engine.rootDirOf(r!), a.Device);
    } catch {
      /* the root may be gone */
    }
    return attachmentView(v, a, 'detaching');
  },

  DeleteVolume(ctx, input) {
    const engine = engineFor(ctx);
    const v = getVolume(ctx, input.VolumeId, engine.baseDir);
    if (v.Attachment) throw new AwsError('VolumeInUse', `Volume ${v.VolumeId} is currently attached to ${v.Attachment.InstanceId}`);
    dryRun(input);
    volumeTable(ctx).delete(regional(ctx), v.VolumeId);
    fs.rmSync(volumeDir(engine.baseDir, v.VolumeId), { recursive: true, force: true });
  },

  ModifyVolume(ctx, input) {
    const v = getVolume(ctx, input.VolumeId, engineFor(ctx).baseDir);
    if (input.Size === undefined && input.VolumeType === undefined && input.Iops === undefined && input.Throughput === undefined) {
      throw new AwsError('MissingParameter', 'The request must contain at least one of the parameters size, volumeType, iops or throughput');
    }
    const now = ctx.clock.now();
    if (v.Modification && modificationView(v, v.Modification, now).ModificationState !== 'completed') {
      throw new AwsError('IncorrectModificationState', `Cannot modify volume ${v.VolumeId} while a previous modification is in progress.`);
    }
    const size = input.Size ?? v.Size;
    if (size < v.Size) throw invalid(`New size cannot be smaller than existing size`);
    const type = input.VolumeType ?? v.VolumeType;
    const keepIops = input.Iops ?? (type === v.VolumeType && type !== 'gp2' ? v.Iops : undefined);
    const shape = checkShape(type, size, keepIops, input.Throughput ?? (type === 'gp3' && v.VolumeType === 'gp3' ? v.Throughput : undefined));
    dryRun(input);
    const m = {
      StartTime: now,
      TargetSize: size,
      TargetVolumeType: type,
      TargetIops: shape.Iops,
      TargetThroughput: shape.Throughput,
      OriginalSize: v.Size,
      OriginalVolumeType: v.VolumeType,
      OriginalIops: v.Iops,
      OriginalThroughput: v.Throughput,
    };
    const next: VolumeView = { ...v, Size: size, VolumeType: type, Iops: shape.Iops, Throughput: shape.Throughput, Modification: m };
    if (v.root) updateRootVolume(ctx, next);
    else putVolume(ctx, { ...next, root: false });
    return { VolumeModification: modificationView(next, m, now) };
  },

  DescribeVolumesModifications(ctx, input) {
    for (const id of input.VolumeIds ?? []) checkVolumeId(id);
    const all = listVolumes(ctx).filter((v) => v.Modification);
    const picked = pickByIds(all, input.VolumeIds, (v) => v.VolumeId, volumeNotFound);
    const now = ctx.clock.now();
    const mods = picked.map((v) => modificationView(v, v.Modification!, now));
    const filtered = applyFilters(mods, input.Filters, {
      'volume-id': (m) => m.VolumeId,
      'modification-state': (m) => m.ModificationState,
      'target-size': (m) => m.TargetSize,
      'target-volume-type': (m) => m.TargetVolumeType,
      'target-iops': (m) => m.TargetIops,
      'original-size': (m) => m.OriginalSize,
      'original-volume-type': (m) => m.OriginalVolumeType,
      'start-time': (m) => m.StartTime,
    });
    const page = pageOf(filtered, input, (m) => m.VolumeId);
    return { VolumesModifications: page.items, NextToken: page.NextToken };
  },

  CreateSnapshot(ctx, input) {
    const engine = engineFor(ctx);
    const v = getVolume(ctx, input.VolumeId, engine.baseDir);
    const tags = tagsFromSpecs(input.TagSpecifications, 'snapshot');
    dryRun(input);
    const s: SnapshotRecord = {
      SnapshotId: ec2Id('snap'),
      VolumeId: v.VolumeId,
      VolumeSize: v.Size,
      Description: input.Description ?? '',
      OwnerId: ctx.account,
      StartTime: ctx.clock.now(),
      DurationMs: snapshotDelayMs(),
      Encrypted: v.Encrypted,
      Tags: tags,
    };
    // the data is the volume's at this moment (a root volume's directory is the instance's root)
    copyData(volumeDir(engine.baseDir, v.VolumeId), snapshotDir(engine.baseDir, s.SnapshotId));
    snapshotTable(ctx).put(regional(ctx), s.SnapshotId, s);
    return toSnapshot(s, s.StartTime);
  },

  CopySnapshot(ctx, input) {
    checkSnapshotId(input.SourceSnapshotId);
    const srcScope = { account: ctx.account, region: input.SourceRegion || ctx.region };
    const src = snapshotTable(ctx).get(srcScope, input.SourceSnapshotId);
    if (!src) throw snapshotNotFound(input.SourceSnapshotId);
    const tags = tagsFromSpecs(input.TagSpecifications, 'snapshot');
    dryRun(input);
    const engine = engineFor(ctx);
    const s: SnapshotRecord = {
      ...src,
      SnapshotId: ec2Id('snap'),
      // EC2 gives copies a volume id that does not match a volume
      VolumeId: 'vol-ffffffff',
      Description: input.Description ?? `[Copied ${src.SnapshotId} from ${srcScope.region}]`,
      StartTime: ctx.clock.now(),
      DurationMs: snapshotDelayMs(),
      Encrypted: input.Encrypted || src.Encrypted,
      Tags: tags,
    };
    copyData(snapshotDir(engine.baseDir, src.SnapshotId), snapshotDir(engine.baseDir, s.SnapshotId));
    snapshotTable(ctx).put(regional(ctx), s.SnapshotId, s);
    return { SnapshotId: s.SnapshotId, Tags: tagList(tags) };
  },

  DeleteSnapshot(ctx, input) {
    const s = getSnapshot(ctx, input.SnapshotId);
    const image = imageUsingSnapshot(ctx, s.SnapshotId);
    if (image) throw new AwsError('InvalidSnapshot.InUse', `The snapshot ${s.SnapshotId} is currently in use by ${image.ImageId}`);
    dryRun(input);
    snapshotTable(ctx).delete(regional(ctx), s.SnapshotId);
    fs.rmSync(snapshotDir(engineFor(ctx).baseDir, s.SnapshotId), { recursive: true, force: true });
  },

  DescribeSnapshots(ctx, input) {
    for (const id of input.SnapshotIds ?? []) checkSnapshotId(id);
    const owners = input.OwnerIds ?? [];
    const mine = owners.length === 0 || owners.some((o) => o === 'self' || o === ctx.account);
    const all = mine ? snapshotTable(ctx).list(regional(ctx)) : [];
    const picked = pickByIds(all, input.SnapshotIds, (s) => s.SnapshotId, snapshotNotFound);
    const now = ctx.clock.now();
    const filtered = applyFilters(
      picked.map((s) => toSnapshot(s, now)),
      input.Filters,
      snapshotAccessors,
    );
    const page = pageOf(filtered, input, (s) => s.SnapshotId!);
    return { Snapshots: page.items, NextToken: page.NextToken };
  },
};
