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

  /** The dimension sets (and their series keys) of each API/stage/method, built once. */
  private readonly groups = new Map<string, { key: string; dims: { Name: string; Value: string }[] }[]>();

  private groupOf(o: { account: string; region: string; apiName: string; stage: string; method?: string; resource?: string; detailed: boolean }) {
    const detailed = o.detailed && o.method && o.resource;
    const gk = `${o.account}\u0000${o.region}\u0000${o.apiName}\u0000${o.stage}${detailed ? `\u0000${o.method}\u0000${o.resource}` : ''}`;
    let g = this.groups.get(gk);
    if (!g) {
      const sets: { Name: string; Value: string }[][] = [
        [{ Name: 'ApiName', Value: o.apiName }],
        [{ Name: 'ApiName', Value: o.apiName }, { Name: 'Stage', Value: o.stage }],
      ];
      if (detailed) sets.push([{ Name: 'ApiName', Value: o.apiName }, { Name: 'Method', Value: o.method! }, { Name: 'Resource', Value: o.resource! }, { Name: 'Stage', Value: o.stage }]);
      g = sets.map((dims) => ({ key: `${o.account}/${o.region}/${dims.map((d) => `${d.Name}=${d.Value}`).join(',')}`, dims }));
      if (this.groups.size >= 10_000) this.groups.clear();
      this.groups.set(gk, g);
    }
    return g;
  }

  record(o: { account: string; region: string; apiName: string; stage: string; method?: string; resource?: string; detailed: boolean; status: number; latency: number; integrationLatency?: number; cacheHit?: boolean }): void {
    for (const { key, dims } of this.groupOf(o)) {
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

