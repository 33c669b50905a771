// Runs a method's integration for a request: MOCK, HTTP, HTTP_PROXY, AWS (Lambda custom, other AWS services) and
// AWS_PROXY (Lambda proxy), writing the endpoint request and response to the execution log.
import type { Integration } from '../../generated/apigateway.js';
import { isBinary } from './binary.js';
import { GatewayError, internalError, type Answer } from './gateway-errors.js';
import { awsTargetOf, callAwsService, endpointUri } from './aws-call.js';
import { bodyText, logData, logError, logInfo, mapText } from './execution-log.js';
import { backendVia } from './backend-route.js';
import { callHttp, type BackendAnswer } from './http-call.js';
import { lambdaArnOf } from './integrations.js';
import { callLambda } from './lambda-call.js';
import { requestSource, withStageVariables } from './mapping.js';
import { proxyEvent } from './proxy-event.js';
import { executeApiArn, header, type ApiRequest } from './request.js';
import { integrationBody, mapRequestBody, mapResponse, selectResponse } from './integration-response.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host', 'content-length']);

export async function runIntegration(req: ApiRequest): Promise<Answer> {
  const integ = req.route!.method.methodIntegration;
  if (!integ) throw internalError(500);
  switch (integ.type) {
    case 'MOCK':
      return mock(req, integ);
    case 'HTTP_PROXY':
      return httpProxy(req, integ);
    case 'HTTP':
      return httpCustom(req, integ);
    case 'AWS_PROXY':
      return lambdaProxy(req, integ);
    case 'AWS':
      return lambdaArnOf(withStageVariables(integ.uri ?? '', req)) ? lambdaCustom(req, integ) : awsService(req, integ);
  }
  throw internalError(500);
}

function mock(req: ApiRequest, integ: Integration): Answer {
  const mapped = mapRequestBody(req, integ);
  let status = 200;
  if (mapped.trim()) {
    try {
      const parsed = JSON.parse(mapped) as { statusCode?: unknown };
      if (parsed && typeof parsed === 'object' && parsed.statusCode !== undefined) status = Number(parsed.statusCode);
    } catch {
      // a body that is not JSON selects no status: API Gateway answers 500
      throw internalError(500);
    }
  }
  return mapResponse(req, selectResponse(integ, String(status)), { body: '', headers: {} });
}

/** The backend URL: stage variables, then {name} path parameters (mapped, or the method's own). */
function backendUrl(req: ApiRequest, integ: Integration, query: URLSearchParams): URL {
  let uri = withStageVariables(integ.uri ?? '', req);
  const mapped: Record<string, string> = {};
  for (const [target, source] of Object.entries(integ.requestParameters ?? {})) {
    const m = /^integration\.request\.path\.(.+)$/.exec(target);
    const v = m ? requestSource(req, source) : undefined;
    if (m && v !== undefined) mapped[m[1]!] = v;
  }
  const params = { ...(req.route?.pathParameters ?? {}), ...mapped };
  uri = uri.replace(/\{([^}]+?)\+?\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : v.split('/').map(encodeURIComponent).join('/');
  });
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    logError(req, `Execution failed due to configuration error: Invalid endpoint address: ${uri}`);
    throw internalError(500);
  }
  for (const [k, v] of query) url.searchParams.append(k, v);
  return url;
}

/** integration.request.querystring/header mappings. */
function mappedParams(req: ApiRequest, integ: Integration): { query: URLSearchParams; headers: Record<string, string> } {
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const [target, source] of Object.entries(integ.requestParameters ?? {})) {
    const m = /^integration\.request\.(querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(target);
    if (!m) continue;
    const v = requestSource(req, source);
    if (v === undefined) continue;
    if (m[1]!.endsWith('querystring')) query.append(m[2]!, v);
    else headers[m[2]!.toLowerCase()] = v;
  }
  return { query, headers };
}

async function httpProxy(req: ApiRequest, integ: Integration): Promise<Answer> {
  const mapped = mappedParams(req, integ);
  const query = new URLSearchParams(req.query);
  for (const [k, v] of mapped.query) query.set(k, v);
  const url = backendUrl(req, integ, query);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  Object.assign(headers, mapped.headers);
  const fwd = header(req, 'x-forwarded-for');
  headers['x-forwarded-for'] = fwd ? `${fwd}, ${req.sourceIp}` : req.sourceIp;
  const method = integ.httpMethod === 'ANY' ? req.httpMethod : (integ.httpMethod ?? req.httpMethod);
  traceRequest(req, url.href, headers, req.body);
  const t0 = performance.now();
  const r = await failures(req, callHttp(req.runtime, url, method, headers, req.body, integ.timeoutInMillis ?? 29000, backendVia(req, integ)));
  traceResponse(req, r, t0);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
  return { status: r.status, headers: flatten(out), body: r.body };
}

