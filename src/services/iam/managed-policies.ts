// Managed policies: the account's own (with up to 5 versions) and AWS's; who they are attached to.
import type { IamOperations, PolicyVersion } from '../../generated/iam.js';
import { iamId } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { awsManagedPolicies } from './aws-managed.js';
import { identityDocument } from './documents.js';
import {
  alreadyExists,
  byPathPrefix,
  deleteConflict,
  encodeDocument,
  getPolicy,
  iamArn,
  limitExceeded,
  noSuchEntity,
  nowIso,
  ownPolicy,
  page,
  putPolicy,
  sortBy,
} from './lookup.js';
import { type ManagedPolicyRecord, type PolicyVersionRecord, iamScope, keyOf, tables } from './store.js';
import { iamTags } from './tagging.js';
import { policyUsage, policyView } from './views.js';

const MAX_POLICIES = 1500;
const MAX_VERSIONS = 5;

function versionView(p: ManagedPolicyRecord, v: PolicyVersionRecord, withDocument: boolean): PolicyVersion {
  return {
    Document: withDocument ? encodeDocument(v.Document) : undefined,
    VersionId: v.VersionId,
    IsDefaultVersion: v.VersionId === p.DefaultVersionId,
    CreateDate: v.CreateDate,
  };
}

function version(p: ManagedPolicyRecord, id: string): PolicyVersionRecord {
  const v = p.Versions.find((x) => x.VersionId === id);
  if (!v) throw noSuchEntity(`Policy ${p.Arn} version ${id} does not exist or is not attachable.`);
  return v;
}

