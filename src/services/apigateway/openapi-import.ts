// ImportRestApi and PutRestApi: an OpenAPI 3.0 or Swagger 2.0 document (JSON or YAML) with API Gateway's
// x-amazon-apigateway-* extensions becomes resources, methods, integrations, models, validators, authorizers
// and gateway responses. Malformed documents answer BadRequestException naming the line.
import type { ApigatewayOperations, Authorizer, Integration, IntegrationResponse, MethodResponse } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { ApiDocumentError, readApiDocument } from './api-document.js';
import { restApiView } from './apis.js';
import { importDocumentationOf } from './documentation.js';
import { badRequest } from './errors.js';
import type { ResponseType } from './gateway-responses.js';
import { DEFAULT_STATUS } from './gateway-responses.js';
import { newId } from './ids.js';
import { apiOf, saveApi } from './lookup.js';
import { HTTP_METHODS } from './methods.js';
import { GLOBAL, tables, type ApiRecord, type MethodRecord, type ResourceRecord } from './store.js';

type Doc = Record<string, any>;

function parseDocument(body: Uint8Array | string): Doc {
  let doc: unknown;
  try {
    doc = readApiDocument(body);
  } catch (e) {
    if (e instanceof ApiDocumentError) throw badRequest(`Errors found during import:\n\t${e.message}`);
    throw e;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw badRequest('Errors found during import:\n\tThe API definition is not an object');
  const d = doc as Doc;
  if (!d.openapi && !d.swagger) throw badRequest("Errors found during import:\n\tUnable to parse API definition: neither 'openapi' nor 'swagger' is set");
  if (d.paths !== undefined && (typeof d.paths !== 'object' || Array.isArray(d.paths))) throw badRequest("Errors found during import:\n\t'paths' must be an object");
  return d;
}

const lower = (o: Doc | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

/** Rewrites $refs to the API's models, as API Gateway stores model schemas. */
function rewriteRefs(v: unknown, apiId: string): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, apiId));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') {
        const m = /^#\/(?:components\/schemas|definitions)\/(.+)$/.exec(x);
        out[k] = m ? `https://apigateway.amazonaws.com/restapis/${apiId}/models/${m[1]}` : x;
      } else out[k] = rewriteRefs(x, apiId);
    }
    return out;
  }
  return v;
}

const refName = (ref: unknown) => (typeof ref === 'string' ? /\/([^/]+)$/.exec(ref)?.[1] : undefined);

function integrationOf(x: Doc | undefined, warnings: string[], where: string): Integration | undefined {
  if (!x) return undefined;
  const type = String(x.type ?? '').toUpperCase();
  if (!['HTTP', 'AWS', 'MOCK', 'HTTP_PROXY', 'AWS_PROXY'].includes(type)) {
    warnings.push(`Invalid integration type at ${where}: ${x.type}`);
    return undefined;
  }
  const responses: Record<string, IntegrationResponse> = {};
  for (const [pattern, r] of Object.entries((x.responses ?? {}) as Record<string, Doc>)) {
    const statusCode = String(r.statusCode ?? '200');
    responses[statusCode] = {
      statusCode,
      selectionPattern: pattern === 'default' ? undefined : pattern,
      responseParameters: r.responseParameters,
      responseTemplates: r.responseTemplates,
      contentHandling: r.contentHandling,
    };
  }
  const timeout = x.timeoutInMillis === undefined ? 29000 : Number(x.timeoutInMillis);
  if (timeout < 50 || timeout > 29000) throw badRequest(`Errors found during import:\n\tTimeout should be between 50 ms and 29000 ms at ${where}`);
  return {
    type: type as Integration['type'],
    httpMethod: x.httpMethod ? String(x.httpMethod).toUpperCase() : undefined,
    uri: x.uri,
    connectionType: x.connectionType ?? 'INTERNET',
    connectionId: x.connectionId,
    credentials: x.credentials,
    requestParameters: x.requestParameters,
    requestTemplates: x.requestTemplates,
    passthroughBehavior: String(x.passthroughBehavior ?? 'when_no_match').toUpperCase(),
    contentHandling: x.contentHandling,
    timeoutInMillis: timeout,
    cacheNamespace: x.cacheNamespace,
    cacheKeyParameters: x.cacheKeyParameters ?? [],
    integrationResponses: Object.keys(responses).length ? responses : undefined,
  };
}

