// Usage plans (throttle, quota, API stages), their keys, and GetUsage over the counted requests.
import type { ApiStage, ApigatewayOperations, UsagePlan } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict, notFound } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { newId } from './ids.js';
import { apiKeyOf } from './keys.js';
import { page } from './lookup.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import { tables, type UsagePlanRecord } from './store.js';
import { dayOf, periodOf, remainingQuota, setCredit, usedBetween, usedOn } from './usage.js';

export function usagePlanView(p: UsagePlanRecord): UsagePlan {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    apiStages: p.apiStages,
    throttle: p.throttle,
    quota: p.quota,
    productCode: p.productCode,
    tags: Object.keys(p.tags).length ? p.tags : undefined,
  };
}

function planOf(ctx: RequestContext, id: string): UsagePlanRecord {
  const p = tables(ctx.store).plans.get(regional(ctx), id);
  if (!p) throw notFound('Invalid Usage Plan ID specified');
  return p;
}

function checkPlan(ctx: RequestContext, p: UsagePlanRecord): void {
  const seen = new Set<string>();
  for (const s of p.apiStages) {
    if (!s.apiId || !s.stage || !tables(ctx.store).stages.has(regional(ctx), `${s.apiId}/${s.stage}`)) {
      throw badRequest(`Invalid API Stage {api: ${s.apiId}, stage: ${s.stage}} specified for usageplan ${p.id}`);
    }
    if (seen.has(`${s.apiId}:${s.stage}`)) throw conflict(`API Stage {api: ${s.apiId}, stage: ${s.stage}} is already in usage plan ${p.id}`);
    seen.add(`${s.apiId}:${s.stage}`);
  }
  const q = p.quota;
  if (q) {
    if (!q.period || !['DAY', 'WEEK', 'MONTH'].includes(q.period)) throw badRequest('Invalid quota period specified. Must be one of: [DAY, WEEK, MONTH]');
    if (q.limit === undefined || q.limit < 0) throw badRequest('Quota limit should be a non-negative integer');
    const maxOffset = q.period === 'DAY' ? 0 : q.period === 'WEEK' ? 6 : 27;
    if ((q.offset ?? 0) < 0 || (q.offset ?? 0) > maxOffset) throw badRequest(`Quota offset must be between 0 and ${maxOffset} for period ${q.period}`);
  }
  if (p.throttle && ((p.throttle.rateLimit ?? 0) < 0 || (p.throttle.burstLimit ?? 0) < 0)) throw badRequest('Throttle limits must be non-negative');
}

function apiStagesRule(t: Record<string, any>, op: string, v: string | undefined): void {
  const [apiId, stage] = (v ?? '').split(':');
  if (!apiId || !stage) throw badRequest(`Invalid API stage specified: ${v}. Must be of the form apiId:stageName`);
  const list = t.apiStages as ApiStage[];
  const i = list.findIndex((s) => s.apiId === apiId && s.stage === stage);
  if (op === 'add') {
    if (i < 0) list.push({ apiId, stage });
  } else if (i < 0) throw notFound(`Invalid API stage specified: ${v}`);
  else list.splice(i, 1);
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/name', '/description', '/productCode'),
  { path: '/throttle/rateLimit', ops: ['replace'], apply: (t, _o, v) => ((t.throttle ??= {}).rateLimit = Number(v)) },
  { path: '/throttle/burstLimit', ops: ['replace'], apply: (t, _o, v) => ((t.throttle ??= {}).burstLimit = Number(v)) },
  { path: '/throttle', ops: ['remove'], apply: (t) => delete t.throttle },
  { path: '/quota/limit', ops: ['replace'], apply: (t, _o, v) => ((t.quota ??= { period: 'DAY' }).limit = Number(v)) },
  { path: '/quota/offset', ops: ['replace'], apply: (t, _o, v) => ((t.quota ??= { period: 'DAY' }).offset = Number(v)) },
  { path: '/quota/period', ops: ['replace'], apply: (t, _o, v) => ((t.quota ??= {}).period = v) },
  { path: '/quota', ops: ['remove'], apply: (t) => delete t.quota },
  { path: '/apiStages', ops: ['add', 'remove'], apply: apiStagesRule },
];

