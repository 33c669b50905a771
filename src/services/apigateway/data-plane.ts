// Deployed stages answering HTTP on Cumulus's port:
//   /_aws/execute-api/{api-id}/{stage}/{path}            (path form)
//   /restapis/{api-id}/{stage}/_user_request_/{path}      (LocalStack's older path form)
//   Host {api-id}.execute-api.localhost[:port] or {api-id}.execute-api.localhost.localstack.cloud[:port], path /{stage}/{path}
//   Host {api-id}-{vpce-id}.execute-api.localhost[:port], or a VPC endpoint's DNS name with x-apigw-api-id (private APIs)
// A request goes through: account and stage/method throttling, routing (403 Missing Authentication Token),
// authorization (Lambda authorizers, IAM), API keys and usage plans, the integration, then the answer, with the
// stage's execution log (execution-log.ts) written along the way.
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { WireRequest } from '../../protocol/identify.js';
import type { Runtime } from '../../server/context.js';
import { HANDLED, type PlaneInfo } from '../../server/http-planes.js';
import { writeAccessLog } from './access-log.js';
import { flushExecutionLog, logInfo, startExecutionLog } from './execution-log.js';
import { traceMethodRequest, traceMethodResponse, traceUsagePlan } from './execution-trace.js';
import { ALIAS_HOST, ENDPOINT_HOST, privateAccess, type Via } from './private-api.js';
import { ACCOUNT_THROTTLE } from './account.js';
import { authorize } from './authorizer-run.js';
import { GatewayError, missingToken, renderGatewayError, type Answer } from './gateway-errors.js';
import { authorizeIam } from './iam-auth.js';
import { runIntegration } from './integration-run.js';
import { meterApiKey } from './metering.js';
import { RequestMetrics } from './metrics.js';
import { header, type ApiRequest } from './request.js';
import { extendedRequestId as newExtendedRequestId, traceId as newTraceId } from './request-ids.js';
import { StageCache } from './stage-cache.js';
import type { StageRecord } from './store.js';
import { Buckets } from './throttle.js';
import { resolveCustomDomain } from './domains.js';
import type { Store } from '../../state/db.js';
import { validateRequest } from './validation.js';
import { checkResourcePolicy } from './resource-policy.js';
import { cachingOf, lookupCache } from './response-cache.js';

/** API Gateway's payload limit */
const MAX_PAYLOAD = 10 * 1024 * 1024;
const PATH_FORM = '/_aws/execute-api/';
const OLD_FORM = /^\/restapis\/([a-z0-9]+)\/([^/]+)\/_user_request_(\/.*)?$/;
const HOST_FORM = /^([a-z0-9]+)\.execute-api\.localhost(?:\.localstack\.cloud)?(?::\d+)?$/;

interface Target {
  apiId: string;
  /** reached through an interface VPC endpoint */
  via?: Via;
  stage: string;
  path: string;
  /** how the client addressed the API: the domain name and prefix of $context */
  domainName: string;
  /** reached through a custom domain name: $context.path is the request's own path */
  customDomain?: boolean;
}

/** /{stage}/{path} of a request addressed by Host. */
function stageAndPath(req: WireRequest): { stage: string; path: string } {
  const rest = req.path.slice(1);
  const slash = rest.indexOf('/');
  return { stage: slash < 0 ? rest : rest.slice(0, slash), path: slash < 0 ? '/' : rest.slice(slash) };
}

