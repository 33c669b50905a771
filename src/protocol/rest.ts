// REST protocols (rest-json, rest-xml): routes from the model's HTTP bindings, and the bindings themselves
// (uri labels, query string, headers, status code, payload).
import { AwsError } from './errors.js';
import { type Operation, type ServiceModel, type Shape, target, shapeType } from './model.js';
import { parseJsonText, readJson, writeJson } from './json.js';
import { parseXmlDocument, readScalar, readXml, XmlWriter, writeMembers, writeValue } from './xml.js';
import { formatTimestamp, toBuffer, type TimestampFormat } from './values.js';

export interface RestRequest {
  method: string;
  /** raw (still percent-encoded) path */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

interface Route {
  op: Operation;
  method: string;
  segments: { literal?: string; label?: string; greedy?: boolean }[];
  queryLiterals: [string, string | undefined][];
  literalCount: number;
  /** required members bound to the query string and to headers: they tell apart operations that share a
   * route (S3's DeleteObject and AbortMultipartUpload?uploadId, PutObject and CopyObject's x-amz-copy-source) */
  requiredQuery: string[];
  requiredHeaders: string[];
}

const routeCache = new WeakMap<ServiceModel, Route[]>();

function routes(model: ServiceModel): Route[] {
  let list = routeCache.get(model);
  if (list) return list;
  list = [];
  for (const op of Object.values(model.operations)) {
    const uri = op.http?.requestUri ?? '/';
    const [pathPart, queryPart] = uri.split('?', 2) as [string, string | undefined];
    const segments = pathPart
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        const m = /^\{([^}+]+)(\+)?\}$/.exec(s);
        return m ? { label: m[1]!, greedy: Boolean(m[2]) } : { literal: s };
      });
    const queryLiterals: [string, string | undefined][] = [];
    if (queryPart) {
      for (const pair of queryPart.split('&')) {
        const [k, v] = pair.split('=', 2) as [string, string | undefined];
        queryLiterals.push([k, v]);
      }
    }
    const input = op.input ? target(model, op.input) : undefined;
    const required = new Set(input?.required ?? []);
    const bound = (location: string) =>
      Object.entries(input?.members ?? {})
        .filter(([name, m]) => m.location === location && required.has(name))
        .map(([name, m]) => m.locationName ?? name);
    list.push({
      op,
      method: (op.http?.method ?? 'POST').toUpperCase(),
      segments,
      queryLiterals,
      literalCount: segments.filter((s) => s.literal !== undefined).length * 2 + queryLiterals.length,
      requiredQuery: bound('querystring'),
      requiredHeaders: bound('header').map((h) => h.toLowerCase()),
    });
  }
  // most specific first: more literal segments and query literals win over labels; deprecated twins last
  list.sort(
    (a, b) => b.literalCount - a.literalCount || b.segments.length - a.segments.length || Number(Boolean(a.op.deprecated)) - Number(Boolean(b.op.deprecated)),
  );
  routeCache.set(model, list);
  return list;
}

interface RouteIndex {
  /** routes of a method whose first segment is this literal, in the list's order */
  byFirst: Map<string, Route[]>;
  /** routes of a method whose first segment is a label (or that have none), in the list's order */
  open: Route[];
  /** every route of the method, in the list's order */
  all: Route[];
}

const indexCache = new WeakMap<ServiceModel, Map<string, RouteIndex>>();

/** The routes by method and first literal segment: a request is matched against the few that can match
 *  (in the list's order, so that the outcome is the full scan's) instead of every operation of the model. */
function routeIndex(model: ServiceModel): Map<string, RouteIndex> {
  let index = indexCache.get(model);
  if (index) return index;
  index = new Map();
  const list = routes(model);
  for (const route of list) {
    let ix = index.get(route.method);
    if (!ix) index.set(route.method, (ix = { byFirst: new Map(), open: [], all: [] }));
    ix.all.push(route);
    const first = route.segments[0];
    if (first?.literal !== undefined) {
      let bucket = ix.byFirst.get(first.literal);
      if (!bucket) ix.byFirst.set(first.literal, (bucket = []));
      bucket.push(route);
    } else ix.open.push(route);
  }
  // each bucket also holds the open routes, merged in list order
  const order = new Map(list.map((r, i) => [r, i]));
  for (const ix of index.values()) {
    for (const [k, bucket] of ix.byFirst) ix.byFirst.set(k, [...bucket, ...ix.open].sort((a, b) => order.get(a)! - order.get(b)!));
  }
  indexCache.set(model, index);
  return index;
}

/** The routes a request can match: by method, then by its first path segment. */
function candidates(model: ServiceModel, verb: string, parts: string[]): Route[] {
  const ix = routeIndex(model).get(verb);
  if (!ix) return [];
  if (parts.length === 0) return ix.open;
  let first: string;
  try {
    first = decodeURIComponent(parts[0]!);
  } catch {
    return ix.all; // the full scan reports the bad encoding as it always has
  }
  return ix.byFirst.get(first) ?? ix.open;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new AwsError('SerializationException', 'The request path is not valid percent-encoded UTF-8');
  }
}

