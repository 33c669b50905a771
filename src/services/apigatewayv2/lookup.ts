// Finding an HTTP API and its parts for the control plane, with API Gateway's NotFoundException messages.
import { regional, type RequestContext } from '../../server/context.js';
import { paginate } from '../../protocol/pagination.js';
import { badRequest, notFound } from './errors.js';
import { tables, type ApiRecord, type AuthorizerRecord, type IntegrationRecord, type RouteRecord, type StageRecord } from './store.js';

export function apiOf(ctx: RequestContext, apiId: string): ApiRecord {
  const api = tables(ctx.store).apis.get(regional(ctx), apiId);
  if (!api) throw notFound(`Invalid API identifier specified ${ctx.account}:${apiId}`, 'Api');
  return api;
}

export function saveApi(ctx: RequestContext, api: ApiRecord): ApiRecord {
  return tables(ctx.store).apis.put(regional(ctx), api.ApiId, api);
}

export function routeOf(ctx: RequestContext, api: ApiRecord, routeId: string): RouteRecord {
  const r = api.routes[routeId];
  if (!r) throw notFound(`Invalid Route identifier specified ${ctx.account}:${api.ApiId}:${routeId}`, 'Route');
  return r;
}

export function integrationOf(ctx: RequestContext, api: ApiRecord, integrationId: string): IntegrationRecord {
  const i = api.integrations[integrationId];
  if (!i) throw notFound(`Invalid Integration identifier specified ${ctx.account}:${api.ApiId}:${integrationId}`, 'Integration');
  return i;
}

export function authorizerOf(ctx: RequestContext, api: ApiRecord, authorizerId: string): AuthorizerRecord {
  const a = api.authorizers[authorizerId];
  if (!a) throw notFound(`Invalid Authorizer identifier specified ${ctx.account}:${api.ApiId}:${authorizerId}`, 'Authorizer');
  return a;
}

export function stageOf(ctx: RequestContext, apiId: string, stageName: string): StageRecord {
  const s = tables(ctx.store).stages.get(regional(ctx), `${apiId}/${stageName}`);
  if (!s) throw notFound(`Invalid stage identifier specified ${ctx.account}:${apiId}:${stageName}`, 'Stage');
  return s;
}

/** Paging as API Gateway v2 does it: MaxResults and NextToken are strings. */
export function page<T>(items: T[], keyOf: (t: T) => string, input: { NextToken?: string; MaxResults?: string }): { Items: T[]; NextToken?: string } {
  let max: number | undefined;
  if (input.MaxResults !== undefined) {
    max = Number(input.MaxResults);
    if (!/^\d+$/.test(input.MaxResults) || max < 1) throw badRequest('The maxResults parameter must be a positive integer.');
  }
  const p = paginate(items, keyOf, { token: input.NextToken, max, defaultMax: 100, invalidTokenCode: 'BadRequestException' });
  return { Items: p.items, NextToken: p.next };
}
