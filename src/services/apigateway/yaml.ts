// The YAML OpenAPI documents use: block mappings and sequences, plain/quoted scalars, flow collections
// ([a, b], {a: b}), literal and folded blocks (| and >), comments. Enough for API definitions; not all of YAML.
// Also writes YAML (for GetExport with accepts application/yaml).

export class YamlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`${message} (line ${line})`);
  }
}

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (q) {
      if (ch === q) q = undefined;
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function scalar(raw: string, no: number): unknown {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return s === '' ? null : null;
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s);
    } catch {
      throw new YamlError('bad double-quoted string', no);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlError('bad single-quoted string', no);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('[') || s.startsWith('{')) return flow(s, no);
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return Number(s);
  return s;
}

/** Flow collections: [a, "b", {c: d}] */
function flow(s: string, no: number): unknown {
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    if (s[i] === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (s[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === ']') return i++, out;
        else throw new YamlError('bad flow sequence', no);
      }
    }
    if (s[i] === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (s[i] === '}') return i++, out;
      for (;;) {
        const k = String(atom(':'));
        if (s[i] !== ':') throw new YamlError('bad flow mapping', no);
        i++;
        out[k] = value();
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') return i++, out;
        else throw new YamlError('bad flow mapping', no);
      }
    }
    return atom(',]}');
  };
  const atom = (stops: string): unknown => {
    ws();
    if (s[i] === '"' || s[i] === "'") {
      const q = s[i]!;
      let j = i + 1;
      while (j < s.length && (s[j] !== q || (q === '"' && s[j - 1] === '\\'))) j++;
      const raw = s.slice(i, j + 1);
      i = j + 1;
      return scalar(raw, no);
    }
    let j = i;
    while (j < s.length && !stops.includes(s[j]!)) j++;
    const raw = s.slice(i, j);
    i = j;
    return scalar(raw, no);
  };
  const v = value();
  ws();
  if (i < s.length) throw new YamlError('unexpected characters after a flow collection', no);
  return v;
}

export function parseYaml(text: string): unknown {
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  const lines: Line[] = [];
  const blocks = new Map<number, string>();
  for (let n = 0; n < raw.length; n++) {
    const l = raw[n]!;
    if (/^\s*(#.*)?$/.test(l) || l.trim() === '---' || l.trim() === '...') continue;
    if (/\t/.test(l.match(/^\s*/)![0])) throw new YamlError('tabs are not allowed for indentation', n + 1);
    const indent = l.length - l.trimStart().length;
    const text = stripComment(l.trimStart());
    lines.push({ indent, text, no: n + 1 });
    // literal / folded block scalars: collect the more-indented lines that follow
    if (/(:|-)\s+[|>][+-]?$/.test(text) || /^[|>][+-]?$/.test(text)) {
      const body: string[] = [];
      let m = n + 1;
      let blockIndent = -1;
      for (; m < raw.length; m++) {
        const bl = raw[m]!;
        if (bl.trim() === '') {
          body.push('');
          continue;
        }
        const bi = bl.length - bl.trimStart().length;
        if (bi <= indent) break;
        if (blockIndent < 0) blockIndent = bi;
        body.push(bl.slice(Math.min(bi, blockIndent)));
      }
      while (body.length && body[body.length - 1] === '') body.pop();
      const folded = /[>][+-]?$/.test(text);
      const keep = /\+$/.test(text);
      const content = folded ? body.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ') : body.join('\n');
      blocks.set(lines.length - 1, /-$/.test(text) ? content : content + (keep || content ? '\n' : ''));
      n = m - 1;
    }
  }
  let pos = 0;
  const block = (indent: number): unknown => {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    const ind = first.indent;
    if (first.text.startsWith('- ') || first.text === '-') {
      const out: unknown[] = [];
      while (pos < lines.length && lines[pos]!.indent === ind && (lines[pos]!.text.startsWith('- ') || lines[pos]!.text === '-')) {
        const l = lines[pos]!;
        const rest = l.text.slice(1).trimStart();
        if (blocks.has(pos)) {
          out.push(blocks.get(pos));
          pos++;
        } else if (!rest) {
          pos++;
          out.push(block(ind + 1));
        } else if (/^[^"'[{][^:]*:(\s|$)|^["'][^"']*["']\s*:(\s|$)/.test(rest)) {
          // a mapping starting on the dash line: re-read it as a line indented past the dash
          lines[pos] = { indent: ind + (l.text.length - rest.length), text: rest, no: l.no };
          out.push(block(lines[pos]!.indent));
        } else {
          out.push(scalar(rest, l.no));
          pos++;
        }
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    while (pos < lines.length && lines[pos]!.indent === ind) {
      const l = lines[pos]!;
      const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:]+?)\s*:(?:\s+(.*))?$/.exec(l.text);
      if (!m) throw new YamlError(`expected a "key: value" line, found "${l.text}"`, l.no);
      const key = String(m[1]!.startsWith('"') || m[1]!.startsWith("'") ? scalar(m[1]!, l.no) : m[1]!.trim());
      const rest = m[2];
      if (blocks.has(pos)) {
        out[key] = blocks.get(pos);
        pos++;
      } else if (rest === undefined || rest === '') {
        pos++;
        const next = lines[pos];
        out[key] = next && (next.indent > ind || (next.indent === ind && next.text.startsWith('-'))) ? block(next.indent) : null;
      } else {
        out[key] = scalar(rest, l.no);
        pos++;
      }
    }
    if (pos < lines.length && lines[pos]!.indent > ind) throw new YamlError('bad indentation', lines[pos]!.no);
    return out;
  };
  if (!lines.length) return null;
  if (lines.length === 1 && !/:(\s|$)/.test(lines[0]!.text) && !lines[0]!.text.startsWith('-')) return scalar(lines[0]!.text, lines[0]!.no);
  const v = block(lines[0]!.indent);
  if (pos < lines.length) throw new YamlError('unexpected content', lines[pos]!.no);
  return v;
}

function quote(s: string): string {
  if (s === '' || /^[\s]|[\s]$|^[-?:,[\]{}#&*!|>'"%@`]|: |\s#|^(true|false|null|~|yes|no)$|^-?\d/i.test(s) || /[\n\t]/.test(s)) return JSON.stringify(s);
  return s;
}

export function toYaml(v: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (!v.length) return '[]\n';
    return v
      .map((x) => {
        if (x && typeof x === 'object' && Object.keys(x).length) {
          const inner = toYaml(x, indent + 2);
          return `${pad}- ${inner.slice(indent + 2)}`;
        }
        return `${pad}- ${toYaml(x, indent + 2).trimStart()}`;
      })
      .join('');
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (!entries.length) return '{}\n';
    return entries
      .map(([k, x]) => {
        if (x && typeof x === 'object' && (Array.isArray(x) ? x.length : Object.keys(x).length)) return `${pad}${quote(k)}:\n${toYaml(x, indent + 2)}`;
        return `${pad}${quote(k)}: ${toYaml(x, indent + 2).trimStart()}`;
      })
      .join('');
  }
  if (typeof v === 'string') return `${quote(v)}\n`;
  return `${v === null ? 'null' : String(v)}\n`;
}
