// The filter pattern language of CloudWatch Logs, shared by FilterLogEvents, metric filters, subscription
// filters and TestMetricFilter:
//   terms           ERROR Exception        every term appears (case-sensitive substring)
//                   "exact phrase"         quoted phrase
//                   ?ERROR ?WARN           any of the ?-terms
//                   ERROR -Retrying        none of the --terms
//   regex           %ERROR|WARN%           a regular expression between % signs
//   JSON            { $.a.b = "x*" && ($.n > 5 || $.c IS NULL) }, IS TRUE/FALSE, NOT EXISTS, [i] indexes
//   space-delimited [ip, user, ..., status = 4*, bytes > 1000]   fields split on spaces, "…" and […] kept whole
import { compileJson, selectJson } from './pattern-json.js';
import { compileSpaceDelimited } from './pattern-space.js';
import { invalid, regexOf } from './pattern-values.js';

export { parseJsonEvent, selectJson } from './pattern-json.js';
export { splitFields } from './pattern-space.js';

export interface PatternMatch {
  /** values a space-delimited pattern extracted, by `$name` (TestMetricFilter's extractedValues) */
  extracted: Record<string, string>;
  /** the event parsed as JSON, for `$.field` metric values and dimensions */
  json?: unknown;
}

export interface FilterPattern {
  kind: 'all' | 'terms' | 'json' | 'space';
  /** the match, or undefined when the event does not match */
  match(message: string): PatternMatch | undefined;
}

const NO_EXTRACT: Record<string, string> = {};

export function compileFilterPattern(pattern: string | undefined): FilterPattern {
  const text = (pattern ?? '').trim();
  if (text === '') return { kind: 'all', match: () => ({ extracted: NO_EXTRACT }) };
  if (text.startsWith('{')) return compileJson(text);
  if (text.startsWith('[')) return compileSpaceDelimited(text);
  return compileTerms(text);
}

/** Compiled patterns by pattern text: filters are matched against every event, so parse each once. */
const compiled = new Map<string, FilterPattern>();

export function patternFor(text: string): FilterPattern {
  let p = compiled.get(text);
  if (!p) {
    p = compileFilterPattern(text);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(text, p);
  }
  return p;
}

// ---- terms ----

interface Term {
  test(message: string): boolean;
  mode: 'all' | 'any' | 'none';
}

function compileTerms(text: string): FilterPattern {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let mode: Term['mode'] = 'all';
    if (text[i] === '?') {
      mode = 'any';
      i++;
    } else if (text[i] === '-' && i + 1 < text.length && !/\s/.test(text[i + 1]!)) {
      mode = 'none';
      i++;
    }
    if (text[i] === '"') {
      let j = i + 1;
      let phrase = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        phrase += text[j];
        j++;
      }
      if (j >= text.length) throw invalid('unterminated quoted term');
      i = j + 1;
      terms.push({ mode, test: (m) => m.includes(phrase) });
    } else if (text[i] === '%') {
      const j = text.indexOf('%', i + 1);
      if (j < 0) throw invalid('unterminated regular expression');
      const re = regexOf(text.slice(i + 1, j));
      i = j + 1;
      terms.push({ mode, test: (m) => re.test(m) });
    } else {
      let j = i;
      while (j < text.length && !/\s/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (word.includes('"')) throw invalid(`Invalid character(s) in term '${word}'`);
      i = j;
      terms.push({ mode, test: (m) => m.includes(word) });
    }
  }
  const all = terms.filter((t) => t.mode === 'all');
  const any = terms.filter((t) => t.mode === 'any');
  const none = terms.filter((t) => t.mode === 'none');
  return {
    kind: 'terms',
    match(message) {
      for (const t of all) if (!t.test(message)) return undefined;
      if (any.length && !any.some((t) => t.test(message))) return undefined;
      for (const t of none) if (t.test(message)) return undefined;
      return { extracted: NO_EXTRACT };
    },
  };
}

/**
 * A metric filter's metricValue or dimension value for one matched event: a number, `$.field` (JSON) or
 * `$name` (space-delimited). Undefined when the event does not carry it.
 */
export function resolveValue(expr: string, m: PatternMatch): string | undefined {
  if (expr.startsWith('$.')) {
    const v = selectJson(m.json, expr);
    return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
  }
  if (expr.startsWith('$')) return m.extracted[expr];
  return expr;
}
