// AWS/Usage for Lambda: the account's concurrent executions per region, published every minute as AWS does
// for Service Quotas (ResourceCount, the name AWS/Usage gives every Type=Resource metric; dimensions Service
// Lambda, Type Resource, Resource ConcurrentExecutions, Class None; read it with Maximum), so an alarm can
// watch the concurrency quota.
// The figure is the most invocations in flight during the minute: the peak seen by the invocations that
// ran, or the count in flight now if that is higher (an invocation still running since before the minute).
import type { TimerHandle } from '../../clock/clock.js';
import type { Execution } from './invoke.js';
import type { ResolvedFunction } from './resolved-function.js';
import { tables } from './store.js';

const PERIOD_MS = 60_000;
const timers = new WeakMap<Execution, TimerHandle>();

export function publishUsage(x: Execution): void {
  const scopes = new Map<string, { account: string; region: string }>();
  for (const { scope } of tables(x.runtime.store).functions.listAll()) scopes.set(`${scope.account}/${scope.region}`, scope);
  const time = x.runtime.clock.date();
  for (const scope of scopes.values()) {
    // the concurrency accounting is per account and region: any function of the scope reads its totals
    const now = x.concurrency.current({ ...scope, FunctionName: '' } as ResolvedFunction).account;
    const value = Math.max(now, x.metrics.takePeak(scope.account, scope.region));
    x.runtime.bus.emit('metric', {
      ...scope,
      namespace: 'AWS/Usage',
      datums: [
        {
          MetricName: 'ResourceCount',
          Dimensions: [
            { Name: 'Service', Value: 'Lambda' },
            { Name: 'Type', Value: 'Resource' },
            { Name: 'Resource', Value: 'ConcurrentExecutions' },
            { Name: 'Class', Value: 'None' },
          ],
          Timestamp: time,
          Value: value,
          Unit: 'None',
        },
      ],
    });
  }
}

export function startUsageMetrics(x: Execution): void {
  if (timers.has(x)) return;
  timers.set(
    x,
    x.runtime.clock.setInterval(() => {
      try {
        publishUsage(x);
      } catch (err) {
        // the store is closing (Cumulus is stopping)
        x.runtime.log.warn(`lambda: usage metrics: ${(err as Error)?.message}`);
      }
    }, PERIOD_MS),
  );
}

export function stopUsageMetrics(x: Execution): void {
  timers.get(x)?.cancel();
  timers.delete(x);
}
