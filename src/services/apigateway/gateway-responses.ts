// Gateway responses: what API Gateway answers itself (missing route, throttled, unauthorized …). Every type has
// a default; PutGatewayResponse customises one; DEFAULT_4XX/DEFAULT_5XX customise all of their class.
import type { ApigatewayOperations, GatewayResponse } from '../../generated/apigateway.js';
import type { Handlers } from '../define.js';
import { apiOf, page, saveApi } from './lookup.js';
import { badRequest } from './errors.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import type { ApiDefinition } from './store.js';

export type ResponseType = NonNullable<GatewayResponse['responseType']>;

/** Each type's own status (DEFAULT_4XX/5XX have none: the status of the error they stand for). */
export const DEFAULT_STATUS: Record<ResponseType, string | undefined> = {
  DEFAULT_4XX: undefined,
  DEFAULT_5XX: undefined,
  ACCESS_DENIED: '403',
  API_CONFIGURATION_ERROR: '500',
  AUTHORIZER_CONFIGURATION_ERROR: '500',
  AUTHORIZER_FAILURE: '500',
  BAD_REQUEST_PARAMETERS: '400',
  BAD_REQUEST_BODY: '400',
  EXPIRED_TOKEN: '403',
  INTEGRATION_FAILURE: '504',
  INTEGRATION_TIMEOUT: '504',
  INVALID_API_KEY: '403',
  INVALID_SIGNATURE: '403',
  MISSING_AUTHENTICATION_TOKEN: '403',
  QUOTA_EXCEEDED: '429',
  REQUEST_TOO_LARGE: '413',
  RESOURCE_NOT_FOUND: '404',
  THROTTLED: '429',
  UNAUTHORIZED: '401',
  UNSUPPORTED_MEDIA_TYPE: '415',
  WAF_FILTERED: '403',
};

const DEFAULT_TEMPLATE = { 'application/json': '{"message":$context.error.messageString}' };

function defaultResponse(type: ResponseType): GatewayResponse {
  return { responseType: type, statusCode: DEFAULT_STATUS[type], responseParameters: {}, responseTemplates: { ...DEFAULT_TEMPLATE }, defaultResponse: true };
}

function checkType(type: string): ResponseType {
  if (!(type in DEFAULT_STATUS)) throw badRequest(`Invalid response type specified: ${type}`);
  return type as ResponseType;
}

/** The response in effect for a type: its own customisation, else its class's (DEFAULT_4XX/5XX), else the default. */
export function effectiveResponse(def: Pick<ApiDefinition, 'gatewayResponses'>, type: ResponseType, status: number): { statusCode: number; responseParameters: Record<string, string>; responseTemplates: Record<string, string> } {
  const own = def.gatewayResponses[type];
  const klass = def.gatewayResponses[status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'];
  const base = own ?? klass;
  return {
    statusCode: Number(own?.statusCode ?? DEFAULT_STATUS[type] ?? status),
    responseParameters: { ...(klass?.responseParameters ?? {}), ...(own?.responseParameters ?? {}) },
    responseTemplates: base?.responseTemplates && Object.keys(base.responseTemplates).length ? base.responseTemplates : DEFAULT_TEMPLATE,
  };
}

function view(def: Pick<ApiDefinition, 'gatewayResponses'>, type: ResponseType): GatewayResponse {
  const own = def.gatewayResponses[type];
  return own ? { ...own, defaultResponse: false } : defaultResponse(type);
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/statusCode'),
  { path: '/responseParameters/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
  { path: '/responseTemplates/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
];

export const gatewayResponseHandlers: Handlers<ApigatewayOperations> = {
  PutGatewayResponse(ctx, { restApiId, responseType, statusCode, responseParameters, responseTemplates }) {
    const api = apiOf(ctx, restApiId);
    const type = checkType(responseType);
    if (statusCode !== undefined && !/^[1-5]\d\d$/.test(statusCode)) throw badRequest('Invalid status code specified');
    const r: GatewayResponse = {
      responseType: type,
      statusCode: statusCode ?? DEFAULT_STATUS[type],
      responseParameters: responseParameters ?? {},
      responseTemplates: responseTemplates ?? {},
      defaultResponse: false,
    };
    api.gatewayResponses[type] = r;
    saveApi(ctx, api);
    return r;
  },
  GetGatewayResponse(ctx, { restApiId, responseType }) {
    return view(apiOf(ctx, restApiId), checkType(responseType));
  },
  GetGatewayResponses(ctx, { restApiId, position, limit }) {
    const api = apiOf(ctx, restApiId);
    const all = (Object.keys(DEFAULT_STATUS) as ResponseType[]).map((t) => view(api, t));
    const p = page(all, (r) => r.responseType!, position, limit ?? 500);
    return { items: p.items, position: p.position };
  },
  UpdateGatewayResponse(ctx, { restApiId, responseType, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const type = checkType(responseType);
    const r = api.gatewayResponses[type] ?? { ...defaultResponse(type), defaultResponse: false };
    applyPatches(r, patchOperations, RULES);
    r.defaultResponse = false;
    api.gatewayResponses[type] = r;
    saveApi(ctx, api);
    return r;
  },
  DeleteGatewayResponse(ctx, { restApiId, responseType }) {
    const api = apiOf(ctx, restApiId);
    const type = checkType(responseType);
    if (!api.gatewayResponses[type]) throw badRequest(`Gateway response type not defined on api: ${type}`);
    delete api.gatewayResponses[type];
    saveApi(ctx, api);
  },
};
