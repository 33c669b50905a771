// Function URLs, the data plane: served on the main port by host (`<url-id>.lambda-url.<region>.localhost`)
// and by path (`/_aws/lambda-url/<url-id>/<path>`, for clients that cannot set a Host header). A request
// becomes a payload format 2.0 event; the function's answer becomes the HTTP response. AuthType NONE needs
// the resource policy to allow everyone (lambda:InvokeFunctionUrl with FunctionUrlAuthType NONE); AWS_IAM
// needs a SigV4-signed request of a known caller allowed by its account or the policy. CORS from the
// URL's Cors configuration.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { AwsError } from '../../protocol/errors.js';
import { credentialOf, type WireRequest } from '../../protocol/identify.js';
import type { Runtime } from '../../server/context.js';
import { HANDLED, type PlaneInfo } from '../../server/http-planes.js';
import { ownerOfAccessKey } from '../sts/index.js';
import { executionOf, runInvocation } from './invoke.js';
import { functionUrlById, policyAllows, resolveFunction } from './resolve.js';
import { UrlResponseStream } from './url-stream.js';

const HOST = /^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.localhost(?::\d+)?$/;
const PATH_PREFIX = '/_aws/lambda-url/';

type UrlConfig = NonNullable<ReturnType<typeof functionUrlById>>;
type Cors = import('../../generated/lambda.js').Cors;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]+\+(json|xml)))/i;

function send(res: http.ServerResponse, status: number, headers: Record<string, string | string[]>, body: Buffer | string): typeof HANDLED {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
  res.end(buf);
  return HANDLED;
}

const message = (res: http.ServerResponse, status: number, text: string | null, extra: Record<string, string> = {}): typeof HANDLED =>
  send(res, status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...extra }, JSON.stringify({ Message: text }));

export function registerFunctionUrls(runtime: Runtime): void {
  runtime.http.addDataPlane((req, info) => {
    let urlId: string | undefined;
    let rawPath = req.path;
    const hm = HOST.exec(info.host);
    if (hm) urlId = hm[1];
    else if (req.path.startsWith(PATH_PREFIX)) {
      const rest = req.path.slice(PATH_PREFIX.length);
      const slash = rest.indexOf('/');
      urlId = slash < 0 ? rest : rest.slice(0, slash);
      rawPath = slash < 0 ? '/' : rest.slice(slash);
    }
    if (!urlId) return undefined;
    return serve(runtime, urlId, rawPath, req, info);
  });
}

