// Tags on users, roles, managed policies and instance profiles: Tag*, Untag*, List*Tags.
import { AwsError } from '../../protocol/errors.js';
import type { IamOperations } from '../../generated/iam.js';
import { type Tag, type TagMap, mergeTags, removeTags, tagList } from '../../protocol/tags.js';
import type { Handlers } from '../define.js';
import { getInstanceProfile, getRole, getUser, ownPolicy, page, putInstanceProfile, putPolicy, putRole, putUser } from './lookup.js';

/** IAM's rules: at most 50 tags; keys unique case-insensitively (a key differing only in case replaces the old one). */
export function iamTags(existing: TagMap, added: Tag[] | undefined): TagMap {
  if (!added?.length) return existing;
  const seen = new Set<string>();
  for (const t of added) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(k);
  }
  const base: TagMap = {};
  for (const [k, v] of Object.entries(existing)) if (!seen.has(k.toLowerCase())) base[k] = v;
  return mergeTags(base, added, { max: 50, code: 'InvalidInput', limitCode: 'LimitExceeded' });
}

function untag(existing: TagMap, keys: string[]): TagMap {
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  return removeTags(existing, Object.keys(existing).filter((k) => lower.has(k.toLowerCase())));
}

const listTags = (tags: TagMap, input: { Marker?: string; MaxItems?: number }) => {
  const p = page(tagList(tags), (t) => t.Key, input);
  return { Tags: p.items.map((t) => ({ Key: t.Key, Value: t.Value ?? '' })), IsTruncated: p.IsTruncated, Marker: p.Marker };
};

export const tagHandlers: Handlers<IamOperations> = {
  TagUser(ctx, { UserName, Tags }) {
    const u = getUser(ctx, UserName);
    putUser(ctx, { ...u, Tags: iamTags(u.Tags, Tags) });
  },
  UntagUser(ctx, { UserName, TagKeys }) {
    const u = getUser(ctx, UserName);
    putUser(ctx, { ...u, Tags: untag(u.Tags, TagKeys) });
  },
  ListUserTags(ctx, input) {
    return listTags(getUser(ctx, input.UserName).Tags, input);
  },
  TagRole(ctx, { RoleName, Tags }) {
    const r = getRole(ctx, RoleName);
    putRole(ctx, { ...r, Tags: iamTags(r.Tags, Tags) });
  },
  UntagRole(ctx, { RoleName, TagKeys }) {
    const r = getRole(ctx, RoleName);
    putRole(ctx, { ...r, Tags: untag(r.Tags, TagKeys) });
  },
  ListRoleTags(ctx, input) {
    return listTags(getRole(ctx, input.RoleName).Tags, input);
  },
  TagPolicy(ctx, { PolicyArn, Tags }) {
    const p = ownPolicy(ctx, PolicyArn);
    putPolicy(ctx, { ...p, Tags: iamTags(p.Tags, Tags) });
  },
  UntagPolicy(ctx, { PolicyArn, TagKeys }) {
    const p = ownPolicy(ctx, PolicyArn);
    putPolicy(ctx, { ...p, Tags: untag(p.Tags, TagKeys) });
  },
  ListPolicyTags(ctx, input) {
    return listTags(ownPolicy(ctx, input.PolicyArn).Tags, input);
  },
  TagInstanceProfile(ctx, { InstanceProfileName, Tags }) {
    const p = getInstanceProfile(ctx, InstanceProfileName);
    putInstanceProfile(ctx, { ...p, Tags: iamTags(p.Tags, Tags) });
  },
  UntagInstanceProfile(ctx, { InstanceProfileName, TagKeys }) {
    const p = getInstanceProfile(ctx, InstanceProfileName);
    putInstanceProfile(ctx, { ...p, Tags: untag(p.Tags, TagKeys) });
  },
  ListInstanceProfileTags(ctx, input) {
    return listTags(getInstanceProfile(ctx, input.InstanceProfileName).Tags, input);
  },
};
