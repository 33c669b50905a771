// EC2 instance records: the store, the public API other EC2 code uses (instanceExists), and the
// Instance shape the API returns.
import type { GroupIdentifier, Instance, InstanceState } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { elasticIpOf, type Ec2Ctx } from './network.js';
import { instanceTypeSpec } from './instance-types.js';
import { tagList } from './tagging.js';

export type StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const STATE_CODES: Record<StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface RootVolume {
  VolumeId: string;
  DeviceName: string;
  VolumeSize: number;
  VolumeType: string;
  Iops?: number;
  DeleteOnTermination: boolean;
  AttachTime: string;
  Encrypted: boolean;
}

export interface InstanceRecord {
  InstanceId: string;
  ReservationId: string;
  OwnerId: string;
  ImageId: string;
  InstanceType: string;
  KeyName?: string;
  AmiLaunchIndex: number;
  State: StateName;
  StateTransitionReason: string;
  StateReason?: { Code: string; Message: string };
  LaunchTime: string;
  /** epoch ms of the last pending → running (instance identity document's pendingTime) */
  PendingTime: string;
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  Tenancy: 'default' | 'dedicated' | 'host';
  /** EBS volumes other than the root were attached (DescribeInstances asks volumes.ts for its mappings) */
  HasVolumes?: boolean;
  /** interfaces beyond the plain primary one were attached or assigned addresses (DescribeInstances asks network-interfaces.ts) */
  HasInterfaces?: boolean;
  /** the Dedicated Host it runs on (tenancy 'host') */
  HostId?: string;
  PrivateIpAddress: string;
  /** the auto-assigned public address while running (an Elastic IP wins over it) */
  PublicIpAddress?: string;
  MapPublicIp: boolean;
  Groups: { GroupId: string; GroupName: string }[];
  Architecture: 'x86_64' | 'arm64';
  RootDeviceType: 'ebs' | 'instance-store';
  RootDeviceName: string;
  RootVolume?: RootVolume;
  NetworkInterfaceId: string;
  AttachmentId: string;
  MacAddress: string;
  IamInstanceProfile?: { Arn: string; Id: string; AssociationId: string };
  /** base64, as given */
  UserData?: string;
  /** the boot script has run (first boot only, as cloud-init) */
  UserDataRan: boolean;
  DisableApiTermination: boolean;
  InstanceInitiatedShutdownBehavior: 'stop' | 'terminate';
  SourceDestCheck: boolean;
  EbsOptimized: boolean;
  EnaSupport: boolean;
  MetadataOptions: { HttpTokens: 'optional' | 'required'; HttpEndpoint: 'enabled' | 'disabled'; HttpPutResponseHopLimit: number; InstanceMetadataTags: 'enabled' | 'disabled' };
  Monitoring: 'disabled' | 'disabling' | 'enabled' | 'pending';
  Tags: TagMap;
  ClientToken?: string;
  /** virtual epoch ms at which the record is removed (terminated instances) */
  PurgeAt?: number;
  /** the physical host it runs on (new at launch, at start after a stop and at recovery): host faults stay with a host */
  Host?: string;
  /** spot instances: their request, what an interruption does, and the two-minute notice once posted */
  SpotInstanceRequestId?: string;
  SpotInterruptionBehavior?: 'hibernate' | 'stop' | 'terminate';
  SpotNotice?: { action: 'terminate' | 'stop'; time: string; cause: 'price' | 'no-capacity' };
  /** the launch template it came from (GetLaunchTemplateData, tags) */
  LaunchTemplate?: { LaunchTemplateId: string; Version: string };
  /** the workload's console log (GetConsoleOutput) */
  ConsoleLog?: string;
}

export const SERVICE = 'ec2';

/** Other interfaces attached to an instance (network-interfaces.ts), listed after its primary one. */
const extraInterfaces: ((ctx: Ec2Ctx, r: InstanceRecord) => NonNullable<Instance['NetworkInterfaces']>)[] = [];
export function registerInstanceInterfaces(fn: (ctx: Ec2Ctx, r: InstanceRecord) => NonNullable<Instance['NetworkInterfaces']>): void {
  extraInterfaces.push(fn);
}
/** Attached EBS volumes other than the root (volumes.ts). */
let extraBlockDevices: (ctx: Ec2Ctx, r: InstanceRecord) => NonNullable<Instance['BlockDeviceMappings']> = () => [];
export function registerInstanceBlockDevices(fn: (ctx: Ec2Ctx, r: InstanceRecord) => NonNullable<Instance['BlockDeviceMappings']>): void {
  extraBlockDevices = fn;
}
/** Secondary private addresses of the primary interface. */
let primarySecondaries: (ctx: Ec2Ctx, r: InstanceRecord) => string[] = () => [];
export function registerPrimarySecondaries(fn: (ctx: Ec2Ctx, r: InstanceRecord) => string[]): void {
  primarySecondaries = fn;
}

