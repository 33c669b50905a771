// The request metrics API Gateway publishes (AWS/ApiGateway: Count, Latency, IntegrationLatency, 4XXError,
// 5XXError), aggregated in memory and published as statistic sets every few seconds of the virtual clock.
import { addStat as add, publishStatSeries, type StatSeries as Series } from '../../events/statistic-sets.js';
import type { Runtime } from '../../server/context.js';



const FLUSH_MS = 5000;
const UNITS: Record<string, string> = { Count: 'Count', '4XXError': 'Count', '5XXError': 'Count', Latency: 'Milliseconds', IntegrationLatency: 'Milliseconds', CacheHitCount: 'Count', CacheMissCount: 'Count' };

export class RequestMetrics {
  private series = new Map<string, Series>();
  private timer?: { cancel(): void };

  constructor(private readonly runtime: Runtime) {}

  start(): void {
    this.timer = this.runtime.clock.setInterval(() => this.flush(), FLUSH_MS);
  }

  stop(): void {
    this.flush();
    this.timer?.cancel();
  }

  record(o: { account: string; region: string; apiName: string; stage: string; method?: string; resource?: string; detailed: boolean; status: number; latency: number; integrationLatency?: number; cacheHit?: boolean }): void {
    const sets: { Name: string; Value: string }[][] = [
      [{ Name: 'ApiName', Value: o.apiName }],
      [{ Name: 'ApiName', Value: o.apiName }, { Name: 'Stage', Value: o.stage }],
    ];
    if (o.detailed && o.method && o.resource) {
      sets.push([{ Name: 'ApiName', Value: o.apiName }, { Name: 'Method', Value: o.method }, { Name: 'Resource', Value: o.resource }, { Name: 'Stage', Value: o.stage }]);
    }
    for (const dims of sets) {
      const key = `${o.account}/${o.region}/${dims.map((d) => `${d.Name}=${d.Value}`).join(',')}`;
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = { account: o.account, region: o.region, dims, stats: new Map() }));
      add(s, 'Count', 1);
      add(s, '4XXError', o.status >= 400 && o.status < 500 ? 1 : 0);
      add(s, '5XXError', o.status >= 500 ? 1 : 0);
      add(s, 'Latency', o.latency);
      if (o.integrationLatency !== undefined) add(s, 'IntegrationLatency', o.integrationLatency);
      if (o.cacheHit !== undefined) {
        add(s, 'CacheHitCount', o.cacheHit ? 1 : 0);
        add(s, 'CacheMissCount', o.cacheHit ? 0 : 1);
      }
    }
  }

  flush(): void {
    if (!this.series.size) return;
    publishStatSeries(this.runtime.bus, this.series.values(), 'AWS/ApiGateway', this.runtime.clock.date(), UNITS);
    this.series.clear();
  }
}

