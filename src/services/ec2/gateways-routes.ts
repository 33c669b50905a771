// Internet gateways and route tables: create/describe/delete, attach/detach, routes and associations, tags.
import type { Ec2Operations, InternetGateway, RouteTable } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { formatCidr, parseCidr } from './cidr.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf, pickByIds } from './filters.js';
import { associationNotFound, checkId, dependency, igwNotFound, routeTableNotFound } from './net-errors.js';
import { scope, tables, type Ec2Ctx, type IgwRecord, type RouteTableRecord } from './net-store.js';
import { ensureDefaultVpc, getVpc } from './network.js';
import { getSubnet } from './subnets.js';
import { registerTaggable, tagList, tagsFromSpecs, type Taggable } from './tagging.js';

function getIgw(ctx: Ec2Ctx, id: string): IgwRecord {
  checkId('igw', id);
  ensureDefaultVpc(ctx);
  const g = tables(ctx).igws.get(scope(ctx), id);
  if (!g) throw igwNotFound(id);
  return g;
}

function getRtb(ctx: Ec2Ctx, id: string): RouteTableRecord {
  checkId('rtb', id);
  ensureDefaultVpc(ctx);
  const r = tables(ctx).routeTables.get(scope(ctx), id);
  if (!r) throw routeTableNotFound(id);
  return r;
}

const igwView = (ctx: Ec2Ctx, g: IgwRecord): InternetGateway => ({
  InternetGatewayId: g.InternetGatewayId,
  OwnerId: ctx.account,
  Attachments: g.Attachments.map((a) => ({ VpcId: a.VpcId, State: 'available' as never })),
  Tags: tagList(g.Tags),
});

const rtbView = (ctx: Ec2Ctx, r: RouteTableRecord): RouteTable => ({
  RouteTableId: r.RouteTableId,
  VpcId: r.VpcId,
  OwnerId: ctx.account,
  Routes: r.Routes.map((x) => ({ ...x })),
  Associations: r.Associations.map((a) => ({ ...a, RouteTableId: r.RouteTableId, AssociationState: { State: 'associated' } })),
  PropagatingVgws: [],
  Tags: tagList(r.Tags),
});

function taggable<T extends { Tags: Record<string, string> }>(
  resourceType: string,
  table: (ctx: Ec2Ctx) => ReturnType<typeof tables>['igws'] | ReturnType<typeof tables>['routeTables'],
  idOf: (r: T) => string,
  notFound: (id: string) => AwsError,
): Taggable {
  const t = (ctx: Ec2Ctx) => table(ctx) as unknown as { get(s: unknown, id: string): T | undefined; put(s: unknown, id: string, r: T): T; list(s: unknown): T[] };
  return {
    resourceType,
    get: (ctx, id) => (ensureDefaultVpc(ctx), t(ctx).get(scope(ctx), id)?.Tags),
    set: (ctx, id, tags) => {
      const r = t(ctx).get(scope(ctx), id);
      if (r) t(ctx).put(scope(ctx), id, { ...r, Tags: tags });
    },
    list: (ctx) => (ensureDefaultVpc(ctx), t(ctx).list(scope(ctx)).map((r) => ({ id: idOf(r), tags: r.Tags }))),
    notFound,
  };
}
registerTaggable('igw', taggable<IgwRecord>('internet-gateway', (ctx) => tables(ctx).igws, (r) => r.InternetGatewayId, igwNotFound));
registerTaggable('rtb', taggable<RouteTableRecord>('route-table', (ctx) => tables(ctx).routeTables, (r) => r.RouteTableId, routeTableNotFound));

