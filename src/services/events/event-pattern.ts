// EventBridge's event pattern language: a pattern is parsed and validated once (AWS's error messages) into a
// compiled tree of matchers, and the tree is then run against every event on the bus.
// Semantics follow AWS's event ruler: leaf arrays are ORs, every field of an object must match, a field whose
// event value is an array matches when any element matches, and an object pattern over an array of objects
// matches when one element matches the whole sub-pattern (array consistency).
import { AwsError } from '../../protocol/errors.js';
import { cidrMatcher } from './cidr.js';

const REASON = 'Event pattern is not valid. Reason: ';

function invalid(reason: string): AwsError {
  return new AwsError('InvalidEventPatternException', REASON + reason);
}

/** A test on the leaf values found at one path (undefined values mean the field is absent). */
type LeafTest = (values: Leaf[]) => boolean;
type Leaf = string | number | boolean | null;

interface CompiledNode {
  /** fields whose pattern is an array of conditions */
  leaves: Array<{ key: string; test: LeafTest }>;
  /** fields whose pattern is an object */
  children: Array<{ key: string; node: CompiledNode }>;
  /** each $or: one of the alternatives must match the same object */
  ors: CompiledNode[][];
}

export interface CompiledPattern {
  matches(event: unknown): boolean;
}

const cache = new Map<string, CompiledPattern>();

/** Parses, validates and compiles a pattern; compiled patterns are cached by their text. */
export function compilePattern(text: string): CompiledPattern {
  const hit = cache.get(text);
  if (hit) return hit;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('Filter is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('Filter is not an object');
  const root = compileNode(parsed as Record<string, unknown>);
  const compiled: CompiledPattern = { matches: (event) => matchNode(root, event) };
  if (cache.size > 10_000) cache.clear();
  cache.set(text, compiled);
  return compiled;
}

function compileNode(obj: Record<string, unknown>): CompiledNode {
  const node: CompiledNode = { leaves: [], children: [], ors: [] };
  for (const [key, value] of Object.entries(obj)) {
    if (key === '$or') {
      if (!Array.isArray(value)) throw invalid('"$or" must be an object or an array');
      if (value.length < 2) throw invalid('Or expression must have at least 2 items');
      node.ors.push(
        value.map((alt) => {
          if (alt === null || typeof alt !== 'object' || Array.isArray(alt)) throw invalid('Or expression only allows objects');
          return compileNode(alt as Record<string, unknown>);
        }),
      );
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw invalid('Empty arrays are not allowed');
      const tests = value.map((cond) => compileCondition(cond));
      node.leaves.push({ key, test: tests.length === 1 ? tests[0]! : (vals) => tests.some((t) => t(vals)) });
    } else if (value !== null && typeof value === 'object') {
      node.children.push({ key, node: compileNode(value as Record<string, unknown>) });
    } else {
      throw invalid(`"${key}" must be an object or an array`);
    }
  }
  return node;
}

const anyValue = (vals: Leaf[], pred: (v: Leaf) => boolean): boolean => {
  for (const v of vals) if (pred(v)) return true;
  return false;
};

const isString = (v: Leaf): v is string => typeof v === 'string';
const isNumber = (v: Leaf): v is number => typeof v === 'number';

function literalEquals(cond: Leaf): (v: Leaf) => boolean {
  if (typeof cond === 'number') return (v) => typeof v === 'number' && v === cond;
  return (v) => v === cond;
}

function compileCondition(cond: unknown): LeafTest {
  if (cond === null || typeof cond === 'string' || typeof cond === 'boolean' || typeof cond === 'number') {
    const eq = literalEquals(cond);
    return (vals) => anyValue(vals, eq);
  }
  if (Array.isArray(cond)) throw invalid('Match value must be String, number, true, false, or null');
  const entries = Object.entries(cond as Record<string, unknown>);
  if (entries.length !== 1) throw invalid('Only one key allowed in match expression');
  const [op, arg] = entries[0]!;
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') throw invalid('exists match pattern must be either true or false.');
      return arg ? (vals) => vals.length > 0 : (vals) => vals.length === 0;
    case 'prefix':
    case 'suffix': {
      const pred = stringOp(op, arg);
      return (vals) => anyValue(vals, (v) => isString(v) && pred(v));
    }
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') throw invalid('equals-ignore-case match pattern must be a string');
      const lower = arg.toLowerCase();
      return (vals) => anyValue(vals, (v) => isString(v) && v.toLowerCase() === lower);
    }
    case 'wildcard': {
      if (typeof arg !== 'string') throw invalid('wildcard match pattern must be a string');
      const re = wildcardRegExp(arg);
      return (vals) => anyValue(vals, (v) => isString(v) && re.test(v));
    }
    case 'anything-but': {
      const excluded = anythingBut(arg);
      return (vals) => anyValue(vals, (v) => !excluded(v));
    }
    case 'numeric': {
      const pred = numericRange(arg);
      return (vals) => anyValue(vals, (v) => isNumber(v) && pred(v));
    }
    case 'cidr': {
      if (typeof arg !== 'string') throw invalid('prefix match pattern must be a string');
      const pred = cidrMatcher(arg, invalid);
      return (vals) => anyValue(vals, (v) => isString(v) && pred(v));
    }
    default:
      throw invalid(`Unrecognized match type ${op}`);
  }
}

