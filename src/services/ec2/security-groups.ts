// Security groups: Create/Describe/Delete, Authorize/Revoke Ingress/Egress, DescribeSecurityGroupRules, tags.
import { arn } from '../../protocol/ids.js';
import type { Ec2Operations, IpPermission, SecurityGroup } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf, pickByIds } from './filters.js';
import { checkId, dependency, groupNameNotFound, groupNotFound } from './net-errors.js';
import { scope, tables, type Ec2Ctx, type GroupRecord, type RuleRecord } from './net-store.js';
import { defaultVpc, ensureDefaultVpc, getVpc, groupInUse, newGroup } from './network.js';
import { describeRule, expand, permissionsOf, permissionsView, ruleView, sameRule, type LegacyRule } from './sg-rules.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

const groupArn = (ctx: Ec2Ctx, id: string) => arn({ service: 'ec2', region: ctx.region, account: ctx.account, resource: `security-group/${id}` });

export function groupView(ctx: Ec2Ctx, g: GroupRecord): SecurityGroup {
  return {
    GroupId: g.GroupId,
    GroupName: g.GroupName,
    Description: g.Description,
    VpcId: g.VpcId,
    OwnerId: ctx.account,
    SecurityGroupArn: groupArn(ctx, g.GroupId),
    IpPermissions: permissionsView(ctx, g.Ingress),
    IpPermissionsEgress: permissionsView(ctx, g.Egress),
    Tags: tagList(g.Tags),
  };
}

/** A group by id, or by name in the default VPC (the EC2-Classic-era GroupName parameter). */
function findGroup(ctx: Ec2Ctx, id?: string, name?: string): GroupRecord {
  ensureDefaultVpc(ctx);
  const t = tables(ctx).groups;
  if (id) {
    checkId('sg', id);
    const g = t.get(scope(ctx), id);
    if (!g) throw groupNotFound(id);
    return g;
  }
  if (name) {
    const vpc = defaultVpc(ctx);
    const g = t.list(scope(ctx)).find((x) => x.VpcId === vpc?.VpcId && x.GroupName === name);
    if (!g) throw groupNameNotFound(name, vpc?.VpcId ?? '', true);
    return g;
  }
  throw new AwsError('MissingParameter', 'The request must contain the parameter groupName or groupId');
}

registerTaggable('sg', {
  resourceType: 'security-group',
  get: (ctx, id) => (ensureDefaultVpc(ctx), tables(ctx).groups.get(scope(ctx), id)?.Tags),
  set: (ctx, id, tags) => {
    const t = tables(ctx).groups;
    const g = t.get(scope(ctx), id);
    if (g) t.put(scope(ctx), id, { ...g, Tags: tags });
  },
  list: (ctx) => (ensureDefaultVpc(ctx), tables(ctx).groups.list(scope(ctx)).map((g) => ({ id: g.GroupId, tags: g.Tags }))),
  notFound: groupNotFound,
});

function authorize(ctx: Ec2Ctx, input: LegacyRule & { GroupId?: string; GroupName?: string; DryRun?: boolean }, egress: boolean) {
  const g = findGroup(ctx, input.GroupId, input.GroupName);
  const rules = expand(ctx, g, permissionsOf(input, g, ctx));
  const existing = egress ? g.Egress : g.Ingress;
  const seen: RuleRecord[] = [];
  for (const r of rules) {
    if (existing.some((e) => sameRule(e, r)) || seen.some((e) => sameRule(e, r))) {
      throw new AwsError('InvalidPermission.Duplicate', `the specified rule "${describeRule(r)}" already exists`);
    }
    seen.push(r);
  }
  dryRun(input);
  existing.push(...rules);
  tables(ctx).groups.put(scope(ctx), g.GroupId, g);
  return { Return: true, SecurityGroupRules: rules.map((r) => ruleView(ctx, g, r, egress)) };
}

function revoke(
  ctx: Ec2Ctx,
  input: LegacyRule & { GroupId?: string; GroupName?: string; DryRun?: boolean; SecurityGroupRuleIds?: string[] },
  egress: boolean,
) {
  const g = findGroup(ctx, input.GroupId, input.GroupName);
  const existing = egress ? g.Egress : g.Ingress;
  let remove: RuleRecord[];
  if (input.SecurityGroupRuleIds?.length) {
    remove = input.SecurityGroupRuleIds.map((id) => {
      const r = existing.find((e) => e.SecurityGroupRuleId === id);
      if (!r) throw new AwsError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      return r;
    });
  } else {
    const wanted = expand(ctx, g, permissionsOf(input, g, ctx));
    remove = wanted.map((w) => {
      const r = existing.find((e) => sameRule(e, w));
      if (!r) throw new AwsError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      return r;
    });
  }
  dryRun(input);
  const kept = existing.filter((e) => !remove.includes(e));
  if (egress) g.Egress = kept;
  else g.Ingress = kept;
  tables(ctx).groups.put(scope(ctx), g.GroupId, g);
  return {
    Return: true,
    // the revoked rule is the rule's own view, with the referenced group flat as this shape has it
    RevokedSecurityGroupRules: remove.map((r) => ({ ...ruleView(ctx, g, r, egress), ReferencedGroupId: r.ReferencedGroupId })),
  };
}

const perms = (rules: RuleRecord[], pick: (r: RuleRecord) => unknown) => rules.map(pick).filter((x) => x !== undefined) as string[];

