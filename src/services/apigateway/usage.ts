// Requests counted per usage plan and API key per UTC day, and quota periods (DAY, WEEK from Sunday + offset,
// MONTH from the first + offset) on the virtual clock.
import type { QuotaSettings } from '../../generated/apigateway.js';
import type { Scope, Store } from '../../state/db.js';
import { tables } from './store.js';

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Start (inclusive) and end (exclusive) of the quota period holding `ms`. */
export function periodOf(quota: QuotaSettings, ms: number): { start: number; end: number } {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const DAY = 86_400_000;
  const offset = quota.offset ?? 0;
  if (quota.period === 'WEEK') {
    const back = (d.getUTCDay() - offset + 7) % 7;
    const start = midnight - back * DAY;
    return { start, end: start + 7 * DAY };
  }
  if (quota.period === 'MONTH') {
    let start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1 + offset);
    if (start > ms) start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1 + offset);
    const s = new Date(start);
    return { start, end: Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, s.getUTCDate()) };
  }
  return { start: midnight, end: midnight + DAY };
}

const usageId = (planId: string, keyId: string, day: string) => `${planId}/${keyId}/${day}`;

export function usedOn(store: Store, scope: Scope, planId: string, keyId: string, day: string): number {
  return tables(store).usage.get(scope, usageId(planId, keyId, day))?.used ?? 0;
}

/** Requests of a key in a plan between two instants (whole days). */
export function usedBetween(store: Store, scope: Scope, planId: string, keyId: string, start: number, end: number): number {
  let n = 0;
  for (let t = start; t < end; t += 86_400_000) n += usedOn(store, scope, planId, keyId, dayOf(t));
  return n;
}

export function recordUse(store: Store, scope: Scope, planId: string, keyId: string, now: number): void {
  const day = dayOf(now);
  const t = tables(store).usage;
  const id = usageId(planId, keyId, day);
  const r = t.get(scope, id) ?? { planId, keyId, day, used: 0 };
  r.used++;
  t.put(scope, id, r);
}

const creditId = (planId: string, keyId: string, periodStart: number) => `${planId}/${keyId}/credit/${periodStart}`;

/** Requests UpdateUsage granted back to a key for the quota period starting at `periodStart`. */
export function creditOf(store: Store, scope: Scope, planId: string, keyId: string, periodStart: number): number {
  return tables(store).usage.get(scope, creditId(planId, keyId, periodStart))?.used ?? 0;
}

export function setCredit(store: Store, scope: Scope, planId: string, keyId: string, periodStart: number, credit: number): void {
  tables(store).usage.put(scope, creditId(planId, keyId, periodStart), { planId, keyId, day: `credit-${periodStart}`, used: credit });
}

/** Requests left in the key's quota for the period holding `ms` (counting UpdateUsage's credit). */
export function remainingQuota(store: Store, scope: Scope, planId: string, keyId: string, quota: QuotaSettings, ms: number, until?: number): number {
  const period = periodOf(quota, ms);
  const used = usedBetween(store, scope, planId, keyId, period.start, until ?? period.end);
  return Math.max(0, (quota.limit ?? 0) - used + creditOf(store, scope, planId, keyId, period.start));
}