/** Finds the operation a REST request addresses, with its uri labels (decoded). */
export function matchRoute(
  model: ServiceModel,
  method: string,
  rawPath: string,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined> = {},
): { op: Operation; labels: Record<string, string> } | undefined {
  const parts = rawPath.split('/').filter((s) => s !== '');
  const verb = method.toUpperCase();
  // Of the routes that match, one whose required query and header members are all present wins over one
  // that lacks some; then the most specific (the list's order); then the one that uses the most of them.
  let best: { route: Route; labels: Record<string, string>; complete: boolean; used: number } | undefined;
  for (const route of candidates(model, verb, parts)) {
    const labels = matchSegments(route, parts);
    if (!labels) continue;
    if (!route.queryLiterals.every(([k, v]) => query.has(k) && (v === undefined || query.get(k) === v))) continue;
    const used = route.requiredQuery.filter((k) => query.has(k)).length + route.requiredHeaders.filter((h) => headers[h] !== undefined).length;
    const complete = used === route.requiredQuery.length + route.requiredHeaders.length;
    if (
      !best ||
      (complete && !best.complete) ||
      (complete === best.complete && route.literalCount === best.route.literalCount && used > best.used)
    ) {
      best = { route, labels, complete, used };
    }
  }
  return best && { op: best.route.op, labels: best.labels };
}

function matchSegments(route: Route, parts: string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  for (let s = 0; s < route.segments.length; s++) {
    const seg = route.segments[s]!;
    if (seg.greedy) {
      const rest = parts.slice(i);
      const remainingAfter = route.segments.length - s - 1;
      const take = rest.slice(0, rest.length - remainingAfter);
      if (take.length === 0) return undefined;
      labels[seg.label!] = take.map(decodeSegment).join('/');
      i += take.length;
      continue;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.literal !== undefined) {
      if (decodeSegment(part) !== seg.literal) return undefined;
    } else {
      labels[seg.label!] = decodeSegment(part);
    }
    i++;
  }
  return i === parts.length ? labels : undefined;
}

function header(req: RestRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

function readBinding(model: ServiceModel, member: Shape, text: string, where: string, fromHeader: boolean): unknown {
  const shape = target(model, member);
  const type = shapeType(model, member);
  if (type === 'string' && (member.jsonvalue || shape.jsonvalue)) {
    try {
      return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    } catch {
      throw new AwsError('SerializationException', `Header '${where}' is not base64-encoded JSON`);
    }
  }
  if (type === 'list') {
    const parts = fromHeader ? text.split(',').map((s) => s.trim()) : [text];
    return parts.map((p) => readScalar(model, shape.member ?? {}, p, where));
  }
  return readScalar(model, member, text, where);
}

export function readRestInput(model: ServiceModel, op: Operation, req: RestRequest, labels: Record<string, string>, flavor: 'rest-json' | 'rest-xml'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!op.input) return out;
  const input = target(model, op.input);
  const bound = new Set<string>();
  for (const [name, member] of Object.entries(input.members ?? {})) {
    const key = member.locationName ?? name;
    switch (member.location) {
      case 'uri':
        bound.add(name);
        if (labels[key] !== undefined) out[name] = readBinding(model, member, labels[key]!, name, false);
        break;
      case 'querystring': {
        bound.add(name);
        const type = shapeType(model, member);
        if (type === 'map') {
          const m: Record<string, unknown> = {};
          const valueShape = target(model, member).value ?? {};
          for (const k of new Set(req.query.keys())) {
            if (shapeType(model, valueShape) === 'list') m[k] = req.query.getAll(k);
            else m[k] = req.query.get(k);
          }
          if (Object.keys(m).length) out[name] = m;
        } else if (type === 'list') {
          const all = req.query.getAll(key);
          if (all.length) out[name] = all.map((v) => readScalar(model, target(model, member).member ?? {}, v, name));
        } else if (req.query.has(key)) {
          out[name] = readBinding(model, member, req.query.get(key)!, name, false);
        }
        break;
      }
      case 'header': {
        bound.add(name);
        const v = header(req, key);
        if (v !== undefined) out[name] = readBinding(model, member, v, name, true);
        break;
      }
      case 'headers': {
        bound.add(name);
        const prefix = key.toLowerCase();
        const m: Record<string, string> = {};
        for (const [h, v] of Object.entries(req.headers)) {
          if (h.startsWith(prefix) && v !== undefined) m[h.slice(prefix.length)] = Array.isArray(v) ? v.join(',') : v;
        }
        if (Object.keys(m).length) out[name] = m;
        break;
      }
      default:
        break;
    }
  }
  const payloadName = input.payload;
  if (payloadName) {
    const member = input.members![payloadName]!;
    const type = shapeType(model, member);
    if (type === 'blob') {
      if (req.body.length) out[payloadName] = req.body;
    } else if (type === 'string') {
      if (req.body.length) out[payloadName] = req.body.toString('utf8');
    } else if (req.body.length) {
      out[payloadName] = readBody(model, member, req.body, flavor, payloadName);
    }
    return out;
  }
  const hasBodyMembers = Object.entries(input.members ?? {}).some(([n]) => !bound.has(n));
  if (hasBodyMembers && req.body.length) {
    Object.assign(out, readBody(model, op.input, req.body, flavor, '') as Record<string, unknown>);
  }
  return out;
}

