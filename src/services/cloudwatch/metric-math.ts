// Metric math: a parser for CloudWatch's expression language and its evaluation over time series.
// Arithmetic (+ - * / ^), comparisons and AND/OR/NOT for IF, SUM AVG MIN MAX, RATE DIFF, FILL, IF, ABS,
// CEIL FLOOR, METRICS() and SEARCH() (the host resolves the last two).
import { AwsError } from '../../protocol/errors.js';

export interface TimeSeries {
  label: string;
  /** epoch ms, ascending */
  ts: number[];
  values: number[];
  /** seconds between points */
  period: number;
}

export type MathValue = number | TimeSeries | TimeSeries[];

type Node =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'id'; name: string }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'neg'; a: Node }
  | { k: 'not'; a: Node };

const FUNCTIONS = new Set(['ANOMALY_DETECTION_BAND', 'METRICS', 'SEARCH', 'SUM', 'AVG', 'MIN', 'MAX', 'ABS', 'CEIL', 'FLOOR', 'RATE', 'DIFF', 'FILL', 'IF']);

const fail = (id: string, message: string) => new AwsError('ValidationError', `Error in expression '${id}': ${message}`, { status: 400 });

function tokenize(src: string, id: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||[-+*/^(),<>!]))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw fail(id, `Syntax error at position ${pos + 1}.`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    pos = re.lastIndex;
  }
  return out;
}

export function parseExpression(src: string, id: string): Node {
  const t = tokenize(src, id);
  let i = 0;
  const peek = () => t[i];
  const eat = (s: string) => {
    if (t[i] !== s) throw fail(id, `Expected '${s}' but found ${t[i] ? `'${t[i]}'` : 'the end of the expression'}.`);
    i++;
  };
  const or = (): Node => {
    let a = and();
    while (peek() === 'OR' || peek() === '||') {
      i++;
      a = { k: 'bin', op: 'OR', a, b: and() };
    }
    return a;
  };
  const and = (): Node => {
    let a = not();
    while (peek() === 'AND' || peek() === '&&') {
      i++;
      a = { k: 'bin', op: 'AND', a, b: not() };
    }
    return a;
  };
  const not = (): Node => {
    if (peek() === 'NOT' || peek() === '!') {
      i++;
      return { k: 'not', a: not() };
    }
    return compare();
  };
  const compare = (): Node => {
    const a = add();
    const op = peek();
    if (op && ['<', '>', '<=', '>=', '==', '!='].includes(op)) {
      i++;
      return { k: 'bin', op, a, b: add() };
    }
    return a;
  };
  const add = (): Node => {
    let a = mul();
    while (peek() === '+' || peek() === '-') {
      const op = t[i++]!;
      a = { k: 'bin', op, a, b: mul() };
    }
    return a;
  };
  const mul = (): Node => {
    let a = unary();
    while (peek() === '*' || peek() === '/') {
      const op = t[i++]!;
      a = { k: 'bin', op, a, b: unary() };
    }
    return a;
  };
  const unary = (): Node => {
    if (peek() === '-') {
      i++;
      return { k: 'neg', a: unary() };
    }
    if (peek() === '+') {
      i++;
      return unary();
    }
    return power();
  };
  const power = (): Node => {
    const a = primary();
    if (peek() === '^') {
      i++;
      return { k: 'bin', op: '^', a, b: unary() };
    }
    return a;
  };
  const primary = (): Node => {
    const tok = t[i++];
    if (tok === undefined) throw fail(id, 'Unexpected end of the expression.');
    if (tok === '(') {
      const e = or();
      eat(')');
      return e;
    }
    if (/^[\d.]/.test(tok)) return { k: 'num', v: Number(tok) };
    if (tok[0] === "'" || tok[0] === '"') return { k: 'str', v: tok.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (/^[A-Za-z_]/.test(tok)) {
      if (peek() === '(') {
        i++;
        const args: Node[] = [];
        if (peek() !== ')') {
          args.push(or());
          while (peek() === ',') {
            i++;
            args.push(or());
          }
        }
        eat(')');
        const name = tok.toUpperCase();
        if (!FUNCTIONS.has(name)) throw fail(id, `Unknown function ${tok}.`);
        return { k: 'call', name, args };
      }
      return { k: 'id', name: tok };
    }
    throw fail(id, `Unexpected '${tok}'.`);
  };
  const node = or();
  if (i < t.length) throw fail(id, `Unexpected '${t[i]}'.`);
  return node;
}

/** Ids an expression refers to (for ordering queries and finding cycles). */
export function referencedIds(node: Node): string[] {
  switch (node.k) {
    case 'id':
      return [node.name];
    case 'call':
      return node.args.flatMap(referencedIds);
    case 'bin':
      return [...referencedIds(node.a), ...referencedIds(node.b)];
    case 'neg':
    case 'not':
      return referencedIds(node.a);
    default:
      return [];
  }
}

export interface MathHost {
  /** the value of another query by id */
  value(id: string): MathValue;
  /** METRICS() / METRICS('label part'): the metric queries of the request */
  metrics(filter?: string): TimeSeries[];
  search(expression: string, stat: string, period: number): TimeSeries[];
  /** the grid FILL fills: [start, end) */
  range: { start: number; end: number };
  period: number;
}

export function evaluate(node: Node, host: MathHost, id: string): MathValue {
  const ev = (n: Node) => evaluate(n, host, id);
  switch (node.k) {
    case 'num':
      return node.v;
    case 'str':
      throw fail(id, 'A string is only allowed as an argument of a function.');
    case 'id':
      if (node.name === 'PERIOD') return host.period;
      return host.value(node.name);
    case 'neg':
      return map(ev(node.a), (v) => -v);
    case 'not':
      return map(ev(node.a), (v) => (v === 0 ? 1 : 0));
    case 'bin':
      return binary(node.op, ev(node.a), ev(node.b), id);
    case 'call':
      return call(node, host, id, ev);
  }
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '^': return a ** b;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case 'AND': return a !== 0 && b !== 0 ? 1 : 0;
    default: return a !== 0 || b !== 0 ? 1 : 0;
  }
}

