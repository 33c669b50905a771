// Subnets: Create/Describe/Delete Subnet, ModifySubnetAttribute, and their tags.
import type { Ec2Operations, Subnet } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { contains, formatCidr, overlaps, parseCidr } from './cidr.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf, pickByIds } from './filters.js';
import { checkId, dependency, subnetNotFound } from './net-errors.js';
import { scope, tables, type Ec2Ctx, type SubnetRecord } from './net-store.js';
import { ensureDefaultVpc, freeAddresses, getVpc, newSubnet } from './network.js';
import { availabilityZones } from './regions.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

export function subnetView(ctx: Ec2Ctx, s: SubnetRecord): Subnet {
  return {
    SubnetId: s.SubnetId,
    SubnetArn: arn({ service: 'ec2', region: ctx.region, account: ctx.account, resource: `subnet/${s.SubnetId}` }),
    VpcId: s.VpcId,
    State: 'available',
    CidrBlock: s.CidrBlock,
    AvailableIpAddressCount: freeAddresses(s),
    AvailabilityZone: s.AvailabilityZone,
    AvailabilityZoneId: s.AvailabilityZoneId,
    DefaultForAz: s.DefaultForAz,
    MapPublicIpOnLaunch: s.MapPublicIpOnLaunch,
    MapCustomerOwnedIpOnLaunch: false,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    EnableDns64: false,
    Ipv6Native: false,
    OwnerId: ctx.account,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    Tags: tagList(s.Tags),
  };
}

export function getSubnet(ctx: Ec2Ctx, id: string): SubnetRecord {
  checkId('subnet', id);
  ensureDefaultVpc(ctx);
  const s = tables(ctx).subnets.get(scope(ctx), id);
  if (!s) throw subnetNotFound(id);
  return s;
}

registerTaggable('subnet', {
  resourceType: 'subnet',
  get: (ctx, id) => (ensureDefaultVpc(ctx), tables(ctx).subnets.get(scope(ctx), id)?.Tags),
  set: (ctx, id, tags) => {
    const t = tables(ctx).subnets;
    const s = t.get(scope(ctx), id);
    if (s) t.put(scope(ctx), id, { ...s, Tags: tags });
  },
  list: (ctx) => (ensureDefaultVpc(ctx), tables(ctx).subnets.list(scope(ctx)).map((s) => ({ id: s.SubnetId, tags: s.Tags }))),
  notFound: subnetNotFound,
});

export const subnetHandlers: Handlers<Ec2Operations> = {
  CreateSubnet(ctx, input) {
    checkId('vpc', input.VpcId);
    const vpc = getVpc(ctx, input.VpcId);
    if (!input.CidrBlock) throw new AwsError('MissingParameter', 'Either CidrBlock or Ipv4IpamPoolId must be specified.');
    const c = parseCidr(input.CidrBlock);
    if (!c) throw new AwsError('InvalidParameterValue', `Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
    const cidr = formatCidr(c);
    if (c.prefix < 16 || c.prefix > 28 || !contains(parseCidr(vpc.CidrBlock)!, c)) {
      throw new AwsError('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
    }
    const zones = availabilityZones(ctx.region);
    let zone = zones[Math.floor(Math.random() * zones.length)]!;
    if (input.AvailabilityZone || input.AvailabilityZoneId) {
      const z = zones.find((x) => x.ZoneName === input.AvailabilityZone || x.ZoneId === input.AvailabilityZoneId);
      if (!z) {
        const v = input.AvailabilityZone ?? input.AvailabilityZoneId;
        throw new AwsError('InvalidParameterValue', `Value (${v}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((x) => x.ZoneName).join(', ')}.`);
      }
      zone = z;
    }
    const sc = scope(ctx);
    const t = tables(ctx);
    if (t.subnets.list(sc).some((s) => s.VpcId === vpc.VpcId && overlaps(parseCidr(s.CidrBlock)!, c))) {
      throw new AwsError('InvalidSubnet.Conflict', `The CIDR '${input.CidrBlock}' conflicts with another subnet`);
    }
    const tags = tagsFromSpecs(input.TagSpecifications, 'subnet');
    dryRun(input);
    const s = newSubnet(ctx, vpc.VpcId, cidr, zone, { tags });
    return { Subnet: { ...subnetView(ctx, s), State: 'available' } };
  },

  DescribeSubnets(ctx, input) {
    ensureDefaultVpc(ctx);
    for (const id of input.SubnetIds ?? []) checkId('subnet', id);
    const all = tables(ctx).subnets.list(scope(ctx));
    const picked = pickByIds(all, input.SubnetIds, (s) => s.SubnetId, subnetNotFound);
    const filtered = applyFilters(picked, input.Filters, {
      'availability-zone': (s) => s.AvailabilityZone,
      'availabilityZone': (s) => s.AvailabilityZone,
      'availability-zone-id': (s) => s.AvailabilityZoneId,
      'available-ip-address-count': (s) => freeAddresses(s),
      'cidr-block': (s) => s.CidrBlock,
      'cidr': (s) => s.CidrBlock,
      'cidrBlock': (s) => s.CidrBlock,
      'default-for-az': (s) => s.DefaultForAz,
      'defaultForAz': (s) => s.DefaultForAz,
      'map-public-ip-on-launch': (s) => s.MapPublicIpOnLaunch,
      'owner-id': () => ctx.account,
      'state': () => 'available',
      'subnet-arn': (s) => subnetView(ctx, s).SubnetArn,
      'subnet-id': (s) => s.SubnetId,
      'vpc-id': (s) => s.VpcId,
    });
    const page = pageOf(filtered, input, (s) => s.SubnetId);
    return { Subnets: page.items.map((s) => subnetView(ctx, s)), NextToken: page.NextToken };
  },

  DeleteSubnet(ctx, input) {
    const s = getSubnet(ctx, input.SubnetId);
    if (s.Used > 0) throw dependency(`The subnet '${s.SubnetId}' has dependencies and cannot be deleted.`);
    dryRun(input);
    const t = tables(ctx);
    const sc = scope(ctx);
    for (const r of t.routeTables.list(sc)) {
      const kept = r.Associations.filter((a) => a.SubnetId !== s.SubnetId);
      if (kept.length !== r.Associations.length) t.routeTables.put(sc, r.RouteTableId, { ...r, Associations: kept });
    }
    t.subnets.delete(sc, s.SubnetId);
  },

  ModifySubnetAttribute(ctx, input) {
    const s = getSubnet(ctx, input.SubnetId);
    if (input.MapPublicIpOnLaunch?.Value !== undefined) s.MapPublicIpOnLaunch = input.MapPublicIpOnLaunch.Value;
    tables(ctx).subnets.put(scope(ctx), s.SubnetId, s);
  },
};
