// EBS volumes and snapshots: records, their data directories, and the view DescribeVolumes shows.
// A volume's data is the directory <ec2 base>/volumes/<vol-id> (the same place an instance's EBS root lives);
// a snapshot's data is <ec2 base>/snapshots/<snap-id>, a copy taken when CreateSnapshot is called.
// Root volumes are fields of their instance (instances.ts): they are shown here derived from it.
// An attached volume is visible inside its instance at <instance root>/mnt/<device basename> (a symlink,
// e.g. mnt/sdf for /dev/sdf; CUMULUS_MOUNT_MNT_SDF in the environment from the next start on).
import fs from 'node:fs';
import path from 'node:path';
import type { Volume, VolumeAttachment } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import { getRecord, instanceTable, listRecords, registerInstanceBlockDevices, type InstanceRecord } from './instances.js';
import { registerInstanceMounts } from './lifecycle.js';
import type { Ec2Ctx } from './network.js';
import { registerTaggable, tagList } from './tagging.js';

export type VolumeType = NonNullable<Volume['VolumeType']>;

export interface AttachmentRecord {
  InstanceId: string;
  Device: string;
  AttachTime: string;
  DeleteOnTermination: boolean;
}

export interface ModificationRecord {
  StartTime: number;
  TargetSize: number;
  TargetVolumeType: VolumeType;
  TargetIops?: number;
  TargetThroughput?: number;
  OriginalSize: number;
  OriginalVolumeType: VolumeType;
  OriginalIops?: number;
  OriginalThroughput?: number;
}

export interface VolumeRecord {
  VolumeId: string;
  Size: number;
  VolumeType: VolumeType;
  Iops?: number;
  Throughput?: number;
  AvailabilityZone: string;
  AvailabilityZoneId?: string;
  SnapshotId?: string;
  CreateTime: string;
  Encrypted: boolean;
  Tags: TagMap;
  Attachment?: AttachmentRecord;
  Modification?: ModificationRecord;
}

export interface SnapshotRecord {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  Description: string;
  OwnerId: string;
  /** virtual epoch ms */
  StartTime: number;
  /** virtual ms from start to completed */
  DurationMs: number;
  Encrypted: boolean;
  Tags: TagMap;
}

/** A volume as EC2 code sees it: a stored one, or an instance's root derived from the instance. */
export interface VolumeView extends VolumeRecord {
  root: boolean;
}

const SERVICE = 'ec2';

/** Virtual seconds a snapshot stays pending (CUMULUS_EC2_SNAPSHOT_SECONDS, default 2). */
export function snapshotDelayMs(): number {
  const s = Number(process.env.CUMULUS_EC2_SNAPSHOT_SECONDS ?? 2);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 2000;
}

/** Virtual seconds a ModifyVolume stays in 'modifying'/'optimizing'. */
export const MODIFY_MS = 5_000;

export const volumeTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<VolumeRecord>(SERVICE, 'volume');
export const snapshotTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<SnapshotRecord>(SERVICE, 'snapshot');
/** Tags of root volumes (whose other fields live on the instance). */
const rootTagTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<{ Tags: TagMap }>(SERVICE, 'root-volume-tags');

export const volumeDir = (baseDir: string, id: string) => path.join(baseDir, 'volumes', id);
export const snapshotDir = (baseDir: string, id: string) => path.join(baseDir, 'snapshots', id);

/** Where an attached volume appears inside the instance's root: mnt/<device basename>. */
export function mountTarget(device: string): string {
  return path.posix.join('mnt', path.posix.basename(device));
}

// ---- ids and errors ------------------------------------------------------------------------------

export function checkVolumeId(id: string): void {
  if (!/^vol-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw new AwsError('InvalidVolumeID.Malformed', `Invalid id: "${id}" (expecting "vol-...")`);
}

export function checkSnapshotId(id: string): void {
  if (!/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) throw new AwsError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
}

export const volumeNotFound = (id: string) => new AwsError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
export const snapshotNotFound = (id: string) => new AwsError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);

// ---- volumes ---------------------------------------------------------------------------------------

function rootView(ctx: Ec2Ctx, r: InstanceRecord): VolumeView | undefined {
  const v = r.RootVolume;
  if (!v || r.State === 'terminated') return undefined;
  return {
    root: true,
    VolumeId: v.VolumeId,
    Size: v.VolumeSize,
    VolumeType: v.VolumeType as VolumeType,
    Iops: v.Iops,
    AvailabilityZone: r.AvailabilityZone,
    AvailabilityZoneId: r.AvailabilityZoneId,
    SnapshotId: '',
    CreateTime: v.AttachTime,
    Encrypted: v.Encrypted,
    Tags: rootTagTable(ctx).get(regional(ctx), v.VolumeId)?.Tags ?? {},
    Attachment: { InstanceId: r.InstanceId, Device: v.DeviceName, AttachTime: v.AttachTime, DeleteOnTermination: v.DeleteOnTermination },
  };
}

