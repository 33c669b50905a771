// ImportApi, ReimportApi and ExportApi: HTTP APIs as OpenAPI 3.0 documents (JSON or YAML) with API Gateway's
// x-amazon-apigateway-* extensions (integration, any-method, cors, authorizer, importexport-version). Import
// builds the same records CreateRoute/CreateIntegration/CreateAuthorizer do (reusing their checks), so imported
// APIs serve traffic like hand-built ones; an error discards the whole document (the handler's transaction).
import type { Apigatewayv2Operations, CreateAuthorizerRequest, CreateIntegrationRequest, Cors } from '../../generated/apigatewayv2.js';
import { AwsError } from '../../protocol/errors.js';
import { regional, type RequestContext } from '../../server/context.js';
import { ApiDocumentError, readApiDocument, toYaml } from '../apigateway/index.js';
import type { Handlers } from '../define.js';
import { apiEndpoint, apiView } from './apis.js';
import { authorizerHandlers } from './authorizers.js';
import { autoDeploy } from './deploy.js';
import { badRequest, notFound } from './errors.js';
import { newId } from './ids.js';
import { addIntegration } from './integrations.js';
import { apiOf, saveApi, stageOf } from './lookup.js';
import { addRoute } from './routes.js';
import { vpcLinkExists } from './vpc-links.js';
import { GLOBAL, tables, type ApiDefinition, type ApiRecord, type AuthorizerRecord, type IntegrationRecord, type RouteRecord } from './store.js';

type Doc = Record<string, any>;

const OPERATIONS: Record<string, string> = {
  get: 'GET',
  put: 'PUT',
  post: 'POST',
  delete: 'DELETE',
  options: 'OPTIONS',
  head: 'HEAD',
  patch: 'PATCH',
  'x-amazon-apigateway-any-method': 'ANY',
};
const INTEGRATIONS_REF = '#/components/x-amazon-apigateway-integrations/';

const importError = (problem: string) => badRequest(`Errors found during import:\n\t${problem}`);
const isObject = (v: unknown): v is Doc => !!v && typeof v === 'object' && !Array.isArray(v);

function parseDocument(body: string | Uint8Array): Doc {
  let doc: unknown;
  try {
    doc = readApiDocument(body);
  } catch (e) {
    if (e instanceof ApiDocumentError) throw importError(e.message);
    throw e;
  }
  if (!isObject(doc)) throw importError('Unable to parse API definition: the definition is not an object.');
  if (!doc.openapi && !doc.swagger) throw importError('Unable to parse API definition: the definition must be an OpenAPI 3.0 (or Swagger 2.0) document.');
  if (doc.openapi && !/^3\.0(\.\d+)?$/.test(String(doc.openapi))) throw importError(`Unsupported OpenAPI version ${doc.openapi}. HTTP APIs support OpenAPI 3.0.`);
  if (!isObject(doc.paths) && doc.paths !== undefined) throw importError('paths must be an object.');
  const v = doc['x-amazon-apigateway-importexport-version'];
  if (v !== undefined && String(v) !== '1.0') throw importError(`Unsupported x-amazon-apigateway-importexport-version ${v}. Supported version is 1.0.`);
  return doc;
}

/** The base path: Swagger's basePath; in OpenAPI 3.0 a basePath server variable, else the path of servers[0].url. */
function basePathOf(doc: Doc): string {
  let p = '';
  if (typeof doc.basePath === 'string') p = doc.basePath;
  else {
    const servers: Doc[] = Array.isArray(doc.servers) ? doc.servers.filter(isObject) : [];
    const withVar = servers.find((s) => isObject(s.variables?.basePath));
    if (withVar) p = String(withVar.variables.basePath.default ?? '');
    else if (typeof servers[0]?.url === 'string') {
      const m = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(servers[0].url);
      p = m ? (m[1] ?? '') : servers[0].url.startsWith('/') ? servers[0].url : '';
    }
  }
  return p.split('/').filter((s) => s && !s.includes('{')).map((s) => `/${s}`).join('');
}