export function instanceTable(ctx: { store: Ec2Ctx['store'] }) {
  return ctx.store.table<InstanceRecord>(SERVICE, 'instance');
}

export function getRecord(ctx: Ec2Ctx, id: string): InstanceRecord | undefined {
  return instanceTable(ctx).get(regional(ctx), id);
}

export function putRecord(ctx: Ec2Ctx, r: InstanceRecord): void {
  instanceTable(ctx).put(regional(ctx), r.InstanceId, r);
}

export function putRecordIn(store: Ec2Ctx['store'], scope: Scope, r: InstanceRecord): void {
  instanceTable({ store }).put(scope, r.InstanceId, r);
}

export function listRecords(ctx: Ec2Ctx): InstanceRecord[] {
  return instanceTable(ctx).list(regional(ctx));
}

/** For other EC2 code (addresses, interfaces, tags): whether the instance exists (terminated ones still do). */
export function instanceExists(ctx: Ec2Ctx, id: string): boolean {
  return instanceTable(ctx).has(regional(ctx), id);
}

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function checkInstanceId(id: string): void {
  if (!INSTANCE_ID.test(id)) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
}

export function instancesNotFound(ids: string[]): AwsError {
  return ids.length === 1
    ? new AwsError('InvalidInstanceID.NotFound', `The instance ID '${ids[0]}' does not exist`)
    : new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${ids.join(', ')}' do not exist`);
}

/** The records named by `ids`, with AWS's Malformed (first) and NotFound (all missing) errors. */
export function recordsByIds(ctx: Ec2Ctx, ids: string[]): InstanceRecord[] {
  for (const id of ids) checkInstanceId(id);
  const found: InstanceRecord[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const r = getRecord(ctx, id);
    if (r) {
      if (!found.some((f) => f.InstanceId === id)) found.push(r);
    } else if (!missing.includes(id)) missing.push(id);
  }
  if (missing.length) throw instancesNotFound(missing);
  return found;
}

export function stateOf(name: StateName): InstanceState {
  return { Code: STATE_CODES[name], Name: name };
}

/** "User initiated (2026-11-30 10:00:00 GMT)" */
export function userInitiated(now: Date): string {
  return `User initiated (${now.toISOString().slice(0, 19).replace('T', ' ')} GMT)`;
}

