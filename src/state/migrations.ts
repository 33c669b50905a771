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