function corsHeaders(cors: Cors | undefined, origin: string | undefined): Record<string, string> {
  if (!cors || !origin) return {};
  const origins = cors.AllowOrigins ?? [];
  const allowed = origins.includes('*') ? (cors.AllowCredentials ? origin : '*') : origins.find((o: string) => o.toLowerCase() === origin.toLowerCase());
  if (!allowed) return {};
  const h: Record<string, string> = { 'access-control-allow-origin': allowed };
  if (cors.AllowCredentials) h['access-control-allow-credentials'] = 'true';
  if (cors.ExposeHeaders?.length) h['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
  return h;
}

function preflight(res: http.ServerResponse, cors: Cors, req: WireRequest): typeof HANDLED {
  const origin = header(req, 'origin');
  const h = corsHeaders(cors, origin);
  const method = header(req, 'access-control-request-method')?.toUpperCase();
  const methods = (cors.AllowMethods ?? []).map((m: string) => m.toUpperCase());
  if (h['access-control-allow-origin'] && method && (methods.includes('*') || methods.includes(method))) {
    h['access-control-allow-methods'] = methods.join(',');
    if (cors.AllowHeaders?.length) h['access-control-allow-headers'] = cors.AllowHeaders.join(',');
    if (cors.MaxAge !== undefined) h['access-control-max-age'] = String(cors.MaxAge);
  }
  return send(res, 200, h, '');
}

function header(req: WireRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Who signed the request: its account and ARN, when the access key is one Cumulus knows (or names an account). */
function signer(runtime: Runtime, req: WireRequest): { account: string; arn: string; userId: string; accessKey: string } | undefined {
  const cred = credentialOf(req);
  if (!cred?.accessKeyId || !/^AWS4-HMAC-SHA256 /.test(header(req, 'authorization') ?? '') && !req.query.has('X-Amz-Signature')) return undefined;
  const o = ownerOfAccessKey(runtime, cred.accessKeyId);
  return o && { account: o.accountId, arn: o.arn, userId: o.userId, accessKey: o.accessKey };
}

function clfTime(d: Date): string {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

async function serve(runtime: Runtime, urlId: string, rawPath: string, req: WireRequest, info: PlaneInfo): Promise<typeof HANDLED> {
  const res = info.res;
  const cfg = functionUrlById(runtime, urlId);
  if (!cfg) return message(res, 403, 'Forbidden');
  const origin = header(req, 'origin');
  const corsConfig = cfg.Cors as Cors | undefined;
  if (corsConfig && req.method === 'OPTIONS' && origin && header(req, 'access-control-request-method')) return preflight(res, corsConfig, req);
  const scope = { store: runtime.store, account: cfg.account, region: cfg.region };
  let iam: ReturnType<typeof signer>;
  if (cfg.AuthType === 'AWS_IAM') {
    iam = signer(runtime, req);
    const allowed =
      iam &&
      (iam.account === cfg.account ||
        policyAllows(runtime, scope, cfg.FunctionArn, cfg.Qualifier, iam.arn, undefined, undefined, { action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'AWS_IAM' }));
    if (!allowed) return message(res, 403, 'Forbidden');
  } else if (!policyAllows(runtime, scope, cfg.FunctionArn, cfg.Qualifier, '*', undefined, undefined, { action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'NONE' })) {
    return message(res, 403, 'Forbidden');
  }

  const now = runtime.clock.date();
  const requestId = randomUUID();
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (k === 'cookie') cookies = (Array.isArray(v) ? v.join('; ') : v).split(/;\s*/).filter(Boolean);
    else headers[k] = Array.isArray(v) ? v.join(',') : v;
  }
  const rawQueryString = [...req.query].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const qsp: Record<string, string> = {};
  for (const [k, v] of req.query) qsp[k] = k in qsp ? `${qsp[k]},${v}` : v;
  const domainName = info.host.replace(/:\d+$/, '');
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(qsp).length ? { queryStringParameters: qsp } : {}),
    requestContext: {
      accountId: iam ? iam.account : 'anonymous',
      apiId: urlId,
      ...(iam
        ? { authorizer: { iam: { accessKey: iam.accessKey, accountId: iam.account, callerId: iam.userId, cognitoIdentity: null, principalOrgId: null, userArn: iam.arn, userId: iam.userId } } }
        : {}),
      domainName: HOST.test(info.host) ? domainName : `${urlId}.lambda-url.${cfg.region}.localhost`,
      domainPrefix: urlId,
      http: { method: req.method, path: rawPath, protocol: `HTTP/${info.raw.httpVersion}`, sourceIp: info.sourceIp, userAgent: header(req, 'user-agent') ?? '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (req.body.length) {
    const text = TEXT_TYPES.test(header(req, 'content-type') ?? '');
    event.body = text ? req.body.toString('utf8') : req.body.toString('base64');
    event.isBase64Encoded = !text;
  }
  const cors = corsHeaders(corsConfig, origin);
  // RESPONSE_STREAM: what a streaming handler writes goes out as it comes (url-stream.ts)
  const stream = cfg.InvokeMode === 'RESPONSE_STREAM' ? new UrlResponseStream(res, { 'x-amzn-requestid': requestId, ...cors }) : undefined;
  let result;
  try {
    const fn = resolveFunction(scope, cfg.FunctionName, cfg.Qualifier);
    result = await runInvocation(executionOf(runtime), { fn, payload: Buffer.from(JSON.stringify(event)), qualifier: cfg.Qualifier, requestId, onChunk: stream?.onChunk });
  } catch (err) {
    if (stream?.started) {
      stream.end();
      return HANDLED;
    }
    if (err instanceof AwsError && err.code === 'TooManyRequestsException') return message(res, 429, 'Rate Exceeded.', cors);
    if (err instanceof AwsError && err.status === 404) return message(res, 403, 'Forbidden');
    runtime.log.warn(`lambda: function URL ${urlId}: ${(err as Error)?.message}`);
    return send(res, 502, { 'content-type': 'application/json', ...cors }, JSON.stringify({ Message: 'Internal Server Error' }));
  }
  if (stream?.started) {
    stream.end();
    return HANDLED;
  }
  const base: Record<string, string> = { 'x-amzn-requestid': requestId, ...cors };
  if (result.functionError) return send(res, 502, { 'content-type': 'text/plain', ...base }, 'Internal Server Error');
  return respond(res, result.payload, base);
}

const PRELUDE_END = Buffer.alloc(8);

/** Maps the function's answer to HTTP: a {statusCode, headers, cookies, body, isBase64Encoded} object, or any other JSON as a 200 body.
 *  A streaming handler's answer (awslambda.HttpResponseStream) is a JSON prelude, 8 NUL bytes, then the raw body. */
function respond(res: http.ServerResponse, payload: Buffer, base: Record<string, string>): typeof HANDLED {
  const cut = payload[0] === 0x7b ? payload.indexOf(PRELUDE_END) : -1;
  if (cut > 0) {
    try {
      const prelude = JSON.parse(payload.subarray(0, cut).toString('utf8')) as { statusCode?: number; headers?: Record<string, unknown>; cookies?: unknown };
      const headers: Record<string, string | string[]> = { ...base };
      for (const [k, v] of Object.entries(prelude.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
      if (Array.isArray(prelude.cookies) && prelude.cookies.length) headers['set-cookie'] = prelude.cookies.map(String);
      headers['content-type'] ??= 'application/octet-stream';
      return send(res, Number(prelude.statusCode) || 200, headers, payload.subarray(cut + 8));
    } catch {
      /* not a prelude: an ordinary answer */
    }
  }
  let value: unknown;
  try {
    value = payload.length ? JSON.parse(payload.toString('utf8')) : null;
  } catch {
    return send(res, 200, { 'content-type': 'application/json', ...base }, payload);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || !('statusCode' in value)) {
    const body = typeof value === 'string' ? value : payload;
    return send(res, 200, { 'content-type': 'application/json', ...base }, body);
  }
  const r = value as { statusCode?: unknown; headers?: Record<string, unknown>; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return send(res, 502, { 'content-type': 'text/plain', ...base }, 'Internal Server Error');
  const headers: Record<string, string | string[]> = { ...base };
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
  if (Array.isArray(r.cookies) && r.cookies.length) headers['set-cookie'] = r.cookies.map(String);
  headers['content-type'] ??= 'application/json';
  const text = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  return send(res, status, headers, r.isBase64Encoded === true ? Buffer.from(text, 'base64') : text);
}
