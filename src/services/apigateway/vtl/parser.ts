// Parses Velocity templates: text with $references (`$a.b`, `$a.m(x)`, `$a[0]`, `${a}`, `$!a`, `$!{a}`) and
// directives (#set, #if/#elseif/#else/#end, #foreach/#break, #stop, `##` and `#* *#` comments, `#[[raw]]#`).
// A line holding only a directive leaves nothing in the output (its indentation and newline are dropped).
import type { Expr, Node } from './ast.js';
import { ExpressionParser } from './expressions.js';

const BLOCK_END = new Set(['end', 'else', 'elseif']);

export class Parser extends ExpressionParser {
  static parse(src: string): Node[] {
    const p = new Parser(src);
    const { nodes, end } = p.block();
    if (end) p.fail(`#${end} without an opening directive`);
    return nodes;
  }

  protected parseNested(src: string): Node[] {
    return Parser.parse(src);
  }

  private block(): { nodes: Node[]; end?: string } {
    const nodes: Node[] = [];
    let text = '';
    const flush = () => {
      if (text) nodes.push({ type: 'text', text });
      text = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '$') {
        const ref = this.tryRef(false);
        if (ref) {
          flush();
          nodes.push({ type: 'ref', ref });
        } else text += this.src[this.pos++];
        continue;
      }
      if (c === '#') {
        const start = this.pos;
        const next = this.src[this.pos + 1];
        if (next === '#') {
          // line comment: up to and including the newline
          const nl = this.src.indexOf('\n', this.pos);
          text = this.gobbleBefore(text, start);
          this.pos = nl < 0 ? this.src.length : nl + 1;
          continue;
        }
        if (next === '*') {
          const close = this.src.indexOf('*#', this.pos + 2);
          if (close < 0) this.fail('unterminated comment');
          this.pos = close + 2;
          if (this.lineOnly(start)) text = this.gobbleAfter(text, start);
          continue;
        }
        if (next === '[' && this.src[this.pos + 2] === '[') {
          const close = this.src.indexOf(']]#', this.pos + 3);
          if (close < 0) this.fail('unterminated #[[ ]]#');
          text += this.src.slice(this.pos + 3, close);
          this.pos = close + 3;
          continue;
        }
        const name = this.directiveName();
        if (!name) {
          text += this.src[this.pos++];
          continue;
        }
        if (BLOCK_END.has(name.name)) {
          const alone = this.lineOnly(start);
          this.pos = name.after;
          if (alone) text = name.name === 'elseif' ? text.replace(/[ \t]*$/, '') : this.gobbleAfter(text, start);
          flush();
          return { nodes, end: name.name };
        }
        this.pos = name.after;
        const node = this.directive(name.name, start);
        if (!node) {
          this.pos = start;
          text += this.src[this.pos++];
          continue;
        }
        if (node.alone) text = text.replace(/[ \t]*$/, '');
        flush();
        if (node.node) nodes.push(node.node);
        continue;
      }
      text += c;
      this.pos++;
    }
    flush();
    return { nodes };
  }

  /** Is the directive starting at `start` alone on its line so far (only blanks before it)? */
  private lineOnly(start: number): boolean {
    for (let i = start - 1; i >= 0; i--) {
      const ch = this.src[i];
      if (ch === '\n') return true;
      if (ch !== ' ' && ch !== '\t') return false;
    }
    return true;
  }

  /** After a directive alone on its line: drops trailing blanks and the newline when nothing else follows. */
  private gobbleAfter(text: string, start: number): string {
    let i = this.pos;
    while (this.src[i] === ' ' || this.src[i] === '\t') i++;
    if (i >= this.src.length || this.src[i] === '\n' || (this.src[i] === '\r' && this.src[i + 1] === '\n')) {
      this.pos = i >= this.src.length ? i : this.src[i] === '\r' ? i + 2 : i + 1;
      return this.lineOnly(start) ? text.replace(/[ \t]*$/, '') : text;
    }
    return text;
  }

  /** Drops blanks and the newline after a directive when nothing else follows it on its line. */
  private gobbleLine(): boolean {
    let i = this.pos;
    while (this.src[i] === ' ' || this.src[i] === '\t') i++;
    if (i >= this.src.length) this.pos = i;
    else if (this.src[i] === '\n') this.pos = i + 1;
    else if (this.src[i] === '\r' && this.src[i + 1] === '\n') this.pos = i + 2;
    else return false;
    return true;
  }

  private gobbleBefore(text: string, start: number): string {
    return this.lineOnly(start) ? text.replace(/[ \t]*$/, '') : text;
  }

  private directiveName(): { name: string; after: number } | undefined {
    let i = this.pos + 1;
    const braced = this.src[i] === '{';
    if (braced) i++;
    const m = /^[a-zA-Z]+/.exec(this.src.slice(i, i + 20));
    if (!m) return undefined;
    let name = m[0];
    // `#elseif` vs `#else`: take the longest known directive that is a prefix
    for (const known of ['elseif', 'else', 'end', 'set', 'if', 'foreach', 'break', 'stop']) {
      if (name.startsWith(known) && (known.length === name.length || ['else', 'end'].includes(known))) {
        name = known;
        break;
      }
    }
    if (!['elseif', 'else', 'end', 'set', 'if', 'foreach', 'break', 'stop'].includes(name)) return undefined;
    i += name.length;
    if (braced) {
      if (this.src[i] !== '}') return undefined;
      i++;
    }
    return { name, after: i };
  }

  /** A directive after its name; the node, and whether it stood alone on its line (then gobbled). */
  private directive(name: string, start: number): { node?: Node; alone: boolean } | undefined {
    const finish = () => this.lineOnly(start) && this.gobbleLine();
    switch (name) {
      case 'set': {
        this.expect('(');
        this.ws();
        const target = this.tryRef(true);
        if (!target) this.fail('#set needs a reference');
        this.ws();
        this.expect('=');
        const value = this.expr();
        this.ws();
        this.expect(')');
        return { node: { type: 'set', target, value }, alone: finish() };
      }
      case 'if': {
        const branches: { cond: Expr; body: Node[] }[] = [];
        let cond = this.condition();
        const alone = finish();
        for (;;) {
          const { nodes, end } = this.block();
          if (!end) this.fail('#if without #end', start);
          if (end === 'elseif') {
            branches.push({ cond, body: nodes });
            cond = this.condition();
            this.gobbleAfterCondition();
            continue;
          }
          branches.push({ cond, body: nodes });
          if (end === 'else') {
            const rest = this.block();
            if (rest.end !== 'end') this.fail('#else without #end', start);
            return { node: { type: 'if', branches, otherwise: rest.nodes }, alone };
          }
          return { node: { type: 'if', branches }, alone };
        }
      }
      case 'foreach': {
        this.expect('(');
        this.ws();
        const v = this.tryRef(true);
        if (!v || v.steps.length) this.fail('#foreach needs a variable');
        this.ws();
        if (this.src.slice(this.pos, this.pos + 2) !== 'in') this.fail('#foreach needs "in"');
        this.pos += 2;
        const iterable = this.expr();
        this.ws();
        this.expect(')');
        const alone = finish();
        const { nodes, end } = this.block();
        if (end !== 'end') this.fail('#foreach without #end', start);
        return { node: { type: 'foreach', variable: v.name, iterable, body: nodes }, alone };
      }
      case 'break':
        return { node: { type: 'break' }, alone: finish() };
      case 'stop':
        return { node: { type: 'stop' }, alone: finish() };
    }
    return undefined;
  }

  private condition(): Expr {
    this.ws();
    this.expect('(');
    const e = this.expr();
    this.ws();
    this.expect(')');
    return e;
  }

  /** `#elseif(...)` alone on its line: drop the rest of the line. */
  private gobbleAfterCondition(): void {
    let i = this.pos;
    while (this.src[i] === ' ' || this.src[i] === '\t') i++;
    if (this.src[i] === '\n') this.pos = i + 1;
    else if (this.src[i] === '\r' && this.src[i + 1] === '\n') this.pos = i + 2;
  }

}
