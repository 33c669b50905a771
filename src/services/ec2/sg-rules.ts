// Security group rules: IpPermissions in, one stored rule per source out, and back to AWS's shapes.
import { arn } from '../../protocol/ids.js';
import type { IpPermission, SecurityGroupRule } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { formatCidr, parseCidr } from './cidr.js';
import { groupNotFound } from './net-errors.js';
import { scope, tables, type Ec2Ctx, type GroupRecord, type RuleRecord } from './net-store.js';
import { ruleId } from './network.js';

const PROTOCOLS: Record<string, string> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', icmpv6: 'icmpv6', '58': 'icmpv6', '-1': '-1', all: '-1' };

export function normalizeProtocol(p: string | undefined): string {
  const v = (p ?? '').toLowerCase();
  const known = PROTOCOLS[v];
  if (known) return known;
  if (/^\d+$/.test(v) && Number(v) <= 255) return v;
  throw new AwsError('InvalidParameterValue', `Invalid value '${p ?? ''}' for IP protocol. Unknown protocol.`);
}

export interface LegacyRule {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  SourceSecurityGroupName?: string;
  IpPermissions?: IpPermission[];
}

/** The permissions of a request: IpPermissions, or the older flat members. */
export function permissionsOf(input: LegacyRule, group: GroupRecord, ctx: Ec2Ctx): IpPermission[] {
  if (input.IpPermissions?.length) return input.IpPermissions;
  if (input.IpProtocol === undefined && input.CidrIp === undefined && input.SourceSecurityGroupName === undefined) {
    throw new AwsError('MissingParameter', 'No IpPermissions specified.');
  }
  const perm: IpPermission = { IpProtocol: input.IpProtocol ?? '-1', FromPort: input.FromPort, ToPort: input.ToPort };
  if (input.CidrIp) perm.IpRanges = [{ CidrIp: input.CidrIp }];
  if (input.SourceSecurityGroupName) {
    const src = tables(ctx).groups.list(scope(ctx)).find((g) => g.VpcId === group.VpcId && g.GroupName === input.SourceSecurityGroupName);
    if (!src) throw groupNotFound(input.SourceSecurityGroupName);
    perm.UserIdGroupPairs = [{ GroupId: src.GroupId }];
  }
  return [perm];
}

function cidrOf(value: string, v6: boolean): string {
  if (v6) {
    if (!/^[0-9a-fA-F:]+\/\d{1,3}$/.test(value)) throw new AwsError('InvalidParameterValue', `CIDR block ${value} is malformed`);
    return value.toLowerCase();
  }
  const c = parseCidr(value);
  if (!c) throw new AwsError('InvalidParameterValue', `CIDR block ${value} is malformed`);
  return formatCidr(c);
}

/** Expands permissions into one rule per source, checking protocols, ports and referenced groups. */
export function expand(ctx: Ec2Ctx, group: GroupRecord, perms: IpPermission[]): RuleRecord[] {
  const out: RuleRecord[] = [];
  for (const p of perms) {
    const proto = normalizeProtocol(p.IpProtocol);
    const base: Omit<RuleRecord, 'SecurityGroupRuleId'> = { IpProtocol: proto };
    if (proto !== '-1') {
      if (proto === 'tcp' || proto === 'udp') {
        if (p.FromPort === undefined || p.ToPort === undefined) {
          throw new AwsError('InvalidParameterValue', `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`);
        }
        if (p.FromPort < -1 || p.ToPort > 65535 || p.FromPort > p.ToPort) {
          throw new AwsError('InvalidParameterValue', `Invalid port range (${p.FromPort}, ${p.ToPort})`);
        }
      }
      if (p.FromPort !== undefined) base.FromPort = p.FromPort;
      if (p.ToPort !== undefined) base.ToPort = p.ToPort;
    }
    const push = (extra: Partial<RuleRecord>) => out.push({ SecurityGroupRuleId: ruleId(), ...base, ...extra });
    for (const r of p.IpRanges ?? []) push({ CidrIpv4: cidrOf(r.CidrIp ?? '', false), Description: r.Description });
    for (const r of p.Ipv6Ranges ?? []) push({ CidrIpv6: cidrOf(r.CidrIpv6 ?? '', true), Description: r.Description });
    for (const r of p.PrefixListIds ?? []) push({ PrefixListId: r.PrefixListId, Description: r.Description });
    for (const r of p.UserIdGroupPairs ?? []) {
      let ref = r.GroupId;
      const groups = tables(ctx).groups;
      if (ref) {
        if (!groups.has(scope(ctx), ref)) throw groupNotFound(ref);
      } else if (r.GroupName) {
        const g = groups.list(scope(ctx)).find((x) => x.VpcId === group.VpcId && x.GroupName === r.GroupName);
        if (!g) throw groupNotFound(r.GroupName);
        ref = g.GroupId;
      } else {
        throw new AwsError('MissingParameter', 'Either GroupId or GroupName must be specified for a referenced group.');
      }
      push({ ReferencedGroupId: ref, Description: r.Description });
    }
    if (!p.IpRanges?.length && !p.Ipv6Ranges?.length && !p.PrefixListIds?.length && !p.UserIdGroupPairs?.length) {
      throw new AwsError('InvalidParameterValue', 'The request must contain at least one source or destination (IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs).');
    }
  }
  return out;
}

