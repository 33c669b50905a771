// The Condition element, wildcard patterns and policy variables, as IAM evaluates them.
import { parseDateValue } from './policy-document.js';

/** Request context keys, lower-cased (condition keys are case-insensitive), each with its values. */
export type ContextLookup = Map<string, string[]>;

export function contextLookup(context: Record<string, string | string[] | undefined>): ContextLookup {
  const map: ContextLookup = new Map();
  for (const [key, value] of Object.entries(context)) {
    if (value === undefined) continue;
    map.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  return map;
}

// ---- policy variables: ${aws:username}, ${aws:PrincipalTag/team, 'none'}, ${*} ${?} ${$} ----

interface Token {
  text: string;
  /** Text that came from a variable is literal: a '*' in a user name is not a wildcard. */
  literal: boolean;
}

/** Splits a policy value into its own text and resolved variables; undefined when a variable has no value. */
function expand(value: string, vars: ContextLookup | undefined): Token[] | undefined {
  if (!vars || !value.includes('${')) return [{ text: value, literal: false }];
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf('${', i);
    const end = start < 0 ? -1 : value.indexOf('}', start + 2);
    if (start < 0 || end < 0) {
      tokens.push({ text: value.slice(i), literal: false });
      break;
    }
    if (start > i) tokens.push({ text: value.slice(i, start), literal: false });
    const resolved = resolveVariable(value.slice(start + 2, end), vars);
    if (resolved === undefined) return undefined;
    tokens.push({ text: resolved, literal: true });
    i = end + 1;
  }
  return tokens;
}

function resolveVariable(body: string, vars: ContextLookup): string | undefined {
  const name = body.trim();
  if (name === '*' || name === '?' || name === '$') return name;
  const m = /^([^,]+?)\s*,\s*'(.*)'$/.exec(name);
  const key = (m ? m[1]! : name).toLowerCase();
  const found = vars.get(key);
  if (found && found.length === 1) return found[0]!; // multi-valued keys cannot be variables
  return m ? m[2]! : undefined;
}

