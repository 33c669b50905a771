// GetExport: a stage's deployed API as OpenAPI 3.0 (oas30) or Swagger 2.0 (swagger), JSON or YAML, with the
// x-amazon-apigateway-* extensions when asked (extensions=integrations|apigateway|authorizers|documentation).
import type { ApigatewayOperations } from '../../generated/apigateway.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { exportedDocumentation } from './documentation.js';
import { badRequest } from './errors.js';
import { apiOf } from './lookup.js';
import { stageOf } from './stages.js';
import { tables, type ApiDefinition } from './store.js';
import { toYaml } from './yaml.js';

type Doc = Record<string, any>;

function schemaOf(text: string | undefined, oas3: boolean): Doc {
  let s: Doc = {};
  try {
    s = JSON.parse(text ?? '{}');
  } catch {
    return {};
  }
  delete s.$schema;
  const target = oas3 ? '#/components/schemas/' : '#/definitions/';
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Doc = {};
      for (const [k, x] of Object.entries(v)) out[k] = k === '$ref' && typeof x === 'string' ? x.replace(/^https:\/\/apigateway\.amazonaws\.com\/restapis\/[^/]+\/models\//, target) : walk(x);
      return out;
    }
    return v;
  };
  return walk(s) as Doc;
}

export function exportDocument(def: ApiDefinition, meta: { id: string; region: string; stage: string; version?: string; description?: string }, oas3: boolean, extensions: Set<string>): Doc {
  const withIntegrations = extensions.has('integrations') || extensions.has('apigateway');
  const withAuthorizers = withIntegrations || extensions.has('authorizers');
  const ref = (name: string) => ({ $ref: `${oas3 ? '#/components/schemas/' : '#/definitions/'}${name}` });
  const paths: Doc = {};
  const usedSchemes: Doc = {};
  for (const r of Object.values(def.resources).sort((a, b) => a.path.localeCompare(b.path))) {
    const ops: Doc = {};
    for (const m of Object.values(r.methods)) {
      const op: Doc = {};
      if (m.operationName) op.operationId = m.operationName;
      const params: Doc[] = [];
      for (const [p, required] of Object.entries(m.requestParameters ?? {})) {
        const hit = /^method\.request\.(path|querystring|header)\.(.+)$/.exec(p);
        if (!hit) continue;
        const where = hit[1] === 'querystring' ? 'query' : hit[1]!;
        params.push(oas3 ? { name: hit[2], in: where, required: where === 'path' ? true : required, schema: { type: 'string' } } : { name: hit[2], in: where, required: where === 'path' ? true : required, type: 'string' });
      }
      for (const name of (r.path.match(/\{([^}+]+)\+?\}/g) ?? []).map((x) => x.replace(/[{}+]/g, ''))) {
        if (!params.some((p) => p.in === 'path' && p.name === name)) params.push(oas3 ? { name, in: 'path', required: true, schema: { type: 'string' } } : { name, in: 'path', required: true, type: 'string' });
      }
      const models = Object.entries(m.requestModels ?? {});
      if (models.length) {
        if (oas3) op.requestBody = { content: Object.fromEntries(models.map(([t, n]) => [t, { schema: ref(n) }])), required: true };
        else params.push({ in: 'body', name: models[0]![1], required: true, schema: ref(models[0]![1]) });
      }
      if (params.length) op.parameters = params;
      const responses: Doc = {};
      for (const [code, resp] of Object.entries(m.methodResponses ?? {})) {
        const out: Doc = { description: `${code} response` };
        const headers = Object.keys(resp.responseParameters ?? {}).map((h) => h.replace(/^method\.response\.header\./, ''));
        if (headers.length) out.headers = Object.fromEntries(headers.map((h) => [h, oas3 ? { schema: { type: 'string' } } : { type: 'string' }]));
        const rm = Object.entries(resp.responseModels ?? {});
        if (rm.length) {
          if (oas3) out.content = Object.fromEntries(rm.map(([t, n]) => [t, { schema: ref(n) }]));
          else out.schema = ref(rm[0]![1]);
        }
        responses[code] = out;
      }
      op.responses = Object.keys(responses).length ? responses : { default: { description: 'Default response' } };
      const security: Doc[] = [];
      if (m.apiKeyRequired) {
        security.push({ api_key: [] });
        usedSchemes.api_key = oas3 ? { type: 'apiKey', name: 'x-api-key', in: 'header' } : { type: 'apiKey', name: 'x-api-key', in: 'header' };
      }
      if (m.authorizationType === 'AWS_IAM') {
        security.push({ sigv4: [] });
        usedSchemes.sigv4 = { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' };
      }
      const a = m.authorizerId ? def.authorizers[m.authorizerId] : undefined;
      if (a && withAuthorizers) {
        security.push({ [a.name!]: m.authorizationScopes ?? [] });
        usedSchemes[a.name!] = {
          type: 'apiKey',
          name: (a.identitySource ?? 'method.request.header.Authorization').replace(/^method\.request\.header\./, '').split(',')[0],
          in: 'header',
          'x-amazon-apigateway-authtype': a.authType ?? (a.type === 'COGNITO_USER_POOLS' ? 'cognito_user_pools' : 'custom'),
          'x-amazon-apigateway-authorizer': {
            type: a.type?.toLowerCase(),
            authorizerUri: a.authorizerUri,
            authorizerCredentials: a.authorizerCredentials,
            identitySource: a.type === 'REQUEST' ? a.identitySource : undefined,
            identityValidationExpression: a.identityValidationExpression,
            authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds,
            providerARNs: a.providerARNs,
          },
        };
      }
      if (security.length) op.security = security;
      if (m.requestValidatorId && def.validators[m.requestValidatorId] && withIntegrations) op['x-amazon-apigateway-request-validator'] = def.validators[m.requestValidatorId]!.name;
      const i = m.methodIntegration;
      if (i && withIntegrations) {
        const responsesX: Doc = {};
        for (const ir of Object.values(i.integrationResponses ?? {})) {
          responsesX[ir.selectionPattern || 'default'] = { statusCode: ir.statusCode, responseParameters: ir.responseParameters, responseTemplates: ir.responseTemplates, contentHandling: ir.contentHandling };
        }
        op['x-amazon-apigateway-integration'] = {
          type: i.type?.toLowerCase(),
          httpMethod: i.httpMethod,
          uri: i.uri,
          connectionType: i.connectionType === 'VPC_LINK' ? i.connectionType : undefined,
          connectionId: i.connectionId,
          credentials: i.credentials,
          requestParameters: i.requestParameters,
          requestTemplates: i.requestTemplates,
          passthroughBehavior: i.passthroughBehavior?.toLowerCase(),
          contentHandling: i.contentHandling,
          timeoutInMillis: i.timeoutInMillis,
          cacheNamespace: i.cacheNamespace,
          cacheKeyParameters: i.cacheKeyParameters?.length ? i.cacheKeyParameters : undefined,
          responses: Object.keys(responsesX).length ? responsesX : undefined,
        };
      }
      ops[m.httpMethod === 'ANY' ? 'x-amazon-apigateway-any-method' : m.httpMethod.toLowerCase()] = op;
    }
    if (Object.keys(ops).length) paths[r.path] = ops;
  }
  const schemas = Object.fromEntries(Object.values(def.models).map((m) => [m.name!, schemaOf(m.schema, oas3)]));
  const host = `${meta.id}.execute-api.${meta.region}.amazonaws.com`;
  const doc: Doc = oas3
    ? { openapi: '3.0.1', info: { title: def.name, description: meta.description, version: meta.version ?? '1.0' }, servers: [{ url: `https://${host}/{basePath}`, variables: { basePath: { default: meta.stage } } }], paths, components: { schemas } }
    : { swagger: '2.0', info: { title: def.name, description: meta.description, version: meta.version ?? '1.0' }, host, basePath: `/${meta.stage}`, schemes: ['https'], paths, definitions: schemas };
  if (Object.keys(usedSchemes).length) {
    if (oas3) doc.components.securitySchemes = usedSchemes;
    else doc.securityDefinitions = usedSchemes;
  }
  if (withIntegrations) {
    if (def.binaryMediaTypes.length) doc['x-amazon-apigateway-binary-media-types'] = def.binaryMediaTypes;
    if (def.apiKeySource !== 'HEADER') doc['x-amazon-apigateway-api-key-source'] = def.apiKeySource;
    if (def.minimumCompressionSize !== undefined) doc['x-amazon-apigateway-minimum-compression-size'] = def.minimumCompressionSize;
    if (def.policy) {
      try {
        doc['x-amazon-apigateway-policy'] = JSON.parse(def.policy);
      } catch {
        /* not JSON: left out */
      }
    }
    const gr = Object.entries(def.gatewayResponses);
    if (gr.length) doc['x-amazon-apigateway-gateway-responses'] = Object.fromEntries(gr.map(([t, r]) => [t, { statusCode: r.statusCode, responseParameters: r.responseParameters, responseTemplates: r.responseTemplates }]));
    const validators = Object.values(def.validators);
    if (validators.length) doc['x-amazon-apigateway-request-validators'] = Object.fromEntries(validators.map((v) => [v.name!, { validateRequestBody: v.validateRequestBody, validateRequestParameters: v.validateRequestParameters }]));
  }
  return JSON.parse(JSON.stringify(doc)) as Doc;
}