/** Fills `api` (its definition replaced or merged) from the document; returns warnings. */
function applyDocument(api: ApiRecord, doc: Doc, mode: 'overwrite' | 'merge'): string[] {
  const warnings: string[] = [];
  const oas3 = !!doc.openapi;
  if (mode === 'overwrite') {
    const rootId = api.rootResourceId;
    api.resources = { [rootId]: { id: rootId, path: '/', methods: {} } };
    api.models = {};
    api.validators = {};
    api.authorizers = {};
    api.gatewayResponses = {};
  }
  if (doc.info?.title && mode === 'overwrite') api.name = String(doc.info.title);
  if (doc.info?.description !== undefined) api.description = String(doc.info.description);
  if (doc.info?.version !== undefined) api.version = String(doc.info.version);
  if (Array.isArray(doc['x-amazon-apigateway-binary-media-types'])) api.binaryMediaTypes = doc['x-amazon-apigateway-binary-media-types'].map(String);
  const source = doc['x-amazon-apigateway-api-key-source'];
  if (source) api.apiKeySource = String(source).toUpperCase() === 'AUTHORIZER' ? 'AUTHORIZER' : 'HEADER';
  if (doc['x-amazon-apigateway-minimum-compression-size'] !== undefined) api.minimumCompressionSize = Number(doc['x-amazon-apigateway-minimum-compression-size']);
  if (doc['x-amazon-apigateway-policy']) api.policy = JSON.stringify(doc['x-amazon-apigateway-policy']);

  // models
  const schemas: Doc = (oas3 ? doc.components?.schemas : doc.definitions) ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!/^[a-zA-Z0-9]+$/.test(name)) {
      warnings.push(`Model name must be alphanumeric: ${name}`);
      continue;
    }
    api.models[name] = { id: api.models[name]?.id ?? newId(), name, contentType: 'application/json', schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', ...(rewriteRefs(schema, api.id) as Doc) }, null, 2) };
  }
  // validators
  const validatorIds = new Map<string, string>();
  for (const [name, v] of Object.entries((doc['x-amazon-apigateway-request-validators'] ?? {}) as Record<string, Doc>)) {
    const id = newId(6);
    api.validators[id] = { id, name, validateRequestBody: !!v.validateRequestBody, validateRequestParameters: !!v.validateRequestParameters };
    validatorIds.set(name, id);
  }
  const defaultValidator = doc['x-amazon-apigateway-request-validator'];
  // authorizers and API key schemes
  const schemes: Doc = (oas3 ? doc.components?.securitySchemes : doc.securityDefinitions) ?? {};
  const authorizerIds = new Map<string, string>();
  const apiKeySchemes = new Set<string>();
  const iamSchemes = new Set<string>();
  for (const [name, s] of Object.entries(schemes as Record<string, Doc>)) {
    const a = s['x-amazon-apigateway-authorizer'] as Doc | undefined;
    if (a) {
      const id = newId(6);
      const type = String(a.type ?? 'token').toUpperCase() as Authorizer['type'];
      api.authorizers[id] = {
        id,
        name,
        type,
        authType: s['x-amazon-apigateway-authtype'] ?? 'custom',
        authorizerUri: a.authorizerUri,
        authorizerCredentials: a.authorizerCredentials,
        identitySource: a.identitySource ?? (type === 'TOKEN' || type === 'COGNITO_USER_POOLS' ? `method.request.header.${s.name ?? 'Authorization'}` : undefined),
        identityValidationExpression: a.identityValidationExpression,
        authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds ?? 300,
        providerARNs: a.providerARNs,
      };
      authorizerIds.set(name, id);
    } else if (s.type === 'apiKey' && String(s.name).toLowerCase() === 'x-api-key') apiKeySchemes.add(name);
    else if (String(s['x-amazon-apigateway-authtype'] ?? '').toLowerCase() === 'awssigv4') iamSchemes.add(name);
  }
  // gateway responses
  for (const [type, r] of Object.entries((doc['x-amazon-apigateway-gateway-responses'] ?? {}) as Record<string, Doc>)) {
    if (!(type in DEFAULT_STATUS)) {
      warnings.push(`Invalid gateway response type: ${type}`);
      continue;
    }
    api.gatewayResponses[type] = { responseType: type as ResponseType, statusCode: r.statusCode !== undefined ? String(r.statusCode) : DEFAULT_STATUS[type as ResponseType], responseParameters: r.responseParameters ?? {}, responseTemplates: r.responseTemplates ?? {}, defaultResponse: false };
  }
  // paths
  const byPath = new Map<string, ResourceRecord>(Object.values(api.resources).map((r) => [r.path, r]));
  const ensure = (path: string): ResourceRecord => {
    const normalized = path === '/' ? '/' : '/' + path.split('/').filter(Boolean).join('/');
    const hit = byPath.get(normalized);
    if (hit) return hit;
    const cut = normalized.lastIndexOf('/');
    const parent = ensure(cut === 0 ? '/' : normalized.slice(0, cut));
    const part = normalized.slice(cut + 1);
    if (!/^(?:[a-zA-Z0-9._:-]+|\{[a-zA-Z0-9._-]+\+?\})$/.test(part)) throw badRequest(`Errors found during import:\n\tInvalid resource path part: ${part} in ${path}`);
    const r: ResourceRecord = { id: newId(), parentId: parent.id, pathPart: part, path: normalized, methods: {} };
    api.resources[r.id] = r;
    byPath.set(normalized, r);
    return r;
  };
  const globalSecurity = doc.security as Doc[] | undefined;
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Doc>)) {
    if (!path.startsWith('/')) throw badRequest(`Errors found during import:\n\tInvalid path ${path}: paths must start with /`);
    const r = ensure(path);
    const shared = (item.parameters ?? []) as Doc[];
    for (const [verb, op] of Object.entries(item)) {
      const httpMethod = verb === 'x-amazon-apigateway-any-method' ? 'ANY' : verb.toUpperCase();
      if (!HTTP_METHODS.includes(httpMethod) || !op || typeof op !== 'object') continue;
      const o = op as Doc;
      const m: MethodRecord = { httpMethod, authorizationType: 'NONE', apiKeyRequired: false, operationName: o.operationId };
      for (const req of (o.security ?? globalSecurity ?? []) as Doc[]) {
        for (const name of Object.keys(req)) {
          if (authorizerIds.has(name)) {
            const a = api.authorizers[authorizerIds.get(name)!]!;
            m.authorizationType = a.type === 'COGNITO_USER_POOLS' ? 'COGNITO_USER_POOLS' : 'CUSTOM';
            m.authorizerId = a.id;
            if (Array.isArray(req[name]) && req[name].length && a.type === 'COGNITO_USER_POOLS') m.authorizationScopes = req[name];
          } else if (apiKeySchemes.has(name)) m.apiKeyRequired = true;
          else if (iamSchemes.has(name)) m.authorizationType = 'AWS_IAM';
        }
      }
      const params: Record<string, boolean> = {};
      for (const p of [...shared, ...((o.parameters ?? []) as Doc[])]) {
        const where = ({ path: 'path', query: 'querystring', header: 'header' } as Record<string, string>)[p.in];
        if (where) params[`method.request.${where}.${p.name}`] = !!p.required;
        if (p.in === 'body' && p.schema) {
          const name = refName(p.schema.$ref);
          if (name) m.requestModels = { 'application/json': name };
        }
      }
      if (Object.keys(params).length) m.requestParameters = params;
      if (o.requestBody?.content) {
        const models: Record<string, string> = {};
        for (const [type, c] of Object.entries(o.requestBody.content as Record<string, Doc>)) {
          const name = refName(c.schema?.$ref);
          if (name) models[type] = name;
        }
        if (Object.keys(models).length) m.requestModels = models;
      }
      const validator = o['x-amazon-apigateway-request-validator'] ?? defaultValidator;
      if (validator) {
        const id = validatorIds.get(String(validator));
        if (id) m.requestValidatorId = id;
        else warnings.push(`Unknown request validator ${validator} at ${httpMethod} ${path}`);
      }
      const responses: Record<string, MethodResponse> = {};
      for (const [code, resp] of Object.entries((o.responses ?? {}) as Record<string, Doc>)) {
        if (!/^[1-5]\d\d$/.test(code)) continue;
        const mr: MethodResponse = { statusCode: code };
        const headers = Object.keys(resp.headers ?? {});
        if (headers.length) mr.responseParameters = Object.fromEntries(headers.map((h) => [`method.response.header.${h}`, false]));
        const content = oas3 ? (resp.content as Record<string, Doc> | undefined) : resp.schema ? { 'application/json': { schema: resp.schema } } : undefined;
        const models: Record<string, string> = {};
        for (const [type, c] of Object.entries(content ?? {})) {
          const name = refName(c.schema?.$ref);
          if (name) models[type] = name;
        }
        if (Object.keys(models).length) mr.responseModels = models;
        responses[code] = mr;
      }
      if (Object.keys(responses).length) m.methodResponses = responses;
      m.methodIntegration = integrationOf(o['x-amazon-apigateway-integration'], warnings, `${httpMethod} ${path}`);
      if (m.methodIntegration && !m.methodIntegration.cacheNamespace) m.methodIntegration.cacheNamespace = r.id;
      r.methods[httpMethod] = m;
    }
  }
  return warnings;
}

