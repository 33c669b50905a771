// Finding an API and its parts, with API Gateway's NotFound messages.
import { regional, type RequestContext } from '../../server/context.js';
import { notFound } from './errors.js';
import { tables, type ApiRecord, type MethodRecord, type ResourceRecord } from './store.js';

export function apiOf(ctx: RequestContext, restApiId: string): ApiRecord {
  const api = tables(ctx.store).apis.get(regional(ctx), restApiId);
  if (!api) throw notFound(`Invalid API identifier specified ${ctx.account}:${restApiId}`);
  return api;
}

export function saveApi(ctx: RequestContext, api: ApiRecord): void {
  tables(ctx.store).apis.put(regional(ctx), api.id, api);
}

export function resourceOf(api: ApiRecord, resourceId: string): ResourceRecord {
  const r = api.resources[resourceId];
  if (!r) throw notFound('Invalid Resource identifier specified');
  return r;
}

export function methodOf(api: ApiRecord, resourceId: string, httpMethod: string): MethodRecord {
  const m = resourceOf(api, resourceId).methods[httpMethod.toUpperCase()];
  if (!m) throw notFound('Invalid Method identifier specified');
  return m;
}

export function integrationOf(api: ApiRecord, resourceId: string, httpMethod: string) {
  const m = methodOf(api, resourceId, httpMethod);
  if (!m.methodIntegration) throw notFound('Invalid Integration identifier specified');
  return m.methodIntegration;
}

/** position/limit paging as API Gateway does it: the position is the id of the next item. */
export function page<T>(items: T[], keyOf: (t: T) => string, position: string | undefined, limit: number | undefined): { items: T[]; position?: string } {
  const max = limit && limit > 0 ? Math.min(limit, 500) : 25;
  let start = 0;
  if (position) {
    const i = items.findIndex((t) => keyOf(t) === position);
    start = i >= 0 ? i : items.length;
  }
  const slice = items.slice(start, start + max);
  const next = items[start + max];
  return next ? { items: slice, position: keyOf(next) } : { items: slice };
}
