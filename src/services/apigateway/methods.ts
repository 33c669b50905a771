// Methods of a resource and their method responses.
import type { ApigatewayOperations, Method, MethodResponse } from '../../generated/apigateway.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict, notFound } from './errors.js';
import { integrationView } from './integrations.js';
import { apiOf, methodOf, resourceOf, saveApi } from './lookup.js';
import { applyPatches, scalars, type PatchRule, type PatchTarget } from './patch.js';
import type { ApiRecord, MethodRecord } from './store.js';

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'ANY'];
const AUTH_TYPES = ['NONE', 'AWS_IAM', 'CUSTOM', 'COGNITO_USER_POOLS'];
const REQUEST_PARAM = /^method\.request\.(path|querystring|header|multivalueheader|multivaluequerystring)\.[^.\s][^\s]*$/;
const RESPONSE_PARAM = /^method\.response\.header\.[^\s]+$/;

export function methodView(m: MethodRecord): Method {
  return {
    httpMethod: m.httpMethod,
    authorizationType: m.authorizationType,
    authorizerId: m.authorizerId,
    apiKeyRequired: m.apiKeyRequired,
    requestValidatorId: m.requestValidatorId,
    operationName: m.operationName,
    requestParameters: m.requestParameters && Object.keys(m.requestParameters).length ? m.requestParameters : undefined,
    requestModels: m.requestModels && Object.keys(m.requestModels).length ? m.requestModels : undefined,
    methodResponses: m.methodResponses && Object.keys(m.methodResponses).length ? m.methodResponses : undefined,
    methodIntegration: m.methodIntegration ? integrationView(m.methodIntegration) : undefined,
    authorizationScopes: m.authorizationScopes?.length ? m.authorizationScopes : undefined,
  };
}

export function checkHttpMethod(httpMethod: string): string {
  const m = httpMethod.toUpperCase();
  if (!HTTP_METHODS.includes(m)) throw badRequest('Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY');
  return m;
}

/** What only the API's state can tell: the authorizer, validator and models a method names exist. */
function checkReferences(api: ApiRecord, m: MethodRecord): void {
  if (!AUTH_TYPES.includes(m.authorizationType ?? '')) {
    throw badRequest(`Invalid authorization type specified. Must be one of: [${AUTH_TYPES.join(', ')}]`);
  }
  if (m.authorizationType === 'CUSTOM' || m.authorizationType === 'COGNITO_USER_POOLS') {
    const a = m.authorizerId ? api.authorizers[m.authorizerId] : undefined;
    if (!a) throw badRequest('Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.');
    if ((m.authorizationType === 'COGNITO_USER_POOLS') !== (a.type === 'COGNITO_USER_POOLS')) {
      throw badRequest(`Unable to set authorization type ${m.authorizationType} with an authorizer of type ${a.type}`);
    }
  } else delete m.authorizerId;
  if (m.requestValidatorId && !api.validators[m.requestValidatorId]) throw badRequest('Invalid Request Validator identifier specified');
  for (const [type, name] of Object.entries(m.requestModels ?? {})) {
    if (!api.models[name]) throw badRequest(`Invalid model identifier specified: ${name} for content type ${type}`);
  }
  for (const p of Object.keys(m.requestParameters ?? {})) {
    if (!REQUEST_PARAM.test(p)) throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method parameter specified: ${p}]`);
  }
}

function boolMap(t: PatchTarget, key: string, op: string, name: string, v: string | undefined): void {
  const map = (t[key] ??= {}) as Record<string, boolean>;
  if (op === 'remove') delete map[name];
  else map[name] = v === 'true';
}

const METHOD_RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/authorizationType', '/authorizerId', '/requestValidatorId', '/operationName'),
  { path: '/apiKeyRequired', ops: ['replace'], kind: 'boolean' },
  { path: '/requestParameters/*', ops: ['add', 'remove', 'replace'], apply: (t, op, v, w) => boolMap(t, 'requestParameters', op, w[0]!, v) },
  { path: '/requestModels/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
  { path: '/authorizationScopes', ops: ['add', 'remove'], apply: (t, op, v) => {
    const list: string[] = (t.authorizationScopes ??= []);
    if (op === 'add' && v && !list.includes(v)) list.push(v);
    if (op === 'remove') t.authorizationScopes = list.filter((s) => s !== v);
  } },
];

const RESPONSE_RULES: PatchRule[] = [
  { path: '/responseParameters/*', ops: ['add', 'remove', 'replace'], apply: (t, op, v, w) => boolMap(t, 'responseParameters', op, w[0]!, v) },
  { path: '/responseModels/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
];

export function checkStatusCode(code: string): void {
  if (!/^[1-5]\d\d$/.test(code)) throw badRequest('Invalid Response status code specified');
}

function responseOf(m: MethodRecord, statusCode: string): MethodResponse {
  const r = m.methodResponses?.[statusCode];
  if (!r) throw notFound('Invalid Response status code specified');
  return r;
}

function checkResponse(api: ApiRecord, r: MethodResponse): void {
  for (const p of Object.keys(r.responseParameters ?? {})) {
    if (!RESPONSE_PARAM.test(p)) throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid response parameter specified: ${p}]`);
  }
  for (const name of Object.values(r.responseModels ?? {})) if (!api.models[name]) throw badRequest(`Invalid model identifier specified: ${name}`);
}

