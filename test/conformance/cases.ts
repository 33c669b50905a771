// Conformance cases derived from an operation's input shape: each required member missing, each enum
// violated, each length and range bound just inside and just outside, patterns violated, and (JSON
// protocols) values of the wrong type. Every case is a whole input: a valid baseline with one change.
import { type Operation, type ServiceModel, type Shape, shapeType, target } from '../../src/protocol/model.js';
import { regexExamples } from './regex-example.js';
import { compilePattern } from '../../src/protocol/validate.js';

export type CaseKind = 'required' | 'enum' | 'length' | 'range' | 'pattern' | 'type';

export interface Case {
  operation: string;
  kind: CaseKind;
  /** what was changed, e.g. "RoleName length 65 (max 64)" */
  title: string;
  input: Record<string, unknown>;
  /** a violation expects the protocol's validation error; 'inside' expects anything but one */
  expect: 'violation' | 'inside';
}

const INTEGER_TYPES = new Set(['integer', 'long', 'short', 'byte']);
const NUMBER_TYPES = new Set([...INTEGER_TYPES, 'float', 'double', 'bigdecimal', 'biginteger']);

/** Compiled as Cumulus compiles the model's (Java) patterns. */
const regex = compilePattern;

function fits(shape: Shape, s: string): boolean {
  const re = shape.pattern ? regex(shape.pattern) : null;
  return !re || re.test(s);
}

/** Strings of exactly `length` characters, most plausible first. */
function candidates(length: number, name: string): string[] {
  const pad = (prefix: string, fill = 'a', suffix = '') =>
    prefix.length + suffix.length <= length ? prefix + fill.repeat(length - prefix.length - suffix.length) + suffix : undefined;
  const list = [
    /arn$/i.test(name) ? pad('arn:aws:iam::123456789012:role/') : undefined,
    pad('a'),
    pad('A'),
    pad('1', '1'),
    pad('/', 'a', '/'),
    length === 1 ? '/' : undefined,
    pad('arn:aws:iam::123456789012:role/'),
    pad('arn:aws:lambda:us-east-1:123456789012:function:'),
    pad('a', '0'),
    pad('http://a'),
    pad('a', 'a', '.com'),
    pad('{}', ' '),
    pad('a', '-'),
    pad('a', 'a', '@a.com'),
    pad('0', '0'),
  ];
  return list.filter((s): s is string => s !== undefined && [...s].length === length);
}

/** A string of exactly `length` characters that satisfies the shape's pattern, if we can find one. */
export function stringOfLength(shape: Shape, length: number, name: string): string | undefined {
  const found = candidates(length, name).find((s) => fits(shape, s));
  if (found !== undefined || !shape.pattern) return found;
  return regexExamples(shape.pattern, length).find((s) => [...s].length === length && fits(shape, s));
}

/** A string of an allowed length that violates the pattern, if the pattern rejects one of these. */
function patternViolation(shape: Shape): string | undefined {
  if (!shape.pattern || !regex(shape.pattern)) return undefined;
  const length = Math.max(shape.min ?? 1, Math.min(shape.max ?? 3, 3));
  for (const ch of [' ', '!', '\u00e9', '#', '\u2603', '`', '"', '<', '\t']) {
    const s = ch.repeat(length);
    if ([...s].length === length && !fits(shape, s)) return s;
  }
  return undefined;
}

function validString(shape: Shape, name: string): string | undefined {
  if (shape.enum?.length) return shape.enum[0];
  const min = shape.min ?? 0;
  const max = shape.max ?? Math.max(min, 64);
  const preferred = [Math.max(8, min), min, max, ...Array.from({ length: 16 }, (_, i) => min + i + 1), 20, 32, 64].filter((l) => l >= min && l <= max);
  for (const length of new Set(preferred)) {
    const s = length === 0 ? (fits(shape, '') ? '' : undefined) : stringOfLength(shape, length, name);
    if (s !== undefined) return s;
  }
  return undefined;
}

