// The CloudWatch Logs Insights query language (the subset Cumulus runs): a pipeline of
//   fields a, b as c | display a | filter <cond> | parse @message "* - *" as x, y | parse @message /(?<x>\d+)/
//   | stats count(*) as n, avg(d), sum(d), min(d), max(d), count_distinct(f) by f, bin(5m) | sort f desc
//   | limit n | dedup f
// Conditions: = != < <= > >= with fields, numbers and strings; like "sub" / like /re/ / =~ /re/, not like,
// in [..], not in, ispresent(f), isempty(f), and, or, not, parentheses.
import { AwsError } from '../../protocol/errors.js';

export type Cond =
  | { k: 'cmp'; op: string; left: Operand; right: Operand }
  | { k: 'like'; field: Operand; re: RegExp; negate: boolean }
  | { k: 'in'; field: Operand; values: Operand[]; negate: boolean }
  | { k: 'fn'; fn: 'ispresent' | 'isempty' | 'isblank'; field: string }
  | { k: 'and' | 'or'; parts: Cond[] }
  | { k: 'not'; inner: Cond }
  | { k: 'truthy'; operand: Operand };

export type Operand = { k: 'field'; name: string } | { k: 'lit'; value: string | number | boolean };

export interface Agg {
  fn: 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max';
  field?: string;
  as: string;
}

export interface GroupKey {
  field: string;
  /** bin(period) in ms, for `by bin(5m)` */
  binMs?: number;
  as: string;
}

export type Command =
  | { k: 'fields' | 'display'; items: { field: string; as: string }[] }
  | { k: 'filter'; cond: Cond }
  | { k: 'parse'; field: string; re: RegExp; names: string[] }
  | { k: 'stats'; aggs: Agg[]; by: GroupKey[] }
  | { k: 'sort'; keys: { field: string; desc: boolean }[] }
  | { k: 'limit'; n: number }
  | { k: 'dedup'; fields: string[] };

export function malformed(detail: string): AwsError {
  return new AwsError('MalformedQueryException', detail);
}

type Tok = { t: 'id' | 'num' | 'str' | 're' | 'op'; v: string };

const OPS = ['!=', '<=', '>=', '=~', '=', '<', '>', '(', ')', '[', ']', ',', '*'];

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        v += text[j++];
      }
      if (j >= text.length) throw malformed(`unterminated string at position ${i}`);
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    const prev = out[out.length - 1];
    if (c === '/' && (!prev || (prev.t === 'id' && /^(like|parse)$/i.test(prev.v)) || (prev.t === 'op' && prev.v === '=~') || prev.t === 'id')) {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== '/') {
        if (text[j] === '\\' && j + 1 < text.length) v += text[j++];
        v += text[j++];
      }
      if (j >= text.length) throw malformed(`unterminated regular expression at position ${i}`);
      out.push({ t: 're', v });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = text.indexOf('`', i + 1);
      if (j < 0) throw malformed('unterminated `field`');
      out.push({ t: 'id', v: text.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num && !/[\w@.]/.test(text[i + num[0].length] ?? '')) {
      out.push({ t: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ t: 'op', v: op });
      i += op.length;
      continue;
    }
    const id = /^[@\w.$-]+/.exec(text.slice(i));
    if (!id) throw malformed(`unexpected symbol found ${c} at position ${i}`);
    out.push({ t: 'id', v: id[0] });
    i += id[0].length;
  }
  return out;
}

