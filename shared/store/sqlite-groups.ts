import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConflictError } from '../errors';
import { copyAlerts, type GroupAlert, type GroupState } from '../grouping/model';
import { epochSeconds, groupKey, groupListKeys, GROUPS_LIST_PK, type ListKey } from './keys';
import { allPages, holdsAlert, listPages, type GroupPage, type GroupStore } from './port';

export const GROUP_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_groups (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    list_key TEXT NOT NULL,
    state TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS state_groups_listing ON state_groups (list_key);
  CREATE TABLE IF NOT EXISTS state_group_alerts (
    group_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    alert TEXT NOT NULL,
    PRIMARY KEY (group_id, fingerprint)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS state_alert_groups (
    fingerprint TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (fingerprint, group_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS state_group_journal (
    seq INTEGER PRIMARY KEY,
    group_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    alerts TEXT NOT NULL,
    removed TEXT
  ) STRICT;
`;

type Row = Record<string, unknown>;
type Write = <T>(fn: () => T) => Promise<T>;

/** A group written since the last compaction: its state, and what the tables hold of it. */
interface Dirty {
  state: GroupState;
  /** The group as the tables hold it (undefined: not there). */
  base: GroupState | undefined;
  /** A version 1 replaced what the tables hold (an expired group of the same id): none of its alerts stay. */
  replaced: boolean;
}

/**
 * Past this many groups written since the last compaction, a write compacts: they are held in
 * memory until then, beside the CACHED_GROUPS, so memory stays bounded in a long storm.
 */
const MAX_DIRTY_GROUPS = 5_000;
/** Past this many journal rows, a write compacts (a restart replays at most about this many). */
const MAX_JOURNAL_ROWS = 100_000;
/** Groups one compaction transaction folds: some 10-50 ms of the thread for groups of tens of alerts. */
const COMPACT_SLICE = 250;
/** A compaction runs once writes have paused this long. */
const QUIET_COMPACT_MS = 1_000;
/** Groups kept decoded in memory besides the ones written since the last compaction: a storm's working set (a 50-alert group is some 30 KB). */
const CACHED_GROUPS = 10_000;

/**
 * Groups in the local database (ADR 0012, "journaled group writes").
 *
 * A write appends one row to a journal: the group's header and only the alerts that changed (the
 * router keeps an unchanged alert as the same object, which is how they are told apart). Rows are
 * appended in key order, so a commit writes the few pages at the journal's end, not the pages of
 * three clustered tables spread over the file, and its cost does not grow with the group or the
 * database. The tables that serve listing and the fingerprint index (one row per group, one per
 * alert, one per fingerprint) are brought up to date by a compaction, which writes each group once
 * however many times it changed: when writes pause, before a read that needs the tables, and past
 * a bound of dirty groups or journal rows. Compaction deletes the journal rows it folded in, in the
 * same transaction.
 *
 * Groups written since the last compaction are held in memory (they are the authority: a read
 * never needs the journal). At open, the journal a crash left is replayed over the tables into that
 * held state. The version condition of a write is checked against the held state: one process owns
 * the database, and the check and the append run with no await between them. A failed commit loses
 * every write of its turn together, so the held state is then loaded again from disk.
 *
 * Decoded groups are kept in memory by id, deep-frozen: the router and the API treat state as
 * immutable (each change builds a new object), and a frozen object makes any code that does not
 * fail loudly in tests instead of corrupting the cache.
 */
export class SqliteGroupStore implements GroupStore {
  private readonly get: StatementSync;
  private readonly getAlerts: StatementSync;
  private readonly upsertGroup: StatementSync;
  private readonly upsertAlert: StatementSync;
  private readonly deleteAlert: StatementSync;
  private readonly deleteAlerts: StatementSync;
  private readonly pageStmt: StatementSync;
  private readonly holdingStmt: StatementSync;
  private readonly link: StatementSync;
  private readonly unlink: StatementSync;
  private readonly append: StatementSync;
  private readonly journalRows: StatementSync;
  private readonly lastSeq: StatementSync;
  private readonly dropJournal: StatementSync;
  private readonly expired: StatementSync;
  private readonly deleteGroup: StatementSync;
  private readonly cache = new Map<string, GroupState>();
  private readonly dirty = new Map<string, Dirty>();
  /**
   * Groups a sweep deleted since the compaction pass in progress began: a pass folds a slice at once
   * and caches its states after the commit, so a sweep in between would see its row deleted and
   * the swept state cached again. Cleared at the end of each pass.
   */
  private readonly swept = new Set<string>();
  private journaled = 0;
  private quiet: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  /** Bumped each time the held state is reloaded from disk (after a failed commit). */
  private generation = 0;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    db.exec(GROUP_SCHEMA);
    this.get = db.prepare('SELECT version, expires_at, state FROM state_groups WHERE id = ?');
    this.getAlerts = db.prepare('SELECT alert FROM state_group_alerts WHERE group_id = ?');
    this.upsertGroup = db.prepare(
      'INSERT INTO state_groups (id, version, expires_at, list_key, state) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at, list_key = excluded.list_key, state = excluded.state',
    );
    this.upsertAlert = db.prepare('INSERT INTO state_group_alerts (group_id, fingerprint, alert) VALUES (?, ?, ?) ON CONFLICT (group_id, fingerprint) DO UPDATE SET alert = excluded.alert');
    this.deleteAlert = db.prepare('DELETE FROM state_group_alerts WHERE group_id = ? AND fingerprint = ?');
    this.deleteAlerts = db.prepare('DELETE FROM state_group_alerts WHERE group_id = ?');
    this.pageStmt = db.prepare('SELECT id, list_key, expires_at FROM state_groups WHERE list_key > ? ORDER BY list_key LIMIT ?');
    this.holdingStmt = db.prepare('SELECT group_id FROM state_alert_groups WHERE fingerprint = ?');
    this.link = db.prepare('INSERT INTO state_alert_groups (fingerprint, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.unlink = db.prepare('DELETE FROM state_alert_groups WHERE fingerprint = ? AND group_id = ?');
    this.append = db.prepare('INSERT INTO state_group_journal (group_id, version, expires_at, state, alerts, removed) VALUES (?, ?, ?, ?, ?, ?)');
    this.journalRows = db.prepare('SELECT group_id, version, expires_at, state, alerts, removed FROM state_group_journal ORDER BY seq');
    this.lastSeq = db.prepare('SELECT max(seq) AS seq FROM state_group_journal');
    this.expired = db.prepare('SELECT id FROM state_groups WHERE expires_at <= ?');
    this.deleteGroup = db.prepare('DELETE FROM state_groups WHERE id = ?');
    this.dropJournal = db.prepare('DELETE FROM state_group_journal WHERE seq <= ?');
    this.load();
  }

  /** Through the index from fingerprints to groups (alerts and recently resolved ones). */
  async holding(fingerprint: string, now: Date): Promise<GroupState[]> {
    await this.compact();
    const ids = (this.holdingStmt.all(fingerprint) as Row[]).map((r) => r.group_id as string);
    const found = await this.getMany(ids, now);
    return [...found.values()].filter((g) => holdsAlert(g, fingerprint));
  }

  async getMany(ids: readonly string[], now: Date): Promise<Map<string, GroupState>> {
    const out = new Map<string, GroupState>();
    const at = epochSeconds(now);
    for (const id of new Set(ids)) {
      const g = this.read(id);
      if (g && g.expiresAt > at) out.set(id, g);
    }
    return out;
  }

  put(next: GroupState): Promise<void> {
    const before = this.read(next.groupId);
    const { version, expiresAt, alerts, ...rest } = next;
    // The conditions a DynamoDB conditional write checks, against the held state.
    const fresh = version === 1;
    if (fresh ? before !== undefined && before.expiresAt > epochSeconds(new Date(next.updatedAt)) : before?.version !== version - 1) {
      return Promise.reject(new ConflictError(`group ${next.groupId} changed concurrently`));
    }
    // A version 1 starts from nothing (a replaced expired group keeps none of its alerts).
    const was: Readonly<Record<string, GroupAlert>> = !fresh && before ? before.alerts : {};
    const changed: GroupAlert[] = [];
    const removed: string[] = [];
    // Plain loops, no lists or sets: these run over every alert of the group on every write.
    for (const fp in alerts) if (was[fp] !== alerts[fp]) changed.push(alerts[fp]!);
    for (const fp in was) if (!(fp in alerts)) removed.push(fp);
    let committed: Promise<unknown>;
    try {
      committed = this.write(() => this.append.run(next.groupId, version, expiresAt, JSON.stringify(rest), JSON.stringify(changed), removed.length > 0 ? JSON.stringify(removed) : null));
    } catch (err) {
      return Promise.reject(err);
    }
    this.dirty.set(next.groupId, dirtied(this.dirty.get(next.groupId), before, deepFreeze(next), fresh));
    this.cache.delete(next.groupId);
    this.swept.delete(next.groupId);
    this.journaled++;
    this.afterWrite();
    // Held at once, as the database's own reads see the write before its commit. If the commit
    // fails, every write of its turn is gone: the held state is reloaded from what is on disk.
    const generation = this.generation;
    return committed.then(
      () => undefined,
      (err: unknown) => {
        this.reload(generation);
        throw err;
      },
    );
  }

  async page(after: ListKey | undefined, limit: number, now: Date): Promise<GroupPage> {
    await this.compact();
    const rows = this.pageStmt.all(after?.lsk ?? '', limit + 1) as Row[];
    const more = rows.length > limit;
    const read = rows.slice(0, limit);
    const at = epochSeconds(now);
    const groups = read.filter((r) => (r.expires_at as number) > at).flatMap((r) => this.read(r.id as string) ?? []);
    const lastRow = read.at(-1);
    return { groups, read: read.length, last: more && lastRow ? groupCursor(lastRow) : undefined };
  }

  all(now: Date, pageSize = 100): AsyncGenerator<GroupState[]> {
    return allPages(this, now, pageSize);
  }

  list(now: Date): Promise<GroupState[]> {
    return listPages(this, now, 1000);
  }

  /**
   * Fold every group written before this call into the tables, and drop the journal rows that
   * hold nothing more. Resolves once that is committed.
   */
  async compact(): Promise<void> {
    // A pass in progress took its list before this call: wait for it, then fold what is left.
    if (this.compacting) await this.compacting.catch(() => undefined);
    if (this.compacting) return this.compacting;
    if (this.dirty.size === 0) return;
    const pass = this.compactOnce().finally(() => {
      if (this.compacting === pass) this.compacting = undefined;
    });
    this.compacting = pass;
    return pass;
  }

  /**
   * One compaction, COMPACT_SLICE groups per transaction so that a large one never holds the
   * thread for long: each slice folds the groups' latest state, and the last one deletes the
   * journal rows written before the pass began. A group written again meanwhile stays dirty over
   * what was folded; its newer rows stay in the journal. A crash mid-pass leaves rows whose changes
   * some tables already hold: replaying a group's rows in order over a newer state of it gives the
   * same state (each row sets whole alerts or removes them), so that is safe.
   */
  private async compactOnce(): Promise<void> {
    const ids = [...this.dirty.keys()];
    const upTo = (this.lastSeq.get() as Row).seq as number | null;
    const generation = this.generation;
    this.journaled = 0;
    for (let i = 0; i < ids.length; i += COMPACT_SLICE) {
      const slice = ids.slice(i, i + COMPACT_SLICE).flatMap((id) => this.dirty.get(id) ?? []);
      for (const d of slice) this.dirty.delete(d.state.groupId);
      const last = i + COMPACT_SLICE >= ids.length;
      try {
        await this.write(() => {
          for (const d of slice) this.fold(d);
          if (last && upTo !== null) this.dropJournal.run(upTo);
        });
      } catch (err) {
        // Nothing of the slice committed (nor any write of its turn): start again from what is on disk.
        this.reload(generation);
        throw err;
      }
      for (const d of slice) if (!this.dirty.has(d.state.groupId) && !this.swept.has(d.state.groupId)) this.remember(d.state);
    }
    this.swept.clear();
  }

  /**
   * Delete the group rows expired at `at` (epoch seconds) with their alert rows; returns how many
   * rows went. A group written since the last compaction keeps its row: its fold writes only the
   * alerts that changed since that row, so the unchanged ones would go with it. A swept group
   * leaves the cache too: the next write of its id folds over nothing, as the tables now hold.
   */
  sweep(at: number): number {
    let n = 0;
    for (const r of this.expired.all(at) as Row[]) {
      const id = r.id as string;
      if (this.dirty.has(id)) continue;
      this.cache.delete(id);
      this.swept.add(id);
      n += Number(this.deleteGroup.run(id).changes) + Number(this.deleteAlerts.run(id).changes);
    }
    return n;
  }

  /** Write one group's current state into the tables, touching only what differs from what they hold. */
  private fold({ state, base, replaced }: Dirty): void {
    const { version, expiresAt, alerts, ...rest } = state;
    const id = state.groupId;
    const stored = base && !replaced ? base.alerts : undefined;
    // The listing key is the group's identity (receiver, group key, id): the same for every version.
    this.upsertGroup.run(id, version, expiresAt, groupListKeys(state).lsk, JSON.stringify(rest));
    if (!stored) this.deleteAlerts.run(id);
    const was = stored ?? {};
    for (const fp in alerts) if (was[fp] !== alerts[fp]) this.upsertAlert.run(id, fp, JSON.stringify(alerts[fp]));
    for (const fp in was) if (!(fp in alerts)) this.deleteAlert.run(id, fp);
    // The index GET /v1/alerts/{id} reads: every fingerprint the group holds, resolved ones too.
    const held = base ?? EMPTY_HOLDER;
    forEachHeld(state, (fp) => {
      if (!holdsAlert(held, fp)) this.link.run(fp, id);
    });
    forEachHeld(held, (fp) => {
      if (!holdsAlert(state, fp)) this.unlink.run(fp, id);
    });
  }

  /**
   * The journal's rows applied in order over the tables, into the held state (at open: what a
   * crash left; after a failed commit: what did commit). The next compaction folds them in.
   */
  private load(): void {
    for (const r of this.journalRows.all() as Row[]) {
      const id = r.group_id as string;
      const version = r.version as number;
      const fresh = version === 1;
      const before = this.read(id);
      const alerts: Record<string, GroupAlert> = fresh || !before ? {} : copyAlerts(before.alerts);
      for (const fp of r.removed ? (JSON.parse(r.removed as string) as string[]) : []) delete alerts[fp];
      for (const a of JSON.parse(r.alerts as string) as GroupAlert[]) alerts[a.fingerprint] = a;
      const state = decodeGroup(r.state as string, alerts, version, r.expires_at as number);
      this.dirty.set(id, dirtied(this.dirty.get(id), before, state, fresh));
      this.cache.delete(id);
    }
    if (this.dirty.size > 0) this.afterWrite();
  }

  /** After a failed commit: drop the held state and load it again from disk, once per failure. */
  private reload(generation: number): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.dirty.clear();
    this.cache.clear();
    this.load();
  }

  private afterWrite(): void {
    if (this.dirty.size >= MAX_DIRTY_GROUPS || this.journaled >= MAX_JOURNAL_ROWS) {
      void this.compact().catch(() => undefined);
      return;
    }
    clearTimeout(this.quiet);
    this.quiet = setTimeout(() => void this.compact().catch(() => undefined), QUIET_COMPACT_MS).unref();
  }

  /** The stored group (live or not): written since the last compaction, cached, or from the tables. */
  private read(id: string): GroupState | undefined {
    const held = this.dirty.get(id);
    if (held) return held.state;
    const cached = this.cache.get(id);
    if (cached) {
      // Most recently used last, so the oldest is first to go.
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    const row = this.get.get(id) as Row | undefined;
    if (!row) return undefined;
    const alerts: Record<string, GroupAlert> = {};
    for (const r of this.getAlerts.all(id) as Row[]) {
      const a = JSON.parse(r.alert as string) as GroupAlert;
      alerts[a.fingerprint] = a;
    }
    const g = decodeGroup(row.state as string, alerts, row.version as number, row.expires_at as number);
    this.remember(g);
    return g;
  }

  private remember(g: GroupState): void {
    this.cache.delete(g.groupId);
    this.cache.set(g.groupId, g);
    if (this.cache.size > CACHED_GROUPS) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** The entry for a group just written: what the tables hold of it carries over from the entry it replaces. */
function dirtied(held: Dirty | undefined, before: GroupState | undefined, state: GroupState, fresh: boolean): Dirty {
  if (!held) return { state, base: before, replaced: fresh && before !== undefined };
  return { state, base: held.base, replaced: held.replaced || (fresh && held.base !== undefined) };
}

/** What a group holds for GET /v1/alerts/{id}: its alerts, and the recently resolved ones. */
type Holder = Pick<GroupState, 'alerts' | 'recentlyResolved'>;
const EMPTY_HOLDER: Holder = { alerts: {} };

function forEachHeld(g: Holder, fn: (fp: string) => void): void {
  for (const fp in g.alerts) fn(fp);
  // A recently resolved alert that fires again is in both: visited once.
  for (const fp in g.recentlyResolved ?? {}) if (!(fp in g.alerts)) fn(fp);
}

/** A group from its stored header (JSON) and its alerts, frozen (the state handed out and cached). */
function decodeGroup(header: string, alerts: Record<string, GroupAlert>, version: number, expiresAt: number): GroupState {
  return deepFreeze({ ...(JSON.parse(header) as Omit<GroupState, 'version' | 'expiresAt' | 'alerts'>), alerts, version, expiresAt });
}

/**
 * Freezing is a check on the code, not on the data: under the test runner, code that mutated state
 * it read throws instead of corrupting the cache. Outside it the walk is skipped, since it costs
 * about 5% of the router's time in a storm (ADR 0012).
 */
const FREEZE_STATE = process.env.VITEST !== undefined || process.env.ALERTFLOW_FREEZE_STATE === '1';

/** Freeze `value` and everything it holds (what is frozen already is not walked again). */
export function deepFreeze<T>(value: T): T {
  if (!FREEZE_STATE) return value;
  return freezeAll(value);
}

function freezeAll<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k in value) freezeAll(value[k]);
  return value;
}

/** The same cursor key the DynamoDB adapter's listing index gives, so a cursor means one thing. */
const groupCursor = (row: Row): ListKey => ({ ...groupKey(row.id as string), lpk: GROUPS_LIST_PK, lsk: row.list_key as string });
