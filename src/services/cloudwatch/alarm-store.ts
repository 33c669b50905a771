// Alarms and their history as records of the store (alarms are few next to datapoints).
import type { AlarmHistoryItem, CompositeAlarm, MetricAlarm } from '../../generated/cloudwatch.js';
import { arn } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Runtime } from '../../server/context.js';
import type BetterSqlite3 from 'better-sqlite3';
import type { Scope, Store, Table } from '../../state/db.js';
import { alarmWritten, saveCachedAlarm } from './alarm-cache.js';
import { overlayState } from './alarm-state.js';

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

/** The alarm records, each with its state row (alarm-state.ts) put back in. */
export class AlarmTable {
  private readonly defs: Table<AlarmRecord>;
  private readonly states: Table<Record<string, unknown>>;
  private readonly stmts: { scopeStates: BetterSqlite3.Statement; allStates: BetterSqlite3.Statement };

  constructor(private readonly store: Store) {
    this.defs = store.table<AlarmRecord>('cloudwatch', 'alarm');
    this.states = store.table<Record<string, unknown>>('cloudwatch', 'alarm-state');
    let stmts = statements.get(store);
    if (!stmts) {
      stmts = {
        scopeStates: store.db.prepare("SELECT id, data FROM records WHERE service='cloudwatch' AND kind='alarm-state' AND account=? AND region=?"),
        allStates: store.db.prepare("SELECT account, region, id, data FROM records WHERE service='cloudwatch' AND kind='alarm-state'"),
      };
      statements.set(store, stmts);
    }
    this.stmts = stmts;
  }

  get(scope: Scope, name: string): AlarmRecord | undefined {
    const r = this.defs.get(scope, name);
    const state = r && this.states.get(scope, name);
    return r && state ? overlayState(r, state) : r;
  }

  has(scope: Scope, name: string): boolean {
    return this.defs.has(scope, name);
  }

  /** Records of one scope, in insertion order. */
  list(scope: Scope): AlarmRecord[] {
    const records = this.defs.list(scope);
    const rows = this.stmts.scopeStates.all(scope.account, scope.region) as { id: string; data: string }[];
    if (rows.length) {
      const states = new Map(rows.map((r) => [r.id, r.data]));
      for (const r of records) {
        const state = states.get(alarmOf(r).AlarmName!);
        if (state) overlayState(r, JSON.parse(state) as Record<string, unknown>);
      }
    }
    return records;
  }

  listAll(): { scope: Scope; id: string; record: AlarmRecord }[] {
    const all = this.defs.listAll();
    const states = new Map<string, string>();
    for (const r of this.stmts.allStates.all() as { account: string; region: string; id: string; data: string }[]) states.set(`${r.account}\u0000${r.region}\u0000${r.id}`, r.data);
    if (states.size) {
      for (const e of all) {
        const state = states.get(`${e.scope.account}\u0000${e.scope.region}\u0000${e.id}`);
        if (state) overlayState(e.record, JSON.parse(state) as Record<string, unknown>);
      }
    }
    return all;
  }

  /** Writes the whole record (its state in it): the state row, if any, is dropped. */
  put(scope: Scope, name: string, record: AlarmRecord): void {
    this.defs.put(scope, name, record);
    this.states.delete(scope, name);
  }

  delete(scope: Scope, name: string): boolean {
    this.states.delete(scope, name);
    return this.defs.delete(scope, name);
  }
}

const statements = new WeakMap<Store, { scopeStates: BetterSqlite3.Statement; allStates: BetterSqlite3.Statement }>();

export function alarmTable(runtime: Pick<Runtime, 'store'>): AlarmTable {
  return new AlarmTable(runtime.store);
}

/** Writes an alarm record. Every write of an alarm goes through here (or removeAlarm) so that the scheduler's
 * copy in memory (alarm-cache.ts) does not go stale; the scheduler's own state changes write the state row. */
export function saveAlarm(runtime: Pick<Runtime, 'store'>, scope: Scope, name: string, record: AlarmRecord): void {
  if (saveCachedAlarm(runtime.store, scope, name, record)) return;
  alarmTable(runtime).put(scope, name, record);
  alarmWritten(runtime.store, scope, name);
}

export function removeAlarm(runtime: Pick<Runtime, 'store'>, scope: Scope, name: string): boolean {
  const gone = alarmTable(runtime).delete(scope, name);
  alarmWritten(runtime.store, scope, name);
  return gone;
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

// Alarms evaluated in one minute print the same few times (the minute, its periods) thousands of times.
const jsonTimes = new Map<number, string>();

/** AWS's JSON timestamps in alarm history and reason data: 2026-11-30T12:00:00.000+0000. */
export function awsJsonTime(ms: number): string {
  let text = jsonTimes.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString().replace('Z', '+0000');
    if (jsonTimes.size >= 4096) jsonTimes.clear();
    jsonTimes.set(ms, text);
  }
  return text;
}

const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** awsJsonTime of a record's ISO timestamp (as records keep them), without a Date for the usual form. */
export function isoToAwsJson(iso: string): string {
  return CANONICAL_ISO.test(iso) ? `${iso.slice(0, 23)}+0000` : awsJsonTime(new Date(iso).getTime());
}
