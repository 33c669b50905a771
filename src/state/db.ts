// The durable store: plain JSON records in SQLite, keyed by service, kind, account, region and id.
// In memory by default; with a data dir the file is in WAL mode and every committed write survives a SIGKILL.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { assertNotNewer, migrate } from './migrations.js';

export interface Scope {
  account: string;
  /** '' for global services (IAM) */
  region: string;
}

export class Store {
  readonly db: BetterSqlite3.Database;
  readonly file: string;
  private depth = 0;
  /** write counter: each Table write takes the next number (see generation) */
  private writes = 0;
  /** per service, the number of its last Table write */
  private readonly written = new Map<string, number>();
  /** the number of the last rollback or reset (which may undo any service's writes) */
  private undoneAt = 0;
  /** run when the outermost transaction has ended, committed or rolled back (see afterTransaction) */
  private after: (() => void)[] = [];
  private stmts: {
    get: BetterSqlite3.Statement;
    put: BetterSqlite3.Statement;
    del: BetterSqlite3.Statement;
    list: BetterSqlite3.Statement;
    listAll: BetterSqlite3.Statement;
    count: BetterSqlite3.Statement;
  };

  constructor(dataDir?: string) {
    if (dataDir) {
      fs.mkdirSync(dataDir, { recursive: true });
      this.file = path.join(dataDir, 'cumulus.sqlite');
    } else {
      this.file = ':memory:';
    }
    this.db = new BetterSqlite3(this.file);
    try {
      assertNotNewer(this.db, this.file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    if (dataDir) {
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL); fsync at checkpoints.
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('foreign_keys = ON');
    migrate(this.db, this.file);
    this.stmts = {
      get: this.db.prepare('SELECT data FROM records WHERE service=? AND kind=? AND account=? AND region=? AND id=?'),
      put: this.db.prepare(
        'INSERT INTO records(service,kind,account,region,id,data) VALUES(?,?,?,?,?,?) ON CONFLICT(service,kind,account,region,id) DO UPDATE SET data=excluded.data',
      ),
      del: this.db.prepare('DELETE FROM records WHERE service=? AND kind=? AND account=? AND region=? AND id=?'),
      list: this.db.prepare('SELECT data FROM records WHERE service=? AND kind=? AND account=? AND region=? ORDER BY seq'),
      listAll: this.db.prepare('SELECT account, region, id, data FROM records WHERE service=? AND kind=? ORDER BY seq'),
      count: this.db.prepare('SELECT count(*) AS n FROM records WHERE service=? AND kind=? AND account=? AND region=?'),
    };
  }

  /**
   * A number that changes whenever a service's records may have changed through this Store's tables (a put, a
   * delete, a rollback, a reset), for caches of what is derived from them: equal numbers, same records. Writes
   * in raw SQL to the records table are not seen (CloudWatch's alarm store makes some).
   */
  generation(service: string): number {
    return Math.max(this.written.get(service) ?? 0, this.undoneAt);
  }

  /** @internal a Table wrote a record of `service` */
  wrote(service: string): void {
    this.written.set(service, ++this.writes);
  }

  table<T>(service: string, kind: string): Table<T> {
    return new Table<T>(this, service, kind);
  }

  /** Runs `fn` atomically; nested calls join the outer transaction. */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const result = fn();
      this.depth--;
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.depth--;
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.undoneAt = ++this.writes;
      throw err;
    } finally {
      this.ended();
    }
  }

  /**
   * Runs `fn` once the transaction in progress has ended, whether it committed or rolled back (at once when
   * none is): for a write that must stand even when the request that makes it fails — a challenge used up
   * by a wrong answer, a failed attempt counted.
   */
  afterTransaction(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.after.push(fn);
  }

  private ended(): void {
    if (this.depth > 0 || !this.after.length) return;
    const pending = this.after;
    this.after = [];
    for (const fn of pending) fn();
  }

  /** Begins a transaction that the caller ends with commit() or rollback() (used around a request). */
  begin(): void {
    if (this.depth === 0) this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
  }

  commit(): void {
    this.depth--;
    if (this.depth === 0 && this.db.inTransaction) this.db.exec('COMMIT');
    this.ended();
  }

  rollback(): void {
    this.depth--;
    if (this.depth === 0 && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.undoneAt = ++this.writes;
    this.ended();
  }

  reset(service?: string): void {
    this.undoneAt = ++this.writes;
    if (service) this.db.prepare('DELETE FROM records WHERE service=?').run(service);
    else this.db.exec('DELETE FROM records');
  }

  close(): void {
    this.db.close();
  }

  /** @internal */
  get statements() {
    return this.stmts;
  }
}

export class Table<T> {
  constructor(
    private readonly store: Store,
    readonly service: string,
    readonly kind: string,
  ) {}

  get(scope: Scope, id: string): T | undefined {
    const row = this.store.statements.get.get(this.service, this.kind, scope.account, scope.region, id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as T) : undefined;
  }

  has(scope: Scope, id: string): boolean {
    return this.store.statements.get.get(this.service, this.kind, scope.account, scope.region, id) !== undefined;
  }

  put(scope: Scope, id: string, record: T): T {
    this.store.wrote(this.service);
    this.store.statements.put.run(this.service, this.kind, scope.account, scope.region, id, JSON.stringify(record));
    return record;
  }

  delete(scope: Scope, id: string): boolean {
    this.store.wrote(this.service);
    return this.store.statements.del.run(this.service, this.kind, scope.account, scope.region, id).changes > 0;
  }

  /** Records of one scope, in insertion order. */
  list(scope: Scope): T[] {
    return (this.store.statements.list.all(this.service, this.kind, scope.account, scope.region) as { data: string }[]).map(
      (r) => JSON.parse(r.data) as T,
    );
  }

  count(scope: Scope): number {
    return (this.store.statements.count.get(this.service, this.kind, scope.account, scope.region) as { n: number }).n;
  }

  /** Records of every scope (for work that runs across accounts, such as restarting workloads). */
  listAll(): { scope: Scope; id: string; record: T }[] {
    return (this.store.statements.listAll.all(this.service, this.kind) as { account: string; region: string; id: string; data: string }[]).map(
      (r) => ({ scope: { account: r.account, region: r.region }, id: r.id, record: JSON.parse(r.data) as T }),
    );
  }
}