/** Volumes whose instance has terminated: deleted (DeleteOnTermination) or detached, as EC2 does. */
function settle(ctx: Ec2Ctx, v: VolumeRecord, baseDir?: string): VolumeRecord | undefined {
  const a = v.Attachment;
  if (!a) return v;
  const i = getRecord(ctx, a.InstanceId);
  if (i && i.State !== 'terminated') return v;
  if (a.DeleteOnTermination) {
    volumeTable(ctx).delete(regional(ctx), v.VolumeId);
    if (baseDir) fs.rmSync(volumeDir(baseDir, v.VolumeId), { recursive: true, force: true });
    return undefined;
  }
  delete v.Attachment;
  volumeTable(ctx).put(regional(ctx), v.VolumeId, v);
  return v;
}

/** Every volume of the account and region: stored ones, then instances' roots. */
export function listVolumes(ctx: Ec2Ctx, baseDir?: string): VolumeView[] {
  const stored = volumeTable(ctx)
    .list(regional(ctx))
    .map((v) => settle(ctx, v, baseDir))
    .filter((v): v is VolumeRecord => !!v)
    .map((v) => ({ ...v, root: false }));
  const roots = listRecords(ctx)
    .map((r) => rootView(ctx, r))
    .filter((v): v is VolumeView => !!v);
  return [...stored, ...roots];
}

export function getVolume(ctx: Ec2Ctx, id: string, baseDir?: string): VolumeView {
  checkVolumeId(id);
  const stored = volumeTable(ctx).get(regional(ctx), id);
  if (stored) {
    const s = settle(ctx, stored, baseDir);
    if (s) return { ...s, root: false };
    throw volumeNotFound(id);
  }
  const v = listRecords(ctx)
    .filter((r) => r.RootVolume?.VolumeId === id)
    .map((r) => rootView(ctx, r))
    .find((x) => !!x);
  if (!v) throw volumeNotFound(id);
  return v;
}

export function putVolume(ctx: Ec2Ctx, v: VolumeRecord | VolumeView): void {
  const { root, ...rec } = v as VolumeView;
  if (root) throw new Error('root volumes are stored on their instance');
  volumeTable(ctx).put(regional(ctx), rec.VolumeId, rec);
}

/** Tags of a root volume (TagSpecifications for volumes at RunInstances). */
export function setRootVolumeTags(ctx: Ec2Ctx, volumeId: string, tags: TagMap): void {
  rootTagTable(ctx).put(regional(ctx), volumeId, { Tags: tags });
}

/** Root volume changes (ModifyVolume) go onto the instance record. */
export function updateRootVolume(ctx: Ec2Ctx, v: VolumeView): void {
  const r = getRecord(ctx, v.Attachment!.InstanceId);
  if (!r?.RootVolume) return;
  r.RootVolume = { ...r.RootVolume, VolumeSize: v.Size, VolumeType: v.VolumeType, Iops: v.Iops };
  instanceTable(ctx).put(regional(ctx), r.InstanceId, r);
}

function modificationState(m: ModificationRecord, now: number): { state: 'modifying' | 'optimizing' | 'completed'; progress: number } {
  const f = Math.min(1, Math.max(0, (now - m.StartTime) / MODIFY_MS));
  return { state: f >= 1 ? 'completed' : f >= 0.5 ? 'optimizing' : 'modifying', progress: Math.floor(f * 100) };
}

export function modificationView(v: VolumeRecord, m: ModificationRecord, now: number) {
  const s = modificationState(m, now);
  return {
    VolumeId: v.VolumeId,
    ModificationState: s.state,
    TargetSize: m.TargetSize,
    TargetVolumeType: m.TargetVolumeType,
    TargetIops: m.TargetIops,
    TargetThroughput: m.TargetThroughput,
    TargetMultiAttachEnabled: false,
    OriginalSize: m.OriginalSize,
    OriginalVolumeType: m.OriginalVolumeType,
    OriginalIops: m.OriginalIops,
    OriginalThroughput: m.OriginalThroughput,
    OriginalMultiAttachEnabled: false,
    Progress: s.progress,
    StartTime: new Date(m.StartTime).toISOString(),
    EndTime: s.state === 'completed' ? new Date(m.StartTime + MODIFY_MS).toISOString() : undefined,
  };
}

export function attachmentView(v: VolumeRecord, a: AttachmentRecord, state: VolumeAttachment['State'] = 'attached'): VolumeAttachment {
  return { VolumeId: v.VolumeId, InstanceId: a.InstanceId, Device: a.Device, State: state, AttachTime: a.AttachTime, DeleteOnTermination: a.DeleteOnTermination };
}