function readBody(model: ServiceModel, ref: Shape, body: Buffer, flavor: 'rest-json' | 'rest-xml', where: string): unknown {
  const text = body.toString('utf8');
  if (flavor === 'rest-json') return readJson(model, ref, parseJsonText(text), where);
  const doc = parseXmlDocument(text);
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?'));
  if (!rootName) return {};
  return readXml(model, ref, (doc[rootName] as unknown[])[0] as Record<string, unknown>, where);
}

function headerText(model: ServiceModel, member: Shape, value: unknown): string | undefined {
  const shape = target(model, member);
  const type = shapeType(model, member);
  if (value === undefined || value === null) return undefined;
  if (type === 'timestamp') {
    const v = formatTimestamp(value, (member.timestampFormat ?? shape.timestampFormat ?? 'rfc822') as TimestampFormat);
    return v === undefined ? undefined : String(v);
  }
  if (type === 'string' && (member.jsonvalue || shape.jsonvalue)) return Buffer.from(JSON.stringify(value)).toString('base64');
  if (type === 'blob') return toBuffer(value).toString('base64');
  if (type === 'list' && Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

export function writeRestOutput(model: ServiceModel, op: Operation, output: Record<string, unknown>, flavor: 'rest-json' | 'rest-xml'): HttpResult {
  const headers: Record<string, string> = {};
  let status = op.http?.responseCode ?? 200;
  if (!op.output) return { status, headers, body: flavor === 'rest-json' ? '{}' : '' };
  const shape = target(model, op.output);
  const bodyMembers: Record<string, Shape> = {};
  for (const [name, member] of Object.entries(shape.members ?? {})) {
    const value = output[name];
    switch (member.location) {
      case 'statusCode':
        if (typeof value === 'number') status = value;
        break;
      case 'header': {
        const text = headerText(model, member, value);
        if (text !== undefined) headers[(member.locationName ?? name).toLowerCase()] = text;
        break;
      }
      case 'headers':
        if (value && typeof value === 'object') {
          for (const [k, v] of Object.entries(value)) headers[`${(member.locationName ?? '').toLowerCase()}${k}`] = String(v);
        }
        break;
      default:
        bodyMembers[name] = member;
    }
  }
  const payloadName = shape.payload;
  if (payloadName) {
    const member = shape.members![payloadName]!;
    const type = shapeType(model, member);
    const value = output[payloadName];
    if (type === 'blob' || type === 'string') {
      if (value === undefined || value === null) return { status, headers, body: '' };
      return { status, headers, body: typeof value === 'string' ? value : toBuffer(value) };
    }
    if (value === undefined || value === null) return { status, headers, body: flavor === 'rest-json' ? '{}' : '' };
    if (flavor === 'rest-json') {
      headers['content-type'] = 'application/json';
      return { status, headers, body: JSON.stringify(writeJson(model, member, value) ?? {}) };
    }
    const w = new XmlWriter();
    const t = target(model, member);
    const rootName = t.locationName ?? member.locationName ?? payloadName;
    const ns = member.xmlNamespace?.uri ?? t.xmlNamespace?.uri ?? model.metadata.xmlNamespace?.uri;
    w.raw('<?xml version="1.0" encoding="UTF-8"?>');
    w.open(rootName, ns ? `xmlns="${ns}"` : undefined);
    writeMembers(w, model, member, value as Record<string, unknown>, 'rest-xml');
    w.close(rootName);
    headers['content-type'] = 'application/xml';
    return { status, headers, body: w.toString() };
  }
  if (flavor === 'rest-json') {
    headers['content-type'] = 'application/json';
    return { status, headers, body: JSON.stringify(writeJson(model, op.output, output) ?? {}) };
  }
  if (Object.keys(bodyMembers).length === 0) return { status, headers, body: '' };
  const w = new XmlWriter();
  const rootName = shape.locationName ?? op.output.shape ?? `${op.name}Output`;
  const ns = shape.xmlNamespace?.uri ?? model.metadata.xmlNamespace?.uri;
  w.raw('<?xml version="1.0" encoding="UTF-8"?>');
  w.open(rootName, ns ? `xmlns="${ns}"` : undefined);
  for (const [name, member] of Object.entries(bodyMembers)) {
    const v = output[name];
    if (v !== undefined && v !== null) writeValue(w, model, member, member.locationName ?? name, v, 'rest-xml');
  }
  w.close(rootName);
  headers['content-type'] = 'application/xml';
  return { status, headers, body: w.toString() };
}
