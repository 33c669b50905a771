// Versioned schema migrations, tracked in SQLite's user_version. A data dir written by a newer Cumulus is
// refused with a clear message rather than opened and corrupted.
import type BetterSqlite3 from 'better-sqlite3';

const MIGRATIONS: string[] = [
  // 1: records
  `CREATE TABLE records (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     service TEXT NOT NULL, kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
     data TEXT NOT NULL,
     UNIQUE(service, kind, account, region, id)
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 2: CloudWatch Logs events, a row each (services/logs/events-table.ts). logs_keys names a group (log_stream '')
  //    or a stream by a small integer and carries the figures every append changes.
  `CREATE TABLE IF NOT EXISTS logs_keys (
     id INTEGER PRIMARY KEY,
     account TEXT NOT NULL, region TEXT NOT NULL, log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
     stored_bytes INTEGER NOT NULL DEFAULT 0,
     first_event INTEGER, last_event INTEGER, last_ingestion INTEGER,
     sequence INTEGER NOT NULL DEFAULT 0,
     UNIQUE(account, region, log_group, log_stream)
   );
   CREATE TABLE IF NOT EXISTS logs_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     stream_id INTEGER NOT NULL, group_id INTEGER NOT NULL,
     timestamp INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS logs_events_by_stream ON logs_events(stream_id, timestamp);
   CREATE INDEX IF NOT EXISTS logs_events_by_group ON logs_events(group_id, timestamp);`,
  // 3: CloudWatch metrics (services/cloudwatch/metric-store.ts): series named once; the points of one
  //    PutMetricData call are one row, packed as float64s.
  `CREATE TABLE IF NOT EXISTS cloudwatch_series (
     id INTEGER PRIMARY KEY,
     account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, metric TEXT NOT NULL, dims TEXT NOT NULL,
     last_put INTEGER NOT NULL,
     UNIQUE(account, region, namespace, metric, dims)
   );
   CREATE TABLE IF NOT EXISTS cloudwatch_batches (
     id INTEGER PRIMARY KEY, max_ts INTEGER NOT NULL, points BLOB NOT NULL
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {}

/** Refuses data written by a newer Cumulus; called before anything (even the journal mode) touches the file. */
export function assertNotNewer(db: BetterSqlite3.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `The data in ${file} has schema version ${current}, but this Cumulus knows versions up to ${SCHEMA_VERSION}. ` +
        'Upgrade Cumulus, or start with another --data-dir; the data was not changed.',
    );
  }
}

export function migrate(db: BetterSqlite3.Database, file: string): void {
  assertNotNewer(db, file);
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