function prefixFor(doc: Doc, mode: string | undefined): string {
  const m = (mode ?? 'ignore').toLowerCase();
  if (m !== 'ignore' && m !== 'prepend' && m !== 'split') throw badRequest(`Invalid basepath mode specified: ${mode}. Valid values are ignore, prepend and split.`);
  const base = basePathOf(doc);
  if (m === 'ignore') return '';
  // split: the first part of the base path is treated as a stage and dropped
  return m === 'prepend' ? base : base.split('/').slice(2).map((s) => `/${s}`).join('');
}

const list = (v: unknown): string[] | undefined => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);
const identities = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

function corsOf(v: unknown): Cors | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw importError('x-amazon-apigateway-cors must be an object.');
  const cors: Cors = {
    AllowCredentials: v.allowCredentials === undefined ? undefined : v.allowCredentials === true || v.allowCredentials === 'true',
    AllowHeaders: list(v.allowHeaders),
    AllowMethods: list(v.allowMethods),
    AllowOrigins: list(v.allowOrigins),
    ExposeHeaders: list(v.exposeHeaders),
    MaxAge: v.maxAge === undefined ? undefined : Number(v.maxAge),
  };
  if (cors.AllowCredentials && cors.AllowOrigins?.includes('*')) throw badRequest("CORS configuration is invalid: AllowCredentials cannot be true when AllowOrigins contains '*'.");
  if (cors.MaxAge !== undefined && (!Number.isInteger(cors.MaxAge) || cors.MaxAge < -1 || cors.MaxAge > 86400)) throw badRequest('CORS configuration is invalid: MaxAge must be between -1 and 86400.');
  return JSON.parse(JSON.stringify(cors)) as Cors;
}

type AuthKind = { type: 'JWT' | 'CUSTOM'; id: string } | { type: 'AWS_IAM' };

/** securitySchemes with x-amazon-apigateway-authorizer become authorizers, named after the scheme. */
function importAuthorizers(ctx: RequestContext, api: ApiRecord, doc: Doc, warnings: string[]): Map<string, AuthKind> {
  const kinds = new Map<string, AuthKind>();
  const schemes = doc.openapi ? doc.components?.securitySchemes : doc.securityDefinitions;
  for (const [name, s] of Object.entries(isObject(schemes) ? schemes : {})) {
    if (!isObject(s)) continue;
    if (String(s['x-amazon-apigateway-authtype'] ?? '').toLowerCase() === 'awssigv4') {
      kinds.set(name, { type: 'AWS_IAM' });
      continue;
    }
    const a = s['x-amazon-apigateway-authorizer'];
    if (!isObject(a)) {
      warnings.push(`Security scheme ${name} has no x-amazon-apigateway-authorizer and was ignored.`);
      continue;
    }
    const type = String(a.type ?? '').toLowerCase();
    let input: CreateAuthorizerRequest;
    if (type === 'jwt') {
      const jwt = isObject(a.jwtConfiguration) ? a.jwtConfiguration : {};
      input = {
        ApiId: api.ApiId,
        Name: name,
        AuthorizerType: 'JWT',
        IdentitySource: identities(a.identitySource) ?? ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: jwt.issuer === undefined ? undefined : String(jwt.issuer), Audience: list(jwt.audience) },
      };
    } else if (type === 'request') {
      input = {
        ApiId: api.ApiId,
        Name: name,
        AuthorizerType: 'REQUEST',
        AuthorizerUri: a.authorizerUri === undefined ? undefined : String(a.authorizerUri),
        AuthorizerCredentialsArn: a.authorizerCredentials === undefined ? undefined : String(a.authorizerCredentials),
        AuthorizerPayloadFormatVersion: a.authorizerPayloadFormatVersion === undefined ? undefined : String(a.authorizerPayloadFormatVersion),
        AuthorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds === undefined ? undefined : Number(a.authorizerResultTtlInSeconds),
        EnableSimpleResponses: a.enableSimpleResponses === undefined ? undefined : a.enableSimpleResponses === true || a.enableSimpleResponses === 'true',
        IdentitySource: identities(a.identitySource) ?? [],
      };
    } else {
      throw importError(`Authorizer ${name} has unsupported type ${a.type}. HTTP APIs support authorizers of type jwt and request.`);
    }
    const created = authorizerHandlers.CreateAuthorizer!(ctx, input) as AuthorizerRecord;
    kinds.set(name, { type: created.AuthorizerType === 'JWT' ? 'JWT' : 'CUSTOM', id: created.AuthorizerId });
  }
  return kinds;
}

