// Stages: a name serving one deployment, with stage variables and method settings (throttling, caching,
// logging, metrics) under patch paths like /*/*/throttling/rateLimit or /~1pets/GET/caching/enabled.
import type { ApigatewayOperations, MethodSetting, PatchOperation, Stage } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { flushAuthorizerCache } from './authorizer-cache.js';
import { flushStageCache } from './response-cache.js';
import { clientCertificateOf } from './client-certs.js';
import { deploymentOf } from './deployments.js';
import { documentationVersionOf } from './documentation.js';
import { badRequest, conflict, limitExceeded, notFound } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { apiOf } from './lookup.js';
import { applyPatches, decodeSegment, scalars, type PatchRule } from './patch.js';
import { tables, type StageRecord } from './store.js';

export function stageView(s: StageRecord): Stage {
  return {
    deploymentId: s.deploymentId,
    clientCertificateId: s.clientCertificateId,
    stageName: s.stageName,
    description: s.description,
    cacheClusterEnabled: s.cacheClusterEnabled,
    cacheClusterSize: s.cacheClusterSize as Stage['cacheClusterSize'],
    cacheClusterStatus: s.cacheClusterEnabled ? 'AVAILABLE' : 'NOT_AVAILABLE',
    methodSettings: s.methodSettings,
    variables: Object.keys(s.variables).length ? s.variables : undefined,
    tracingEnabled: s.tracingEnabled,
    accessLogSettings: s.accessLogSettings,
    canarySettings: s.canarySettings,
    documentationVersion: s.documentationVersion,
    tags: Object.keys(s.tags).length ? s.tags : undefined,
    createdDate: new Date(s.createdDate),
    lastUpdatedDate: new Date(s.lastUpdatedDate),
  };
}

export function stageOf(ctx: RequestContext, restApiId: string, stageName: string): StageRecord {
  const s = tables(ctx.store).stages.get(regional(ctx), `${restApiId}/${stageName}`);
  if (!s) throw notFound('Invalid Stage identifier specified');
  return s;
}

