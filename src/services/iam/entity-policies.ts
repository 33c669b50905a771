// Policies of users, groups and roles: inline (Put/Get/List/Delete*Policy) and managed (Attach/Detach/ListAttached*).
import type { IamOperations } from '../../generated/iam.js';
import type { Handlers } from '../define.js';
import { inlineDocument } from './documents.js';
import {
  type IamCtx,
  encodeDocument,
  findPolicy,
  getGroup,
  getPolicy,
  getRole,
  getUser,
  limitExceeded,
  modifiableRole,
  nameOfArn,
  noSuchEntity,
  page,
  putGroup,
  putRole,
  putUser,
} from './lookup.js';
import type { InlinePolicies } from './store.js';

interface Entity {
  InlinePolicies: InlinePolicies;
  AttachedPolicies: string[];
}

interface Kind<E extends Entity> {
  label: 'user' | 'group' | 'role';
  quotaName: string;
  maxAttached: number;
  read(ctx: IamCtx, name: string): E;
  /** for changes: service-linked roles refuse them */
  write(ctx: IamCtx, name: string): E;
  put(ctx: IamCtx, entity: E): void;
}

const USER: Kind<ReturnType<typeof getUser>> = { label: 'user', quotaName: 'PoliciesPerUser', maxAttached: 20, read: getUser, write: getUser, put: putUser };
const GROUP: Kind<ReturnType<typeof getGroup>> = { label: 'group', quotaName: 'PoliciesPerGroup', maxAttached: 10, read: getGroup, write: getGroup, put: putGroup };
const ROLE: Kind<ReturnType<typeof getRole>> = { label: 'role', quotaName: 'PoliciesPerRole', maxAttached: 10, read: getRole, write: modifiableRole, put: putRole };

function putInline<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, policyName: string, document: string): void {
  const e = kind.write(ctx, name);
  const others = Object.entries(e.InlinePolicies).filter(([n]) => n !== policyName).map(([, d]) => d);
  inlineDocument(kind.label, name, document, others);
  kind.put(ctx, { ...e, InlinePolicies: { ...e.InlinePolicies, [policyName]: document } });
}

function getInline<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, policyName: string): string {
  const doc = kind.read(ctx, name).InlinePolicies[policyName];
  if (doc === undefined) throw noSuchEntity(`The ${kind.label} policy with name ${policyName} cannot be found.`);
  return doc;
}

function deleteInline<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, policyName: string): void {
  const e = kind.write(ctx, name);
  if (!(policyName in e.InlinePolicies)) throw noSuchEntity(`The ${kind.label} policy with name ${policyName} cannot be found.`);
  const { [policyName]: _gone, ...rest } = e.InlinePolicies;
  kind.put(ctx, { ...e, InlinePolicies: rest });
}

function listInline<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, input: { Marker?: string; MaxItems?: number }) {
  const names = Object.keys(kind.read(ctx, name).InlinePolicies).sort();
  const p = page(names, (n) => n, input);
  return { PolicyNames: p.items, IsTruncated: p.IsTruncated, Marker: p.Marker };
}

function attach<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, arn: string): void {
  const e = kind.write(ctx, name);
  const policy = getPolicy(ctx, arn, true);
  if (e.AttachedPolicies.includes(policy.Arn)) return;
  if (e.AttachedPolicies.length >= kind.maxAttached) throw limitExceeded(`Cannot exceed quota for ${kind.quotaName}: ${kind.maxAttached}`);
  kind.put(ctx, { ...e, AttachedPolicies: [...e.AttachedPolicies, policy.Arn] });
}

function detach<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, arn: string): void {
  const e = kind.write(ctx, name);
  if (!e.AttachedPolicies.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
  kind.put(ctx, { ...e, AttachedPolicies: e.AttachedPolicies.filter((a) => a !== arn) });
}

function listAttached<E extends Entity>(kind: Kind<E>, ctx: IamCtx, name: string, input: { PathPrefix?: string; Marker?: string; MaxItems?: number }) {
  let arns = kind.read(ctx, name).AttachedPolicies;
  if (input.PathPrefix) arns = arns.filter((arn) => (findPolicy(ctx, arn)?.Path ?? '/').startsWith(input.PathPrefix!));
  const p = page(arns, (a) => a, input);
  return { AttachedPolicies: p.items.map((arn) => ({ PolicyName: nameOfArn(arn), PolicyArn: arn })), IsTruncated: p.IsTruncated, Marker: p.Marker };
}

export const entityPolicyHandlers: Handlers<IamOperations> = {
  PutUserPolicy: (ctx, i) => putInline(USER, ctx, i.UserName, i.PolicyName, i.PolicyDocument),
  PutGroupPolicy: (ctx, i) => putInline(GROUP, ctx, i.GroupName, i.PolicyName, i.PolicyDocument),
  PutRolePolicy: (ctx, i) => putInline(ROLE, ctx, i.RoleName, i.PolicyName, i.PolicyDocument),
  GetUserPolicy: (ctx, i) => ({ UserName: getUser(ctx, i.UserName).UserName, PolicyName: i.PolicyName, PolicyDocument: encodeDocument(getInline(USER, ctx, i.UserName, i.PolicyName)) }),
  GetGroupPolicy: (ctx, i) => ({ GroupName: getGroup(ctx, i.GroupName).GroupName, PolicyName: i.PolicyName, PolicyDocument: encodeDocument(getInline(GROUP, ctx, i.GroupName, i.PolicyName)) }),
  GetRolePolicy: (ctx, i) => ({ RoleName: getRole(ctx, i.RoleName).RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeDocument(getInline(ROLE, ctx, i.RoleName, i.PolicyName)) }),
  DeleteUserPolicy: (ctx, i) => deleteInline(USER, ctx, i.UserName, i.PolicyName),
  DeleteGroupPolicy: (ctx, i) => deleteInline(GROUP, ctx, i.GroupName, i.PolicyName),
  DeleteRolePolicy: (ctx, i) => deleteInline(ROLE, ctx, i.RoleName, i.PolicyName),
  ListUserPolicies: (ctx, i) => listInline(USER, ctx, i.UserName, i),
  ListGroupPolicies: (ctx, i) => listInline(GROUP, ctx, i.GroupName, i),
  ListRolePolicies: (ctx, i) => listInline(ROLE, ctx, i.RoleName, i),
  AttachUserPolicy: (ctx, i) => attach(USER, ctx, i.UserName, i.PolicyArn),
  AttachGroupPolicy: (ctx, i) => attach(GROUP, ctx, i.GroupName, i.PolicyArn),
  AttachRolePolicy: (ctx, i) => attach(ROLE, ctx, i.RoleName, i.PolicyArn),
  DetachUserPolicy: (ctx, i) => detach(USER, ctx, i.UserName, i.PolicyArn),
  DetachGroupPolicy: (ctx, i) => detach(GROUP, ctx, i.GroupName, i.PolicyArn),
  DetachRolePolicy: (ctx, i) => detach(ROLE, ctx, i.RoleName, i.PolicyArn),
  ListAttachedUserPolicies: (ctx, i) => listAttached(USER, ctx, i.UserName, i),
  ListAttachedGroupPolicies: (ctx, i) => listAttached(GROUP, ctx, i.GroupName, i),
  ListAttachedRolePolicies: (ctx, i) => listAttached(ROLE, ctx, i.RoleName, i),
};