export const usagePlanHandlers: Handlers<ApigatewayOperations> = {
  CreateUsagePlan(ctx, input) {
    const p: UsagePlanRecord = {
      id: newId(6),
      name: input.name,
      description: input.description,
      apiStages: (input.apiStages ?? []).map((s) => ({ apiId: s.apiId, stage: s.stage, throttle: s.throttle })),
      throttle: input.throttle,
      quota: input.quota ? { offset: 0, ...input.quota } : undefined,
      tags: input.tags ?? {},
      keys: [],
    };
    checkPlan(ctx, p);
    checkLimit(tables(ctx.store).plans.count(regional(ctx)), LIMITS.usagePlans, 'usage plans per region');
    tables(ctx.store).plans.put(regional(ctx), p.id, p);
    return usagePlanView(p);
  },
  GetUsagePlan(ctx, { usagePlanId }) {
    return usagePlanView(planOf(ctx, usagePlanId));
  },
  GetUsagePlans(ctx, { keyId, position, limit }) {
    if (keyId) apiKeyOf(ctx, keyId);
    const all = tables(ctx.store).plans.list(regional(ctx)).filter((p) => !keyId || p.keys.includes(keyId));
    const pg = page(all, (p) => p.id, position, limit);
    return { items: pg.items.map(usagePlanView), position: pg.position };
  },
  UpdateUsagePlan(ctx, { usagePlanId, patchOperations }) {
    const p = planOf(ctx, usagePlanId);
    // per-method throttles of a stage: /apiStages/{apiId}:{stage}/throttle/{resourcePath}/{method}/(rateLimit|burstLimit)
    for (const o of patchOperations ?? []) {
      const m = /^\/apiStages\/([^/:]+):([^/]+)\/throttle(?:\/(.+)\/([A-Z*]+)(?:\/(rateLimit|burstLimit))?)?$/.exec(o.path ?? '');
      if (!m) {
        applyPatches(p, [o], RULES);
        continue;
      }
      const stage = p.apiStages.find((s) => s.apiId === m[1] && s.stage === m[2]);
      if (!stage) throw notFound(`Invalid API stage specified: ${m[1]}:${m[2]}`);
      if (!m[3]) {
        if (o.op !== 'remove') throw badRequest(`Invalid patch path ${o.path}`);
        delete stage.throttle;
        continue;
      }
      const key = `/${m[3].split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~')).join('/').replace(/^\/+/, '')}/${m[4]}`;
      const throttle = (stage.throttle ??= {});
      if (o.op === 'remove') delete throttle[key];
      else if (m[5]) {
        const n = Number(o.value);
        if (!o.value || !Number.isFinite(n) || n < 0) throw badRequest(`Invalid number value specified for ${o.path}: ${o.value}`);
        (throttle[key] ??= {})[m[5] as 'rateLimit' | 'burstLimit'] = m[5] === 'burstLimit' ? Math.floor(n) : n;
      } else throw badRequest(`Invalid patch path ${o.path}`);
    }
    checkPlan(ctx, p);
    tables(ctx.store).plans.put(regional(ctx), p.id, p);
    return usagePlanView(p);
  },
  DeleteUsagePlan(ctx, { usagePlanId }) {
    planOf(ctx, usagePlanId);
    tables(ctx.store).plans.delete(regional(ctx), usagePlanId);
  },

  CreateUsagePlanKey(ctx, { usagePlanId, keyId, keyType }) {
    const p = planOf(ctx, usagePlanId);
    if (keyType !== 'API_KEY') throw badRequest(`Invalid key type specified: ${keyType}`);
    const k = apiKeyOf(ctx, keyId);
    if (p.keys.includes(keyId)) throw conflict('Usage Plan Key already exists');
    const stages = new Set(p.apiStages.map((s) => `${s.apiId}:${s.stage}`));
    for (const other of tables(ctx.store).plans.list(regional(ctx))) {
      if (other.id !== p.id && other.keys.includes(keyId) && other.apiStages.some((s) => stages.has(`${s.apiId}:${s.stage}`))) {
        throw conflict(`Usage Plan ${p.id} cannot be added because API Key ${keyId} cannot reference multiple Usage Plans with the same API Stage`);
      }
    }
    checkLimit(tables(ctx.store).plans.list(regional(ctx)).filter((x) => x.keys.includes(keyId)).length, LIMITS.usagePlansPerKey, 'usage plans per API key');
    p.keys.push(keyId);
    tables(ctx.store).plans.put(regional(ctx), p.id, p);
    return { id: k.id, type: 'API_KEY', value: k.value, name: k.name };
  },
  GetUsagePlanKey(ctx, { usagePlanId, keyId }) {
    const p = planOf(ctx, usagePlanId);
    if (!p.keys.includes(keyId)) throw notFound('Invalid Usage Plan Key identifier specified');
    const k = apiKeyOf(ctx, keyId);
    return { id: k.id, type: 'API_KEY', value: k.value, name: k.name };
  },
  GetUsagePlanKeys(ctx, { usagePlanId, nameQuery, position, limit }) {
    const p = planOf(ctx, usagePlanId);
    const keys = p.keys
      .map((id) => tables(ctx.store).keys.get(regional(ctx), id))
      .filter((k): k is NonNullable<typeof k> => !!k && (!nameQuery || (k.name ?? '').startsWith(nameQuery)));
    const pg = page(keys, (k) => k.id, position, limit);
    return { items: pg.items.map((k) => ({ id: k.id, type: 'API_KEY', value: k.value, name: k.name })), position: pg.position };
  },
  DeleteUsagePlanKey(ctx, { usagePlanId, keyId }) {
    const p = planOf(ctx, usagePlanId);
    if (!p.keys.includes(keyId)) throw notFound('Invalid Usage Plan Key identifier specified');
    p.keys = p.keys.filter((k) => k !== keyId);
    tables(ctx.store).plans.put(regional(ctx), p.id, p);
  },

  UpdateUsage(ctx, { usagePlanId, keyId, patchOperations }) {
    const p = planOf(ctx, usagePlanId);
    if (!p.keys.includes(keyId)) throw notFound('Invalid Usage Plan Key identifier specified');
    const scope = regional(ctx);
    const now = ctx.clock.now();
    for (const o of patchOperations ?? []) {
      if (o.path !== '/remaining') throw badRequest(`Invalid patch path ${o.path}`);
      if (o.op !== 'replace') throw badRequest(`Invalid patch path '${o.path}' specified for op '${o.op}'. Must be one of: [replace]`);
      if (!p.quota) throw badRequest('Usage plan has no quota');
      const wanted = Number(o.value);
      if (!o.value || !Number.isInteger(wanted) || wanted < 0) throw badRequest(`Invalid remaining value specified: ${o.value}`);
      // the credit that makes the period's remaining requests what was asked
      const period = periodOf(p.quota, now);
      const used = usedBetween(ctx.store, scope, p.id, keyId, period.start, period.end);
      setCredit(ctx.store, scope, p.id, keyId, period.start, wanted - ((p.quota.limit ?? 0) - used));
    }
    const today = dayOf(now);
    const remaining = p.quota ? remainingQuota(ctx.store, scope, p.id, keyId, p.quota, now) : 0;
    return { usagePlanId: p.id, startDate: today, endDate: today, items: { [keyId]: [[usedOn(ctx.store, scope, p.id, keyId, today), remaining]] } };
  },

  GetUsage(ctx, { usagePlanId, keyId, startDate, endDate, position, limit }) {
    const p = planOf(ctx, usagePlanId);
    const DATE = /^\d{4}-\d{2}-\d{2}$/;
    if (!DATE.test(startDate) || !DATE.test(endDate)) throw badRequest('Invalid date format specified. Expected format: yyyy-MM-dd');
    const start = Date.parse(`${startDate}T00:00:00Z`);
    const end = Date.parse(`${endDate}T00:00:00Z`);
    if (!(start <= end)) throw badRequest('The start date must be before the end date');
    if ((end - start) / 86_400_000 > 90) throw badRequest('The usage data period cannot exceed 90 days');
    if (keyId && !p.keys.includes(keyId)) throw badRequest(`Invalid API Key identifier specified`);
    const keys = keyId ? [keyId] : p.keys;
    const pg = page(keys, (k) => k, position, limit);
    const scope = regional(ctx);
    const items: Record<string, number[][]> = {};
    for (const k of pg.items) {
      const rows: number[][] = [];
      for (let t = start; t <= end; t += 86_400_000) {
        const used = usedOn(ctx.store, scope, p.id, k, dayOf(t));
        let remaining = 0;
        if (p.quota) remaining = remainingQuota(ctx.store, scope, p.id, k, p.quota, t, t + 86_400_000);
        rows.push([used, remaining]);
      }
      items[k] = rows;
    }
    return { usagePlanId: p.id, startDate, endDate, items, position: pg.position };
  },
};