const NO_VALUE = Symbol('no valid value');

/** A valid value of a shape (required members only), or NO_VALUE when one cannot be made. */
export function validValue(model: ServiceModel, ref: Shape, name: string, depth = 0): unknown {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (depth > 12) return NO_VALUE;
  if (shape.document || ref.document) return {};
  switch (type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const members = Object.entries(shape.members ?? {});
      if (shape.union) {
        const [name0, member0] = members[0] ?? [];
        if (!name0) return out;
        const v = validValue(model, member0!, name0, depth + 1);
        return v === NO_VALUE ? NO_VALUE : { [name0]: v };
      }
      for (const member of shape.required ?? []) {
        const v = validValue(model, shape.members![member]!, member, depth + 1);
        if (v === NO_VALUE) return NO_VALUE;
        out[member] = v;
      }
      // a nested structure also sets one optional member: on a query wire an empty structure is absent,
      // so a case that removes a required member must leave something behind
      if (depth > 0) {
        for (const [name, member] of members) {
          if (name in out || member.location) continue;
          const v = validValue(model, member, name, depth + 1);
          if (v !== NO_VALUE) {
            out[name] = v;
            break;
          }
        }
      }
      return out;
    }
    case 'list': {
      const count = Math.min(Math.max(shape.min ?? 0, 1), shape.max ?? 1);
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const v = validValue(model, shape.member ?? {}, name, depth + 1);
        if (v === NO_VALUE) return NO_VALUE;
        items.push(v);
      }
      return items;
    }
    case 'map': {
      if (shape.max === 0) return {};
      const k = validValue(model, shape.key ?? {}, 'key', depth + 1);
      const v = validValue(model, shape.value ?? {}, name, depth + 1);
      return k === NO_VALUE || v === NO_VALUE ? NO_VALUE : { [String(k)]: v };
    }
    case 'boolean':
      return false;
    case 'timestamp':
      return new Date('2020-01-01T00:00:00Z');
    case 'blob':
      return Buffer.alloc(Math.max(shape.min ?? 0, 4), 0x61);
    case 'string': {
      const s = validString(shape, name);
      return s === undefined ? NO_VALUE : s;
    }
    default:
      if (NUMBER_TYPES.has(type)) {
        if (shape.min !== undefined) return shape.min;
        if (shape.max !== undefined && shape.max < 1) return shape.max;
        return 1;
      }
      return NO_VALUE;
  }
}

type Path = (string | number)[];

function clone<T>(v: T): T {
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (Buffer.isBuffer(v)) return Buffer.from(v) as T;
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

/** The baseline with the value at `path` replaced (or removed when `value` is undefined). */
function withValue(base: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const root = clone(base);
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) node = node[path[i]!] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return root;
}

interface Collector {
  cases: Case[];
  op: Operation;
  /** query and ec2: a structure left empty is absent from the wire */
  queryish: boolean;
  /** another operation has the same method and path: its required query/header members tell them apart */
  sharedRoute: boolean;
}

function sharesRoute(model: ServiceModel, op: Operation): boolean {
  if (!op.http?.requestUri) return false;
  const key = (o: Operation) => `${o.http?.method ?? 'POST'} ${(o.http?.requestUri ?? '/').split('?')[0]}`;
  return Object.values(model.operations).some((o) => o !== op && key(o) === key(op));
}

/** The required members that can be made (uri labels above all, so the request reaches its route). */
function partialBaseline(model: ServiceModel, op: Operation): Record<string, unknown> {
  const shape = target(model, op.input!);
  const out: Record<string, unknown> = {};
  for (const name of shape.required ?? []) {
    const v = validValue(model, shape.members![name]!, name, 1);
    if (v !== NO_VALUE) out[name] = v;
  }
  return out;
}

