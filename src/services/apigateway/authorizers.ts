// Authorizers: Lambda TOKEN and REQUEST authorizers, Cognito user pool authorizers.
import type { ApigatewayOperations, Authorizer } from '../../generated/apigateway.js';
import type { Handlers } from '../define.js';
import { badRequest, notFound } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { newId } from './ids.js';
import { apiOf, page, saveApi } from './lookup.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import type { ApiRecord } from './store.js';

function check(a: Authorizer): void {
  if (a.type === 'TOKEN' || a.type === 'REQUEST') {
    if (!a.authorizerUri) throw badRequest('Authorizer URI must be specified for TOKEN and REQUEST authorizers');
    if (!/^arn:[^:]+:apigateway:[^:]+:lambda:path\/[^/]+\/functions\/.+\/invocations$/.test(a.authorizerUri)) {
      throw badRequest(`Invalid Authorizer URI: ${a.authorizerUri}. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.`);
    }
  }
  if (a.type === 'TOKEN') {
    if (!a.identitySource || !/^method\.request\.header\.[^\s,]+$/.test(a.identitySource)) {
      throw badRequest('Invalid identity source: ' + (a.identitySource ?? '') + '. Identity source should be a header mapping expression of the form method.request.header.name');
    }
    if (a.identityValidationExpression !== undefined) {
      try {
        new RegExp(a.identityValidationExpression);
      } catch {
        throw badRequest(`Invalid identity validation expression: ${a.identityValidationExpression}`);
      }
    }
  }
  if (a.type === 'COGNITO_USER_POOLS' && !a.providerARNs?.length) throw badRequest('ProviderARNs need to be specified for COGNITO_USER_POOLS authorizers');
  const ttl = a.authorizerResultTtlInSeconds;
  if (ttl !== undefined && (ttl < 0 || ttl > 3600)) throw badRequest('Invalid authorizer result TTL specified; Must be between 0 and 3600 seconds');
}

function authorizerOf(api: ApiRecord, id: string): Authorizer {
  const a = api.authorizers[id];
  if (!a) throw notFound('Invalid Authorizer identifier specified');
  return a;
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/name', '/type', '/authType', '/authorizerUri', '/authorizerCredentials', '/identitySource', '/identityValidationExpression'),
  { path: '/authorizerResultTtlInSeconds', ops: ['replace'], kind: 'number' },
  { path: '/providerARNs/*', ops: ['add', 'remove', 'replace'], kind: 'set' },
];

export const authorizerHandlers: Handlers<ApigatewayOperations> = {
  CreateAuthorizer(ctx, input) {
    const api = apiOf(ctx, input.restApiId);
    const a: Authorizer = {
      id: newId(6),
      name: input.name,
      type: input.type,
      providerARNs: input.providerARNs,
      authType: input.authType,
      authorizerUri: input.authorizerUri,
      authorizerCredentials: input.authorizerCredentials,
      identitySource: input.identitySource,
      identityValidationExpression: input.identityValidationExpression,
      authorizerResultTtlInSeconds: input.authorizerResultTtlInSeconds ?? 300,
    };
    check(a);
    checkLimit(Object.keys(api.authorizers).length, LIMITS.authorizersPerApi, 'authorizers per API');
    api.authorizers[a.id!] = a;
    saveApi(ctx, api);
    return a;
  },
  GetAuthorizer(ctx, { restApiId, authorizerId }) {
    return authorizerOf(apiOf(ctx, restApiId), authorizerId);
  },
  GetAuthorizers(ctx, { restApiId, position, limit }) {
    const p = page(Object.values(apiOf(ctx, restApiId).authorizers), (a) => a.id!, position, limit);
    return { items: p.items, position: p.position };
  },
  UpdateAuthorizer(ctx, { restApiId, authorizerId, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const a = authorizerOf(api, authorizerId);
    applyPatches(a, patchOperations, RULES);
    check(a);
    saveApi(ctx, api);
    return a;
  },
  DeleteAuthorizer(ctx, { restApiId, authorizerId }) {
    const api = apiOf(ctx, restApiId);
    authorizerOf(api, authorizerId);
    for (const r of Object.values(api.resources)) {
      for (const m of Object.values(r.methods)) {
        if (m.authorizerId === authorizerId) throw badRequest('Cannot delete authorizer, is referenced in method: ' + `${m.httpMethod} ${r.path}`);
      }
    }
    delete api.authorizers[authorizerId];
    saveApi(ctx, api);
  },
};
