// The alarms the scheduler evaluates, parsed once and kept in memory: reading and parsing every alarm record
// from SQLite each minute cost more than evaluating them. SQLite stays the truth. The scheduler's state
// changes update the cached record and write its state row (alarm-state.ts) in the tick's transaction; every
// other write of an alarm (saveAlarm / removeAlarm in alarm-store.ts) marks it stale, and stale alarms are read
// again once the writing transaction has ended (or at the next evaluation), so a write that its request
// rolled back is read back as it is. The order is the store's (insertion order), as listing the table gives
// it, so alarms change state, write history and emit events in the same order as before.
import type BetterSqlite3 from 'better-sqlite3';
import type { Scope, Store } from '../../state/db.js';
import type { AlarmRecord } from './alarm-store.js';
import { overlayState, stateText } from './alarm-state.js';

export interface CachedAlarm {
  /** scope and name, for lookups */
  key: string;
  /** account/region, for grouping by scope */
  scopeKey: string;
  scope: Scope;
  name: string;
  /** the row's position in the store (insertion order) */
  seq: number;
  /** the parsed record, which the scheduler's state changes update in place as they write it */
  record: AlarmRecord;
}

const keyOf = (scope: Scope, name: string) => `${scope.account}\u0000${scope.region}\u0000${name}`;

/** An alarm record with its state row put back in (alarm-state.ts). */
function parse(data: string, state: string | undefined): AlarmRecord {
  const record = JSON.parse(data) as AlarmRecord;
  return state ? overlayState(record, JSON.parse(state) as Record<string, unknown>) : record;
}

export class AlarmCache {
  /** every alarm of every scope, in the store's order */
  readonly entries = new Map<string, CachedAlarm>();
  private readonly stale = new Map<string, { scope: Scope; name: string }>();
  private readonly scopes = new Map<string, Scope>();
  private loaded = false;
  private maxSeq = 0;
  private refreshing: NodeJS.Immediate | undefined;
  private readonly one: BetterSqlite3.Statement;
  private readonly oneState: BetterSqlite3.Statement;
  private readonly all: BetterSqlite3.Statement;
  private readonly allStates: BetterSqlite3.Statement;
  private readonly putState: BetterSqlite3.Statement;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.one = db.prepare("SELECT seq, data FROM records WHERE service='cloudwatch' AND kind='alarm' AND account=? AND region=? AND id=?");
    this.oneState = db.prepare("SELECT data FROM records WHERE service='cloudwatch' AND kind='alarm-state' AND account=? AND region=? AND id=?");
    this.all = db.prepare("SELECT seq, account, region, id, data FROM records WHERE service='cloudwatch' AND kind='alarm' ORDER BY seq");
    this.allStates = db.prepare("SELECT account, region, id, data FROM records WHERE service='cloudwatch' AND kind='alarm-state'");
    // what Table.put runs, for the state rows (alarm-state.ts)
    this.putState = db.prepare(
      "INSERT INTO records(service,kind,account,region,id,data) VALUES('cloudwatch','alarm-state',?,?,?,?) ON CONFLICT(service,kind,account,region,id) DO UPDATE SET data=excluded.data",
    );
  }

  /** Writes the state of a cached record that the scheduler changed, as its state row. False when the
   * caller must write the whole record: not the cached one, or a state without reason data (which a
   * state row could not put back at the same place in the record). */
  save(scope: Scope, name: string, record: AlarmRecord): boolean {
    const e = this.entries.get(keyOf(scope, name));
    if (!e || e.record !== record || (record.metric ?? record.composite)?.StateReasonData === undefined) return false;
    this.putState.run(scope.account, scope.region, name, stateText(record));
    return true;
  }

  get(scope: Scope, name: string): CachedAlarm | undefined {
    return this.entries.get(keyOf(scope, name));
  }

  /** Brings the cache up to date with the store: reads the alarms written since the last call. */
  refresh(): void {
    if (!this.loaded || (this.stale.size > 64 && this.stale.size * 4 > this.entries.size)) return this.load();
    for (const [key, { scope, name }] of this.stale) {
      const row = this.one.get(scope.account, scope.region, name) as { seq: number; data: string } | undefined;
      const state = row && (this.oneState.get(scope.account, scope.region, name) as { data: string } | undefined)?.data;
      const old = this.entries.get(key);
      if (old && row && old.seq === row.seq) {
        old.record = parse(row.data, state);
        continue;
      }
      if (old) this.entries.delete(key);
      if (!row) continue;
      // a new row goes last; one older than a row already known would break the order: read everything
      if (row.seq < this.maxSeq) return this.load();
      this.add(row.seq, scope.account, scope.region, name, parse(row.data, state));
    }
    this.stale.clear();
  }

  /** Marks an alarm to be read again (it was written, or deleted, by someone other than the scheduler), soon
   * after the write's transaction has ended, so that alarms put in a burst are not all read at the next minute. */
  written(scope: Scope, name: string): void {
    if (this.loaded) this.stale.set(keyOf(scope, name), { scope: { account: scope.account, region: scope.region }, name });
    this.refreshing ??= setImmediate(() => {
      this.refreshing = undefined;
      // a transaction still open may yet roll back: leave it to the next evaluation
      if (!this.db.open || this.db.inTransaction) return;
      try {
        this.refresh();
      } catch {
        this.clear();
      }
    });
  }

  /** Forgets everything: the next refresh reads every alarm. */
  clear(): void {
    this.loaded = false;
    this.maxSeq = 0;
    this.entries.clear();
    this.stale.clear();
  }

  private load(): void {
    this.entries.clear();
    this.stale.clear();
    this.maxSeq = 0;
    const states = new Map<string, string>();
    for (const r of this.allStates.all() as { account: string; region: string; id: string; data: string }[]) {
      states.set(keyOf({ account: r.account, region: r.region }, r.id), r.data);
    }
    for (const r of this.all.all() as { seq: number; account: string; region: string; id: string; data: string }[]) {
      this.add(r.seq, r.account, r.region, r.id, parse(r.data, states.get(keyOf({ account: r.account, region: r.region }, r.id))));
    }
    this.loaded = true;
  }

  private add(seq: number, account: string, region: string, name: string, record: AlarmRecord): void {
    const scopeKey = `${account}/${region}`;
    let scope = this.scopes.get(scopeKey);
    if (!scope) this.scopes.set(scopeKey, (scope = { account, region }));
    const key = keyOf(scope, name);
    this.entries.set(key, { key, scopeKey, scope, name, seq, record });
    if (seq > this.maxSeq) this.maxSeq = seq;
  }
}

const caches = new WeakMap<Store, AlarmCache>();

export function alarmCache(store: Store): AlarmCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new AlarmCache(store.db)));
  return c;
}

/** Writes an alarm record through the cache when it is the cached record (the scheduler's state changes);
 * false when the caller must write it itself. */
export function saveCachedAlarm(store: Store, scope: Scope, name: string, record: AlarmRecord): boolean {
  return caches.get(store)?.save(scope, name, record) ?? false;
}

/** Called for every other write of an alarm record (see saveAlarm / removeAlarm). */
export function alarmWritten(store: Store, scope: Scope, name: string): void {
  alarmCache(store).written(scope, name);
}

/** After a reset of CloudWatch's records. */
export function forgetAlarms(store: Store): void {
  caches.get(store)?.clear();
}