/** Whether removing `path` from `input` would leave its parent structure empty (inside a list or a structure). */
function leavesEmpty(input: Record<string, unknown>, path: Path): boolean {
  if (path.length < 2) return false;
  let node: unknown = input;
  for (const seg of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[seg];
  return Boolean(node) && typeof node === 'object' && Object.keys(node as object).length === 1;
}

/** Cases for the member at `path`, whose container in the baseline already exists. */
function memberCases(model: ServiceModel, ref: Shape, base: Record<string, unknown>, path: Path, name: string, required: boolean, col: Collector, depth: number, json: boolean): void {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  const label = path.join('.');
  const add = (kind: CaseKind, title: string, value: unknown, expect: Case['expect']) =>
    col.cases.push({ operation: col.op.name, kind, title: `${label} ${title}`, input: withValue(base, path, value), expect });
  const isLabel = ref.location === 'uri';

  const bindingOfSharedRoute = col.sharedRoute && (ref.location === 'querystring' || ref.location === 'header');
  if (required && !isLabel && !bindingOfSharedRoute && !(col.queryish && leavesEmpty(base, path))) add('required', 'missing', undefined, 'violation');
  if (type === 'string') {
    if (shape.enum?.length) {
      add('enum', 'not in the enum', 'NotAnEnumValue0', 'violation');
      return;
    }
    const min = shape.min;
    const max = shape.max;
    if (min !== undefined && min > 0) {
      const inside = stringOfLength(shape, min, name);
      if (inside !== undefined) add('length', `length ${min} (min ${min})`, inside, 'inside');
      // an empty label cannot be sent: the path would address another route
      if (!(isLabel && min - 1 === 0)) add('length', `length ${min - 1} (min ${min})`, stringOfLength(shape, min - 1, name) ?? 'a'.repeat(min - 1), 'violation');
    }
    if (max !== undefined && max < 200_000) {
      const inside = stringOfLength(shape, max, name);
      if (inside !== undefined) add('length', `length ${max} (max ${max})`, inside, 'inside');
      add('length', `length ${max + 1} (max ${max})`, stringOfLength(shape, max + 1, name) ?? 'a'.repeat(max + 1), 'violation');
    }
    const bad = patternViolation(shape);
    if (bad !== undefined && !isLabel) add('pattern', `${JSON.stringify(bad)} against ${shape.pattern}`, bad, 'violation');
    if (json && !ref.location) add('type', 'a number for a string', 12345, 'violation');
    return;
  }
  if (NUMBER_TYPES.has(type)) {
    const integer = INTEGER_TYPES.has(type);
    const step = integer ? 1 : 0.5;
    if (shape.min !== undefined && Number.isSafeInteger(Math.ceil(shape.min - step))) {
      add('range', `${shape.min} (min)`, shape.min, 'inside');
      add('range', `${shape.min - step} (min ${shape.min})`, shape.min - step, 'violation');
    }
    if (shape.max !== undefined && Number.isSafeInteger(Math.floor(shape.max + step))) {
      add('range', `${shape.max} (max)`, shape.max, 'inside');
      add('range', `${shape.max + step} (max ${shape.max})`, shape.max + step, 'violation');
    }
    if (json && !ref.location) add('type', 'a string for a number', 'twelve', 'violation');
    return;
  }
  if (type === 'boolean') {
    if (json && !ref.location) add('type', 'a string for a boolean', 'yes', 'violation');
    return;
  }
  if (type === 'list') {
    const item = validValue(model, shape.member ?? {}, name, depth + 1);
    if (item !== NO_VALUE && !ref.location) {
      if (shape.min !== undefined && shape.min > 0) {
        add('length', `${shape.min} items (min ${shape.min})`, Array.from({ length: shape.min }, () => clone(item)), 'inside');
        add('length', `${shape.min - 1} items (min ${shape.min})`, Array.from({ length: shape.min - 1 }, () => clone(item)), 'violation');
      }
      if (shape.max !== undefined && shape.max < 1_000) {
        // items may have to be distinct for the provider; the model only counts them
        add('length', `${shape.max + 1} items (max ${shape.max})`, Array.from({ length: shape.max + 1 }, () => clone(item)), 'violation');
      }
    }
    if (json && !ref.location) add('type', 'a string for a list', 'not-a-list', 'violation');
    const memberShape = target(model, shape.member ?? {});
    if (depth < 1 && item !== NO_VALUE) {
      const withItem = withValue(base, path, [item]);
      if (shapeType(model, shape.member ?? {}) === 'structure') structureCases(model, shape.member ?? {}, withItem, [...path, 0], col, depth + 1, json);
      else if (memberShape.enum?.length) col.cases.push({ operation: col.op.name, kind: 'enum', title: `${label}.1 not in the enum`, input: withValue(withItem, [...path, 0], 'NotAnEnumValue0'), expect: 'violation' });
    }
    return;
  }
  if (type === 'structure') {
    if (json && !ref.location && !shape.document) add('type', 'a string for a structure', 'not-a-structure', 'violation');
    if (depth < 1 && !shape.document) {
      const v = validValue(model, ref, name, depth + 1);
      if (v !== NO_VALUE) structureCases(model, ref, withValue(base, path, v), path, col, depth + 1, json);
    }
    return;
  }
  if (type === 'map' && json && !ref.location) add('type', 'a list for a map', ['not', 'a', 'map'], 'violation');
}

function structureCases(model: ServiceModel, ref: Shape, base: Record<string, unknown>, path: Path, col: Collector, depth: number, json: boolean): void {
  const shape = target(model, ref);
  if (shape.union) return;
  const required = new Set(shape.required ?? []);
  for (const [name, member] of Object.entries(shape.members ?? {})) {
    if (member.location === 'headers' || member.location === 'statusCode') continue;
    if (depth === 0 && member.location === 'header' && shapeType(model, member) !== 'string') continue;
    memberCases(model, member, base, [...path, name], name, required.has(name), col, depth, json);
  }
}

/** Round-robin over kinds, so a cap keeps every kind represented. */
function spread(cases: Case[], cap: number): Case[] {
  const byKind = new Map<CaseKind, Case[]>();
  for (const c of cases) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
  const out: Case[] = [];
  const queues = [...byKind.values()];
  while (out.length < cap && queues.some((q) => q.length)) {
    for (const q of queues) if (q.length && out.length < cap) out.push(q.shift()!);
  }
  return out;
}

export interface OperationCases {
  operation: string;
  /** the valid baseline input (required members only), or undefined when one could not be made */
  baseline?: Record<string, unknown>;
  cases: Case[];
}

/**
 * The cases of an operation. Without a valid baseline only the violations of the top-level members are
 * derived (a missing member is still a violation); 'inside' cases need a valid rest of the input.
 */
export function operationCases(model: ServiceModel, op: Operation, cap = 24): OperationCases {
  if (!op.input) return { operation: op.name, cases: [] };
  const json = model.index.protocol === 'json' || model.index.protocol === 'rest-json' || (model.index.protocol as string) === 'smithy-rpc-v2-cbor';
  const made = validValue(model, op.input, op.name);
  const baseline = made === NO_VALUE ? undefined : (made as Record<string, unknown>);
  const col: Collector = { cases: [], op, queryish: model.index.protocol === 'query' || model.index.protocol === 'ec2', sharedRoute: sharesRoute(model, op) };
  structureCases(model, op.input, baseline ?? partialBaseline(model, op), [], col, 0, json);
  let cases = col.cases;
  if (!baseline) cases = cases.filter((c) => c.expect === 'violation');
  return { operation: op.name, baseline, cases: spread(cases, cap) };
}

/** A valid input of the operation (required members), or as much of one as can be made. */
export function baselineInput(model: ServiceModel, op: Operation): Record<string, unknown> {
  if (!op.input) return {};
  const made = validValue(model, op.input, op.name);
  return made === NO_VALUE ? partialBaseline(model, op) : (made as Record<string, unknown>);
}
