// Example strings for the models' patterns: a small parser of the regex subset AWS models use (literals,
// escapes, classes, groups, alternation, quantifiers) that builds the shortest match, then grows one
// repeatable atom to reach a wanted length. Results are checked against the real RegExp by the caller.

type Node =
  | { t: 'char'; chars: string } // one character out of `chars` (the first is used)
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number };

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const PREFERRED = 'abcxyzABC0123456789-_./:';

function classOf(escape: string): string {
  switch (escape) {
    case 'd':
      return '0123456789';
    case 'w':
      return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
    case 's':
      return ' \t';
    case 'S':
    case 'W':
    case 'D':
      return escape === 'D' ? 'a' : escape === 'W' ? '-' : 'a';
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    default:
      return escape;
  }
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const n = this.alt();
    return n;
  }

  private alt(): Node {
    const options = [this.seq()];
    while (this.s[this.i] === '|') {
      this.i++;
      options.push(this.seq());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private seq(): Node {
    const items: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      let atom = this.atom();
      if (!atom) continue;
      atom = this.quantified(atom);
      items.push(atom);
    }
    return { t: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const c = this.s[this.i];
    let min = 1;
    let max = 1;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min;
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.s[this.i] === '?' || this.s[this.i] === '+') this.i++; // lazy / possessive
    return { t: 'rep', node: atom, min, max };
  }

  private escape(): string {
    const c = this.s[this.i++]!;
    if (c === 'u') {
      const m = /^\{?([0-9a-fA-F]{4,6})\}?/.exec(this.s.slice(this.i));
      if (m) {
        this.i += m[0].length;
        return String.fromCodePoint(Math.min(parseInt(m[1]!.slice(0, 4), 16), 0xffff));
      }
    }
    if (c === 'x') {
      const m = /^[0-9a-fA-F]{2}/.exec(this.s.slice(this.i));
      if (m) {
        this.i += 2;
        return String.fromCharCode(parseInt(m[0], 16));
      }
    }
    if (c === 'p' || c === 'P') {
      const m = /^\{[^}]*\}/.exec(this.s.slice(this.i));
      if (m) this.i += m[0].length;
      return c === 'p' ? 'a' : '-';
    }
    return classOf(c);
  }

  private atom(): Node | undefined {
    const c = this.s[this.i++]!;
    switch (c) {
      case '^':
      case '$':
        return undefined;
      case '(': {
        if (this.s[this.i] === '?') {
          const m = /^\?(:|=|!|<[a-zA-Z]\w*>|<=|<!)/.exec(this.s.slice(this.i));
          if (m) this.i += m[0].length;
        }
        const inner = this.alt();
        this.i++; // ')'
        return inner;
      }
      case '[':
        return this.charClass();
      case '.':
        return { t: 'char', chars: 'a' };
      case '\\': {
        const e = this.escape();
        return { t: 'char', chars: e };
      }
      default:
        return { t: 'char', chars: c };
    }
  }

  private charClass(): Node {
    let negate = false;
    if (this.s[this.i] === '^') {
      negate = true;
      this.i++;
    }
    let set = '';
    let first = true;
    while (this.i < this.s.length && (this.s[this.i] !== ']' || first)) {
      first = false;
      let from: string;
      if (this.s[this.i] === '\\') {
        this.i++;
        from = this.escape();
        if (from.length > 1) {
          set += from;
          continue;
        }
      } else if (this.s[this.i] === '[') {
        // nested class (Java union): read it as part of this one
        this.i++;
        continue;
      } else from = this.s[this.i++]!;
      if (this.s[this.i] === '-' && this.s[this.i + 1] !== ']' && this.i + 1 < this.s.length) {
        this.i++;
        let to: string;
        if (this.s[this.i] === '\\') {
          this.i++;
          to = this.escape();
        } else to = this.s[this.i++]!;
        const a = from.codePointAt(0)!;
        const b = Math.min(to.codePointAt(0)!, a + 200);
        for (let cp = a; cp <= b; cp++) set += String.fromCodePoint(cp);
      } else set += from;
    }
    this.i++; // ']'
    if (negate) set = [...PRINTABLE].filter((ch) => !set.includes(ch)).join('');
    const preferred = [...PREFERRED].filter((ch) => set.includes(ch)).join('');
    return { t: 'char', chars: preferred + set };
  }
}

function shortest(n: Node): string {
  switch (n.t) {
    case 'char':
      return n.chars[0] ?? '';
    case 'seq':
      return n.items.map(shortest).join('');
    case 'alt':
      return n.options.map(shortest).sort((a, b) => a.length - b.length)[0] ?? '';
    case 'rep':
      return shortest(n.node).repeat(n.min);
  }
}

/** The repetitions that may grow (quantifiers with room above their minimum), in order. */
function growable(n: Node, out: Extract<Node, { t: 'rep' }>[] = []): Extract<Node, { t: 'rep' }>[] {
  if (n.t === 'seq') n.items.forEach((i) => growable(i, out));
  else if (n.t === 'alt') {
    const best = n.options.map((o) => [o, shortest(o).length] as const).sort((a, b) => a[1] - b[1])[0];
    if (best) growable(best[0], out);
  } else if (n.t === 'rep') {
    if (n.max > n.min) out.push(n);
    if (n.min > 0) growable(n.node, out);
  }
  return out;
}

function render(n: Node, extra: Map<Node, number>): string {
  switch (n.t) {
    case 'char':
      return n.chars[0] ?? '';
    case 'seq':
      return n.items.map((i) => render(i, extra)).join('');
    case 'alt': {
      const best = n.options.map((o) => [o, shortest(o).length] as const).sort((a, b) => a[1] - b[1])[0];
      return best ? render(best[0], extra) : '';
    }
    case 'rep': {
      const count = n.min + (extra.get(n) ?? 0);
      return Array.from({ length: count }, () => render(n.node, extra)).join('');
    }
  }
}

/** Strings that should match `pattern` with exactly `length` characters (to be checked by the caller). */
export function regexExamples(pattern: string, length: number): string[] {
  let root: Node;
  try {
    root = new Parser(pattern).parse();
  } catch {
    return [];
  }
  const base = shortest(root);
  const out: string[] = [];
  if ([...base].length === length) out.push(base);
  const missing = length - [...base].length;
  if (missing > 0) {
    for (const rep of growable(root)) {
      const unit = [...shortest(rep.node)].length;
      if (unit === 0 || missing % unit !== 0) continue;
      const times = missing / unit;
      if (rep.min + times > rep.max) continue;
      out.push(render(root, new Map([[rep, times]])));
      if (out.length >= 4) break;
    }
  }
  return out;
}
