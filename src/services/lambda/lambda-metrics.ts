// AWS/Lambda metrics. Invocations are many and cheap, so datapoints are aggregated in memory per metric and
// dimension set and published once per virtual second as statistic sets (what PutMetricData accepts), which
// keeps the invoke path free of bus traffic. Dimension sets follow AWS: none (account level), FunctionName,
// FunctionName+Resource, and FunctionName+Resource+ExecutedVersion for published versions. Versions and aliases
// with provisioned concurrency also get the Provisioned* metrics (FunctionName+Resource), emitted per
// invocation as AWS does (read them with Maximum / Sum).
import type { TimerHandle } from '../../clock/clock.js';
import type { MetricDatum } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import type { ResolvedFunction } from './resolved-function.js';

type Dim = { Name: string; Value: string };

interface Agg {
  MetricName: string;
  Dimensions: Dim[];
  Unit: string;
  sum: number;
  min: number;
  max: number;
  count: number;
}

const FLUSH_MS = 1000;

function note(a: Agg, value: number): void {
  a.sum += value;
  if (value < a.min) a.min = value;
  if (value > a.max) a.max = value;
  a.count++;
}

export interface InvocationFigures {
  fn: ResolvedFunction;
  /** name, or name:qualifier when the caller named one */
  resource: string;
  durationMs: number;
  error: boolean;
  concurrent: { account: number; unreserved: number; fn: number };
  /** whether a provisioned environment served it (when the invoker knows; else inferred from the concurrency) */
  provisioned?: boolean;
}

export class LambdaMetrics {
  private readonly scopes = new Map<string, { account: string; region: string; aggs: Map<string, Agg> }>();
  private timer: TimerHandle | undefined;
  private windowStart = 0;
  /** the most invocations in flight per account and region since the last usage sample */
  private readonly peaks = new Map<string, number>();
  /** this window's aggregates per function, resource and version (see bundle) */
  private readonly bundles = new Map<string, Agg[]>();

  constructor(private readonly runtime: Runtime) {}

  /** The aggregate of a metric and dimension set in this window (created empty). */
  private slot(fn: { account: string; region: string }, name: string, dims: Dim[], unit: string): Agg {
    const sk = `${fn.account}/${fn.region}`;
    let scope = this.scopes.get(sk);
    if (!scope) this.scopes.set(sk, (scope = { account: fn.account, region: fn.region, aggs: new Map() }));
    let key = name;
    for (const d of dims) key += `|${d.Value}`;
    let agg = scope.aggs.get(key);
    if (!agg) scope.aggs.set(key, (agg = { MetricName: name, Dimensions: dims, Unit: unit, sum: 0, min: Infinity, max: -Infinity, count: 0 }));
    if (!this.timer) {
      this.windowStart = this.runtime.clock.now();
      this.timer = this.runtime.clock.setTimeout(() => this.flush(), FLUSH_MS);
    }
    return agg;
  }

  private add(fn: { account: string; region: string }, name: string, dims: Dim[], unit: string, value: number): void {
    note(this.slot(fn, name, dims, unit), value);
  }

  /** The dimension sets of a function's metrics. */
  private dimSets(fn: ResolvedFunction, resource: string): Dim[][] {
    const byName = [{ Name: 'FunctionName', Value: fn.FunctionName }];
    const sets: Dim[][] = [[], byName, [...byName, { Name: 'Resource', Value: resource }]];
    if (fn.Version !== '$LATEST') sets.push([...byName, { Name: 'Resource', Value: resource }, { Name: 'ExecutedVersion', Value: fn.Version }]);
    return sets;
  }

  invocation(f: InvocationFigures): void {
    const b = this.bundle(f.fn, f.resource);
    const n = b.length - 3;
    for (let i = 0; i < n; i += 3) {
      note(b[i]!, 1);
      note(b[i + 1]!, f.error ? 1 : 0);
      note(b[i + 2]!, f.durationMs);
    }
    note(b[n]!, f.concurrent.account);
    note(b[n + 1]!, f.concurrent.fn);
    note(b[n + 2]!, f.concurrent.unreserved);
    const sk = `${f.fn.account}/${f.fn.region}`;
    if (f.concurrent.account > (this.peaks.get(sk) ?? 0)) this.peaks.set(sk, f.concurrent.account);
    const allocated = f.fn.ProvisionedConcurrentExecutions;
    if (allocated) this.provisioned(f, allocated);
  }