type IntegrationFields = Omit<CreateIntegrationRequest, 'ApiId'>;

function integrationFields(x: Doc, where: string): IntegrationFields {
  const t = String(x.type ?? '').toUpperCase();
  if (t !== 'AWS_PROXY' && t !== 'HTTP_PROXY') throw importError(`Integration type ${x.type ?? '(none)'} at ${where} is not supported for HTTP APIs. Supported types are aws_proxy and http_proxy.`);
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const tls = isObject(x.tlsConfig) && x.tlsConfig.serverNameToVerify !== undefined ? { ServerNameToVerify: String(x.tlsConfig.serverNameToVerify) } : undefined;
  const f: IntegrationFields = {
    IntegrationType: t,
    IntegrationUri: str(x.uri),
    IntegrationMethod: str(x.httpMethod),
    IntegrationSubtype: str(x.integrationSubtype),
    // documents exported from REST APIs carry no payloadFormatVersion; 1.0 is their event format
    PayloadFormatVersion: str(x.payloadFormatVersion) ?? '1.0',
    ConnectionType: x.connectionType === undefined ? undefined : (String(x.connectionType).toUpperCase() as 'INTERNET' | 'VPC_LINK'),
    ConnectionId: str(x.connectionId),
    CredentialsArn: str(x.credentials),
    Description: str(x.description),
    TimeoutInMillis: x.timeoutInMillis === undefined ? undefined : Number(x.timeoutInMillis),
    RequestParameters: isObject(x.requestParameters) ? Object.fromEntries(Object.entries(x.requestParameters).map(([k, v]) => [k, String(v)])) : undefined,
    ResponseParameters: isObject(x.responseParameters)
      ? Object.fromEntries(Object.entries(x.responseParameters).map(([code, m]) => [code, Object.fromEntries(Object.entries(isObject(m) ? m : {}).map(([k, v]) => [k, String(v)]))]))
      : undefined,
    TlsConfig: tls,
  };
  return JSON.parse(JSON.stringify(f)) as IntegrationFields;
}