export function privateDnsName(region: string, ip: string): string {
  const host = `ip-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

export function publicDnsName(region: string, ip: string | undefined): string {
  if (!ip) return '';
  const host = `ec2-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.compute-1.amazonaws.com` : `${host}.${region}.compute.amazonaws.com`;
}

/** The public address the instance shows: its Elastic IP, else the auto-assigned one. */
export function publicIpOf(ctx: Ec2Ctx, r: InstanceRecord): string | undefined {
  if (r.State === 'terminated') return undefined;
  return elasticIpOf(ctx, r.InstanceId)?.PublicIp ?? r.PublicIpAddress;
}

export function toInstance(ctx: Ec2Ctx, r: InstanceRecord): Instance {
  const publicIp = publicIpOf(ctx, r);
  const terminated = r.State === 'terminated';
  const groups: GroupIdentifier[] = r.Groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
  const dns = privateDnsName(ctx.region, r.PrivateIpAddress);
  const instance: Instance = {
    InstanceId: r.InstanceId,
    ImageId: r.ImageId,
    State: stateOf(r.State),
    PrivateDnsName: terminated ? '' : dns,
    PublicDnsName: publicDnsName(ctx.region, publicIp),
    StateTransitionReason: r.StateTransitionReason,
    KeyName: r.KeyName,
    AmiLaunchIndex: r.AmiLaunchIndex,
    ProductCodes: [],
    InstanceType: r.InstanceType as Instance['InstanceType'],
    LaunchTime: r.LaunchTime,
    Placement: { AvailabilityZone: r.AvailabilityZone, AvailabilityZoneId: r.AvailabilityZoneId, GroupName: '', Tenancy: r.Tenancy, HostId: r.HostId },
    Monitoring: { State: r.Monitoring },
    SubnetId: terminated ? undefined : r.SubnetId,
    VpcId: terminated ? undefined : r.VpcId,
    PrivateIpAddress: terminated ? undefined : r.PrivateIpAddress,
    PublicIpAddress: publicIp,
    Architecture: r.Architecture,
    BlockDeviceMappings: [
      ...(r.RootVolume && !terminated
        ? [{ DeviceName: r.RootVolume.DeviceName, Ebs: { AttachTime: r.RootVolume.AttachTime, DeleteOnTermination: r.RootVolume.DeleteOnTermination, Status: 'attached' as const, VolumeId: r.RootVolume.VolumeId } }]
        : []),
      ...(r.HasVolumes && !terminated ? extraBlockDevices(ctx, r) : []),
    ],
    ClientToken: r.ClientToken ?? '',
    EbsOptimized: r.EbsOptimized,
    EnaSupport: r.EnaSupport,
    Hypervisor: 'xen',
    IamInstanceProfile: r.IamInstanceProfile ? { Arn: r.IamInstanceProfile.Arn, Id: r.IamInstanceProfile.Id } : undefined,
    NetworkInterfaces: terminated
      ? []
      : [
          {
            Association: publicIp ? { IpOwnerId: elasticIpOf(ctx, r.InstanceId) ? r.OwnerId : 'amazon', PublicDnsName: publicDnsName(ctx.region, publicIp), PublicIp: publicIp } : undefined,
            Attachment: { AttachTime: r.LaunchTime, AttachmentId: r.AttachmentId, DeleteOnTermination: true, DeviceIndex: 0, Status: 'attached', NetworkCardIndex: 0 },
            Description: '',
            Groups: groups,
            Ipv6Addresses: [],
            MacAddress: r.MacAddress,
            NetworkInterfaceId: r.NetworkInterfaceId,
            OwnerId: r.OwnerId,
            PrivateDnsName: dns,
            PrivateIpAddress: r.PrivateIpAddress,
            PrivateIpAddresses: [
              {
                Association: publicIp ? { IpOwnerId: 'amazon', PublicDnsName: publicDnsName(ctx.region, publicIp), PublicIp: publicIp } : undefined,
                Primary: true,
                PrivateDnsName: dns,
                PrivateIpAddress: r.PrivateIpAddress,
              },
              ...(r.HasInterfaces ? primarySecondaries(ctx, r) : []).map((ip) => ({ Primary: false, PrivateDnsName: privateDnsName(ctx.region, ip), PrivateIpAddress: ip })),
            ],
            SourceDestCheck: r.SourceDestCheck,
            Status: 'in-use',
            SubnetId: r.SubnetId,
            VpcId: r.VpcId,
            InterfaceType: 'interface',
          },
          ...(r.HasInterfaces ? extraInterfaces.flatMap((fn) => fn(ctx, r)) : []),
        ],
    RootDeviceName: r.RootDeviceName,
    RootDeviceType: r.RootDeviceType,
    SecurityGroups: groups,
    SourceDestCheck: r.SourceDestCheck,
    StateReason: r.StateReason,
    Tags: tagList(r.Tags),
    VirtualizationType: 'hvm',
    CpuOptions: cpuOptions(r.InstanceType),
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: false },
    MetadataOptions: { State: 'applied', ...r.MetadataOptions, HttpProtocolIpv6: 'disabled' },
    EnclaveOptions: { Enabled: false },
    BootMode: r.Architecture === 'arm64' ? 'uefi' : 'legacy-bios',
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    UsageOperationUpdateTime: r.LaunchTime,
    PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    MaintenanceOptions: { AutoRecovery: 'default' },
    InstanceLifecycle: r.SpotInstanceRequestId ? 'spot' : undefined,
    SpotInstanceRequestId: r.SpotInstanceRequestId,
    CurrentInstanceBootMode: r.Architecture === 'arm64' ? 'uefi' : 'legacy-bios',
  };
  return instance;
}

function cpuOptions(type: string): Instance['CpuOptions'] {
  const spec = instanceTypeSpec(type);
  if (!spec) return undefined;
  const threads = spec.arch === 'arm64' || type.startsWith('t2.') || spec.vcpus === 1 ? 1 : 2;
  return { CoreCount: spec.vcpus / threads, ThreadsPerCore: threads };
}
