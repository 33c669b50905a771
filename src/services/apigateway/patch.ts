// API Gateway's patch operations (a JSON-Patch dialect: op add/remove/replace/move/copy, a path whose
// segments escape '/' as '~1' and '~' as '~0', string values). Every Update* describes the paths it
// accepts as rules; a path no rule takes is "Invalid patch path".
import type { PatchOperation } from '../../generated/apigateway.js';
import { badRequest } from './errors.js';

export type PatchOpName = 'add' | 'remove' | 'replace' | 'move' | 'copy';
const ALL_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

export type PatchTarget = Record<string, any>;

export interface PatchRule {
  /** e.g. '/name', '/variables/*' (a map entry), '/binaryMediaTypes/*' (a set member), '/*\/*\/throttling/rateLimit' */
  path: string;
  ops: PatchOpName[];
  /** how the value is stored: scalar string (default), boolean, number, json (parsed), map entry, set member */
  kind?: 'string' | 'boolean' | 'number' | 'json' | 'map' | 'set';
  /** the property the rule writes when it is not the path's first segment */
  key?: string;
  /** custom application; segments are the path's decoded segments, wild the ones that matched '*' */
  apply?: (target: PatchTarget, op: PatchOpName, value: string | undefined, wild: string[], segments: string[]) => void;
}

export function decodeSegment(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function splitPath(path: string): string[] {
  if (!path.startsWith('/')) return [];
  return path.slice(1).split('/').map(decodeSegment);
}

/** Matches a raw path against a rule's pattern; returns the segments that matched '*', or undefined. */
function match(pattern: string, path: string): string[] | undefined {
  const p = pattern.slice(1).split('/');
  const s = path.slice(1).split('/');
  if (p.length !== s.length) return undefined;
  const wild: string[] = [];
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '*') {
      if (!s[i]) return undefined;
      wild.push(decodeSegment(s[i]!));
    } else if (p[i] !== s[i]) return undefined;
  }
  return wild;
}

function coerce(kind: PatchRule['kind'], value: string | undefined, path: string): unknown {
  if (value === undefined) return undefined;
  switch (kind) {
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw badRequest(`Invalid value specified for ${path}: ${value}. Must be one of: [true, false]`);
      return value === 'true';
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw badRequest(`Invalid number value specified for ${path}: ${value}`);
      return n;
    }
    case 'json':
      try {
        return JSON.parse(value);
      } catch {
        throw badRequest(`Invalid JSON value specified for ${path}`);
      }
    default:
      return value;
  }
}

function find(rules: PatchRule[], path: string): { rule: PatchRule; wild: string[] } | undefined {
  for (const rule of rules) {
    const wild = match(rule.path, path);
    if (wild) return { rule, wild };
  }
  return undefined;
}

/** Reads the value a path names (for move and copy). */
function read(target: PatchTarget, rule: PatchRule, wild: string[], segments: string[]): string | undefined {
  const key = rule.key ?? segments[0]!;
  if (rule.kind === 'map') return target[key]?.[wild[wild.length - 1]!];
  if (rule.kind === 'set') return (target[key] as string[] | undefined)?.includes(wild[wild.length - 1]!) ? wild[wild.length - 1] : undefined;
  const v = target[key];
  return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
}

function write(target: PatchTarget, rule: PatchRule, op: PatchOpName, value: string | undefined, wild: string[], segments: string[], path: string): void {
  if (rule.apply) return rule.apply(target, op, value, wild, segments);
  const key = rule.key ?? segments[0]!;
  if (rule.kind === 'map') {
    const name = wild[wild.length - 1]!;
    const map = (target[key] ??= {}) as Record<string, unknown>;
    if (op === 'remove') {
      if (!(name in map)) throw badRequest(`Cannot remove ${path}: no such entry`);
      delete map[name];
    } else map[name] = value ?? '';
    return;
  }
  if (rule.kind === 'set') {
    const name = wild[wild.length - 1]!;
    const list = (target[key] ??= []) as string[];
    const i = list.indexOf(name);
    if (op === 'remove') {
      if (i >= 0) list.splice(i, 1);
    } else if (op === 'replace') {
      if (i < 0) throw badRequest(`Invalid patch path ${path}`);
      if (value) list[i] = value;
      else list.splice(i, 1);
    } else if (i < 0) list.push(name);
    return;
  }
  if (op === 'remove') delete target[key];
  else target[key] = coerce(rule.kind, value, path);
}

/** Applies the operations in order to `target` (mutated). Throws BadRequestException as API Gateway does. */
export function applyPatches(target: PatchTarget, operations: PatchOperation[] | undefined, rules: PatchRule[]): void {
  for (const o of operations ?? []) {
    const op = o.op as PatchOpName | undefined;
    if (!op || !ALL_OPS.includes(op) || op === ('test' as PatchOpName)) {
      throw badRequest(`Invalid patch operation specified. Must be one of: [add, remove, replace, move, copy]`);
    }
    const path = o.path ?? '';
    const found = find(rules, path);
    if (!found) throw badRequest(`Invalid patch path ${path}`);
    const { rule, wild } = found;
    if (!rule.ops.includes(op)) {
      throw badRequest(`Invalid patch path '${path}' specified for op '${op}'. Must be one of: [${rule.ops.join(', ')}]`);
    }
    const segments = splitPath(path);
    if (op === 'move' || op === 'copy') {
      const from = o.from ?? '';
      const src = find(rules, from);
      if (!src) throw badRequest(`Invalid patch path ${from}`);
      const fromSegments = splitPath(from);
      const v = read(target, src.rule, src.wild, fromSegments);
      if (v === undefined) throw badRequest(`Invalid patch path ${from}: no value to ${op}`);
      write(target, rule, 'add', v, wild, segments, path);
      if (op === 'move') write(target, src.rule, 'remove', undefined, src.wild, fromSegments, from);
      continue;
    }
    if ((op === 'add' || op === 'replace') && o.value === undefined && rule.kind !== 'set' && !rule.apply) {
      throw badRequest(`Invalid null or empty value in ${path}`);
    }
    write(target, rule, op, o.value, wild, segments, path);
  }
}

/** Shorthand for a list of scalar rules. */
export function scalars(ops: PatchOpName[], kind: PatchRule['kind'], ...paths: string[]): PatchRule[] {
  return paths.map((path) => ({ path, ops, kind }));
}