function applyDocument(ctx: RequestContext, api: ApiRecord, doc: Doc, basepath: string | undefined): string[] {
  const warnings: string[] = [];
  const prefix = prefixFor(doc, basepath);
  const kinds = importAuthorizers(ctx, api, doc, warnings);
  Object.assign(api, { authorizers: apiOf(ctx, api.ApiId).authorizers });
  const shared: Doc = isObject(doc.components?.['x-amazon-apigateway-integrations']) ? doc.components['x-amazon-apigateway-integrations'] : {};
  const byShape = new Map<string, string>();
  const integrationFor = (raw: unknown, where: string): string | undefined => {
    if (raw === undefined) return undefined;
    let x = raw;
    if (isObject(x) && typeof x.$ref === 'string') {
      if (!x.$ref.startsWith(INTEGRATIONS_REF) || !isObject(shared[x.$ref.slice(INTEGRATIONS_REF.length)])) throw importError(`Invalid integration reference ${x.$ref} at ${where}.`);
      x = shared[x.$ref.slice(INTEGRATIONS_REF.length)];
    }
    if (!isObject(x)) throw importError(`x-amazon-apigateway-integration at ${where} must be an object.`);
    const f = integrationFields(x, where);
    const shape = JSON.stringify(f);
    let id = byShape.get(shape);
    if (!id) {
      if (f.ConnectionType === 'VPC_LINK' && f.ConnectionId && !vpcLinkExists(ctx, f.ConnectionId)) throw notFound(`Unable to find VpcLink with id '${f.ConnectionId}'.`, 'VpcLink');
      id = addIntegration(api, f).IntegrationId;
      byShape.set(shape, id);
    }
    return id;
  };
  const rootSecurity = Array.isArray(doc.security) ? doc.security : undefined;
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(item)) continue;
    for (const [key, op] of Object.entries(item)) {
      const method = OPERATIONS[key.toLowerCase()];
      if (!method) {
        // parameters, summary, servers and other extensions of a path item carry nothing an HTTP API keeps
        if (key === 'trace') warnings.push(`Method TRACE at ${path} is not supported by HTTP APIs and was ignored.`);
        continue;
      }
      if (!isObject(op)) throw importError(`Operation ${key} at ${path} must be an object.`);
      const isDefault = op.isDefaultRoute === true || path === '$default' || path === '/$default';
      const routeKey = isDefault ? '$default' : `${method} ${(prefix + (path.startsWith('/') ? path : `/${path}`)).replace(/(.)\/$/, '$1')}`;
      const where = isDefault ? '$default' : `${method} ${path}`;
      const target = integrationFor(op['x-amazon-apigateway-integration'], where);
      let auth: { AuthorizationType?: 'NONE' | 'AWS_IAM' | 'CUSTOM' | 'JWT'; AuthorizerId?: string; AuthorizationScopes?: string[] } = {};
      const security = Array.isArray(op.security) ? op.security : rootSecurity;
      const req = security?.find((s: unknown) => isObject(s) && Object.keys(s).length);
      if (req) {
        const [scheme, scopes] = Object.entries(req as Doc)[0]!;
        const kind = kinds.get(scheme);
        if (!kind) warnings.push(`Security scheme ${scheme} used by ${where} is not defined with an API Gateway authorizer and was ignored.`);
        else if (kind.type === 'AWS_IAM') auth = { AuthorizationType: 'AWS_IAM' };
        else auth = { AuthorizationType: kind.type, AuthorizerId: kind.id, AuthorizationScopes: kind.type === 'JWT' && Array.isArray(scopes) && scopes.length ? scopes.map(String) : undefined };
      }
      if (String(op['x-amazon-apigateway-auth']?.type ?? '').toUpperCase() === 'AWS_IAM') auth = { AuthorizationType: 'AWS_IAM' };
      try {
        addRoute(ctx, api, { RouteKey: routeKey, Target: target ? `integrations/${target}` : undefined, OperationName: typeof op.operationId === 'string' ? op.operationId : undefined, ...auth });
      } catch (e) {
        // a clash between two paths of the document is a problem with the document
        if (e instanceof AwsError && e.code === 'ConflictException') throw importError(e.message);
        throw e;
      }
    }
  }
  return warnings;
}

function failIfWarned(warnings: string[], failOnWarnings: boolean | undefined): void {
  if (failOnWarnings && warnings.length) throw badRequest(`Warnings found during import:\n\t${warnings.join('\n\t')}`);
}

function importInto(ctx: RequestContext, api: ApiRecord, doc: Doc, basepath: string | undefined, failOnWarnings: boolean | undefined) {
  api.routes = {};
  api.integrations = {};
  api.authorizers = {};
  saveApi(ctx, api);
  const warnings = applyDocument(ctx, api, doc, basepath);
  failIfWarned(warnings, failOnWarnings);
  saveApi(ctx, api);
  autoDeploy(ctx, api);
  return { ...apiView(ctx, api), Warnings: warnings.length ? warnings : undefined };
}

function metaOf(doc: Doc) {
  const info = isObject(doc.info) ? doc.info : {};
  const endpoint = isObject(doc['x-amazon-apigateway-endpoint-configuration']) ? doc['x-amazon-apigateway-endpoint-configuration'] : isObject(doc.servers?.[0]?.['x-amazon-apigateway-endpoint-configuration']) ? doc.servers[0]['x-amazon-apigateway-endpoint-configuration'] : {};
  return {
    title: info.title === undefined || info.title === null ? undefined : String(info.title),
    description: info.description === undefined ? undefined : String(info.description),
    version: info.version === undefined ? undefined : String(info.version),
    cors: corsOf(doc['x-amazon-apigateway-cors']),
    disable: endpoint.disableExecuteApiEndpoint === true || endpoint.disableExecuteApiEndpoint === 'true',
  };
}

// ---- export ----

const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'UTC');