export const methodHandlers: Handlers<ApigatewayOperations> = {
  PutMethod(ctx, input) {
    const api = apiOf(ctx, input.restApiId);
    const r = resourceOf(api, input.resourceId);
    const httpMethod = checkHttpMethod(input.httpMethod);
    if (r.methods[httpMethod]) throw conflict('Method already exists for this resource');
    const m: MethodRecord = {
      httpMethod,
      authorizationType: input.authorizationType,
      authorizerId: input.authorizerId,
      apiKeyRequired: input.apiKeyRequired ?? false,
      operationName: input.operationName,
      requestParameters: input.requestParameters,
      requestModels: input.requestModels,
      requestValidatorId: input.requestValidatorId,
      authorizationScopes: input.authorizationScopes,
    };
    checkReferences(api, m);
    r.methods[httpMethod] = m;
    saveApi(ctx, api);
    return methodView(m);
  },

  GetMethod(ctx, { restApiId, resourceId, httpMethod }) {
    return methodView(methodOf(apiOf(ctx, restApiId), resourceId, httpMethod));
  },

  UpdateMethod(ctx, { restApiId, resourceId, httpMethod, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const m = methodOf(api, resourceId, httpMethod);
    applyPatches(m, patchOperations, METHOD_RULES);
    checkReferences(api, m);
    saveApi(ctx, api);
    return methodView(m);
  },

  DeleteMethod(ctx, { restApiId, resourceId, httpMethod }) {
    const api = apiOf(ctx, restApiId);
    methodOf(api, resourceId, httpMethod);
    delete resourceOf(api, resourceId).methods[httpMethod.toUpperCase()];
    saveApi(ctx, api);
  },

  PutMethodResponse(ctx, { restApiId, resourceId, httpMethod, statusCode, responseParameters, responseModels }) {
    const api = apiOf(ctx, restApiId);
    const m = methodOf(api, resourceId, httpMethod);
    checkStatusCode(statusCode);
    const r: MethodResponse = { statusCode, responseParameters, responseModels };
    checkResponse(api, r);
    (m.methodResponses ??= {})[statusCode] = r;
    saveApi(ctx, api);
    return r;
  },

  GetMethodResponse(ctx, { restApiId, resourceId, httpMethod, statusCode }) {
    return responseOf(methodOf(apiOf(ctx, restApiId), resourceId, httpMethod), statusCode);
  },

  UpdateMethodResponse(ctx, { restApiId, resourceId, httpMethod, statusCode, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const r = responseOf(methodOf(api, resourceId, httpMethod), statusCode);
    applyPatches(r, patchOperations, RESPONSE_RULES);
    checkResponse(api, r);
    saveApi(ctx, api);
    return r;
  },

  DeleteMethodResponse(ctx, { restApiId, resourceId, httpMethod, statusCode }) {
    const api = apiOf(ctx, restApiId);
    const m = methodOf(api, resourceId, httpMethod);
    responseOf(m, statusCode);
    delete m.methodResponses![statusCode];
    saveApi(ctx, api);
  },
};
