// Integrations (what a method calls) and their integration responses.
import type { ApigatewayOperations, Integration, IntegrationResponse } from '../../generated/apigateway.js';
import type { Handlers } from '../define.js';
import { badRequest, notFound } from './errors.js';
import { apiOf, integrationOf, methodOf, saveApi } from './lookup.js';
import { checkHttpMethod, checkStatusCode } from './methods.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';

const PASSTHROUGH = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'];
const TARGET_PARAM = /^integration\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.[^\s]+$/;
const SOURCE = /^('.*'|method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.[^\s]+|method\.request\.body(\..*)?|stageVariables\.[^\s]+|context\.[^\s]+)$/;

export function integrationView(i: Integration): Integration {
  return { ...i, integrationResponses: i.integrationResponses && Object.keys(i.integrationResponses).length ? i.integrationResponses : undefined };
}

/** Lambda function ARN of an AWS/AWS_PROXY integration URI (…:lambda:path/2015-03-31/functions/ARN/invocations). */
export function lambdaArnOf(uri: string | undefined): string | undefined {
  const m = /^arn:[^:]+:apigateway:[^:]+:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri ?? '');
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function check(i: Integration): void {
  if (i.type !== 'MOCK') {
    if (!i.httpMethod) throw badRequest('Enumeration value for HttpMethod must be non-empty');
    checkHttpMethod(i.httpMethod);
    if (!i.uri) throw badRequest('Invalid integration URI specified');
  }
  if (i.type === 'HTTP' || i.type === 'HTTP_PROXY') {
    if (!/^https?:\/\/[^\s]+$/.test(i.uri ?? '') && !/\$\{stageVariables\./.test(i.uri ?? '')) throw badRequest('Invalid HTTP endpoint specified for URI');
  }
  if (i.type === 'AWS' || i.type === 'AWS_PROXY') {
    if (!/^arn:[^:]+:apigateway:[^:]*:[^:]+:(path|action)\/.+/.test(i.uri ?? '')) throw badRequest('AWS ARN for integration must contain path or action');
    if (i.type === 'AWS_PROXY' && !lambdaArnOf(i.uri) && !/\$\{stageVariables\./.test(i.uri ?? '')) {
      throw badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
    }
  }
  if (i.connectionType === 'VPC_LINK' && !i.connectionId) throw badRequest('connectionId must be set to vpcLinkId for connectionType VPC_LINK');
  if (i.connectionType === 'VPC_LINK' && i.type !== 'HTTP' && i.type !== 'HTTP_PROXY') throw badRequest('Integrations of type HTTP or HTTP_PROXY only support connectionType VPC_LINK');
  if (i.timeoutInMillis !== undefined && (i.timeoutInMillis < 50 || i.timeoutInMillis > 29000)) {
    throw badRequest('Timeout should be between 50 ms and 29000 ms');
  }
  if (i.passthroughBehavior && !PASSTHROUGH.includes(i.passthroughBehavior)) {
    throw badRequest(`Invalid passthrough behavior specified: ${i.passthroughBehavior}, valid values are: ${PASSTHROUGH.join(', ')}`);
  }
  for (const [target, source] of Object.entries(i.requestParameters ?? {})) {
    if (!TARGET_PARAM.test(target) || !SOURCE.test(source)) {
      throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: ${source}]`);
    }
  }
}

function checkResponse(r: IntegrationResponse): void {
  if (r.selectionPattern !== undefined) {
    try {
      new RegExp(r.selectionPattern);
    } catch {
      throw badRequest(`Invalid selection pattern specified: ${r.selectionPattern}`);
    }
  }
  for (const [target, source] of Object.entries(r.responseParameters ?? {})) {
    if (!/^method\.response\.header\.[^\s]+$/.test(target) || !/^('.*'|integration\.response\.(header|multivalueheader)\.[^\s]+|integration\.response\.body(\..*)?|stageVariables\.[^\s]+|context\.[^\s]+)$/.test(source)) {
      throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: ${source}]`);
    }
  }
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/type', '/httpMethod', '/uri', '/connectionType', '/connectionId', '/credentials', '/passthroughBehavior', '/contentHandling', '/cacheNamespace'),
  { path: '/timeoutInMillis', ops: ['replace'], kind: 'number' },
  { path: '/requestParameters/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
  { path: '/requestTemplates/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
  { path: '/cacheKeyParameters/*', ops: ['add', 'remove'], kind: 'set' },
];

const RESPONSE_RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/selectionPattern', '/contentHandling'),
  { path: '/responseParameters/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
  { path: '/responseTemplates/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
];

function responseOf(i: Integration, statusCode: string): IntegrationResponse {
  const r = i.integrationResponses?.[statusCode];
  if (!r) throw notFound('Invalid Response status code specified');
  return r;
}

export const integrationHandlers: Handlers<ApigatewayOperations> = {
  PutIntegration(ctx, input) {
    const api = apiOf(ctx, input.restApiId);
    const m = methodOf(api, input.resourceId, input.httpMethod);
    const i: Integration = {
      type: input.type,
      httpMethod: input.integrationHttpMethod?.toUpperCase(),
      uri: input.uri,
      connectionType: input.connectionType ?? 'INTERNET',
      connectionId: input.connectionId,
      credentials: input.credentials,
      requestParameters: input.requestParameters,
      requestTemplates: input.requestTemplates,
      passthroughBehavior: input.passthroughBehavior ?? 'WHEN_NO_MATCH',
      contentHandling: input.contentHandling,
      timeoutInMillis: input.timeoutInMillis ?? 29000,
      cacheNamespace: input.cacheNamespace ?? input.resourceId,
      cacheKeyParameters: input.cacheKeyParameters ?? [],
      responseTransferMode: input.responseTransferMode,
    };
    check(i);
    // re-putting an integration keeps no responses, as in AWS
    m.methodIntegration = i;
    saveApi(ctx, api);
    return integrationView(i);
  },

  GetIntegration(ctx, { restApiId, resourceId, httpMethod }) {
    return integrationView(integrationOf(apiOf(ctx, restApiId), resourceId, httpMethod));
  },

  UpdateIntegration(ctx, { restApiId, resourceId, httpMethod, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const i = integrationOf(api, resourceId, httpMethod);
    applyPatches(i, patchOperations, RULES);
    check(i);
    saveApi(ctx, api);
    return integrationView(i);
  },

  DeleteIntegration(ctx, { restApiId, resourceId, httpMethod }) {
    const api = apiOf(ctx, restApiId);
    integrationOf(api, resourceId, httpMethod);
    delete methodOf(api, resourceId, httpMethod).methodIntegration;
    saveApi(ctx, api);
  },

  PutIntegrationResponse(ctx, input) {
    const api = apiOf(ctx, input.restApiId);
    const m = methodOf(api, input.resourceId, input.httpMethod);
    const i = integrationOf(api, input.resourceId, input.httpMethod);
    checkStatusCode(input.statusCode);
    if (!m.methodResponses?.[input.statusCode]) throw notFound('Invalid Response status code specified');
    const r: IntegrationResponse = {
      statusCode: input.statusCode,
      selectionPattern: input.selectionPattern,
      responseParameters: input.responseParameters,
      responseTemplates: input.responseTemplates,
      contentHandling: input.contentHandling,
    };
    checkResponse(r);
    (i.integrationResponses ??= {})[input.statusCode] = r;
    saveApi(ctx, api);
    return r;
  },

  GetIntegrationResponse(ctx, { restApiId, resourceId, httpMethod, statusCode }) {
    return responseOf(integrationOf(apiOf(ctx, restApiId), resourceId, httpMethod), statusCode);
  },

  UpdateIntegrationResponse(ctx, { restApiId, resourceId, httpMethod, statusCode, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const r = responseOf(integrationOf(api, resourceId, httpMethod), statusCode);
    applyPatches(r, patchOperations, RESPONSE_RULES);
    checkResponse(r);
    saveApi(ctx, api);
    return r;
  },

  DeleteIntegrationResponse(ctx, { restApiId, resourceId, httpMethod, statusCode }) {
    const api = apiOf(ctx, restApiId);
    const i = integrationOf(api, resourceId, httpMethod);
    responseOf(i, statusCode);
    delete i.integrationResponses![statusCode];
    saveApi(ctx, api);
  },
};
