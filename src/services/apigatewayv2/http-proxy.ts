// HTTP_PROXY integrations: the request goes to the integration URI (path variables substituted, or the whole
// request path appended for the $default route) with its query string, headers and body, after the
// integration's parameter mappings; the backend's answer comes back as it is. Past the integration's timeout
// (on the virtual clock) the client gets 503 Service Unavailable; an unreachable backend 500.
import { callBackend, type BackendVia } from '../apigateway/index.js';
import { listenerEndpoint } from '../elbv2/index.js';
import { withStageVariables } from './lambda-call.js';
import { referenceValue } from './parameter-mapping.js';
import { internalError, serviceUnavailable, type Answer, type HttpApiRequest } from './request.js';
import type { IntegrationRecord } from './store.js';
import { vpcLinkProblem } from './vpc-links.js';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

/** A mapping value: static text with $request.*, $context.* and $stageVariables.* references; undefined when a
 * reference is missing from the request (the mapping is then skipped). */
function mappingValue(req: HttpApiRequest, v: string): string | undefined {
  let missing = false;
  const out = v.replace(/\$(request\.(?:header|querystring|path)\.[A-Za-z0-9_-]+|request\.path|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)/g, (_, ref: string) => {
    const x = referenceValue(req, ref);
    // a header or query parameter the request lacks skips the mapping; other references read as empty
    if (x === undefined && /^request\.(header|querystring)\./.test(ref)) missing = true;
    return x === undefined || x === null ? '' : typeof x === 'string' ? x : JSON.stringify(x);
  });
  return missing ? undefined : out;
}

/** The backend URL and headers; `origin` is a private integration's load balancer (the request path goes to it as is). */
export function targetUrl(req: HttpApiRequest, integration: IntegrationRecord, origin?: string): { url: URL; headers: Map<string, string[]> } {
  const params = req.match?.pathParameters ?? {};
  let uri = withStageVariables(integration.IntegrationUri!, req.stage.StageVariables);
  uri = uri.replace(/\{([A-Za-z0-9._-]+)\+?\}/g, (_, n: string) => (params[n] !== undefined ? params[n]!.split('/').map(encodeURIComponent).join('/') : ''));
  const url = new URL(origin ?? uri);
  if (origin) url.pathname = req.path;
  else if (req.match?.route.RouteKey === '$default') url.pathname = url.pathname.replace(/\/$/, '') + req.path;
  for (const [k, v] of req.query) url.searchParams.append(k, v);
  const headers = new Map([...req.headers].map(([k, v]) => [k, [...v]]));
  for (const [key, value] of Object.entries(integration.RequestParameters ?? {})) {
    const [op, target] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    const v = op === 'remove' ? '' : mappingValue(req, value);
    if (v === undefined) continue;
    if (target === 'path') {
      url.pathname = v.startsWith('/') ? v : `/${v}`;
    } else if (target.startsWith('header.')) {
      const name = target.slice(7).toLowerCase();
      if (op === 'remove') headers.delete(name);
      else if (op === 'append') headers.set(name, [...(headers.get(name) ?? []), v]);
      else headers.set(name, [v]);
    } else if (target.startsWith('querystring.')) {
      const name = target.slice(12);
      if (op === 'remove') url.searchParams.delete(name);
      else if (op === 'append') url.searchParams.append(name, v);
      else url.searchParams.set(name, v);
    }
  }
  return { url, headers };
}

/** A private integration (VPC_LINK): the listener its URI names, reached on its local socket. */
function privateRoute(req: HttpApiRequest, integration: IntegrationRecord): { origin?: string; via: BackendVia } {
  const scope = { account: req.account, region: req.region };
  const problem = vpcLinkProblem(req.runtime, scope, integration.ConnectionId);
  if (problem) return { via: { unreachable: problem } };
  const arn = withStageVariables(integration.IntegrationUri!, req.stage.StageVariables);
  const l = listenerEndpoint(req.runtime, scope, arn);
  if (!l) return { via: { unreachable: `no load balancer listener ${arn} (Cloud Map services are not supported by Cumulus yet)` } };
  if (!l.localPort) return { via: { unreachable: `listener ${arn} is not open` } };
  const tls = l.protocol === 'HTTPS' || l.protocol === 'TLS';
  const host = integration.TlsConfig?.ServerNameToVerify ?? l.dnsName;
  return { origin: `${tls ? 'https' : 'http'}://${host}:${l.port}`, via: { connectTo: { host: l.host, port: l.localPort, tls } } };
}

export function callHttpProxy(req: HttpApiRequest, integration: IntegrationRecord): Promise<Answer> {
  const route = integration.ConnectionType === 'VPC_LINK' ? privateRoute(req, integration) : undefined;
  if (route && !route.origin) {
    req.runtime.log.warn(`apigatewayv2 ${req.api.ApiId}/${req.stage.StageName} ${req.requestId}: private integration failed: ${route.via.unreachable}`);
    return Promise.reject(internalError());
  }
  const { url, headers } = targetUrl(req, integration, route?.origin);
  const out: Record<string, string> = {};
  for (const [k, vs] of headers) if (!HOP.has(k)) out[k] = vs.join(',');
  out['forwarded'] = `by=${req.domainName};for=${req.sourceIp};host=${req.domainName};proto=http`;
  out['x-amzn-trace-id'] ??= `Root=1-${Math.floor(req.timeEpoch / 1000).toString(16)}-${req.requestId.replace(/[^a-z0-9]/gi, '').padEnd(24, '0').slice(0, 24)}`;
  const method = integration.IntegrationMethod === 'ANY' ? req.method : integration.IntegrationMethod!;
  const runtime = req.runtime;
  // hop-by-hop headers were dropped above; the backend's are dropped from its answer below
  return callBackend(runtime, url, method, out, req.body, integration.TimeoutInMillis!, { timeout: serviceUnavailable, failure: internalError, tooLarge: internalError }, (e) =>
    runtime.log.warn(`apigatewayv2 ${req.api.ApiId}/${req.stage.StageName} ${req.requestId}: integration error calling ${url.origin}: ${e.message}`),
    route?.via,
  ).then((a) => {
    const h: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(a.headers)) if (!HOP.has(k)) h[k] = v;
    return { status: a.status, headers: h, body: a.body };
  });
}