/** Rules are the same rule when protocol, ports and source agree (descriptions do not count). */
export function sameRule(a: Omit<RuleRecord, 'SecurityGroupRuleId'>, b: Omit<RuleRecord, 'SecurityGroupRuleId'>): boolean {
  return (
    a.IpProtocol === b.IpProtocol &&
    (a.FromPort ?? null) === (b.FromPort ?? null) &&
    (a.ToPort ?? null) === (b.ToPort ?? null) &&
    a.CidrIpv4 === b.CidrIpv4 &&
    a.CidrIpv6 === b.CidrIpv6 &&
    a.ReferencedGroupId === b.ReferencedGroupId &&
    a.PrefixListId === b.PrefixListId
  );
}

/** AWS's text for a rule: peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW */
export function describeRule(r: RuleRecord): string {
  const peer = r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupId ?? r.PrefixListId ?? '';
  if (r.IpProtocol === '-1') return `peer: ${peer}, ALL, ALLOW`;
  if (r.IpProtocol === 'tcp' || r.IpProtocol === 'udp' || r.IpProtocol === 'icmp') {
    return `peer: ${peer}, ${r.IpProtocol.toUpperCase()}, from port: ${r.FromPort}, to port: ${r.ToPort}, ALLOW`;
  }
  return `peer: ${peer}, protocol: ${r.IpProtocol}, ALLOW`;
}

/** Stored rules → IpPermissions grouped by protocol and ports, as DescribeSecurityGroups shows them. */
export function permissionsView(ctx: Ec2Ctx, rules: RuleRecord[]): IpPermission[] {
  const out: IpPermission[] = [];
  for (const r of rules) {
    let p = out.find((x) => x.IpProtocol === r.IpProtocol && x.FromPort === r.FromPort && x.ToPort === r.ToPort);
    if (!p) {
      p = { IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      out.push(p);
    }
    if (r.CidrIpv4) p.IpRanges!.push({ CidrIp: r.CidrIpv4, Description: r.Description });
    if (r.CidrIpv6) p.Ipv6Ranges!.push({ CidrIpv6: r.CidrIpv6, Description: r.Description });
    if (r.PrefixListId) p.PrefixListIds!.push({ PrefixListId: r.PrefixListId, Description: r.Description });
    if (r.ReferencedGroupId) p.UserIdGroupPairs!.push({ GroupId: r.ReferencedGroupId, UserId: ctx.account, Description: r.Description });
  }
  return out;
}

export function ruleView(ctx: Ec2Ctx, g: GroupRecord, r: RuleRecord, egress: boolean): SecurityGroupRule {
  return {
    SecurityGroupRuleId: r.SecurityGroupRuleId,
    GroupId: g.GroupId,
    GroupOwnerId: ctx.account,
    IsEgress: egress,
    IpProtocol: r.IpProtocol,
    FromPort: r.FromPort ?? -1,
    ToPort: r.ToPort ?? -1,
    CidrIpv4: r.CidrIpv4,
    CidrIpv6: r.CidrIpv6,
    PrefixListId: r.PrefixListId,
    ReferencedGroupInfo: r.ReferencedGroupId ? { GroupId: r.ReferencedGroupId, UserId: ctx.account } : undefined,
    Description: r.Description,
    SecurityGroupRuleArn: arn({ service: 'ec2', region: ctx.region, account: ctx.account, resource: `security-group-rule/${r.SecurityGroupRuleId}` }),
    Tags: [],
  };
}