export const exportHandlers: Handlers<ApigatewayOperations> = {
  GetExport(ctx, { restApiId, stageName, exportType, parameters, accepts }) {
    const api = apiOf(ctx, restApiId);
    const stage = stageOf(ctx, restApiId, stageName);
    if (exportType !== 'oas30' && exportType !== 'swagger') throw badRequest(`Invalid export type specified: ${exportType}. Must be one of: [oas30, swagger]`);
    const d = tables(ctx.store).deployments.get(regional(ctx), `${restApiId}/${stage.deploymentId}`)!;
    const extensions = new Set((parameters?.extensions ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    const doc = exportDocument(d.snapshot, { id: api.id, region: ctx.region, stage: stageName, version: api.version, description: api.description }, exportType === 'oas30', extensions);
    const documentation = extensions.has('documentation') ? exportedDocumentation(ctx, restApiId, stage.documentationVersion) : undefined;
    if (documentation) doc['x-amazon-apigateway-documentation'] = documentation;
    const yaml = /yaml/i.test(accepts ?? '');
    const body = yaml ? toYaml(doc) : JSON.stringify(doc, null, 2);
    const stamp = new Date(ctx.clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return {
      contentType: yaml ? 'application/yaml' : 'application/json',
      contentDisposition: `attachment; filename="${exportType}_${stamp}.${yaml ? 'yaml' : 'json'}"`,
      body: Buffer.from(body),
    };
  },
};
