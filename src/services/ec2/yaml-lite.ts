// The part of YAML that cloud-config files use: block mappings and sequences by indentation, sequences of
// mappings (`- path: …`), block scalars (| and >, with - / + chomping), flow sequences of scalars
// ([a, "b c"]), single- and double-quoted scalars, comments, and true/false/null/numbers. Anchors, tags,
// flow mappings and multi-document streams are not supported (a clear error names the line).

export type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

interface Line {
  n: number;
  indent: number;
  text: string;
}

export class YamlError extends Error {}

/** Strips a comment that starts with ' #' outside quotes. */
function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (q) {
      if (ch === '\\' && q === '"') i++;
      else if (ch === q) q = undefined;
    } else if (ch === '"' || ch === "'") {
      if (i === 0 || /[\s:[,-]/.test(s[i - 1]!)) q = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function scalar(raw: string, n: number): Yaml {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return s === '' ? '' : null;
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new YamlError(`line ${n}: unterminated double-quoted string`);
    return s.slice(1, -1).replace(/\\(["\\/nrt0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})/g, (_, e: string) =>
      e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '0' ? '\0' : e[0] === 'x' || e[0] === 'u' ? String.fromCharCode(parseInt(e.slice(1), 16)) : e,
    );
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new YamlError(`line ${n}: unterminated single-quoted string`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new YamlError(`line ${n}: unterminated flow sequence`);
    const inner = s.slice(1, -1).trim();
    if (!inner) return [];
    const parts: string[] = [];
    let cur = '';
    let q: string | undefined;
    for (const ch of inner) {
      if (q) {
        cur += ch;
        if (ch === q) q = undefined;
      } else if (ch === '"' || ch === "'") {
        q = ch;
        cur += ch;
      } else if (ch === ',') {
        parts.push(cur);
        cur = '';
      } else cur += ch;
    }
    parts.push(cur);
    return parts.map((p) => scalar(p, n));
  }
  if (s.startsWith('{')) throw new YamlError(`line ${n}: flow mappings are not supported`);
  if (/^(true|True|TRUE|yes|on)$/.test(s)) return true;
  if (/^(false|False|FALSE|no|off)$/.test(s)) return false;
  // octal-looking values (permissions: 0644) stay strings, as cloud-init reads them
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(s)) return Number(s);
  return s;
}

/** `key: rest` of a mapping line, or undefined when the line is not one. */
function keyOf(text: string): [string, string] | undefined {
  const m = /^("[^"]*"|'[^']*'|[^\s:"'][^:]*?)\s*:(\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const k = m[1]!;
  return [k.startsWith('"') || k.startsWith("'") ? k.slice(1, -1) : k, m[3] ?? ''];
}

export function parseYaml(src: string): Yaml {
  const raw = src.replace(/\r\n/g, '\n').split('\n');
  let i = 0;

  function next(): Line | undefined {
    while (i < raw.length) {
      const text = raw[i]!;
      if (/\t/.test(text.match(/^\s*/)![0])) throw new YamlError(`line ${i + 1}: tabs are not allowed in indentation`);
      const stripped = stripComment(text);
      if (stripped.trim() === '' || stripped.trim() === '---') {
        i++;
        continue;
      }
      return { n: i + 1, indent: stripped.length - stripped.trimStart().length, text: stripped.trim() };
    }
    return undefined;
  }

  /** A block scalar's lines after its header (| or >), at more indentation than `parent`. */
  function blockScalar(header: string, parent: number): string {
    const folded = header.startsWith('>');
    const chomp = header.includes('-') ? 'strip' : header.includes('+') ? 'keep' : 'clip';
    const lines: string[] = [];
    let indent = -1;
    while (i < raw.length) {
      const text = raw[i]!;
      if (text.trim() === '') {
        lines.push('');
        i++;
        continue;
      }
      const ind = text.length - text.trimStart().length;
      if (indent < 0) indent = ind;
      if (ind < indent || ind <= parent) break;
      lines.push(text.slice(indent));
      i++;
    }
    let trailing = 0;
    while (lines.length && lines[lines.length - 1] === '') {
      lines.pop();
      trailing++;
    }
    let body = folded ? lines.reduce((acc, l, k) => (k === 0 ? l : l === '' || lines[k - 1] === '' || /^\s/.test(l) ? `${acc}\n${l}` : `${acc} ${l}`), '') : lines.join('\n');
    if (chomp === 'clip' && lines.length) body += '\n';
    if (chomp === 'keep') body += '\n'.repeat(trailing + 1);
    return body;
  }

  /** The value after `key:` (inline text, a block scalar, or a nested block). */
  function valueAfter(rest: string, indent: number, n: number): Yaml {
    if (rest.startsWith('|') || rest.startsWith('>')) return blockScalar(rest, indent);
    if (rest !== '') return scalar(rest, n);
    const child = next();
    if (!child || child.indent < indent || (child.indent === indent && !child.text.startsWith('- '))) return null;
    return block(child.indent);
  }

  function block(indent: number): Yaml {
    const first = next();
    if (!first) return null;
    if (first.text === '-' || first.text.startsWith('- ')) return sequence(indent);
    return mapping(indent);
  }

  function mapping(indent: number): { [k: string]: Yaml } {
    const out: { [k: string]: Yaml } = {};
    for (let l = next(); l && l.indent === indent && !l.text.startsWith('- '); l = next()) {
      const kv = keyOf(l.text);
      if (!kv) throw new YamlError(`line ${l.n}: expected 'key: value'`);
      i++;
      out[kv[0]] = valueAfter(kv[1], indent, l.n);
    }
    const l = next();
    if (l && l.indent > indent) throw new YamlError(`line ${l.n}: bad indentation`);
    return out;
  }

  function sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (let l = next(); l && l.indent === indent && (l.text === '-' || l.text.startsWith('- ')); l = next()) {
      const rest = l.text === '-' ? '' : l.text.slice(2).trimStart();
      const itemIndent = indent + (l.text.length - rest.length);
      const kv = rest && !rest.startsWith('"') && !rest.startsWith("'") && !rest.startsWith('[') ? keyOf(rest) : undefined;
      if (kv) {
        // "- key: value" starts a mapping whose other keys sit at the item's indentation
        raw[l.n - 1] = ' '.repeat(itemIndent) + rest;
        out.push(mapping(itemIndent));
      } else {
        i++;
        out.push(valueAfter(rest, indent, l.n));
      }
    }
    return out;
  }

  const first = next();
  if (!first) return null;
  return block(first.indent);
}
