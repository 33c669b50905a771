// Space-delimited filter patterns: [ip, user, ..., status = 4* || status = 5*, bytes > 1000]. Events split
// into fields on spaces; "quoted" and [bracketed] runs are one field each.
import type { FilterPattern } from './filter-pattern.js';
import { compare, invalid, type Op, OPS, tokenize, valueOf } from './pattern-values.js';

interface Slot {
  ellipsis: boolean;
  name?: string;
  /** conditions on this field, in DNF: any group whose conditions all hold */
  test?: (value: string) => boolean;
}

export function compileSpaceDelimited(text: string): FilterPattern {
  const toks = tokenize(text, true);
  let pos = 0;
  const take = () => toks[pos++];
  const peek = () => toks[pos];
  if (take()?.v !== '[') throw invalid("expected '['");
  const slots: Slot[] = [];
  let index = 0;
  for (;;) {
    const t = take();
    if (!t) throw invalid("expected ']'");
    if (t.t === 'punct' && t.v === ']' && slots.length === 0) break;
    if (t.t !== 'word') throw invalid(`unexpected '${t.v}'`);
    index++;
    if (t.v === '...') slots.push({ ellipsis: true });
    else {
      const name = t.v;
      let test: Slot['test'];
      if (peek()?.t === 'punct' && OPS.has(peek()!.v)) {
        const groups: ((v: string) => boolean)[][] = [[]];
        const cond = () => {
          const op = take()!.v as Op;
          const value = valueOf(take());
          groups[groups.length - 1]!.push((v) => compare(v, op, value));
        };
        cond();
        while (peek()?.t === 'punct' && (peek()!.v === '&&' || peek()!.v === '||')) {
          const joiner = take()!.v;
          const n = take();
          if (n?.t !== 'word' || n.v !== name) throw invalid(`a condition in field ${index} must name ${name}`);
          if (joiner === '||') groups.push([]);
          if (!(peek()?.t === 'punct' && OPS.has(peek()!.v))) throw invalid(`expected an operator after ${name}`);
          cond();
        }
        test = (v) => groups.some((g) => g.every((c) => c(v)));
      }
      slots.push({ ellipsis: false, name, test });
    }
    const sep = take();
    if (sep?.t === 'punct' && sep.v === ',') continue;
    if (sep?.t === 'punct' && sep.v === ']') break;
    throw invalid("expected ',' or ']'");
  }
  if (pos !== toks.length) throw invalid("unexpected text after ']'");
  return {
    kind: 'space',
    match(message) {
      const fields = splitFields(message);
      const extracted: Record<string, string> = {};
      return matchSlots(slots, 0, fields, 0, extracted) ? { extracted } : undefined;
    },
  };
}

/** Splits an event into fields on spaces; "quoted" and [bracketed] runs are one field each, without the delimiters. */
export function splitFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  const s = message;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    const close = s[i] === '"' ? '"' : s[i] === '[' ? ']' : undefined;
    if (close) {
      const j = s.indexOf(close, i + 1);
      if (j >= 0) {
        out.push(s.slice(i + 1, j));
        i = j + 1;
        continue;
      }
    }
    let j = i;
    while (j < s.length && s[j] !== ' ' && s[j] !== '\t') j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function matchSlots(slots: Slot[], si: number, fields: string[], fi: number, extracted: Record<string, string>): boolean {
  if (si === slots.length) return fi === fields.length;
  const slot = slots[si]!;
  if (slot.ellipsis) {
    for (let k = fi; k <= fields.length; k++) if (matchSlots(slots, si + 1, fields, k, extracted)) return true;
    return false;
  }
  if (fi >= fields.length) return false;
  const value = fields[fi]!;
  if (slot.test && !slot.test(value)) return false;
  if (!matchSlots(slots, si + 1, fields, fi + 1, extracted)) return false;
  if (slot.name) extracted[`$${slot.name}`] = value;
  return true;
}
