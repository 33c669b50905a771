// Lambda authorizer results, cached per API, stage, authorizer and identity for the authorizer's TTL
// (on the virtual clock). Kept in memory as API Gateway keeps them: a flush or a restart forgets them.
import type { Store } from '../../state/db.js';

export interface CachedPolicy {
  principalId?: string;
  /** normalized statements of the returned policy */
  statements: { effect: string; actions: string[]; resources: string[] }[];
  context: Record<string, unknown>;
  usageIdentifierKey?: string;
  expires: number;
}

const caches = new WeakMap<Store, Map<string, CachedPolicy>>();

function cacheOf(store: Store): Map<string, CachedPolicy> {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new Map()));
  return c;
}

export function cachedPolicy(store: Store, key: string, now: number): CachedPolicy | undefined {
  const c = cacheOf(store);
  const hit = c.get(key);
  if (hit && hit.expires > now) return hit;
  if (hit) c.delete(key);
  return undefined;
}

export function cachePolicy(store: Store, key: string, policy: CachedPolicy): void {
  const c = cacheOf(store);
  if (c.size > 10_000) c.clear();
  c.set(key, policy);
}

export function flushAuthorizerCache(rt: { store: Store }, apiId: string, stage: string): void {
  const prefix = `${apiId}/${stage}/`;
  for (const k of [...cacheOf(rt.store).keys()]) if (k.startsWith(prefix)) cacheOf(rt.store).delete(k);
}