  /** The aggregates one invocation adds to, per dimension set Invocations, Errors and Duration, then the
   *  three concurrency metrics: found once per window (a dozen keys built and looked up per invocation cost
   *  3% of Cumulus's CPU on the invoke path). */
  private bundle(fn: ResolvedFunction, resource: string): Agg[] {
    const key = `${fn.account}/${fn.region}|${fn.FunctionName}|${resource}|${fn.Version}`;
    let b = this.bundles.get(key);
    if (!b) {
      b = [];
      for (const dims of this.dimSets(fn, resource)) {
        b.push(this.slot(fn, 'Invocations', dims, 'Count'), this.slot(fn, 'Errors', dims, 'Count'), this.slot(fn, 'Duration', dims, 'Milliseconds'));
      }
      b.push(
        this.slot(fn, 'ConcurrentExecutions', [], 'Count'),
        this.slot(fn, 'ConcurrentExecutions', [{ Name: 'FunctionName', Value: fn.FunctionName }], 'Count'),
        this.slot(fn, 'UnreservedConcurrentExecutions', [], 'Count'),
      );
      this.bundles.set(key, b);
    }
    return b;
  }

  /** Provisioned concurrency: served by a provisioned environment, or spilled over to on-demand ones. */
  private provisioned(f: InvocationFigures, allocated: number): void {
    const onProvisioned = f.provisioned ?? f.concurrent.fn <= allocated;
    // the count of provisioned environments busy when this one ran (all of them, when it spilled over)
    const busy = onProvisioned ? Math.min(Math.max(1, f.concurrent.fn), allocated) : allocated;
    const dims = [
      { Name: 'FunctionName', Value: f.fn.FunctionName },
      { Name: 'Resource', Value: f.resource },
    ];
    this.add(f.fn, 'ProvisionedConcurrencyInvocations', dims, 'Count', onProvisioned ? 1 : 0);
    this.add(f.fn, 'ProvisionedConcurrencySpilloverInvocations', dims, 'Count', onProvisioned ? 0 : 1);
    this.add(f.fn, 'ProvisionedConcurrentExecutions', dims, 'Count', busy);
    this.add(f.fn, 'ProvisionedConcurrencyUtilization', dims, 'None', busy / allocated);
  }

  /** The peak of invocations in flight in a scope since the last call (AWS/Usage samples it every minute). */
  takePeak(account: string, region: string): number {
    const sk = `${account}/${region}`;
    const peak = this.peaks.get(sk) ?? 0;
    this.peaks.delete(sk);
    return peak;
  }

  throttle(fn: ResolvedFunction, resource: string): void {
    for (const dims of this.dimSets(fn, resource)) this.add(fn, 'Throttles', dims, 'Count', 1);
  }

  /** Async events: their age when an attempt starts, and failures to deliver to a dead-letter queue. */
  asyncEventAge(fn: ResolvedFunction, ms: number): void {
    this.add(fn, 'AsyncEventAge', [{ Name: 'FunctionName', Value: fn.FunctionName }], 'Milliseconds', ms);
  }

  asyncEvent(fn: ResolvedFunction, metric: 'AsyncEventsReceived' | 'AsyncEventsDropped' | 'DeadLetterErrors' | 'DestinationDeliveryFailures'): void {
    this.add(fn, metric, [{ Name: 'FunctionName', Value: fn.FunctionName }], 'Count', 1);
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const timestamp = new Date(this.windowStart);
    this.bundles.clear();
    for (const scope of this.scopes.values()) {
      if (!scope.aggs.size) continue;
      const datums: MetricDatum[] = [];
      for (const a of scope.aggs.values()) {
        if (!a.count) continue;
        datums.push({
          MetricName: a.MetricName,
          Dimensions: a.Dimensions,
          Timestamp: timestamp,
          Unit: a.Unit,
          StatisticValues: { SampleCount: a.count, Sum: a.sum, Minimum: a.min, Maximum: a.max },
        });
      }
      scope.aggs.clear();
      // PutMetricData takes at most 1000 datums a call
      for (let i = 0; i < datums.length; i += 1000) {
        this.runtime.bus.emit('metric', { account: scope.account, region: scope.region, namespace: 'AWS/Lambda', datums: datums.slice(i, i + 1000) });
      }
    }
  }
}
