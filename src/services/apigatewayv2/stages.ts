// Stages: `$default` (served at the root of the API's URL) or a named stage (served under /{stage}); AutoDeploy
// stages follow every change, others serve the deployment they point at. Route settings carry throttling.
import type { Apigatewayv2Operations, CreateStageRequest, RouteSettings } from '../../generated/apigatewayv2.js';
import { mergeTags } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { clearAuthorizerCache } from './authorizer-cache.js';
import { createDeployment } from './deploy.js';
import { badRequest, conflict, notFound } from './errors.js';
import { apiOf, page, stageOf } from './lookup.js';
import { tables, type ApiRecord, type StageRecord } from './store.js';

function checkSettings(api: ApiRecord, d: RouteSettings | undefined, perRoute: Record<string, RouteSettings> | undefined): void {
  for (const s of [d, ...Object.values(perRoute ?? {})]) {
    if (!s) continue;
    if (s.ThrottlingBurstLimit !== undefined && s.ThrottlingBurstLimit < 0) throw badRequest('Throttling burst limit must be a non-negative integer.');
    if (s.ThrottlingRateLimit !== undefined && s.ThrottlingRateLimit < 0) throw badRequest('Throttling rate limit must be non-negative.');
    if (s.DataTraceEnabled || (s.LoggingLevel && s.LoggingLevel !== 'OFF')) throw badRequest('Execution logs are not supported for HTTP APIs.');
  }
  const keys = new Set(Object.values(api.routes).map((r) => r.RouteKey));
  for (const k of Object.keys(perRoute ?? {})) {
    if (!keys.has(k)) throw notFound(`Unable to find Route by key ${k} within the provided RouteSettings`, 'Route');
  }
}

export function stageView(s: StageRecord) {
  return {
    AccessLogSettings: s.AccessLogSettings,
    ApiGatewayManaged: s.ApiGatewayManaged,
    AutoDeploy: s.AutoDeploy,
    ClientCertificateId: s.ClientCertificateId,
    CreatedDate: new Date(s.CreatedDate),
    DefaultRouteSettings: s.DefaultRouteSettings,
    DeploymentId: s.DeploymentId,
    Description: s.Description,
    LastDeploymentStatusMessage: s.LastDeploymentStatusMessage,
    LastUpdatedDate: new Date(s.LastUpdatedDate),
    RouteSettings: s.RouteSettings,
    StageName: s.StageName,
    StageVariables: s.StageVariables,
    Tags: s.Tags,
  };
}

function deployNow(ctx: RequestContext, api: ApiRecord, s: StageRecord): void {
  const d = createDeployment(ctx, api, true);
  s.DeploymentId = d.DeploymentId;
  s.LastDeploymentStatusMessage = `Successfully deployed stage with deployment ID '${d.DeploymentId}'`;
}

export function newStage(ctx: RequestContext, api: ApiRecord, input: Omit<CreateStageRequest, 'ApiId'>, managed?: boolean): StageRecord {
  const t = tables(ctx.store);
  const scope = regional(ctx);
  const name = input.StageName;
  if (name !== '$default' && !/^[a-zA-Z0-9_-]{1,128}$/.test(name)) {
    throw badRequest(`Stage name only allows a-zA-Z0-9_- and must be between 1 and 128 characters: ${name}`);
  }
  if (t.stages.has(scope, `${api.ApiId}/${name}`)) throw conflict(`Stage ${name} already exists`);
  if (input.DeploymentId && !t.deployments.has(scope, `${api.ApiId}/${input.DeploymentId}`)) {
    throw notFound(`Invalid Deployment identifier specified ${ctx.account}:${api.ApiId}:${input.DeploymentId}`, 'Deployment');
  }
  checkSettings(api, input.DefaultRouteSettings, input.RouteSettings);
  checkVariables(input.StageVariables);
  const now = ctx.clock.now();
  const s: StageRecord = {
    ApiId: api.ApiId,
    StageName: name,
    ApiGatewayManaged: managed || undefined,
    AutoDeploy: input.AutoDeploy ?? false,
    DeploymentId: input.DeploymentId,
    Description: input.Description,
    DefaultRouteSettings: { DetailedMetricsEnabled: false, ...input.DefaultRouteSettings },
    RouteSettings: input.RouteSettings ?? {},
    StageVariables: input.StageVariables ?? {},
    AccessLogSettings: input.AccessLogSettings,
    ClientCertificateId: input.ClientCertificateId,
    CreatedDate: now,
    LastUpdatedDate: now,
    Tags: mergeTags({}, input.Tags ?? {}, { code: 'BadRequestException' }),
  };
  if (s.AutoDeploy && !s.DeploymentId && Object.keys(api.routes).length) deployNow(ctx, api, s);
  return t.stages.put(scope, `${api.ApiId}/${name}`, s);
}

