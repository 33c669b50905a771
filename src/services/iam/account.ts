// Account-wide views of IAM: GetAccountSummary, GetAccountAuthorizationDetails.
import type { IamOperations, PolicyDetail } from '../../generated/iam.js';
import { tagList } from '../../protocol/tags.js';
import type { Handlers } from '../define.js';
import { awsManagedPolicies } from './aws-managed.js';
import { encodeDocument, findGroup, nameOfArn } from './lookup.js';
import { profilesOfRole } from './roles.js';
import { iamScope, tables, type GroupRecord } from './store.js';
import { groupView, instanceProfileView, policyUsage, policyView, roleView, userView } from './views.js';

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
            ...userView(u),
            UserPolicyList: inline(u.InlinePolicies),
            GroupList: u.Groups.map((k) => findGroup(ctx, k)).filter((g): g is GroupRecord => !!g).map((g) => g.GroupName),
            AttachedManagedPolicies: attached(u.AttachedPolicies),
            Tags: tagList(u.Tags),
          }))
        : [],
      GroupDetailList: want('Group')
        ? t.groups.list(scope).map((g) => ({
            ...groupView(g),
            GroupPolicyList: inline(g.InlinePolicies),
            AttachedManagedPolicies: attached(g.AttachedPolicies),
          }))
        : [],
      RoleDetailList: want('Role')
        ? t.roles.list(scope).map((r) => ({
            // the views' members this shape lacks (Description, MaxSessionDuration) are not serialized
            ...roleView(r),
            InstanceProfileList: profilesOfRole(ctx, r.RoleName).map((p) => instanceProfileView(ctx, p, false)),
            RolePolicyList: inline(r.InlinePolicies),
            AttachedManagedPolicies: attached(r.AttachedPolicies),
            Tags: tagList(r.Tags),
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
