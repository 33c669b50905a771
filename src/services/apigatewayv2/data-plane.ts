// Deployed HTTP APIs answering on Cumulus's port:
//   Host {api-id}.execute-api.localhost[:port] or {api-id}.execute-api.localhost.localstack.cloud[:port]
//   Path /_aws/execute-api/{api-id}/{path}
//   Host a custom domain name (any port) whose longest matching API mapping points to an HTTP API: the mapped
//   stage serves the path with the mapping's key stripped (mappings to REST APIs are apigateway's)
// A named stage is the first path segment; the $default stage serves paths without one. REST APIs
// (apigateway) share these forms: an id this service does not know is left to the next plane.
// A request goes through: CORS preflight, routing (404 Not Found), throttling, authorization (JWT, Lambda,
// IAM), the integration (Lambda 2.0/1.0, HTTP proxy or an AWS service), CORS headers, metrics.
import { randomBytes } from 'node:crypto';
import type { WireRequest } from '../../protocol/identify.js';
import type { Runtime } from '../../server/context.js';
import { HANDLED, type PlaneInfo } from '../../server/http-planes.js';
import { writeAccessLog } from './access-log.js';
import { clearAllAuthorizerCaches } from './authorizer-cache.js';
import { addCorsHeaders, isPreflight, preflight } from './cors.js';
import { eventV1, eventV2 } from './events.js';
import { callHttpProxy } from './http-proxy.js';
import { authorizeIam } from './iam-auth.js';
import { callServiceIntegration } from './service-integrations.js';
import { authorizeJwt } from './jwt-authorizer.js';
import { authorizeLambda } from './lambda-authorizer.js';
import { callLambda } from './lambda-call.js';
import { responseV1, responseV2 } from './lambda-response.js';
import { RequestMetrics } from './metrics.js';
import { mapResponse } from './response-mapping.js';
import { GatewayError, internalError, notFoundError, tooManyRequests, type Answer, type HttpApiRequest } from './request.js';
import { Router } from './router.js';
import { GLOBAL, SERVICE, tables, type ApiDefinition, type StageRecord } from './store.js';
import { Buckets, resolveCustomDomain } from '../apigateway/index.js';
import type { Store } from '../../state/db.js';

const PATH_FORM = '/_aws/execute-api/';
const HOST_FORM = /^([a-z0-9]+)\.execute-api\.localhost(?:\.localstack\.cloud)?(?::\d+)?$/;
/** API Gateway's account-level throttle */
const ACCOUNT_RATE = 10_000;
const ACCOUNT_BURST = 5_000;
/** HTTP APIs take payloads up to 10 MB */
const MAX_PAYLOAD = 10 * 1024 * 1024;

interface Address {
  apiId: string;
  /** the path after the API id (stage prefix included) */
  rest: string;
  domainName: string;
  /** reached through a custom domain name's API mapping: its stage, and the path with the key stripped */
  mapped?: { stage: string; path: string };
}

