// Tags done once: AWS's limits on tag keys and values, stored as a plain key → value record.
import { AwsError } from './errors.js';

export interface Tag {
  Key: string;
  Value?: string;
}

export type TagMap = Record<string, string>;

export interface TagRules {
  /** the most tags a resource may carry (50 for most services) */
  max?: number;
  /** error code for a broken rule: ValidationError (query), ValidationException (json), InvalidParameterValue (ec2) … */
  code?: string;
  /** code for exceeding the count (IAM: LimitExceeded) */
  limitCode?: string;
}

/** Checks tags being added to `existing` and returns the merged map. */
export function mergeTags(existing: TagMap, added: Tag[] | TagMap, rules: TagRules = {}): TagMap {
  const code = rules.code ?? 'ValidationException';
  const list: Tag[] = Array.isArray(added) ? added : Object.entries(added).map(([Key, Value]) => ({ Key, Value }));
  const out: TagMap = { ...existing };
  const seen = new Set<string>();
  for (const { Key, Value = '' } of list) {
    if (seen.has(Key)) throw new AwsError(code, `Duplicate tag key '${Key}' in the request.`);
    seen.add(Key);
    if (Key.length < 1 || Key.length > 128) throw new AwsError(code, `Tag key '${Key}' must be between 1 and 128 characters long.`);
    if (Value.length > 256) throw new AwsError(code, `Tag value for key '${Key}' must be at most 256 characters long.`);
    if (/^aws:/i.test(Key)) throw new AwsError(code, "Tag keys starting with 'aws:' are reserved for AWS use.");
    out[Key] = Value;
  }
  const max = rules.max ?? 50;
  if (Object.keys(out).length > max) {
    throw new AwsError(rules.limitCode ?? code, `The number of tags exceeds the limit of ${max}.`);
  }
  return out;
}

export function removeTags(existing: TagMap, keys: string[]): TagMap {
  const out = { ...existing };
  for (const k of keys) delete out[k];
  return out;
}

/** The tags as AWS lists them: [{Key, Value}]. */
export function tagList(tags: TagMap | undefined): { Key: string; Value: string }[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

/** The tag list, or undefined when there are none (for outputs that leave the member out). */
export function tagListOrUndefined(tags: TagMap | undefined): { Key: string; Value: string }[] | undefined {
  const list = tagList(tags);
  return list.length ? list : undefined;
}
