// The networking module other EC2 code calls: default VPC, subnets, security groups, addresses, key pairs.
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import { containsIp, formatCidr, intToIp, ipToInt, parseCidr } from './cidr.js';
import { groupNameNotFound, groupNotFound, subnetNotFound, vpcNotFound } from './net-errors.js';
import {
  scope,
  tables,
  type Ec2Ctx,
  type GroupRecord,
  type RuleRecord,
  type SubnetRecord,
  type VpcRecord,
} from './net-store.js';
import { availabilityZones } from './regions.js';

export type { Ec2Ctx } from './net-store.js';
export { availabilityZones } from './regions.js';

export type SubnetInfo = Pick<SubnetRecord, 'SubnetId' | 'VpcId' | 'AvailabilityZone' | 'AvailabilityZoneId' | 'CidrBlock' | 'MapPublicIpOnLaunch' | 'DefaultForAz'>;

export const ruleId = () => ec2Id('sgr');

/** The rule every new group gets: all traffic out to anywhere. */
export function defaultEgress(): RuleRecord {
  return { SecurityGroupRuleId: ruleId(), IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' };
}

/** Creates a VPC with its default security group and main route table (no checks). */
export function newVpc(ctx: Ec2Ctx, cidr: string, opts: { isDefault?: boolean; tenancy?: VpcRecord['InstanceTenancy']; tags?: TagMap } = {}): VpcRecord {
  const t = tables(ctx);
  const sc = scope(ctx);
  const vpc: VpcRecord = {
    VpcId: ec2Id('vpc'),
    CidrBlock: cidr,
    CidrAssociationId: ec2Id('vpc-cidr-assoc'),
    IsDefault: opts.isDefault ?? false,
    InstanceTenancy: opts.tenancy ?? 'default',
    DhcpOptionsId: `dopt-${ctx.account.slice(-8).padStart(8, '0')}`,
    EnableDnsSupport: true,
    EnableDnsHostnames: opts.isDefault ?? false,
    Tags: opts.tags ?? {},
  };
  t.vpcs.put(sc, vpc.VpcId, vpc);
  const sg = newGroup(ctx, vpc.VpcId, 'default', opts.isDefault ? 'default VPC security group' : 'default VPC security group');
  sg.Ingress.push({ SecurityGroupRuleId: ruleId(), IpProtocol: '-1', ReferencedGroupId: sg.GroupId });
  t.groups.put(sc, sg.GroupId, sg);
  const rtbId = ec2Id('rtb');
  t.routeTables.put(sc, rtbId, {
    RouteTableId: rtbId,
    VpcId: vpc.VpcId,
    Routes: [{ DestinationCidrBlock: cidr, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }],
    Associations: [{ RouteTableAssociationId: ec2Id('rtbassoc'), Main: true }],
    Tags: {},
  });
  return vpc;
}

export function newGroup(ctx: Ec2Ctx, vpcId: string, name: string, description: string, tags: TagMap = {}): GroupRecord {
  const g: GroupRecord = { GroupId: ec2Id('sg'), GroupName: name, Description: description, VpcId: vpcId, Ingress: [], Egress: [defaultEgress()], Tags: tags };
  tables(ctx).groups.put(scope(ctx), g.GroupId, g);
  return g;
}

export function newSubnet(
  ctx: Ec2Ctx,
  vpcId: string,
  cidr: string,
  zone: { ZoneName: string; ZoneId: string },
  opts: { defaultForAz?: boolean; tags?: TagMap } = {},
): SubnetRecord {
  const s: SubnetRecord = {
    SubnetId: ec2Id('subnet'),
    VpcId: vpcId,
    AvailabilityZone: zone.ZoneName,
    AvailabilityZoneId: zone.ZoneId,
    CidrBlock: cidr,
    MapPublicIpOnLaunch: opts.defaultForAz ?? false,
    DefaultForAz: opts.defaultForAz ?? false,
    Cursor: 4,
    Used: 0,
    Tags: opts.tags ?? {},
  };
  tables(ctx).subnets.put(scope(ctx), s.SubnetId, s);
  return s;
}

/** Creates the default VPC with its subnets and internet gateway (no checks). */
export function createDefaultVpc(ctx: Ec2Ctx): VpcRecord {
  const t = tables(ctx);
  const sc = scope(ctx);
  const vpc = newVpc(ctx, '172.31.0.0/16', { isDefault: true });
  availabilityZones(ctx.region).forEach((z, i) => newSubnet(ctx, vpc.VpcId, `172.31.${i * 16}.0/20`, z, { defaultForAz: true }));
  const igwId = ec2Id('igw');
  t.igws.put(sc, igwId, { InternetGatewayId: igwId, Attachments: [{ VpcId: vpc.VpcId, State: 'attached' }], Tags: {} });
  const main = t.routeTables.list(sc).find((r) => r.VpcId === vpc.VpcId)!;
  main.Routes.push({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId, Origin: 'CreateRoute', State: 'active' });
  t.routeTables.put(sc, main.RouteTableId, main);
  return vpc;
}

/** Idempotent: the default VPC appears on first use of EC2 in an account and region. */
export function ensureDefaultVpc(ctx: Ec2Ctx): void {
  const t = tables(ctx);
  const sc = scope(ctx);
  if (t.meta.get(sc, 'default')?.defaultVpcCreated) return;
  ctx.store.transaction(() => {
    if (t.meta.get(sc, 'default')?.defaultVpcCreated) return;
    createDefaultVpc(ctx);
    t.meta.put(sc, 'default', { defaultVpcCreated: true });
  });
}

export function defaultVpc(ctx: Ec2Ctx): VpcRecord | undefined {
  ensureDefaultVpc(ctx);
  return tables(ctx).vpcs.list(scope(ctx)).find((v) => v.IsDefault);
}

export function getVpc(ctx: Ec2Ctx, vpcId: string): VpcRecord {
  ensureDefaultVpc(ctx);
  const v = tables(ctx).vpcs.get(scope(ctx), vpcId);
  if (!v) throw vpcNotFound(vpcId);
  return v;
}

function info(s: SubnetRecord): SubnetInfo {
  const { SubnetId, VpcId, AvailabilityZone, AvailabilityZoneId, CidrBlock, MapPublicIpOnLaunch, DefaultForAz } = s;
  return { SubnetId, VpcId, AvailabilityZone, AvailabilityZoneId, CidrBlock, MapPublicIpOnLaunch, DefaultForAz };
}

/** A subnet by id, or the default subnet of the zone (or of the first zone). */
export function resolveSubnet(ctx: Ec2Ctx, subnetId?: string, availabilityZone?: string): SubnetInfo {
  ensureDefaultVpc(ctx);
  const t = tables(ctx);
  const sc = scope(ctx);
  if (subnetId) {
    const s = t.subnets.get(sc, subnetId);
    if (!s) throw subnetNotFound(subnetId);
    if (availabilityZone && s.AvailabilityZone !== availabilityZone) {
      throw new AwsError('InvalidParameterValue', `Value (${availabilityZone}) for parameter availabilityZone is invalid. Subnet '${subnetId}' is in the availability zone ${s.AvailabilityZone}`);
    }
    return info(s);
  }
  const zones = availabilityZones(ctx.region);
  if (availabilityZone && !zones.some((z) => z.ZoneName === availabilityZone)) {
    throw new AwsError('InvalidParameterValue', `Invalid availability zone: [${availabilityZone}]`);
  }
  const defaults = t.subnets.list(sc).filter((s) => s.DefaultForAz);
  const zone = availabilityZone ?? zones.find((z) => defaults.some((s) => s.AvailabilityZone === z.ZoneName))?.ZoneName;
  const s = defaults.find((d) => d.AvailabilityZone === zone);
  if (!s) throw new AwsError('MissingInput', 'No subnets found for the default VPC. Please specify a subnet.');
  return info(s);
}

/** The groups named by id or name (in `vpcId`); none named → the VPC's default group. */
export function resolveSecurityGroups(ctx: Ec2Ctx, vpcId: string, ids?: string[], names?: string[]): { GroupId: string; GroupName: string }[] {
  ensureDefaultVpc(ctx);
  const t = tables(ctx);
  const sc = scope(ctx);
  const out: { GroupId: string; GroupName: string }[] = [];
  const add = (g: GroupRecord) => {
    if (!out.some((o) => o.GroupId === g.GroupId)) out.push({ GroupId: g.GroupId, GroupName: g.GroupName });
  };
  const inVpc = () => t.groups.list(sc).filter((g) => g.VpcId === vpcId);
  for (const id of ids ?? []) {
    const g = t.groups.get(sc, id);
    if (!g) throw groupNotFound(id);
    if (g.VpcId !== vpcId) {
      throw new AwsError('InvalidParameter', `Security group ${id} and subnet belong to different networks.`);
    }
    add(g);
  }
  if (names?.length) {
    const groups = inVpc();
    const vpc = t.vpcs.get(sc, vpcId);
    for (const name of names) {
      const g = groups.find((x) => x.GroupName === name);
      if (!g) throw groupNameNotFound(name, vpcId, vpc?.IsDefault ?? false);
      add(g);
    }
  }
  if (out.length === 0) {
    const g = inVpc().find((x) => x.GroupName === 'default');
    if (!g) throw vpcNotFound(vpcId);
    add(g);
  }
  return out;
}

/** The next free private address of the subnet, or the requested one if it is inside and free. */
export function allocatePrivateIp(ctx: Ec2Ctx, subnetId: string, requested?: string, owner?: string): string {
  const t = tables(ctx);
  const sc = scope(ctx);
  const s = t.subnets.get(sc, subnetId);
  if (!s) throw subnetNotFound(subnetId);
  const c = parseCidr(s.CidrBlock)!;
  const key = (ip: string) => `${subnetId}|${ip}`;
  if (requested !== undefined) {
    const n = ipToInt(requested);
    if (n === undefined || !containsIp(c, n) || n - c.base < 4 || n === c.base + c.size - 1) {
      throw new AwsError('InvalidParameterValue', `Address ${requested} does not fall within the subnet's address range`);
    }
    if (t.privateIps.has(sc, key(requested))) throw new AwsError('InvalidIPAddress.InUse', `Address ${requested} is in use.`);
    t.privateIps.put(sc, key(requested), { owner });
    s.Used++;
    t.subnets.put(sc, subnetId, s);
    return requested;
  }
  const usable = c.size - 5;
  if (s.Used >= usable) {
    throw new AwsError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`);
  }
  let offset = s.Cursor;
  for (let tries = 0; tries < usable; tries++) {
    if (offset < 4 || offset >= c.size - 1) offset = 4;
    const ip = intToIp(c.base + offset);
    offset++;
    if (!t.privateIps.has(sc, key(ip))) {
      t.privateIps.put(sc, key(ip), { owner });
      s.Cursor = offset;
      s.Used++;
      t.subnets.put(sc, subnetId, s);
      return ip;
    }
  }
  throw new AwsError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`);
}

export function releasePrivateIp(ctx: Ec2Ctx, subnetId: string, ip: string): void {
  const t = tables(ctx);
  const sc = scope(ctx);
  if (!t.privateIps.delete(sc, `${subnetId}|${ip}`)) return;
  const s = t.subnets.get(sc, subnetId);
  if (s) {
    s.Used = Math.max(0, s.Used - 1);
    t.subnets.put(sc, subnetId, s);
  }
}

/** Number of addresses left in the subnet (AvailableIpAddressCount). */
export function freeAddresses(s: SubnetRecord): number {
  const c = parseCidr(s.CidrBlock)!;
  return Math.max(0, c.size - 5 - s.Used);
}

const PUBLIC_POOLS = ['3.80.0.0/12', '54.160.0.0/11', '18.204.0.0/14', '44.192.0.0/11'].map((p) => parseCidr(p)!);

/** A public-looking address, unique within the account and region. */
export function allocatePublicIp(ctx: Ec2Ctx): string {
  const t = tables(ctx);
  const sc = scope(ctx);
  for (;;) {
    const pool = PUBLIC_POOLS[Math.floor(Math.random() * PUBLIC_POOLS.length)]!;
    const n = pool.base + 1 + Math.floor(Math.random() * (pool.size - 2));
    if ((n & 255) === 0 || (n & 255) === 255) continue;
    const ip = intToIp(n);
    if (t.publicIps.has(sc, ip)) continue;
    t.publicIps.put(sc, ip, { ip });
    return ip;
  }
}

export function releasePublicIp(ctx: Ec2Ctx, ip: string): void {
  tables(ctx).publicIps.delete(scope(ctx), ip);
}

export function keyPairByName(ctx: Ec2Ctx, name: string): { KeyName: string; KeyPairId: string; KeyFingerprint: string; PublicKey: string } | undefined {
  const k = tables(ctx).keys.get(scope(ctx), name);
  return k && { KeyName: k.KeyName, KeyPairId: k.KeyPairId, KeyFingerprint: k.KeyFingerprint, PublicKey: k.PublicKey };
}

export function elasticIpOf(ctx: Ec2Ctx, instanceId: string): { PublicIp: string; AllocationId: string; AssociationId: string } | undefined {
  const a = tables(ctx).addresses.list(scope(ctx)).find((x) => x.InstanceId === instanceId);
  return a && { PublicIp: a.PublicIp, AllocationId: a.AllocationId, AssociationId: a.AssociationId! };
}

/** A terminated instance's Elastic IPs are disassociated; their allocations stay. */
export function onInstanceTerminated(ctx: Ec2Ctx, instanceId: string): void {
  const t = tables(ctx);
  const sc = scope(ctx);
  for (const a of t.addresses.list(sc)) {
    if (a.InstanceId !== instanceId) continue;
    delete a.InstanceId;
    delete a.AssociationId;
    delete a.NetworkInterfaceId;
    delete a.PrivateIpAddress;
    t.addresses.put(sc, a.AllocationId, a);
  }
}

export { formatCidr };

/** Hooks other EC2 code registers so networking can refuse deleting what is in use (instances, interfaces). */
export interface NetworkUsage {
  /** is the security group attached to an instance or interface? */
  groupInUse?(ctx: Ec2Ctx, groupId: string): boolean;
}
const usages: NetworkUsage[] = [];
export function registerNetworkUsage(u: NetworkUsage): void {
  usages.push(u);
}
export function groupInUse(ctx: Ec2Ctx, groupId: string): boolean {
  return usages.some((u) => u.groupInUse?.(ctx, groupId) ?? false);
}
