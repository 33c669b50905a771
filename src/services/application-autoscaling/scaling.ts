// Changing a scalable target's capacity: step and target tracking scaling policies run by alarms, scheduled
// actions run on the clock; every change is an activity with AWS's wording.
import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../../clock/clock.js';
import type { TargetInvocation, TargetResult } from '../../events/targets.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { nextRun, parseCron } from '../autoscaling/index.js';
import { capacityWord, readCapacity, writeCapacity } from './resources.js';
import { activities, policies, scheduled, targetKey, targets, type ActivityRecord, type PolicyRecord, type ScheduledRecord, type TargetRecord } from './store.js';
import { noteRun, repeatAlarmActions, trackingCapacity } from './target-tracking.js';

function record(rt: Runtime, scope: Scope, t: TargetRecord, a: Pick<ActivityRecord, 'Description' | 'Cause' | 'StatusCode'> & { StatusMessage?: string }): void {
  const now = rt.clock.now();
  const id = randomUUID();
  activities(rt).put(scope, id, {
    ActivityId: id,
    ServiceNamespace: t.ServiceNamespace,
    ResourceId: t.ResourceId,
    ScalableDimension: t.ScalableDimension,
    StartTime: new Date(now).toISOString(),
    EndTime: new Date(now).toISOString(),
    at: now,
    ...a,
  });
}

/** Sets a target's capacity to what `next` asks (kept within its bounds); records the activity. */
export async function scale(rt: Runtime, scope: Scope, key: string, next: (current: number, t: TargetRecord) => number | undefined, cause: string): Promise<string> {
  const t = targets(rt).get(scope, key);
  if (!t) return 'the scalable target no longer exists';
  let current: number;
  try {
    current = await readCapacity(rt, t);
  } catch (err) {
    rt.store.transaction(() => record(rt, scope, t, { Description: `Reading the ${capacityWord(t.ScalableDimension)}.`, Cause: cause, StatusCode: 'Failed', StatusMessage: String((err as Error).message) }));
    return `failed: ${(err as Error).message}`;
  }
  const wanted = next(current, t);
  if (wanted === undefined) return 'no change';
  const target = Math.min(t.MaxCapacity, Math.max(t.MinCapacity, wanted));
  if (target === current) return `capacity stays ${current}`;
  const description = `Setting ${capacityWord(t.ScalableDimension)} to ${target}.`;
  try {
    await writeCapacity(rt, scope, t, target);
  } catch (err) {
    rt.store.transaction(() => record(rt, scope, t, { Description: description, Cause: cause, StatusCode: 'Failed', StatusMessage: String((err as Error).message) }));
    return `failed: ${(err as Error).message}`;
  }
  rt.store.transaction(() => {
    const fresh = targets(rt).get(scope, key);
    if (fresh) targets(rt).put(scope, key, { ...fresh, capacity: target });
    record(rt, scope, t, { Description: description, Cause: cause, StatusCode: 'Successful', StatusMessage: `Successfully set ${capacityWord(t.ScalableDimension)} to ${target}. Change successfully fulfilled by ${t.ServiceNamespace}.` });
  });
  return `changed the capacity from ${current} to ${target}`;
}

/** The change a step policy makes for a metric value, relative to the alarm's threshold. */
function stepChange(current: number, cfg: NonNullable<import('./store.js').PolicyRecord['StepScalingPolicyConfiguration']>, diff: number): number | undefined {
  const step = (cfg.StepAdjustments ?? []).find((s) => (s.MetricIntervalLowerBound ?? -Infinity) <= diff && diff < (s.MetricIntervalUpperBound ?? Infinity));
  if (!step) return undefined;
  const adj = step.ScalingAdjustment;
  if (cfg.AdjustmentType === 'ExactCapacity') return adj;
  if (cfg.AdjustmentType === 'PercentChangeInCapacity') {
    const raw = (current * adj) / 100;
    let change = raw > 1 ? Math.floor(raw) : raw < -1 ? Math.ceil(raw) : Math.sign(raw);
    if (cfg.MinAdjustmentMagnitude && change !== 0 && Math.abs(change) < cfg.MinAdjustmentMagnitude) change = Math.sign(change) * cfg.MinAdjustmentMagnitude;
    return current + change;
  }
  return current + adj;
}

const POLICY_ARN = /^arn:aws[\w-]*:autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:[^:]+:resource\//;

