// Every stored metric: series in memory (series.ts) backed by CloudWatch's own SQLite tables (migration 3).
// A put writes its rows in the caller's transaction, so an acknowledged PutMetricData survives a crash;
// memory is rebuilt from the tables at start. Retention and roll-up follow CloudWatch's documented periods.
import type BetterSqlite3 from 'better-sqlite3';
import type { Runtime } from '../../server/context.js';
import { type PointInput, Series } from './series.js';

export const UNITS = [
  'None', 'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
  'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second',
] as const;
const unitIndex = new Map<string, number>(UNITS.map((u, i) => [u, i]));
export const unitOf = (name: string | undefined): number => unitIndex.get(name ?? 'None') ?? 0;

export interface Dimension {
  Name: string;
  Value: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** CloudWatch's retention: sub-minute data 3 hours, 1-minute 15 days, 5-minute 63 days, 1-hour 455 days. */
export const RETENTION = { highRes: 3 * HOUR, minute: 15 * DAY, fiveMinutes: 63 * DAY, hour: 455 * DAY };

export function canonicalDims(dims: Dimension[] | undefined): Dimension[] {
  return (dims ?? []).slice().sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

export function seriesKey(account: string, region: string, namespace: string, metricName: string, dims: Dimension[]): string {
  let k = `${account}\u0000${region}\u0000${namespace}\u0000${metricName}`;
  for (const d of dims) k += `\u0000${d.Name}\u0001${d.Value}`;
  return k;
}

/** Packed point: series id, ts, unit, count, sum, min, max, value pairs (-1: no distribution); then the pairs. */
const FIELDS = 8;

function grow(a: Float64Array<ArrayBuffer>, min: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

export interface StoredDatum {
  metricName: string;
  dims: Dimension[];
  point: PointInput;
}

export class MetricStore {
  private readonly byKey = new Map<string, Series>();
  /** account/region → its series, for ListMetrics and SEARCH */
  private readonly byScope = new Map<string, Series[]>();
  private readonly db: BetterSqlite3.Database;
  private readonly stmts: {
    findSeries: BetterSqlite3.Statement;
    insertSeries: BetterSqlite3.Statement;
    insertBatch: BetterSqlite3.Statement;
  };

  constructor(private readonly runtime: Pick<Runtime, 'store' | 'clock'>) {
    this.db = runtime.store.db;
    this.stmts = {
      findSeries: this.db.prepare('SELECT id FROM cloudwatch_series WHERE account=? AND region=? AND namespace=? AND metric=? AND dims=?'),
      insertSeries: this.db.prepare('INSERT INTO cloudwatch_series(account,region,namespace,metric,dims,last_put) VALUES(?,?,?,?,?,?)'),
      insertBatch: this.db.prepare('INSERT INTO cloudwatch_batches(max_ts, points) VALUES(?,?)'),
    };
    this.load();
  }

  private load(): void {
    const series = this.db.prepare('SELECT id, account, region, namespace, metric, dims, last_put FROM cloudwatch_series').all() as {
      id: number; account: string; region: string; namespace: string; metric: string; dims: string; last_put: number;
    }[];
    const byId = new Map<number, Series>();
    for (const r of series) {
      const s = this.register(r.id, r.account, r.region, r.namespace, r.metric, JSON.parse(r.dims) as Dimension[]);
      s.lastPut = r.last_put;
      byId.set(r.id, s);
    }
    const batches = this.db.prepare('SELECT points FROM cloudwatch_batches ORDER BY id').iterate() as Iterable<{ points: Buffer }>;
    for (const { points } of batches) {
      const a = new Float64Array(points.buffer.slice(points.byteOffset, points.byteOffset + points.byteLength));
      for (let i = 0; i < a.length; ) {
        const [id, ts, unit, count, sum, min, max, pairs] = [a[i]!, a[i + 1]!, a[i + 2]!, a[i + 3]!, a[i + 4]!, a[i + 5]!, a[i + 6]!, a[i + 7]!];
        i += FIELDS;
        let values: number[] | undefined;
        let counts: number[] | undefined;
        if (pairs > 0) {
          values = [];
          counts = [];
          for (let k = 0; k < pairs; k++, i += 2) {
            values.push(a[i]!);
            counts.push(a[i + 1]!);
          }
        } else if (pairs === 0 && count === 1) values = [sum];
        const s = byId.get(id);
        if (!s) continue;
        s.add({ ts, unit, count, sum, min, max, values, counts });
        // the last put is not written per call: the newest datapoint stands in for it after a restart
        if (ts > s.lastPut) s.lastPut = Math.min(ts, this.runtime.clock.now());
      }
    }
    this.sweep();
  }

  private register(id: number, account: string, region: string, namespace: string, metricName: string, dims: Dimension[]): Series {
    const s = new Series(id, account, region, namespace, metricName, dims);
    this.byKey.set(seriesKey(account, region, namespace, metricName, dims), s);
    const scope = `${account}/${region}`;
    const list = this.byScope.get(scope) ?? [];
    list.push(s);
    this.byScope.set(scope, list);
    return s;
  }

  find(account: string, region: string, namespace: string, metricName: string, dims: Dimension[] | undefined): Series | undefined {
    return this.byKey.get(seriesKey(account, region, namespace, metricName, canonicalDims(dims)));
  }

  /** find() by a key made with seriesKey (over canonical dimensions) */
  findByKey(key: string): Series | undefined {
    return this.byKey.get(key);
  }

  seriesOf(account: string, region: string): Series[] {
    return this.byScope.get(`${account}/${region}`) ?? [];
  }

  /** Stores datums (already validated) durably, then in memory. Runs inside the caller's transaction if any. */
  put(account: string, region: string, namespace: string, datums: StoredDatum[]): void {
    const now = this.runtime.clock.now();
    const apply: [Series, PointInput][] = [];
    let packed = new Float64Array(datums.length * FIELDS);
    let at = 0;
    let maxTs = -Infinity;
    this.runtime.store.transaction(() => {
      for (const d of datums) {
        const key = seriesKey(account, region, namespace, d.metricName, d.dims);
        let s = this.byKey.get(key);
        if (!s) {
          const dimsText = JSON.stringify(d.dims);
          const existing = this.stmts.findSeries.get(account, region, namespace, d.metricName, dimsText) as { id: number } | undefined;
          const id = existing?.id ?? Number(this.stmts.insertSeries.run(account, region, namespace, d.metricName, dimsText, now).lastInsertRowid);
          s = this.register(id, account, region, namespace, d.metricName, d.dims);
        }
        const p = d.point;
        // a statistic set (no values) is marked with -1 pairs; a single value needs none
        const pairs = p.values ? (p.values.length === 1 && p.count === 1 ? 0 : p.values.length) : -1;
        if (packed.length < at + FIELDS + Math.max(0, pairs) * 2) packed = grow(packed, at + FIELDS + Math.max(0, pairs) * 2);
        packed[at] = s.id;
        packed[at + 1] = p.ts;
        packed[at + 2] = p.unit;
        packed[at + 3] = p.count;
        packed[at + 4] = p.sum;
        packed[at + 5] = p.min;
        packed[at + 6] = p.max;
        packed[at + 7] = pairs;
        at += FIELDS;
        for (let k = 0; k < pairs; k++, at += 2) {
          packed[at] = p.values![k]!;
          packed[at + 1] = p.counts?.[k] ?? 1;
        }
        if (p.ts > maxTs) maxTs = p.ts;
        apply.push([s, p]);
      }
      if (at) this.stmts.insertBatch.run(maxTs, Buffer.from(packed.buffer, 0, at * 8));
    });
    for (const [s, p] of apply) {
      s.add(p);
      s.lastPut = now;
    }
  }

  /** Drops data past 455 days and rolls older data up to coarser steps (memory and disk). */
  sweep(): void {
    const now = this.runtime.clock.now();
    const expired = now - RETENTION.hour;
    for (const list of this.byScope.values()) {
      for (const s of list) {
        s.dropBefore(expired);
        // each level only rolls what crossed its age since the last sweep
        const w = s.rolled;
        const hourTo = now - RETENTION.fiveMinutes;
        const fiveTo = now - RETENTION.minute;
        const minuteTo = now - RETENTION.highRes;
        if (hourTo > w.hour) s.rollUp(Math.max(expired, w.hour), hourTo, HOUR);
        if (fiveTo > w.five) s.rollUp(Math.max(hourTo, w.five), fiveTo, 5 * MINUTE);
        if (minuteTo > w.minute) s.rollUp(Math.max(fiveTo, w.minute), minuteTo, MINUTE);
        s.rolled = { hour: hourTo, five: fiveTo, minute: minuteTo };
      }
    }
    this.db.prepare('DELETE FROM cloudwatch_batches WHERE max_ts < ?').run(expired);
  }

  clear(): void {
    this.byKey.clear();
    this.byScope.clear();
    this.db.exec('DELETE FROM cloudwatch_batches; DELETE FROM cloudwatch_series;');
  }
}
