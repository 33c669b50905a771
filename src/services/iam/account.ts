// Account-wide views of IAM: GetAccountSummary, GetAccountAuthorizationDetails.
import type { IamOperations, PolicyDetail } from '../../generated/iam.js';
import type { Handlers } from '../define.js';
import { awsManagedPolicies } from './aws-managed.js';
import { encodeDocument, findGroup, nameOfArn } from './lookup.js';
import { profilesOfRole } from './roles.js';
import { iamScope, tables, type GroupRecord } from './store.js';
import { boundaryView, iamTagList, instanceProfileView, policyUsage, policyView } from './views.js';

const inline = (policies: Record<string, string>): PolicyDetail[] =>
  Object.entries(policies).map(([PolicyName, doc]) => ({ PolicyName, PolicyDocument: encodeDocument(doc) }));
const attached = (arns: string[]) => arns.map((PolicyArn) => ({ PolicyName: nameOfArn(PolicyArn), PolicyArn }));

export const accountHandlers: Handlers<IamOperations> = {
  GetAccountSummary(ctx) {
    const t = tables(ctx.store);
    const scope = iamScope(ctx.account);
    const users = t.users.list(scope);
    const policies = t.policies.list(scope);
    return {
      SummaryMap: {
        Users: users.length,
        UsersQuota: 5000,
        Groups: t.groups.count(scope),
        GroupsQuota: 300,
        Roles: t.roles.count(scope),
        RolesQuota: 1000,
        Policies: policies.length,
        PoliciesQuota: 1500,
        InstanceProfiles: t.profiles.count(scope),
        InstanceProfilesQuota: 1000,
        PolicyVersionsInUse: policies.reduce((n, p) => n + p.Versions.length, 0),
        PolicyVersionsInUseQuota: 10000,
        VersionsPerPolicyQuota: 5,
        PolicySizeQuota: 6144,
        UserPolicySizeQuota: 2048,
        GroupPolicySizeQuota: 5120,
        AccessKeysPerUserQuota: 2,
        GroupsPerUserQuota: 10,
        AttachedPoliciesPerUserQuota: 20,
        AttachedPoliciesPerGroupQuota: 10,
        AttachedPoliciesPerRoleQuota: 10,
        SigningCertificatesPerUserQuota: 2,
        ServerCertificates: 0,
        ServerCertificatesQuota: 20,
        MFADevices: 0,
        MFADevicesInUse: 0,
        AccountMFAEnabled: 0,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
        Providers: 0,
        GlobalEndpointTokenVersion: 1,
      },
    };
  },

  GetAccountAuthorizationDetails(ctx, { Filter }) {
    const t = tables(ctx.store);
    const scope = iamScope(ctx.account);
    const want = (k: string) => !Filter?.length || Filter.includes(k as never);
    const usage = policyUsage(ctx);
    const managed = [
      ...(want('LocalManagedPolicy') ? t.policies.list(scope) : []),
      ...(want('AWSManagedPolicy') ? awsManagedPolicies().filter((p) => usage.attachments.has(p.Arn) || usage.boundaries.has(p.Arn)) : []),
    ];
    return {
      UserDetailList: want('User')
        ? t.users.list(scope).map((u) => ({
            Path: u.Path,
            UserName: u.UserName,
            UserId: u.UserId,
            Arn: u.Arn,
            CreateDate: u.CreateDate,
            UserPolicyList: inline(u.InlinePolicies),
            GroupList: u.Groups.map((k) => findGroup(ctx, k)).filter((g): g is GroupRecord => !!g).map((g) => g.GroupName),
            AttachedManagedPolicies: attached(u.AttachedPolicies),
            PermissionsBoundary: boundaryView(u.PermissionsBoundary),
            Tags: iamTagList(u.Tags),
          }))
        : [],
      GroupDetailList: want('Group')
        ? t.groups.list(scope).map((g) => ({
            Path: g.Path,
            GroupName: g.GroupName,
            GroupId: g.GroupId,
            Arn: g.Arn,
            CreateDate: g.CreateDate,
            GroupPolicyList: inline(g.InlinePolicies),
            AttachedManagedPolicies: attached(g.AttachedPolicies),
          }))
        : [],
      RoleDetailList: want('Role')
        ? t.roles.list(scope).map((r) => ({
            Path: r.Path,
            RoleName: r.RoleName,
            RoleId: r.RoleId,
            Arn: r.Arn,
            CreateDate: r.CreateDate,
            AssumeRolePolicyDocument: encodeDocument(r.AssumeRolePolicyDocument),
            InstanceProfileList: profilesOfRole(ctx, r.RoleName).map((p) => instanceProfileView(ctx, p, false)),
            RolePolicyList: inline(r.InlinePolicies),
            AttachedManagedPolicies: attached(r.AttachedPolicies),
            PermissionsBoundary: boundaryView(r.PermissionsBoundary),
            Tags: iamTagList(r.Tags),
            RoleLastUsed: r.RoleLastUsed ?? {},
          }))
        : [],
      Policies: managed.map((p) => {
        const { Tags: _tags, ...view } = policyView(p, usage);
        return {
          ...view,
          PolicyVersionList: p.Versions.map((v) => ({
            Document: encodeDocument(v.Document),
            VersionId: v.VersionId,
            IsDefaultVersion: v.VersionId === p.DefaultVersionId,
            CreateDate: v.CreateDate,
          })),
        };
      }),
      IsTruncated: false,
    };
  },
};
