// The built-in AMIs of every region (deterministic ids per region) and DescribeImages over them.
import { createHash } from 'node:crypto';
import type { Ec2Operations, Image } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { applyFilters, pageOf } from './filters.js';
import { asImageRecord, visibleImages, type OwnImageRecord } from './image-registry.js';
import type { Ec2Ctx } from './network.js';

export const AMAZON_OWNER = '137112412989';
export const CANONICAL_OWNER = '099720109477';

interface BuiltIn {
  key: string;
  name: string;
  description: string;
  owner: string;
  alias?: string;
  arch: 'x86_64' | 'arm64';
  root: 'ebs' | 'instance-store';
  rootDevice: string;
  sizeGiB: number;
  created: string;
}

const BUILT_IN: BuiltIn[] = [
  { key: 'al2023-x86', name: 'al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64', description: 'Amazon Linux 2023 AMI 2023.6.20241121.0 x86_64 HVM kernel-6.1', owner: AMAZON_OWNER, alias: 'amazon', arch: 'x86_64', root: 'ebs', rootDevice: '/dev/xvda', sizeGiB: 8, created: '2024-11-21T18:12:33.000Z' },
  { key: 'al2023-arm', name: 'al2023-ami-2023.6.20241121.0-kernel-6.1-arm64', description: 'Amazon Linux 2023 AMI 2023.6.20241121.0 arm64 HVM kernel-6.1', owner: AMAZON_OWNER, alias: 'amazon', arch: 'arm64', root: 'ebs', rootDevice: '/dev/xvda', sizeGiB: 8, created: '2024-11-21T18:12:41.000Z' },
  { key: 'ubuntu-2204', name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20241109', description: 'Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-11-09', owner: CANONICAL_OWNER, arch: 'x86_64', root: 'ebs', rootDevice: '/dev/sda1', sizeGiB: 8, created: '2024-11-09T07:40:05.000Z' },
  { key: 'ubuntu-2404', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119', description: 'Canonical, Ubuntu, 24.04 LTS, amd64 noble image build on 2024-11-19', owner: CANONICAL_OWNER, arch: 'x86_64', root: 'ebs', rootDevice: '/dev/sda1', sizeGiB: 8, created: '2024-11-19T04:51:22.000Z' },
  { key: 'ubuntu-2404-arm', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241119', description: 'Canonical, Ubuntu, 24.04 LTS, arm64 noble image build on 2024-11-19', owner: CANONICAL_OWNER, arch: 'arm64', root: 'ebs', rootDevice: '/dev/sda1', sizeGiB: 8, created: '2024-11-19T04:51:30.000Z' },
  { key: 'amzn-instance-store', name: 'amzn-ami-hvm-2018.03.0.20231218.0-x86_64-s3', description: 'Amazon Linux AMI 2018.03.0.20231218.0 x86_64 HVM instance-store', owner: AMAZON_OWNER, alias: 'amazon', arch: 'x86_64', root: 'instance-store', rootDevice: '/dev/sda1', sizeGiB: 10, created: '2023-12-18T21:05:10.000Z' },
];

/** What instances need of an image. */
export interface ImageRecord {
  ImageId: string;
  Name: string;
  OwnerId: string;
  Architecture: 'x86_64' | 'arm64';
  RootDeviceType: 'ebs' | 'instance-store';
  RootDeviceName: string;
  /** root volume size of EBS images */
  VolumeSize: number;
  Public: boolean;
  image: Image;
  /** for an account's own image: its record (root snapshot, launch permissions) */
  own?: OwnImageRecord;
}

function amiId(region: string, key: string): string {
  return `ami-${createHash('sha256').update(`${region}/${key}`).digest('hex').slice(0, 17)}`;
}

function snapId(region: string, key: string): string {
  return `snap-${createHash('sha256').update(`snapshot/${region}/${key}`).digest('hex').slice(0, 17)}`;
}

const cache = new Map<string, ImageRecord[]>();

export function builtInImages(region: string): ImageRecord[] {
  let images = cache.get(region);
  if (images) return images;
  images = BUILT_IN.map((b) => {
    const ImageId = amiId(region, b.key);
    const image: Image = {
      Architecture: b.arch,
      CreationDate: b.created,
      ImageId,
      ImageLocation: b.alias ? `${b.alias}/${b.name}` : `${b.owner}/${b.name}`,
      ImageType: 'machine',
      Public: true,
      OwnerId: b.owner,
      PlatformDetails: 'Linux/UNIX',
      UsageOperation: 'RunInstances',
      ProductCodes: [],
      State: 'available',
      BlockDeviceMappings:
        b.root === 'ebs'
          ? [{ DeviceName: b.rootDevice, Ebs: { DeleteOnTermination: true, SnapshotId: snapId(region, b.key), VolumeSize: b.sizeGiB, VolumeType: b.name.includes('gp3') || b.owner === AMAZON_OWNER ? 'gp3' : 'gp2', Encrypted: false } }]
          : [{ DeviceName: 'sdb', VirtualName: 'ephemeral0' }],
      Description: b.description,
      EnaSupport: true,
      Hypervisor: 'xen',
      ImageOwnerAlias: b.alias,
      Name: b.name,
      RootDeviceName: b.rootDevice,
      RootDeviceType: b.root,
      SriovNetSupport: 'simple',
      VirtualizationType: 'hvm',
      BootMode: b.arch === 'arm64' ? 'uefi' : b.owner === AMAZON_OWNER && b.root === 'ebs' ? 'uefi-preferred' : undefined,
      ImdsSupport: b.key.startsWith('al2023') ? 'v2.0' : undefined,
      DeprecationTime: '2026-11-21T18:12:00.000Z'.replace('2026', String(Number(b.created.slice(0, 4)) + 2)),
      FreeTierEligible: b.root === 'ebs',
    };
    return {
      ImageId,
      Name: b.name,
      OwnerId: b.owner,
      Architecture: b.arch,
      RootDeviceType: b.root,
      RootDeviceName: b.rootDevice,
      VolumeSize: b.sizeGiB,
      Public: true,
      image,
    };
  });
  cache.set(region, images);
  return images;
}

const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function checkImageId(id: string): void {
  if (!AMI_ID.test(id)) throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
}

export function imageNotFound(ids: string[]): AwsError {
  return new AwsError('InvalidAMIID.NotFound', `The image id${ids.length > 1 ? 's' : ''} '[${ids.join(', ')}]' ${ids.length > 1 ? 'do' : 'does'} not exist`);
}

/** Every image the account can see in its region: the built-in ones, its own, those shared with it or public. */
export function allImages(ctx: Ec2Ctx): ImageRecord[] {
  const now = ctx.clock.now();
  return [...builtInImages(ctx.region), ...visibleImages(ctx).map((i) => asImageRecord(i, now))];
}

/** An image the account may launch (RunInstances), with AWS's errors. */
export function findImage(ctx: Ec2Ctx, id: string): ImageRecord {
  checkImageId(id);
  const image = allImages(ctx).find((i) => i.ImageId === id);
  if (!image) throw imageNotFound([id]);
  if (image.image.State === 'pending') throw new AwsError('InvalidAMIID.Unavailable', `AMI '${id}' is pending, and cannot be run`);
  return image;
}

const accessors: Record<string, (i: ImageRecord) => string | string[] | undefined> = {
  'image-id': (i) => i.ImageId,
  name: (i) => i.Name,
  'owner-id': (i) => i.OwnerId,
  'owner-alias': (i) => i.image.ImageOwnerAlias,
  architecture: (i) => i.Architecture,
  'root-device-type': (i) => i.RootDeviceType,
  'root-device-name': (i) => i.RootDeviceName,
  state: (i) => i.image.State,
  'is-public': (i) => String(i.Public),
  'image-type': () => 'machine',
  'virtualization-type': () => 'hvm',
  hypervisor: () => 'xen',
  description: (i) => i.image.Description,
  'platform-details': () => 'Linux/UNIX',
  'block-device-mapping.volume-size': (i) => (i.RootDeviceType === 'ebs' ? String(i.VolumeSize) : undefined),
  'block-device-mapping.volume-type': (i) => i.image.BlockDeviceMappings?.[0]?.Ebs?.VolumeType,
  'ena-support': () => 'true',
};

export const imageHandlers: Handlers<Ec2Operations> = {
  DescribeImages(ctx, input) {
    let images = allImages(ctx);
    if (input.ImageIds?.length) {
      for (const id of input.ImageIds) checkImageId(id);
      const missing = input.ImageIds.filter((id) => !images.some((i) => i.ImageId === id));
      if (missing.length) throw imageNotFound(missing);
      images = images.filter((i) => input.ImageIds!.includes(i.ImageId));
    }
    if (input.Owners?.length) {
      const owners = input.Owners;
      images = images.filter((i) =>
        owners.some((o) => o === i.OwnerId || (o === 'amazon' && i.OwnerId === AMAZON_OWNER) || (o === 'self' && i.OwnerId === ctx.account)),
      );
    }
    if (input.ExecutableUsers?.length) {
      const users = input.ExecutableUsers;
      images = images.filter(
        (i) =>
          (users.includes('all') && i.Public) ||
          ((users.includes('self') || users.includes(ctx.account)) && (i.OwnerId === ctx.account || !!i.own?.LaunchPermission.UserIds.includes(ctx.account) || i.Public)),
      );
    }
    images = applyFilters(images, input.Filters, accessors, { tags: (i) => i.own?.Tags });
    const page = pageOf(images, input, (i) => i.ImageId, { defaultMax: 1000 });
    return { Images: page.items.map((i) => structuredClone(i.image)), NextToken: page.NextToken };
  },
};
