// EC2 tagging done once: CreateTags / DeleteTags / DescribeTags find a resource by its id prefix in a registry
// each concept fills with `registerTaggable(prefix, …)` (vpc-, subnet-, sg-, i- …).
import { AwsError } from '../../protocol/errors.js';
import { mergeTags, removeTags, type Tag, type TagMap } from '../../protocol/tags.js';
import type { Ec2Ctx } from './net-store.js';

export interface Taggable {
  /** DescribeTags' resource-type, e.g. 'vpc', 'instance', 'security-group' */
  resourceType: string;
  /** the resource's tags, or undefined when it does not exist */
  get(ctx: Ec2Ctx, id: string): TagMap | undefined;
  set(ctx: Ec2Ctx, id: string, tags: TagMap): void;
  /** every resource with its tags (for DescribeTags) */
  list(ctx: Ec2Ctx): { id: string; tags: TagMap }[];
  /** the error for a missing resource */
  notFound(id: string): AwsError;
}

const registry = new Map<string, Taggable>();

export function registerTaggable(prefix: string, t: Taggable): void {
  registry.set(prefix, t);
}

export function taggableFor(id: string): Taggable | undefined {
  const dash = id.lastIndexOf('-');
  if (dash < 0) return undefined;
  return registry.get(id.slice(0, dash));
}

export function allTaggables(): Taggable[] {
  return [...registry.values()];
}

export const TAG_RULES = { code: 'InvalidParameterValue', limitCode: 'TagLimitExceeded', max: 50 };

function resolve(ctx: Ec2Ctx, id: string): { t: Taggable; tags: TagMap } {
  const t = taggableFor(id);
  if (!t) throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
  const tags = t.get(ctx, id);
  if (!tags) throw t.notFound(id);
  return { t, tags };
}

/** `beforeWrite` runs once everything is checked (DryRun answers there). */
export function createTags(ctx: Ec2Ctx, ids: string[], tags: Tag[], beforeWrite?: () => void): void {
  const found = ids.map((id) => ({ id, ...resolve(ctx, id) })).map((f) => ({ ...f, merged: mergeTags(f.tags, tags, TAG_RULES) }));
  beforeWrite?.();
  for (const f of found) f.t.set(ctx, f.id, f.merged);
}

/** DeleteTags: a tag with a Value is removed only when the value matches; no tags → all of them. */
export function deleteTags(ctx: Ec2Ctx, ids: string[], tags: Tag[] | undefined, beforeWrite?: () => void): void {
  const found = ids.map((id) => ({ id, ...resolve(ctx, id) }));
  beforeWrite?.();
  for (const f of found) {
    if (!tags || tags.length === 0) {
      f.t.set(ctx, f.id, {});
      continue;
    }
    const keys = tags.filter((tg) => tg.Value === undefined || f.tags[tg.Key] === tg.Value).map((tg) => tg.Key);
    f.t.set(ctx, f.id, removeTags(f.tags, keys));
  }
}

export interface TagDescription {
  ResourceId: string;
  ResourceType: string;
  Key: string;
  Value: string;
}

export function describeTags(ctx: Ec2Ctx): TagDescription[] {
  const out: TagDescription[] = [];
  for (const t of allTaggables()) {
    for (const r of t.list(ctx)) {
      for (const [Key, Value] of Object.entries(r.tags)) out.push({ ResourceId: r.id, ResourceType: t.resourceType, Key, Value });
    }
  }
  return out;
}

/** Tags for a new resource from TagSpecifications of its resource type (checked as AWS does). */
export function tagsFromSpecs(specs: { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }[] | undefined, resourceType: string): TagMap {
  let tags: TagMap = {};
  for (const s of specs ?? []) {
    if (s.ResourceType && s.ResourceType !== resourceType) continue;
    tags = mergeTags(tags, (s.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value })), TAG_RULES);
  }
  return tags;
}

/** EC2 leaves Tags out of a resource that has none. */
export { tagListOrUndefined as tagList } from '../../protocol/tags.js';