/** A policy value with its variables replaced (undefined when one has no value). */
export function substitute(value: string, vars: ContextLookup | undefined): string | undefined {
  const tokens = expand(value, vars);
  return tokens && tokens.map((t) => t.text).join('');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const globCache = new Map<string, RegExp>();

/** A wildcard pattern (* any run, ? one character) as an anchored RegExp; undefined when a variable has no value. */
export function globRegExp(pattern: string, ignoreCase: boolean, vars?: ContextLookup): RegExp | undefined {
  const cacheable = !vars || !pattern.includes('${');
  const cacheKey = (ignoreCase ? 'i' : 's') + pattern;
  if (cacheable) {
    const hit = globCache.get(cacheKey);
    if (hit) return hit;
  }
  const tokens = expand(pattern, vars);
  if (!tokens) return undefined;
  let src = '';
  for (const t of tokens) {
    if (t.literal) src += escape(t.text);
    else for (const c of t.text) src += c === '*' ? '.*' : c === '?' ? '.' : escape(c);
  }
  const re = new RegExp(`^${src}$`, ignoreCase ? 'is' : 's');
  if (cacheable) {
    if (globCache.size > 5000) globCache.clear();
    globCache.set(cacheKey, re);
  }
  return re;
}

export function globMatch(value: string, pattern: string, ignoreCase: boolean, vars?: ContextLookup): boolean {
  if (pattern === '*') return true;
  return globRegExp(pattern, ignoreCase, vars)?.test(value) ?? false;
}

// ---- ARNs: each of the six colon-separated parts is matched separately ----

function splitArn(value: string): string[] | undefined {
  const parts: string[] = [];
  let rest = value;
  for (let i = 0; i < 5; i++) {
    const at = rest.indexOf(':');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

export function arnLike(value: string, pattern: string, vars?: ContextLookup): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  if (!p) return false; // a pattern of fewer than six parts names no ARN
  const v = splitArn(value);
  return v !== undefined && p.every((segment, i) => globMatch(v[i]!, segment, false, vars));
}

// ---- IP addresses (IPv4 and IPv6, CIDR) ----

interface Ip {
  v6: boolean;
  value: bigint;
}

function parseIpv4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIp(input: string): Ip | undefined {
  const s = input.trim().replace(/%.*$/, '');
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { v6: false, value: v4 };
  if (!s.includes(':')) return undefined;
  let groups: string[];
  let tail: bigint | undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const back = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 2) {
    const missing = 8 - head.length - back.length;
    if (missing < 1) return undefined;
    groups = [...head, ...Array<string>(missing).fill('0'), ...back];
  } else {
    groups = head;
  }
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  if (tail !== undefined) v = (v & ~0xffffffffn) | tail;
  return { v6: true, value: v };
}

/** Whether `ip` is inside `cidr` (a bare address means just that address). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.trim().split('/');
  const network = parseIp(net!);
  let address = parseIp(ip);
  if (!network || !address) return false;
  if (address.v6 && !network.v6 && address.value >> 32n === 0xffffn) address = { v6: false, value: address.value & 0xffffffffn };
  if (address.v6 !== network.v6) return false;
  const width = network.v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!/^\d+$/.test(bitsText ?? '0') || bits > width) return false;
  const shift = BigInt(width - bits);
  return address.value >> shift === network.value >> shift;
}

// ---- condition operators ----

type Test = (contextValue: string, policyValue: string, vars: ContextLookup | undefined) => boolean;

const number = (s: string): number | undefined => (s.trim() === '' || Number.isNaN(Number(s)) ? undefined : Number(s));

function compare(parse: (s: string) => number | undefined, ok: (a: number, b: number) => boolean): Test {
  return (c, p) => {
    const a = parse(c);
    const b = parse(p);
    return a !== undefined && b !== undefined && ok(a, b);
  };
}

const EQ = (a: number, b: number) => a === b;
const LT = (a: number, b: number) => a < b;
const LE = (a: number, b: number) => a <= b;
const GT = (a: number, b: number) => a > b;
const GE = (a: number, b: number) => a >= b;

/** Positive tests; the negated operators are these, inverted. */
const TESTS: Record<string, Test> = {
  StringEquals: (c, p, vars) => c === substitute(p, vars),
  StringEqualsIgnoreCase: (c, p, vars) => c.toLowerCase() === substitute(p, vars)?.toLowerCase(),
  StringLike: (c, p, vars) => globMatch(c, p, false, vars),
  NumericEquals: compare(number, EQ),
  NumericLessThan: compare(number, LT),
  NumericLessThanEquals: compare(number, LE),
  NumericGreaterThan: compare(number, GT),
  NumericGreaterThanEquals: compare(number, GE),
  DateEquals: compare(parseDateValue, EQ),
  DateLessThan: compare(parseDateValue, LT),
  DateLessThanEquals: compare(parseDateValue, LE),
  DateGreaterThan: compare(parseDateValue, GT),
  DateGreaterThanEquals: compare(parseDateValue, GE),
  Bool: (c, p) => c.toLowerCase() === p.toLowerCase(),
  BinaryEquals: (c, p) => c === p,
  IpAddress: (c, p) => ipInCidr(c, p),
  ArnLike: (c, p, vars) => arnLike(c, p, vars),
  ArnEquals: (c, p, vars) => arnLike(c, p, vars),
};

const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  NotIpAddress: 'IpAddress',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/**
 * Whether one operator holds for one key. A key missing from the request makes a positive operator
 * false and a negated one true, except ...IfExists (true), ForAllValues (true), ForAnyValue (false).
 */
export function operatorMatches(
  operator: string,
  key: string,
  policyValues: string[],
  context: ContextLookup,
  vars: ContextLookup | undefined,
): boolean {
  let op = operator;
  let set: 'any' | 'all' | undefined;
  if (op.startsWith('ForAnyValue:')) [set, op] = ['any', op.slice('ForAnyValue:'.length)];
  else if (op.startsWith('ForAllValues:')) [set, op] = ['all', op.slice('ForAllValues:'.length)];
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const values = context.get(key.toLowerCase());
  const present = values !== undefined && values.length > 0;
  if (op === 'Null') return policyValues.some((v) => (v.toLowerCase() === 'true') !== present);
  const negated = op in NEGATED;
  const test = TESTS[negated ? NEGATED[op]! : op];
  if (!test) return false; // an operator IAM does not know never matches
  if (values === undefined) {
    if (ifExists || set === 'all') return true;
    if (set === 'any') return false;
    return negated;
  }
  const one = (value: string) => {
    const hit = policyValues.some((p) => test(value, p, vars));
    return negated ? !hit : hit;
  };
  if (set === 'all') return values.every(one);
  if (set === 'any') return values.some(one);
  return negated ? values.every(one) : values.some(one);
}

/** Every operator, and every key under it, must hold (values of one key are alternatives). */
export function conditionsMatch(
  condition: Record<string, Record<string, string[]>> | undefined,
  context: ContextLookup,
  vars: ContextLookup | undefined,
): boolean {
  if (!condition) return true;
  for (const [operator, block] of Object.entries(condition)) {
    for (const [key, values] of Object.entries(block)) {
      if (!operatorMatches(operator, key, values, context, vars)) return false;
    }
  }
  return true;
}
