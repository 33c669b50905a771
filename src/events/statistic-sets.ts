// Metrics a service measures per request, aggregated in memory and published on the bus as CloudWatch
// statistic sets (one datum per metric and dimension set per flush), so a busy data plane does not emit a
// datapoint per request.
import type { EventBus, MetricDatum } from './bus.js';

export interface Stat {
  n: number;
  sum: number;
  min: number;
  max: number;
}

export interface StatSeries {
  account: string;
  region: string;
  dims: { Name: string; Value: string }[];
  stats: Map<string, Stat>;
}

export function addStat(s: StatSeries, name: string, v: number): void {
  const st = s.stats.get(name);
  if (!st) s.stats.set(name, { n: 1, sum: v, min: v, max: v });
  else {
    st.n++;
    st.sum += v;
    st.min = Math.min(st.min, v);
    st.max = Math.max(st.max, v);
  }
}

/** Emits every series as statistic sets, one bus event per account and region. */
export function publishStatSeries(bus: EventBus, series: Iterable<StatSeries>, namespace: string, time: Date, units: Record<string, string>): void {
  const byScope = new Map<string, { account: string; region: string; datums: MetricDatum[] }>();
  for (const s of series) {
    const k = `${s.account}/${s.region}`;
    let e = byScope.get(k);
    if (!e) byScope.set(k, (e = { account: s.account, region: s.region, datums: [] }));
    for (const [name, st] of s.stats) {
      e.datums.push({ MetricName: name, Dimensions: s.dims, Timestamp: time, StatisticValues: { SampleCount: st.n, Sum: st.sum, Minimum: st.min, Maximum: st.max }, Unit: units[name] });
    }
  }
  for (const e of byScope.values()) bus.emit('metric', { account: e.account, region: e.region, namespace, datums: e.datums });
}
