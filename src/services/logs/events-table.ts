// Log events: one row per event in their own SQLite tables, indexed for the reads Logs serves (a stream in
// timestamp order, a group across streams in timestamp order, expiry by timestamp). A JSON record per event
// in the shared records table would make ingestion and reads far too slow.
// The tables (logs_keys, logs_events) are created by migration 2 in state/migrations.ts.
import type BetterSqlite3 from 'better-sqlite3';
import type { Scope, Store } from '../../state/db.js';

export interface StoredEvent {
  seq: number;
  log_stream: string;
  timestamp: number;
  ingestion_time: number;
  message: string;
}

/** A place in a stream or group's timestamp order; events sort by (timestamp, seq). */
export interface Position {
  timestamp: number;
  seq: number;
}

/** AWS's per-event overhead in PutLogEvents and GetLogEvents size accounting. */
export const EVENT_OVERHEAD = 26;

export const messageBytes = (message: string) => Buffer.byteLength(message, 'utf8');

/** Rows per multi-row INSERT: one statement call per chunk is much cheaper than one per event. */
const INSERT_CHUNK = 32;

const EMPTY: IterableIterator<StoredEvent> = [][Symbol.iterator]();

/** What ingestion keeps up to date for a stream (DescribeLogStreams' figures). */
export interface StreamStats {
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** appends so far (PutLogEvents calls and bus batches): the upload sequence token */
  sequence: number;
}

/**
 * Events are keyed by small integers rather than by (account, region, group, stream) strings: a row of
 * logs_keys names a group (log_stream '') or a stream, which keeps the two indexes small and inserts fast.
 * The same rows carry the figures every append changes (a group's stored bytes, a stream's first and last
 * event), so that an append updates two integer rows instead of rewriting JSON records.
 */
class EventsTable {
  private readonly db: BetterSqlite3.Database;
  private readonly cache = new Map<string, BetterSqlite3.Statement>();

  constructor(store: Store) {
    this.db = store.db;
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** The id of a group (stream '') or stream, created when asked to. */
  private keyId(scope: Scope, group: string, stream: string, create: true): number;
  private keyId(scope: Scope, group: string, stream: string, create: false): number | undefined;
  private keyId(scope: Scope, group: string, stream: string, create: boolean): number | undefined {
    const row = this.stmt('SELECT id FROM logs_keys WHERE account=? AND region=? AND log_group=? AND log_stream=?').get(
      scope.account,
      scope.region,
      group,
      stream,
    ) as { id: number } | undefined;
    if (row || !create) return row?.id;
    const info = this.stmt('INSERT INTO logs_keys(account, region, log_group, log_stream) VALUES (?,?,?,?)').run(scope.account, scope.region, group, stream);
    return Number(info.lastInsertRowid);
  }

  /** Appends events (the caller holds the transaction); returns the stream's new sequence number. */
  insert(scope: Scope, group: string, stream: string, events: { timestamp: number; message: string }[], ingestionTime: number): number {
    const groupId = this.keyId(scope, group, '', true);
    const streamId = this.keyId(scope, group, stream, true);
    let bytes = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < events.length; i += INSERT_CHUNK) {
      const chunk = events.slice(i, i + INSERT_CHUNK);
      const args: unknown[] = [];
      for (const e of chunk) {
        args.push(streamId, groupId, e.timestamp, ingestionTime, e.message);
        bytes += messageBytes(e.message);
        if (e.timestamp < first) first = e.timestamp;
        if (e.timestamp > last) last = e.timestamp;
      }
      this.stmt(
        `INSERT INTO logs_events(stream_id, group_id, timestamp, ingestion_time, message) VALUES ${Array(chunk.length).fill('(?,?,?,?,?)').join(',')}`,
      ).run(...args);
    }
    if (events.length) {
      this.stmt('UPDATE logs_keys SET stored_bytes = stored_bytes + ? WHERE id=?').run(bytes, groupId);
      this.stmt(
        `UPDATE logs_keys SET first_event = min(coalesce(first_event, @first), @first), last_event = max(coalesce(last_event, @last), @last),
           last_ingestion = @now, sequence = sequence + 1 WHERE id = @id`,
      ).run({ first, last, now: ingestionTime, id: streamId });
    } else {
      this.stmt('UPDATE logs_keys SET sequence = sequence + 1 WHERE id = ?').run(streamId);
    }
    return (this.stmt('SELECT sequence FROM logs_keys WHERE id=?').get(streamId) as { sequence: number }).sequence;
  }

  /** The figures of a group's streams, by stream name. */
  streamStats(scope: Scope, group: string): Map<string, StreamStats> {
    const rows = this.stmt(
      "SELECT log_stream, first_event, last_event, last_ingestion, sequence FROM logs_keys WHERE account=? AND region=? AND log_group=? AND log_stream != ''",
    ).all(scope.account, scope.region, group) as { log_stream: string; first_event: number | null; last_event: number | null; last_ingestion: number | null; sequence: number }[];
    return new Map(
      rows.map((r) => [
        r.log_stream,
        {
          firstEventTimestamp: r.first_event ?? undefined,
          lastEventTimestamp: r.last_event ?? undefined,
          lastIngestionTime: r.last_ingestion ?? undefined,
          sequence: r.sequence,
        },
      ]),
    );
  }

  /** Stored bytes of the scope's groups, by group name. */
  groupBytes(scope: Scope): Map<string, number> {
    const rows = this.stmt("SELECT log_group, stored_bytes FROM logs_keys WHERE account=? AND region=? AND log_stream = ''").all(
      scope.account,
      scope.region,
    ) as { log_group: string; stored_bytes: number }[];
    return new Map(rows.map((r) => [r.log_group, r.stored_bytes]));
  }

