// Expressions and references of Velocity templates: `$a.b.m(x)[0]`, literals (strings, numbers, booleans,
// lists, ranges, maps), comparison, arithmetic and logical operators. The template parser extends this.
import { VtlError, type Expr, type Node, type RefExpr, type Step } from './ast.js';

const ID_START = /[a-zA-Z_]/;
export const ID = /[a-zA-Z0-9_]/;

export abstract class ExpressionParser {
  protected pos = 0;

  constructor(protected readonly src: string) {}

  /** Parses the template inside a double-quoted string. */
  protected abstract parseNested(src: string): Node[];

  fail(message: string, at = this.pos): never {
    const before = this.src.slice(0, at);
    const line = before.split('\n').length;
    throw new VtlError(message, line, at - before.lastIndexOf('\n'));
  }


  protected ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  protected expect(ch: string): void {
    if (this.src[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  protected ident(): string | undefined {
    if (!ID_START.test(this.src[this.pos] ?? '')) return undefined;
    const start = this.pos;
    while (ID.test(this.src[this.pos] ?? '')) this.pos++;
    return this.src.slice(start, this.pos);
  }

  /** A reference at `$`; in text a `$` not followed by a name is literal (undefined, position unchanged). */
  tryRef(inExpr: boolean): RefExpr | undefined {
    const start = this.pos;
    this.pos++;
    let quiet = false;
    if (this.src[this.pos] === '!') {
      quiet = true;
      this.pos++;
    }
    const braced = this.src[this.pos] === '{';
    if (braced) this.pos++;
    const name = this.ident();
    if (!name) {
      this.pos = start;
      return undefined;
    }
    const steps: Step[] = [];
    for (;;) {
      const c = this.src[this.pos];
      if (c === '.' && ID_START.test(this.src[this.pos + 1] ?? '')) {
        this.pos++;
        const prop = this.ident()!;
        if (this.src[this.pos] === '(') {
          this.pos++;
          steps.push({ kind: 'call', name: prop, args: this.args(')') });
        } else steps.push({ kind: 'prop', name: prop });
        continue;
      }
      if (c === '[') {
        this.pos++;
        const expr = this.expr();
        this.ws();
        this.expect(']');
        steps.push({ kind: 'index', expr });
        continue;
      }
      break;
    }
    if (braced) {
      if (this.src[this.pos] !== '}') {
        if (inExpr) this.fail("expected '}'");
        this.pos = start;
        return undefined;
      }
      this.pos++;
    }
    return { type: 'ref', name, steps, quiet, source: this.src.slice(start, this.pos) };
  }

  protected args(close: string): Expr[] {
    const out: Expr[] = [];
    this.ws();
    if (this.src[this.pos] === close) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.expr());
      this.ws();
      if (this.src[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect(close);
      return out;
    }
  }

  // expressions: or > and > comparison > additive > multiplicative > unary > primary
  expr(): Expr {
    let left = this.and();
    for (;;) {
      this.ws();
      if (this.word('||') || this.word('or')) left = { type: 'binary', op: '||', left, right: this.and() };
      else return left;
    }
  }

  protected word(w: string): boolean {
    if (this.src.startsWith(w, this.pos)) {
      const after = this.src[this.pos + w.length] ?? '';
      if (/[a-z]/.test(w[0]!) && ID.test(after)) return false;
      this.pos += w.length;
      return true;
    }
    return false;
  }

  protected and(): Expr {
    let left = this.comparison();
    for (;;) {
      this.ws();
      if (this.word('&&') || this.word('and')) left = { type: 'binary', op: '&&', left, right: this.comparison() };
      else return left;
    }
  }

  protected comparison(): Expr {
    const left = this.additive();
    this.ws();
    const ops: [string, string][] = [['==', '=='], ['!=', '!='], ['<=', '<='], ['>=', '>='], ['<', '<'], ['>', '>'], ['eq', '=='], ['ne', '!='], ['le', '<='], ['ge', '>='], ['lt', '<'], ['gt', '>']];
    for (const [tok, op] of ops) if (this.word(tok)) return { type: 'binary', op, left, right: this.additive() };
    return left;
  }

  protected additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      this.ws();
      const c = this.src[this.pos];
      if (c === '+' || (c === '-' && this.src[this.pos + 1] !== '-')) {
        this.pos++;
        left = { type: 'binary', op: c, left, right: this.multiplicative() };
      } else return left;
    }
  }

  protected multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      this.ws();
      const c = this.src[this.pos];
      if (c === '*' || c === '/' || c === '%') {
        this.pos++;
        left = { type: 'binary', op: c, left, right: this.unary() };
      } else return left;
    }
  }

  protected unary(): Expr {
    this.ws();
    if (this.src[this.pos] === '!' && this.src[this.pos + 1] !== '=') {
      this.pos++;
      return { type: 'unary', op: '!', expr: this.unary() };
    }
    if (this.word('not')) return { type: 'unary', op: '!', expr: this.unary() };
    if (this.src[this.pos] === '-' && !/\d/.test(this.src[this.pos + 1] ?? '')) {
      this.pos++;
      return { type: 'unary', op: '-', expr: this.unary() };
    }
    return this.primary();
  }

  protected primary(): Expr {
    this.ws();
    const c = this.src[this.pos];
    if (c === '$') {
      const r = this.tryRef(true);
      if (!r) this.fail('expected a reference');
      return r;
    }
    if (c === '(') {
      this.pos++;
      const e = this.expr();
      this.ws();
      this.expect(')');
      return e;
    }
    if (c === "'" || c === '"') return this.string(c);
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.src.slice(this.pos, this.pos + 40));
    if (num) {
      this.pos += num[0].length;
      return { type: 'literal', value: Number(num[0]) };
    }
    if (c === '[') {
      this.pos++;
      this.ws();
      if (this.src[this.pos] === ']') {
        this.pos++;
        return { type: 'list', items: [] };
      }
      const first = this.expr();
      this.ws();
      if (this.src.startsWith('..', this.pos)) {
        this.pos += 2;
        const to = this.expr();
        this.ws();
        this.expect(']');
        return { type: 'range', from: first, to };
      }
      const items = [first];
      while (this.src[this.pos] === ',') {
        this.pos++;
        items.push(this.expr());
        this.ws();
      }
      this.expect(']');
      return { type: 'list', items };
    }
    if (c === '{') {
      this.pos++;
      const entries: [Expr, Expr][] = [];
      this.ws();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return { type: 'map', entries };
      }
      for (;;) {
        const k = this.expr();
        this.ws();
        this.expect(':');
        const v = this.expr();
        entries.push([k, v]);
        this.ws();
        if (this.src[this.pos] === ',') {
          this.pos++;
          continue;
        }
        this.expect('}');
        return { type: 'map', entries };
      }
    }
    if (this.word('true')) return { type: 'literal', value: true };
    if (this.word('false')) return { type: 'literal', value: false };
    if (this.word('null')) return { type: 'literal', value: null };
    this.fail('unexpected input in expression');
  }

  /** 'single' is literal; "double" interpolates references and directives. */
  protected string(q: string): Expr {
    const start = ++this.pos;
    let i = start;
    while (i < this.src.length && this.src[i] !== q) i++;
    if (i >= this.src.length) this.fail('unterminated string', start - 1);
    this.pos = i + 1;
    const raw = this.src.slice(start, i);
    if (q === "'" || !/[$#]/.test(raw)) return { type: 'literal', value: raw };
    return { type: 'interp', nodes: this.parseNested(raw) };
  }
}
