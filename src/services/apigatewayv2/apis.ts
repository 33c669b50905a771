// HTTP APIs: CreateApi (with quick create: Target and RouteKey make an integration, a route and an auto-deployed
// $default stage), GetApi(s), UpdateApi, DeleteApi, DeleteCorsConfiguration.
import type { Apigatewayv2Operations, Cors } from '../../generated/apigatewayv2.js';
import { mergeTags } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { autoDeploy } from './deploy.js';
import { badRequest } from './errors.js';
import { newId } from './ids.js';
import { addIntegration, checkIntegration, isLambdaTarget } from './integrations.js';
import { apiOf, page, saveApi } from './lookup.js';
import { addRoute, checkRouteKey } from './routes.js';
import { newStage } from './stages.js';
import { GLOBAL, tables, type ApiRecord } from './store.js';

/** The URL the API answers on: Cumulus's port under the execute-api host form. */
export function apiEndpoint(ctx: Pick<RequestContext, 'host' | 'config'>, apiId: string): string {
  const port = /:(\d+)$/.exec(ctx.host)?.[1] ?? String(ctx.config.port);
  return `http://${apiId}.execute-api.localhost.localstack.cloud:${port}`;
}

function checkCors(cors: Cors | undefined): void {
  if (!cors) return;
  if (cors.AllowCredentials && cors.AllowOrigins?.includes('*')) {
    throw badRequest("CORS configuration is invalid: AllowCredentials cannot be true when AllowOrigins contains '*'.");
  }
  if (cors.MaxAge !== undefined && (cors.MaxAge < -1 || cors.MaxAge > 86400)) throw badRequest('CORS configuration is invalid: MaxAge must be between -1 and 86400.');
}

export function apiView(ctx: RequestContext, a: ApiRecord) {
  return {
    ApiEndpoint: apiEndpoint(ctx, a.ApiId),
    ApiId: a.ApiId,
    ApiKeySelectionExpression: a.ApiKeySelectionExpression,
    CorsConfiguration: a.CorsConfiguration,
    CreatedDate: new Date(a.CreatedDate),
    Description: a.Description,
    DisableExecuteApiEndpoint: a.DisableExecuteApiEndpoint,
    DisableSchemaValidation: a.DisableSchemaValidation,
    IpAddressType: a.IpAddressType,
    Name: a.Name,
    ProtocolType: a.ProtocolType,
    RouteSelectionExpression: a.RouteSelectionExpression,
    Tags: a.Tags,
    Version: a.Version,
  };
}

/** Quick create: the integration type follows from the target (a Lambda ARN or an HTTP URL). */
function quickIntegration(target: string, credentialsArn: string | undefined) {
  return isLambdaTarget(target)
    ? { IntegrationType: 'AWS_PROXY' as const, IntegrationUri: target, PayloadFormatVersion: '2.0', IntegrationMethod: 'POST', CredentialsArn: credentialsArn }
    : { IntegrationType: 'HTTP_PROXY' as const, IntegrationUri: target, PayloadFormatVersion: '1.0', IntegrationMethod: 'ANY', CredentialsArn: credentialsArn };
}

