// Records → IAM's output shapes.
import type { AttachedPermissionsBoundary, Group, InstanceProfile, Policy, Role, User } from '../../generated/iam.js';
import { tagListOrUndefined } from '../../protocol/tags.js';
import { type IamCtx, encodeDocument, findRole } from './lookup.js';
import { type GroupRecord, type InstanceProfileRecord, type ManagedPolicyRecord, type RoleRecord, type UserRecord, iamScope, tables } from './store.js';


export function boundaryView(arn: string | undefined): AttachedPermissionsBoundary | undefined {
  return arn ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn } : undefined;
}

export function userView(u: UserRecord, full = true): User {
  return {
    Path: u.Path,
    UserName: u.UserName,
    UserId: u.UserId,
    Arn: u.Arn,
    CreateDate: u.CreateDate,
    PermissionsBoundary: full ? boundaryView(u.PermissionsBoundary) : undefined,
    Tags: full ? tagListOrUndefined(u.Tags) : undefined,
  };
}

/** `full`: GetRole/CreateRole answer boundary, tags and last use; ListRoles does not. */
export function roleView(r: RoleRecord, full = true): Role {
  return {
    Path: r.Path,
    RoleName: r.RoleName,
    RoleId: r.RoleId,
    Arn: r.Arn,
    CreateDate: r.CreateDate,
    AssumeRolePolicyDocument: encodeDocument(r.AssumeRolePolicyDocument),
    Description: r.Description,
    MaxSessionDuration: r.MaxSessionDuration,
    PermissionsBoundary: full ? boundaryView(r.PermissionsBoundary) : undefined,
    Tags: full ? tagListOrUndefined(r.Tags) : undefined,
    RoleLastUsed: full ? (r.RoleLastUsed ?? {}) : undefined,
  };
}

export function groupView(g: GroupRecord): Group {
  return { Path: g.Path, GroupName: g.GroupName, GroupId: g.GroupId, Arn: g.Arn, CreateDate: g.CreateDate };
}

export function instanceProfileView(ctx: IamCtx, p: InstanceProfileRecord, withTags = true): InstanceProfile {
  const roles = p.Roles.map((key) => findRole(ctx, key)).filter((r): r is RoleRecord => r !== undefined);
  return {
    Path: p.Path,
    InstanceProfileName: p.InstanceProfileName,
    InstanceProfileId: p.InstanceProfileId,
    Arn: p.Arn,
    CreateDate: p.CreateDate,
    Roles: roles.map((r) => roleView(r, false)),
    Tags: withTags ? tagListOrUndefined(p.Tags) : undefined,
  };
}

export interface PolicyUsage {
  attachments: Map<string, number>;
  boundaries: Map<string, number>;
}

/** How many users, groups and roles each policy is attached to (and used as a boundary by). */
export function policyUsage(ctx: IamCtx): PolicyUsage {
  const t = tables(ctx.store);
  const scope = iamScope(ctx.account);
  const attachments = new Map<string, number>();
  const boundaries = new Map<string, number>();
  const count = (map: Map<string, number>, arn: string) => map.set(arn, (map.get(arn) ?? 0) + 1);
  for (const e of [...t.users.list(scope), ...t.roles.list(scope)]) {
    for (const arn of e.AttachedPolicies) count(attachments, arn);
    if (e.PermissionsBoundary) count(boundaries, e.PermissionsBoundary);
  }
  for (const g of t.groups.list(scope)) for (const arn of g.AttachedPolicies) count(attachments, arn);
  return { attachments, boundaries };
}

export function policyView(p: ManagedPolicyRecord, usage: PolicyUsage, withTags = false): Policy {
  return {
    PolicyName: p.PolicyName,
    PolicyId: p.PolicyId,
    Arn: p.Arn,
    Path: p.Path,
    DefaultVersionId: p.DefaultVersionId,
    AttachmentCount: usage.attachments.get(p.Arn) ?? 0,
    PermissionsBoundaryUsageCount: usage.boundaries.get(p.Arn) ?? 0,
    IsAttachable: true,
    Description: p.Description,
    CreateDate: p.CreateDate,
    UpdateDate: p.UpdateDate,
    Tags: withTags ? tagListOrUndefined(p.Tags) : undefined,
  };
}
