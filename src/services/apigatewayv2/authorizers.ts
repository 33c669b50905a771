// Authorizers of HTTP APIs: JWT (issuer and audiences, one identity source) and REQUEST Lambda authorizers
// (payload format 1.0 or 2.0, simple responses with 2.0, results cached per identity for up to an hour).
import type { Apigatewayv2Operations, CreateAuthorizerRequest } from '../../generated/apigatewayv2.js';
import type { Handlers } from '../define.js';
import { clearAuthorizerCache } from './authorizer-cache.js';
import { autoDeploy } from './deploy.js';
import { badRequest, conflict } from './errors.js';
import { newId } from './ids.js';
import { isLambdaTarget } from './integrations.js';
import { apiOf, authorizerOf, page, saveApi } from './lookup.js';
import type { AuthorizerRecord } from './store.js';

const IDENTITY = /^\$(request\.header\.[^\s,]+|request\.querystring\.[^\s,]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$/;

type Fields = Omit<CreateAuthorizerRequest, 'ApiId'>;

function checkAuthorizer(id: string, f: Fields): AuthorizerRecord {
  if (f.Name.length < 1 || f.Name.length > 128) throw badRequest('Authorizer name must be between 1 and 128 characters.');
  for (const s of f.IdentitySource ?? []) {
    if (!IDENTITY.test(s)) throw badRequest(`Invalid identity source specified: ${s}`);
  }
  if (f.AuthorizerType === 'JWT') {
    if (!f.JwtConfiguration?.Issuer) throw badRequest('JwtConfiguration with an Issuer is required for JWT authorizers.');
    if (f.IdentitySource?.length !== 1) throw badRequest('A JWT authorizer requires exactly one identity source.');
    if (f.AuthorizerUri) throw badRequest('AuthorizerUri is not supported for JWT authorizers.');
    if (f.EnableSimpleResponses) throw badRequest('EnableSimpleResponses is supported only for REQUEST authorizers.');
    return {
      AuthorizerId: id,
      Name: f.Name,
      AuthorizerType: 'JWT',
      IdentitySource: f.IdentitySource,
      JwtConfiguration: { Audience: f.JwtConfiguration.Audience ?? [], Issuer: f.JwtConfiguration.Issuer },
    };
  }
  if (!f.AuthorizerUri) throw badRequest('AuthorizerUri is required for REQUEST authorizers.');
  if (!isLambdaTarget(f.AuthorizerUri)) throw badRequest(`Invalid authorizer URI specified: ${f.AuthorizerUri}`);
  const pfv = f.AuthorizerPayloadFormatVersion;
  if (!pfv) throw badRequest('AuthorizerPayloadFormatVersion is required for REQUEST authorizers.');
  if (pfv !== '1.0' && pfv !== '2.0') throw badRequest(`Invalid authorizer payload format version: ${pfv}. Supported versions are 1.0 and 2.0.`);
  if (f.EnableSimpleResponses && pfv !== '2.0') throw badRequest('Simple responses are supported only for authorizer payload format version 2.0.');
  // 300 s by default, as API Gateway; without identity sources there is nothing to cache by
  const ttl = f.AuthorizerResultTtlInSeconds ?? (f.IdentitySource?.length ? 300 : 0);
  if (ttl < 0 || ttl > 3600) throw badRequest('AuthorizerResultTtlInSeconds must be between 0 and 3600.');
  if (ttl > 0 && !f.IdentitySource?.length) throw badRequest('Identity sources are required when authorizer caching is enabled.');
  if (f.JwtConfiguration) throw badRequest('JwtConfiguration is supported only for JWT authorizers.');
  return {
    AuthorizerId: id,
    Name: f.Name,
    AuthorizerType: 'REQUEST',
    AuthorizerCredentialsArn: f.AuthorizerCredentialsArn,
    AuthorizerPayloadFormatVersion: pfv,
    AuthorizerResultTtlInSeconds: ttl,
    AuthorizerUri: f.AuthorizerUri,
    EnableSimpleResponses: f.EnableSimpleResponses ?? false,
    IdentitySource: f.IdentitySource ?? [],
  };
}

const view = (a: AuthorizerRecord) => ({ ...a });

export const authorizerHandlers: Handlers<Apigatewayv2Operations> = {
  CreateAuthorizer(ctx, { ApiId, ...f }) {
    const api = apiOf(ctx, ApiId);
    if (Object.values(api.authorizers).some((a) => a.Name === f.Name)) throw conflict(`Authorizer with name ${f.Name} already exists for this API`);
    if (Object.keys(api.authorizers).length >= 10) throw badRequest('Maximum number of authorizers for this API has been reached: 10');
    const rec = checkAuthorizer(newId(6), f);
    api.authorizers[rec.AuthorizerId] = rec;
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    return view(rec);
  },
  GetAuthorizer(ctx, { ApiId, AuthorizerId }) {
    return view(authorizerOf(ctx, apiOf(ctx, ApiId), AuthorizerId));
  },
  GetAuthorizers(ctx, input) {
    const api = apiOf(ctx, input.ApiId);
    return page(Object.values(api.authorizers).map(view), (a) => a.AuthorizerId, input);
  },
  UpdateAuthorizer(ctx, { ApiId, AuthorizerId, ...c }) {
    const api = apiOf(ctx, ApiId);
    const cur = authorizerOf(ctx, api, AuthorizerId);
    const merged = { ...cur, ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) } as Fields;
    if (merged.AuthorizerType !== cur.AuthorizerType) {
      const used = Object.values(api.routes).some((r) => r.AuthorizerId === AuthorizerId);
      if (used) throw badRequest('The type of an authorizer attached to routes cannot be changed.');
    }
    const rec = checkAuthorizer(AuthorizerId, merged);
    api.authorizers[AuthorizerId] = rec;
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    clearAuthorizerCache(ctx, ApiId);
    return view(rec);
  },
  DeleteAuthorizer(ctx, { ApiId, AuthorizerId }) {
    const api = apiOf(ctx, ApiId);
    authorizerOf(ctx, api, AuthorizerId);
    const routes = Object.values(api.routes).filter((r) => r.AuthorizerId === AuthorizerId);
    if (routes.length) throw conflict(`Cannot delete authorizer ${AuthorizerId}: it is attached to route(s) ${routes.map((r) => r.RouteKey).join(', ')}`);
    delete api.authorizers[AuthorizerId];
    saveApi(ctx, api);
    autoDeploy(ctx, api);
  },
};
