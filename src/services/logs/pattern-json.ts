// JSON filter patterns: { $.a.b = "x*" && ($.n > 5 || $.c IS NULL) }, IS TRUE/FALSE, NOT EXISTS, [i] indexes.
import type { FilterPattern } from './filter-pattern.js';
import { compare, invalid, type Op, OPS, tokenize, valueOf } from './pattern-values.js';

const NO_EXTRACT: Record<string, string> = {};

/** Reads `$.a.b[0].c` from a parsed event; undefined when the path does not exist. */
export function selectJson(root: unknown, selector: string): unknown {
  if (!selector.startsWith('$')) return undefined;
  const path = selector.slice(1);
  const parts = path.match(/\.[^.[\]]+|\[\d+\]/g) ?? [];
  if (parts.join('') !== path) return undefined;
  let cur: unknown = root;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (p.startsWith('[')) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(p.slice(1, -1))];
    } else {
      const key = p.slice(1);
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

type JsonNode = (doc: unknown) => boolean;

export function compileJson(text: string): FilterPattern {
  const toks = tokenize(text, false);
  let pos = 0;
  const peek = () => toks[pos];
  const take = () => toks[pos++];
  const expectPunct = (v: string) => {
    const t = take();
    if (!t || t.t !== 'punct' || t.v !== v) throw invalid(`expected '${v}'`);
  };

  const parseOr = (): JsonNode => {
    const parts = [parseAnd()];
    while (peek()?.t === 'punct' && peek()!.v === '||') {
      take();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (d) => parts.some((p) => p(d));
  };
  const parseAnd = (): JsonNode => {
    const parts = [parseUnary()];
    while (peek()?.t === 'punct' && peek()!.v === '&&') {
      take();
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0]! : (d) => parts.every((p) => p(d));
  };
  const parseUnary = (): JsonNode => {
    const t = peek();
    if (t?.t === 'punct' && t.v === '(') {
      take();
      const inner = parseOr();
      expectPunct(')');
      return inner;
    }
    return parseCondition();
  };
  const parseCondition = (): JsonNode => {
    const sel = take();
    if (!sel || sel.t !== 'word' || !sel.v.startsWith('$')) throw invalid('expected a selector such as $.field');
    const selector = sel.v;
    const next = take();
    if (next?.t === 'word' && next.v.toUpperCase() === 'IS') {
      const what = take();
      const w = what?.t === 'word' ? what.v.toUpperCase() : '';
      if (w === 'NULL') return (d) => selectJson(d, selector) === null;
      if (w === 'TRUE') return (d) => selectJson(d, selector) === true;
      if (w === 'FALSE') return (d) => selectJson(d, selector) === false;
      throw invalid('IS must be followed by NULL, TRUE or FALSE');
    }
    if (next?.t === 'word' && next.v.toUpperCase() === 'NOT') {
      const what = take();
      if (what?.t !== 'word' || what.v.toUpperCase() !== 'EXISTS') throw invalid('NOT must be followed by EXISTS');
      return (d) => selectJson(d, selector) === undefined;
    }
    if (next?.t === 'word' && next.v.toUpperCase() === 'EXISTS') return (d) => selectJson(d, selector) !== undefined;
    if (!next || next.t !== 'punct' || !OPS.has(next.v)) throw invalid(`expected an operator after ${selector}`);
    const op = next.v as Op;
    const value = valueOf(take());
    if (value.kind === 'string' && op !== '=' && op !== '!=') throw invalid(`the ${op} operator needs a numeric value`);
    return (d) => compare(selectJson(d, selector), op, value);
  };

  expectPunct('{');
  const root = parseOr();
  expectPunct('}');
  if (pos !== toks.length) throw invalid('unexpected text after }');
  return {
    kind: 'json',
    match(message) {
      const doc = parseJsonEvent(message);
      if (doc === undefined) return undefined;
      return root(doc) ? { extracted: NO_EXTRACT, json: doc } : undefined;
    },
  };
}

/** The event as a JSON object or array, or undefined when it is not one. */
export function parseJsonEvent(message: string): unknown {
  const s = message.trim();
  if (!s.startsWith('{') && !s.startsWith('[')) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