/** Alarm actions naming an Application Auto Scaling policy ARN land here. */
export function policyTarget(rt: Runtime) {
  return {
    matches: (arn: string) => POLICY_ARN.test(arn),
    handle: async (inv: TargetInvocation): Promise<TargetResult> => {
      const parts = inv.arn.split(':');
      const scope = { account: parts[4]!, region: parts[3]! };
      const p = policies(rt)
        .list(scope)
        .find((x) => x.PolicyARN === inv.arn);
      if (!p) return { ok: false, message: `Policy ${inv.arn} does not exist` };
      const key = targetKey(p.ServiceNamespace, p.ResourceId, p.ScalableDimension);
      const t = targets(rt).get(scope, key);
      if (!t) return { ok: false, message: 'the scalable target no longer exists' };
      if (t.SuspendedState?.DynamicScalingInSuspended && t.SuspendedState.DynamicScalingOutSuspended) return { ok: true, message: 'dynamic scaling is suspended' };
      if (p.PolicyType === 'TargetTrackingScaling') {
        const ctx = inv.context ?? {};
        let named: string | undefined;
        try {
          named = (JSON.parse(inv.payload) as { AlarmName?: string }).AlarmName;
        } catch {
          /* not the alarm message */
        }
        const alarm = (ctx.alarmName as string | undefined) ?? named ?? 'unknown';
        return { ok: true, message: await runTracking(rt, scope, p, alarm, typeof ctx.metricValue === 'number' ? ctx.metricValue : undefined) };
      }
      const cfg = p.StepScalingPolicyConfiguration;
      if (!cfg) return { ok: false, message: 'not a step scaling policy' };
      if ((t.cooldownUntil ?? 0) > rt.clock.now()) return { ok: true, message: 'the target is in its cooldown period' };
      let payload: { NewStateValue?: string; Trigger?: { Threshold?: number }; AlarmName?: string } = {};
      try {
        payload = JSON.parse(inv.payload);
      } catch {
        /* not the alarm message */
      }
      const ctx = inv.context ?? {};
      const alarm = (ctx.alarmName as string | undefined) ?? payload.AlarmName ?? 'unknown';
      const diff = typeof ctx.metricValue === 'number' && payload.Trigger?.Threshold !== undefined ? ctx.metricValue - payload.Trigger.Threshold : 0;
      const message = await scale(
        rt,
        scope,
        key,
        (current) => {
          const n = stepChange(current, cfg, diff);
          if (n === undefined) return undefined;
          if (n > current && t.SuspendedState?.DynamicScalingOutSuspended) return undefined;
          if (n < current && t.SuspendedState?.DynamicScalingInSuspended) return undefined;
          return n;
        },
        `monitor alarm ${alarm} in state ${payload.NewStateValue ?? 'ALARM'} triggered policy ${p.PolicyName}`,
      );
      if (cfg.Cooldown) {
        rt.store.transaction(() => {
          const fresh = targets(rt).get(scope, key);
          if (fresh) targets(rt).put(scope, key, { ...fresh, cooldownUntil: rt.clock.now() + cfg.Cooldown! * 1000 });
        });
      }
      return { ok: true, message };
    },
  };
}

/** Runs a target tracking policy for its alarm: the proportional capacity, then the cooldown clocks. */
export async function runTracking(rt: Runtime, scope: Scope, p: PolicyRecord, alarmName: string, metricValue: number | undefined): Promise<string> {
  const key = targetKey(p.ServiceNamespace, p.ResourceId, p.ScalableDimension);
  noteRun(rt, alarmName);
  let why: string | undefined;
  let from = 0;
  const message = await scale(
    rt,
    scope,
    key,
    (current, t) => {
      from = current;
      const n = trackingCapacity(rt.clock.now(), t, p, alarmName, metricValue, current);
      if (typeof n === 'string') {
        why = n;
        return undefined;
      }
      return n;
    },
    `monitor alarm ${alarmName} in state ALARM triggered policy ${p.PolicyName}`,
  );
  const m = /^changed the capacity from \d+ to (\d+)$/.exec(message);
  if (m) {
    const out = Number(m[1]) > from;
    rt.store.transaction(() => {
      const fresh = targets(rt).get(scope, key);
      if (fresh) targets(rt).put(scope, key, { ...fresh, ...(out ? { lastScaleOut: rt.clock.now() } : { lastScaleIn: rt.clock.now() }) });
    });
  }
  return why ?? message;
}

