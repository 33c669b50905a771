// CloudWatch's public API for other services: alarms another service creates and owns (Auto Scaling's and
// Application Auto Scaling's target tracking alarms) go through the same code as PutMetricAlarm,
// DescribeAlarms and DeleteAlarms, so they validate, record history and evaluate exactly as a user's do.
import type { DescribeAlarmsInput, MetricAlarm, MetricDataQuery, PutMetricAlarmInput } from '../../generated/cloudwatch.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { evaluateMetricAlarm } from './alarm-eval.js';
import { alarmTable } from './alarm-store.js';
import { deleteAlarms, describeAlarms, putMetricAlarm } from './alarms-api.js';
import { runQueries } from './metric-data.js';
import type { MathValue, TimeSeries } from './metric-math.js';
import { metricsOf } from './state.js';

type RT = Pick<Runtime, 'store' | 'clock'>;

/** PutMetricAlarm in `scope`; throws the AwsError the operation would answer. */
export function putMetricAlarmInternal(runtime: RT, scope: Scope, input: PutMetricAlarmInput): void {
  runtime.store.transaction(() => putMetricAlarm({ store: runtime.store, clock: runtime.clock, ...scope }, input));
}

/** DeleteAlarms in `scope`; names that do not exist are skipped (the owner may race a user's delete). */
export function deleteAlarmsInternal(runtime: RT, scope: Scope, names: string[]): void {
  if (!names.length) return;
  runtime.store.transaction(() => {
    const ctx = { store: runtime.store, clock: runtime.clock, ...scope };
    const existing = new Set((describeAlarms(ctx, { AlarmNames: names, MaxRecords: 100 }).MetricAlarms ?? []).map((a) => a.AlarmName!));
    const present = names.filter((n) => existing.has(n));
    if (present.length) deleteAlarms(ctx, present);
  });
}

/** DescribeAlarms (metric alarms) in `scope`, every page. */
export function describeAlarmsInternal(runtime: RT, scope: Scope, input: Omit<DescribeAlarmsInput, 'NextToken' | 'MaxRecords'>): MetricAlarm[] {
  const ctx = { store: runtime.store, clock: runtime.clock, ...scope };
  const out: MetricAlarm[] = [];
  let token: string | undefined;
  do {
    const page = describeAlarms(ctx, { ...input, NextToken: token, MaxRecords: 100 });
    out.push(...(page.MetricAlarms ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/** What the alarm's evaluation would say now (without changing its state): its state and the newest
 * datapoint it evaluated. Services whose alarm actions CloudWatch repeats while the alarm stays in ALARM
 * (Auto Scaling policies) read the current value here. */
export function evaluateAlarmInternal(runtime: RT, scope: Scope, name: string): { state: string; metricValue?: number } | undefined {
  const record = alarmTable(runtime).get(scope, name);
  if (!record?.metric) return undefined;
  const e = evaluateMetricAlarm(metricsOf(runtime), scope.account, scope.region, record.metric, runtime.clock.now());
  let recent: unknown;
  try {
    recent = (JSON.parse(e.describe().reasonData) as { recentDatapoints?: unknown }).recentDatapoints;
  } catch {
    recent = undefined;
  }
  const values = Array.isArray(recent) ? recent.filter((v): v is number => typeof v === 'number') : [];
  return { state: e.state, ...(values.length ? { metricValue: values[values.length - 1] } : {}) };
}

export type { MathValue, TimeSeries };

/** GetMetricData's queries (metric stats and math) over [start, end) ms, for services that read metrics (forecasts). */
export function getMetricDataInternal(runtime: RT, scope: Scope, queries: MetricDataQuery[], start: number, end: number): Map<string, MathValue> {
  return runQueries({ account: scope.account, region: scope.region, metrics: metricsOf(runtime) }, queries, start, end);
}
