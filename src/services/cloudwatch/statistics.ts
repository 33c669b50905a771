// Statistics over periods: SampleCount, Sum, Minimum, Maximum, Average, and the extended statistics
// (percentiles pNN, trimmed mean tmNN / TM(a%:b%), trimmed count and sum, winsorized mean, IQM).
import type { Dist, Series } from './series.js';

export interface Bucket {
  /** start of the period (epoch ms) */
  ts: number;
  unit: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** every point's distribution, or null once a point without one (a statistic set) joined */
  dists: Dist[] | null;
}

/**
 * Aggregates the points of `series` in [start, end) into periods starting at `start`. With `unit` only points
 * of that unit count; with `byUnit` points of different units make separate buckets (GetMetricStatistics).
 */
export function aggregate(list: Series[], start: number, end: number, periodMs: number, unit?: number, byUnit = false, withDist = true): Bucket[] {
  const buckets = new Map<number, Bucket>();
  for (const s of list) {
    const from = s.lowerBound(start);
    const to = s.lowerBound(end);
    for (let i = from; i < to; i++) {
      const u = s.unit[i]!;
      if (unit !== undefined && u !== unit) continue;
      const slot = Math.floor((s.ts[i]! - start) / periodMs);
      const key = byUnit ? slot * 64 + u : slot;
      let b = buckets.get(key);
      if (!b) {
        b = { ts: start + slot * periodMs, unit: u, count: 0, sum: 0, min: Infinity, max: -Infinity, dists: withDist ? [] : null };
        buckets.set(key, b);
      }
      b.count += s.count[i]!;
      b.sum += s.sum[i]!;
      if (s.min[i]! < b.min) b.min = s.min[i]!;
      if (s.max[i]! > b.max) b.max = s.max[i]!;
      if (b.dists) {
        const d = s.distOf(i);
        if (d) b.dists.push(d);
        else b.dists = null;
      }
    }
  }
  return [...buckets.values()].sort((a, b) => a.ts - b.ts || a.unit - b.unit);
}

export const BASIC_STATS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;

const PCT = '(\\d{1,2}(?:\\.\\d{1,10})?|100(?:\\.0{1,10})?)';
const SHORT = new RegExp(`^(p|tm|tc|ts|wm|pr)${PCT}$`, 'i');
const RANGE = /^(TM|TC|TS|WM|PR)\((\d+(?:\.\d+)?%?)?:(\d+(?:\.\d+)?%?)?\)$/i;

/** Is `stat` a statistic CloudWatch knows (basic or extended)? */
export function isValidStat(stat: string): boolean {
  return (BASIC_STATS as readonly string[]).includes(stat) || isExtendedStat(stat);
}

/** Basic statistics need no distribution of the values. */
export function needsDistribution(stat: string): boolean {
  return !(BASIC_STATS as readonly string[]).includes(stat);
}

export function isExtendedStat(stat: string): boolean {
  return SHORT.test(stat) || RANGE.test(stat) || stat === 'IQM';
}

/** The value of `stat` for a bucket; undefined when it cannot be computed (no distribution). */
export function statValue(b: Bucket, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount':
      return b.count;
    case 'Sum':
      return b.sum;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    case 'Average':
      return b.count ? b.sum / b.count : undefined;
  }
  if (!b.dists) return undefined;
  const sorted = sortedValues(b.dists);
  if (stat === 'IQM') return trimmed(sorted, 25, 75, 'mean');
  const short = SHORT.exec(stat);
  if (short) {
    const kind = short[1]!.toLowerCase();
    const p = Number(short[2]);
    if (kind === 'p') return percentile(sorted, p);
    if (kind === 'pr') return undefined;
    return trimmed(sorted, 0, p, kind === 'tm' ? 'mean' : kind === 'tc' ? 'count' : kind === 'ts' ? 'sum' : 'winsor');
  }
  const range = RANGE.exec(stat);
  if (range) {
    const kind = range[1]!.toLowerCase();
    const bound = (t: string | undefined, dflt: number, total: number): number => {
      if (t === undefined) return dflt;
      if (t.endsWith('%')) return Number(t.slice(0, -1));
      // absolute values: the share of samples below the value
      const v = Number(t);
      let below = 0;
      for (const [x, c] of sorted) if (x <= v) below += c;
      return total ? (below / total) * 100 : 0;
    };
    const total = sorted.reduce((n, [, c]) => n + c, 0);
    const lo = bound(range[2], 0, total);
    const hi = bound(range[3], 100, total);
    if (kind === 'pr') {
      const loV = range[2] && !range[2].endsWith('%') ? Number(range[2]) : -Infinity;
      const hiV = range[3] && !range[3].endsWith('%') ? Number(range[3]) : Infinity;
      let n = 0;
      for (const [x, c] of sorted) if (x > loV && x <= hiV) n += c;
      return total ? (n / total) * 100 : undefined;
    }
    return trimmed(sorted, lo, hi, kind === 'tm' ? 'mean' : kind === 'tc' ? 'count' : kind === 'ts' ? 'sum' : 'winsor');
  }
  return undefined;
}

function sortedValues(dists: Dist[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (const d of dists) for (let i = 0; i < d.length; i += 2) pairs.push([d[i]!, d[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  return pairs;
}

/** Nearest rank: the smallest value with at least p% of the samples at or below it. */
function percentile(sorted: [number, number][], p: number): number | undefined {
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  if (!total) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total - 1e-9));
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (seen >= rank) return v;
  }
  return sorted[sorted.length - 1]![0];
}

function trimmed(sorted: [number, number][], lo: number, hi: number, kind: 'mean' | 'count' | 'sum' | 'winsor'): number | undefined {
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  if (!total) return undefined;
  const loRank = (lo / 100) * total;
  const hiRank = (hi / 100) * total;
  let seen = 0;
  let n = 0;
  let sum = 0;
  const loV = percentile(sorted, lo) ?? sorted[0]![0];
  const hiV = percentile(sorted, hi) ?? sorted[sorted.length - 1]![0];
  for (const [v, c] of sorted) {
    const a = seen;
    seen += c;
    if (kind === 'winsor') {
      const clamped = Math.min(Math.max(v, loV), hiV);
      n += c;
      sum += clamped * c;
      continue;
    }
    const inside = Math.max(0, Math.min(seen, hiRank) - Math.max(a, loRank));
    n += inside;
    sum += v * inside;
  }
  if (kind === 'count') return n;
  if (kind === 'sum') return sum;
  return n ? sum / n : undefined;
}