function failIfWarned(warnings: string[], failOnWarnings: boolean | undefined): void {
  if (failOnWarnings && warnings.length) throw badRequest(`Warnings found during import:\n\t${warnings.join('\n\t')}`);
}

export const importHandlers: Handlers<ApigatewayOperations> = {
  ImportRestApi(ctx: RequestContext, { body, failOnWarnings, parameters }) {
    const doc = parseDocument(body);
    const rootId = newId();
    const types = (parameters?.endpointConfigurationTypes ?? 'EDGE').split(',').map((s) => s.trim().toUpperCase()) as ('EDGE' | 'REGIONAL' | 'PRIVATE')[];
    const api: ApiRecord = {
      id: newId(),
      name: String(doc.info?.title ?? 'imported'),
      binaryMediaTypes: [],
      apiKeySource: 'HEADER',
      rootResourceId: rootId,
      resources: { [rootId]: { id: rootId, path: '/', methods: {} } },
      models: {},
      validators: {},
      authorizers: {},
      gatewayResponses: {},
      createdDate: ctx.clock.now(),
      endpointConfiguration: { types, ipAddressType: 'ipv4' },
      disableExecuteApiEndpoint: false,
      tags: {},
    };
    const warnings = applyDocument(api, doc, 'overwrite');
    failIfWarned(warnings, failOnWarnings);
    saveApi(ctx, api);
    tables(ctx.store).index.put(GLOBAL, api.id, { account: ctx.account, region: ctx.region, disabled: false });
    importDocumentationOf(ctx, api.id, doc, 'overwrite');
    return { ...restApiView(api), warnings: warnings.length ? warnings : undefined };
  },

  PutRestApi(ctx, { restApiId, mode, body, failOnWarnings }) {
    const api = apiOf(ctx, restApiId);
    const doc = parseDocument(body);
    const warnings = applyDocument(api, doc, mode === 'overwrite' ? 'overwrite' : 'merge');
    failIfWarned(warnings, failOnWarnings);
    tables(ctx.store).apis.put(regional(ctx), api.id, api);
    importDocumentationOf(ctx, api.id, doc, mode === 'overwrite' ? 'overwrite' : 'merge');
    return { ...restApiView(api), warnings: warnings.length ? warnings : undefined };
  },
};