/** prefix / suffix, optionally {"equals-ignore-case": "…"}. */
function stringOp(op: 'prefix' | 'suffix', arg: unknown): (v: string) => boolean {
  let text: string;
  let ignoreCase = false;
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
    const inner = Object.entries(arg as Record<string, unknown>);
    if (inner.length !== 1 || inner[0]![0] !== 'equals-ignore-case') throw invalid(`Unsupported ${op} pattern: ${inner[0]?.[0] ?? ''}`);
    if (typeof inner[0]![1] !== 'string') throw invalid(`${op} match pattern must be a string`);
    text = (inner[0]![1] as string).toLowerCase();
    ignoreCase = true;
  } else if (typeof arg === 'string') {
    text = arg;
  } else {
    throw invalid(`${op} match pattern must be a string`);
  }
  if (op === 'prefix') return ignoreCase ? (v) => v.toLowerCase().startsWith(text) : (v) => v.startsWith(text);
  return ignoreCase ? (v) => v.toLowerCase().endsWith(text) : (v) => v.endsWith(text);
}

/** AWS wildcards: `*` is any run of characters (possibly empty); `\*` and `\\` are literal. */
function wildcardRegExp(pattern: string): RegExp {
  const dbl = pattern.indexOf('**');
  if (dbl >= 0) throw invalid(`Consecutive wildcard characters at pos ${dbl + 1}`);
  let re = '';
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') throw invalid(`Invalid escape character at pos ${i + 1}`);
      re += '\\' + next;
      i++;
    } else if (ch === '*') {
      re += '.*';
      stars++;
    } else {
      re += ch.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  if (stars > 5) {
    throw invalid('Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character');
  }
  return new RegExp(`^${re}$`, 's');
}

/** anything-but: a value, a list of values, or {prefix|suffix|wildcard|equals-ignore-case: string | string[]}; returns "is excluded". */
function anythingBut(arg: unknown): (v: Leaf) => boolean {
  if (arg === null || typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'boolean') return literalEquals(arg);
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw invalid('Empty arrays are not allowed');
    const preds = arg.map((x) => {
      if (x === null || typeof x === 'object') throw invalid('Inside anything but list, start|null|boolean is not supported.');
      return literalEquals(x as Leaf);
    });
    return (v) => preds.some((p) => p(v));
  }
  const inner = Object.entries(arg as Record<string, unknown>);
  if (inner.length !== 1) throw invalid('Only one key allowed in match expression');
  const [op, value] = inner[0]!;
  if (!['prefix', 'suffix', 'wildcard', 'equals-ignore-case'].includes(op)) throw invalid(`Unsupported anything-but pattern: ${op}`);
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalid('Empty arrays are not allowed');
  if (list.some((x) => typeof x !== 'string')) {
    if (op === 'equals-ignore-case') throw invalid('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
    if (op === 'wildcard') throw invalid('wildcard match pattern must be a string');
    throw invalid('prefix/suffix match pattern must be a string');
  }
  const strings = list as string[];
  if ((op === 'prefix' || op === 'suffix') && strings.some((s) => s === '')) throw invalid('Null prefix/suffix not allowed');
  let pred: (s: string) => boolean;
  switch (op) {
    case 'prefix':
      pred = (s) => strings.some((p) => s.startsWith(p));
      break;
    case 'suffix':
      pred = (s) => strings.some((p) => s.endsWith(p));
      break;
    case 'wildcard': {
      const res = strings.map(wildcardRegExp);
      pred = (s) => res.some((re) => re.test(s));
      break;
    }
    default: {
      const lowered = new Set(strings.map((s) => s.toLowerCase()));
      pred = (s) => lowered.has(s.toLowerCase());
    }
  }
  // a non-string value is never excluded by a string-shaped anything-but
  return (v) => typeof v === 'string' && pred(v);
}