  private window(where: string[], args: unknown[], q: { startTime?: number; endTime?: number; endInclusive: boolean; after?: Position; before?: Position }) {
    if (q.startTime !== undefined) {
      where.push('e.timestamp>=?');
      args.push(q.startTime);
    }
    if (q.endTime !== undefined) {
      where.push(q.endInclusive ? 'e.timestamp<=?' : 'e.timestamp<?');
      args.push(q.endTime);
    }
    if (q.after) {
      where.push('(e.timestamp, e.seq) > (?, ?)');
      args.push(q.after.timestamp, q.after.seq);
    }
    if (q.before) {
      where.push('(e.timestamp, e.seq) < (?, ?)');
      args.push(q.before.timestamp, q.before.seq);
    }
  }

  /**
   * Events of one stream in timestamp order, within [startTime, endTime), strictly after `after` or strictly
   * before `before`; `descending` reads from the tail (the caller reverses the page).
   */
  streamEvents(
    scope: Scope,
    group: string,
    stream: string,
    q: { startTime?: number; endTime?: number; after?: Position; before?: Position; descending: boolean },
  ): IterableIterator<StoredEvent> {
    const id = this.keyId(scope, group, stream, false);
    if (id === undefined) return EMPTY;
    const where = ['e.stream_id=?'];
    const args: unknown[] = [id];
    this.window(where, args, { ...q, endInclusive: false });
    const dir = q.descending ? 'DESC' : 'ASC';
    const sql = `SELECT e.seq, ? AS log_stream, e.timestamp, e.ingestion_time, e.message FROM logs_events e WHERE ${where.join(' AND ')} ORDER BY e.timestamp ${dir}, e.seq ${dir}`;
    return this.stmt(sql).iterate(stream, ...args) as IterableIterator<StoredEvent>;
  }

  /** Events of a group across its streams in timestamp order within [startTime, endTime], after `after`. */
  groupEvents(scope: Scope, group: string, q: { startTime?: number; endTime?: number; after?: Position }): IterableIterator<StoredEvent> {
    const id = this.keyId(scope, group, '', false);
    if (id === undefined) return EMPTY;
    const where = ['e.group_id=?'];
    const args: unknown[] = [id];
    this.window(where, args, { ...q, endInclusive: true });
    const sql = `SELECT e.seq, k.log_stream, e.timestamp, e.ingestion_time, e.message FROM logs_events e JOIN logs_keys k ON k.id = e.stream_id WHERE ${where.join(' AND ')} ORDER BY e.timestamp, e.seq`;
    return this.stmt(sql).iterate(...args) as IterableIterator<StoredEvent>;
  }

  deleteGroup(scope: Scope, group: string): void {
    const id = this.keyId(scope, group, '', false);
    if (id === undefined) return;
    this.stmt('DELETE FROM logs_events WHERE group_id=?').run(id);
    this.stmt('DELETE FROM logs_keys WHERE account=? AND region=? AND log_group=?').run(scope.account, scope.region, group);
  }

  /** Deletes a stream and its events; the group's stored bytes go down accordingly. */
  deleteStream(scope: Scope, group: string, stream: string): void {
    const id = this.keyId(scope, group, stream, false);
    if (id === undefined) return;
    const { bytes } = this.stmt('SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) AS bytes FROM logs_events WHERE stream_id=?').get(id) as {
      bytes: number;
    };
    this.stmt('DELETE FROM logs_events WHERE stream_id=?').run(id);
    this.stmt('DELETE FROM logs_keys WHERE id=?').run(id);
    this.stmt("UPDATE logs_keys SET stored_bytes = max(0, stored_bytes - ?) WHERE account=? AND region=? AND log_group=? AND log_stream=''").run(
      bytes,
      scope.account,
      scope.region,
      group,
    );
  }

  /** Drops a group's events with a timestamp before `cutoff`, updating stored bytes and stream bounds. */
  expire(scope: Scope, group: string, cutoff: number): void {
    const id = this.keyId(scope, group, '', false);
    if (id === undefined) return;
    const { n, bytes } = this.stmt(
      'SELECT count(*) AS n, coalesce(sum(length(CAST(message AS BLOB))), 0) AS bytes FROM logs_events WHERE group_id=? AND timestamp<?',
    ).get(id, cutoff) as { n: number; bytes: number };
    if (n === 0) return;
    this.stmt('DELETE FROM logs_events WHERE group_id=? AND timestamp<?').run(id, cutoff);
    this.stmt('UPDATE logs_keys SET stored_bytes = max(0, stored_bytes - ?) WHERE id=?').run(bytes, id);
    this.stmt(
      `UPDATE logs_keys SET first_event = (SELECT min(timestamp) FROM logs_events WHERE stream_id = logs_keys.id),
         last_event = (SELECT max(timestamp) FROM logs_events WHERE stream_id = logs_keys.id)
       WHERE account=? AND region=? AND log_group=? AND log_stream != '' AND first_event < ?`,
    ).run(scope.account, scope.region, group, cutoff);
  }

  reset(): void {
    this.db.exec('DELETE FROM logs_events; DELETE FROM logs_keys;');
  }
}

const tables = new WeakMap<Store, EventsTable>();

export function eventsTable(store: Store): EventsTable {
  let t = tables.get(store);
  if (!t) {
    t = new EventsTable(store);
    tables.set(store, t);
  }
  return t;
}

export type { EventsTable };