function integrationExtension(i: IntegrationRecord): Doc {
  return {
    type: i.IntegrationType.toLowerCase(),
    integrationSubtype: i.IntegrationSubtype,
    httpMethod: i.IntegrationMethod,
    uri: i.IntegrationUri,
    connectionType: i.ConnectionType,
    connectionId: i.ConnectionId,
    credentials: i.CredentialsArn,
    description: i.Description,
    payloadFormatVersion: i.PayloadFormatVersion,
    timeoutInMillis: i.TimeoutInMillis,
    requestParameters: i.RequestParameters,
    responseParameters: i.ResponseParameters,
    tlsConfig: i.TlsConfig?.ServerNameToVerify ? { serverNameToVerify: i.TlsConfig.ServerNameToVerify } : undefined,
  };
}

function authorizerScheme(a: AuthorizerRecord, extensions: boolean): Doc {
  const header = /^\$request\.header\.(.+)$/.exec(a.IdentitySource[0] ?? '')?.[1];
  const scheme: Doc = a.AuthorizerType === 'JWT' ? { type: 'oauth2', flows: {} } : { type: 'apiKey', name: header ?? 'Unused', in: 'header' };
  if (!extensions) return scheme;
  scheme['x-amazon-apigateway-authorizer'] =
    a.AuthorizerType === 'JWT'
      ? { type: 'jwt', identitySource: a.IdentitySource.join(', '), jwtConfiguration: { audience: a.JwtConfiguration?.Audience ?? [], issuer: a.JwtConfiguration?.Issuer } }
      : {
          type: 'request',
          identitySource: a.IdentitySource.join(', '),
          authorizerUri: a.AuthorizerUri,
          authorizerCredentials: a.AuthorizerCredentialsArn,
          authorizerPayloadFormatVersion: a.AuthorizerPayloadFormatVersion,
          authorizerResultTtlInSeconds: a.AuthorizerResultTtlInSeconds,
          enableSimpleResponses: a.EnableSimpleResponses,
        };
  return scheme;
}

function exportDocument(ctx: RequestContext, api: ApiRecord, def: ApiDefinition, stageName: string | undefined, extensions: boolean, when: number): Doc {
  const paths: Doc = {};
  const schemes: Doc = {};
  const routes = Object.values(def.routes).sort((a: RouteRecord, b: RouteRecord) => a.RouteKey.localeCompare(b.RouteKey));
  for (const r of routes) {
    const isDefault = r.RouteKey === '$default';
    const [method, path] = isDefault ? ['ANY', '/$default'] : [r.RouteKey.slice(0, r.RouteKey.indexOf(' ')), r.RouteKey.slice(r.RouteKey.indexOf(' ') + 1)];
    const op: Doc = {};
    if (r.OperationName) op.operationId = r.OperationName;
    const vars = (path.match(/\{[^}]+\}/g) ?? []).map((v) => v.replace(/[{}+]/g, ''));
    if (vars.length) op.parameters = vars.map((name) => ({ name, in: 'path', description: `Generated path parameter for ${name}`, required: true, schema: { type: 'string' } }));
    op.responses = { default: { description: `Default response for ${r.RouteKey}` } };
    if ((r.AuthorizationType === 'JWT' || r.AuthorizationType === 'CUSTOM') && r.AuthorizerId && def.authorizers[r.AuthorizerId]) {
      const a = def.authorizers[r.AuthorizerId]!;
      op.security = [{ [a.Name]: r.AuthorizationScopes ?? [] }];
      schemes[a.Name] = authorizerScheme(a, extensions);
    } else if (r.AuthorizationType === 'AWS_IAM') {
      op.security = [{ sigv4: [] }];
      schemes.sigv4 = { type: 'apiKey', name: 'Authorization', in: 'header', ...(extensions ? { 'x-amazon-apigateway-authtype': 'awsSigv4' } : {}) };
    }
    const target = /^integrations\/(.+)$/.exec(r.Target ?? '')?.[1];
    if (extensions && target && def.integrations[target]) op['x-amazon-apigateway-integration'] = integrationExtension(def.integrations[target]!);
    if (isDefault && extensions) op.isDefaultRoute = true;
    (paths[path] ??= {})[method === 'ANY' ? 'x-amazon-apigateway-any-method' : method.toLowerCase()] = op;
  }
  // authorizers no route uses are part of the API too
  for (const a of Object.values(def.authorizers)) if (!schemes[a.Name]) schemes[a.Name] = authorizerScheme(a, extensions);
  const info: Doc = { title: api.Name, description: api.Description, version: api.Version ?? stamp(when) };
  const server: Doc = { url: `${apiEndpoint(ctx, api.ApiId)}/{basePath}`, variables: { basePath: { default: stageName && stageName !== '$default' ? stageName : '' } } };
  if (extensions && api.DisableExecuteApiEndpoint) server['x-amazon-apigateway-endpoint-configuration'] = { disableExecuteApiEndpoint: true };
  const doc: Doc = { openapi: '3.0.1', info, servers: [server], paths };
  if (Object.keys(schemes).length) doc.components = { securitySchemes: schemes };
  if (extensions && api.CorsConfiguration) {
    const c = api.CorsConfiguration;
    doc['x-amazon-apigateway-cors'] = { allowCredentials: c.AllowCredentials, allowHeaders: c.AllowHeaders, allowMethods: c.AllowMethods, allowOrigins: c.AllowOrigins, exposeHeaders: c.ExposeHeaders, maxAge: c.MaxAge };
  }
  if (extensions) doc['x-amazon-apigateway-importexport-version'] = '1.0';
  return JSON.parse(JSON.stringify(doc)) as Doc;
}