function address(req: WireRequest, host: string, store: Store): Address | undefined {
  const hm = HOST_FORM.exec(host);
  if (hm) return { apiId: hm[1]!, rest: req.path, domainName: host.replace(/:\d+$/, '') };
  if (req.path.startsWith(PATH_FORM)) {
    const tail = req.path.slice(PATH_FORM.length);
    const slash = tail.indexOf('/');
    const apiId = slash < 0 ? tail : tail.slice(0, slash);
    if (!apiId) return undefined;
    return { apiId, rest: slash < 0 ? '/' : tail.slice(slash), domainName: `${apiId}.execute-api.localhost` };
  }
  // a custom domain name (rawPath keeps the mapping's key, as API Gateway sends it; routing sees the stripped path)
  const cd = resolveCustomDomain(store, host, req.path);
  if (cd?.httpApi) return { apiId: cd.apiId, rest: req.path, domainName: host.replace(/:\d+$/, ''), mapped: { stage: cd.stage, path: cd.path } };
  return undefined;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

class DataPlane {
  private readonly compiled = new Map<string, { def: ApiDefinition; router: Router }>();
  readonly buckets: Buckets;
  readonly metrics: RequestMetrics;

  constructor(readonly runtime: Runtime) {
    this.buckets = new Buckets(runtime.clock);
    this.metrics = new RequestMetrics(runtime);
  }

  handle(wire: WireRequest, info: PlaneInfo): Promise<typeof HANDLED> | undefined {
    const a = address(wire, info.host, this.runtime.store);
    if (!a) return undefined;
    // ids are shared with REST APIs: only the APIs of this service are answered here
    const loc = this.locate(a.apiId);
    if (!loc) return undefined;
    return this.serve(wire, info, a, loc);
  }

  /** Where each API id lives (null: not an HTTP API), read once until an apigatewayv2 write: every request to a
   *  REST API passes here first, and must not pay a SQLite read for it. */
  private readonly locations = new Map<string, { account: string; region: string } | null>();
  /** APIs and stages as the data plane reads them (null: none), also until an apigatewayv2 write. */
  private readonly records = new Map<string, unknown>();

  /** the store's apigatewayv2 generation the locations and records were read at */
  private generation = -1;

  /** Drops the locations and records once an apigatewayv2 record has changed since they were read. */
  private current(): void {
    const g = this.runtime.store.generation(SERVICE);
    if (g === this.generation) return;
    this.generation = g;
    this.locations.clear();
    this.records.clear();
  }

  private memo<T>(key: string, read: () => T | undefined): T | undefined {
    this.current();
    let v = this.records.get(key) as T | null | undefined;
    if (v === undefined) {
      v = read() ?? null;
      if (this.records.size >= 10_000) this.records.clear();
      this.records.set(key, v);
    }
    return v ?? undefined;
  }

  private locate(apiId: string): { account: string; region: string } | undefined {
    this.current();
    let loc = this.locations.get(apiId);
    if (loc === undefined) {
      loc = tables(this.runtime.store).index.get(GLOBAL, apiId) ?? null;
      if (this.locations.size >= 10_000) this.locations.clear();
      this.locations.set(apiId, loc);
    }
    return loc ?? undefined;
  }

  /** Deployments never change: their routers are compiled once. */
  private compile(scope: { account: string; region: string }, apiId: string, deploymentId: string) {
    const key = `${scope.account}/${scope.region}/${apiId}/${deploymentId}`;
    let c = this.compiled.get(key);
    if (!c) {
      const d = tables(this.runtime.store).deployments.get(scope, `${apiId}/${deploymentId}`);
      if (!d) return undefined;
      c = { def: d.snapshot, router: new Router(d.snapshot) };
      if (this.compiled.size > 1000) this.compiled.clear();
      this.compiled.set(key, c);
    }
    return c;
  }

  /** The stage: a named stage is the first segment of the path, else $default. */
  private stageFor(scope: { account: string; region: string }, apiId: string, rest: string): { stage: StageRecord; path: string } | undefined {
    const t = tables(this.runtime.store).stages;
    const segs = rest.split('/');
    const first = decodeSegment(segs[1] ?? '');
    if (first && first !== '$default') {
      const named = this.memo(`stage\u0000${apiId}/${first}`, () => t.get(scope, `${apiId}/${first}`));
      if (named) return { stage: named, path: '/' + segs.slice(2).join('/') };
    }
    const def = this.memo(`stage\u0000${apiId}/$default`, () => t.get(scope, `${apiId}/$default`));
    return def ? { stage: def, path: rest || '/' } : undefined;
  }

  /** The stage an API mapping names. */
  private mappedStage(scope: { account: string; region: string }, apiId: string, mapped: { stage: string; path: string }): { stage: StageRecord; path: string } | undefined {
    const stage = this.memo(`stage\u0000${apiId}/${mapped.stage}`, () => tables(this.runtime.store).stages.get(scope, `${apiId}/${mapped.stage}`));
    return stage ? { stage, path: mapped.path || '/' } : undefined;
  }

  private async serve(wire: WireRequest, info: PlaneInfo, a: Address, loc: { account: string; region: string }): Promise<typeof HANDLED> {
    const t0 = performance.now();
    const requestId = randomBytes(10).toString('base64').replace(/[+/]/g, 'A').slice(0, 15) + '=';
    const baseHeaders = { 'apigw-requestid': requestId, date: this.runtime.clock.date().toUTCString() };
    const api = this.memo(`api\u0000${a.apiId}`, () => tables(this.runtime.store).apis.get(loc, a.apiId));
    // disableExecuteApiEndpoint closes the default endpoint only: custom domain names still reach the API
    const open = api && (a.mapped || !api.DisableExecuteApiEndpoint);
    const found = open ? (a.mapped ? this.mappedStage(loc, a.apiId, a.mapped) : this.stageFor(loc, a.apiId, a.rest)) : undefined;
    const compiled = found?.stage.DeploymentId ? this.compile(loc, a.apiId, found.stage.DeploymentId) : undefined;
    if (!api || !found || !compiled) {
      const status = api?.DisableExecuteApiEndpoint && !a.mapped ? 403 : 404;
      return write(info, wire, { status, headers: { ...baseHeaders, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message: status === 403 ? 'Forbidden' : 'Not Found' })) });
    }
    const headers = new Map<string, string[]>();
    const rh = info.raw.rawHeaders;
    for (let i = 0; i + 1 < rh.length; i += 2) {
      const k = rh[i]!.toLowerCase();
      const list = headers.get(k);
      if (list) list.push(rh[i + 1]!);
      else headers.set(k, [rh[i + 1]!]);
    }
    const q = info.raw.url?.indexOf('?') ?? -1;
    const req: HttpApiRequest = {
      runtime: this.runtime,
      account: loc.account,
      region: loc.region,
      api,
      def: compiled.def,
      stage: found.stage,
      method: wire.method.toUpperCase(),
      rawPath: a.rest,
      path: found.path,
      rawQueryString: q >= 0 ? info.raw.url!.slice(q + 1) : '',
      query: wire.query,
      headers,
      body: wire.body,
      sourceIp: info.sourceIp,
      domainName: a.domainName,
      domainPrefix: a.domainName.split('.')[0]!,
      requestId,
      timeEpoch: this.runtime.clock.now(),
    };
    let answer: Answer;
    let integrationLatency: number | undefined;
    let integrationStatus: number | undefined;
    let errorMessage: string | undefined;
    try {
      if (wire.body.length > MAX_PAYLOAD) throw new GatewayError(413, 'Request Entity Too Large');
      if (api.CorsConfiguration && isPreflight(req)) {
        answer = preflight(req, api.CorsConfiguration);
      } else {
        const segments = found.path.split('/').filter(Boolean).map(decodeSegment);
        req.match = compiled.router.route(req.method, segments);
        if (!req.match) throw notFoundError();
        this.throttle(req);
        const route = req.match.route;
        if (route.AuthorizationType === 'JWT' || route.AuthorizationType === 'CUSTOM') {
          const auth = route.AuthorizerId ? compiled.def.authorizers[route.AuthorizerId] : undefined;
          if (!auth) throw internalError();
          if (auth.AuthorizerType === 'JWT') await authorizeJwt(req, auth, route.AuthorizationScopes);
          else await authorizeLambda(req, auth);
        } else if (route.AuthorizationType === 'AWS_IAM') {
          authorizeIam(req);
        }
        const integrationId = route.Target?.slice('integrations/'.length);
        const integration = integrationId ? compiled.def.integrations[integrationId] : undefined;
        if (!integration) throw internalError();
        const ti = performance.now();
        if (integration.IntegrationType === 'HTTP_PROXY') {
          answer = await callHttpProxy(req, integration);
        } else if (integration.IntegrationSubtype) {
          answer = await callServiceIntegration(req, integration);
        } else {
          const v2 = integration.PayloadFormatVersion === '2.0';
          const payload = await this.withTimeout(callLambda(req, integration.IntegrationUri!, integration.CredentialsArn, v2 ? eventV2(req) : eventV1(req), 'integration'), integration.TimeoutInMillis);
          integrationStatus = 200;
          answer = v2 ? responseV2(payload) : responseV1(payload);
        }
        integrationStatus ??= answer.status;
        answer = mapResponse(req, integration, answer);
        integrationLatency = performance.now() - ti;
      }
    } catch (e) {
      if (!(e instanceof GatewayError)) {
        this.runtime.log.error(`apigatewayv2 ${a.apiId}/${found.stage.StageName} ${requestId}: ${(e as Error)?.stack ?? String(e)}`);
        e = internalError();
      }
      const g = e as GatewayError;
      errorMessage = g.message;
      answer = { status: g.status, headers: { 'content-type': 'application/json', ...g.headers }, body: Buffer.from(JSON.stringify({ message: g.message })) };
    }
    if (api.CorsConfiguration && !(isPreflight(req) && answer.status === 204)) addCorsHeaders(req, api.CorsConfiguration, answer);
    answer.headers = { ...answer.headers, ...baseHeaders };
    const latency = performance.now() - t0;
    writeAccessLog(this.runtime, req, found.stage, { status: answer.status, responseLength: answer.body.length, responseLatency: latency, integrationLatency, integrationStatus, errorMessage });
    const routeKey = req.match?.route.RouteKey;
    const settings = (routeKey && found.stage.RouteSettings[routeKey]) || found.stage.DefaultRouteSettings;
    this.metrics.record({
      account: loc.account,
      region: loc.region,
      apiId: a.apiId,
      stage: found.stage.StageName,
      route: routeKey,
      detailed: !!settings?.DetailedMetricsEnabled,
      status: answer.status,
      latency,
      integrationLatency,
      bytes: wire.body.length + answer.body.length,
    });
    return write(info, wire, answer);
  }

  /** Stage throttling: the route's own settings, else the stage's defaults; then the account's limit. */
  private throttle(req: HttpApiRequest): void {
    const key = req.match!.route.RouteKey;
    const own = req.stage.RouteSettings[key];
    const rate = own?.ThrottlingRateLimit ?? req.stage.DefaultRouteSettings.ThrottlingRateLimit;
    const burst = own?.ThrottlingBurstLimit ?? req.stage.DefaultRouteSettings.ThrottlingBurstLimit;
    if (rate !== undefined || burst !== undefined) {
      const bucket = `${req.api.ApiId}/${req.stage.StageName}/${own ? key : '*'}`;
      if (!this.buckets.take(bucket, rate ?? ACCOUNT_RATE, burst ?? ACCOUNT_BURST)) throw tooManyRequests();
    }
    if (!this.buckets.take(`account/${req.account}/${req.region}`, ACCOUNT_RATE, ACCOUNT_BURST)) throw tooManyRequests();
  }

  /** A Lambda integration past its timeout answers 503, as API Gateway does (the function may still finish). */
  private withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.runtime.clock.setTimeout(() => reject(new GatewayError(503, 'Service Unavailable')), ms);
      p.then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (e) => {
          timer.cancel();
          reject(e);
        },
      );
    });
  }
}

function write(info: PlaneInfo, wire: WireRequest, a: Answer): typeof HANDLED {
  const headers: Record<string, string | string[]> = { ...a.headers };
  headers['content-length'] = String(a.body.length);
  info.res.writeHead(a.status, headers);
  info.res.end(wire.method === 'HEAD' ? undefined : a.body);
  return HANDLED;
}

const planes = new WeakMap<Runtime, DataPlane>();

export function installDataPlane(runtime: Runtime): void {
  const plane = new DataPlane(runtime);
  planes.set(runtime, plane);
  plane.metrics.start();
  runtime.bus.on('reset', ({ service }) => {
    if (service && service !== 'apigatewayv2') return;
    plane.buckets.clear();
    clearAllAuthorizerCaches(runtime);
  });
  runtime.http.addDataPlane((req, info) => plane.handle(req, info));
}

export function stopDataPlane(runtime: Runtime): void {
  planes.get(runtime)?.metrics.stop();
  planes.delete(runtime);
}
