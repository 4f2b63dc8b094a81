import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../errors';

const SQLITE_BUSY = 5;

/** The local runtime's SQLite database under ALERTFLOW_DATA_DIR (queues and schedules today). */
export const DATABASE_FILE = 'alertflow.sqlite';

/**
 * One SQLite connection that the local runtime's durable parts share (queue-store.ts; a later state
 * store can add its tables), so that their writes can commit in one transaction.
 */
export interface LocalDatabase {
  readonly db: DatabaseSync;
  /** The database file, or undefined when it lives in memory. */
  readonly file: string | undefined;
  /**
   * Run `fn` (synchronous: no await inside) in one transaction, committed before this returns. Called
   * inside another transaction, it joins it: the outer one commits or rolls back both. Writes waiting
   * for a group commit (`batched`) are committed first.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Group commit: run `fn` (synchronous) at once, in the transaction that every `batched` write of this
   * turn of the event loop shares, and resolve once that transaction has committed (on the next turn,
   * or earlier when a `transaction` call needs the database). One commit then serves a router batch's
   * hundreds of group writes instead of one commit each. `fn` runs under a savepoint: if it throws,
   * only its own writes are undone and its error is thrown at once (not as a rejection). If the
   * commit itself fails, every write of the batch is lost together and each waiter is rejected: none
   * of them has answered anyone yet, so their callers fail and are retried as any failed write.
   */
  batched<T>(fn: () => T): Promise<T>;
  close(): void;
}

/**
 * Open (creating) `<dataDir>/alertflow.sqlite`, or an in-memory database without a dataDir (tests).
 *
 * WAL with synchronous=NORMAL: a commit is a write(2) to the WAL, without an fsync; the fsync comes at
 * checkpoints. What the requirement guards against is the *process* dying (a crash, SIGKILL, an OOM
 * kill): what was written is in the OS page cache, and it survives the process. A power loss or a
 * kernel crash can lose the last commits (never corrupt the database); FULL would fsync every commit,
 * a disk flush per queue call, for a machine failure the local runtime does not promise to survive.
 *
 * The exclusive lock makes a second process on the same data dir fail at once ("database is locked")
 * instead of sharing messages: the queues rely on being the only process (see LocalQueues).
 */
export function openLocalDatabase(dataDir: string | undefined): LocalDatabase {
  const { DatabaseSync } = loadSqlite();
  let file: string | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, DATABASE_FILE);
  }
  const db = new DatabaseSync(file ?? ':memory:');
  if (file) {
    try {
      // Exclusive before WAL: the WAL then needs no shared-memory file, and the lock is held until close.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      // Take the lock now rather than at the first write (a second runtime fails at start).
      db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      db.close();
      if ((err as { errcode?: number }).errcode !== SQLITE_BUSY) throw err;
      throw new ConfigError(`${file} is in use by another process: is another alertflow runtime running with this data dir?`, [{ path: 'ALERTFLOW_DATA_DIR', message: 'in use by another process' }], { cause: err });
    }
  }
  let group: { waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>; timer: NodeJS.Immediate } | undefined;
  const commitGroup = () => {
    if (!group) return;
    const { waiters, timer } = group;
    group = undefined;
    clearImmediate(timer);
    try {
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  };
  const local: LocalDatabase = {
    db,
    file,
    transaction<T>(fn: () => T): T {
      commitGroup();
      if (db.isTransaction) return fn();
      db.exec('BEGIN');
      try {
        const result = fn();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    },
    batched<T>(fn: () => T): Promise<T> {
      if (!group) {
        db.exec('BEGIN');
        group = { waiters: [], timer: setImmediate(commitGroup) };
      }
      db.exec('SAVEPOINT write');
      let result: T;
      try {
        result = fn();
        db.exec('RELEASE write');
      } catch (err) {
        db.exec('ROLLBACK TO write');
        db.exec('RELEASE write');
        throw err;
      }
      const current = group;
      return new Promise<T>((resolve, reject) => current.waiters.push({ resolve: () => resolve(result), reject }));
    },
    close() {
      commitGroup();
      if (db.isOpen) db.close();
    },
  };
  return local;
}

let sqlite: typeof import('node:sqlite') | undefined;

/**
 * node:sqlite, loaded without its one-time ExperimentalWarning ("SQLite is an experimental
 * feature"), which would otherwise greet every `npm start` on stderr. Only that warning is dropped.
 */
function loadSqlite(): typeof import('node:sqlite') {
  if (sqlite) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('SQLite is an experimental feature')) return;
    (emitWarning as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    sqlite = createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}
