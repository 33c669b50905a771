// Images an account makes and shares: CreateImage (the instance's root as it is now becomes a snapshot
// and the image's root), RegisterImage (from a snapshot), CopyImage, DeregisterImage, and the image
// attributes (description, launch permissions).
import type { BlockDeviceMapping, Ec2Operations, ImageAttribute, LaunchPermission } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { canLaunch, imageDelayMs, imageTable, imageState, ownImage, toImage, type OwnImageRecord } from './image-registry.js';
import { allImages, checkImageId, imageNotFound } from './images.js';
import { recordsByIds } from './instances.js';
import { engineFor } from './lifecycle.js';
import type { Ec2Ctx } from './network.js';
import { registerTaggable, tagsFromSpecs } from './tagging.js';
import { copyData, getSnapshot, snapshotDelayMs, snapshotDir, snapshotTable, volumeDir, type SnapshotRecord } from './volumes.js';

const AMI_NAME = /^[a-zA-Z0-9()[\]. /\-'@_]{3,128}$/;

registerTaggable('ami', {
  resourceType: 'image',
  get: (ctx, id) => ownImage(ctx, id)?.Tags,
  set: (ctx, id, tags) => {
    const i = ownImage(ctx, id);
    if (i) imageTable(ctx).put(regional(ctx), id, { ...i, Tags: tags });
  },
  list: (ctx) => imageTable(ctx).list(regional(ctx)).map((i) => ({ id: i.ImageId, tags: i.Tags })),
  notFound: (id) => imageNotFound([id]),
});

function checkName(ctx: Ec2Ctx, name: string): void {
  if (!AMI_NAME.test(name)) {
    throw new AwsError('InvalidAMIName.Malformed', "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'");
  }
  const taken = imageTable(ctx).list(regional(ctx)).find((i) => i.Name === name);
  if (taken) throw new AwsError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${taken.ImageId}`);
}

/** The account's own image (attributes, deregistration are the owner's), with AWS's errors. */
function ownedImage(ctx: Ec2Ctx, id: string): OwnImageRecord {
  checkImageId(id);
  const mine = ownImage(ctx, id);
  if (mine) return mine;
  if (allImages(ctx).some((i) => i.ImageId === id)) throw new AwsError('AuthFailure', `Not authorized for image:${id}`);
  throw imageNotFound([id]);
}

function newSnapshot(ctx: RequestContext, from: string, volumeId: string, size: number, description: string, tags = {}): SnapshotRecord {
  const s: SnapshotRecord = {
    SnapshotId: ec2Id('snap'),
    VolumeId: volumeId,
    VolumeSize: size,
    Description: description,
    OwnerId: ctx.account,
    StartTime: ctx.clock.now(),
    DurationMs: snapshotDelayMs(),
    Encrypted: false,
    Tags: tags,
  };
  copyData(from, snapshotDir(engineFor(ctx).baseDir, s.SnapshotId));
  snapshotTable(ctx).put(regional(ctx), s.SnapshotId, s);
  return s;
}

function launchPermissions(i: OwnImageRecord): LaunchPermission[] {
  return [...(i.LaunchPermission.Public ? [{ Group: 'all' as const }] : []), ...i.LaunchPermission.UserIds.map((UserId) => ({ UserId }))];
}

export const ownImageHandlers: Handlers<Ec2Operations> = {
  CreateImage(ctx, input) {
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    if (r!.RootDeviceType !== 'ebs' || !r!.RootVolume) {
      throw new AwsError('InvalidParameterValue', `The instance '${r!.InstanceId}' does not have an EBS root device. CreateImage supports only EBS-backed instances.`);
    }
    if (r!.State !== 'running' && r!.State !== 'stopped' && r!.State !== 'stopping') {
      throw new AwsError('IncorrectInstanceState', `The instance '${r!.InstanceId}' is not in a state from which it can be imaged.`);
    }
    checkName(ctx, input.Name);
    const imageTags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'image'), 'image');
    const snapTags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'snapshot'), 'snapshot');
    dryRun(input);
    const engine = engineFor(ctx);
    const ImageId = ec2Id('ami');
    const root = r!.RootVolume;
    const source = allImages(ctx).find((i) => i.ImageId === r!.ImageId);
    // the root's files as they are now
    const snap = newSnapshot(ctx, volumeDir(engine.baseDir, root.VolumeId), root.VolumeId, root.VolumeSize, `Created by CreateImage(${r!.InstanceId}) for ${ImageId}`, snapTags);
    const now = ctx.clock.now();
    const image: OwnImageRecord = {
      ImageId,
      Name: input.Name,
      Description: input.Description,
      OwnerId: ctx.account,
      Architecture: r!.Architecture,
      RootDeviceName: root.DeviceName,
      SnapshotId: snap.SnapshotId,
      VolumeSize: root.VolumeSize,
      VolumeType: root.VolumeType,
      DeleteOnTermination: true,
      CreatedAt: now,
      ReadyAt: now + imageDelayMs(),
      BootMode: source?.image.BootMode,
      ImdsSupport: source?.image.ImdsSupport as 'v2.0' | undefined,
      SourceInstanceId: r!.InstanceId,
      LaunchPermission: { UserIds: [], Public: false },
      Tags: imageTags,
    };
    imageTable(ctx).put(regional(ctx), ImageId, image);
    // without NoReboot EC2 reboots the instance for a consistent image
    if (!input.NoReboot && r!.State === 'running') engine.reboot(ctx, r!);
    return { ImageId };
  },

  RegisterImage(ctx, input) {
    if (input.ImageLocation) throw new AwsError('InvalidParameterValue', 'Cumulus registers EBS-backed images only: give BlockDeviceMappings with a root snapshot instead of ImageLocation.');
    const rootName = input.RootDeviceName;
    if (!rootName) throw new AwsError('MissingParameter', 'The request must contain the parameter rootDeviceName');
    const mapping: BlockDeviceMapping | undefined = input.BlockDeviceMappings?.find((b) => b.DeviceName === rootName);
    if (!mapping?.Ebs?.SnapshotId) throw new AwsError('InvalidBlockDeviceMapping', `The device '${rootName}' does not have a snapshot in its block device mapping.`);
    const snap = getSnapshot(ctx, mapping.Ebs.SnapshotId);
    checkName(ctx, input.Name);
    const arch = input.Architecture ?? 'x86_64';
    if (arch !== 'x86_64' && arch !== 'arm64') throw new AwsError('InvalidParameterValue', `Value (${arch}) for parameter architecture is invalid. Cumulus runs x86_64 and arm64 images.`);
    const tags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'image'), 'image');
    dryRun(input);
    const now = ctx.clock.now();
    const image: OwnImageRecord = {
      ImageId: ec2Id('ami'),
      Name: input.Name,
      Description: input.Description,
      OwnerId: ctx.account,
      Architecture: arch,
      RootDeviceName: rootName,
      SnapshotId: snap.SnapshotId,
      VolumeSize: mapping.Ebs.VolumeSize ?? snap.VolumeSize,
      VolumeType: mapping.Ebs.VolumeType ?? 'gp2',
      DeleteOnTermination: mapping.Ebs.DeleteOnTermination ?? true,
      CreatedAt: now,
      ReadyAt: Math.max(now, snap.StartTime + snap.DurationMs),
      BootMode: input.BootMode,
      ImdsSupport: input.ImdsSupport,
      LaunchPermission: { UserIds: [], Public: false },
      Tags: tags,
    };
    imageTable(ctx).put(regional(ctx), image.ImageId, image);
    return { ImageId: image.ImageId };
  },

  CopyImage(ctx, input) {
    checkImageId(input.SourceImageId);
    const src = imageTable(ctx)
      .listAll()
      .find((x) => x.scope.region === input.SourceRegion && x.record.ImageId === input.SourceImageId && canLaunch(x.record, ctx.account))?.record;
    if (!src) throw imageNotFound([input.SourceImageId]);
    if (imageState(src, ctx.clock.now()) !== 'available') throw new AwsError('IncorrectState', `Image ${src.ImageId} is not in a valid state for copying.`);
    checkName(ctx, input.Name);
    const tags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'image'), 'image');
    dryRun(input);
    const engine = engineFor(ctx);
    const ImageId = ec2Id('ami');
    const snap = newSnapshot(ctx, snapshotDir(engine.baseDir, src.SnapshotId), 'vol-ffffffff', src.VolumeSize, `Copied for DestinationAmi ${ImageId} from SourceAmi ${src.ImageId} for SourceSnapshot ${src.SnapshotId}. Task created on ${ctx.clock.date().toISOString()}.`);
    const now = ctx.clock.now();
    const copy: OwnImageRecord = {
      ...structuredClone(src),
      ImageId,
      Name: input.Name,
      Description: input.Description ?? src.Description,
      OwnerId: ctx.account,
      SnapshotId: snap.SnapshotId,
      CreatedAt: now,
      ReadyAt: now + imageDelayMs(),
      SourceImageId: src.ImageId,
      SourceRegion: input.SourceRegion,
      SourceInstanceId: undefined,
      LaunchPermission: { UserIds: [], Public: false },
      Tags: input.CopyImageTags ? { ...src.Tags, ...tags } : tags,
    };
    imageTable(ctx).put(regional(ctx), ImageId, copy);
    return { ImageId };
  },

  DeregisterImage(ctx, input) {
    const i = ownedImage(ctx, input.ImageId);
    dryRun(input);
    imageTable(ctx).delete(regional(ctx), i.ImageId);
    const results: { SnapshotId: string; ReturnCode: 'success' }[] = [];
    if (input.DeleteAssociatedSnapshots) {
      snapshotTable(ctx).delete(regional(ctx), i.SnapshotId);
      results.push({ SnapshotId: i.SnapshotId, ReturnCode: 'success' });
    }
    return { Return: true, DeleteSnapshotResults: input.DeleteAssociatedSnapshots ? results : undefined };
  },

  DescribeImageAttribute(ctx, input) {
    const i = ownedImage(ctx, input.ImageId);
    const out: ImageAttribute = { ImageId: i.ImageId };
    switch (input.Attribute) {
      case 'description':
        out.Description = i.Description !== undefined ? { Value: i.Description } : {};
        break;
      case 'launchPermission':
        out.LaunchPermissions = launchPermissions(i);
        break;
      case 'blockDeviceMapping':
        out.BlockDeviceMappings = toImage(i, ctx.clock.now()).BlockDeviceMappings;
        break;
      case 'bootMode':
        out.BootMode = i.BootMode ? { Value: i.BootMode } : {};
        break;
      case 'imdsSupport':
        out.ImdsSupport = i.ImdsSupport ? { Value: i.ImdsSupport } : {};
        break;
      case 'productCodes':
        out.ProductCodes = [];
        break;
      case 'sriovNetSupport':
        out.SriovNetSupport = { Value: 'simple' };
        break;
      default:
        break;
    }
    return out;
  },

  ModifyImageAttribute(ctx, input) {
    const i = ownedImage(ctx, input.ImageId);
    const add: LaunchPermission[] = [...(input.LaunchPermission?.Add ?? [])];
    const remove: LaunchPermission[] = [...(input.LaunchPermission?.Remove ?? [])];
    // the older form: Attribute=launchPermission, OperationType, UserIds / UserGroups
    if (input.OperationType) {
      const perms = [...(input.UserIds ?? []).map((UserId) => ({ UserId })), ...(input.UserGroups ?? []).map(() => ({ Group: 'all' as const }))];
      (input.OperationType === 'add' ? add : remove).push(...perms);
    }
    for (const p of [...add, ...remove]) {
      if (p.UserId !== undefined && !/^\d{12}$/.test(p.UserId)) throw new AwsError('InvalidAMIAttributeItemValue', `Invalid attribute item value "${p.UserId}" for userId item type.`);
      if (p.OrganizationArn || p.OrganizationalUnitArn) throw new AwsError('InvalidParameterValue', 'Cumulus does not share images with organizations.');
    }
    dryRun(input);
    const perm = i.LaunchPermission;
    for (const p of add) {
      if (p.Group === 'all') perm.Public = true;
      if (p.UserId && !perm.UserIds.includes(p.UserId)) perm.UserIds.push(p.UserId);
    }
    for (const p of remove) {
      if (p.Group === 'all') perm.Public = false;
      if (p.UserId) perm.UserIds = perm.UserIds.filter((u) => u !== p.UserId);
    }
    const description = input.Description?.Value ?? (input.Attribute === 'description' ? input.Value : undefined);
    if (description !== undefined) i.Description = description;
    if (input.ImdsSupport?.Value === 'v2.0') i.ImdsSupport = 'v2.0';
    imageTable(ctx).put(regional(ctx), i.ImageId, i);
  },
};
