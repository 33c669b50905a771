// Roles: trust policy (AssumeRolePolicyDocument), session duration, permissions boundary.
import type { IamOperations } from '../../generated/iam.js';
import { iamId } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { trustDocument } from './documents.js';
import {
  alreadyExists,
  byPathPrefix,
  deleteConflict,
  findRole,
  getPolicy,
  getRole,
  iamArn,
  limitExceeded,
  modifiableRole,
  noSuchEntity,
  nowIso,
  page,
  putRole,
  sortBy,
  type IamCtx,
} from './lookup.js';
import { iamScope, keyOf, tables, type RoleRecord } from './store.js';
import { iamTags } from './tagging.js';
import { roleView } from './views.js';

const MAX_ROLES = 1000;

/** A permissions boundary must name an existing managed policy. */
export function boundaryArn(ctx: IamCtx, arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  try {
    return getPolicy(ctx, arn, true).Arn;
  } catch {
    throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
  }
}

/** Creates a role record (CreateRole and service-linked roles). */
export function createRoleRecord(
  ctx: IamCtx & { clock: { date(): Date } },
  input: { RoleName: string; Path?: string; AssumeRolePolicyDocument: string; Description?: string; MaxSessionDuration?: number; PermissionsBoundary?: string; Tags?: { Key: string; Value: string }[] },
  serviceLinked?: string,
): RoleRecord {
  if (findRole(ctx, input.RoleName)) throw alreadyExists(`Role with name ${input.RoleName} already exists.`);
  if (tables(ctx.store).roles.count(iamScope(ctx.account)) >= MAX_ROLES) throw limitExceeded(`Cannot exceed quota for RolesPerAccount: ${MAX_ROLES}`);
  const path = input.Path ?? '/';
  const role: RoleRecord = {
    RoleName: input.RoleName,
    RoleId: iamId('AROA'),
    Arn: iamArn(ctx.account, 'role', path, input.RoleName),
    Path: path,
    CreateDate: nowIso(ctx),
    AssumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    Description: input.Description,
    MaxSessionDuration: input.MaxSessionDuration ?? 3600,
    PermissionsBoundary: boundaryArn(ctx, input.PermissionsBoundary),
    Tags: iamTags({}, input.Tags),
    InlinePolicies: {},
    AttachedPolicies: [],
    ServiceLinked: serviceLinked,
  };
  putRole(ctx, role);
  return role;
}

/** The names of the instance profiles a role is in. */
export function profilesOfRole(ctx: IamCtx, roleName: string) {
  const key = keyOf(roleName);
  return tables(ctx.store).profiles.list(iamScope(ctx.account)).filter((p) => p.Roles.includes(key));
}

/** Removes a role after IAM's checks (DeleteRole; DeleteServiceLinkedRole skips the protection). */
export function deleteRoleRecord(ctx: IamCtx, role: RoleRecord): void {
  if (profilesOfRole(ctx, role.RoleName).length) throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  if (role.AttachedPolicies.length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
  if (Object.keys(role.InlinePolicies).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
  tables(ctx.store).roles.delete(iamScope(ctx.account), keyOf(role.RoleName));
}

export const roleHandlers: Handlers<IamOperations> = {
  CreateRole(ctx, input) {
    trustDocument(ctx, input.AssumeRolePolicyDocument);
    return { Role: roleView(createRoleRecord(ctx, input)) };
  },

  GetRole(ctx, { RoleName }) {
    return { Role: roleView(getRole(ctx, RoleName)) };
  },

  ListRoles(ctx, input) {
    const roles = sortBy(byPathPrefix(tables(ctx.store).roles.list(iamScope(ctx.account)), input.PathPrefix), (r) => r.RoleName);
    const p = page(roles, (r) => keyOf(r.RoleName), input);
    return { Roles: p.items.map((r) => roleView(r, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  DeleteRole(ctx, { RoleName }) {
    deleteRoleRecord(ctx, modifiableRole(ctx, RoleName));
  },

  UpdateRole(ctx, { RoleName, Description, MaxSessionDuration }) {
    const role = modifiableRole(ctx, RoleName);
    putRole(ctx, { ...role, Description: Description ?? role.Description, MaxSessionDuration: MaxSessionDuration ?? role.MaxSessionDuration });
    return {};
  },

  UpdateRoleDescription(ctx, { RoleName, Description }) {
    const role = { ...getRole(ctx, RoleName), Description };
    putRole(ctx, role);
    return { Role: roleView(role) };
  },

  UpdateAssumeRolePolicy(ctx, { RoleName, PolicyDocument }) {
    const role = modifiableRole(ctx, RoleName);
    trustDocument(ctx, PolicyDocument);
    putRole(ctx, { ...role, AssumeRolePolicyDocument: PolicyDocument });
  },

  PutRolePermissionsBoundary(ctx, { RoleName, PermissionsBoundary }) {
    const role = modifiableRole(ctx, RoleName);
    putRole(ctx, { ...role, PermissionsBoundary: boundaryArn(ctx, PermissionsBoundary) });
  },

  DeleteRolePermissionsBoundary(ctx, { RoleName }) {
    const role = modifiableRole(ctx, RoleName);
    putRole(ctx, { ...role, PermissionsBoundary: undefined });
  },
};
