// Metric filters at work: every ingested event is matched against its group's metric filters, and matches
// become CloudWatch datapoints on the bus ('metric'), which the CloudWatch service stores.
import type { MetricDatum } from '../../events/bus.js';
import type { MetricTransformation } from '../../generated/logs.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { patternFor, type PatternMatch, resolveValue } from './filter-pattern.js';
import { metricFiltersTable } from './store.js';

/** The datum a transformation yields for one matched event, or undefined when the event lacks a value. */
export function datumFor(t: MetricTransformation, m: PatternMatch, timestamp: number): MetricDatum | undefined {
  const raw = resolveValue(t.metricValue, m);
  const value = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(value)) return undefined;
  const dimensions: { Name: string; Value: string }[] = [];
  for (const [Name, expr] of Object.entries(t.dimensions ?? {})) {
    const v = resolveValue(expr, m);
    if (v === undefined || v === '') return undefined;
    dimensions.push({ Name, Value: v });
  }
  return {
    MetricName: t.metricName,
    Dimensions: dimensions.length ? dimensions : undefined,
    Timestamp: new Date(timestamp),
    Value: value,
    Unit: t.unit,
  };
}

export function applyMetricFilters(runtime: Runtime, scope: Scope, group: string, events: { timestamp: number; message: string }[]): void {
  const filters = metricFiltersTable(runtime.store)
    .list(scope)
    .filter((f) => f.logGroupName === group);
  if (!filters.length) return;
  const byNamespace = new Map<string, MetricDatum[]>();
  const add = (ns: string, d: MetricDatum) => {
    const list = byNamespace.get(ns) ?? [];
    list.push(d);
    byNamespace.set(ns, list);
  };
  for (const f of filters) {
    const pattern = patternFor(f.filterPattern);
    let matched = 0;
    for (const e of events) {
      const m = pattern.match(e.message);
      if (!m) continue;
      matched++;
      for (const t of f.metricTransformations) {
        const d = datumFor(t, m, e.timestamp);
        if (d) add(t.metricNamespace, d);
      }
    }
    // defaultValue: what the metric reports for ingested events that matched nothing
    if (matched === 0) {
      for (const t of f.metricTransformations) {
        if (t.defaultValue === undefined || t.defaultValue === null) continue;
        add(t.metricNamespace, { MetricName: t.metricName, Timestamp: new Date(events[events.length - 1]!.timestamp), Value: t.defaultValue, Unit: t.unit });
      }
    }
  }
  for (const [namespace, datums] of byNamespace) runtime.bus.emit('metric', { account: scope.account, region: scope.region, namespace, datums });
}
