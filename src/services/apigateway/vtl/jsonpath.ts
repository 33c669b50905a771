// The JSONPath subset API Gateway's $input.path/$input.json take: $, .name, ['name'], [index], [*], ..name.
function tokens(path: string): (string | number | '*' | { deep: string })[] {
  if (!path.startsWith('$')) throw new Error(`Invalid JSONPath: ${path}`);
  const out: (string | number | '*' | { deep: string })[] = [];
  let i = 1;
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      const m = /^[A-Za-z0-9_$@-]+|\*/.exec(path.slice(i + 2));
      if (!m) throw new Error(`Invalid JSONPath: ${path}`);
      out.push({ deep: m[0] });
      i += 2 + m[0].length;
    } else if (path[i] === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) throw new Error(`Invalid JSONPath: ${path}`);
      out.push(m[0] === '*' ? '*' : m[0]);
      i += 1 + m[0].length;
    } else if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`Invalid JSONPath: ${path}`);
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') out.push('*');
      else if (/^-?\d+$/.test(inner)) out.push(Number(inner));
      else if (/^(['"]).*\1$/.test(inner)) out.push(inner.slice(1, -1));
      else throw new Error(`Invalid JSONPath: ${path}`);
      i = close + 1;
    } else throw new Error(`Invalid JSONPath: ${path}`);
  }
  return out;
}

function deep(v: unknown, name: string, out: unknown[]): void {
  if (Array.isArray(v)) for (const x of v) deep(x, name, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (name === '*' || k === name) out.push(x);
      deep(x, name, out);
    }
  }
}

/** Evaluates a path; a wildcard or deep scan yields a list. undefined when nothing is there. */
export function jsonPath(doc: unknown, path: string): unknown {
  let current: unknown[] = [doc];
  let multi = false;
  for (const t of tokens(path.trim())) {
    const next: unknown[] = [];
    for (const v of current) {
      if (t === '*') {
        multi = true;
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (typeof t === 'object') {
        multi = true;
        deep(v, t.deep, next);
      } else if (typeof t === 'number') {
        if (Array.isArray(v)) {
          const x = v[t < 0 ? v.length + t : t];
          if (x !== undefined) next.push(x);
        }
      } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, t)) {
        next.push((v as Record<string, unknown>)[t]);
      }
    }
    current = next;
  }
  return multi ? current : current[0];
}
