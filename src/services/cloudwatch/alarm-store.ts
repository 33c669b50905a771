// Alarms and their history as records of the store (alarms are few next to datapoints).
import type { AlarmHistoryItem, CompositeAlarm, MetricAlarm } from '../../generated/cloudwatch.js';
import { arn } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Runtime } from '../../server/context.js';
import type { Scope, Table } from '../../state/db.js';

export type StateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Timestamps are ISO strings in records. */
export interface AlarmRecord {
  type: 'MetricAlarm' | 'CompositeAlarm';
  metric?: MetricAlarm;
  composite?: CompositeAlarm;
  tags: TagMap;
}

export type AnyAlarm = MetricAlarm & CompositeAlarm;

export function alarmOf(r: AlarmRecord): AnyAlarm {
  return (r.metric ?? r.composite)! as AnyAlarm;
}

export function alarmTable(runtime: Pick<Runtime, 'store'>): Table<AlarmRecord> {
  return runtime.store.table<AlarmRecord>('cloudwatch', 'alarm');
}

export interface HistoryRecord extends AlarmHistoryItem {
  Timestamp: string;
}

export function historyTable(runtime: Pick<Runtime, 'store'>): Table<HistoryRecord> {
  return runtime.store.table<HistoryRecord>('cloudwatch', 'alarm-history');
}

let seq = 0;
/** Appends a history item (AWS keeps 30 days of alarm history). */
export function addHistory(runtime: Pick<Runtime, 'store'>, scope: Scope, item: HistoryRecord): void {
  historyTable(runtime).put(scope, `${item.Timestamp}#${String(++seq).padStart(9, '0')}`, item);
}

/** Drops history items older than 30 days (ids start with the ISO timestamp, so they sort by time). */
export function expireHistory(runtime: Pick<Runtime, 'store' | 'clock'>): void {
  const cutoff = new Date(runtime.clock.now() - 30 * 24 * 3600_000).toISOString();
  runtime.store.db.prepare("DELETE FROM records WHERE service='cloudwatch' AND kind='alarm-history' AND id < ?").run(cutoff);
}

export function alarmArn(scope: Scope, name: string): string {
  return arn({ service: 'cloudwatch', region: scope.region, account: scope.account, resource: `alarm:${name}` });
}

/** AWS's JSON timestamps in alarm history and reason data: 2026-11-30T12:00:00.000+0000. */
export function awsJsonTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