const NUMERIC_OPS = new Set(['<', '<=', '=', '>', '>=']);

function numericRange(arg: unknown): (v: number) => boolean {
  if (!Array.isArray(arg)) throw invalid('Value of numeric must be an array.');
  if (arg.length === 0) throw invalid('Invalid member in numeric match: ]');
  const checks: Array<(v: number) => boolean> = [];
  let i = 0;
  let sawLower = false;
  let lowerBound = -Infinity;
  while (i < arg.length) {
    const op = arg[i];
    if (typeof op !== 'string') throw invalid(`${checks.length ? 'Bad value in numeric range' : 'Invalid member in numeric match'}: ${String(op)}`);
    if (!NUMERIC_OPS.has(op)) throw invalid(`${checks.length ? 'Bad numeric range operator' : 'Unrecognized numeric range operator'}: ${op}`);
    const operand = arg[i + 1];
    if (typeof operand !== 'number') throw invalid(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
    if (checks.length === 1) {
      if (!sawLower) throw invalid('Too many elements in numeric expression');
      if (op !== '<' && op !== '<=') throw invalid(`Bad numeric range operator: ${op}`);
      if (operand <= lowerBound) throw invalid('Bottom must be less than top');
    } else if (checks.length >= 2) {
      throw invalid('Too many terms in numeric range expression');
    }
    if (op === '>' || op === '>=') {
      sawLower = true;
      lowerBound = operand;
    }
    checks.push(
      op === '<' ? (v) => v < operand : op === '<=' ? (v) => v <= operand : op === '=' ? (v) => v === operand : op === '>' ? (v) => v > operand : (v) => v >= operand,
    );
    i += 2;
  }
  return checks.length === 1 ? checks[0]! : (v) => checks.every((c) => c(v));
}

/** The leaf values at a field: an array contributes its elements (nested arrays flattened); objects contribute none. */
function leafValues(value: unknown, out: Leaf[]): Leaf[] {
  if (value === undefined) return out;
  if (Array.isArray(value)) {
    for (const v of value) leafValues(v, out);
  } else if (value === null || typeof value !== 'object') {
    out.push(value as Leaf);
  }
  return out;
}

const EMPTY = Object.freeze({});

function matchNode(node: CompiledNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object' && !Array.isArray(v) && matchObject(node, v as Record<string, unknown>)) return true;
    // an empty array (or one of scalars) still lets `exists: false` patterns match
    return value.every((v) => v === null || typeof v !== 'object') && matchObject(node, EMPTY);
  }
  return matchObject(node, value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : EMPTY);
}

function matchObject(node: CompiledNode, obj: Record<string, unknown>): boolean {
  for (const { key, test } of node.leaves) {
    if (!test(leafValues(Object.hasOwn(obj, key) ? obj[key] : undefined, []))) return false;
  }
  for (const { key, node: child } of node.children) {
    if (!matchNode(child, Object.hasOwn(obj, key) ? obj[key] : undefined)) return false;
  }
  for (const alternatives of node.ors) {
    if (!alternatives.some((alt) => matchObject(alt, obj))) return false;
  }
  return true;
}