function checkVariables(vars: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(k)) throw badRequest(`Stage variable name ${k} must only contain alphanumeric characters and underscores, at most 64 characters.`);
    if (!/^[A-Za-z0-9\-._~:/?#&=,]*$/.test(v) || v.length > 512) throw badRequest(`Stage variable value ${v} contains invalid characters.`);
  }
}

export const stageHandlers: Handlers<Apigatewayv2Operations> = {
  CreateStage(ctx, { ApiId, ...input }) {
    return stageView(newStage(ctx, apiOf(ctx, ApiId), input));
  },
  GetStage(ctx, { ApiId, StageName }) {
    apiOf(ctx, ApiId);
    return stageView(stageOf(ctx, ApiId, StageName));
  },
  GetStages(ctx, input) {
    apiOf(ctx, input.ApiId);
    const all = tables(ctx.store).stages.list(regional(ctx)).filter((s) => s.ApiId === input.ApiId).map(stageView);
    return page(all, (s) => s.StageName!, input);
  },
  UpdateStage(ctx, { ApiId, StageName, ...c }) {
    const api = apiOf(ctx, ApiId);
    const s = stageOf(ctx, ApiId, StageName);
    const t = tables(ctx.store);
    const scope = regional(ctx);
    if (c.DeploymentId !== undefined) {
      if (!t.deployments.has(scope, `${ApiId}/${c.DeploymentId}`)) throw notFound(`Invalid Deployment identifier specified ${ctx.account}:${ApiId}:${c.DeploymentId}`, 'Deployment');
      if (s.AutoDeploy && c.AutoDeploy !== false) throw badRequest('A deployment cannot be set on a stage with AutoDeploy enabled.');
      s.DeploymentId = c.DeploymentId;
    }
    const routeSettings = c.RouteSettings ? { ...s.RouteSettings, ...c.RouteSettings } : s.RouteSettings;
    checkSettings(api, c.DefaultRouteSettings, c.RouteSettings);
    checkVariables(c.StageVariables);
    if (c.DefaultRouteSettings) s.DefaultRouteSettings = { ...s.DefaultRouteSettings, ...c.DefaultRouteSettings };
    s.RouteSettings = routeSettings;
    if (c.StageVariables) {
      // an empty value removes a variable, as the console does
      s.StageVariables = Object.fromEntries(Object.entries({ ...s.StageVariables, ...c.StageVariables }).filter(([, v]) => v !== ''));
    }
    if (c.Description !== undefined) s.Description = c.Description;
    if (c.AccessLogSettings !== undefined) s.AccessLogSettings = c.AccessLogSettings;
    if (c.ClientCertificateId !== undefined) s.ClientCertificateId = c.ClientCertificateId;
    const turnedOn = c.AutoDeploy === true && !s.AutoDeploy;
    if (c.AutoDeploy !== undefined) s.AutoDeploy = c.AutoDeploy;
    if (turnedOn && Object.keys(api.routes).length) deployNow(ctx, api, s);
    s.LastUpdatedDate = ctx.clock.now();
    t.stages.put(scope, `${ApiId}/${StageName}`, s);
    return stageView(s);
  },
  DeleteStage(ctx, { ApiId, StageName }) {
    apiOf(ctx, ApiId);
    stageOf(ctx, ApiId, StageName);
    tables(ctx.store).stages.delete(regional(ctx), `${ApiId}/${StageName}`);
    clearAuthorizerCache(ctx, ApiId, StageName);
  },
  DeleteRouteSettings(ctx, { ApiId, StageName, RouteKey }) {
    apiOf(ctx, ApiId);
    const s = stageOf(ctx, ApiId, StageName);
    if (!s.RouteSettings[RouteKey]) throw notFound(`Unable to find route settings for route key ${RouteKey}`, 'RouteSettings');
    delete s.RouteSettings[RouteKey];
    s.LastUpdatedDate = ctx.clock.now();
    tables(ctx.store).stages.put(regional(ctx), `${ApiId}/${StageName}`, s);
  },
  ResetAuthorizersCache(ctx, { ApiId, StageName }) {
    apiOf(ctx, ApiId);
    stageOf(ctx, ApiId, StageName);
    clearAuthorizerCache(ctx, ApiId, StageName);
  },
};
