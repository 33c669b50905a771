// VPC endpoints: Interface endpoints (an AWS service reached from subnets of a VPC, with DNS names of their own and,
// with private DNS, the service's own name inside the VPC) and Gateway endpoints (S3, DynamoDB, through route
// tables). API Gateway's private APIs are reached through execute-api Interface endpoints (apigateway/data-plane.ts).
import { randomBytes } from 'node:crypto';
import type { Ec2Operations, VpcEndpoint } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Store } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf, pickByIds } from './filters.js';
import { SERVICE, scope, tables, type Ec2Ctx } from './net-store.js';
import { ensureDefaultVpc, getVpc } from './network.js';
import { getSubnet } from './subnets.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

export interface VpcEndpointRecord {
  VpcEndpointId: string;
  VpcEndpointType: 'Interface' | 'Gateway';
  VpcId: string;
  ServiceName: string;
  State: 'available' | 'deleted';
  PolicyDocument: string;
  RouteTableIds: string[];
  SubnetIds: string[];
  GroupIds: string[];
  PrivateDnsEnabled: boolean;
  /** the suffix of its DNS names (vpce-ID-SUFFIX.service.region.vpce.amazonaws.com) */
  DnsSuffix: string;
  IpAddressType: 'ipv4' | 'dualstack' | 'ipv6';
  CreationTimestamp: number;
  Tags: TagMap;
}

const FULL_ACCESS = JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });

/** Services offering Interface endpoints (com.amazonaws.REGION.NAME); S3 and DynamoDB also offer Gateway ones. */
const INTERFACE_SERVICES = new Set([
  'execute-api', 'apigateway', 'sts', 'ec2', 'lambda', 'logs', 'monitoring', 'events', 'elasticloadbalancing', 'autoscaling',
  'application-autoscaling', 'cloudtrail', 'cognito-idp', 'acm', 'iam', 's3', 'sqs', 'sns', 'ssm', 'ssmmessages', 'ec2messages',
  'secretsmanager', 'kms', 'ecr.api', 'ecr.dkr', 'ecs', 'states', 'kinesis-streams', 'dynamodb', 'elasticfilesystem',
]);
const GATEWAY_SERVICES = new Set(['s3', 'dynamodb']);

const table = (store: Store) => store.table<VpcEndpointRecord>(SERVICE, 'vpc-endpoint');

