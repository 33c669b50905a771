// A client-side encoder by the model: turns an operation's input value into a raw HTTP request in the
// service's protocol (query, ec2, json, rest-json, rest-xml), the way the SDKs would send it, but without
// their client-side checks, so that invalid values reach Cumulus. Values of the wrong type pass through
// unchanged (a number where the shape says string), so JSON type errors can be sent on purpose.
import { type Operation, type ServiceModel, type Shape, shapeType, target } from '../../src/protocol/model.js';

export interface RawRequest {
  method: string;
  /** path and query string, percent-encoded */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export function authorization(signingName: string, region = 'us-east-1'): string {
  return `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${signingName}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
}

/** Percent-encoding that survives lone surrogates (the fuzzer sends them). */
const encode = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'));
const upperFirst = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

function isoTime(v: unknown): string {
  return v instanceof Date ? v.toISOString().replace('.000Z', 'Z') : String(v);
}

function scalarText(model: ServiceModel, ref: Shape, v: unknown): string {
  const type = shapeType(model, ref);
  if (type === 'timestamp') return isoTime(v);
  if (type === 'blob') return Buffer.isBuffer(v) ? v.toString('base64') : String(v);
  return String(v);
}

/** query and ec2: flat key/value parameters. */
function flatten(model: ServiceModel, ref: Shape, value: unknown, prefix: string, ec2: boolean, out: [string, string][]): void {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (value === undefined) return;
  if (type === 'structure' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      if (!(name in record)) continue;
      const key = ec2 ? (member.queryName ?? (member.locationName ? upperFirst(member.locationName) : name)) : (member.locationName ?? name);
      flatten(model, member, record[name], prefix ? `${prefix}.${key}` : key, ec2, out);
    }
    return;
  }
  if (type === 'list' && Array.isArray(value)) {
    if (value.length === 0) {
      out.push([prefix, '']);
      return;
    }
    const member = shape.member ?? {};
    const base = ec2 || ref.flattened || shape.flattened ? prefix : `${prefix}.${member.locationName ?? 'member'}`;
    value.forEach((item, i) => flatten(model, member, item, `${base}.${i + 1}`, ec2, out));
    return;
  }
  if (type === 'map' && value !== null && typeof value === 'object') {
    const base = ref.flattened || shape.flattened ? prefix : `${prefix}.entry`;
    Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
      out.push([`${base}.${i + 1}.${shape.key?.locationName ?? 'key'}`, k]);
      flatten(model, shape.value ?? {}, v, `${base}.${i + 1}.${shape.value?.locationName ?? 'value'}`, ec2, out);
    });
    return;
  }
  out.push([prefix, scalarText(model, ref, value)]);
}

/** json and rest-json bodies: the JSON value by the shape; wrong types pass through. */
export function toJson(model: ServiceModel, ref: Shape, value: unknown): unknown {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (value === undefined || value === null) return value;
  if (type === 'structure' && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    if (shape.document) return value;
    const out: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      if (!(name in record) || member.location) continue;
      out[member.locationName ?? name] = toJson(model, member, record[name]);
    }
    return out;
  }
  if (type === 'list' && Array.isArray(value)) return value.map((v) => toJson(model, shape.member ?? {}, v));
  if (type === 'map' && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJson(model, shape.value ?? {}, v)]));
  }
  if (type === 'timestamp' && value instanceof Date) return value.getTime() / 1000;
  if (type === 'blob' && Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toXml(model: ServiceModel, ref: Shape, name: string, value: unknown): string {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (value === undefined || value === null) return '';
  if (type === 'structure' && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let inner = '';
    for (const [n, member] of Object.entries(shape.members ?? {})) {
      if (!(n in record) || member.location || member.xmlAttribute) continue;
      inner += toXml(model, member, member.locationName ?? n, record[n]);
    }
    return `<${name}>${inner}</${name}>`;
  }
  if (type === 'list' && Array.isArray(value)) {
    const member = shape.member ?? {};
    if (ref.flattened || shape.flattened) return value.map((v) => toXml(model, member, member.locationName ?? name, v)).join('');
    return `<${name}>${value.map((v) => toXml(model, member, member.locationName ?? 'member', v)).join('')}</${name}>`;
  }
  if (type === 'map' && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `<entry><key>${xmlEscape(k)}</key>${toXml(model, shape.value ?? {}, 'value', v)}</entry>`)
      .join('');
    return `<${name}>${entries}</${name}>`;
  }
  return `<${name}>${xmlEscape(scalarText(model, ref, value))}</${name}>`;
}

function restRequest(model: ServiceModel, op: Operation, input: Record<string, unknown>, flavor: 'rest-json' | 'rest-xml'): RawRequest {
  const shape = op.input ? target(model, op.input) : {};
  const headers: Record<string, string> = {};
  const query: [string, string][] = [];
  let uri = op.http?.requestUri ?? '/';
  const body: Record<string, unknown> = {};
  let hasBody = false;
  for (const [name, member] of Object.entries(shape.members ?? {})) {
    const v = input[name];
    const key = member.locationName ?? name;
    switch (member.location) {
      case 'uri':
        if (v !== undefined) {
          const text = scalarText(model, member, v);
          uri = uri
            .replace(`{${key}+}`, text.split('/').map(encode).join('/'))
            .replace(`{${key}}`, encode(text));
        }
        break;
      case 'querystring':
        if (v === undefined) break;
        if (Array.isArray(v)) for (const item of v) query.push([key, scalarText(model, target(model, member).member ?? {}, item)]);
        else if (shapeType(model, member) === 'map' && v && typeof v === 'object') for (const [k, mv] of Object.entries(v)) query.push([k, String(mv)]);
        else query.push([key, scalarText(model, member, v)]);
        break;
      case 'header':
        if (v !== undefined) headers[key.toLowerCase()] = Array.isArray(v) ? v.map(String).join(',') : scalarText(model, member, v);
        break;
      case 'headers':
        if (v && typeof v === 'object') for (const [k, hv] of Object.entries(v)) headers[`${key}${k}`.toLowerCase()] = String(hv);
        break;
      default:
        if (v !== undefined) {
          body[name] = v;
          hasBody = true;
        }
    }
  }
  // labels left unfilled (a required label missing) become empty segments, as a broken client would send
  uri = uri.replace(/\{[^}]+\}/g, '');
  const [pathPart, literalQuery] = uri.split('?', 2) as [string, string | undefined];
  const qs = [literalQuery, new URLSearchParams(query).toString()].filter(Boolean).join('&');
  const path = qs ? `${pathPart}?${qs}` : pathPart;
  let text = '';
  const payload = shape.payload;
  if (payload) {
    const member = shape.members![payload]!;
    const v = input[payload];
    if (v !== undefined) {
      const t = shapeType(model, member);
      if (t === 'blob' || t === 'string') text = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
      else if (flavor === 'rest-json') text = JSON.stringify(toJson(model, member, v));
      else text = toXml(model, member, target(model, member).locationName ?? member.locationName ?? payload, v);
    }
  } else if (hasBody) {
    if (flavor === 'rest-json') text = JSON.stringify(toJson(model, op.input!, body));
    else {
      const rootName = shape.locationName ?? op.input!.shape ?? `${op.name}Request`;
      text = toXml(model, op.input!, rootName, body);
    }
  } else if (flavor === 'rest-json' && ['POST', 'PUT', 'PATCH'].includes((op.http?.method ?? 'POST').toUpperCase())) {
    text = '{}';
  }
  if (text) headers['content-type'] = flavor === 'rest-json' ? 'application/json' : 'application/xml';
  return { method: (op.http?.method ?? 'POST').toUpperCase(), path, headers, body: text };
}

/** The raw request of an operation with this input, in the service's protocol. */
export function encodeRequest(model: ServiceModel, op: Operation, input: Record<string, unknown>): RawRequest {
  const protocol = model.index.protocol;
  const auth = authorization(model.index.signingName);
  switch (protocol) {
    case 'query':
    case 'ec2': {
      const params: [string, string][] = [
        ['Action', op.name],
        ['Version', model.metadata.apiVersion as string],
      ];
      if (op.input) flatten(model, op.input, input, '', protocol === 'ec2', params);
      return {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: auth },
        body: new URLSearchParams(params).toString(),
      };
    }
    case 'rest-json':
    case 'rest-xml': {
      const req = restRequest(model, op, input, protocol);
      req.headers.authorization = auth;
      return req;
    }
    default: {
      // json (and the JSON variant of services whose newest protocol is another)
      const body = op.input ? toJson(model, op.input, input) : {};
      return {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': `application/x-amz-json-${model.metadata.jsonVersion ?? '1.0'}`,
          'x-amz-target': `${model.metadata.targetPrefix}.${op.name}`,
          authorization: auth,
        },
        body: JSON.stringify(body),
      };
    }
  }
}

/** The error code of a response, in whichever protocol it came. */
export function errorCode(headers: Headers, text: string): string | undefined {
  const header = headers.get('x-amzn-errortype');
  if (header) return header.split(':')[0]!.replace(/^.*#/, '');
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { __type?: string; code?: string };
      const t = body.__type ?? body.code;
      if (t) return t.replace(/^.*#/, '');
    } catch {
      /* not JSON */
    }
  }
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

export function errorMessage(text: string): string | undefined {
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { message?: string; Message?: string };
      return body.message ?? body.Message;
    } catch {
      return undefined;
    }
  }
  return /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
