// VPCs: Create/Describe/Delete Vpc, CreateDefaultVpc, attributes, and their tags.
import type { Ec2Operations, Vpc } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { formatCidr, parseCidr } from './cidr.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf, pickByIds } from './filters.js';
import { checkId, dependency, vpcNotFound } from './net-errors.js';
import { scope, tables, type Ec2Ctx, type VpcRecord } from './net-store.js';
import { createDefaultVpc, ensureDefaultVpc, getVpc, newVpc } from './network.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

export function vpcView(ctx: Ec2Ctx, v: VpcRecord): Vpc {
  return {
    VpcId: v.VpcId,
    OwnerId: ctx.account,
    State: 'available',
    CidrBlock: v.CidrBlock,
    CidrBlockAssociationSet: [{ AssociationId: v.CidrAssociationId, CidrBlock: v.CidrBlock, CidrBlockState: { State: 'associated' } }],
    DhcpOptionsId: v.DhcpOptionsId,
    InstanceTenancy: v.InstanceTenancy,
    IsDefault: v.IsDefault,
    Tags: tagList(v.Tags),
  };
}

/** A VPC CIDR: a valid IPv4 block between /16 and /28. */
export function checkVpcCidr(cidr: string | undefined): string {
  if (!cidr) throw new AwsError('MissingParameter', 'Either CidrBlock or Ipv4IpamPoolId must be specified.');
  const c = parseCidr(cidr);
  if (!c) throw new AwsError('InvalidParameterValue', `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  if (c.prefix < 16 || c.prefix > 28) throw new AwsError('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`);
  return formatCidr(c);
}

registerTaggable('vpc', {
  resourceType: 'vpc',
  get: (ctx, id) => (ensureDefaultVpc(ctx), tables(ctx).vpcs.get(scope(ctx), id)?.Tags),
  set: (ctx, id, tags) => {
    const t = tables(ctx).vpcs;
    const v = t.get(scope(ctx), id);
    if (v) t.put(scope(ctx), id, { ...v, Tags: tags });
  },
  list: (ctx) => (ensureDefaultVpc(ctx), tables(ctx).vpcs.list(scope(ctx)).map((v) => ({ id: v.VpcId, tags: v.Tags }))),
  notFound: vpcNotFound,
});

export const vpcHandlers: Handlers<Ec2Operations> = {
  CreateVpc(ctx, input) {
    const cidr = checkVpcCidr(input.CidrBlock);
    const tags = tagsFromSpecs(input.TagSpecifications, 'vpc');
    dryRun(input);
    ensureDefaultVpc(ctx);
    const v = newVpc(ctx, cidr, { tenancy: input.InstanceTenancy, tags });
    return { Vpc: { ...vpcView(ctx, v), State: 'pending' } };
  },

  CreateDefaultVpc(ctx, input) {
    dryRun(input);
    ensureDefaultVpc(ctx);
    const t = tables(ctx);
    if (t.vpcs.list(scope(ctx)).some((v) => v.IsDefault)) {
      throw new AwsError('DefaultVpcAlreadyExists', 'A Default VPC already exists for this account in this region.');
    }
    return { Vpc: { ...vpcView(ctx, createDefaultVpc(ctx)), State: 'pending' } };
  },

  DescribeVpcs(ctx, input) {
    ensureDefaultVpc(ctx);
    for (const id of input.VpcIds ?? []) checkId('vpc', id);
    const all = tables(ctx).vpcs.list(scope(ctx));
    const picked = pickByIds(all, input.VpcIds, (v) => v.VpcId, vpcNotFound);
    const filtered = applyFilters(picked, input.Filters, {
      'vpc-id': (v) => v.VpcId,
      'cidr': (v) => v.CidrBlock,
      'cidr-block-association.cidr-block': (v) => v.CidrBlock,
      'cidr-block-association.association-id': (v) => v.CidrAssociationId,
      'cidr-block-association.state': () => 'associated',
      'dhcp-options-id': (v) => v.DhcpOptionsId,
      'is-default': (v) => v.IsDefault,
      'owner-id': () => ctx.account,
      'state': () => 'available',
    });
    const page = pageOf(filtered, input, (v) => v.VpcId);
    return { Vpcs: page.items.map((v) => vpcView(ctx, v)), NextToken: page.NextToken };
  },

  DeleteVpc(ctx, input) {
    checkId('vpc', input.VpcId);
    const v = getVpc(ctx, input.VpcId);
    const t = tables(ctx);
    const sc = scope(ctx);
    const busy =
      t.subnets.list(sc).some((s) => s.VpcId === v.VpcId) ||
      t.igws.list(sc).some((g) => g.Attachments.some((a) => a.VpcId === v.VpcId)) ||
      t.groups.list(sc).some((g) => g.VpcId === v.VpcId && g.GroupName !== 'default') ||
      t.routeTables.list(sc).some((r) => r.VpcId === v.VpcId && !r.Associations.some((a) => a.Main));
    if (busy) throw dependency(`The vpc '${v.VpcId}' has dependencies and cannot be deleted.`);
    dryRun(input);
    for (const g of t.groups.list(sc)) if (g.VpcId === v.VpcId) t.groups.delete(sc, g.GroupId);
    for (const r of t.routeTables.list(sc)) if (r.VpcId === v.VpcId) t.routeTables.delete(sc, r.RouteTableId);
    t.vpcs.delete(sc, v.VpcId);
  },

  DescribeVpcAttribute(ctx, input) {
    checkId('vpc', input.VpcId);
    const v = getVpc(ctx, input.VpcId);
    const out: Record<string, unknown> = { VpcId: v.VpcId };
    if (input.Attribute === 'enableDnsSupport') out.EnableDnsSupport = { Value: v.EnableDnsSupport };
    else if (input.Attribute === 'enableDnsHostnames') out.EnableDnsHostnames = { Value: v.EnableDnsHostnames };
    else if (input.Attribute === 'enableNetworkAddressUsageMetrics') out.EnableNetworkAddressUsageMetrics = { Value: false };
    return out;
  },

  ModifyVpcAttribute(ctx, input) {
    checkId('vpc', input.VpcId);
    const v = getVpc(ctx, input.VpcId);
    if (input.EnableDnsSupport?.Value !== undefined) v.EnableDnsSupport = input.EnableDnsSupport.Value;
    if (input.EnableDnsHostnames?.Value !== undefined) v.EnableDnsHostnames = input.EnableDnsHostnames.Value;
    tables(ctx).vpcs.put(scope(ctx), v.VpcId, v);
  },
};

