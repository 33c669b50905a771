// Elastic network interfaces: Create/Describe/Delete, Attach/Detach to instances, attributes and secondary
// private addresses. An instance's primary interface (device index 0) lives on its instance record; it is
// shown here derived from it, with an overlay record for what only interfaces have (secondary addresses,
// tags, description). Standalone interfaces are records of their own.
import { randomBytes } from 'node:crypto';
import type { Ec2Operations, NetworkInterface } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf } from './filters.js';
import { getRecord, instanceTable, listRecords, privateDnsName, putRecord, registerInstanceInterfaces, registerPrimarySecondaries, type InstanceRecord } from './instances.js';
import { registerStateListener } from './lifecycle.js';
import { checkId } from './net-errors.js';
import { allocatePrivateIp, registerNetworkUsage, releasePrivateIp, resolveSecurityGroups, resolveSubnet, type Ec2Ctx } from './network.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

export interface EniRecord {
  NetworkInterfaceId: string;
  /** set on the overlay of an instance's primary interface: the rest comes from the instance */
  PrimaryOf?: string;
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  Description: string;
  PrivateIpAddress: string;
  Secondary: string[];
  Groups: { GroupId: string; GroupName: string }[];
  SourceDestCheck: boolean;
  MacAddress: string;
  Tags: TagMap;
  Attachment?: { AttachmentId: string; InstanceId: string; DeviceIndex: number; AttachTime: string; DeleteOnTermination: boolean };
}

const eniTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<EniRecord>('ec2', 'network-interface');

const notFound = (id: string) => new AwsError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);