export const managedPolicyHandlers: Handlers<IamOperations> = {
  CreatePolicy(ctx, { PolicyName, Path = '/', PolicyDocument, Description, Tags }) {
    const t = tables(ctx.store);
    const scope = iamScope(ctx.account);
    if (t.policies.has(scope, keyOf(PolicyName))) throw alreadyExists(`A policy called ${PolicyName} already exists. Duplicate names are not allowed.`);
    if (t.policies.count(scope) >= MAX_POLICIES) throw limitExceeded(`Cannot exceed quota for PoliciesPerAccount: ${MAX_POLICIES}`);
    identityDocument(PolicyDocument, true);
    const now = nowIso(ctx);
    const policy: ManagedPolicyRecord = {
      PolicyName,
      PolicyId: iamId('ANPA'),
      Arn: iamArn(ctx.account, 'policy', Path, PolicyName),
      Path,
      Description,
      CreateDate: now,
      UpdateDate: now,
      DefaultVersionId: 'v1',
      Versions: [{ VersionId: 'v1', Document: PolicyDocument, CreateDate: now }],
      NextVersion: 2,
      Tags: iamTags({}, Tags),
    };
    putPolicy(ctx, policy);
    return { Policy: policyView(policy, { attachments: new Map(), boundaries: new Map() }, true) };
  },

  GetPolicy(ctx, { PolicyArn }) {
    return { Policy: policyView(getPolicy(ctx, PolicyArn), policyUsage(ctx), true) };
  },

  ListPolicies(ctx, input) {
    const scope = input.Scope ?? 'All';
    let policies: ManagedPolicyRecord[] = [];
    if (scope !== 'Local') policies.push(...awsManagedPolicies());
    if (scope !== 'AWS') policies.push(...tables(ctx.store).policies.list(iamScope(ctx.account)));
    const usage = policyUsage(ctx);
    policies = byPathPrefix(policies, input.PathPrefix);
    if (input.OnlyAttached || input.PolicyUsageFilter) {
      policies = policies.filter((p) => {
        const attached = (usage.attachments.get(p.Arn) ?? 0) > 0;
        const boundary = (usage.boundaries.get(p.Arn) ?? 0) > 0;
        if (input.PolicyUsageFilter === 'PermissionsPolicy') return attached;
        if (input.PolicyUsageFilter === 'PermissionsBoundary') return boundary;
        return attached || boundary;
      });
    }
    sortBy(policies, (p) => p.PolicyName);
    const p = page(policies, (x) => x.Arn, input);
    return { Policies: p.items.map((x) => policyView(x, usage)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  DeletePolicy(ctx, { PolicyArn }) {
    const policy = ownPolicy(ctx, PolicyArn);
    const usage = policyUsage(ctx);
    if ((usage.attachments.get(policy.Arn) ?? 0) > 0 || (usage.boundaries.get(policy.Arn) ?? 0) > 0) {
      throw deleteConflict('Cannot delete a policy attached to entities.');
    }
    if (policy.Versions.length > 1) {
      throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
    }
    tables(ctx.store).policies.delete(iamScope(ctx.account), keyOf(policy.PolicyName));
  },

  CreatePolicyVersion(ctx, { PolicyArn, PolicyDocument, SetAsDefault }) {
    const policy = ownPolicy(ctx, PolicyArn);
    if (policy.Versions.length >= MAX_VERSIONS) {
      throw limitExceeded(`A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`);
    }
    identityDocument(PolicyDocument, true);
    const v: PolicyVersionRecord = { VersionId: `v${policy.NextVersion}`, Document: PolicyDocument, CreateDate: nowIso(ctx) };
    const updated: ManagedPolicyRecord = {
      ...policy,
      Versions: [...policy.Versions, v],
      NextVersion: policy.NextVersion + 1,
      DefaultVersionId: SetAsDefault ? v.VersionId : policy.DefaultVersionId,
      UpdateDate: SetAsDefault ? v.CreateDate : policy.UpdateDate,
    };
    putPolicy(ctx, updated);
    return { PolicyVersion: versionView(updated, v, false) };
  },

  GetPolicyVersion(ctx, { PolicyArn, VersionId }) {
    const policy = getPolicy(ctx, PolicyArn);
    return { PolicyVersion: versionView(policy, version(policy, VersionId), true) };
  },

  ListPolicyVersions(ctx, input) {
    const policy = getPolicy(ctx, input.PolicyArn);
    const versions = [...policy.Versions].reverse(); // newest first, as IAM lists them
    const p = page(versions, (v) => v.VersionId, input);
    return { Versions: p.items.map((v) => versionView(policy, v, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  SetDefaultPolicyVersion(ctx, { PolicyArn, VersionId }) {
    const policy = ownPolicy(ctx, PolicyArn);
    version(policy, VersionId);
    putPolicy(ctx, { ...policy, DefaultVersionId: VersionId, UpdateDate: nowIso(ctx) });
  },

  DeletePolicyVersion(ctx, { PolicyArn, VersionId }) {
    const policy = ownPolicy(ctx, PolicyArn);
    version(policy, VersionId);
    if (VersionId === policy.DefaultVersionId) throw deleteConflict('Cannot delete the default version of a policy.');
    putPolicy(ctx, { ...policy, Versions: policy.Versions.filter((v) => v.VersionId !== VersionId) });
  },

  ListEntitiesForPolicy(ctx, input) {
    const policy = getPolicy(ctx, input.PolicyArn);
    const t = tables(ctx.store);
    const scope = iamScope(ctx.account);
    const uses = (e: { AttachedPolicies: string[]; PermissionsBoundary?: string }) =>
      input.PolicyUsageFilter === 'PermissionsBoundary'
        ? e.PermissionsBoundary === policy.Arn
        : e.AttachedPolicies.includes(policy.Arn) || (input.PolicyUsageFilter === undefined && e.PermissionsBoundary === policy.Arn);
    const want = (kind: string) => !input.EntityFilter || input.EntityFilter === kind || input.EntityFilter.endsWith('ManagedPolicy');
    type Row = { kind: 'User' | 'Group' | 'Role'; name: string; id: string };
    const rows: Row[] = [];
    if (want('Group')) for (const g of byPathPrefix(t.groups.list(scope), input.PathPrefix)) if (uses(g)) rows.push({ kind: 'Group', name: g.GroupName, id: g.GroupId });
    if (want('User')) for (const u of byPathPrefix(t.users.list(scope), input.PathPrefix)) if (uses(u)) rows.push({ kind: 'User', name: u.UserName, id: u.UserId });
    if (want('Role')) for (const r of byPathPrefix(t.roles.list(scope), input.PathPrefix)) if (uses(r)) rows.push({ kind: 'Role', name: r.RoleName, id: r.RoleId });
    const p = page(rows, (r) => `${r.kind}:${r.id}`, input);
    return {
      PolicyGroups: p.items.filter((r) => r.kind === 'Group').map((r) => ({ GroupName: r.name, GroupId: r.id })),
      PolicyUsers: p.items.filter((r) => r.kind === 'User').map((r) => ({ UserName: r.name, UserId: r.id })),
      PolicyRoles: p.items.filter((r) => r.kind === 'Role').map((r) => ({ RoleName: r.name, RoleId: r.id })),
      IsTruncated: p.IsTruncated,
      Marker: p.Marker,
    };
  },
};