function flatten(h: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) && k !== 'set-cookie' ? v.join(', ') : (v as string);
  return out;
}

/** A backend that did not answer, in the execution log as API Gateway words it. */
function failures<T>(req: ApiRequest, p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    if (e instanceof GatewayError) {
      logError(req, e.type === 'INTEGRATION_TIMEOUT' ? 'Execution failed due to a timeout error' : 'Execution failed due to configuration error: Invalid endpoint address');
    }
    throw e;
  });
}

/** The endpoint request in the execution log. */
function traceRequest(req: ApiRequest, uri: string, headers: Record<string, string | string[]>, body: Buffer | string): void {
  if (!req.execLog) return;
  logInfo(req, `Endpoint request URI: ${uri}`);
  logData(req, `Endpoint request headers: ${mapText(headers)}`);
  logData(req, `Endpoint request body after transformations: ${bodyText(body)}`);
  logInfo(req, `Sending request to ${uri}`);
}

function traceResponse(req: ApiRequest, r: { status: number; headers: Record<string, string | string[]>; body: Buffer | string }, t0: number): void {
  if (!req.execLog) return;
  logInfo(req, `Received response. Status: ${r.status}, Integration latency: ${Math.round(performance.now() - t0)} ms`);
  logData(req, `Endpoint response headers: ${mapText(r.headers)}`);
  logData(req, `Endpoint response body before transformations: ${bodyText(r.body)}`);
}

async function httpCustom(req: ApiRequest, integ: Integration): Promise<Answer> {
  const body = integrationBody(req, integ);
  const mapped = mappedParams(req, integ);
  const url = backendUrl(req, integ, mapped.query);
  const headers: Record<string, string> = { 'content-type': header(req, 'content-type') ?? 'application/json', accept: header(req, 'accept') ?? 'application/json', ...mapped.headers };
  const method = integ.httpMethod === 'ANY' ? req.httpMethod : (integ.httpMethod ?? req.httpMethod);
  traceRequest(req, url.href, headers, body);
  const t0 = performance.now();
  const r: BackendAnswer = await failures(req, callHttp(req.runtime, url, method, headers, body, integ.timeoutInMillis ?? 29000, backendVia(req, integ)));
  traceResponse(req, r, t0);
  return mapResponse(req, selectResponse(integ, String(r.status)), { body: r.body, headers: r.headers });
}

/** An AWS service other than Lambda, called as the integration's credentials role. */
async function awsService(req: ApiRequest, integ: Integration): Promise<Answer> {
  const uri = withStageVariables(integ.uri ?? '', req);
  const target = awsTargetOf(uri, req.region);
  if (!target) {
    logError(req, `Execution failed due to configuration error: Invalid endpoint address: ${uri}`);
    throw internalError(500);
  }
  const body = integrationBody(req, integ);
  const mapped = mappedParams(req, integ);
  const query = new URLSearchParams();
  let path = '/';
  if (target.kind === 'action') query.set('Action', target.value);
  else path = backendUrl(req, { ...integ, uri: `http://aws/${target.value}` }, new URLSearchParams()).pathname;
  for (const [k, v] of mapped.query) query.append(k, v);
  const headers: Record<string, string> = { 'content-type': header(req, 'content-type') ?? 'application/json', accept: header(req, 'accept') ?? 'application/json', ...mapped.headers };
  const method = integ.httpMethod === 'ANY' ? req.httpMethod : (integ.httpMethod ?? req.httpMethod);
  const shown = endpointUri(target, path, query);
  traceRequest(req, shown, headers, body);
  const t0 = performance.now();
  const r = await failures(req, callAwsService(req, integ, { target, method, path, query, headers, body, timeoutMs: integ.timeoutInMillis ?? 29000 }));
  traceResponse(req, r, t0);
  return mapResponse(req, selectResponse(integ, String(r.status)), { body: r.body, headers: r.headers });
}

/** Function ARNs of integration URIs without stage variables, parsed once (bounded: URIs are few). */
const fixedArns = new Map<string, string | undefined>();

function functionArnOf(req: ApiRequest, integ: Integration): string {
  const uri = integ.uri ?? '';
  let arn: string | undefined;
  if (uri.includes('${')) arn = lambdaArnOf(withStageVariables(uri, req));
  else if (fixedArns.has(uri)) arn = fixedArns.get(uri);
  else {
    if (fixedArns.size >= 1024) fixedArns.clear();
    fixedArns.set(uri, (arn = lambdaArnOf(uri)));
  }
  if (!arn) {
    logError(req, `Execution failed due to configuration error: integration URI ${integ.uri} is not a Lambda function invocation`);
    throw internalError(500);
  }
  return arn;
}

