// One metric's time series in memory: columns in typed arrays sorted by time, so a query is two binary
// searches and a scan. Points at the same stored timestamp and unit are merged (count, sum, min, max, and the
// values for percentiles), as CloudWatch keeps one aggregate per resolution step.

export interface PointInput {
  /** epoch ms, already truncated to the storage resolution */
  ts: number;
  unit: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** values and their counts, for percentiles; undefined for a statistic set (no distribution) */
  values?: number[];
  counts?: number[];
}

/** Values of a point, as pairs [v0, c0, v1, c1 …]. */
export type Dist = Float64Array;

export class Series {
  n = 0;
  ts = new Float64Array(8);
  unit = new Uint8Array(8);
  count = new Float64Array(8);
  sum = new Float64Array(8);
  min = new Float64Array(8);
  max = new Float64Array(8);
  /** per point: the distribution, null when the point has no distribution (statistic sets) */
  dist: (Dist | null)[] = [];
  /** the last time a datapoint was put (virtual ms), for ListMetrics RecentlyActive */
  lastPut = 0;
  /** how far each roll-up level has been applied (virtual ms) */
  rolled = { hour: 0, five: 0, minute: 0 };

  constructor(
    readonly id: number,
    readonly account: string,
    readonly region: string,
    readonly namespace: string,
    readonly metricName: string,
    readonly dimensions: { Name: string; Value: string }[],
  ) {}

  private grow(): void {
    const size = this.ts.length * 2;
    const g = <T extends Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.ts = g(this.ts);
    this.unit = g(this.unit);
    this.count = g(this.count);
    this.sum = g(this.sum);
    this.min = g(this.min);
    this.max = g(this.max);
  }

  /** First index with ts >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.n;
    const ts = this.ts;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(p: PointInput): void {
    // the common case: a point newer than every other
    let i = this.n;
    if (i > 0 && this.ts[i - 1]! >= p.ts) {
      i = this.lowerBound(p.ts);
      // merge with a point of the same time and unit
      for (let j = i; j < this.n && this.ts[j] === p.ts; j++) {
        if (this.unit[j] === p.unit) return this.merge(j, p);
      }
    }
    if (this.n === this.ts.length) this.grow();
    if (i < this.n) {
      for (const a of [this.ts, this.unit, this.count, this.sum, this.min, this.max]) a.copyWithin(i + 1, i, this.n);
      this.dist.splice(i, 0, toDist(p));
    } else {
      this.dist.push(toDist(p));
    }
    this.ts[i] = p.ts;
    this.unit[i] = p.unit;
    this.count[i] = p.count;
    this.sum[i] = p.sum;
    this.min[i] = p.min;
    this.max[i] = p.max;
    this.n++;
  }

  private merge(j: number, p: PointInput): void {
    const had = this.distOf(j);
    const incoming = p.values ? (toDist(p) ?? Float64Array.of(p.sum, 1)) : p.count === 1 ? Float64Array.of(p.sum, 1) : null;
    this.dist[j] = had && incoming ? concat(had, incoming) : null;
    this.count[j]! += p.count;
    this.sum[j]! += p.sum;
    if (p.min < this.min[j]!) this.min[j] = p.min;
    if (p.max > this.max[j]!) this.max[j] = p.max;
  }

  /** The distribution of point i: a single value is its own distribution; null when unknown. */
  distOf(i: number): Dist | null {
    const d = this.dist[i];
    if (d) return d;
    if (this.count[i] === 1) return Float64Array.of(this.sum[i]!, 1);
    return null;
  }

  /** Drops points older than `t` (retention). */
  dropBefore(t: number): void {
    const k = this.lowerBound(t);
    if (k === 0) return;
    for (const a of [this.ts, this.unit, this.count, this.sum, this.min, this.max]) a.copyWithin(0, k, this.n);
    this.dist.splice(0, k);
    this.n -= k;
  }

  /**
   * Rolls points in [from, to) up into steps of `stepMs` (sub-minute data after 3 hours, minutes after 15
   * days, five minutes after 63 days), as CloudWatch keeps coarser aggregates of older data.
   */
  rollUp(from: number, to: number, stepMs: number): void {
    const a = this.lowerBound(from);
    const b = this.lowerBound(to);
    if (b - a < 2) {
      if (b - a === 1 && this.ts[a]! % stepMs !== 0) this.ts[a] = this.ts[a]! - (this.ts[a]! % stepMs);
      return;
    }
    const merged: PointInput[] = [];
    const byKey = new Map<string, number>();
    for (let i = a; i < b; i++) {
      const ts = this.ts[i]! - (this.ts[i]! % stepMs);
      const key = `${ts}|${this.unit[i]}`;
      const d = this.distOf(i);
      const k = byKey.get(key);
      if (k === undefined) {
        byKey.set(key, merged.length);
        merged.push({ ts, unit: this.unit[i]!, count: this.count[i]!, sum: this.sum[i]!, min: this.min[i]!, max: this.max[i]!, ...fromDist(d) });
      } else {
        const m = merged[k]!;
        m.count += this.count[i]!;
        m.sum += this.sum[i]!;
        m.min = Math.min(m.min, this.min[i]!);
        m.max = Math.max(m.max, this.max[i]!);
        if (m.values && d) {
          const f = fromDist(d);
          m.values.push(...f.values!);
          m.counts!.push(...f.counts!);
        } else {
          m.values = undefined;
          m.counts = undefined;
        }
      }
    }
    merged.sort((x, y) => x.ts - y.ts);
    const tail = { n: this.n - b };
    const rest = (arr: Float64Array | Uint8Array) => arr.slice(b, this.n);
    const saved = [rest(this.ts), rest(this.unit), rest(this.count), rest(this.sum), rest(this.min), rest(this.max)] as const;
    const savedDist = this.dist.slice(b);
    this.n = a;
    this.dist.length = a;
    for (const p of merged) this.add(p);
    // append the untouched tail back
    for (let i = 0; i < tail.n; i++) {
      if (this.n === this.ts.length) this.grow();
      const at = this.n++;
      this.ts[at] = saved[0][i]!;
      this.unit[at] = saved[1][i]!;
      this.count[at] = saved[2][i]!;
      this.sum[at] = saved[3][i]!;
      this.min[at] = saved[4][i]!;
      this.max[at] = saved[5][i]!;
      this.dist.push(savedDist[i] ?? null);
    }
  }
}

function toDist(p: PointInput): Dist | null {
  if (!p.values) return null;
  if (p.values.length === 1 && (p.counts?.[0] ?? 1) === p.count && p.count === 1) return null; // a single value: implied by sum
  const d = new Float64Array(p.values.length * 2);
  for (let i = 0; i < p.values.length; i++) {
    d[2 * i] = p.values[i]!;
    d[2 * i + 1] = p.counts?.[i] ?? 1;
  }
  return d;
}

function fromDist(d: Dist | null): { values?: number[]; counts?: number[] } {
  if (!d) return {};
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < d.length; i += 2) {
    values.push(d[i]!);
    counts.push(d[i + 1]!);
  }
  return { values, counts };
}

function concat(a: Dist, b: Dist): Dist {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