function mac(): string {
  return ['0e', ...[...randomBytes(5)].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** The primary interface of an instance as an interface record (overlay merged). */
function primaryOf(ctx: Ec2Ctx, r: InstanceRecord): EniRecord {
  const o = eniTable(ctx).get(regional(ctx), r.NetworkInterfaceId);
  return {
    NetworkInterfaceId: r.NetworkInterfaceId,
    PrimaryOf: r.InstanceId,
    SubnetId: r.SubnetId,
    VpcId: r.VpcId,
    AvailabilityZone: r.AvailabilityZone,
    AvailabilityZoneId: r.AvailabilityZoneId,
    Description: o?.Description ?? '',
    PrivateIpAddress: r.PrivateIpAddress,
    Secondary: o?.Secondary ?? [],
    Groups: r.Groups,
    SourceDestCheck: r.SourceDestCheck,
    MacAddress: r.MacAddress,
    Tags: o?.Tags ?? {},
    Attachment: { AttachmentId: r.AttachmentId, InstanceId: r.InstanceId, DeviceIndex: 0, AttachTime: r.LaunchTime, DeleteOnTermination: true },
  };
}

function all(ctx: Ec2Ctx): EniRecord[] {
  const own = eniTable(ctx)
    .list(regional(ctx))
    .filter((e) => !e.PrimaryOf);
  const primaries = listRecords(ctx)
    .filter((r) => r.State !== 'terminated')
    .map((r) => primaryOf(ctx, r));
  return [...own, ...primaries];
}

function find(ctx: Ec2Ctx, id: string): EniRecord {
  checkId('eni', id);
  const own = eniTable(ctx).get(regional(ctx), id);
  if (own && !own.PrimaryOf) return own;
  const r = listRecords(ctx).find((x) => x.NetworkInterfaceId === id && x.State !== 'terminated');
  if (!r) throw notFound(id);
  return primaryOf(ctx, r);
}

/** Writes a record: a standalone interface, or the overlay / instance fields of a primary one. */
function save(ctx: Ec2Ctx, e: EniRecord): void {
  if (!e.PrimaryOf) {
    eniTable(ctx).put(regional(ctx), e.NetworkInterfaceId, e);
    return;
  }
  const r = getRecord(ctx, e.PrimaryOf);
  if (r) {
    r.Groups = e.Groups;
    r.SourceDestCheck = e.SourceDestCheck;
    if (e.Secondary.length) r.HasInterfaces = true;
    putRecord(ctx, r);
  }
  eniTable(ctx).put(regional(ctx), e.NetworkInterfaceId, { ...e, Attachment: undefined });
}

function view(ctx: Ec2Ctx, e: EniRecord): NetworkInterface {
  const dns = privateDnsName(ctx.region, e.PrivateIpAddress);
  return {
    NetworkInterfaceId: e.NetworkInterfaceId,
    SubnetId: e.SubnetId,
    VpcId: e.VpcId,
    AvailabilityZone: e.AvailabilityZone,
    AvailabilityZoneId: e.AvailabilityZoneId,
    Description: e.Description,
    Groups: e.Groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
    InterfaceType: 'interface',
    Ipv6Addresses: [],
    MacAddress: e.MacAddress,
    OwnerId: ctx.account,
    PrivateDnsName: dns,
    PrivateIpAddress: e.PrivateIpAddress,
    PrivateIpAddresses: [
      { Primary: true, PrivateIpAddress: e.PrivateIpAddress, PrivateDnsName: dns },
      ...e.Secondary.map((ip) => ({ Primary: false, PrivateIpAddress: ip, PrivateDnsName: privateDnsName(ctx.region, ip) })),
    ],
    RequesterManaged: false,
    SourceDestCheck: e.SourceDestCheck,
    Status: e.Attachment ? 'in-use' : 'available',
    TagSet: tagList(e.Tags) ?? [],
    Attachment: e.Attachment && {
      AttachmentId: e.Attachment.AttachmentId,
      InstanceId: e.Attachment.InstanceId,
      InstanceOwnerId: ctx.account,
      DeviceIndex: e.Attachment.DeviceIndex,
      NetworkCardIndex: 0,
      AttachTime: e.Attachment.AttachTime,
      DeleteOnTermination: e.Attachment.DeleteOnTermination,
      Status: 'attached',
    },
  };
}

/** Addresses for an interface, in order: each requested one, or the next free one where undefined. */
function allocate(ctx: Ec2Ctx, subnetId: string, owner: string, requested: (string | undefined)[]): string[] {
  const out: string[] = [];
  try {
    for (const ip of requested) out.push(allocatePrivateIp(ctx, subnetId, ip, owner));
  } catch (err) {
    for (const ip of out) releasePrivateIp(ctx, subnetId, ip);
    throw err;
  }
  return out;
}

registerTaggable('eni', {
  resourceType: 'network-interface',
  get: (ctx, id) => {
    try {
      return find(ctx, id).Tags;
    } catch {
      return undefined;
    }
  },
  set: (ctx, id, tags) => save(ctx, { ...find(ctx, id), Tags: tags }),
  list: (ctx) => all(ctx).map((e) => ({ id: e.NetworkInterfaceId, tags: e.Tags })),
  notFound,
});

registerNetworkUsage({
  groupInUse: (ctx, groupId) =>
    eniTable(ctx)
      .list(regional(ctx))
      .some((e) => !e.PrimaryOf && e.Groups.some((g) => g.GroupId === groupId)),
});

// DescribeInstances lists the interfaces attached to an instance after its primary one
registerInstanceInterfaces((ctx, r) =>
  eniTable(ctx)
    .list(regional(ctx))
    .filter((e) => !e.PrimaryOf && e.Attachment?.InstanceId === r.InstanceId)
    .map((e) => {
      const v = view(ctx, e);
      return {
        Attachment: { AttachTime: v.Attachment!.AttachTime, AttachmentId: v.Attachment!.AttachmentId, DeleteOnTermination: v.Attachment!.DeleteOnTermination, DeviceIndex: v.Attachment!.DeviceIndex, Status: 'attached' as const, NetworkCardIndex: 0 },
        Description: v.Description,
        Groups: v.Groups,
        Ipv6Addresses: [],
        MacAddress: v.MacAddress,
        NetworkInterfaceId: v.NetworkInterfaceId,
        OwnerId: v.OwnerId,
        PrivateDnsName: v.PrivateDnsName,
        PrivateIpAddress: v.PrivateIpAddress,
        PrivateIpAddresses: v.PrivateIpAddresses,
        SourceDestCheck: v.SourceDestCheck,
        Status: 'in-use' as const,
        SubnetId: v.SubnetId,
        VpcId: v.VpcId,
        InterfaceType: 'interface',
      };
    }),
);
registerPrimarySecondaries((ctx, r) => eniTable(ctx).get(regional(ctx), r.NetworkInterfaceId)?.Secondary ?? []);

// a terminated instance: interfaces attached with DeleteOnTermination go, the others are detached; the
// primary interface's secondary addresses are released
registerStateListener((ctx, id, state) => {
  if (state !== 'terminated') return;
  const r = instanceTable(ctx).get(regional(ctx), id);
  for (const e of eniTable(ctx).list(regional(ctx))) {
    if (e.PrimaryOf === id) {
      if (r) for (const ip of e.Secondary) releasePrivateIp(ctx, e.SubnetId, ip);
      eniTable(ctx).delete(regional(ctx), e.NetworkInterfaceId);
    } else if (e.Attachment?.InstanceId === id) {
      if (e.Attachment.DeleteOnTermination) {
        for (const ip of [e.PrivateIpAddress, ...e.Secondary]) releasePrivateIp(ctx, e.SubnetId, ip);
        eniTable(ctx).delete(regional(ctx), e.NetworkInterfaceId);
      } else {
        delete e.Attachment;
        eniTable(ctx).put(regional(ctx), e.NetworkInterfaceId, e);
      }
    }
  }
});

export const networkInterfaceHandlers: Handlers<Ec2Operations> = {
  CreateNetworkInterface(ctx, input) {
    checkId('subnet', input.SubnetId);
    const subnet = resolveSubnet(ctx, input.SubnetId);
    const groups = resolveSecurityGroups(ctx, subnet.VpcId, input.Groups);
    const tags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'network-interface'), 'network-interface');
    dryRun(input);
    const id = ec2Id('eni');
    const listed = input.PrivateIpAddresses ?? [];
    const primary = input.PrivateIpAddress ?? listed.find((p) => p.Primary)?.PrivateIpAddress;
    const secondaries = listed.filter((p) => !p.Primary && p.PrivateIpAddress && p.PrivateIpAddress !== primary).map((p) => p.PrivateIpAddress);
    const more: undefined[] = Array.from({ length: input.SecondaryPrivateIpAddressCount ?? 0 });
    const ordered = allocate(ctx, subnet.SubnetId, id, [primary, ...secondaries, ...more]);
    const e: EniRecord = {
      NetworkInterfaceId: id,
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      AvailabilityZone: subnet.AvailabilityZone,
      AvailabilityZoneId: subnet.AvailabilityZoneId,
      Description: input.Description ?? '',
      PrivateIpAddress: ordered[0]!,
      Secondary: ordered.slice(1),
      Groups: groups,
      SourceDestCheck: true,
      MacAddress: mac(),
      Tags: tags,
    };
    save(ctx, e);
    return { NetworkInterface: view(ctx, e), ClientToken: input.ClientToken };
  },

  DescribeNetworkInterfaces(ctx, input) {
    let list = all(ctx);
    if (input.NetworkInterfaceIds?.length) list = input.NetworkInterfaceIds.map((id) => find(ctx, id));
    const views = applyFilters(list.map((e) => Object.assign(view(ctx, e), { _tags: e.Tags })), input.Filters, {
      'network-interface-id': (v) => v.NetworkInterfaceId,
      'subnet-id': (v) => v.SubnetId,
      'vpc-id': (v) => v.VpcId,
      'availability-zone': (v) => v.AvailabilityZone,
      status: (v) => v.Status,
      description: (v) => v.Description,
      'mac-address': (v) => v.MacAddress,
      'owner-id': (v) => v.OwnerId,
      'interface-type': (v) => v.InterfaceType,
      'private-ip-address': (v) => v.PrivateIpAddresses?.map((p) => p.PrivateIpAddress ?? ''),
      'addresses.private-ip-address': (v) => v.PrivateIpAddresses?.map((p) => p.PrivateIpAddress ?? ''),
      'private-dns-name': (v) => v.PrivateDnsName,
      'source-dest-check': (v) => v.SourceDestCheck,
      'group-id': (v) => v.Groups?.map((g) => g.GroupId ?? ''),
      'group-name': (v) => v.Groups?.map((g) => g.GroupName ?? ''),
      'attachment.instance-id': (v) => v.Attachment?.InstanceId,
      'attachment.attachment-id': (v) => v.Attachment?.AttachmentId,
      'attachment.device-index': (v) => v.Attachment?.DeviceIndex,
      'attachment.status': (v) => v.Attachment?.Status,
      'attachment.delete-on-termination': (v) => v.Attachment?.DeleteOnTermination,
      'requester-managed': (v) => v.RequesterManaged,
    }, { tags: (v) => v._tags });
    const page = pageOf(views, input, (v) => v.NetworkInterfaceId!);
    return { NetworkInterfaces: page.items.map(({ _tags, ...v }) => v), NextToken: page.NextToken };
  },

  DeleteNetworkInterface(ctx, input) {
    const e = find(ctx, input.NetworkInterfaceId);
    if (e.Attachment) throw new AwsError('InvalidNetworkInterface.InUse', `The interface ${e.NetworkInterfaceId} is currently in use.`);
    dryRun(input);
    for (const ip of [e.PrivateIpAddress, ...e.Secondary]) releasePrivateIp(ctx, e.SubnetId, ip);
    eniTable(ctx).delete(regional(ctx), e.NetworkInterfaceId);
  },

  AttachNetworkInterface(ctx, input) {
    const e = find(ctx, input.NetworkInterfaceId);
    checkId('i', input.InstanceId);
    const r = getRecord(ctx, input.InstanceId);
    if (!r || r.State === 'terminated') throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${input.InstanceId}' does not exist`);
    if (e.Attachment) throw new AwsError('InvalidNetworkInterface.InUse', `Interface: [${e.NetworkInterfaceId}] in use.`);
    if (r.State !== 'running' && r.State !== 'stopped') {
      throw new AwsError('IncorrectInstanceState', `The instance '${r.InstanceId}' is not in a state from which it can be attached to a network interface.`);
    }
    if (r.AvailabilityZone !== e.AvailabilityZone) {
      throw new AwsError('InvalidParameterCombination', `You may not attach a network interface to an instance if they are not in the same availability zone`);
    }
    if (r.VpcId !== e.VpcId) throw new AwsError('InvalidParameterCombination', `The network interface and the instance belong to different networks.`);
    const taken = input.DeviceIndex === 0 || all(ctx).some((x) => x.Attachment?.InstanceId === r.InstanceId && x.Attachment.DeviceIndex === input.DeviceIndex);
    if (taken) throw new AwsError('InvalidParameterValue', `Instance '${r.InstanceId}' already has an interface attached at device index '${input.DeviceIndex}'.`);
    dryRun(input);
    r.HasInterfaces = true;
    putRecord(ctx, r);
    e.Attachment = { AttachmentId: ec2Id('eni-attach'), InstanceId: r.InstanceId, DeviceIndex: input.DeviceIndex, AttachTime: ctx.clock.date().toISOString(), DeleteOnTermination: false };
    save(ctx, e);
    return { AttachmentId: e.Attachment.AttachmentId, NetworkCardIndex: 0 };
  },

  DetachNetworkInterface(ctx, input) {
    if (!/^eni-attach-[0-9a-f]{8,17}$/.test(input.AttachmentId)) throw new AwsError('InvalidNetworkInterfaceAttachmentId.Malformed', `Invalid id: "${input.AttachmentId}" (expecting "eni-attach-...")`);
    const e = all(ctx).find((x) => x.Attachment?.AttachmentId === input.AttachmentId);
    if (!e) throw new AwsError('InvalidAttachmentID.NotFound', `The interface attachment ID '${input.AttachmentId}' does not exist`);
    if (e.PrimaryOf) throw new AwsError('OperationNotPermitted', 'The network interface at device index 0 and networkCard index 0 cannot be detached.');
    dryRun(input);
    delete e.Attachment;
    save(ctx, e);
  },

  ModifyNetworkInterfaceAttribute(ctx, input) {
    const e = find(ctx, input.NetworkInterfaceId);
    dryRun(input);
    if (input.Groups) e.Groups = resolveSecurityGroups(ctx, e.VpcId, input.Groups);
    if (input.SourceDestCheck?.Value !== undefined) e.SourceDestCheck = input.SourceDestCheck.Value;
    if (input.Description?.Value !== undefined) e.Description = input.Description.Value;
    if (input.Attachment) {
      if (!e.Attachment || e.Attachment.AttachmentId !== input.Attachment.AttachmentId) {
        throw new AwsError('InvalidAttachmentID.NotFound', `The interface attachment ID '${input.Attachment.AttachmentId}' does not exist`);
      }
      if (input.Attachment.DeleteOnTermination !== undefined) e.Attachment.DeleteOnTermination = input.Attachment.DeleteOnTermination;
    }
    save(ctx, e);
  },

  AssignPrivateIpAddresses(ctx, input) {
    const e = find(ctx, input.NetworkInterfaceId);
    if (!input.PrivateIpAddresses?.length && !input.SecondaryPrivateIpAddressCount) {
      throw new AwsError('MissingParameter', 'Either the parameter privateIpAddresses or secondaryPrivateIpAddressCount must be specified');
    }
    const more: undefined[] = Array.from({ length: input.SecondaryPrivateIpAddressCount ?? 0 });
    const ips = allocate(ctx, e.SubnetId, e.NetworkInterfaceId, [...(input.PrivateIpAddresses ?? []), ...more]);
    e.Secondary.push(...ips);
    save(ctx, e);
    return { NetworkInterfaceId: e.NetworkInterfaceId, AssignedPrivateIpAddresses: ips.map((PrivateIpAddress) => ({ PrivateIpAddress })) };
  },

  UnassignPrivateIpAddresses(ctx, input) {
    const e = find(ctx, input.NetworkInterfaceId);
    for (const ip of input.PrivateIpAddresses ?? []) {
      if (!e.Secondary.includes(ip)) {
        throw new AwsError('InvalidParameterValue', `Some of the specified addresses are not assigned to interface ${e.NetworkInterfaceId}`);
      }
    }
    for (const ip of input.PrivateIpAddresses ?? []) releasePrivateIp(ctx, e.SubnetId, ip);
    e.Secondary = e.Secondary.filter((ip) => !input.PrivateIpAddresses?.includes(ip));
    save(ctx, e);
  },
};