function map(v: MathValue, f: (x: number) => number): MathValue {
  if (typeof v === 'number') return f(v);
  if (Array.isArray(v)) return v.map((s) => map(s, f) as TimeSeries);
  return { ...v, values: v.values.map(f) };
}

/** Two series combine where both have a point (timestamps matched). */
function zip(a: TimeSeries, b: TimeSeries, f: (x: number, y: number) => number): TimeSeries {
  const ts: number[] = [];
  const values: number[] = [];
  let j = 0;
  for (let i = 0; i < a.ts.length; i++) {
    while (j < b.ts.length && b.ts[j]! < a.ts[i]!) j++;
    if (j < b.ts.length && b.ts[j] === a.ts[i]) {
      ts.push(a.ts[i]!);
      values.push(f(a.values[i]!, b.values[j]!));
    }
  }
  return { label: a.label, ts, values, period: a.period };
}

function binary(op: string, a: MathValue, b: MathValue, id: string): MathValue {
  const f = (x: number, y: number) => apply(op, x, y);
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  if (typeof a === 'number') return map(b, (y) => f(a, y));
  if (typeof b === 'number') return map(a, (x) => f(x, b));
  if (Array.isArray(a) && Array.isArray(b)) throw fail(id, 'Two time series arrays cannot be combined.');
  if (Array.isArray(a)) return a.map((s) => zip(s, b as TimeSeries, f));
  if (Array.isArray(b)) return b.map((s) => zip(a, s, f));
  return zip(a, b, f);
}

function series(v: MathValue, id: string, fn: string): TimeSeries {
  if (typeof v === 'number' || Array.isArray(v)) throw fail(id, `${fn} expects a time series.`);
  return v;
}

function reduceAcross(list: TimeSeries[], fn: string, label: string): TimeSeries {
  const by = new Map<number, number[]>();
  for (const s of list) s.ts.forEach((t, i) => (by.get(t) ?? by.set(t, []).get(t)!).push(s.values[i]!));
  const ts = [...by.keys()].sort((x, y) => x - y);
  return { label, ts, values: ts.map((t) => reduceValues(by.get(t)!, fn)), period: list[0]?.period ?? 60 };
}

function reduceValues(v: number[], fn: string): number {
  switch (fn) {
    case 'SUM': return v.reduce((x, y) => x + y, 0);
    case 'AVG': return v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN;
    case 'MIN': return Math.min(...v);
    default: return Math.max(...v);
  }
}

