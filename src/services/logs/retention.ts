// Retention: the values AWS accepts, and the hourly sweep on the virtual clock that drops events older than
// a group's retention (AWS deletes expired events in the background, usually within days; an hour is closer
// to what a user expects to see in a test).
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { eventsTable } from './events-table.js';
import { groupsTable, type LogGroupRecord } from './store.js';

export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const DAY_MS = 86_400_000;
export const SWEEP_INTERVAL_MS = 3_600_000;

export function checkRetention(days: number): void {
  if (!RETENTION_DAYS.includes(days)) {
    throw new AwsError(
      'InvalidParameterException',
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
}

/** The oldest timestamp a group keeps at `now` (0 when it keeps events forever). */
export function retentionCutoff(group: LogGroupRecord, now: number): number {
  return group.retentionInDays ? now - group.retentionInDays * DAY_MS : 0;
}

/** Drops one group's expired events (stored bytes and stream bounds follow). */
export function expireGroup(runtime: Runtime, scope: Scope, group: LogGroupRecord, now: number): void {
  if (group.retentionInDays) eventsTable(runtime.store).expire(scope, group.logGroupName, retentionCutoff(group, now));
}

/** Runs the sweep every virtual hour; returns the timer. */
export function startRetentionSweep(runtime: Runtime) {
  return runtime.clock.setInterval(() => {
    const now = runtime.clock.now();
    runtime.store.transaction(() => {
      for (const { scope, record } of groupsTable(runtime.store).listAll()) expireGroup(runtime, scope, record, now);
    });
  }, SWEEP_INTERVAL_MS);
}