export const apiHandlers: Handlers<Apigatewayv2Operations> = {
  CreateApi(ctx, input) {
    if (input.ProtocolType !== 'HTTP') throw badRequest('Cumulus serves HTTP APIs only; WebSocket APIs are not supported yet.');
    if (input.RouteSelectionExpression && input.RouteSelectionExpression !== '$request.method $request.path') {
      throw badRequest('Route selection expression for HTTP APIs must be $request.method $request.path');
    }
    if ((input.RouteKey || input.CredentialsArn) && !input.Target) throw badRequest('RouteKey and CredentialsArn are only supported for quick create, which requires a Target.');
    checkCors(input.CorsConfiguration);
    const t = tables(ctx.store);
    let apiId = newId();
    while (t.index.has(GLOBAL, apiId)) apiId = newId();
    const api: ApiRecord = {
      ApiId: apiId,
      Name: input.Name,
      ProtocolType: 'HTTP',
      RouteSelectionExpression: '$request.method $request.path',
      ApiKeySelectionExpression: input.ApiKeySelectionExpression ?? '$request.header.x-api-key',
      CorsConfiguration: input.CorsConfiguration,
      Description: input.Description,
      DisableExecuteApiEndpoint: input.DisableExecuteApiEndpoint ?? false,
      DisableSchemaValidation: input.DisableSchemaValidation,
      IpAddressType: input.IpAddressType ?? 'ipv4',
      Version: input.Version,
      CreatedDate: ctx.clock.now(),
      Tags: mergeTags({}, input.Tags ?? {}, { code: 'BadRequestException' }),
      routes: {},
      integrations: {},
      authorizers: {},
    };
    if (input.Target) {
      const routeKey = input.RouteKey ?? '$default';
      checkRouteKey(routeKey);
      const integration = addIntegration(api, quickIntegration(input.Target, input.CredentialsArn), true);
      addRoute(ctx, api, { RouteKey: routeKey, Target: `integrations/${integration.IntegrationId}` }, true);
    }
    saveApi(ctx, api);
    t.index.put(GLOBAL, apiId, regional(ctx));
    if (input.Target) newStage(ctx, api, { StageName: '$default', AutoDeploy: true }, true);
    return apiView(ctx, api);
  },
  GetApi(ctx, { ApiId }) {
    return apiView(ctx, apiOf(ctx, ApiId));
  },
  GetApis(ctx, input) {
    const all = tables(ctx.store).apis.list(regional(ctx)).map((a) => apiView(ctx, a));
    return page(all, (a) => a.ApiId, input);
  },
  UpdateApi(ctx, input) {
    const api = apiOf(ctx, input.ApiId);
    if (input.RouteSelectionExpression && input.RouteSelectionExpression !== '$request.method $request.path') {
      throw badRequest('Route selection expression for HTTP APIs must be $request.method $request.path');
    }
    if (input.CorsConfiguration) checkCors(input.CorsConfiguration);
    if (input.Name !== undefined) api.Name = input.Name;
    if (input.Description !== undefined) api.Description = input.Description;
    if (input.Version !== undefined) api.Version = input.Version;
    if (input.CorsConfiguration !== undefined) api.CorsConfiguration = input.CorsConfiguration;
    if (input.DisableExecuteApiEndpoint !== undefined) api.DisableExecuteApiEndpoint = input.DisableExecuteApiEndpoint;
    if (input.DisableSchemaValidation !== undefined) api.DisableSchemaValidation = input.DisableSchemaValidation;
    if (input.ApiKeySelectionExpression !== undefined) api.ApiKeySelectionExpression = input.ApiKeySelectionExpression;
    if (input.IpAddressType !== undefined) api.IpAddressType = input.IpAddressType;
    // quick update: the managed integration and route follow Target / RouteKey
    if (input.Target !== undefined || input.RouteKey !== undefined || input.CredentialsArn !== undefined) {
      const integration = Object.values(api.integrations).find((i) => i.ApiGatewayManaged);
      const route = Object.values(api.routes).find((r) => r.ApiGatewayManaged);
      if (!integration || !route) throw badRequest('Target, RouteKey and CredentialsArn can only be updated on an API made by quick create.');
      if (input.Target !== undefined || input.CredentialsArn !== undefined) {
        const q = quickIntegration(input.Target ?? integration.IntegrationUri!, input.CredentialsArn ?? integration.CredentialsArn);
        api.integrations[integration.IntegrationId] = checkIntegration(integration.IntegrationId, q, true);
      }
      if (input.RouteKey !== undefined) {
        checkRouteKey(input.RouteKey);
        route.RouteKey = input.RouteKey;
      }
    }
    saveApi(ctx, api);
    autoDeploy(ctx, api);
    return apiView(ctx, api);
  },
  DeleteApi(ctx, { ApiId }) {
    apiOf(ctx, ApiId);
    const t = tables(ctx.store);
    const scope = regional(ctx);
    for (const s of t.stages.list(scope)) if (s.ApiId === ApiId) t.stages.delete(scope, `${ApiId}/${s.StageName}`);
    for (const d of t.deployments.list(scope)) if (d.ApiId === ApiId) t.deployments.delete(scope, `${ApiId}/${d.DeploymentId}`);
    t.apis.delete(scope, ApiId);
    t.index.delete(GLOBAL, ApiId);
  },
  DeleteCorsConfiguration(ctx, { ApiId }) {
    const api = apiOf(ctx, ApiId);
    api.CorsConfiguration = undefined;
    saveApi(ctx, api);
  },
};
