// Stage caches: when a stage's cache cluster is on and a method's setting enables caching, answers are kept
// for cacheTtlInSeconds (virtual clock) under a key of the method, the path and the integration's cache key
// parameters. A client's `Cache-Control: max-age=0` skips the cache when the method allows it (with
// requireAuthorizationForCacheControl, only callers allowed execute-api:InvalidateCache; here: signed ones).
// FlushStageCache empties a stage's cache.
import type { MethodSetting } from '../../generated/apigateway.js';
import type { Store } from '../../state/db.js';
import type { Answer } from './gateway-errors.js';
import { requestSource } from './mapping.js';
import { header, type ApiRequest } from './request.js';

interface Entry {
  answer: Answer;
  expires: number;
}

const MAX_ENTRIES = 10_000;
const caches = new WeakMap<Store, Map<string, Map<string, Entry>>>();

function stageCache(store: Store, stageKey: string): Map<string, Entry> {
  let all = caches.get(store);
  if (!all) caches.set(store, (all = new Map()));
  let c = all.get(stageKey);
  if (!c) all.set(stageKey, (c = new Map()));
  return c;
}

const stageKeyOf = (req: Pick<ApiRequest, 'account' | 'region' | 'apiId'>, stage: string) => `${req.account}/${req.region}/${req.apiId}/${stage}`;

export function flushStageCache(rt: { store: Store; account: string; region: string }, apiId: string, stage: string): void {
  caches.get(rt.store)?.delete(stageKeyOf({ account: rt.account, region: rt.region, apiId }, stage));
}

/** The method's caching setting when the stage caches it, else undefined. */
export function cachingOf(req: ApiRequest): MethodSetting | undefined {
  if (!req.stage.cacheClusterEnabled || !req.route) return undefined;
  const s = req.stage.methodSettings[req.route.settingKey] ?? req.stage.methodSettings['*/*'];
  return s?.cachingEnabled ? s : undefined;
}

function keyOf(req: ApiRequest): string {
  const integ = req.route!.method.methodIntegration;
  // a canary has a cache of its own unless it shares the stage's
  const parts = [req.isCanaryRequest && !req.stage.canarySettings?.useStageCache ? `canary:${req.stage.deploymentId}` : '', req.httpMethod, req.path];
  for (const p of integ?.cacheKeyParameters ?? []) parts.push(`${p}=${requestSource(req, p) ?? ''}`);
  return parts.join('\u0000');
}

export type CacheOutcome = { hit: Answer } | { store: (a: Answer) => void } | undefined;

export function lookupCache(req: ApiRequest, setting: MethodSetting): CacheOutcome {
  const cache = stageCache(req.runtime.store, stageKeyOf(req, req.stage.stageName));
  const key = keyOf(req);
  const now = req.runtime.clock.now();
  const cc = header(req, 'cache-control') ?? '';
  const invalidate = /max-age=0/.test(cc) && (!setting.requireAuthorizationForCacheControl || /^AWS4-HMAC-SHA256 /.test(header(req, 'authorization') ?? ''));
  const entry = cache.get(key);
  if (entry && entry.expires > now && !invalidate) return { hit: { ...entry.answer, headers: { ...entry.answer.headers } } };
  const ttl = setting.cacheTtlInSeconds ?? 300;
  if (ttl <= 0) return undefined;
  return {
    store: (answer) => {
      if (answer.status >= 300) return;
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(key, { answer: { ...answer, headers: { ...answer.headers } }, expires: now + ttl * 1000 });
    },
  };
}