function checkVariables(vars: Record<string, string> | undefined): void {
  if (Object.keys(vars ?? {}).length > LIMITS.stageVariables) throw limitExceeded(`A stage can have at most ${LIMITS.stageVariables} stage variables`);
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (k.length > 64 || v.length > 512) throw badRequest(`Stage variable ${k} is too long: names at most 64 characters, values at most 512`);
    if (!/^[a-zA-Z0-9_]+$/.test(k)) throw badRequest(`Stage variable names must match [A-Za-z0-9_]+: ${k}`);
    if (!/^[a-zA-Z0-9\-._~:/?#&=,]*$/.test(v)) throw badRequest(`Stage variable value ${v} contains invalid characters`);
  }
}

interface StageOptions {
  description?: string;
  variables?: Record<string, string>;
  cacheClusterEnabled?: boolean;
  cacheClusterSize?: string;
  tracingEnabled?: boolean;
  tags?: Record<string, string>;
  canarySettings?: StageRecord['canarySettings'];
  documentationVersion?: string;
}

export function checkCanary(ctx: RequestContext, apiId: string, c: StageRecord['canarySettings']): void {
  if (!c) return;
  const pct = c.percentTraffic ?? 0;
  if (!(pct >= 0 && pct <= 100)) throw badRequest('Canary traffic percentage must be between 0.0 and 100.0');
  if (c.deploymentId) deploymentOf(ctx, apiId, c.deploymentId);
  checkVariables(c.stageVariableOverrides);
}

/** CreateDeployment with a stageName: the stage is created, or moved to the new deployment. */
export function createOrRepointStage(ctx: RequestContext, apiId: string, stageName: string, deploymentId: string, o: StageOptions): StageRecord {
  const t = tables(ctx.store);
  const existing = t.stages.get(regional(ctx), `${apiId}/${stageName}`);
  checkVariables(o.variables);
  const now = ctx.clock.now();
  if (!existing) checkLimit(t.stages.list(regional(ctx)).filter((x) => x.apiId === apiId).length, LIMITS.stagesPerApi, 'stages per API');
  const s: StageRecord = existing
    ? { ...existing, deploymentId, lastUpdatedDate: now, variables: o.variables ? { ...existing.variables, ...o.variables } : existing.variables }
    : {
        apiId,
        stageName,
        deploymentId,
        description: o.description,
        cacheClusterEnabled: o.cacheClusterEnabled ?? false,
        cacheClusterSize: o.cacheClusterEnabled ? (o.cacheClusterSize ?? '0.5') : o.cacheClusterSize,
        variables: o.variables ?? {},
        methodSettings: {},
        tracingEnabled: o.tracingEnabled ?? false,
        canarySettings: o.canarySettings,
        documentationVersion: o.documentationVersion,
        tags: o.tags ?? {},
        createdDate: now,
        lastUpdatedDate: now,
      };
  t.stages.put(regional(ctx), `${apiId}/${stageName}`, s);
  return s;
}

/** setting group/name in a patch path → MethodSetting member and its type */
const SETTINGS: Record<string, [keyof MethodSetting, 'boolean' | 'number' | 'string']> = {
  'metrics/enabled': ['metricsEnabled', 'boolean'],
  'logging/loglevel': ['loggingLevel', 'string'],
  'logging/dataTrace': ['dataTraceEnabled', 'boolean'],
  'throttling/burstLimit': ['throttlingBurstLimit', 'number'],
  'throttling/rateLimit': ['throttlingRateLimit', 'number'],
  'caching/enabled': ['cachingEnabled', 'boolean'],
  'caching/ttlInSeconds': ['cacheTtlInSeconds', 'number'],
  'caching/dataEncrypted': ['cacheDataEncrypted', 'boolean'],
  'caching/requireAuthorizationForCacheControl': ['requireAuthorizationForCacheControl', 'boolean'],
  'caching/unauthorizedCacheControlHeaderStrategy': ['unauthorizedCacheControlHeaderStrategy', 'string'],
};

const DEFAULT_SETTING: MethodSetting = {
  metricsEnabled: false,
  loggingLevel: 'OFF',
  dataTraceEnabled: false,
  throttlingBurstLimit: 5000,
  throttlingRateLimit: 10000,
  cachingEnabled: false,
  cacheTtlInSeconds: 300,
  cacheDataEncrypted: false,
  requireAuthorizationForCacheControl: true,
  unauthorizedCacheControlHeaderStrategy: 'SUCCEED_WITH_RESPONSE_HEADER',
};

/** Applies a method-settings patch (/{resource path}/{method}/{group}/{name}); false when the path is not one. */
function applyMethodSetting(s: StageRecord, o: PatchOperation): boolean {
  const segs = (o.path ?? '').slice(1).split('/');
  if (segs.length < 4) return false;
  const setting = SETTINGS[segs.slice(-2).join('/')];
  if (!setting) return false;
  const method = segs[segs.length - 3]!;
  const resource = segs.slice(0, -3).map(decodeSegment).join('/').replace(/^\/+/, '');
  const key = `${resource}/${method}`;
  if (o.op !== 'replace' && o.op !== 'add' && o.op !== 'remove') {
    throw badRequest(`Invalid patch path '${o.path}' specified for op '${o.op}'. Must be one of: [replace]`);
  }
  const entry = (s.methodSettings[key] ??= { ...DEFAULT_SETTING });
  const [member, type] = setting;
  if (o.op === 'remove') {
    (entry as Record<string, unknown>)[member] = DEFAULT_SETTING[member];
    return true;
  }
  const v = o.value ?? '';
  if (type === 'boolean') {
    if (v !== 'true' && v !== 'false') throw badRequest(`Invalid value specified for ${o.path}: ${v}`);
    (entry as Record<string, unknown>)[member] = v === 'true';
  } else if (type === 'number') {
    const n = Number(v);
    if (!v || !Number.isFinite(n) || n < 0) throw badRequest(`Invalid number value specified for ${o.path}: ${v}`);
    if (member === 'cacheTtlInSeconds' && n > 3600) throw badRequest('Cache ttl must be between 0 and 3600 seconds');
    (entry as Record<string, unknown>)[member] = member === 'throttlingRateLimit' ? n : Math.floor(n);
  } else {
    if (member === 'loggingLevel' && !['OFF', 'ERROR', 'INFO'].includes(v)) throw badRequest(`Invalid logging level specified: ${v}`);
    (entry as Record<string, unknown>)[member] = v;
  }
  return true;
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/deploymentId', '/description', '/cacheClusterSize', '/documentationVersion', '/clientCertificateId', '/webAclArn'),
  ...scalars(['replace'], 'boolean', '/cacheClusterEnabled', '/tracingEnabled'),
  { path: '/variables/*', ops: ['add', 'remove', 'replace'], kind: 'map' },
  { path: '/accessLogSettings/format', ops: ['replace', 'remove'], apply: (t, op, v) => {
    t.accessLogSettings ??= {};
    if (op === 'remove') delete t.accessLogSettings.format;
    else t.accessLogSettings.format = v;
  } },
  { path: '/accessLogSettings/destinationArn', ops: ['replace', 'remove'], apply: (t, op, v) => {
    t.accessLogSettings ??= {};
    if (op === 'remove') delete t.accessLogSettings.destinationArn;
    else t.accessLogSettings.destinationArn = v;
  } },
  { path: '/accessLogSettings', ops: ['remove'], apply: (t) => delete t.accessLogSettings },
  { path: '/canarySettings', ops: ['remove'], apply: (t) => delete t.canarySettings },
  { path: '/canarySettings/percentTraffic', ops: ['replace'], apply: (t, _o, v) => ((t.canarySettings ??= {}).percentTraffic = Number(v)) },
  { path: '/canarySettings/deploymentId', ops: ['replace'], apply: (t, _o, v) => ((t.canarySettings ??= {}).deploymentId = v) },
  { path: '/canarySettings/useStageCache', ops: ['replace'], apply: (t, _o, v) => ((t.canarySettings ??= {}).useStageCache = v === 'true') },
  { path: '/canarySettings/stageVariableOverrides/*', ops: ['add', 'replace', 'remove'], apply: (t, op, v, w) => {
    const o = ((t.canarySettings ??= {}).stageVariableOverrides ??= {});
    if (op === 'remove') delete o[w[0]!];
    else o[w[0]!] = v ?? '';
  } },
  { path: '/*/*', ops: ['remove'], apply: (t, _op, _v, w) => delete t.methodSettings[`${w[0]!.replace(/^\/+/, '')}/${w[1]}`] },
];

export const stageHandlers: Handlers<ApigatewayOperations> = {
  CreateStage(ctx, input) {
    apiOf(ctx, input.restApiId);
    if (!/^[a-zA-Z0-9_-]+$/.test(input.stageName)) throw badRequest('Stage name only allows a-zA-Z0-9_-');
    deploymentOf(ctx, input.restApiId, input.deploymentId);
    if (tables(ctx.store).stages.has(regional(ctx), `${input.restApiId}/${input.stageName}`)) throw conflict('Stage already exists');
    checkCanary(ctx, input.restApiId, input.canarySettings);
    if (input.documentationVersion) documentationVersionOf(ctx, input.restApiId, input.documentationVersion);
    return stageView(createOrRepointStage(ctx, input.restApiId, input.stageName, input.deploymentId, input));
  },
  GetStage(ctx, { restApiId, stageName }) {
    apiOf(ctx, restApiId);
    return stageView(stageOf(ctx, restApiId, stageName));
  },
  GetStages(ctx, { restApiId, deploymentId }) {
    apiOf(ctx, restApiId);
    const all = tables(ctx.store).stages.list(regional(ctx)).filter((s) => s.apiId === restApiId && (!deploymentId || s.deploymentId === deploymentId));
    return { item: all.map(stageView) };
  },
  UpdateStage(ctx, { restApiId, stageName, patchOperations }) {
    apiOf(ctx, restApiId);
    const s = stageOf(ctx, restApiId, stageName);
    // method settings paths have as many segments as their resource path needs: taken before the rules
    for (const o of patchOperations ?? []) if (!applyMethodSetting(s, o)) applyPatches(s, [o], RULES);
    // API Gateway writes execution logs as the account's CloudWatch role: without one it refuses to turn them on
    const logging = (patchOperations ?? []).some((o) => /\/logging\/loglevel$/.test(o.path ?? '') && o.op !== 'remove' && o.value !== 'OFF');
    if (logging && !tables(ctx.store).account.get(regional(ctx), 'account')?.cloudwatchRoleArn) {
      throw badRequest('CloudWatch Logs role ARN must be set in account settings to enable logging');
    }
    deploymentOf(ctx, restApiId, s.deploymentId);
    if (s.clientCertificateId === '') delete s.clientCertificateId;
    if (s.clientCertificateId) clientCertificateOf(ctx, s.clientCertificateId);
    if (s.documentationVersion === '') delete s.documentationVersion;
    if (s.documentationVersion) documentationVersionOf(ctx, restApiId, s.documentationVersion);
    checkCanary(ctx, restApiId, s.canarySettings);
    checkVariables(s.variables);
    if (s.cacheClusterEnabled && !s.cacheClusterSize) s.cacheClusterSize = '0.5';
    if (!s.cacheClusterEnabled) flushStageCache(ctx, restApiId, stageName);
    s.lastUpdatedDate = ctx.clock.now();
    tables(ctx.store).stages.put(regional(ctx), `${restApiId}/${stageName}`, s);
    return stageView(s);
  },
  DeleteStage(ctx, { restApiId, stageName }) {
    apiOf(ctx, restApiId);
    stageOf(ctx, restApiId, stageName);
    tables(ctx.store).stages.delete(regional(ctx), `${restApiId}/${stageName}`);
  },
  FlushStageCache(ctx, { restApiId, stageName }) {
    apiOf(ctx, restApiId);
    stageOf(ctx, restApiId, stageName);
    flushStageCache(ctx, restApiId, stageName);
  },
  FlushStageAuthorizersCache(ctx, { restApiId, stageName }) {
    apiOf(ctx, restApiId);
    stageOf(ctx, restApiId, stageName);
    flushAuthorizerCache(ctx, restApiId, stageName);
  },
};
