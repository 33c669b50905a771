// IAM's public API for other services (EC2 instance profiles, Lambda execution roles, STS, ECS task roles…).
// Everything here reads or writes the account's IAM records directly; nothing goes over the wire.
import type { Store } from '../../state/db.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import { type IamCtx, defaultDocument, findInstanceProfile, findPolicy, findRole, findUser, putRole } from './lookup.js';
import { principalPolicies } from './simulate.js';
import { ensureServiceLinkedRole as ensureLinked } from './service-linked-roles.js';
import { type AccessKeyRecord, type InstanceProfileRecord, type RoleRecord, type UserRecord, KEY_SCOPE, tables } from './store.js';

export type { AccessKeyRecord, InstanceProfileRecord, RoleRecord, UserRecord } from './store.js';
export { evaluate, trustPolicyAllows } from './policy-evaluator.js';
export { normalizeStatements, parsePolicyDocument, type PolicyDocument } from './policy-document.js';

/** What these functions need of the runtime: the store (a RequestContext or the Runtime will do). */
export interface IamRuntime {
  store: Store;
}

const ROLE_ARN = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const PROFILE_ARN = /^arn:[^:]+:iam::(\d{12}):instance-profile\/(?:.*\/)?([^/]+)$/;

/** A role by its ARN (the account comes from the ARN; the path must match). */
export function roleByArn(rt: IamRuntime, arn: string): RoleRecord | undefined {
  const m = ROLE_ARN.exec(arn);
  if (!m) return undefined;
  const role = findRole({ store: rt.store, account: m[1]! }, m[2]!);
  return role && role.Arn === arn ? role : undefined;
}

/** A role of `account` by name (case-insensitive, as IAM names are). */
export function roleByName(rt: IamRuntime, account: string, name: string): RoleRecord | undefined {
  return findRole({ store: rt.store, account }, name);
}

export function userByName(rt: IamRuntime, account: string, name: string): UserRecord | undefined {
  return findUser({ store: rt.store, account }, name);
}

/**
 * An instance profile by ARN or name (EC2's IamInstanceProfile accepts either), with its role (at most
 * one). The account of an ARN wins over `account`.
 */
export function instanceProfileByArnOrName(
  rt: IamRuntime,
  account: string,
  arnOrName: string,
): { profile: InstanceProfileRecord; role?: RoleRecord } | undefined {
  const m = PROFILE_ARN.exec(arnOrName);
  const ctx: IamCtx = { store: rt.store, account: m ? m[1]! : account };
  const profile = findInstanceProfile(ctx, m ? m[2]! : arnOrName);
  if (!profile || (m && profile.Arn !== arnOrName)) return undefined;
  const role = profile.Roles[0] ? findRole(ctx, profile.Roles[0]) : undefined;
  return { profile, role };
}

/**
 * The identity policies that apply to a principal, parsed, ready for `evaluate`: a user's own and its
 * groups', or a role's (an assumed-role session ARN is taken as its role). Ids are the policy names.
 */
export function policyDocumentsForPrincipal(
  rt: IamRuntime,
  arn: string,
): { identityPolicies: { id: string; document: PolicyDocument }[]; permissionsBoundary?: PolicyDocument } | undefined {
  let target = arn;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (session) {
    const role = roleByName(rt, session[2]!, session[3]!);
    if (!role) return undefined;
    target = role.Arn;
  }
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(target)?.[1];
  if (!account) return undefined;
  const ctx: IamCtx = { store: rt.store, account };
  try {
    const { policies, boundary } = principalPolicies(ctx, target);
    const boundaryPolicy = boundary ? findPolicy(ctx, boundary) : undefined;
    return {
      identityPolicies: policies.map((p) => ({ id: p.id, document: parsePolicyDocument(p.text, 'identity') })),
      permissionsBoundary: boundaryPolicy ? parsePolicyDocument(defaultDocument(boundaryPolicy), 'identity') : undefined,
    };
  } catch {
    return undefined;
  }
}

/** A role's trust policy, parsed. */
export function trustPolicyOf(role: RoleRecord): PolicyDocument {
  return parsePolicyDocument(role.AssumeRolePolicyDocument, 'trust');
}

/** An IAM user's access key by id, from any account. */
export function accessKeyById(rt: IamRuntime, accessKeyId: string): AccessKeyRecord | undefined {
  return tables(rt.store).keys.get(KEY_SCOPE, accessKeyId);
}

/** Records that a role was used (RoleLastUsed in GetRole), e.g. when STS or a service assumes it. */
export function markRoleUsed(rt: IamRuntime & { clock: { date(): Date } }, role: RoleRecord, region: string): void {
  const account = ROLE_ARN.exec(role.Arn)?.[1];
  if (!account) return;
  const current = findRole({ store: rt.store, account }, role.RoleName);
  if (current) putRole({ store: rt.store, account }, { ...current, RoleLastUsed: { LastUsedDate: rt.clock.date().toISOString(), Region: region } });
}

/** The service-linked role of `service` (e.g. 'autoscaling.amazonaws.com'), created on first use as AWS does. */
export function ensureServiceLinkedRole(rt: IamRuntime & { clock: { date(): Date } }, account: string, service: string): RoleRecord {
  return ensureLinked({ store: rt.store, account, clock: rt.clock }, service);
}
