// The pieces the JSON and space-delimited filter patterns share: tokens, values (quoted, bare with *
// wildcards, numbers, %regex%) and the comparison of a field against a value.
import { AwsError } from '../../protocol/errors.js';

export function invalid(detail: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid filter pattern: ${detail}`);
}

// ---- regular expressions and wildcards ----

export function regexOf(body: string): RegExp {
  if (/[()]/.test(body)) throw invalid(`the () operator is not supported in regular expressions (%${body}%)`);
  try {
    return new RegExp(body);
  } catch {
    throw invalid(`invalid regular expression %${body}%`);
  }
}

/** A value with `*` wildcards as a whole-string matcher. */
export function wildcard(value: string): (s: string) => boolean {
  if (!value.includes('*')) return (s) => s === value;
  const re = new RegExp(`^${value.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return (s) => re.test(s);
}

// ---- tokens shared by JSON and space-delimited patterns ----

export type Tok =
  | { t: 'punct'; v: string }
  | { t: 'str'; v: string }
  | { t: 'regex'; v: string }
  | { t: 'word'; v: string };

const PUNCT = ['&&', '||', '!=', '<=', '>=', '=', '<', '>', '(', ')', '{', '}', '[', ']', ','];

/** Splits a JSON or space-delimited pattern; in JSON patterns brackets belong to selectors ($.list[0]). */
export function tokenize(text: string, bracketsArePunct: boolean): Tok[] {
  const punct = bracketsArePunct ? PUNCT : PUNCT.filter((p) => p !== '[' && p !== ']');
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        v += text[j];
        j++;
      }
      if (j >= text.length) throw invalid('unterminated quoted value');
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === '%') {
      const j = text.indexOf('%', i + 1);
      if (j < 0) throw invalid('unterminated regular expression');
      out.push({ t: 'regex', v: text.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const p = punct.find((s) => text.startsWith(s, i));
    if (p) {
      out.push({ t: 'punct', v: p });
      i += p.length;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]!) && !punct.some((s) => text.startsWith(s, j))) j++;
    out.push({ t: 'word', v: text.slice(i, j) });
    i = j;
  }
  return out;
}

// ---- comparisons ----

export type Op = '=' | '!=' | '<' | '>' | '<=' | '>=';

interface Value {
  kind: 'string' | 'number' | 'regex';
  text: string;
  /** for strings (with * wildcards) and regular expressions */
  matches?: (s: string) => boolean;
}

export function isNumber(s: string): boolean {
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s);
}

/** Compares a field's value (from JSON or a space-delimited field) against a pattern value. */
export function compare(field: unknown, op: Op, value: Value): boolean {
  if (field === undefined || field === null || typeof field === 'object') return false;
  if (value.kind === 'regex') {
    const ok = value.matches!(String(field));
    return op === '!=' ? !ok : op === '=' ? ok : false;
  }
  if (value.kind === 'number') {
    const n = typeof field === 'number' ? field : typeof field === 'string' && isNumber(field.trim()) ? Number(field) : NaN;
    if (Number.isNaN(n)) return op === '!=';
    const v = Number(value.text);
    switch (op) {
      case '=':
        return n === v;
      case '!=':
        return n !== v;
      case '<':
        return n < v;
      case '>':
        return n > v;
      case '<=':
        return n <= v;
      case '>=':
        return n >= v;
    }
  }
  if (op !== '=' && op !== '!=') throw invalid(`the ${op} operator needs a numeric value`);
  const ok = value.matches!(String(field));
  return op === '=' ? ok : !ok;
}

export function valueOf(tok: Tok | undefined): Value {
  if (!tok) throw invalid('missing value');
  if (tok.t === 'str') return { kind: 'string', text: tok.v, matches: wildcard(tok.v) };
  if (tok.t === 'regex') {
    const re = regexOf(tok.v);
    return { kind: 'regex', text: tok.v, matches: (s) => re.test(s) };
  }
  if (tok.t === 'word') return isNumber(tok.v) ? { kind: 'number', text: tok.v } : { kind: 'string', text: tok.v, matches: wildcard(tok.v) };
  throw invalid(`unexpected '${tok.v}'`);
}

export const OPS = new Set(['=', '!=', '<', '>', '<=', '>=']);
