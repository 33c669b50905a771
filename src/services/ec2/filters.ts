// EC2's Filter.N.Name / Filter.N.Value.M done once: wildcards (* and ?), tag:K, tag-key, tag-value.
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { Tag, TagMap } from '../../protocol/tags.js';

export interface Filter {
  Name?: string;
  Values?: string[];
}

export type Accessor<T> = (item: T) => string | number | boolean | (string | number | boolean | undefined)[] | undefined | null;

export interface FilterOptions<T> {
  /** the item's tags; default: its `Tags` member (a list of {Key, Value} or a key → value map) */
  tags?: (item: T) => TagMap | Tag[] | undefined;
}

const patternCache = new Map<string, RegExp>();

/** EC2 filter values: * matches any run, ? one character, \ escapes them. */
export function wildcard(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) src += escape(pattern[++i]!);
    else if (ch === '*') src += '[\\s\\S]*';
    else if (ch === '?') src += '[\\s\\S]';
    else src += escape(ch);
  }
  re = new RegExp(`^${src}$`);
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(pattern, re);
  return re;
}

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function tagMapOf(v: TagMap | Tag[] | undefined): TagMap {
  if (!v) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((t) => [t.Key, t.Value ?? '']));
  return v;
}

function defaultTags(item: unknown): TagMap | Tag[] | undefined {
  return (item as { Tags?: TagMap | Tag[] }).Tags;
}

function matchesAny(values: (string | undefined)[], patterns: RegExp[]): boolean {
  return values.some((v) => v !== undefined && patterns.some((p) => p.test(v)));
}

/** Checks filter names up front (unknown → InvalidParameterValue "The filter 'x' is invalid"). */
export function checkFilters(filters: Filter[] | undefined, known: string[]): void {
  for (const f of filters ?? []) {
    const name = f.Name ?? '';
    if (name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value' || known.includes(name)) continue;
    throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

/** Keeps the items matching every filter (values of one filter are OR-ed). */
export function applyFilters<T>(items: T[], filters: Filter[] | undefined, accessors: Record<string, Accessor<T>>, options: FilterOptions<T> = {}): T[] {
  if (!filters || filters.length === 0) return items;
  checkFilters(filters, Object.keys(accessors));
  const tagsOf = options.tags ?? defaultTags;
  const tests = filters.map((f) => {
    const name = f.Name ?? '';
    const patterns = (f.Values ?? []).map(wildcard);
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      return (item: T) => {
        const tags = tagMapOf(tagsOf(item));
        return key in tags && matchesAny([tags[key]], patterns);
      };
    }
    if (name === 'tag-key') return (item: T) => matchesAny(Object.keys(tagMapOf(tagsOf(item))), patterns);
    if (name === 'tag-value') return (item: T) => matchesAny(Object.values(tagMapOf(tagsOf(item))), patterns);
    const get = accessors[name]!;
    return (item: T) => {
      const v = get(item);
      if (v === undefined || v === null) return false;
      const list = Array.isArray(v) ? v : [v];
      return matchesAny(list.map((x) => (x === undefined ? undefined : String(x))), patterns);
    };
  });
  return items.filter((item) => tests.every((t) => t(item)));
}

/** The records named by `ids` (in that order), or `notFound(id)` for the first missing one; all when no ids. */
export function pickByIds<T>(items: T[], ids: string[] | undefined, idOf: (item: T) => string, notFound: (id: string) => Error): T[] {
  if (!ids || ids.length === 0) return items;
  const byId = new Map(items.map((i) => [idOf(i), i]));
  const out: T[] = [];
  for (const id of ids) {
    const item = byId.get(id);
    if (!item) throw notFound(id);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/**
 * NextToken / MaxResults over an already filtered list. Without `defaultMax`, a call that asks for no page
 * gets everything (as the networking Describe calls answer); with it, pages of that size.
 */
export function pageOf<T>(
  items: T[],
  input: { NextToken?: string; MaxResults?: number },
  keyOf: (item: T) => string,
  options: { defaultMax?: number; invalidTokenCode?: string } = {},
): { items: T[]; NextToken?: string } {
  if (!options.defaultMax && !input.NextToken && !input.MaxResults) return { items };
  const p = paginate(items, keyOf, {
    token: input.NextToken,
    max: input.MaxResults,
    defaultMax: options.defaultMax ?? 1000,
    invalidTokenCode: options.invalidTokenCode ?? 'InvalidNextToken',
  });
  return { items: p.items, NextToken: p.next };
}
