import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../errors';

const SQLITE_BUSY = 5;
/** A checkpoint runs once the database has had no commit for this long. */
const QUIET_CHECKPOINT_MS = 2_000;
/**
 * Past this much WAL (pages of 4 KiB: 512 MiB), a commit checkpoints even in a storm. A checkpoint
 * copies each page's latest version once, so its cost follows the database's size, not the WAL's: a
 * lower bound only checkpoints more often. At 80 MB, a 100,000-alert storm (some 350 MB of WAL) ran
 * four checkpoints on the main thread, and every group was notified 1.7 s later (ADR 0012).
 */
const STORM_CHECKPOINT_PAGES = 131_072;

/** The local runtime's SQLite database under ALERTFLOW_DATA_DIR (queues and schedules today). */
export const DATABASE_FILE = 'alertflow.sqlite';

/**
 * One SQLite connection that the local runtime's durable parts share (the queues, the schedules and
 * the state stores), with a group commit: every write made during one turn of the event loop goes
 * into one transaction, committed at the start of the next turn. A storm's hundreds of writes per turn
 * (each group a router batch touches, each queue call) then cost one commit, not one each.
 *
 * What the guarantee rests on: a write is not durable when `write` returns, only once `flushed()`
 * resolves, and whatever answers the outside world (an HTTP 2xx for accepted alerts, a silence
 * created) waits for that first. A crash loses at most the writes of the turn in progress, which no
 * one has been told about; commits are in order, so no later write survives without an earlier one.
 */
export interface LocalDatabase {
  readonly db: DatabaseSync;
  /** The database file, or undefined when it lives in memory. */
  readonly file: string | undefined;
  /**
   * Run `fn` (synchronous: no await inside) at once, in this turn's transaction, under a savepoint:
   * if it throws, only its own writes are undone, and the error is thrown here.
   */
  write<T>(fn: () => T): T;
  /**
   * Resolves once every write made so far has committed. If the commit fails, every write of that
   * turn is lost together and this rejects: none of them had been acknowledged.
   */
  flushed(): Promise<void>;
  /** `write` (its error thrown at once), then a promise of its commit. */
  batched<T>(fn: () => T): Promise<T>;
  /** Commit what is pending and close. */
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
      // Checkpoints (copying the WAL into the database file, with an fsync) stay off a storm's hot
      // path: when the database has been quiet (below), or past STORM_CHECKPOINT_PAGES of WAL.
      db.exec(`PRAGMA wal_autocheckpoint = ${STORM_CHECKPOINT_PAGES}`);
      db.exec('PRAGMA journal_size_limit = 67108864');
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
    if (file) {
      clearTimeout(quiet);
      quiet = setTimeout(checkpoint, QUIET_CHECKPOINT_MS).unref();
    }
  };
  let quiet: NodeJS.Timeout | undefined;
  const checkpoint = () => {
    if (!db.isOpen || group) return;
    try {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy or failing: the next quiet spell (or the automatic one) tries again.
    }
  };
  // Prepared once: every store and queue write runs these, and exec() would parse them each time.
  const savepoint = db.prepare('SAVEPOINT write');
  const release = db.prepare('RELEASE write');
  const rollbackTo = db.prepare('ROLLBACK TO write');
  const local: LocalDatabase = {
    db,
    file,
    write<T>(fn: () => T): T {
      if (!group) {
        db.exec('BEGIN');
        group = { waiters: [], timer: setImmediate(commitGroup) };
      }
      savepoint.run();
      try {
        const result = fn();
        release.run();
        return result;
      } catch (err) {
        rollbackTo.run();
        release.run();
        throw err;
      }
    },
    flushed(): Promise<void> {
      const current = group;
      if (!current) return Promise.resolve();
      return new Promise<void>((resolve, reject) => current.waiters.push({ resolve, reject }));
    },
    // Not async: `fn`'s own error must be thrown here, before any caller acts on a write (the group
    // store caches what it wrote as soon as `batched` returns).
    batched<T>(fn: () => T): Promise<T> {
      const result = local.write(fn);
      return local.flushed().then(() => result);
    },
    close() {
      commitGroup();
      clearTimeout(quiet);
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
