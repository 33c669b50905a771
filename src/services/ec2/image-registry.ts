// Images accounts make (CreateImage, RegisterImage, CopyImage): their records, who may see and launch
// them (the owner, accounts with a launch permission, everyone when public), and the Image shape.
import type { Image } from '../../generated/ec2.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import { SERVICE } from './instances.js';
import type { Ec2Ctx } from './network.js';
import { snapshotDelayMs } from './volumes.js';
import { tagList } from './tagging.js';
import type { ImageRecord } from './images.js';

export interface OwnImageRecord {
  ImageId: string;
  Name: string;
  Description?: string;
  OwnerId: string;
  Architecture: 'x86_64' | 'arm64';
  RootDeviceName: string;
  /** the root volume's snapshot: a directory the new instances' roots start from */
  SnapshotId: string;
  VolumeSize: number;
  VolumeType: string;
  DeleteOnTermination: boolean;
  /** virtual epoch ms */
  CreatedAt: number;
  /** virtual epoch ms at which the image is available (its snapshot complete) */
  ReadyAt: number;
  BootMode?: Image['BootMode'];
  ImdsSupport?: 'v2.0';
  SourceInstanceId?: string;
  SourceImageId?: string;
  SourceRegion?: string;
  LaunchPermission: { UserIds: string[]; Public: boolean };
  Tags: TagMap;
}

export function imageTable(ctx: { store: Ec2Ctx['store'] }) {
  return ctx.store.table<OwnImageRecord>(SERVICE, 'image');
}

/** How long an image stays pending (its snapshot's time). */
export function imageDelayMs(): number {
  return snapshotDelayMs();
}

export function imageState(i: OwnImageRecord, now: number): 'pending' | 'available' {
  return now >= i.ReadyAt ? 'available' : 'pending';
}

export function toImage(i: OwnImageRecord, now: number): Image {
  return {
    Architecture: i.Architecture,
    CreationDate: new Date(i.CreatedAt).toISOString(),
    ImageId: i.ImageId,
    ImageLocation: `${i.OwnerId}/${i.Name}`,
    ImageType: 'machine',
    Public: i.LaunchPermission.Public,
    OwnerId: i.OwnerId,
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    ProductCodes: [],
    State: imageState(i, now),
    BlockDeviceMappings: [{ DeviceName: i.RootDeviceName, Ebs: { DeleteOnTermination: i.DeleteOnTermination, SnapshotId: i.SnapshotId, VolumeSize: i.VolumeSize, VolumeType: i.VolumeType as 'gp3', Encrypted: false } }],
    Description: i.Description,
    EnaSupport: true,
    Hypervisor: 'xen',
    Name: i.Name,
    RootDeviceName: i.RootDeviceName,
    RootDeviceType: 'ebs',
    SriovNetSupport: 'simple',
    VirtualizationType: 'hvm',
    BootMode: i.BootMode,
    ImdsSupport: i.ImdsSupport,
    Tags: tagList(i.Tags),
    SourceInstanceId: i.SourceInstanceId,
  };
}

export function asImageRecord(i: OwnImageRecord, now: number): ImageRecord {
  return {
    ImageId: i.ImageId,
    Name: i.Name,
    OwnerId: i.OwnerId,
    Architecture: i.Architecture,
    RootDeviceType: 'ebs',
    RootDeviceName: i.RootDeviceName,
    VolumeSize: i.VolumeSize,
    Public: i.LaunchPermission.Public,
    image: toImage(i, now),
    own: i,
  };
}

/** Whether `account` may launch (and see) the image. */
export function canLaunch(i: OwnImageRecord, account: string): boolean {
  return i.OwnerId === account || i.LaunchPermission.Public || i.LaunchPermission.UserIds.includes(account);
}

/** Images of accounts in this region the caller may see: its own, shared with it, public. */
export function visibleImages(ctx: Ec2Ctx): OwnImageRecord[] {
  return imageTable(ctx)
    .listAll()
    .filter((x) => x.scope.region === ctx.region && canLaunch(x.record, ctx.account))
    .map((x) => x.record);
}

export function ownImage(ctx: Ec2Ctx, id: string): OwnImageRecord | undefined {
  return imageTable(ctx).get(regional(ctx), id);
}

/** An image that uses the snapshot (DeleteSnapshot refuses then). */
export function imageUsingSnapshot(ctx: Ec2Ctx, snapshotId: string): OwnImageRecord | undefined {
  return imageTable(ctx)
    .list(regional(ctx))
    .find((i) => i.SnapshotId === snapshotId);
}
