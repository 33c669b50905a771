// The metrics HTTP APIs publish in AWS/ApiGateway: Count, 4xx, 5xx, Latency, IntegrationLatency, DataProcessed
// by ApiId and by ApiId+Stage (and ApiId+Route+Stage with detailed metrics), aggregated in memory and
// published as statistic sets every few seconds of the virtual clock.
import { addStat as add, publishStatSeries, type StatSeries as Series } from '../../events/statistic-sets.js';
import type { Runtime } from '../../server/context.js';



const FLUSH_MS = 5000;
const UNITS: Record<string, string> = { Count: 'Count', '4xx': 'Count', '5xx': 'Count', Latency: 'Milliseconds', IntegrationLatency: 'Milliseconds', DataProcessed: 'Bytes' };

export interface RequestRecord {
  account: string;
  region: string;
  apiId: string;
  stage: string;
  route?: string;
  detailed: boolean;
  status: number;
  latency: number;
  integrationLatency?: number;
  bytes: number;
}

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

  record(o: RequestRecord): void {
    const sets: { Name: string; Value: string }[][] = [
      [{ Name: 'ApiId', Value: o.apiId }],
      [{ Name: 'ApiId', Value: o.apiId }, { Name: 'Stage', Value: o.stage }],
    ];
    if (o.detailed && o.route) sets.push([{ Name: 'ApiId', Value: o.apiId }, { Name: 'Route', Value: o.route }, { Name: 'Stage', Value: o.stage }]);
    for (const dims of sets) {
      const key = `${o.account}/${o.region}/${dims.map((d) => `${d.Name}=${d.Value}`).join(',')}`;
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = { account: o.account, region: o.region, dims, stats: new Map() }));
      add(s, 'Count', 1);
      add(s, '4xx', o.status >= 400 && o.status < 500 ? 1 : 0);
      add(s, '5xx', o.status >= 500 ? 1 : 0);
      add(s, 'Latency', o.latency);
      add(s, 'DataProcessed', o.bytes);
      if (o.integrationLatency !== undefined) add(s, 'IntegrationLatency', o.integrationLatency);
    }
  }

  flush(): void {
    if (!this.series.size) return;
    publishStatSeries(this.runtime.bus, this.series.values(), 'AWS/ApiGateway', this.runtime.clock.date(), UNITS);
    this.series.clear();
  }
}

