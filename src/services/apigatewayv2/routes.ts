// Routes of HTTP APIs: `$default` or `METHOD /path` with {param} and a final greedy {proxy+}; authorization
// NONE, AWS_IAM, JWT (with scopes) or CUSTOM (a Lambda authorizer); target integrations/<id>.
import type { Apigatewayv2Operations, CreateRouteRequest } from '../../generated/apigatewayv2.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { autoDeploy } from './deploy.js';
import { badRequest, conflict, notFound } from './errors.js';
import { newId } from './ids.js';
import { apiOf, page, routeOf, saveApi } from './lookup.js';
import type { ApiRecord, RouteRecord } from './store.js';

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export function checkRouteKey(key: string): void {
  if (key === '$default') return;
  const m = /^([A-Z]+) (\/.*)$/.exec(key);
  const bad = () => badRequest(`Invalid route key specified: '${key}'. A route key must be '$default' or an HTTP method followed by a space and a resource path, e.g. 'GET /pets'.`);
  if (!m || !METHODS.has(m[1]!)) throw bad();
  const path = m[2]!;
  if (path === '/') return;
  const segments = path.slice(1).split('/');
  segments.forEach((s, i) => {
    if (!s) throw bad();
    if (s.startsWith('{') || s.endsWith('}')) {
      const pm = /^\{([A-Za-z0-9._-]+)(\+)?\}$/.exec(s);
      if (!pm) throw bad();
      if (pm[2] && i !== segments.length - 1) throw badRequest(`Invalid route key specified: '${key}'. A greedy path variable must be the last segment of the path.`);
    } else if (/[{}\s]/.test(s)) throw bad();
  });
}

type RouteFields = Omit<CreateRouteRequest, 'ApiId'>;

const pathOf = (key: string) => (key === '$default' ? undefined : key.slice(key.indexOf(' ') + 1).split('/').filter(Boolean));
const varName = (seg: string) => /^\{([^}+]+)\+?\}$/.exec(seg)?.[1];

/** Two paths that name the same variable position differently (/a/{id} and /a/{key}) conflict, as in API Gateway. */
function conflictingVariable(a: string, b: string): boolean {
  const pa = pathOf(a);
  const pb = pathOf(b);
  if (!pa || !pb) return false;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const va = varName(pa[i]!);
    const vb = varName(pb[i]!);
    if (va === undefined && vb === undefined) {
      if (pa[i] !== pb[i]) return false;
      continue;
    }
    if (va === undefined || vb === undefined) return false;
    if (va !== vb) return true;
  }
  return false;
}

function checkRoute(ctx: RequestContext, api: ApiRecord, id: string, f: RouteFields, managed?: boolean): RouteRecord {
  checkRouteKey(f.RouteKey);
  const clash = Object.values(api.routes).find((r) => r.RouteKey === f.RouteKey && r.RouteId !== id);
  if (clash) throw conflict(`Route with key ${f.RouteKey} already exists for this API`);
  const rival = Object.values(api.routes).find((r) => r.RouteId !== id && conflictingVariable(f.RouteKey, r.RouteKey));
  if (rival) throw conflict(`The provided route key "${f.RouteKey}" has a conflicting variable on the same hierarchical level as "${rival.RouteKey}"`);
  if (f.Target !== undefined && f.Target !== '') {
    const tm = /^integrations\/([a-z0-9]+)$/.exec(f.Target);
    if (!tm) throw badRequest(`Invalid target specified: ${f.Target}. A target must be of the form integrations/{integration-id}.`);
    if (!api.integrations[tm[1]!]) throw notFound(`Invalid Integration identifier specified ${ctx.account}:${api.ApiId}:${tm[1]}`, 'Integration');
  }
  const type = f.AuthorizationType ?? 'NONE';
  if (type === 'JWT' || type === 'CUSTOM') {
    if (!f.AuthorizerId) throw badRequest(`An authorizer ID is required for authorization type ${type}.`);
    const a = api.authorizers[f.AuthorizerId];
    if (!a) throw notFound(`Invalid Authorizer identifier specified ${ctx.account}:${api.ApiId}:${f.AuthorizerId}`, 'Authorizer');
    if ((type === 'JWT') !== (a.AuthorizerType === 'JWT')) {
      throw badRequest(`Authorization type ${type} is not compatible with authorizer ${a.AuthorizerId} of type ${a.AuthorizerType}.`);
    }
  } else if (f.AuthorizerId) {
    throw badRequest(`An authorizer ID cannot be specified when the authorization type is ${type}.`);
  }
  if (f.AuthorizationScopes?.length && type !== 'JWT') {
    throw badRequest('Authorization scopes are supported only for JWT authorizers.');
  }
  return {
    RouteId: id,
    RouteKey: f.RouteKey,
    ApiGatewayManaged: managed || undefined,
    ApiKeyRequired: f.ApiKeyRequired ?? false,
    AuthorizationType: type,
    AuthorizationScopes: f.AuthorizationScopes?.length ? f.AuthorizationScopes : undefined,
    AuthorizerId: f.AuthorizerId || undefined,
    OperationName: f.OperationName,
    RequestParameters: f.RequestParameters && Object.keys(f.RequestParameters).length ? f.RequestParameters : undefined,
    Target: f.Target || undefined,
  };
}

