// API mappings on custom domain names: what apigateway calls base path mappings, stored in its domain records.
// A mapping points to an HTTP API (this service) or a REST API (apigateway) and one of its stages; its key is a
// path of one or more levels ("orders", "orders/v1"), "" or "(none)" for the domain's root. Requests take the
// mapping with the longest matching key (data-plane.ts for HTTP APIs, apigateway's data plane for REST APIs).
import type { ApiMapping, Apigatewayv2Operations } from '../../generated/apigatewayv2.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { checkBasePath, restApiExists, restStageExists, saveDomain, type DomainRecord, type MappingRecord } from '../apigateway/index.js';
import { domainOf, isEdge } from './domains.js';
import { badRequest, conflict, notFound } from './errors.js';
import { newId } from './ids.js';
import { page } from './lookup.js';
import { tables } from './store.js';

const keyOf = (key: string | undefined) => (!key || key === '(none)' ? '(none)' : key);

function view(m: MappingRecord): ApiMapping {
  return { ApiId: m.restApiId!, ApiMappingId: m.apiMappingId, ApiMappingKey: m.basePath === '(none)' ? '' : m.basePath, Stage: m.stage! };
}

function mappingOf(d: DomainRecord, id: string): MappingRecord {
  const m = d.mappings.find((x) => x.apiMappingId === id);
  if (!m) throw notFound('The ApiMapping resource specified in the request was not found.', 'ApiMapping');
  return m;
}

/** Checks the API, its stage, the key and the domain's other mappings; marks whether the API is an HTTP API. */
function check(ctx: RequestContext, d: DomainRecord, m: MappingRecord, self?: MappingRecord): void {
  const scope = regional(ctx);
  const t = tables(ctx.store);
  if (t.apis.has(scope, m.restApiId!)) {
    m.httpApi = true;
    if (isEdge(d)) throw badRequest('HTTP APIs can only be mapped to Regional custom domain names; this domain name is edge-optimized.');
    if (!t.stages.has(scope, `${m.restApiId}/${m.stage}`)) throw badRequest(`Invalid stage identifier specified ${ctx.account}:${m.restApiId}:${m.stage}`);
  } else if (restApiExists(ctx, m.restApiId!)) {
    m.httpApi = undefined;
    if (!restStageExists(ctx, m.restApiId!, m.stage!)) throw badRequest(`Invalid stage identifier specified ${ctx.account}:${m.restApiId}:${m.stage}`);
  } else {
    throw notFound(`Invalid API identifier specified ${ctx.account}:${m.restApiId}`, 'Api');
  }
  try {
    checkBasePath(d, m.basePath);
  } catch (e) {
    throw badRequest((e as Error).message.replace('base path mappings', 'API mappings').replace('base path', 'API mapping key'));
  }
  if (d.mappings.some((x) => x.basePath === m.basePath && x !== self)) throw conflict('ApiMapping key already exists for this domain name');
}

export const apiMappingHandlers: Handlers<Apigatewayv2Operations> = {
  CreateApiMapping(ctx, { DomainName, ApiId, ApiMappingKey, Stage }) {
    const d = domainOf(ctx, DomainName);
    const m: MappingRecord = { basePath: keyOf(ApiMappingKey), restApiId: ApiId, stage: Stage, apiMappingId: newId(6) };
    check(ctx, d, m);
    d.mappings.push(m);
    saveDomain(ctx, d);
    return view(m);
  },
  GetApiMapping(ctx, { DomainName, ApiMappingId }) {
    return view(mappingOf(domainOf(ctx, DomainName), ApiMappingId));
  },
  GetApiMappings(ctx, input) {
    const d = domainOf(ctx, input.DomainName);
    const p = page(d.mappings, (m) => m.apiMappingId!, input);
    return { Items: p.Items.map(view), NextToken: p.NextToken };
  },
  UpdateApiMapping(ctx, { DomainName, ApiMappingId, ApiId, ApiMappingKey, Stage }) {
    const d = domainOf(ctx, DomainName);
    const m = mappingOf(d, ApiMappingId);
    const draft: MappingRecord = { ...m, restApiId: ApiId, stage: Stage ?? m.stage, basePath: ApiMappingKey === undefined ? m.basePath : keyOf(ApiMappingKey) };
    check(ctx, d, draft, m);
    Object.assign(m, draft);
    saveDomain(ctx, d);
    return view(m);
  },
  DeleteApiMapping(ctx, { DomainName, ApiMappingId }) {
    const d = domainOf(ctx, DomainName);
    const m = mappingOf(d, ApiMappingId);
    d.mappings.splice(d.mappings.indexOf(m), 1);
    saveDomain(ctx, d);
  },
};