export function toVolume(v: VolumeView): Volume {
  return {
    VolumeId: v.VolumeId,
    Size: v.Size,
    VolumeType: v.VolumeType,
    Iops: v.Iops,
    Throughput: v.Throughput,
    AvailabilityZone: v.AvailabilityZone,
    AvailabilityZoneId: v.AvailabilityZoneId,
    SnapshotId: v.SnapshotId ?? '',
    CreateTime: v.CreateTime,
    State: v.Attachment ? 'in-use' : 'available',
    Attachments: v.Attachment ? [attachmentView(v, v.Attachment)] : [],
    Encrypted: v.Encrypted,
    MultiAttachEnabled: false,
    FastRestored: false,
    Tags: tagList(v.Tags),
  };
}

/** The volumes attached to an instance (stored ones; the root is the instance's own). */
export function attachedTo(ctx: Ec2Ctx, instanceId: string): VolumeRecord[] {
  return volumeTable(ctx)
    .list(regional(ctx))
    .filter((v) => v.Attachment?.InstanceId === instanceId);
}

// ---- data directories ---------------------------------------------------------------------------------

/** cp -a of a volume or snapshot directory (symlinks kept as links; sockets and fifos skipped). */
export function copyData(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(to), { recursive: true });
  if (!fs.existsSync(from)) {
    fs.mkdirSync(to, { recursive: true });
    return;
  }
  fs.cpSync(from, to, {
    recursive: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const st = fs.lstatSync(src, { throwIfNoEntry: false });
      return !!st && (st.isDirectory() || st.isFile() || st.isSymbolicLink());
    },
  });
}

/** Links the volume into the instance's root now (the driver relinks it at each start). */
export function linkInto(rootDir: string, device: string, source: string): void {
  const link = path.join(rootDir, mountTarget(device));
  fs.mkdirSync(source, { recursive: true });
  fs.mkdirSync(path.dirname(link), { recursive: true });
  const st = fs.lstatSync(link, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) fs.unlinkSync(link);
  else if (st?.isDirectory()) fs.rmdirSync(link);
  fs.symlinkSync(source, link);
}

export function unlinkFrom(rootDir: string, device: string): void {
  const link = path.join(rootDir, mountTarget(device));
  const st = fs.lstatSync(link, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) fs.unlinkSync(link);
}

// ---- snapshots ------------------------------------------------------------------------------------------

export function snapshotState(s: SnapshotRecord, now: number): { state: 'pending' | 'completed'; progress: string } {
  const f = s.DurationMs <= 0 ? 1 : Math.min(1, Math.max(0, (now - s.StartTime) / s.DurationMs));
  return { state: f >= 1 ? 'completed' : 'pending', progress: `${Math.floor(f * 100)}%` };
}

export function getSnapshot(ctx: Ec2Ctx, id: string): SnapshotRecord {
  checkSnapshotId(id);
  const s = snapshotTable(ctx).get(regional(ctx), id);
  if (!s) throw snapshotNotFound(id);
  return s;
}

// ---- registrations ----------------------------------------------------------------------------------------

registerInstanceMounts((ctx, r, baseDir) => attachedTo(ctx, r.InstanceId).map((v) => ({ source: volumeDir(baseDir, v.VolumeId), target: mountTarget(v.Attachment!.Device) })));

registerInstanceBlockDevices((ctx, r) =>
  attachedTo(ctx, r.InstanceId).map((v) => ({
    DeviceName: v.Attachment!.Device,
    Ebs: { AttachTime: v.Attachment!.AttachTime, DeleteOnTermination: v.Attachment!.DeleteOnTermination, Status: 'attached' as const, VolumeId: v.VolumeId },
  })),
);

registerTaggable('vol', {
  resourceType: 'volume',
  get: (ctx, id) => {
    const v = volumeTable(ctx).get(regional(ctx), id);
    if (v) return v.Tags;
    const root = listRecords(ctx).find((r) => r.RootVolume?.VolumeId === id && r.State !== 'terminated');
    return root ? (rootTagTable(ctx).get(regional(ctx), id)?.Tags ?? {}) : undefined;
  },
  set: (ctx, id, tags) => {
    const v = volumeTable(ctx).get(regional(ctx), id);
    if (v) volumeTable(ctx).put(regional(ctx), id, { ...v, Tags: tags });
    else rootTagTable(ctx).put(regional(ctx), id, { Tags: tags });
  },
  list: (ctx) => listVolumes(ctx).map((v) => ({ id: v.VolumeId, tags: v.Tags })),
  notFound: volumeNotFound,
});

registerTaggable('snap', {
  resourceType: 'snapshot',
  get: (ctx, id) => snapshotTable(ctx).get(regional(ctx), id)?.Tags,
  set: (ctx, id, tags) => {
    const s = snapshotTable(ctx).get(regional(ctx), id);
    if (s) snapshotTable(ctx).put(regional(ctx), id, { ...s, Tags: tags });
  },
  list: (ctx) => snapshotTable(ctx).list(regional(ctx)).map((s) => ({ id: s.SnapshotId, tags: s.Tags })),
  notFound: snapshotNotFound,
});
