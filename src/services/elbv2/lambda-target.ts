// Lambda targets: the request becomes ALB's event ({requestContext:{elb:{targetGroupArn}}, httpMethod,
// path, query parameters, headers, body, isBase64Encoded}; multi-value forms when the group's
// lambda.multi_value_headers.enabled is on), the function is invoked as elasticloadbalancing.amazonaws.com,
// and its answer ({statusCode, statusDescription, headers|multiValueHeaders, body, isBase64Encoded}) is
// the response. A failed or malformed invocation answers 502, as ALB does.
import type http from 'node:http';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { invokeFunction } from '../lambda/index.js';
import { sendElbError } from './responses.js';
import type { TargetGroupRecord } from './store.js';

export const ELB_PRINCIPAL = 'elasticloadbalancing.amazonaws.com';
const MAX_BODY = 1024 * 1024;

const TEXT = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

function readBody(req: http.IncomingMessage, given: Buffer | undefined): Promise<Buffer | undefined> {
  if (given) return Promise.resolve(given.length > MAX_BODY ? undefined : given);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_BODY) chunks.push(d);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

function eventOf(tg: TargetGroupRecord, req: http.IncomingMessage, path: string, query: string, body: Buffer): Record<string, unknown> {
  const multi = tg.Attributes['lambda.multi_value_headers.enabled'] === 'true';
  const contentType = String(req.headers['content-type'] ?? '');
  const text = body.length === 0 || TEXT.test(contentType);
  const event: Record<string, unknown> = {
    requestContext: { elb: { targetGroupArn: tg.TargetGroupArn } },
    httpMethod: req.method ?? 'GET',
    path,
  };
  // ALB passes query values as they arrived (still percent-encoded)
  const pairs = query ? query.split('&').filter(Boolean).map((p) => { const i = p.indexOf('='); return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)]; }) : [];
  const raw = req.rawHeaders;
  if (multi) {
    const mq: Record<string, string[]> = {};
    for (const [k, v] of pairs) (mq[k!] ??= []).push(v!);
    const mh: Record<string, string[]> = {};
    for (let i = 0; i < raw.length; i += 2) (mh[raw[i]!.toLowerCase()] ??= []).push(raw[i + 1]!);
    event.multiValueQueryStringParameters = mq;
    event.multiValueHeaders = mh;
  } else {
    const q: Record<string, string> = {};
    for (const [k, v] of pairs) q[k!] = v!;
    const h: Record<string, string> = {};
    for (let i = 0; i < raw.length; i += 2) h[raw[i]!.toLowerCase()] = raw[i + 1]!;
    event.queryStringParameters = q;
    event.headers = h;
  }
  event.body = text ? body.toString('utf8') : body.toString('base64');
  event.isBase64Encoded = !text;
  return event;
}

export async function serveLambda(
  runtime: Runtime,
  scope: Scope,
  tg: TargetGroupRecord,
  extraHeaders: Record<string, string>,
  inc: { req: http.IncomingMessage; body?: Buffer; path: string; query: string },
  res: http.ServerResponse,
  serverHeader: boolean,
): Promise<void> {
  const target = tg.Targets[0];
  if (!target) return sendElbError(res, 503, serverHeader);
  const body = await readBody(inc.req, inc.body);
  if (!body) return sendElbError(res, 413, serverHeader);
  const event = eventOf(tg, inc.req, inc.path, inc.query, body);
  // ELB's own headers reach the function as they reach any target
  const headers = (event.headers ?? event.multiValueHeaders) as Record<string, unknown>;
  for (const [k, v] of Object.entries(extraHeaders)) headers[k] = event.multiValueHeaders ? [v] : v;
  let result;
  try {
    result = await invokeFunction(runtime, {
      account: scope.account,
      region: scope.region,
      functionName: target.Id,
      payload: JSON.stringify(event),
      payloadIsJson: true,
      invocationType: 'RequestResponse',
      principal: ELB_PRINCIPAL,
      sourceArn: tg.TargetGroupArn,
    });
  } catch (e) {
    return sendElbError(res, (e as { code?: string }).code === 'TooManyRequestsException' ? 503 : 502, serverHeader);
  }
  if (result.functionError) return sendElbError(res, 502, serverHeader);
  let out: { statusCode?: number; statusDescription?: string; headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]>; body?: string; isBase64Encoded?: boolean };
  try {
    out = JSON.parse(result.payload);
  } catch {
    return sendElbError(res, 502, serverHeader);
  }
  if (!out || typeof out !== 'object' || typeof out.statusCode !== 'number' || out.statusCode < 100 || out.statusCode > 599) return sendElbError(res, 502, serverHeader);
  const payload = out.body === undefined || out.body === null ? Buffer.alloc(0) : Buffer.from(String(out.body), out.isBase64Encoded ? 'base64' : 'utf8');
  if (payload.length > MAX_BODY) return sendElbError(res, 502, serverHeader);
  const h: http.OutgoingHttpHeaders = {};
  const multi = tg.Attributes['lambda.multi_value_headers.enabled'] === 'true';
  if (multi) for (const [k, v] of Object.entries(out.multiValueHeaders ?? {})) h[k.toLowerCase()] = v.map(String);
  else for (const [k, v] of Object.entries(out.headers ?? {})) h[k.toLowerCase()] = String(v);
  h['content-length'] = String(payload.length);
  const m = /^\d{3} (.*)$/.exec(out.statusDescription ?? '');
  if (m) res.statusMessage = m[1]!;
  res.writeHead(out.statusCode, h);
  res.end(payload);
}
