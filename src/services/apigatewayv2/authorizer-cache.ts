// Lambda authorizer results cached per stage and identity for the authorizer's TTL (on the virtual clock).
// In memory, as API Gateway's cache is not durable; ResetAuthorizersCache and DeleteStage empty it.
import type { Clock } from '../../clock/clock.js';

export interface CachedDecision {
  allowed: boolean;
  context?: Record<string, unknown>;
  /** the IAM-policy form: the policy is evaluated per route, so it is cached whole */
  policy?: unknown;
  principalId?: string;
  expires: number;
}

const caches = new WeakMap<object, Map<string, CachedDecision>>();

function cacheOf(clockOwner: { clock: Clock }): Map<string, CachedDecision> {
  let c = caches.get(clockOwner.clock);
  if (!c) {
    c = new Map();
    caches.set(clockOwner.clock, c);
  }
  return c;
}

export function cachedDecision(rt: { clock: Clock }, key: string): CachedDecision | undefined {
  const c = cacheOf(rt);
  const hit = c.get(key);
  if (hit && hit.expires <= rt.clock.now()) {
    c.delete(key);
    return undefined;
  }
  return hit;
}

export function cacheDecision(rt: { clock: Clock }, key: string, d: CachedDecision): void {
  const c = cacheOf(rt);
  if (c.size > 50_000) c.clear();
  c.set(key, d);
}

export function clearAuthorizerCache(rt: { clock: Clock }, apiId: string, stage?: string): void {
  const prefix = stage === undefined ? `${apiId}/` : `${apiId}/${stage}/`;
  const c = cacheOf(rt);
  for (const k of [...c.keys()]) if (k.startsWith(prefix)) c.delete(k);
}

export function clearAllAuthorizerCaches(rt: { clock: Clock }): void {
  cacheOf(rt).clear();
}
