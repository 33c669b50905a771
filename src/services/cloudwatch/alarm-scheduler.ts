// Alarm evaluation on the clock: every minute (on the minute) each metric alarm is evaluated, then composite
// alarms are evaluated over their children's states until nothing changes.
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { evaluateMetricAlarm } from './alarm-eval.js';
import { transition } from './alarm-actions.js';
import { type CachedAlarm, alarmCache } from './alarm-cache.js';
import { type AlarmRecord, type StateValue, alarmOf, alarmTable, awsJsonTime } from './alarm-store.js';
import { alarmNameOf, evalRule, parseRule } from './alarm-rule.js';
import { onGrid } from './grid-timer.js';
import { highResAlarms } from './high-res.js';
import { metricsOf } from './state.js';

type RT = Pick<Runtime, 'store' | 'bus' | 'targets' | 'clock' | 'log'>;

/** Evaluates every alarm once (or only the high-resolution ones); returns how many changed state. */
export function evaluateAll(runtime: RT, onlyHighRes = false): number {
  const metrics = metricsOf(runtime);
  const now = runtime.clock.now();
  const cache = alarmCache(runtime.store);
  // inside someone else's transaction our writes could still be rolled back: do not trust the copies after
  const nested = runtime.store.db.inTransaction;
  let changed = 0;
  try {
    runtime.store.transaction(() => {
      cache.refresh();
      let entries: Iterable<CachedAlarm>;
      if (onlyHighRes) {
        const list: CachedAlarm[] = [];
        for (const { scope, name } of highResAlarms(runtime).values()) {
          const e = cache.get(scope, name);
          if (e) list.push(e);
        }
        entries = list;
      } else entries = cache.entries.values();
      const changedScopes = new Set<string>();
      for (const { scope, scopeKey, record } of entries) {
        if (record.type !== 'MetricAlarm') continue;
        const a = record.metric!;
        try {
          const e = evaluateMetricAlarm(metrics, scope.account, scope.region, a, now);
          if (e.state === (a.StateValue ?? 'INSUFFICIENT_DATA')) continue;
          if (transition(runtime, scope, record, { state: e.state, ...e.describe() })) {
            changed++;
            changedScopes.add(scopeKey);
          }
        } catch (err) {
          runtime.log.warn(`cloudwatch: evaluating ${a.AlarmName} failed: ${(err as Error).message}`);
        }
      }
      // composites see the states just written: every scope on the minute, the changed ones on the 10 s tick
      const byScope = new Map<string, { scope: Scope; records: AlarmRecord[]; composites: boolean }>();
      for (const e of cache.entries.values()) {
        if (onlyHighRes && !changedScopes.has(e.scopeKey)) continue;
        let g = byScope.get(e.scopeKey);
        if (!g) byScope.set(e.scopeKey, (g = { scope: e.scope, records: [], composites: false }));
        g.records.push(e.record);
        if (e.record.type === 'CompositeAlarm') g.composites = true;
      }
      for (const g of byScope.values()) if (g.composites) changed += evaluateComposites(runtime, g.scope, g.records);
    });
  } catch (err) {
    cache.clear();
    throw err;
  }
  if (nested) cache.clear();
  return changed;
}

/** Evaluates the composite alarms of a scope over the current states of all its alarms. */
export function evaluateComposites(runtime: RT, scope: Scope, records = alarmTable(runtime).list(scope)): number {
  const byName = new Map(records.map((r) => [alarmOf(r).AlarmName!, alarmOf(r)]));
  let changed = 0;
  // a composite may depend on another composite: repeat until stable (bounded)
  for (let pass = 0; pass < 5; pass++) {
    let any = false;
    for (const r of records) {
      if (r.type !== 'CompositeAlarm') continue;
      const a = r.composite!;
      const stateOf = (ref: string) => (byName.get(alarmNameOf(ref))?.StateValue ?? 'INSUFFICIENT_DATA') as StateValue;
      const value: StateValue = evalRule(parseRule(a.AlarmRule!), stateOf) ? 'ALARM' : 'OK';
      if (value === (a.StateValue ?? 'INSUFFICIENT_DATA')) continue;
      // CloudWatch names the child whose change made the rule flip, and lists the children in ALARM
      const children = [...new Set(collect(a.AlarmRule!))].map((n) => byName.get(n)).filter((x) => x !== undefined);
      const latest = children.sort((x, y) => String(y.StateUpdatedTimestamp ?? '').localeCompare(String(x.StateUpdatedTimestamp ?? '')))[0];
      const reason = latest
        ? `${latest.AlarmArn} transitioned to ${latest.StateValue} at ${longTime(new Date(String(latest.StateUpdatedTimestamp)).getTime())}`
        : `The alarm rule evaluated to ${value === 'ALARM' ? 'TRUE' : 'FALSE'}`;
      const triggering = children.filter((x) => x.StateValue === 'ALARM');
      const reasonData = JSON.stringify({
        triggeringAlarms: triggering.map((x) => ({ arn: x.AlarmArn, state: { value: 'ALARM', timestamp: awsJsonTime(new Date(String(x.StateUpdatedTimestamp)).getTime()) } })),
      });
      if (transition(runtime, scope, r, { state: value, reason, reasonData })) {
        changed++;
        any = true;
      }
    }
    if (!any) break;
  }
  return changed;
}

/** "Friday 26 November, 2021 10:12:04 UTC", as composite alarm reasons print times. */
function longTime(ms: number): string {
  const d = new Date(ms);
  const day = d.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const month = d.toLocaleDateString('en-GB', { month: 'long', timeZone: 'UTC' });
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${d.getUTCDate()} ${month}, ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

function collect(rule: string): string[] {
  const out: string[] = [];
  const walk = (r: ReturnType<typeof parseRule>) => {
    if (r.k === 'state') out.push(alarmNameOf(r.alarm));
    else if (r.k === 'not') walk(r.a);
    else if (r.k === 'and' || r.k === 'or') {
      walk(r.a);
      walk(r.b);
    }
  };
  walk(parseRule(rule));
  return out;
}

/** Starts the tick: every 10 seconds of the clock for high-resolution alarms, every minute for all. */
export function startAlarmScheduler(runtime: RT): TimerHandle {
  const tick = () => {
    try {
      const now = runtime.clock.now();
      if (now % 60_000 < 10_000) evaluateAll(runtime);
      else if (highResAlarms(runtime).size) evaluateAll(runtime, true);
    } catch (err) {
      runtime.log.error(`cloudwatch: alarm evaluation failed: ${(err as Error).stack ?? err}`);
    }
  };
  return onGrid(runtime.clock, 10_000, tick);
}