/** AWS's six-field cron (minutes hours day-of-month month day-of-week year; Sunday is 1) as five Unix fields. */
export function unixCron(expr: string): string {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 6) throw new Error(expr);
  const dow = f[4]!.replace(/\d+/g, (n) => String(Number(n) - 1));
  return [f[0], f[1], f[2]!.replace('?', '*'), f[3], dow.replace('?', '*')].join(' ');
}

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The next run of a schedule after `after` (virtual ms); undefined when it will not run again. */
export function nextScheduled(a: Pick<ScheduledRecord, 'Schedule' | 'Timezone' | 'StartTime' | 'EndTime'>, after: number, last?: number): number | undefined {
  const tz = a.Timezone ?? 'UTC';
  const start = a.StartTime ? Date.parse(a.StartTime) : undefined;
  const end = a.EndTime ? Date.parse(a.EndTime) : undefined;
  const from = Math.max(after, (start ?? -Infinity) - 1);
  let next: number | undefined;
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(a.Schedule);
  const rate = RATE.exec(a.Schedule);
  if (at) {
    if (last !== undefined) return undefined;
    const [, y, mo, d, h, mi] = at;
    // the first moment after a day before whose wall clock in the zone matches
    const n = nextRun(parseCron(`${Number(mi)} ${Number(h)} ${Number(d)} ${Number(mo)} *`), Date.UTC(Number(y), Number(mo) - 1, Number(d)) - 2 * 86_400_000, tz);
    next = n !== undefined && n > after - 60_000 ? n : undefined;
  } else if (rate) {
    const every = Number(rate[1]) * UNIT_MS[rate[2]!.replace(/s$/, '')]!;
    next = last !== undefined ? last + every : Math.max(from, after) + every;
  } else {
    const cron = /^cron\((.+)\)$/.exec(a.Schedule);
    if (!cron) return undefined;
    next = nextRun(parseCron(unixCron(cron[1]!)), from, tz);
  }
  if (next === undefined || (end !== undefined && next > end)) return undefined;
  return next;
}

/** Runs the scheduled actions that are due; each sets the target's min and max (the capacity follows into the range). */
export async function runScheduled(rt: Runtime): Promise<void> {
  const now = rt.clock.now();
  for (const { scope, id, record: a } of scheduled(rt).listAll()) {
    if (a.nextRun === undefined || a.nextRun > now) continue;
    const key = targetKey(a.ServiceNamespace, a.ResourceId, a.ScalableDimension!);
    const t = targets(rt).get(scope, key);
    rt.store.transaction(() => {
      const next = nextScheduled(a, now, a.nextRun);
      scheduled(rt).put(scope, id, { ...a, nextRun: next });
    });
    if (!t || t.SuspendedState?.ScheduledScalingSuspended) continue;
    const min = a.ScalableTargetAction?.MinCapacity ?? t.MinCapacity;
    const max = a.ScalableTargetAction?.MaxCapacity ?? t.MaxCapacity;
    rt.store.transaction(() => {
      const fresh = targets(rt).get(scope, key);
      if (fresh) targets(rt).put(scope, key, { ...fresh, MinCapacity: min, MaxCapacity: max });
    });
    await scale(rt, scope, key, (current) => Math.min(max, Math.max(min, current)), `scheduled action name ${a.ScheduledActionName} was triggered`);
  }
}

const timers = new WeakMap<object, TimerHandle[]>();

export function startScheduler(rt: Runtime): void {
  if (timers.has(rt.clock)) return;
  timers.set(rt.clock, [
    rt.clock.setInterval(() => void runScheduled(rt).catch((err) => rt.log.error(`application-autoscaling: scheduled actions: ${(err as Error)?.stack ?? String(err)}`)), 10_000),
    // CloudWatch runs a scaling action again every minute while its alarm stays in ALARM
    rt.clock.setInterval(
      () =>
        void repeatAlarmActions(rt, (scope, p, alarm, value) => runTracking(rt, scope, p, alarm, value)).catch((err) =>
          rt.log.warn(`application-autoscaling: repeating alarm actions: ${(err as Error)?.message ?? String(err)}`),
        ),
      60_000,
    ),
  ]);
}

export function stopScheduler(rt: Runtime): void {
  for (const t of timers.get(rt.clock) ?? []) t.cancel();
  timers.delete(rt.clock);
}