export const gatewayRouteHandlers: Handlers<Ec2Operations> = {
  CreateInternetGateway(ctx, input) {
    const tags = tagsFromSpecs(input.TagSpecifications, 'internet-gateway');
    dryRun(input);
    const g: IgwRecord = { InternetGatewayId: ec2Id('igw'), Attachments: [], Tags: tags };
    tables(ctx).igws.put(scope(ctx), g.InternetGatewayId, g);
    return { InternetGateway: igwView(ctx, g) };
  },

  DescribeInternetGateways(ctx, input) {
    ensureDefaultVpc(ctx);
    for (const id of input.InternetGatewayIds ?? []) checkId('igw', id);
    const picked = pickByIds(tables(ctx).igws.list(scope(ctx)), input.InternetGatewayIds, (g) => g.InternetGatewayId, igwNotFound);
    const filtered = applyFilters(picked, input.Filters, {
      'attachment.state': (g) => (g.Attachments.length ? 'available' : undefined),
      'attachment.vpc-id': (g) => g.Attachments.map((a) => a.VpcId),
      'internet-gateway-id': (g) => g.InternetGatewayId,
      'owner-id': () => ctx.account,
    });
    const page = pageOf(filtered, input, (g) => g.InternetGatewayId);
    return { InternetGateways: page.items.map((g) => igwView(ctx, g)), NextToken: page.NextToken };
  },

  DeleteInternetGateway(ctx, input) {
    const g = getIgw(ctx, input.InternetGatewayId);
    if (g.Attachments.length) throw dependency(`The internetGateway '${g.InternetGatewayId}' has dependencies and cannot be deleted.`);
    dryRun(input);
    tables(ctx).igws.delete(scope(ctx), g.InternetGatewayId);
  },

  AttachInternetGateway(ctx, input) {
    const g = getIgw(ctx, input.InternetGatewayId);
    checkId('vpc', input.VpcId);
    const vpc = getVpc(ctx, input.VpcId);
    if (g.Attachments.length) {
      throw new AwsError('Resource.AlreadyAssociated', `resource ${g.InternetGatewayId} is already attached to network ${g.Attachments[0]!.VpcId}`);
    }
    if (tables(ctx).igws.list(scope(ctx)).some((o) => o.Attachments.some((a) => a.VpcId === vpc.VpcId))) {
      throw new AwsError('Resource.AlreadyAssociated', `Network ${vpc.VpcId} already has an internet gateway attached`);
    }
    dryRun(input);
    g.Attachments = [{ VpcId: vpc.VpcId, State: 'attached' }];
    tables(ctx).igws.put(scope(ctx), g.InternetGatewayId, g);
  },

  DetachInternetGateway(ctx, input) {
    const g = getIgw(ctx, input.InternetGatewayId);
    if (!g.Attachments.some((a) => a.VpcId === input.VpcId)) {
      throw new AwsError('Gateway.NotAttached', `resource ${g.InternetGatewayId} is not attached to network ${input.VpcId}`);
    }
    dryRun(input);
    g.Attachments = [];
    tables(ctx).igws.put(scope(ctx), g.InternetGatewayId, g);
  },

  CreateRouteTable(ctx, input) {
    checkId('vpc', input.VpcId);
    const vpc = getVpc(ctx, input.VpcId);
    const tags = tagsFromSpecs(input.TagSpecifications, 'route-table');
    dryRun(input);
    const r: RouteTableRecord = {
      RouteTableId: ec2Id('rtb'),
      VpcId: vpc.VpcId,
      Routes: [{ DestinationCidrBlock: vpc.CidrBlock, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }],
      Associations: [],
      Tags: tags,
    };
    tables(ctx).routeTables.put(scope(ctx), r.RouteTableId, r);
    return { RouteTable: rtbView(ctx, r) };
  },

  DescribeRouteTables(ctx, input) {
    ensureDefaultVpc(ctx);
    for (const id of input.RouteTableIds ?? []) checkId('rtb', id);
    const picked = pickByIds(tables(ctx).routeTables.list(scope(ctx)), input.RouteTableIds, (r) => r.RouteTableId, routeTableNotFound);
    const filtered = applyFilters(picked, input.Filters, {
      'association.main': (r) => r.Associations.some((a) => a.Main),
      'association.subnet-id': (r) => r.Associations.map((a) => a.SubnetId),
      'association.route-table-association-id': (r) => r.Associations.map((a) => a.RouteTableAssociationId),
      'association.route-table-id': (r) => (r.Associations.length ? r.RouteTableId : undefined),
      'owner-id': () => ctx.account,
      'route-table-id': (r) => r.RouteTableId,
      'route.destination-cidr-block': (r) => r.Routes.map((x) => x.DestinationCidrBlock),
      'route.gateway-id': (r) => r.Routes.map((x) => x.GatewayId),
      'route.instance-id': (r) => r.Routes.map((x) => x.InstanceId),
      'route.origin': (r) => r.Routes.map((x) => x.Origin),
      'route.state': (r) => r.Routes.map((x) => x.State),
      'vpc-id': (r) => r.VpcId,
    });
    const page = pageOf(filtered, input, (r) => r.RouteTableId);
    return { RouteTables: page.items.map((r) => rtbView(ctx, r)), NextToken: page.NextToken };
  },

  DeleteRouteTable(ctx, input) {
    const r = getRtb(ctx, input.RouteTableId);
    if (r.Associations.length) throw dependency(`The routeTable '${r.RouteTableId}' has dependencies and cannot be deleted.`);
    dryRun(input);
    tables(ctx).routeTables.delete(scope(ctx), r.RouteTableId);
  },

  CreateRoute(ctx, input) {
    const r = getRtb(ctx, input.RouteTableId);
    if (!input.DestinationCidrBlock) throw new AwsError('MissingParameter', 'The request must contain the parameter destinationCidrBlock');
    const c = parseCidr(input.DestinationCidrBlock);
    if (!c) throw new AwsError('InvalidParameterValue', `Value (${input.DestinationCidrBlock}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`);
    const dest = formatCidr(c);
    if (r.Routes.some((x) => x.DestinationCidrBlock === dest)) throw new AwsError('RouteAlreadyExists', `The route identified by ${dest} already exists.`);
    if (input.GatewayId) {
      const g = getIgw(ctx, input.GatewayId);
      if (!g.Attachments.some((a) => a.VpcId === r.VpcId)) {
        throw new AwsError('InvalidParameterValue', `route table ${r.RouteTableId} and network gateway ${g.InternetGatewayId} belong to different networks`);
      }
    } else if (!input.InstanceId && !input.NetworkInterfaceId && !input.NatGatewayId) {
      throw new AwsError('InvalidParameterCombination', 'The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId');
    }
    dryRun(input);
    r.Routes.push({
      DestinationCidrBlock: dest,
      GatewayId: input.GatewayId,
      InstanceId: input.InstanceId,
      NetworkInterfaceId: input.NetworkInterfaceId,
      NatGatewayId: input.NatGatewayId,
      Origin: 'CreateRoute',
      State: 'active',
    });
    tables(ctx).routeTables.put(scope(ctx), r.RouteTableId, r);
    return { Return: true };
  },

  DeleteRoute(ctx, input) {
    const r = getRtb(ctx, input.RouteTableId);
    const dest = input.DestinationCidrBlock ?? '';
    const route = r.Routes.find((x) => x.DestinationCidrBlock === dest);
    if (!route) throw new AwsError('InvalidRoute.NotFound', `no route with destination-cidr-block ${dest} in route table ${r.RouteTableId}`);
    if (route.GatewayId === 'local') throw new AwsError('InvalidParameterValue', `cannot remove local route ${dest} in route table ${r.RouteTableId}`);
    dryRun(input);
    r.Routes = r.Routes.filter((x) => x !== route);
    tables(ctx).routeTables.put(scope(ctx), r.RouteTableId, r);
  },

  AssociateRouteTable(ctx, input) {
    const r = getRtb(ctx, input.RouteTableId);
    if (!input.SubnetId) throw new AwsError('MissingParameter', 'The request must contain the parameter subnetId or gatewayId');
    const s = getSubnet(ctx, input.SubnetId);
    if (s.VpcId !== r.VpcId) {
      throw new AwsError('InvalidParameterValue', `Route table ${r.RouteTableId} and subnet ${s.SubnetId} belong to different networks`);
    }
    if (tables(ctx).routeTables.list(scope(ctx)).some((o) => o.Associations.some((a) => a.SubnetId === s.SubnetId))) {
      throw new AwsError('Resource.AlreadyAssociated', `the specified association for route table ${r.RouteTableId} conflicts with an existing association`);
    }
    dryRun(input);
    const assoc = { RouteTableAssociationId: ec2Id('rtbassoc'), Main: false, SubnetId: s.SubnetId };
    r.Associations.push(assoc);
    tables(ctx).routeTables.put(scope(ctx), r.RouteTableId, r);
    return { AssociationId: assoc.RouteTableAssociationId, AssociationState: { State: 'associated' } };
  },

  DisassociateRouteTable(ctx, input) {
    ensureDefaultVpc(ctx);
    const t = tables(ctx).routeTables;
    const r = t.list(scope(ctx)).find((x) => x.Associations.some((a) => a.RouteTableAssociationId === input.AssociationId));
    if (!r) throw associationNotFound(input.AssociationId);
    const a = r.Associations.find((x) => x.RouteTableAssociationId === input.AssociationId)!;
    if (a.Main) throw new AwsError('InvalidParameterValue', `cannot disassociate the main route table association ${input.AssociationId}`);
    dryRun(input);
    r.Associations = r.Associations.filter((x) => x !== a);
    t.put(scope(ctx), r.RouteTableId, r);
  },
};
