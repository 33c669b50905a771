// Turning a Lambda proxy answer into the HTTP response: payload format 2.0 (statusCode/headers/cookies/body,
// or any other JSON value as a 200 application/json body) and 1.0 (statusCode, headers, multiValueHeaders).
import { internalError, type Answer } from './request.js';

function parse(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    throw internalError();
  }
}

function bodyBytes(body: unknown, base64: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return base64 === true || base64 === 'true' ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
}

function headerMap(h: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!h || typeof h !== 'object' || Array.isArray(h)) return out;
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    out[k.toLowerCase()] = String(v);
  }
  return out;
}

export function responseV2(payload: string): Answer {
  const v = parse(payload);
  const isResponse = v !== null && typeof v === 'object' && !Array.isArray(v) && 'statusCode' in (v as object);
  if (!isResponse) {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(payload, 'utf8') };
  }
  const r = v as { statusCode: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw internalError();
  const headers = headerMap(r.headers);
  if (Array.isArray(r.cookies) && r.cookies.length) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [...(existing ? [String(existing)] : []), ...r.cookies.map(String)];
  }
  const body = bodyBytes(r.body, r.isBase64Encoded);
  if (!headers['content-type'] && body.length) headers['content-type'] = 'text/plain; charset=utf-8';
  return { status, headers, body };
}

export function responseV1(payload: string): Answer {
  const v = parse(payload);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw internalError();
  const r = v as { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw internalError();
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') throw internalError();
  const headers = headerMap(r.headers);
  if (r.multiValueHeaders && typeof r.multiValueHeaders === 'object') {
    for (const [k, vs] of Object.entries(r.multiValueHeaders as Record<string, unknown>)) {
      if (!Array.isArray(vs)) continue;
      const name = k.toLowerCase();
      const prior = headers[name];
      const list = vs.map(String);
      headers[name] = name === 'set-cookie' ? [...(prior ? [String(prior)] : []), ...list] : [...(prior ? [String(prior)] : []), ...list].join(',');
    }
  }
  return { status, headers, body: bodyBytes(r.body, r.isBase64Encoded) };
}
