// Runs a parsed Logs Insights query over events: each event becomes a record of its system fields
// (@timestamp, @message, @logStream, @log, @ingestionTime, @ptr) and, for JSON events, its fields flattened
// with dots (a.b, list.0); the pipeline's commands then run in order, as Insights does.
import type { ResultField } from '../../generated/logs.js';
import type { Agg, Command, Cond, Operand } from './insights-parse.js';
import { parseJsonEvent } from './filter-pattern.js';

type Value = string | number | boolean | null | undefined;
type Rec = Record<string, Value>;

export interface SourceEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
  logStream: string;
  /** account:group, as Insights shows @log */
  log: string;
  ptr: string;
}

export interface QueryOutput {
  results: ResultField[][];
  recordsMatched: number;
  recordsScanned: number;
  bytesScanned: number;
}

/** Insights' timestamp format: 2026-01-02 03:04:05.678 */
export function insightsTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function flatten(prefix: string, v: unknown, out: Rec): void {
  if (v !== null && typeof v === 'object') {
    for (const [k, inner] of Object.entries(v as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, inner, out);
  } else if (prefix) out[prefix] = v as Value;
}

function recordOf(e: SourceEvent): Rec {
  const r: Rec = {
    '@timestamp': e.timestamp,
    '@message': e.message,
    '@logStream': e.logStream,
    '@log': e.log,
    '@ingestionTime': e.ingestionTime,
    '@ptr': e.ptr,
  };
  const json = parseJsonEvent(e.message);
  if (json !== undefined) flatten('', json, r);
  return r;
}

const num = (v: Value): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

function operand(o: Operand, r: Rec): Value {
  return o.k === 'lit' ? o.value : r[o.name];
}

function compare(a: Value, b: Value): number {
  const x = num(a);
  const y = num(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

function test(c: Cond, r: Rec): boolean {
  switch (c.k) {
    case 'and':
      return c.parts.every((p) => test(p, r));
    case 'or':
      return c.parts.some((p) => test(p, r));
    case 'not':
      return !test(c.inner, r);
    case 'truthy': {
      const v = operand(c.operand, r);
      return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
    }
    case 'fn': {
      const v = r[c.field];
      if (c.fn === 'ispresent') return v !== undefined;
      if (c.fn === 'isempty') return v === undefined || v === null || v === '';
      return v === undefined || v === null || String(v).trim() === '';
    }
    case 'like': {
      const v = operand(c.field, r);
      const ok = v !== undefined && v !== null && c.re.test(String(v));
      return c.negate ? !ok : ok;
    }
    case 'in': {
      const v = operand(c.field, r);
      const ok = v !== undefined && c.values.some((o) => compare(v, operand(o, r)) === 0);
      return c.negate ? !ok : ok;
    }
    case 'cmp': {
      const a = operand(c.left, r);
      const b = operand(c.right, r);
      if (a === undefined || b === undefined) return c.op === '!=' && a !== b;
      const d = compare(a, b);
      switch (c.op) {
        case '=':
          return d === 0;
        case '!=':
          return d !== 0;
        case '<':
          return d < 0;
        case '<=':
          return d <= 0;
        case '>':
          return d > 0;
        default:
          return d >= 0;
      }
    }
  }
}

function aggregate(a: Agg, rows: Rec[]): Value {
  const values = a.field ? rows.map((r) => r[a.field!]).filter((v) => v !== undefined && v !== null) : rows;
  if (a.fn === 'count') return values.length;
  if (a.fn === 'count_distinct') return new Set(values.map((v) => String(v))).size;
  const nums = (values as Value[]).map(num).filter((n) => !Number.isNaN(n));
  if (!nums.length) return undefined;
  if (a.fn === 'sum') return nums.reduce((s, n) => s + n, 0);
  if (a.fn === 'avg') return nums.reduce((s, n) => s + n, 0) / nums.length;
  if (a.fn === 'min') return Math.min(...nums);
  return Math.max(...nums);
}

function show(field: string, v: Value): string {
  if ((field === '@timestamp' || field === '@ingestionTime') && typeof v === 'number') return insightsTime(v);
  return String(v);
}

export function runQuery(commands: Command[], events: Iterable<SourceEvent>, maxRows: number): QueryOutput {
  let rows: Rec[] = [];
  let scanned = 0;
  let bytes = 0;
  for (const e of events) {
    scanned++;
    bytes += Buffer.byteLength(e.message);
    rows.push(recordOf(e));
  }
  let output: string[] | undefined;
  let aggregated = false;
  let sorted = false;
  let matched = rows.length;
  /** fields whose values are times (@timestamp, bins and their aliases) */
  const timeFields = new Set(['@timestamp', '@ingestionTime']);
  for (const cmd of commands) {
    switch (cmd.k) {
      case 'fields':
      case 'display':
        for (const r of rows) for (const it of cmd.items) if (it.as !== it.field) r[it.as] = r[it.field];
        for (const it of cmd.items) if (timeFields.has(it.field)) timeFields.add(it.as);
        output = cmd.k === 'display' || !output ? cmd.items.map((i) => i.as) : [...new Set([...output, ...cmd.items.map((i) => i.as)])];
        break;
      case 'filter':
        rows = rows.filter((r) => test(cmd.cond, r));
        if (!aggregated) matched = rows.length;
        break;
      case 'parse':
        for (const r of rows) {
          const v = r[cmd.field];
          const m = v === undefined || v === null ? null : cmd.re.exec(String(v));
          if (!m) continue;
          cmd.names.forEach((n, i) => (r[n] = m.groups?.[n] ?? m[i + 1]));
        }
        break;
      case 'stats': {
        const groups = new Map<string, { key: Rec; rows: Rec[] }>();
        for (const r of rows) {
          const key: Rec = {};
          for (const b of cmd.by) {
            const v = r[b.field];
            key[b.as] = b.binMs && typeof v === 'number' ? Math.floor(v / b.binMs) * b.binMs : v;
          }
          const id = JSON.stringify(cmd.by.map((b) => key[b.as] ?? null));
          const g = groups.get(id) ?? { key, rows: [] };
          g.rows.push(r);
          groups.set(id, g);
        }
        rows = [...groups.values()].map((g) => {
          const out: Rec = { ...g.key };
          for (const a of cmd.aggs) out[a.as] = aggregate(a, g.rows);
          return out;
        });
        for (const b of cmd.by) if (b.binMs || timeFields.has(b.field)) timeFields.add(b.as);
        output = [...cmd.by.map((b) => b.as), ...cmd.aggs.map((a) => a.as)];
        aggregated = true;
        break;
      }
      case 'sort':
        rows.sort((x, y) => {
          for (const k of cmd.keys) {
            const d = compare(x[k.field], y[k.field]);
            if (d !== 0) return k.desc ? -d : d;
          }
          return 0;
        });
        sorted = true;
        break;
      case 'limit':
        rows = rows.slice(0, cmd.n);
        break;
      case 'dedup': {
        const seen = new Set<string>();
        rows = rows.filter((r) => {
          const id = JSON.stringify(cmd.fields.map((f) => r[f] ?? null));
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
        break;
      }
    }
  }
  // without a sort, Insights shows the newest events first
  if (!sorted && !aggregated) rows.sort((x, y) => (y['@timestamp'] as number) - (x['@timestamp'] as number));
  const fields = output ?? ['@timestamp', '@message', '@logStream', '@log'];
  const results = rows.slice(0, maxRows).map((r) => {
    const row: ResultField[] = [];
    for (const f of fields) {
      const v = r[f];
      if (v === undefined) continue;
      row.push({ field: f, value: timeFields.has(f) && typeof v === 'number' ? show('@timestamp', v) : show(f, v) });
    }
    if (!aggregated) row.push({ field: '@ptr', value: String(r['@ptr']) });
    return row;
  });
  return { results, recordsMatched: matched, recordsScanned: scanned, bytesScanned: bytes };
}