function call(node: Extract<Node, { k: 'call' }>, host: MathHost, id: string, ev: (n: Node) => MathValue): MathValue {
  const { name, args } = node;
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max) throw fail(id, `${name} takes ${min === max ? min : `${min} to ${max}`} arguments.`);
  };
  const str = (n: Node | undefined, what: string): string => {
    if (n?.k !== 'str') throw fail(id, `${name} expects ${what} as a string.`);
    return n.v;
  };
  switch (name) {
    case 'METRICS':
      arity(0, 1);
      return host.metrics(args[0] ? str(args[0], 'a label filter') : undefined);
    case 'SEARCH': {
      arity(3);
      const period = ev(args[2]!);
      if (typeof period !== 'number') throw fail(id, 'SEARCH expects a period in seconds.');
      return host.search(str(args[0], 'a search expression'), str(args[1], 'a statistic'), period);
    }
    case 'SUM':
    case 'AVG':
    case 'MIN':
    case 'MAX': {
      arity(1);
      const v = ev(args[0]!);
      if (typeof v === 'number') return v;
      if (Array.isArray(v)) return reduceAcross(v, name, name);
      return v.values.length ? reduceValues(v.values, name) : NaN;
    }
    case 'ABS':
    case 'CEIL':
    case 'FLOOR': {
      arity(1);
      const f = name === 'ABS' ? Math.abs : name === 'CEIL' ? Math.ceil : Math.floor;
      return map(ev(args[0]!), f);
    }
    case 'RATE':
    case 'DIFF': {
      arity(1);
      const one = (s: TimeSeries): TimeSeries => {
        const ts: number[] = [];
        const values: number[] = [];
        for (let i = 1; i < s.ts.length; i++) {
          const d = s.values[i]! - s.values[i - 1]!;
          ts.push(s.ts[i]!);
          values.push(name === 'DIFF' ? d : d / ((s.ts[i]! - s.ts[i - 1]!) / 1000));
        }
        return { ...s, ts, values };
      };
      const v = ev(args[0]!);
      if (Array.isArray(v)) return v.map(one);
      return one(series(v, id, name));
    }
    case 'FILL': {
      arity(2);
      const v = ev(args[0]!);
      const how = args[1]!.k === 'id' && ['REPEAT', 'LINEAR'].includes((args[1] as { name: string }).name.toUpperCase()) ? (args[1] as { name: string }).name.toUpperCase() : ev(args[1]!);
      const one = (s: TimeSeries): TimeSeries => fill(s, how, host.range, id);
      if (Array.isArray(v)) return v.map(one);
      return one(series(v, id, name));
    }
    case 'ANOMALY_DETECTION_BAND': {
      arity(1, 2);
      const v = ev(args[0]!);
      const width = args[1] ? ev(args[1]) : 2;
      if (typeof width !== 'number') throw fail(id, 'ANOMALY_DETECTION_BAND expects a number of standard deviations.');
      return band(series(v, id, name), width);
    }
    case 'IF': {
      arity(2, 3);
      const cond = ev(args[0]!);
      const a = ev(args[1]!);
      const b = args[2] ? ev(args[2]) : undefined;
      if (typeof cond === 'number') return cond !== 0 ? a : (b ?? NaN);
      if (Array.isArray(cond)) throw fail(id, 'IF expects a single time series as its condition.');
      const ts: number[] = [];
      const values: number[] = [];
      const at = (x: MathValue | undefined, t: number): number | undefined => {
        if (x === undefined) return undefined;
        if (typeof x === 'number') return x;
        if (Array.isArray(x)) throw fail(id, 'IF expects single time series.');
        const k = x.ts.indexOf(t);
        return k >= 0 ? x.values[k] : undefined;
      };
      cond.ts.forEach((t, i) => {
        const r = cond.values[i] !== 0 ? at(a, t) : at(b, t);
        if (r !== undefined) {
          ts.push(t);
          values.push(r);
        }
      });
      return { ...cond, ts, values };
    }
    default:
      throw fail(id, `Unknown function ${name}.`);
  }
}

/**
 * The expected band of a series: CloudWatch trains a model on two weeks of the metric; here each point's band is
 * the mean ± `width` standard deviations of the points before it in the queried range (all points while fewer
 * than three came before). Returns [lower, upper].
 */
function band(s: TimeSeries, width: number): TimeSeries[] {
  const lower: number[] = [];
  const upper: number[] = [];
  let n = 0;
  let sum = 0;
  let sq = 0;
  const all = s.values.length;
  const allMean = all ? s.values.reduce((x, y) => x + y, 0) / all : 0;
  const allSd = all ? Math.sqrt(s.values.reduce((x, y) => x + (y - allMean) ** 2, 0) / all) : 0;
  for (const v of s.values) {
    const mean = n >= 3 ? sum / n : allMean;
    const sd = n >= 3 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : allSd;
    lower.push(mean - width * sd);
    upper.push(mean + width * sd);
    n++;
    sum += v;
    sq += v * v;
  }
  return [
    { ...s, label: `${s.label} (lower)`, values: lower },
    { ...s, label: `${s.label} (upper)`, values: upper },
  ];
}

function fill(s: TimeSeries, how: MathValue | string, range: { start: number; end: number }, id: string): TimeSeries {
  const step = s.period * 1000;
  const ts: number[] = [];
  const values: number[] = [];
  const known = new Map(s.ts.map((t, i) => [t, s.values[i]!]));
  let last: number | undefined;
  const first = range.start - (((range.start % step) + step) % step);
  for (let t = first; t < range.end; t += step) {
    const v = known.get(t);
    if (v !== undefined) {
      ts.push(t);
      values.push(v);
      last = v;
      continue;
    }
    let f: number | undefined;
    if (how === 'REPEAT') f = last;
    else if (how === 'LINEAR') {
      let prevIdx = -1;
      for (let q = 0; q < s.ts.length && s.ts[q]! < t; q++) prevIdx = q;
      const nextIdx = s.ts.findIndex((x) => x > t);
      if (prevIdx >= 0 && nextIdx >= 0) {
        const [t0, v0, t1, v1] = [s.ts[prevIdx]!, s.values[prevIdx]!, s.ts[nextIdx]!, s.values[nextIdx]!];
        f = v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
      }
    } else if (typeof how === 'number') f = how;
    else if (!Array.isArray(how) && typeof how === 'object') {
      const k = how.ts.indexOf(t);
      f = k >= 0 ? how.values[k] : undefined;
    } else throw fail(id, 'FILL expects a value, REPEAT or LINEAR.');
    if (f !== undefined) {
      ts.push(t);
      values.push(f);
    }
  }
  return { ...s, ts, values };
}
