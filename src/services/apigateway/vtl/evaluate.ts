// Renders a parsed template against variables, as Velocity 1.7 does (null references render as written,
// `#set` to null leaves the variable as it was, integer arithmetic stays integral).
import { VtlError, type Expr, type Node, type RefExpr } from './ast.js';
import { callBuiltin, equals, HostObject, isMap, property, toText, truthy } from './values.js';

class Stop {}
class Break {}

const MAX_ITERATIONS = 100_000;
const MAX_OUTPUT = 10 * 1024 * 1024;

export class Renderer {
  private out: string[] = [];
  private size = 0;
  private iterations = 0;

  constructor(readonly vars: Map<string, unknown>) {}

  render(nodes: Node[]): string {
    try {
      this.nodes(nodes);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    return this.out.join('');
  }

  private emit(s: string): void {
    this.size += s.length;
    if (this.size > MAX_OUTPUT) throw new VtlError('template output too large', 0, 0);
    this.out.push(s);
  }

  private nodes(nodes: Node[]): void {
    for (const n of nodes) this.node(n);
  }

  private node(n: Node): void {
    switch (n.type) {
      case 'text':
        this.emit(n.text);
        return;
      case 'ref': {
        const v = this.ref(n.ref);
        if (v === null || v === undefined) {
          if (!n.ref.quiet) this.emit(n.ref.source);
        } else this.emit(toText(v));
        return;
      }
      case 'set': {
        const v = this.expr(n.value);
        if (v === null || v === undefined) return;
        this.assign(n.target, v);
        return;
      }
      case 'if': {
        for (const b of n.branches) {
          if (truthy(this.expr(b.cond))) return this.nodes(b.body);
        }
        if (n.otherwise) this.nodes(n.otherwise);
        return;
      }
      case 'foreach':
        return this.foreach(n);
      case 'break':
        throw new Break();
      case 'stop':
        throw new Stop();
    }
  }

  private foreach(n: Extract<Node, { type: 'foreach' }>): void {
    const it = this.expr(n.iterable);
    const items: unknown[] = Array.isArray(it) ? it : isMap(it) ? Object.values(it) : it === null || it === undefined ? [] : [it];
    const saved = { v: this.vars.get(n.variable), f: this.vars.get('foreach'), c: this.vars.get('velocityCount'), had: this.vars.has(n.variable) };
    try {
      for (let i = 0; i < items.length; i++) {
        if (++this.iterations > MAX_ITERATIONS) throw new VtlError('too many #foreach iterations', 0, 0);
        this.vars.set(n.variable, items[i]);
        this.vars.set('foreach', { index: i, count: i + 1, hasNext: i < items.length - 1, first: i === 0, last: i === items.length - 1 });
        this.vars.set('velocityCount', i + 1);
        try {
          this.nodes(n.body);
        } catch (e) {
          if (e instanceof Break) break;
          throw e;
        }
      }
    } finally {
      if (saved.had) this.vars.set(n.variable, saved.v);
      else this.vars.delete(n.variable);
      this.vars.set('foreach', saved.f);
      this.vars.set('velocityCount', saved.c);
    }
  }

  private assign(target: RefExpr, v: unknown): void {
    if (!target.steps.length) {
      this.vars.set(target.name, v);
      return;
    }
    const owner = this.chain(this.vars.get(target.name), target.steps.slice(0, -1));
    const last = target.steps[target.steps.length - 1]!;
    const key = last.kind === 'prop' ? last.name : last.kind === 'index' ? this.expr(last.expr) : undefined;
    if (key === undefined) return;
    if (Array.isArray(owner) && typeof key === 'number') owner[key] = v;
    else if (isMap(owner)) owner[toText(key)] = v;
  }

  ref(r: RefExpr): unknown {
    return this.chain(this.vars.get(r.name), r.steps);
  }

  private chain(base: unknown, steps: RefExpr['steps']): unknown {
    let v = base;
    for (const s of steps) {
      if (v === null || v === undefined) return undefined;
      if (s.kind === 'prop') v = property(v, s.name);
      else if (s.kind === 'index') {
        const k = this.expr(s.expr);
        v = Array.isArray(v) ? v[Number(k) < 0 ? v.length + Number(k) : Number(k)] : isMap(v) ? v[toText(k)] : property(v, toText(k));
      } else {
        const args = s.args.map((a) => this.expr(a));
        if (v instanceof HostObject) {
          const fn = (v as unknown as Record<string, unknown>)[s.name];
          v = typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).apply(v, args) : undefined;
        } else {
          const r = callBuiltin(v, s.name, args);
          v = r.found ? r.value : undefined;
        }
      }
    }
    return v;
  }

  expr(e: Expr): unknown {
    switch (e.type) {
      case 'literal':
        return e.value;
      case 'ref':
        return this.ref(e);
      case 'interp':
        return new Renderer(this.vars).render(e.nodes);
      case 'list':
        return e.items.map((i) => this.expr(i));
      case 'range': {
        const from = Number(this.expr(e.from));
        const to = Number(this.expr(e.to));
        if (!Number.isFinite(from) || !Number.isFinite(to) || Math.abs(to - from) > MAX_ITERATIONS) return [];
        const out: number[] = [];
        for (let i = from; from <= to ? i <= to : i >= to; i += from <= to ? 1 : -1) out.push(i);
        return out;
      }
      case 'map': {
        const m: Record<string, unknown> = {};
        for (const [k, v] of e.entries) m[toText(this.expr(k))] = this.expr(v);
        return m;
      }
      case 'unary': {
        const v = this.expr(e.expr);
        return e.op === '!' ? !truthy(v) : typeof v === 'number' ? -v : undefined;
      }
      case 'binary':
        return this.binary(e.op, e.left, e.right);
    }
  }

  private binary(op: string, le: Expr, re: Expr): unknown {
    if (op === '&&') return truthy(this.expr(le)) && truthy(this.expr(re));
    if (op === '||') return truthy(this.expr(le)) || truthy(this.expr(re));
    const a = this.expr(le);
    const b = this.expr(re);
    switch (op) {
      case '==': return equals(a, b);
      case '!=': return !equals(a, b);
      case '<': case '>': case '<=': case '>=': {
        const x = typeof a === 'number' && typeof b === 'number' ? [a, b] : typeof a === 'string' && typeof b === 'string' ? [a, b] : [Number(a), Number(b)];
        const [l, r] = x as [number, number];
        return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
      }
      case '+':
        if (typeof a === 'string' || typeof b === 'string') return toText(a) + toText(b);
        return typeof a === 'number' && typeof b === 'number' ? a + b : undefined;
    }
    if (typeof a !== 'number' || typeof b !== 'number') return undefined;
    const ints = Number.isInteger(a) && Number.isInteger(b);
    switch (op) {
      case '-': return a - b;
      case '*': return a * b;
      case '/': return b === 0 ? undefined : ints ? Math.trunc(a / b) : a / b;
      case '%': return b === 0 ? undefined : a % b;
    }
    return undefined;
  }
}
