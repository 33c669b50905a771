// AWS/Usage: the vCPUs counted against each quota bucket, published every minute as AWS does (ResourceCount,
// dimensions Service EC2, Type Resource, Resource vCPU, Class e.g. Standard/OnDemand), so alarms can watch a
// quota the way Service Quotas' own alarms do.
import type { TimerHandle } from '../../clock/clock.js';
import type { MetricDatum } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import { instanceTable } from './instances.js';
import { BUCKET_NAMES, vcpusInUse, type Bucket, type Market } from './quotas.js';

const CLASS: Record<Bucket, string> = { STANDARD: 'Standard', F: 'F', G: 'G', INF: 'Inf', P: 'P', X: 'X', DL: 'DL', TRN: 'Trn', HPC: 'HPC' };
const MARKET: Record<Market, string> = { 'on-demand': 'OnDemand', spot: 'Spot' };

const timers = new WeakMap<Runtime['clock'], TimerHandle>();

export function publishUsage(runtime: Runtime): void {
  const scopes = new Map<string, { account: string; region: string }>();
  for (const { scope } of instanceTable(runtime).listAll()) scopes.set(`${scope.account}/${scope.region}`, scope);
  const time = runtime.clock.date();
  for (const scope of scopes.values()) {
    const ctx = { ...runtime, ...scope };
    const datums: MetricDatum[] = [];
    for (const bucket of Object.keys(BUCKET_NAMES) as Bucket[]) {
      for (const market of ['on-demand', 'spot'] as Market[]) {
        const used = vcpusInUse(ctx, bucket, market);
        if (!used) continue;
        datums.push({
          MetricName: 'ResourceCount',
          Dimensions: [
            { Name: 'Service', Value: 'EC2' },
            { Name: 'Type', Value: 'Resource' },
            { Name: 'Resource', Value: 'vCPU' },
            { Name: 'Class', Value: `${CLASS[bucket]}/${MARKET[market]}` },
          ],
          Timestamp: time,
          Value: used,
          Unit: 'None',
        });
      }
    }
    if (datums.length) runtime.bus.emit('metric', { ...scope, namespace: 'AWS/Usage', datums });
  }
}

export function startUsageMetrics(runtime: Runtime): void {
  if (!timers.has(runtime.clock)) timers.set(runtime.clock, runtime.clock.setInterval(() => publishUsage(runtime), 60_000));
}

export function stopUsageMetrics(runtime: Runtime): void {
  timers.get(runtime.clock)?.cancel();
  timers.delete(runtime.clock);
}
