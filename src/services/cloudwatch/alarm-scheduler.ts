// Alarm evaluation on the clock: every minute (on the minute) each metric alarm is evaluated, then composite
// alarms are evaluated over their children's states until nothing changes.
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { evaluateMetricAlarm } from './alarm-eval.js';
import { transition } from './alarm-actions.js';
import { type AlarmRecord, type StateValue, alarmOf, alarmTable, awsJsonTime } from './alarm-store.js';
import { alarmNameOf, evalRule, parseRule } from './alarm-rule.js';
import { highResAlarms } from './high-res.js';
import { metricsOf } from './state.js';

type RT = Pick<Runtime, 'store' | 'bus' | 'targets' | 'clock' | 'log'>;

/** Evaluates every alarm once (or only the high-resolution ones); returns how many changed state. */
export function evaluateAll(runtime: RT, onlyHighRes = false): number {
  const metrics = metricsOf(runtime);
  const now = runtime.clock.now();
  let changed = 0;
  runtime.store.transaction(() => {
    const byScope = new Map<string, { scope: Scope; records: AlarmRecord[]; changed: boolean }>();
    let entries: { scope: Scope; record: AlarmRecord }[];
    if (onlyHighRes) {
      entries = [];
      const table = alarmTable(runtime);
      for (const { scope, name } of highResAlarms(runtime).values()) {
        const record = table.get(scope, name);
        if (record) entries.push({ scope, record });
      }
    } else entries = alarmTable(runtime).listAll();
    for (const { scope, record } of entries) {
      const key = `${scope.account}/${scope.region}`;
      let g = byScope.get(key);
      if (!g) byScope.set(key, (g = { scope, records: [], changed: false }));
      g.records.push(record);
      if (record.type !== 'MetricAlarm') continue;
      const a = record.metric!;
      try {
        const e = evaluateMetricAlarm(metrics, scope.account, scope.region, a, now);
        if (e.state === (a.StateValue ?? 'INSUFFICIENT_DATA')) continue;
        if (transition(runtime, scope, record, { state: e.state, ...e.describe() })) {
          changed++;
          g.changed = true;
        }
      } catch (err) {
        runtime.log.warn(`cloudwatch: evaluating ${a.AlarmName} failed: ${(err as Error).message}`);
      }
    }
    for (const g of byScope.values()) {
      if (!onlyHighRes) changed += evaluateComposites(runtime, g.scope, g.records);
      else if (g.changed) changed += evaluateComposites(runtime, g.scope);
    }
  });
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
  let interval: TimerHandle | undefined;
  const tick = () => {
    try {
      const now = runtime.clock.now();
      if (now % 60_000 < 10_000) evaluateAll(runtime);
      else if (highResAlarms(runtime).size) evaluateAll(runtime, true);
    } catch (err) {
      runtime.log.error(`cloudwatch: alarm evaluation failed: ${(err as Error).stack ?? err}`);
    }
  };
  const first = runtime.clock.setTimeout(() => {
    tick();
    interval = runtime.clock.setInterval(tick, 10_000);
  }, 10_000 - (runtime.clock.now() % 10_000));
  return {
    cancel: () => {
      first.cancel();
      interval?.cancel();
    },
  };
}
