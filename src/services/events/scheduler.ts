// Scheduled rules: one clock timer per enabled rule with a ScheduleExpression. Each firing delivers a
// "Scheduled Event" to the rule's targets and arms the next one. Advancing the virtual clock by N periods fires
// N times (each timer runs at its due time); when real time ran past several periods at once (a stalled
// process), the missed ones are skipped, as AWS does not backfill.
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import { triggerRule } from './delivery.js';
import { envelope } from './envelope.js';
import { parseSchedule } from './schedule.js';
import { ruleKey, type RuleRecord, rulesTable } from './store.js';

interface SchedulerState {
  runtime: Runtime;
  timers: Map<string, TimerHandle>;
}

// keyed by the store so that several Cumulus instances in one process keep their own timers
const states = new WeakMap<Store, SchedulerState>();

const timerKey = (scope: Scope, bus: string, name: string) => `${scope.account}|${scope.region}|${ruleKey(bus, name)}`;

export function startScheduler(runtime: Runtime): void {
  const state: SchedulerState = { runtime, timers: new Map() };
  states.set(runtime.store, state);
  for (const { scope, record } of rulesTable(runtime.store).listAll()) arm(state, scope, record);
  runtime.bus.on('reset', ({ service }) => {
    if (service && service !== 'events') return;
    cancelAll(runtime.store);
    for (const { scope, record } of rulesTable(runtime.store).listAll()) arm(state, scope, record);
  });
}

export function stopScheduler(runtime: Runtime): void {
  cancelAll(runtime.store);
  states.delete(runtime.store);
}

function cancelAll(store: Store): void {
  const state = states.get(store);
  if (!state) return;
  for (const t of state.timers.values()) t.cancel();
  state.timers.clear();
}

/** (Re)arms a rule's timer after PutRule, EnableRule or DisableRule. */
export function scheduleRule(runtime: Pick<Runtime, 'store'>, scope: Scope, rule: RuleRecord): void {
  const state = states.get(runtime.store);
  if (state) arm(state, scope, rule);
}

export function unscheduleRule(store: Store, scope: Scope, bus: string, name: string): void {
  const state = states.get(store);
  const key = timerKey(scope, bus, name);
  state?.timers.get(key)?.cancel();
  state?.timers.delete(key);
}

function arm(state: SchedulerState, scope: Scope, rule: RuleRecord, after?: number): void {
  const key = timerKey(scope, rule.EventBusName, rule.Name);
  state.timers.get(key)?.cancel();
  state.timers.delete(key);
  if (!rule.ScheduleExpression || rule.State === 'DISABLED') return;
  const { clock } = state.runtime;
  const now = clock.now();
  const next = parseSchedule(rule.ScheduleExpression).next(Math.max(after ?? now, now), rule.CreatedAt);
  if (next === undefined) return;
  const handle = clock.setTimeout(() => fire(state, scope, rule.EventBusName, rule.Name, rule.ScheduleExpression!, next), next - now);
  state.timers.set(key, handle);
}

function fire(state: SchedulerState, scope: Scope, bus: string, name: string, expression: string, due: number): void {
  const { runtime } = state;
  state.timers.delete(timerKey(scope, bus, name));
  const rule = rulesTable(runtime.store).get(scope, ruleKey(bus, name));
  // the rule may have been deleted, disabled or given another schedule since this timer was armed
  if (!rule || rule.State === 'DISABLED' || rule.ScheduleExpression !== expression) return;
  const event = envelope({
    account: scope.account,
    region: scope.region,
    source: 'aws.events',
    detailType: 'Scheduled Event',
    detail: {},
    resources: [rule.Arn],
    time: due,
  });
  triggerRule(runtime, scope, rule, event, 0, runtime.clock.now());
  arm(state, scope, rule, due);
}
