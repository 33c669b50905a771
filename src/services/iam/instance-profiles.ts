// Instance profiles: the container that hands one role to EC2 instances.
import type { IamOperations } from '../../generated/iam.js';
import { iamId } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import {
  alreadyExists,
  byPathPrefix,
  deleteConflict,
  findInstanceProfile,
  getInstanceProfile,
  getRole,
  iamArn,
  limitExceeded,
  noSuchEntity,
  nowIso,
  page,
  putInstanceProfile,
  sortBy,
} from './lookup.js';
import { profilesOfRole } from './roles.js';
import { type InstanceProfileRecord, iamScope, keyOf, tables } from './store.js';
import { iamTags } from './tagging.js';
import { instanceProfileView } from './views.js';

const MAX_PROFILES = 1000;

export const instanceProfileHandlers: Handlers<IamOperations> = {
  CreateInstanceProfile(ctx, { InstanceProfileName, Path = '/', Tags }) {
    if (findInstanceProfile(ctx, InstanceProfileName)) throw alreadyExists(`Instance Profile ${InstanceProfileName} already exists.`);
    if (tables(ctx.store).profiles.count(iamScope(ctx.account)) >= MAX_PROFILES) {
      throw limitExceeded(`Cannot exceed quota for InstanceProfilesPerAccount: ${MAX_PROFILES}`);
    }
    const profile: InstanceProfileRecord = {
      InstanceProfileName,
      InstanceProfileId: iamId('AIPA'),
      Arn: iamArn(ctx.account, 'instance-profile', Path, InstanceProfileName),
      Path,
      CreateDate: nowIso(ctx),
      Roles: [],
      Tags: iamTags({}, Tags),
    };
    putInstanceProfile(ctx, profile);
    return { InstanceProfile: instanceProfileView(ctx, profile) };
  },

  GetInstanceProfile(ctx, { InstanceProfileName }) {
    return { InstanceProfile: instanceProfileView(ctx, getInstanceProfile(ctx, InstanceProfileName)) };
  },

  ListInstanceProfiles(ctx, input) {
    const all = tables(ctx.store).profiles.list(iamScope(ctx.account));
    const profiles = sortBy(byPathPrefix(all, input.PathPrefix), (p) => p.InstanceProfileName);
    const p = page(profiles, (x) => keyOf(x.InstanceProfileName), input);
    return { InstanceProfiles: p.items.map((x) => instanceProfileView(ctx, x, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  ListInstanceProfilesForRole(ctx, input) {
    const role = getRole(ctx, input.RoleName);
    const profiles = sortBy(profilesOfRole(ctx, role.RoleName), (p) => p.InstanceProfileName);
    const p = page(profiles, (x) => keyOf(x.InstanceProfileName), input);
    return { InstanceProfiles: p.items.map((x) => instanceProfileView(ctx, x, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  DeleteInstanceProfile(ctx, { InstanceProfileName }) {
    const profile = getInstanceProfile(ctx, InstanceProfileName);
    if (profile.Roles.length) throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
    tables(ctx.store).profiles.delete(iamScope(ctx.account), keyOf(profile.InstanceProfileName));
  },

  AddRoleToInstanceProfile(ctx, { InstanceProfileName, RoleName }) {
    const profile = getInstanceProfile(ctx, InstanceProfileName);
    const role = getRole(ctx, RoleName);
    // an instance profile holds one role (a quota AWS does not raise)
    if (profile.Roles.length >= 1) throw limitExceeded('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
    putInstanceProfile(ctx, { ...profile, Roles: [keyOf(role.RoleName)] });
  },

  RemoveRoleFromInstanceProfile(ctx, { InstanceProfileName, RoleName }) {
    const profile = getInstanceProfile(ctx, InstanceProfileName);
    const key = keyOf(RoleName);
    if (!profile.Roles.includes(key)) throw noSuchEntity(`The role with name ${RoleName} cannot be found.`);
    putInstanceProfile(ctx, { ...profile, Roles: profile.Roles.filter((r) => r !== key) });
  },
};