/** Bounds a Lambda call by the integration timeout. */
function withTimeout<T>(req: ApiRequest, integ: Integration, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = req.runtime.clock.setTimeout(() => reject(new GatewayError('INTEGRATION_TIMEOUT', 'Endpoint request timed out', 504)), integ.timeoutInMillis ?? 29000);
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

const lambdaUri = (req: ApiRequest, fn: string) => `https://lambda.${req.region}.amazonaws.com/2015-03-31/functions/${fn}/invocations`;

const PROXY_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded', 'cookies']);

async function lambdaProxy(req: ApiRequest, integ: Integration): Promise<Answer> {
  const fn = functionArnOf(req, integ);
  const sourceArn = executeApiArn(req, req.route!.method.httpMethod, req.route!.resource.path);
  const event = JSON.stringify(proxyEvent(req));
  const shown = lambdaUri(req, fn);
  traceRequest(req, shown, {}, event);
  const t0 = performance.now();
  const r = await withTimeout(req, integ, callLambda(req, fn, event, sourceArn, { credentialsRole: integ.credentials, payloadIsJson: true }));
  traceResponse(req, { status: 200, headers: {}, body: r.payload }, t0);
  const malformed = (why: string) => {
    logError(req, `Execution failed due to configuration error: Malformed Lambda proxy response`);
    return new GatewayError('DEFAULT_5XX', 'Internal server error', 502);
  };
  if (r.functionError) {
    logError(req, `Lambda execution failed with status 200 due to customer function error: ${r.payload.slice(0, 500)}`);
    throw new GatewayError('DEFAULT_5XX', 'Internal server error', 502);
  }
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(r.payload);
  } catch {
    throw malformed('not JSON');
  }
  if (!out || typeof out !== 'object' || Array.isArray(out)) throw malformed('not an object');
  for (const k of Object.keys(out)) if (!PROXY_KEYS.has(k)) throw malformed(`unexpected field ${k}`);
  const status = typeof out.statusCode === 'string' && /^\d{3}$/.test(out.statusCode) ? Number(out.statusCode) : out.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw malformed('statusCode');
  if (out.body !== undefined && out.body !== null && typeof out.body !== 'string') throw malformed('body is not a string');
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  if (out.headers !== undefined && out.headers !== null) {
    if (typeof out.headers !== 'object' || Array.isArray(out.headers)) throw malformed('headers');
    for (const [k, v] of Object.entries(out.headers as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') throw malformed(`header ${k}`);
      headers[k.toLowerCase()] = String(v);
    }
  }
  if (out.multiValueHeaders !== undefined && out.multiValueHeaders !== null) {
    if (typeof out.multiValueHeaders !== 'object' || Array.isArray(out.multiValueHeaders)) throw malformed('multiValueHeaders');
    for (const [k, v] of Object.entries(out.multiValueHeaders as Record<string, unknown>)) {
      if (!Array.isArray(v)) throw malformed(`multiValueHeaders ${k}`);
      multi[k.toLowerCase()] = v.map(String);
    }
  }
  for (const [k, v] of Object.entries(multi)) headers[k] = k === 'set-cookie' ? v.join('\n') : [...(headers[k] && !v.includes(headers[k]!) ? [headers[k]!] : []), ...v].join(', ');
  const text = (out.body as string | undefined | null) ?? '';
  let body = Buffer.from(text);
  if (out.isBase64Encoded === true) {
    // decoded when the client accepts (or the response is) a binary media type, as AWS does; else returned as is
    const binary = isBinary(req.def.binaryMediaTypes, header(req, 'accept')) || isBinary(req.def.binaryMediaTypes, headers['content-type']);
    if (binary) body = Buffer.from(text, "base64");
  }
  if (!headers['content-type']) headers['content-type'] = 'application/json';
  return { status, headers, body };
}

async function lambdaCustom(req: ApiRequest, integ: Integration): Promise<Answer> {
  const fn = functionArnOf(req, integ);
  const mapped = integrationBody(req, integ).toString('utf8');
  const sourceArn = executeApiArn(req, req.route!.method.httpMethod, req.route!.resource.path);
  const payload = mapped.trim() ? mapped : '{}';
  traceRequest(req, lambdaUri(req, fn), {}, payload);
  const t0 = performance.now();
  const r = await withTimeout(req, integ, callLambda(req, fn, payload, sourceArn, { credentialsRole: integ.credentials }));
  traceResponse(req, { status: 200, headers: {}, body: r.payload }, t0);
  let errorMessage: string | undefined;
  if (r.functionError) {
    try {
      const e = JSON.parse(r.payload) as { errorMessage?: unknown };
      errorMessage = typeof e?.errorMessage === 'string' ? e.errorMessage : r.payload;
    } catch {
      errorMessage = r.payload;
    }
  }
  return mapResponse(req, selectResponse(integ, errorMessage), { body: r.payload, headers: {} });
}
