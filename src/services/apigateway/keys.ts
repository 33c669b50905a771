// API keys: a value (given, at least 20 characters, or generated), enabled or not, the stages it was bound to.
import type { ApiKey, ApigatewayOperations } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict, notFound } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { newId, newKeyValue } from './ids.js';
import { page } from './lookup.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import { tables, type ApiKeyRecord } from './store.js';

export function apiKeyView(k: ApiKeyRecord, includeValue: boolean): ApiKey {
  return {
    id: k.id,
    value: includeValue ? k.value : undefined,
    name: k.name,
    customerId: k.customerId,
    description: k.description,
    enabled: k.enabled,
    createdDate: new Date(k.createdDate),
    lastUpdatedDate: new Date(k.lastUpdatedDate),
    stageKeys: k.stageKeys,
    tags: Object.keys(k.tags).length ? k.tags : undefined,
  };
}

export function apiKeyOf(ctx: RequestContext, id: string): ApiKeyRecord {
  const k = tables(ctx.store).keys.get(regional(ctx), id);
  if (!k) throw notFound('Invalid API Key identifier specified');
  return k;
}

function checkValue(ctx: RequestContext, value: string, self?: string): void {
  if (value.length < 20) throw badRequest('API Key value should be at least 20 characters');
  if (tables(ctx.store).keys.list(regional(ctx)).some((k) => k.value === value && k.id !== self)) throw conflict('API Key already exists');
}

function checkStageKey(ctx: RequestContext, stageKey: string): void {
  const [apiId, stage] = stageKey.split('/');
  if (!apiId || !stage || !tables(ctx.store).stages.has(regional(ctx), `${apiId}/${stage}`)) throw badRequest(`Invalid stage key specified: ${stageKey}`);
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/name', '/description', '/customerId'),
  { path: '/enabled', ops: ['replace'], kind: 'boolean' },
  { path: '/stages', ops: ['add', 'remove'], apply: (t, op, v) => {
    if (op === 'add' && v && !t.stageKeys.includes(v)) t.stageKeys.push(v);
    if (op === 'remove') t.stageKeys = t.stageKeys.filter((s: string) => s !== v);
  } },
];

export const keyHandlers: Handlers<ApigatewayOperations> = {
  CreateApiKey(ctx, input) {
    checkLimit(tables(ctx.store).keys.count(regional(ctx)), LIMITS.apiKeys, 'API keys per region');
    const value = input.value ?? newKeyValue();
    checkValue(ctx, value);
    const stageKeys = (input.stageKeys ?? []).map((s) => `${s.restApiId}/${s.stageName}`);
    stageKeys.forEach((s) => checkStageKey(ctx, s));
    const now = ctx.clock.now();
    const k: ApiKeyRecord = {
      id: newId(),
      value,
      name: input.name,
      customerId: input.customerId,
      description: input.description,
      enabled: input.enabled ?? false,
      createdDate: now,
      lastUpdatedDate: now,
      stageKeys,
      tags: input.tags ?? {},
    };
    tables(ctx.store).keys.put(regional(ctx), k.id, k);
    return apiKeyView(k, true);
  },
  GetApiKey(ctx, { apiKey, includeValue }) {
    return apiKeyView(apiKeyOf(ctx, apiKey), !!includeValue);
  },
  GetApiKeys(ctx, { nameQuery, customerId, includeValues, position, limit }) {
    const all = tables(ctx.store)
      .keys.list(regional(ctx))
      .filter((k) => (!nameQuery || (k.name ?? '').startsWith(nameQuery)) && (!customerId || k.customerId === customerId));
    const p = page(all, (k) => k.id, position, limit);
    return { items: p.items.map((k) => apiKeyView(k, !!includeValues)), position: p.position };
  },
  UpdateApiKey(ctx, { apiKey, patchOperations }) {
    const k = apiKeyOf(ctx, apiKey);
    const before = new Set(k.stageKeys);
    applyPatches(k, patchOperations, RULES);
    k.stageKeys.filter((s) => !before.has(s)).forEach((s) => checkStageKey(ctx, s));
    k.lastUpdatedDate = ctx.clock.now();
    tables(ctx.store).keys.put(regional(ctx), k.id, k);
    return apiKeyView(k, false);
  },
  DeleteApiKey(ctx, { apiKey }) {
    apiKeyOf(ctx, apiKey);
    const t = tables(ctx.store);
    t.keys.delete(regional(ctx), apiKey);
    for (const plan of t.plans.list(regional(ctx))) {
      if (plan.keys.includes(apiKey)) t.plans.put(regional(ctx), plan.id, { ...plan, keys: plan.keys.filter((x) => x !== apiKey) });
    }
  },
  ImportApiKeys(ctx, { body, format, failOnWarnings }) {
    if (format !== 'csv') throw badRequest('Only the csv format is supported');
    const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
    const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim());
    const cols = (header ?? '').split(',').map((c) => c.trim().toLowerCase());
    const at = (row: string[], name: string) => { const i = cols.indexOf(name); return i >= 0 ? row[i]?.trim() : undefined; };
    if (!cols.includes('key')) throw badRequest('Invalid API keys CSV: a "key" column is required');
    const ids: string[] = [];
    const warnings: string[] = [];
    for (const line of lines) {
      const row = line.split(',');
      const value = at(row, 'key')!;
      try {
        checkValue(ctx, value);
      } catch (e) {
        if (failOnWarnings) throw e;
        warnings.push(`${value}: ${(e as Error).message}`);
        continue;
      }
      const now = ctx.clock.now();
      const k: ApiKeyRecord = { id: newId(), value, name: at(row, 'name'), description: at(row, 'description'), enabled: at(row, 'enabled')?.toLowerCase() === 'true', createdDate: now, lastUpdatedDate: now, stageKeys: [], tags: {} };
      tables(ctx.store).keys.put(regional(ctx), k.id, k);
      ids.push(k.id);
    }
    return { ids, warnings };
  },
};
