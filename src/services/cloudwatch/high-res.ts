// Which alarms have a period under a minute: CloudWatch evaluates those every 10 seconds, the rest every
// minute. Kept in memory so the 10-second tick does not read every alarm.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Store } from '../../state/db.js';
import { alarmTable } from './alarm-store.js';

const registries = new WeakMap<Store, Map<string, { scope: Scope; name: string }>>();

export function highResAlarms(runtime: Pick<Runtime, 'store'>): Map<string, { scope: Scope; name: string }> {
  let r = registries.get(runtime.store);
  if (!r) {
    r = new Map();
    for (const { scope, record } of alarmTable(runtime).listAll()) {
      const a = record.metric;
      if (a && isHighRes(a)) r.set(key(scope, a.AlarmName!), { scope, name: a.AlarmName! });
    }
    registries.set(runtime.store, r);
  }
  return r;
}

export function isHighRes(a: { Period?: number; Metrics?: { MetricStat?: { Period: number }; Period?: number }[] }): boolean {
  const period = a.Period ?? a.Metrics?.find((q) => q.MetricStat)?.MetricStat?.Period ?? a.Metrics?.[0]?.Period ?? 60;
  return period < 60;
}

const key = (scope: Scope, name: string) => `${scope.account}/${scope.region}/${name}`;

export function trackAlarm(runtime: Pick<Runtime, 'store'>, scope: Scope, name: string, highRes: boolean): void {
  const r = highResAlarms(runtime);
  if (highRes) r.set(key(scope, name), { scope, name });
  else r.delete(key(scope, name));
}

export function forgetAll(runtime: Pick<Runtime, 'store'>): void {
  registries.delete(runtime.store);
}