const notFound = (id: string) => new AwsError('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${id}' does not exist`);

function checkEndpointId(id: string): void {
  if (!/^vpce-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new AwsError('InvalidVpcEndpointId.Malformed', `Invalid Id: '${id}' (expecting "vpce-...")`);
}

function getEndpoint(ctx: Ec2Ctx, id: string): VpcEndpointRecord {
  checkEndpointId(id);
  const e = table(ctx.store).get(scope(ctx), id);
  if (!e) throw notFound(id);
  return e;
}

/** The part of the service name after com.amazonaws.REGION. */
function serviceOf(region: string, serviceName: string): string | undefined {
  const prefix = `com.amazonaws.${region}.`;
  return serviceName.startsWith(prefix) ? serviceName.slice(prefix.length) : undefined;
}

export function endpointView(ctx: Ec2Ctx, e: VpcEndpointRecord): VpcEndpoint {
  const service = serviceOf(ctx.region, e.ServiceName) ?? e.ServiceName;
  const base = `${e.VpcEndpointId}-${e.DnsSuffix}.${service}.${ctx.region}.vpce.amazonaws.com`;
  const zones = e.SubnetIds.map((id) => tables(ctx).subnets.get(scope(ctx), id)?.AvailabilityZone).filter((z): z is string => !!z);
  const dns =
    e.VpcEndpointType === 'Interface'
      ? [
          { DnsName: base, HostedZoneId: 'Z7HUB22UULQXV' },
          ...zones.map((z) => ({ DnsName: `${e.VpcEndpointId}-${e.DnsSuffix}-${z}.${service}.${ctx.region}.vpce.amazonaws.com`, HostedZoneId: 'Z7HUB22UULQXV' })),
          ...(e.PrivateDnsEnabled ? [{ DnsName: privateDnsName(service, ctx.region), HostedZoneId: 'ZONEIDPENDING' }] : []),
        ]
      : [];
  const groups = e.GroupIds.map((id) => ({ GroupId: id, GroupName: tables(ctx).groups.get(scope(ctx), id)?.GroupName ?? id }));
  return {
    VpcEndpointId: e.VpcEndpointId,
    VpcEndpointType: e.VpcEndpointType,
    VpcId: e.VpcId,
    ServiceName: e.ServiceName,
    State: e.State as never,
    PolicyDocument: e.PolicyDocument,
    RouteTableIds: e.RouteTableIds,
    SubnetIds: e.SubnetIds,
    Groups: groups,
    IpAddressType: e.IpAddressType,
    DnsOptions: e.VpcEndpointType === 'Interface' ? { DnsRecordIpType: e.IpAddressType === 'ipv4' ? 'ipv4' : 'dualstack' } : undefined,
    PrivateDnsEnabled: e.PrivateDnsEnabled,
    RequesterManaged: false,
    NetworkInterfaceIds: [],
    DnsEntries: dns,
    CreationTimestamp: new Date(e.CreationTimestamp),
    Tags: tagList(e.Tags),
    OwnerId: ctx.account,
  };
}

/** The service's own name, answered inside the VPC by an endpoint with private DNS (execute-api: every API). */
function privateDnsName(service: string, region: string): string {
  return service === 'execute-api' ? `*.execute-api.${region}.amazonaws.com` : `${service}.${region}.amazonaws.com`;
}

function checkSubnets(ctx: Ec2Ctx, vpcId: string, ids: string[]): void {
  const zones = new Set<string>();
  for (const id of ids) {
    const s = getSubnet(ctx, id);
    if (s.VpcId !== vpcId) throw new AwsError('InvalidParameter', `The subnet ID '${id}' does not belong to the VPC '${vpcId}'.`);
    if (zones.has(s.AvailabilityZone)) {
      throw new AwsError('DuplicateSubnetsInSameZone', `Found another VPC endpoint subnet in the availability zone of ${id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`);
    }
    zones.add(s.AvailabilityZone);
  }
}

function checkGroups(ctx: Ec2Ctx, vpcId: string, ids: string[]): void {
  for (const id of ids) {
    const g = tables(ctx).groups.get(scope(ctx), id);
    if (!g) throw new AwsError('InvalidSecurityGroupId.NotFound', `The security group '${id}' does not exist`);
    if (g.VpcId !== vpcId) throw new AwsError('InvalidParameter', `The security group '${id}' does not belong to the VPC '${vpcId}'.`);
  }
}

function checkPrivateDns(ctx: Ec2Ctx, e: VpcEndpointRecord): void {
  if (!e.PrivateDnsEnabled || e.VpcEndpointType !== 'Interface') return;
  const vpc = getVpc(ctx, e.VpcId);
  if (!vpc.EnableDnsSupport || !vpc.EnableDnsHostnames) {
    throw new AwsError('InvalidParameter', `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${e.VpcId}`);
  }
  const service = serviceOf(ctx.region, e.ServiceName)!;
  const clash = table(ctx.store)
    .list(scope(ctx))
    .find((o) => o.VpcEndpointId !== e.VpcEndpointId && o.VpcId === e.VpcId && o.ServiceName === e.ServiceName && o.PrivateDnsEnabled && o.State === 'available');
  if (clash) {
    throw new AwsError('InvalidParameter', `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${privateDnsName(service, ctx.region).replace(/^\*\./, '')} in the VPC ${e.VpcId}`);
  }
}

registerTaggable('vpce', {
  resourceType: 'vpc-endpoint',
  get: (ctx, id) => table(ctx.store).get(scope(ctx), id)?.Tags,
  set: (ctx, id, tags) => {
    const e = table(ctx.store).get(scope(ctx), id);
    if (e) table(ctx.store).put(scope(ctx), id, { ...e, Tags: tags });
  },
  list: (ctx) => table(ctx.store).list(scope(ctx)).map((e) => ({ id: e.VpcEndpointId, tags: e.Tags })),
  notFound,
});

export const vpcEndpointHandlers: Handlers<Ec2Operations> = {
  CreateVpcEndpoint(ctx, input) {
    const type = input.VpcEndpointType ?? 'Gateway';
    if (type !== 'Interface' && type !== 'Gateway') throw new AwsError('InvalidParameter', `Endpoint type ${type} is not supported.`);
    if (!input.ServiceName) throw new AwsError('MissingParameter', 'The request must contain the parameter ServiceName');
    getVpc(ctx, input.VpcId);
    const service = serviceOf(ctx.region, input.ServiceName);
    const known = service !== undefined && (type === 'Gateway' ? GATEWAY_SERVICES.has(service) : INTERFACE_SERVICES.has(service));
    if (!known) throw new AwsError('InvalidServiceName', `The Vpc Endpoint Service '${input.ServiceName}' does not exist`);
    if (input.PolicyDocument !== undefined) {
      try {
        JSON.parse(input.PolicyDocument);
      } catch {
        throw new AwsError('MalformedPolicyDocument', 'The policy document is malformed.');
      }
    }
    const tags = tagsFromSpecs(input.TagSpecifications, 'vpc-endpoint');
    const subnets = type === 'Interface' ? (input.SubnetIds ?? []) : [];
    checkSubnets(ctx, input.VpcId, subnets);
    let groups = type === 'Interface' ? (input.SecurityGroupIds ?? []) : [];
    checkGroups(ctx, input.VpcId, groups);
    if (type === 'Interface' && !groups.length) {
      const def = tables(ctx).groups.list(scope(ctx)).find((g) => g.VpcId === input.VpcId && g.GroupName === 'default');
      groups = def ? [def.GroupId] : [];
    }
    for (const id of input.RouteTableIds ?? []) {
      const rt = tables(ctx).routeTables.get(scope(ctx), id);
      if (!rt) throw new AwsError('InvalidRouteTableId.NotFound', `The routeTable ID '${id}' does not exist`);
    }
    const e: VpcEndpointRecord = {
      VpcEndpointId: ec2Id('vpce'),
      VpcEndpointType: type,
      VpcId: input.VpcId,
      ServiceName: input.ServiceName,
      State: 'available',
      PolicyDocument: input.PolicyDocument ?? FULL_ACCESS,
      RouteTableIds: type === 'Gateway' ? (input.RouteTableIds ?? []) : [],
      SubnetIds: subnets,
      GroupIds: groups,
      PrivateDnsEnabled: type === 'Interface' ? (input.PrivateDnsEnabled ?? true) : false,
      DnsSuffix: randomBytes(4).toString('hex'),
      IpAddressType: input.IpAddressType ?? 'ipv4',
      CreationTimestamp: ctx.clock.now(),
      Tags: tags,
    };
    checkPrivateDns(ctx, e);
    dryRun(input);
    table(ctx.store).put(scope(ctx), e.VpcEndpointId, e);
    return { VpcEndpoint: endpointView(ctx, e), ClientToken: input.ClientToken };
  },

  DescribeVpcEndpoints(ctx, input) {
    ensureDefaultVpc(ctx);
    for (const id of input.VpcEndpointIds ?? []) checkEndpointId(id);
    const all = table(ctx.store).list(scope(ctx));
    const picked = pickByIds(all, input.VpcEndpointIds, (e) => e.VpcEndpointId, notFound);
    const filtered = applyFilters(picked, input.Filters, {
      'service-name': (e) => e.ServiceName,
      'vpc-id': (e) => e.VpcId,
      'vpc-endpoint-id': (e) => e.VpcEndpointId,
      'vpc-endpoint-state': (e) => e.State,
      'vpc-endpoint-type': (e) => e.VpcEndpointType,
      'ip-address-type': (e) => e.IpAddressType,
    });
    const page = pageOf(filtered, input, (e) => e.VpcEndpointId);
    return { VpcEndpoints: page.items.map((e) => endpointView(ctx, e)), NextToken: page.NextToken };
  },

  ModifyVpcEndpoint(ctx, input) {
    const e = getEndpoint(ctx, input.VpcEndpointId);
    const next: VpcEndpointRecord = { ...e, SubnetIds: [...e.SubnetIds], GroupIds: [...e.GroupIds], RouteTableIds: [...e.RouteTableIds] };
    if (e.VpcEndpointType === 'Interface') {
      checkSubnets(ctx, e.VpcId, input.AddSubnetIds ?? []);
      for (const id of input.AddSubnetIds ?? []) if (!next.SubnetIds.includes(id)) next.SubnetIds.push(id);
      next.SubnetIds = next.SubnetIds.filter((id) => !(input.RemoveSubnetIds ?? []).includes(id));
      checkSubnets(ctx, e.VpcId, next.SubnetIds);
      checkGroups(ctx, e.VpcId, input.AddSecurityGroupIds ?? []);
      for (const id of input.AddSecurityGroupIds ?? []) if (!next.GroupIds.includes(id)) next.GroupIds.push(id);
      next.GroupIds = next.GroupIds.filter((id) => !(input.RemoveSecurityGroupIds ?? []).includes(id));
      if (input.PrivateDnsEnabled !== undefined) next.PrivateDnsEnabled = input.PrivateDnsEnabled;
    } else {
      for (const id of input.AddRouteTableIds ?? []) {
        if (!tables(ctx).routeTables.get(scope(ctx), id)) throw new AwsError('InvalidRouteTableId.NotFound', `The routeTable ID '${id}' does not exist`);
        if (!next.RouteTableIds.includes(id)) next.RouteTableIds.push(id);
      }
      next.RouteTableIds = next.RouteTableIds.filter((id) => !(input.RemoveRouteTableIds ?? []).includes(id));
    }
    if (input.ResetPolicy) next.PolicyDocument = FULL_ACCESS;
    else if (input.PolicyDocument !== undefined) {
      try {
        JSON.parse(input.PolicyDocument);
      } catch {
        throw new AwsError('MalformedPolicyDocument', 'The policy document is malformed.');
      }
      next.PolicyDocument = input.PolicyDocument;
    }
    if (input.IpAddressType) next.IpAddressType = input.IpAddressType;
    if (next.PrivateDnsEnabled && !e.PrivateDnsEnabled) checkPrivateDns(ctx, next);
    dryRun(input);
    table(ctx.store).put(scope(ctx), e.VpcEndpointId, next);
    return { Return: true };
  },

  DeleteVpcEndpoints(ctx, input) {
    dryRun(input);
    const unsuccessful: { Error: { Code: string; Message: string }; ResourceId: string }[] = [];
    for (const id of input.VpcEndpointIds) {
      const e = /^vpce-[0-9a-f]+$/.test(id) ? table(ctx.store).get(scope(ctx), id) : undefined;
      if (!e) {
        unsuccessful.push({ Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: `The VpcEndpoint Id '${id}' does not exist` }, ResourceId: id });
        continue;
      }
      table(ctx.store).delete(scope(ctx), id);
    }
    return { Unsuccessful: unsuccessful };
  },
};

/** An endpoint by id in any account and region (API Gateway's private APIs look up the endpoint a request came through). */
export function vpcEndpointById(store: Store, id: string): { account: string; region: string; endpoint: VpcEndpointRecord } | undefined {
  if (!/^vpce-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) return undefined;
  const hit = table(store)
    .listAll()
    .find((r) => r.id === id);
  return hit ? { account: hit.scope.account, region: hit.scope.region, endpoint: hit.record } : undefined;
}
