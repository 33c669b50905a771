// An alarm's state kept apart from its definition. The scheduler's state changes write only the state (a row
// of kind 'alarm-state', a few hundred bytes) rather than the whole alarm record again, which made most of
// the SQLite work of a minute in which many alarms change. Reads put the state back into the record exactly
// as a state change on the record would have (same members, same order), so nothing else sees a difference.
// Any other write of the alarm record carries its state and drops the state row.
import type { AlarmRecord } from './alarm-store.js';

/** The members of an alarm's state, in the order a state change sets them (transition() in alarm-actions.ts). */
export const STATE_MEMBERS = ['StateValue', 'StateReason', 'StateReasonData', 'StateUpdatedTimestamp', 'StateTransitionedTimestamp'] as const;

/** The state row of a record's alarm, as JSON. */
export function stateText(record: AlarmRecord): string {
  const a = (record.metric ?? record.composite) as unknown as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of STATE_MEMBERS) if (a[k] !== undefined) parts.push(`"${k}":${JSON.stringify(a[k])}`);
  return `{${parts.join(',')}}`;
}

/** Puts a state row (parsed) into its alarm record: each member set in order, as a state change sets them,
 * then those without a value dropped, as writing and reading the record back would. */
export function overlayState(record: AlarmRecord, state: Record<string, unknown>): AlarmRecord {
  const a = (record.metric ?? record.composite) as unknown as Record<string, unknown>;
  for (const k of STATE_MEMBERS) a[k] = state[k];
  for (const k of STATE_MEMBERS) if (a[k] === undefined) delete a[k];
  return record;
}