export const openApiHandlers: Handlers<Apigatewayv2Operations> = {
  ImportApi(ctx, { Body, Basepath, FailOnWarnings }) {
    const doc = parseDocument(Body);
    const meta = metaOf(doc);
    if (!meta.title) throw importError('Unable to create API: the definition has no info.title.');
    const t = tables(ctx.store);
    let apiId = newId();
    while (t.index.has(GLOBAL, apiId)) apiId = newId();
    const api: ApiRecord = {
      ApiId: apiId,
      Name: meta.title,
      ProtocolType: 'HTTP',
      RouteSelectionExpression: '$request.method $request.path',
      ApiKeySelectionExpression: '$request.header.x-api-key',
      CorsConfiguration: meta.cors,
      Description: meta.description,
      DisableExecuteApiEndpoint: meta.disable,
      IpAddressType: 'ipv4',
      Version: meta.version,
      CreatedDate: ctx.clock.now(),
      Tags: {},
      routes: {},
      integrations: {},
      authorizers: {},
    };
    t.index.put(GLOBAL, apiId, regional(ctx));
    return importInto(ctx, api, doc, Basepath, FailOnWarnings);
  },
  ReimportApi(ctx, { ApiId, Body, Basepath, FailOnWarnings }) {
    const api = apiOf(ctx, ApiId);
    const doc = parseDocument(Body);
    const meta = metaOf(doc);
    // a reimport replaces the definition; the API keeps its id, stages, tags and endpoint
    if (meta.title) api.Name = meta.title;
    api.Description = meta.description;
    api.Version = meta.version;
    api.CorsConfiguration = meta.cors;
    api.DisableExecuteApiEndpoint = meta.disable;
    return importInto(ctx, api, doc, Basepath, FailOnWarnings);
  },
  ExportApi(ctx, { ApiId, Specification, OutputType, StageName, IncludeExtensions, ExportVersion }) {
    const api = apiOf(ctx, ApiId);
    if (Specification !== 'OAS30') throw badRequest(`Invalid specification ${Specification}. Supported specification is OAS30.`);
    if (OutputType !== 'YAML' && OutputType !== 'JSON') throw badRequest(`Invalid output type ${OutputType}. Supported output types are YAML and JSON.`);
    if (ExportVersion !== undefined && ExportVersion !== '1.0') throw badRequest(`Invalid export version ${ExportVersion}. Supported export version is 1.0.`);
    let def: ApiDefinition = api;
    let when = ctx.clock.now();
    if (StageName !== undefined) {
      const stage = stageOf(ctx, ApiId, StageName);
      const d = stage.DeploymentId ? tables(ctx.store).deployments.get(regional(ctx), `${ApiId}/${stage.DeploymentId}`) : undefined;
      if (!d) throw badRequest(`Stage ${StageName} has no deployment to export.`);
      def = d.snapshot;
      when = d.CreatedDate;
    }
    const doc = exportDocument(ctx, api, def, StageName, IncludeExtensions !== false, when);
    return { body: Buffer.from(OutputType === 'YAML' ? toYaml(doc) : JSON.stringify(doc, null, 2)) };
  },
};