export const securityGroupHandlers: Handlers<Ec2Operations> = {
  CreateSecurityGroup(ctx, input) {
    const vpc = input.VpcId ? (checkId('vpc', input.VpcId), getVpc(ctx, input.VpcId)) : defaultVpc(ctx);
    if (!vpc) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
    const name = input.GroupName;
    if (name === 'default') throw new AwsError('InvalidGroup.Reserved', "The security group 'default' is reserved");
    if (/^sg-/i.test(name)) throw new AwsError('InvalidParameterValue', `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`);
    if (name.length > 255 || input.Description.length > 255) {
      throw new AwsError('InvalidParameterValue', 'Security group names and descriptions must be at most 255 characters long.');
    }
    const t = tables(ctx);
    if (t.groups.list(scope(ctx)).some((g) => g.VpcId === vpc.VpcId && g.GroupName === name)) {
      throw new AwsError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc.VpcId}'`);
    }
    const tags = tagsFromSpecs(input.TagSpecifications, 'security-group');
    dryRun(input);
    const g = newGroup(ctx, vpc.VpcId, name, input.Description, tags);
    return { GroupId: g.GroupId, Tags: tagList(g.Tags), SecurityGroupArn: groupArn(ctx, g.GroupId) };
  },

  DescribeSecurityGroups(ctx, input) {
    ensureDefaultVpc(ctx);
    for (const id of input.GroupIds ?? []) checkId('sg', id);
    let picked = pickByIds(tables(ctx).groups.list(scope(ctx)), input.GroupIds, (g) => g.GroupId, groupNotFound);
    if (input.GroupNames?.length) picked = input.GroupNames.map((n) => findGroup(ctx, undefined, n));
    const filtered = applyFilters(picked, input.Filters, {
      'description': (g) => g.Description,
      'group-id': (g) => g.GroupId,
      'group-name': (g) => g.GroupName,
      'owner-id': () => ctx.account,
      'vpc-id': (g) => g.VpcId,
      'ip-permission.cidr': (g) => perms(g.Ingress, (r) => r.CidrIpv4),
      'ip-permission.ipv6-cidr': (g) => perms(g.Ingress, (r) => r.CidrIpv6),
      'ip-permission.from-port': (g) => perms(g.Ingress, (r) => r.FromPort),
      'ip-permission.to-port': (g) => perms(g.Ingress, (r) => r.ToPort),
      'ip-permission.protocol': (g) => perms(g.Ingress, (r) => r.IpProtocol),
      'ip-permission.group-id': (g) => perms(g.Ingress, (r) => r.ReferencedGroupId),
      'ip-permission.user-id': (g) => (g.Ingress.some((r) => r.ReferencedGroupId) ? ctx.account : undefined),
      'egress.ip-permission.cidr': (g) => perms(g.Egress, (r) => r.CidrIpv4),
      'egress.ip-permission.from-port': (g) => perms(g.Egress, (r) => r.FromPort),
      'egress.ip-permission.to-port': (g) => perms(g.Egress, (r) => r.ToPort),
      'egress.ip-permission.protocol': (g) => perms(g.Egress, (r) => r.IpProtocol),
      'egress.ip-permission.group-id': (g) => perms(g.Egress, (r) => r.ReferencedGroupId),
    });
    const page = pageOf(filtered, input, (g) => g.GroupId);
    return { SecurityGroups: page.items.map((g) => groupView(ctx, g)), NextToken: page.NextToken };
  },

  DeleteSecurityGroup(ctx, input) {
    const g = findGroup(ctx, input.GroupId, input.GroupName);
    if (g.GroupName === 'default') {
      throw new AwsError('CannotDelete', `the specified group: "${g.GroupId}" name: "default" cannot be deleted by a user`);
    }
    const t = tables(ctx);
    const referenced = t.groups
      .list(scope(ctx))
      .some((o) => o.GroupId !== g.GroupId && [...o.Ingress, ...o.Egress].some((r) => r.ReferencedGroupId === g.GroupId));
    if (referenced || groupInUse(ctx, g.GroupId)) throw dependency(`resource ${g.GroupId} has a dependent object`);
    dryRun(input);
    t.groups.delete(scope(ctx), g.GroupId);
    return { Return: true, GroupId: g.GroupId };
  },

  AuthorizeSecurityGroupIngress: (ctx, input) => authorize(ctx, input, false),
  AuthorizeSecurityGroupEgress: (ctx, input) => authorize(ctx, input, true),
  RevokeSecurityGroupIngress: (ctx, input) => revoke(ctx, input, false),
  RevokeSecurityGroupEgress: (ctx, input) => revoke(ctx, input, true),

  DescribeSecurityGroupRules(ctx, input) {
    ensureDefaultVpc(ctx);
    const all = tables(ctx).groups.list(scope(ctx)).flatMap((g) => [
      ...g.Ingress.map((r) => ruleView(ctx, g, r, false)),
      ...g.Egress.map((r) => ruleView(ctx, g, r, true)),
    ]);
    const picked = pickByIds(all, input.SecurityGroupRuleIds, (r) => r.SecurityGroupRuleId!, (id) =>
      new AwsError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`),
    );
    const filtered = applyFilters(picked, input.Filters, {
      'group-id': (r) => r.GroupId,
      'security-group-rule-id': (r) => r.SecurityGroupRuleId,
    });
    const page = pageOf(filtered, input, (r) => r.SecurityGroupRuleId!);
    return { SecurityGroupRules: page.items, NextToken: page.NextToken };
  },
};

export type { IpPermission };