export function addRoute(ctx: RequestContext, api: ApiRecord, f: RouteFields, managed?: boolean): RouteRecord {
  if (f.ApiKeyRequired) throw badRequest('API keys are not supported for HTTP APIs.');
  const rec = checkRoute(ctx, api, newId(7), f, managed);
  api.routes[rec.RouteId] = rec;
  return rec;
}

const view = (r: RouteRecord) => ({ ...r });

export const routeHandlers: Handlers<Apigatewayv2Operations> = {
  CreateRoute(ctx, { ApiId, ...fields }) {
    const api = apiOf(ctx, ApiId);
    const rec = addRoute(ctx, api, fields);
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    return view(rec);
  },
  GetRoute(ctx, { ApiId, RouteId }) {
    return view(routeOf(ctx, apiOf(ctx, ApiId), RouteId));
  },
  GetRoutes(ctx, input) {
    const api = apiOf(ctx, input.ApiId);
    return page(Object.values(api.routes).map(view), (r) => r.RouteId, input);
  },
  UpdateRoute(ctx, { ApiId, RouteId, ...changes }) {
    const api = apiOf(ctx, ApiId);
    const cur = routeOf(ctx, api, RouteId);
    if (changes.ApiKeyRequired) throw badRequest('API keys are not supported for HTTP APIs.');
    const merged: RouteFields = { ...cur, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as RouteFields;
    // switching to NONE or AWS_IAM drops the authorizer, as the console does
    if (changes.AuthorizationType && changes.AuthorizationType !== 'JWT' && changes.AuthorizationType !== 'CUSTOM' && !changes.AuthorizerId) {
      merged.AuthorizerId = undefined;
      merged.AuthorizationScopes = undefined;
    }
    const rec = checkRoute(ctx, api, RouteId, merged, cur.ApiGatewayManaged);
    api.routes[RouteId] = rec;
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    return view(rec);
  },
  DeleteRoute(ctx, { ApiId, RouteId }) {
    const api = apiOf(ctx, ApiId);
    const cur = routeOf(ctx, api, RouteId);
    if (cur.ApiGatewayManaged) throw conflict(`Route ${RouteId} is managed by API Gateway and cannot be deleted.`);
    delete api.routes[RouteId];
    saveApi(ctx, api);
    autoDeploy(ctx, api);
  },
  DeleteRouteRequestParameter(ctx, { ApiId, RouteId, RequestParameterKey }) {
    const api = apiOf(ctx, ApiId);
    const cur = routeOf(ctx, api, RouteId);
    if (!cur.RequestParameters?.[RequestParameterKey]) throw notFound(`Invalid request parameter key specified ${RequestParameterKey}`);
    delete cur.RequestParameters[RequestParameterKey];
    saveApi(ctx, api);
    autoDeploy(ctx, api);
  },
};