/** Splits the pipeline on | outside strings and regular expressions. */
function splitPipeline(query: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (quote) {
      if (c === '\\') {
        cur += c + (query[++i] ?? '');
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    // a /regex/ after like, =~ or parse's field may hold '|'
    else if (c === '/' && /(\blike|=~|^\s*parse(\s+\S+)?)\s*$/i.test(cur)) quote = '/';
    else if (c === '|') {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

class Parser {
  pos = 0;
  constructor(readonly toks: Tok[]) {}
  peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  take(): Tok {
    const t = this.toks[this.pos++];
    if (!t) throw malformed('unexpected end of query');
    return t;
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t?.t === 'op' && t.v === v;
  }
  isWord(v: string): boolean {
    const t = this.peek();
    return t?.t === 'id' && t.v.toLowerCase() === v;
  }
  expectOp(v: string): void {
    const t = this.take();
    if (t.t !== 'op' || t.v !== v) throw malformed(`expected '${v}' but found '${t.v}'`);
  }
  field(): string {
    const t = this.take();
    if (t.t !== 'id') throw malformed(`expected a field name but found '${t.v}'`);
    return t.v;
  }
  done(): boolean {
    return this.pos >= this.toks.length;
  }
  end(): void {
    if (!this.done()) throw malformed(`unexpected symbol found ${this.peek()!.v}`);
  }
}

function parseOperand(p: Parser): Operand {
  const t = p.take();
  if (t.t === 'num') return { k: 'lit', value: Number(t.v) };
  if (t.t === 'str') return { k: 'lit', value: t.v };
  if (t.t === 'id') {
    if (/^(true|false)$/i.test(t.v)) return { k: 'lit', value: t.v.toLowerCase() === 'true' };
    return { k: 'field', name: t.v };
  }
  throw malformed(`unexpected symbol found ${t.v}`);
}

function likeRegex(t: Tok): RegExp {
  try {
    if (t.t === 're') return new RegExp(t.v);
    if (t.t === 'str') return new RegExp(t.v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  } catch {
    throw malformed(`invalid regular expression /${t.v}/`);
  }
  throw malformed(`like needs a string or /regex/, found '${t.v}'`);
}

function parseCond(p: Parser): Cond {
  const parts = [parseAnd(p)];
  while (p.isWord('or')) {
    p.take();
    parts.push(parseAnd(p));
  }
  return parts.length === 1 ? parts[0]! : { k: 'or', parts };
}

function parseAnd(p: Parser): Cond {
  const parts = [parseNot(p)];
  while (p.isWord('and')) {
    p.take();
    parts.push(parseNot(p));
  }
  return parts.length === 1 ? parts[0]! : { k: 'and', parts };
}

function parseNot(p: Parser): Cond {
  if (p.isWord('not')) {
    p.take();
    return { k: 'not', inner: parseNot(p) };
  }
  if (p.isOp('(')) {
    p.take();
    const c = parseCond(p);
    p.expectOp(')');
    return c;
  }
  const fn = p.peek();
  if (fn?.t === 'id' && /^(ispresent|isempty|isblank)$/i.test(fn.v) && p.toks[p.pos + 1]?.v === '(') {
    p.take();
    p.expectOp('(');
    const field = p.field();
    p.expectOp(')');
    return { k: 'fn', fn: fn.v.toLowerCase() as 'ispresent', field };
  }
  const left = parseOperand(p);
  let negate = false;
  if (p.isWord('not')) {
    p.take();
    negate = true;
  }
  if (p.isWord('like') || p.isOp('=~')) {
    p.take();
    return { k: 'like', field: left, re: likeRegex(p.take()), negate };
  }
  if (p.isWord('in')) {
    p.take();
    p.expectOp('[');
    const values: Operand[] = [];
    while (!p.isOp(']')) {
      values.push(parseOperand(p));
      if (p.isOp(',')) p.take();
    }
    p.expectOp(']');
    return { k: 'in', field: left, values, negate };
  }
  if (negate) throw malformed("'not' must be followed by like or in here");
  const op = p.peek();
  if (op?.t === 'op' && ['=', '!=', '<', '<=', '>', '>='].includes(op.v)) {
    p.take();
    return { k: 'cmp', op: op.v, left, right: parseOperand(p) };
  }
  return { k: 'truthy', operand: left };
}

function aliasOf(p: Parser, fallback: string): string {
  if (p.isWord('as')) {
    p.take();
    return p.field();
  }
  return fallback;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function parseStats(p: Parser): Command {
  const aggs: Agg[] = [];
  do {
    if (p.isOp(',')) p.take();
    const name = p.take();
    const fn = name.v.toLowerCase();
    if (name.t !== 'id' || !['count', 'count_distinct', 'sum', 'avg', 'min', 'max'].includes(fn)) {
      throw malformed(`unsupported stats function ${name.v}`);
    }
    p.expectOp('(');
    let field: string | undefined;
    if (p.isOp('*')) p.take();
    else if (!p.isOp(')')) field = p.field();
    p.expectOp(')');
    if (fn !== 'count' && !field) throw malformed(`${fn} needs a field`);
    aggs.push({ fn: fn as Agg['fn'], field, as: aliasOf(p, `${fn}(${field ?? '*'})`) });
  } while (p.isOp(','));
  const by: GroupKey[] = [];
  if (p.isWord('by')) {
    p.take();
    do {
      if (p.isOp(',')) p.take();
      if (p.isWord('bin') && p.toks[p.pos + 1]?.v === '(') {
        p.take();
        p.expectOp('(');
        const period = p.take();
        const m = /^(\d+)(ms|s|m|h|d|w)?$/.exec(period.v + (p.peek()?.t === 'id' && period.t === 'num' ? p.take().v : ''));
        if (!m) throw malformed(`invalid bin period ${period.v}`);
        p.expectOp(')');
        const binMs = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
        by.push({ field: '@timestamp', binMs, as: aliasOf(p, `bin(${m[1]}${m[2] ?? 's'})`) });
      } else {
        const f = p.field();
        by.push({ field: f, as: aliasOf(p, f) });
      }
    } while (p.isOp(','));
  }
  p.end();
  return { k: 'stats', aggs, by };
}

/** A parse glob ("* - [*]") as a regular expression with one group per *. */
function globRegex(glob: string): RegExp {
  return new RegExp(glob.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*?)') + (glob.endsWith('*') ? '$' : ''));
}

function parseCommand(text: string): Command {
  const p = new Parser(tokenize(text));
  const head = p.take();
  const name = head.v.toLowerCase();
  switch (name) {
    case 'fields':
    case 'display': {
      const items: { field: string; as: string }[] = [];
      do {
        if (p.isOp(',')) p.take();
        const f = p.field();
        items.push({ field: f, as: aliasOf(p, f) });
      } while (p.isOp(','));
      p.end();
      return { k: name, items };
    }
    case 'filter': {
      const cond = parseCond(p);
      p.end();
      return { k: 'filter', cond };
    }
    case 'parse': {
      const field = p.isOp('(') ? '@message' : p.field();
      const pat = p.take();
      if (pat.t === 're') {
        let re: RegExp;
        try {
          re = new RegExp(pat.v);
        } catch {
          throw malformed(`invalid regular expression /${pat.v}/`);
        }
        p.end();
        const names = [...pat.v.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]!);
        if (!names.length) throw malformed('a parse regular expression needs named groups (?<name>...)');
        return { k: 'parse', field, re, names };
      }
      if (pat.t !== 'str') throw malformed('parse needs a "glob * pattern" or a /regex/');
      if (!p.isWord('as')) throw malformed('parse with a glob pattern needs "as field, ..."');
      p.take();
      const names: string[] = [];
      do {
        if (p.isOp(',')) p.take();
        names.push(p.field());
      } while (p.isOp(','));
      p.end();
      const stars = pat.v.split('*').length - 1;
      if (stars !== names.length) throw malformed(`the parse pattern has ${stars} wildcards but ${names.length} fields`);
      return { k: 'parse', field, re: globRegex(pat.v), names };
    }
    case 'stats':
      return parseStats(p);
    case 'sort': {
      const keys: { field: string; desc: boolean }[] = [];
      do {
        if (p.isOp(',')) p.take();
        const field = p.field();
        let desc = false;
        if (p.isWord('desc') || p.isWord('asc')) desc = p.take().v.toLowerCase() === 'desc';
        keys.push({ field, desc });
      } while (p.isOp(','));
      p.end();
      return { k: 'sort', keys };
    }
    case 'limit':
    case 'head': {
      const n = p.take();
      if (n.t !== 'num' || !Number.isInteger(Number(n.v)) || Number(n.v) < 1) throw malformed(`limit needs a positive number, found '${n.v}'`);
      p.end();
      return { k: 'limit', n: Number(n.v) };
    }
    case 'dedup': {
      const fields: string[] = [];
      do {
        if (p.isOp(',')) p.take();
        fields.push(p.field());
      } while (p.isOp(','));
      p.end();
      return { k: 'dedup', fields };
    }
    default:
      throw malformed(`unexpected symbol found ${head.v} at line 1 and position 0`);
  }
}

export function parseQuery(query: string): Command[] {
  const commands = splitPipeline(query).map(parseCommand);
  if (!commands.length) throw malformed('the query is empty');
  return commands;
}