function address(req: WireRequest, host: string, store?: Store): Target | undefined {
  const am = ALIAS_HOST.exec(host);
  if (am) return { apiId: am[1]!, ...stageAndPath(req), domainName: host.replace(/:\d+$/, ''), via: { vpceId: am[2]!, alias: true } };
  const em = ENDPOINT_HOST.exec(host);
  if (em) {
    const apiId = header({ headers: req.headers }, 'x-apigw-api-id');
    if (!apiId || !/^[a-z0-9]+$/.test(apiId)) return undefined;
    return { apiId, ...stageAndPath(req), domainName: host.replace(/:\d+$/, ''), via: { vpceId: em[1]!, alias: false } };
  }
  const hm = HOST_FORM.exec(host);
  if (hm) {
    const rest = req.path.slice(1);
    const slash = rest.indexOf('/');
    const stage = slash < 0 ? rest : rest.slice(0, slash);
    return { apiId: hm[1]!, stage, path: slash < 0 ? '/' : rest.slice(slash), domainName: host.replace(/:\d+$/, '') };
  }
  if (req.path.startsWith(PATH_FORM)) {
    const parts = req.path.slice(PATH_FORM.length).split('/');
    const [apiId, stage] = parts;
    if (!apiId) return undefined;
    return { apiId, stage: stage ?? '', path: '/' + parts.slice(2).join('/'), domainName: `${apiId}.execute-api.localhost` };
  }
  const om = OLD_FORM.exec(req.path);
  if (om) return { apiId: om[1]!, stage: om[2]!, path: om[3] || '/', domainName: `${om[1]}.execute-api.localhost` };
  if (store) {
    const cd = resolveCustomDomain(store, host, req.path);
    // a mapping to an HTTP API is apigatewayv2's to serve (its data plane looks the domain up too)
    if (cd?.httpApi) return undefined;
    if (cd) return { apiId: cd.apiId, stage: cd.stage, path: cd.path, domainName: host.replace(/:\d+$/, ''), customDomain: true };
  }
  return undefined;
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

class DataPlane {
  readonly buckets: Buckets;
  readonly metrics: RequestMetrics;
  readonly deployed: StageCache;

  constructor(readonly runtime: Runtime) {
    this.buckets = new Buckets(runtime.clock);
    this.metrics = new RequestMetrics(runtime);
    this.deployed = new StageCache(runtime.store);
  }

  handle(req: WireRequest, info: PlaneInfo): Promise<typeof HANDLED> | undefined {
    const target = address(req, info.host, this.runtime.store);
    if (!target) return undefined;
    return this.serve(req, info, target);
  }

  private async serve(wire: WireRequest, info: PlaneInfo, target: Target): Promise<typeof HANDLED> {
    const t0 = performance.now();
    const requestId = randomUUID();
    const now = this.runtime.clock.now();
    const extendedRequestId = newExtendedRequestId();
    const baseHeaders: Record<string, string> = {
      'x-amzn-requestid': requestId,
      'x-amz-apigw-id': extendedRequestId,
      'x-amzn-trace-id': newTraceId(now),
    };
    const deployed = this.deployed.lookup(target.apiId, target.stage);
    const loc = deployed?.loc;
    let stage: StageRecord | undefined = deployed?.stage;
    let compiled = deployed?.compiled;
    // a canary takes its share of requests: its deployment, the stage's variables with its overrides
    const canary = stage?.canarySettings;
    const toCanary = !!canary?.deploymentId && Math.random() * 100 < (canary.percentTraffic ?? 0);
    if (stage && toCanary) {
      stage = { ...stage, deploymentId: canary!.deploymentId!, variables: { ...stage.variables, ...(canary!.stageVariableOverrides ?? {}) } };
      compiled = this.deployed.compile(loc!, target.apiId, stage.deploymentId);
    }
    const access = loc ? privateAccess(this.runtime.store, loc, target.apiId, target.via) : undefined;
    if (!loc || !stage || !compiled || (loc.disabled && !target.via) || !access?.allowed) {
      return write(info, wire, { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ForbiddenException' }, body: Buffer.from('{"message":"Forbidden"}') }, baseHeaders, 0);
    }
    const segments: string[] = [];
    for (const s of target.path.split('/')) if (s) segments.push(decodeSegment(s));
    const req: ApiRequest = {
      runtime: this.runtime,
      account: loc.account,
      region: loc.region,
      apiId: target.apiId,
      def: compiled.def,
      stage,
      httpMethod: wire.method.toUpperCase(),
      path: target.path || '/',
      segments,
      query: wire.query,
      rawHeaders: info.raw.rawHeaders,
      headers: wire.headers,
      body: wire.body,
      sourceIp: info.sourceIp,
      domainName: target.domainName,
      domainPrefix: target.domainName.split('.')[0]!,
      requestId,
      extendedRequestId,
      requestTimeEpoch: now,
      publicPath: target.customDomain ? wire.path : undefined,
      isCanaryRequest: toCanary,
      traceId: baseHeaders['x-amzn-trace-id'],
      port: info.raw.socket.localPort,
      sourceVpce: access.sourceVpce,
      privateApi: access.private,
    };
    startExecutionLog(req);
    if (req.execLog) logInfo(req, `Extended Request Id: ${extendedRequestId}`);
    let answer: Answer;
    if (wire.body.length > MAX_PAYLOAD) {
      answer = renderGatewayError(req, new GatewayError('REQUEST_TOO_LARGE', 'Request Too Long'));
      return write(info, wire, answer, baseHeaders, undefined);
    }
    let integrationLatency: number | undefined;
    let cacheHit: boolean | undefined;
    try {
      if (!this.buckets.take(`account/${loc.account}/${loc.region}`, ACCOUNT_THROTTLE.rateLimit, ACCOUNT_THROTTLE.burstLimit)) {
        throw new GatewayError('THROTTLED', 'Too Many Requests');
      }
      req.route = compiled.router.route(segments, req.httpMethod);
      if (!req.route) throw missingToken();
      const hasSettings = hasAny(stage.methodSettings);
      if (hasSettings) {
        startExecutionLog(req);
        this.throttleStage(req);
      }
      checkResourcePolicy(req);
      const m = req.route.method;
      if (m.authorizationType === 'CUSTOM' || m.authorizationType === 'COGNITO_USER_POOLS') {
        const a = m.authorizerId ? compiled.def.authorizers[m.authorizerId] : undefined;
        if (!a) throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', 'Internal server error', 500);
        await authorize(req, a);
      } else if (m.authorizationType === 'AWS_IAM') {
        authorizeIam(req);
      }
      traceUsagePlan(req, () => m.apiKeyRequired && meterApiKey(req, this.buckets));
      traceMethodRequest(req);
      validateRequest(req);
      const caching = cachingOf(req);
      const cached = caching ? lookupCache(req, caching) : undefined;
      if (cached && 'hit' in cached) {
        answer = cached.hit;
        cacheHit = true;
      } else {
        const ti = performance.now();
        answer = await runIntegration(req);
        integrationLatency = performance.now() - ti;
        if (cached) {
          cached.store(answer);
          cacheHit = false;
        }
      }
    } catch (e) {
      if (!(e instanceof GatewayError)) {
        this.runtime.log.error(`apigateway ${target.apiId}/${target.stage} ${requestId}: ${(e as Error)?.stack ?? String(e)}`);
        e = new GatewayError('DEFAULT_5XX', 'Internal server error', 500);
      }
      answer = renderGatewayError(req, e as GatewayError);
    }
    if (req.execLog) {
      // the log shows the headers as answered
      answer.headers = { ...answer.headers, ...baseHeaders };
      traceMethodResponse(req, answer);
      flushExecutionLog(req);
    }
    const latency = performance.now() - t0;
    const settings = req.route ? (stage.methodSettings[req.route.settingKey] ?? stage.methodSettings['*/*']) : stage.methodSettings['*/*'];
    this.metrics.record({
      account: loc.account,
      region: loc.region,
      apiName: compiled.def.name,
      stage: stage.stageName,
      method: req.route?.method.httpMethod,
      resource: req.route?.resource.path,
      detailed: !!settings?.metricsEnabled,
      status: answer.status,
      latency,
      integrationLatency,
      cacheHit,
    });
    if (stage.accessLogSettings) writeAccessLog(req, answer.status, answer.body.length, latency, integrationLatency);
    return write(info, wire, answer, baseHeaders, compiled.def.minimumCompressionSize);
  }

  /** Stage and method throttling from the stage's method settings (the method's own, else the stage-wide one). */
  private throttleStage(req: ApiRequest): void {
    const s = req.stage.methodSettings;
    const methodKey = req.route!.settingKey;
    const own = s[methodKey];
    const all = s['*/*'];
    const setting = own ?? all;
    if (!setting || setting.throttlingRateLimit === undefined) return;
    const bucketKey = `stage/${req.account}/${req.apiId}/${req.stage.stageName}/${own ? methodKey : '*/*'}`;
    if (!this.buckets.take(bucketKey, setting.throttlingRateLimit, setting.throttlingBurstLimit ?? 0)) {
      throw new GatewayError('THROTTLED', 'Too Many Requests');
    }
  }
}

function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** Bodies up to this size go out as latin1 text, so Node sends status line, headers and body in one write. */
const ONE_WRITE_MAX = 64 * 1024;

/** The answer, with API Gateway's own headers (`base`) last, as one response. */
function write(info: PlaneInfo, wire: WireRequest, a: Answer, base: Record<string, string>, minimumCompressionSize: number | undefined): typeof HANDLED {
  let body = a.body;
  // a copy: a cached answer is answered again
  const headers: Record<string, string | string[]> = { ...a.headers, ...base };
  if (
    minimumCompressionSize !== undefined &&
    body.length >= minimumCompressionSize &&
    /\bgzip\b/.test(header({ headers: wire.headers }, 'accept-encoding') ?? '') &&
    !headers['content-encoding']
  ) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  const cookie = headers['set-cookie'];
  if (typeof cookie === 'string' && cookie.includes('\n')) headers['set-cookie'] = cookie.split('\n');
  headers['content-length'] = String(body.length);
  info.res.writeHead(a.status, headers);
  if (wire.method === 'HEAD') info.res.end();
  else if (body.length <= ONE_WRITE_MAX) info.res.end(body.toString('latin1'), 'latin1');
  else info.res.end(body);
  return HANDLED;
}

const planes = new WeakMap<Runtime, DataPlane>();

export function installDataPlane(runtime: Runtime): void {
  const plane = new DataPlane(runtime);
  planes.set(runtime, plane);
  plane.metrics.start();
  runtime.bus.on('reset', ({ service }) => {
    if (!service || service === 'apigateway') plane.buckets.clear();
  });
  // deployed stages, endpoint types and VPC endpoint associations are read again once an API Gateway record
  // has changed (StageCache, private-api.ts: Store.generation)
  runtime.http.addDataPlane((req, info) => plane.handle(req, info));
}

export function stopDataPlane(runtime: Runtime): void {
  planes.get(runtime)?.metrics.stop();
  planes.delete(runtime);
}
