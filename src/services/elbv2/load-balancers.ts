// Load balancers: Create/Describe/Delete, attributes, security groups and subnets.
import type { Elbv2Operations, LoadBalancer } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import { mergeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { securityGroupsOf, subnetForAttachment } from '../ec2/index.js';
import { attributeList, lbDefaults, modifyLbAttributes } from './attributes.js';
import { invalidConfig, lbNotFound, validation } from './errors.js';
import { dnsName, hex16, hostedZoneId, lbArn } from './ids.js';
import { getLb, listenersOf, pageOf } from './lookup.js';
import { scopeOf, tables, type LoadBalancerRecord } from './store.js';

/** How long a new load balancer stays `provisioning`, on the virtual clock. */
const provisionMs = () => Number(process.env.CUMULUS_ELB_PROVISION_SECONDS ?? '3') * 1000;

export function lbView(ctx: { clock: RequestContext['clock'] }, lb: LoadBalancerRecord): LoadBalancer {
  const active = ctx.clock.now() >= lb.ActiveAt;
  return {
    LoadBalancerArn: lb.LoadBalancerArn,
    DNSName: lb.DNSName,
    CanonicalHostedZoneId: hostedZoneId(lb.LoadBalancerArn.split(':')[3]!, lb.Type),
    CreatedTime: lb.CreatedTime,
    LoadBalancerName: lb.LoadBalancerName,
    Scheme: lb.Scheme,
    VpcId: lb.VpcId,
    State: { Code: active ? 'active' : 'provisioning' },
    Type: lb.Type,
    AvailabilityZones: lb.Zones.map((z) => ({
      ZoneName: z.ZoneName,
      SubnetId: z.SubnetId,
      LoadBalancerAddresses: z.AllocationId || z.PrivateIPv4Address ? [{ AllocationId: z.AllocationId, PrivateIPv4Address: z.PrivateIPv4Address }] : [],
    })),
    SecurityGroups: lb.Type === 'application' || lb.SecurityGroups.length ? lb.SecurityGroups : undefined,
    IpAddressType: lb.IpAddressType,
  };
}

function checkName(name: string): void {
  if (name.length > 32) throw validation(`The load balancer name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw validation(`The load balancer name '${name}' can only contain alphanumeric characters and hyphens`);
  if (name.startsWith('-') || name.endsWith('-')) throw validation(`The load balancer name '${name}' cannot begin or end with a hyphen`);
  if (name.toLowerCase().startsWith('internal-')) throw validation(`The load balancer name '${name}' cannot begin with 'internal-'`);
}

type SubnetInput = { SubnetId?: string; AllocationId?: string; PrivateIPv4Address?: string };

function resolveZones(ctx: RequestContext, type: 'application' | 'network', subnets: string[] | undefined, mappings: SubnetInput[] | undefined) {
  if (subnets?.length && mappings?.length) throw validation('You can specify subnets or subnet mappings, not both');
  const wanted: SubnetInput[] = mappings?.length ? mappings : (subnets ?? []).map((SubnetId) => ({ SubnetId }));
  const zones: LoadBalancerRecord['Zones'] = [];
  let vpcId: string | undefined;
  for (const m of wanted) {
    if (!m.SubnetId) throw validation('A subnet ID must be specified');
    let s;
    try {
      s = subnetForAttachment(ctx, m.SubnetId);
    } catch {
      throw new AwsError('SubnetNotFound', `The subnet ID '${m.SubnetId}' is not valid`);
    }
    if (vpcId && s.VpcId !== vpcId) throw invalidConfig('All subnets must belong to the same VPC');
    vpcId = s.VpcId;
    if (zones.some((z) => z.ZoneName === s.AvailabilityZone)) {
      throw invalidConfig(`A load balancer cannot be attached to multiple subnets in the same Availability Zone`);
    }
    zones.push({ ZoneName: s.AvailabilityZone, SubnetId: s.SubnetId, AllocationId: m.AllocationId, PrivateIPv4Address: m.PrivateIPv4Address });
  }
  if (type === 'application' && zones.length < 2) throw validation('At least two subnets in two different Availability Zones must be specified');
  if (zones.length < 1) throw validation('At least one subnet must be specified');
  return { zones, vpcId: vpcId! };
}

function resolveGroups(ctx: RequestContext, vpcId: string, ids: string[]): string[] {
  try {
    return securityGroupsOf(ctx, vpcId, ids).map((g) => g.GroupId);
  } catch (e) {
    const id = ids.find((x) => (e as Error).message.includes(x)) ?? ids[0];
    throw new AwsError('InvalidSecurityGroup', `Security group '${id}' does not exist`);
  }
}

export const loadBalancerHandlers: Handlers<Elbv2Operations> = {
  CreateLoadBalancer(ctx, input) {
    const type = input.Type ?? 'application';
    if (type === 'gateway') throw new AwsError('UnsupportedProtocol', 'Gateway Load Balancers are not supported by Cumulus');
    checkName(input.Name);
    const scheme = input.Scheme ?? 'internet-facing';
    const t = tables(ctx);
    const sc = scopeOf(ctx);
    const existing = t.lbs.list(sc).find((l) => l.LoadBalancerName === input.Name);
    if (existing) {
      // CreateLoadBalancer is idempotent: the same settings answer the existing load balancer
      if (existing.Type === type && existing.Scheme === scheme) return { LoadBalancers: [lbView(ctx, existing)] };
      throw new AwsError('DuplicateLoadBalancerName', 'A load balancer with the same name exists, but with different settings');
    }
    if (t.lbs.count(sc) >= 50) throw new AwsError('TooManyLoadBalancers', 'The quota for the number of load balancers has been reached');
    const { zones, vpcId } = resolveZones(ctx, type, input.Subnets, input.SubnetMappings);
    if (type === 'application' && zones.some((z) => z.AllocationId || z.PrivateIPv4Address)) {
      throw invalidConfig('Elastic IP addresses and private IPv4 addresses can only be specified for Network Load Balancers');
    }
    const groups = input.SecurityGroups?.length ? resolveGroups(ctx, vpcId, input.SecurityGroups) : type === 'application' ? resolveGroups(ctx, vpcId, []) : [];
    const id = hex16();
    const arn = lbArn(ctx, type, input.Name, id);
    const lb: LoadBalancerRecord = {
      LoadBalancerArn: arn,
      LoadBalancerName: input.Name,
      Id: id,
      Type: type,
      Scheme: scheme,
      IpAddressType: input.IpAddressType ?? 'ipv4',
      VpcId: vpcId,
      Zones: zones,
      SecurityGroups: groups,
      DNSName: dnsName(input.Name, scheme, ctx.region),
      CreatedTime: ctx.clock.date().toISOString(),
      ActiveAt: ctx.clock.now() + provisionMs(),
      Attributes: lbDefaults(type),
      Tags: mergeTags({}, input.Tags ?? [], { code: 'ValidationError', limitCode: 'TooManyTags' }),
    };
    t.lbs.put(sc, arn, lb);
    return { LoadBalancers: [lbView(ctx, lb)] };
  },

  DescribeLoadBalancers(ctx, input) {
    const all = tables(ctx).lbs.list(scopeOf(ctx));
    let picked = all;
    if (input.LoadBalancerArns?.length && input.Names?.length) throw validation('Load balancer names and load balancer ARNs cannot be specified at the same time');
    if (input.LoadBalancerArns?.length) {
      picked = input.LoadBalancerArns.map((a) => all.find((l) => l.LoadBalancerArn === a) ?? (() => { throw lbNotFound(); })());
    } else if (input.Names?.length) {
      const missing = input.Names.filter((n) => !all.some((l) => l.LoadBalancerName === n));
      if (missing.length) throw new AwsError('LoadBalancerNotFound', `Load balancers '[${missing.join(', ')}]' not found`);
      picked = all.filter((l) => input.Names!.includes(l.LoadBalancerName));
    }
    const page = pageOf(picked, (l) => l.LoadBalancerArn, input.Marker, input.PageSize);
    return { LoadBalancers: page.items.map((l) => lbView(ctx, l)), NextMarker: page.NextMarker };
  },

  DeleteLoadBalancer(ctx, input) {
    const t = tables(ctx);
    const sc = scopeOf(ctx);
    const lb = t.lbs.get(sc, input.LoadBalancerArn);
    if (!lb) return {};
    if (lb.Attributes['deletion_protection.enabled'] === 'true') {
      throw new AwsError('OperationNotPermitted', `Load balancer '${lb.LoadBalancerArn}' cannot be deleted because deletion protection is enabled`);
    }
    for (const l of listenersOf(ctx, lb.LoadBalancerArn)) {
      for (const r of t.rules.list(sc)) if (r.ListenerArn === l.ListenerArn) t.rules.delete(sc, r.RuleArn);
      t.listeners.delete(sc, l.ListenerArn);
    }
    t.lbs.delete(sc, lb.LoadBalancerArn);
    return {};
  },

  DescribeLoadBalancerAttributes(ctx, input) {
    return { Attributes: attributeList(getLb(ctx, input.LoadBalancerArn).Attributes) };
  },

  ModifyLoadBalancerAttributes(ctx, input) {
    const lb = getLb(ctx, input.LoadBalancerArn);
    const Attributes = modifyLbAttributes(lb.Attributes, input.Attributes);
    tables(ctx).lbs.put(scopeOf(ctx), lb.LoadBalancerArn, { ...lb, Attributes });
    return { Attributes: attributeList(Attributes) };
  },

  SetSecurityGroups(ctx, input) {
    const lb = getLb(ctx, input.LoadBalancerArn);
    if (lb.Type === 'network' && lb.SecurityGroups.length === 0) {
      throw invalidConfig('You cannot set security groups on a Network Load Balancer which was created without any security groups.');
    }
    if (lb.Type === 'application' && input.SecurityGroups.length === 0) throw validation('At least one security group must be specified');
    const SecurityGroups = resolveGroups(ctx, lb.VpcId, input.SecurityGroups);
    tables(ctx).lbs.put(scopeOf(ctx), lb.LoadBalancerArn, { ...lb, SecurityGroups });
    return { SecurityGroupIds: SecurityGroups };
  },

  SetSubnets(ctx, input) {
    const lb = getLb(ctx, input.LoadBalancerArn);
    const { zones, vpcId } = resolveZones(ctx, lb.Type, input.Subnets, input.SubnetMappings);
    if (vpcId !== lb.VpcId) throw invalidConfig(`The subnets must belong to the load balancer's VPC '${lb.VpcId}'`);
    tables(ctx).lbs.put(scopeOf(ctx), lb.LoadBalancerArn, { ...lb, Zones: zones });
    return { AvailabilityZones: lbView(ctx, { ...lb, Zones: zones }).AvailabilityZones, IpAddressType: lb.IpAddressType };
  },

  SetIpAddressType(ctx, input) {
    const lb = getLb(ctx, input.LoadBalancerArn);
    tables(ctx).lbs.put(scopeOf(ctx), lb.LoadBalancerArn, { ...lb, IpAddressType: input.IpAddressType });
    return { IpAddressType: input.IpAddressType };
  },
};
