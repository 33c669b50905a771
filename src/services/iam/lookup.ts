// Finding IAM entities, with IAM's own NoSuchEntity messages; shared helpers of the IAM handlers.
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { Store } from '../../state/db.js';
import type { RequestContext } from '../../server/context.js';
import { awsManagedPolicy } from './aws-managed.js';
import {
  type GroupRecord,
  type InstanceProfileRecord,
  type ManagedPolicyRecord,
  type RoleRecord,
  type UserRecord,
  iamScope,
  keyOf,
  tables,
} from './store.js';

/** What IAM's functions need: the store, and the account whose IAM they read. */
export interface IamCtx {
  store: Store;
  account: string;
}

export const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', message);
export const alreadyExists = (message: string) => new AwsError('EntityAlreadyExists', message);
export const deleteConflict = (message: string) => new AwsError('DeleteConflict', message);
export const limitExceeded = (message: string) => new AwsError('LimitExceeded', message);
export const invalidInput = (message: string) => new AwsError('InvalidInput', message);

export function findUser(ctx: IamCtx, name: string): UserRecord | undefined {
  return tables(ctx.store).users.get(iamScope(ctx.account), keyOf(name));
}

export function getUser(ctx: IamCtx, name: string): UserRecord {
  const u = findUser(ctx, name);
  if (!u) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return u;
}

export function putUser(ctx: IamCtx, user: UserRecord): void {
  tables(ctx.store).users.put(iamScope(ctx.account), keyOf(user.UserName), user);
}

/** The user a request is about: the named one, else the calling IAM user (IAM's default for key and self operations). */
export function userOrCaller(ctx: RequestContext, name: string | undefined): UserRecord {
  if (name) return getUser(ctx, name);
  if (ctx.caller.type === 'IAMUser') return getUser(ctx, ctx.caller.arn.slice(ctx.caller.arn.lastIndexOf('/') + 1));
  throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials');
}

export function findRole(ctx: IamCtx, name: string): RoleRecord | undefined {
  return tables(ctx.store).roles.get(iamScope(ctx.account), keyOf(name));
}

export function getRole(ctx: IamCtx, name: string): RoleRecord {
  const r = findRole(ctx, name);
  if (!r) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return r;
}

export function putRole(ctx: IamCtx, role: RoleRecord): void {
  tables(ctx.store).roles.put(iamScope(ctx.account), keyOf(role.RoleName), role);
}

/** A role AWS owns (service-linked) refuses changes from the account. */
export function modifiableRole(ctx: IamCtx, name: string): RoleRecord {
  const role = getRole(ctx, name);
  if (role.ServiceLinked) {
    throw new AwsError('UnmodifiableEntity', `Cannot perform the operation on the protected role '${role.RoleName}' - this role is only modifiable by AWS`);
  }
  return role;
}

export function findGroup(ctx: IamCtx, name: string): GroupRecord | undefined {
  return tables(ctx.store).groups.get(iamScope(ctx.account), keyOf(name));
}

export function getGroup(ctx: IamCtx, name: string): GroupRecord {
  const g = findGroup(ctx, name);
  if (!g) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return g;
}

export function putGroup(ctx: IamCtx, group: GroupRecord): void {
  tables(ctx.store).groups.put(iamScope(ctx.account), keyOf(group.GroupName), group);
}

export function findInstanceProfile(ctx: IamCtx, name: string): InstanceProfileRecord | undefined {
  return tables(ctx.store).profiles.get(iamScope(ctx.account), keyOf(name));
}

export function getInstanceProfile(ctx: IamCtx, name: string): InstanceProfileRecord {
  const p = findInstanceProfile(ctx, name);
  if (!p) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return p;
}

export function putInstanceProfile(ctx: IamCtx, profile: InstanceProfileRecord): void {
  tables(ctx.store).profiles.put(iamScope(ctx.account), keyOf(profile.InstanceProfileName), profile);
}

/** The name at the end of an IAM ARN (arn:aws:iam::A:policy/path/NAME → NAME). */
export function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** A managed policy by ARN: the account's own, or one of AWS's (arn:aws:iam::aws:policy/…). */
export function findPolicy(ctx: IamCtx, arn: string): ManagedPolicyRecord | undefined {
  const m = /^arn:[^:]+:iam::([^:]+):policy\/(.*)$/.exec(arn);
  if (!m) return undefined;
  if (m[1] === 'aws') return awsManagedPolicy(arn);
  if (m[1] !== ctx.account) return undefined;
  const p = tables(ctx.store).policies.get(iamScope(ctx.account), keyOf(nameOfArn(arn)));
  return p && p.Arn === arn ? p : undefined;
}

export function getPolicy(ctx: IamCtx, arn: string, attach = false): ManagedPolicyRecord {
  const p = findPolicy(ctx, arn);
  if (!p) throw noSuchEntity(attach ? `Policy ${arn} does not exist or is not attachable.` : `Policy ${arn} was not found.`);
  return p;
}

/** A policy the account may change (AWS's own are read-only). */
export function ownPolicy(ctx: IamCtx, arn: string): ManagedPolicyRecord {
  const p = getPolicy(ctx, arn);
  if (p.Arn.includes(':iam::aws:')) throw invalidInput(`Policy ${arn} is an AWS managed policy and cannot be modified.`);
  return p;
}

export function putPolicy(ctx: IamCtx, policy: ManagedPolicyRecord): void {
  tables(ctx.store).policies.put(iamScope(ctx.account), keyOf(policy.PolicyName), policy);
}

export function defaultDocument(policy: ManagedPolicyRecord): string {
  return policy.Versions.find((v) => v.VersionId === policy.DefaultVersionId)!.Document;
}

/** IAM returns policy documents URL-encoded (the CLI and boto3 decode them). */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}

/** The path part of an ARN's resource for a path and name: '/' → '', '/a/b/' → 'a/b/'. */
export function iamArn(account: string, kind: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:${kind}${path}${name}`;
}

/** Marker/MaxItems pagination as IAM answers it: IsTruncated, Marker. */
export function page<T>(items: T[], keyOfItem: (item: T) => string, input: { Marker?: string; MaxItems?: number }) {
  const p = paginate(items, keyOfItem, { token: input.Marker, max: input.MaxItems, defaultMax: 100, invalidTokenCode: 'ValidationError' });
  return { items: p.items, IsTruncated: p.next !== undefined, Marker: p.next };
}

export function byPathPrefix<T extends { Path: string }>(items: T[], prefix: string | undefined): T[] {
  return prefix ? items.filter((i) => i.Path.startsWith(prefix)) : items;
}

export const sortBy = <T>(items: T[], key: (item: T) => string): T[] =>
  items.sort((a, b) => (key(a).toLowerCase() < key(b).toLowerCase() ? -1 : key(a).toLowerCase() > key(b).toLowerCase() ? 1 : 0));

export const nowIso = (ctx: { clock: { date(): Date } }) => ctx.clock.date().toISOString();
