import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConflictError, NotFoundError } from '../errors';
import type { InhibitionSource } from '../inhibition/rules';
import { Silence } from '../silences/model';
import { PAYLOAD_RETENTION_S } from './payloads';
import type { PayloadRef } from '../queues/messages';
import { epochSeconds, groupKey, groupListKeys, GROUPS_LIST_PK, type ListKey, silenceEndBound, silenceKey, silenceListKeys, SILENCES_PK } from './keys';
import {
  allPages,
  currentByPages,
  holdsAlert,
  listPages,
  type CooldownStore,
  type DeliveryStore,
  type GroupPage,
  type GroupStore,
  type InhibitionSourceStore,
  type PayloadStore,
  type RateLimiter,
  type ReceiverGates,
  type SilenceStore,
  type Stores,
  type StormStore,
} from './port';
import {
  dayAfterUse,
  DEFAULT_GATE_SLOTS,
  DELIVERY_RETENTION_S,
  inhibitionSourceExpiresAt,
  stormWindowExpiresAt,
  type ClaimResult,
  type DeliveryAttempt,
  type DeliveryRecord,
  type DeliveryStatus,
  type ExpireResult,
  type GateDecision,
  type GateHealth,
  type GateLease,
  type ReceiverGateOptions,
  type RecordedDelivery,
  type SilenceSegment,
  type StormWindow,
} from './model';
import type { GroupAlert, GroupState } from '../grouping/model';
import { pickFreeSlot } from './receiver-gates';
import { expiredNow, silenceExpiresAt } from './silences';
import { SqliteIncidentStore } from './sqlite-incidents';

/**
 * The stores over an embedded SQLite database (node:sqlite): the local runtime's default, in the
 * same database file as its durable queues (see docs/adr/0012-embedded-store.md).
 *
 * node:sqlite is synchronous and one process owns the file (shared/local/sqlite.ts takes an
 * exclusive lock), so each method's read-check-write runs without an await in between: it is atomic
 * without a transaction, as a DynamoDB conditional write is. The conditions are the DynamoDB
 * adapter's, checked in code, and the contract suite holds both to the same outcomes.
 *
 * Rows keep an `expires_at` (epoch seconds) like the table's TTL attribute: readers skip expired
 * rows, and `sweep` deletes them (the runtime calls it at start and hourly).
 */
export interface SqliteStores extends Stores {
  /** Delete rows whose `expires_at` has passed; returns how many. */
  sweep(now: Date): number;
}

/**
 * The database and its group commit (shared/local/sqlite.ts's LocalDatabase is one): `batched` runs a
 * synchronous write at once (throwing its error at once) and resolves when the commit it shares with
 * the writes of the same event-loop turn is durable. Every write below goes through it, so a method
 * resolves only once its write survives a crash.
 */
export interface SqliteDatabase {
  readonly db: DatabaseSync;
  batched<T>(fn: () => T): Promise<T>;
}

type Write = <T>(fn: () => T) => Promise<T>;

export function sqliteStores(database: SqliteDatabase): SqliteStores {
  const { db } = database;
  const write: Write = (fn) => database.batched(fn);
  db.exec(SCHEMA);
  const stores = {
    groups: new SqliteGroupStore(db, write),
    silences: new SqliteSilenceStore(db, write),
    deliveries: new SqliteDeliveryStore(db, write),
    inhibitions: new SqliteInhibitionSourceStore(db, write),
    cooldowns: new SqliteCooldownStore(db, write),
    storms: new SqliteStormStore(db, write),
    rateLimiter: new SqliteRateLimiter(db, write),
    payloads: new SqlitePayloadStore(db, write),
    incidents: new SqliteIncidentStore(db, write),
  };
  const sweeps = EXPIRING_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`));
  // A swept group's alert rows and its entries in the fingerprint index go with it.
  const orphans = [
    db.prepare('DELETE FROM state_group_alerts WHERE group_id NOT IN (SELECT id FROM state_groups)'),
    db.prepare('DELETE FROM state_alert_groups WHERE group_id NOT IN (SELECT id FROM state_groups)'),
  ];
  return {
    ...stores,
    receiverGates: (opts) => new SqliteReceiverGates(db, write, opts),
    sweep(now) {
      const s = epochSeconds(now);
      // A swept group may stay in the group cache: reads skip it as expired, as they skip its row.
      return [...sweeps.map((stmt) => stmt.run(s)), ...orphans.map((stmt) => stmt.run())].reduce((n, r) => n + Number(r.changes), 0);
    },
  };
}

const SCHEMA = `
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
  CREATE TABLE IF NOT EXISTS state_silences (
    id TEXT PRIMARY KEY,
    list_key TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    silence TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS state_silences_listing ON state_silences (list_key);
  CREATE TABLE IF NOT EXISTS state_deliveries (
    id TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    record TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS state_inhibition_sources (
    partition TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    labels TEXT NOT NULL,
    ends_at TEXT,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (partition, fingerprint)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS state_cooldowns (
    key TEXT PRIMARY KEY,
    until INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS state_storm_windows (
    receiver TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    held_groups INTEGER NOT NULL DEFAULT 0,
    held_alerts INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (receiver, window_start)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS state_rate_slots (
    target TEXT PRIMARY KEY,
    next_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS state_payloads (
    notification_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (notification_id, digest)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS state_receiver_gates (
    gate TEXT PRIMARY KEY,
    gate_state TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
`;
const EXPIRING_TABLES = [
  'state_groups',
  'state_silences',
  'state_deliveries',
  'state_inhibition_sources',
  'state_cooldowns',
  'state_storm_windows',
  'state_rate_slots',
  'state_receiver_gates',
  'state_payloads',
  'state_incidents',
  'state_incident_events',
] as const;

type Row = Record<string, unknown>;

/**
 * A group as a row (version and TTL as columns: the write conditions; the rest as JSON) plus one row
 * per alert, so a write rewrites only the alerts that changed: the router keeps unchanged alerts as
 * the same objects (mergeAlerts), which is how they are told apart here.
 *
 * Decoded groups are kept in memory by id (the most recently used CACHED_GROUPS), deep-frozen: the
 * router and the API treat state as immutable (each change builds a new object), and a frozen
 * object makes any code that does not fail loudly in tests instead of corrupting the cache. This
 * one process owns the database, so a cached version is the stored one.
 */
class SqliteGroupStore implements GroupStore {
  private readonly get: StatementSync;
  private readonly getAlerts: StatementSync;
  private readonly insert: StatementSync;
  private readonly update: StatementSync;
  private readonly upsertAlert: StatementSync;
  private readonly deleteAlert: StatementSync;
  private readonly deleteAlerts: StatementSync;
  private readonly pageStmt: StatementSync;
  private readonly holdingStmt: StatementSync;
  private readonly link: StatementSync;
  private readonly unlink: StatementSync;
  private readonly cache = new Map<string, GroupState>();

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.get = db.prepare('SELECT version, expires_at, state FROM state_groups WHERE id = ?');
    this.getAlerts = db.prepare('SELECT alert FROM state_group_alerts WHERE group_id = ?');
    // A new group may replace one whose TTL passed (as on DynamoDB, where TTL deletion lags).
    this.insert = db.prepare(
      'INSERT INTO state_groups (id, version, expires_at, list_key, state) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at, list_key = excluded.list_key, state = excluded.state ' +
        'WHERE state_groups.expires_at <= ?',
    );
    this.update = db.prepare('UPDATE state_groups SET version = ?, expires_at = ?, state = ? WHERE id = ? AND version = ?');
    this.upsertAlert = db.prepare('INSERT INTO state_group_alerts (group_id, fingerprint, alert) VALUES (?, ?, ?) ON CONFLICT (group_id, fingerprint) DO UPDATE SET alert = excluded.alert');
    this.deleteAlert = db.prepare('DELETE FROM state_group_alerts WHERE group_id = ? AND fingerprint = ?');
    this.deleteAlerts = db.prepare('DELETE FROM state_group_alerts WHERE group_id = ?');
    this.pageStmt = db.prepare('SELECT id, list_key, expires_at FROM state_groups WHERE list_key > ? ORDER BY list_key LIMIT ?');
    this.holdingStmt = db.prepare('SELECT group_id FROM state_alert_groups WHERE fingerprint = ?');
    this.link = db.prepare('INSERT INTO state_alert_groups (fingerprint, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.unlink = db.prepare('DELETE FROM state_alert_groups WHERE fingerprint = ? AND group_id = ?');
  }

  /** Through the index from fingerprints to groups (alerts and recently resolved ones, kept by `put`). */
  async holding(fingerprint: string, now: Date): Promise<GroupState[]> {
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

  async put(next: GroupState): Promise<void> {
    const { version, expiresAt, alerts, ...rest } = next;
    const state = JSON.stringify(rest);
    const before = this.read(next.groupId);
    const committed = this.write(() => {
      const changed =
        version === 1
          ? this.insert.run(next.groupId, version, expiresAt, groupListKeys(next).lsk, state, epochSeconds(new Date(next.updatedAt))).changes
          : this.update.run(version, expiresAt, state, next.groupId, version - 1).changes;
      if (Number(changed) === 0) throw new ConflictError(`group ${next.groupId} changed concurrently`);
      // What `before` holds is what is stored (a replaced expired group's alerts go with it).
      const stored = before && version !== 1 ? before.alerts : {};
      if (version === 1) this.deleteAlerts.run(next.groupId);
      // Plain loops, no lists or sets: these run over every alert of the group on every write.
      for (const fp in alerts) if (stored[fp] !== alerts[fp]) this.upsertAlert.run(next.groupId, fp, JSON.stringify(alerts[fp]));
      for (const fp in stored) if (!(fp in alerts)) this.deleteAlert.run(next.groupId, fp);
      // The index GET /v1/alerts/{id} reads: every fingerprint the group holds, resolved ones too.
      const was = before ?? EMPTY_HOLDER;
      forEachHeld(next, (fp) => {
        if (!holdsFingerprint(was, fp)) this.link.run(fp, next.groupId);
      });
      forEachHeld(was, (fp) => {
        if (!holdsFingerprint(next, fp)) this.unlink.run(fp, next.groupId);
      });
    });
    // Cached at once, as the database's own reads see the write before its commit. If the commit
    // fails, the write is gone: so is the cached group, and the next read loads what was committed.
    this.remember(deepFreeze(next));
    try {
      await committed;
    } catch (err) {
      this.cache.delete(next.groupId);
      throw err;
    }
  }

  async page(after: ListKey | undefined, limit: number, now: Date): Promise<GroupPage> {
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

  /** The stored group (live or not), from the cache or the database. */
  private read(id: string): GroupState | undefined {
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
    const g = deepFreeze({ ...(JSON.parse(row.state as string) as Omit<GroupState, 'version' | 'expiresAt' | 'alerts'>), alerts, version: row.version as number, expiresAt: row.expires_at as number });
    this.remember(g);
    return g;
  }

  private remember(g: GroupState): void {
    this.cache.delete(g.groupId);
    this.cache.set(g.groupId, g);
    if (this.cache.size > CACHED_GROUPS) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** What a group holds for GET /v1/alerts/{id}: its alerts, and the recently resolved ones. */
type Holder = Pick<GroupState, 'alerts' | 'recentlyResolved'>;
const EMPTY_HOLDER: Holder = { alerts: {} };

function holdsFingerprint(g: Holder, fp: string): boolean {
  return fp in g.alerts || (g.recentlyResolved !== undefined && fp in g.recentlyResolved);
}

function forEachHeld(g: Holder, fn: (fp: string) => void): void {
  for (const fp in g.alerts) fn(fp);
  // A recently resolved alert that fires again is in both: visited once.
  for (const fp in g.recentlyResolved ?? {}) if (!(fp in g.alerts)) fn(fp);
}

/** Groups kept decoded in memory: a storm's working set (a 50-alert group is some 30 KB). */
const CACHED_GROUPS = 10_000;

/** Freeze `value` and everything it holds (what is frozen already is not walked again). */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k in value) deepFreeze(value[k]);
  return value;
}

/** The same cursor key the DynamoDB adapter's listing index gives, so a cursor means one thing. */
const groupCursor = (row: Row): ListKey => ({ ...groupKey(row.id as string), lpk: GROUPS_LIST_PK, lsk: row.list_key as string });

/** Silences as rows keyed by id, listed by end time (the listing key the DynamoDB index uses). */
class SqliteSilenceStore implements SilenceStore {
  private readonly insert: StatementSync;
  private readonly getStmt: StatementSync;
  private readonly above: StatementSync;
  private readonly below: StatementSync;
  private readonly all: StatementSync;
  private readonly expireStmt: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.insert = db.prepare('INSERT INTO state_silences (id, list_key, updated_at, expires_at, silence) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.getStmt = db.prepare('SELECT expires_at, silence FROM state_silences WHERE id = ?');
    this.above = db.prepare('SELECT list_key, expires_at, silence FROM state_silences WHERE list_key > ? ORDER BY list_key LIMIT ?');
    this.below = db.prepare('SELECT list_key, expires_at, silence FROM state_silences WHERE list_key < ? ORDER BY list_key DESC LIMIT ?');
    this.all = db.prepare('SELECT expires_at, silence FROM state_silences ORDER BY id');
    this.expireStmt = db.prepare('UPDATE state_silences SET list_key = ?, updated_at = ?, expires_at = ?, silence = ? WHERE id = ? AND updated_at = ?');
  }

  async create(silence: Silence): Promise<void> {
    await this.write(() => {
      const res = this.insert.run(silence.id, silenceListKeys(silence).lsk, silence.updated_at, silenceExpiresAt(silence), JSON.stringify(silence));
      if (Number(res.changes) === 0) throw new ConflictError(`silence ${silence.id} already exists`);
    });
  }

  async get(id: string, now: Date): Promise<Silence | undefined> {
    return decodeSilenceRow(this.getStmt.get(id) as Row | undefined, now);
  }

  async page(segment: SilenceSegment, bound: Date, after: ListKey | undefined, limit: number, now: Date) {
    const cut = silenceEndBound(bound);
    // `current`: ending after the bound, soonest first; `ended`: at or before it, latest first.
    const rows =
      segment === 'current'
        ? (this.above.all(after && after.lsk > cut ? after.lsk : cut, limit + 1) as Row[])
        : (this.below.all(after && after.lsk < cut ? after.lsk : cut, limit + 1) as Row[]);
    const read = rows.slice(0, limit);
    const silences = read.flatMap((r) => decodeSilenceRow(r, now) ?? []);
    const lastRow = read.at(-1);
    const last = rows.length > limit && lastRow ? silenceCursor(lastRow.list_key as string) : undefined;
    return { silences, read: read.length, last };
  }

  current(now: Date): Promise<Silence[]> {
    return currentByPages(this, now);
  }

  async list(now: Date): Promise<Silence[]> {
    return (this.all.all() as Row[]).flatMap((r) => decodeSilenceRow(r, now) ?? []);
  }

  async expire(id: string, now: Date, actor: string): Promise<ExpireResult> {
    const before = await this.get(id, now);
    if (!before) throw new NotFoundError(`no silence with id ${JSON.stringify(id)}`);
    const { after, previous } = expiredNow(before, now, actor);
    if (previous === 'expired') return { before, after, previous };
    await this.write(() => {
      const res = this.expireStmt.run(silenceListKeys(after).lsk, after.updated_at, silenceExpiresAt(after), JSON.stringify(after), id, before.updated_at);
      if (Number(res.changes) === 0) throw new ConflictError(`silence ${id} kept changing while being expired`);
    });
    return { before, after, previous };
  }
}

const silenceCursor = (lsk: string): ListKey => ({ ...silenceKey(lsk.slice(lsk.indexOf('#') + 1)), lpk: SILENCES_PK, lsk });

// As the DynamoDB adapter: a row past its retention or that no longer parses silences nothing.
function decodeSilenceRow(row: Row | undefined, now: Date): Silence | undefined {
  if (!row || (row.expires_at as number) <= epochSeconds(now)) return undefined;
  const parsed = Silence.safeParse(JSON.parse(row.silence as string));
  return parsed.success ? parsed.data : undefined;
}

type StoredDelivery = DeliveryRecord & { claimToken?: string | undefined };

class SqliteDeliveryStore implements DeliveryStore {
  private readonly read: StatementSync;
  private readonly upsert: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.read = db.prepare('SELECT record FROM state_deliveries WHERE id = ?');
    this.upsert = db.prepare('INSERT INTO state_deliveries (id, expires_at, record) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, record = excluded.record');
  }

  private load(id: string): StoredDelivery | undefined {
    const row = this.read.get(id) as Row | undefined;
    return row ? (JSON.parse(row.record as string) as StoredDelivery) : undefined;
  }

  private save(rec: StoredDelivery, now: Date): void {
    this.upsert.run(rec.notificationId, epochSeconds(now) + DELIVERY_RETENTION_S, JSON.stringify(rec));
  }

  async get(notificationId: string): Promise<DeliveryRecord | undefined> {
    const rec = this.load(notificationId);
    if (!rec) return undefined;
    const { claimToken: _token, ...record } = rec;
    return record;
  }

  async outcomes(ids: readonly string[]): Promise<Map<string, RecordedDelivery>> {
    const out = new Map<string, RecordedDelivery>();
    for (const id of new Set(ids)) {
      const rec = this.load(id);
      if (rec) out.set(id, { status: rec.status, at: Date.parse(rec.updatedAt ?? '') || 0 });
    }
    return out;
  }

  async claim(rec: Pick<DeliveryRecord, 'notificationId' | 'channel' | 'receiver' | 'target'>, opts: { now: Date; untilMs: number; final: readonly DeliveryStatus[] }): Promise<ClaimResult> {
    return this.write((): ClaimResult => {
      const current = this.load(rec.notificationId);
      if (current && (opts.final.includes(current.status) || (current.status === 'in_progress' && (current.claimExpiresAt ?? 0) > opts.now.getTime()))) {
        const { claimToken: _token, ...record } = current;
        return { claimed: false, current: record };
      }
      const token = randomUUID();
      this.save(
        {
          ...current,
          ...rec,
          target: current?.target ?? rec.target,
          attempts: current?.attempts ?? [],
          status: 'in_progress',
          claimExpiresAt: opts.untilMs,
          claimToken: token,
          updatedAt: opts.now.toISOString(),
        },
        opts.now,
      );
      return { claimed: true, token };
    });
  }

  async release(notificationId: string, token: string, now: Date): Promise<void> {
    await this.write(() => {
      const current = this.load(notificationId);
      // Someone else holds it now (ours lapsed): nothing of ours to give back.
      if (!current || current.claimToken !== token) return;
      const { claimToken: _token, ...rest } = current;
      this.save({ ...rest, claimExpiresAt: now.getTime() }, now);
    });
  }

  async recordAttempt(
    rec: Omit<DeliveryRecord, 'attempts' | 'status' | 'updatedAt' | 'claimExpiresAt'> & { status: DeliveryStatus },
    attempt: DeliveryAttempt,
    now: Date,
  ): Promise<boolean> {
    return this.write(() => {
      const current = this.load(rec.notificationId);
      if (current?.status === 'delivered') return false;
      const { claimExpiresAt: _until, claimToken: _token, ...kept } = current ?? ({} as Partial<StoredDelivery>);
      this.save({ ...kept, ...rec, attempts: [...(current?.attempts ?? []), attempt], updatedAt: attempt.at }, now);
      return true;
    });
  }
}

class SqliteInhibitionSourceStore implements InhibitionSourceStore {
  private readonly upsert: StatementSync;
  private readonly remove: StatementSync;
  private readonly select: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.upsert = db.prepare(
      'INSERT INTO state_inhibition_sources (partition, fingerprint, labels, ends_at, expires_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (partition, fingerprint) DO UPDATE SET labels = excluded.labels, ends_at = excluded.ends_at, expires_at = excluded.expires_at',
    );
    this.remove = db.prepare('DELETE FROM state_inhibition_sources WHERE partition = ? AND fingerprint = ?');
    this.select = db.prepare('SELECT fingerprint, labels, ends_at FROM state_inhibition_sources WHERE partition = ? AND expires_at > ? ORDER BY fingerprint LIMIT ?');
  }

  async put(partition: string, alert: InhibitionSource, now: Date): Promise<void> {
    await this.write(() => this.upsert.run(partition, alert.fingerprint, JSON.stringify(alert.labels), alert.endsAt ?? null, inhibitionSourceExpiresAt(alert, now)));
  }

  async delete(partition: string, fingerprint: string): Promise<void> {
    await this.write(() => this.remove.run(partition, fingerprint));
  }

  async query(partition: string, now: Date, limit?: number): Promise<InhibitionSource[]> {
    return (this.select.all(partition, epochSeconds(now), limit ?? -1) as Row[]).map((r) => ({
      fingerprint: r.fingerprint as string,
      labels: JSON.parse(r.labels as string) as Record<string, string>,
      status: 'firing' as const,
      endsAt: (r.ends_at as string | null) ?? undefined,
    }));
  }
}

class SqliteCooldownStore implements CooldownStore {
  private readonly select: StatementSync;
  private readonly upsert: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.select = db.prepare('SELECT until, expires_at FROM state_cooldowns WHERE key = ?');
    this.upsert = db.prepare('INSERT INTO state_cooldowns (key, until, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until, expires_at = excluded.expires_at');
  }

  async getMany(keys: ReadonlyArray<{ pk: string; sk: string }>, now: Date): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const key of keys) {
      const row = this.select.get(key.pk) as Row | undefined;
      if (row && (row.expires_at as number) > epochSeconds(now) && (row.until as number) > now.getTime()) out.set(key.pk, row.until as number);
    }
    return out;
  }

  async start(key: { pk: string; sk: string }, until: number): Promise<void> {
    await this.write(() => this.upsert.run(key.pk, until, Math.ceil(until / 1000)));
  }
}

class SqliteStormStore implements StormStore {
  private readonly reserveStmt: StatementSync;
  private readonly holdStmt: StatementSync;
  private readonly select: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    // One statement each, so the count and its bound are checked and changed at once.
    this.reserveStmt = db.prepare(
      'INSERT INTO state_storm_windows (receiver, window_start, sent, expires_at) VALUES (?, ?, 1, ?) ' +
        'ON CONFLICT (receiver, window_start) DO UPDATE SET sent = sent + 1, expires_at = excluded.expires_at WHERE sent < ?',
    );
    this.holdStmt = db.prepare(
      'INSERT INTO state_storm_windows (receiver, window_start, held_groups, held_alerts, expires_at) VALUES (?, ?, 1, ?, ?) ' +
        'ON CONFLICT (receiver, window_start) DO UPDATE SET held_groups = held_groups + 1, held_alerts = held_alerts + excluded.held_alerts, expires_at = excluded.expires_at',
    );
    this.select = db.prepare('SELECT sent, held_groups, held_alerts FROM state_storm_windows WHERE receiver = ? AND window_start = ?');
  }

  async reserve(receiver: string, windowStart: number, windowMs: number, max: number): Promise<boolean> {
    if (max <= 0) return false;
    return this.write(() => Number(this.reserveStmt.run(receiver, windowStart, stormWindowExpiresAt(windowStart, windowMs), max).changes) > 0);
  }

  async hold(receiver: string, windowStart: number, windowMs: number, alerts: number): Promise<void> {
    await this.write(() => this.holdStmt.run(receiver, windowStart, alerts, stormWindowExpiresAt(windowStart, windowMs)));
  }

  async get(receiver: string, windowStart: number): Promise<StormWindow | undefined> {
    const row = this.select.get(receiver, windowStart) as Row | undefined;
    return row ? { sent: row.sent as number, heldGroups: row.held_groups as number, heldAlerts: row.held_alerts as number } : undefined;
  }
}

class SqliteRateLimiter implements RateLimiter {
  private readonly select: StatementSync;
  private readonly upsert: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.select = db.prepare('SELECT next_at FROM state_rate_slots WHERE target = ?');
    this.upsert = db.prepare('INSERT INTO state_rate_slots (target, next_at, expires_at) VALUES (?, ?, ?) ON CONFLICT (target) DO UPDATE SET next_at = excluded.next_at, expires_at = excluded.expires_at');
  }

  async reserve(target: string, intervalMs: number, now: number): Promise<number> {
    return this.write(() => {
      const next = (this.select.get(target) as Row | undefined)?.next_at as number | undefined;
      // Idle: the slot is now. Busy: queue up behind the last reserved slot.
      const slot = next === undefined || next <= now ? now : next;
      this.upsert.run(target, slot + intervalMs, dayAfterUse(now));
      return slot;
    });
  }
}

/**
 * Payloads as one row each (SQLite has no item size limit): the JSON itself, keyed by notification
 * and the digest of that JSON, so a rebuilt payload with other content is another row, as on DynamoDB.
 */
class SqlitePayloadStore implements PayloadStore {
  private readonly upsert: StatementSync;
  private readonly select: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.upsert = db.prepare('INSERT INTO state_payloads (notification_id, digest, payload, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET expires_at = excluded.expires_at');
    this.select = db.prepare('SELECT payload FROM state_payloads WHERE notification_id = ? AND digest = ? AND expires_at > ?');
  }

  async put(notificationId: string, value: unknown, now: Date): Promise<PayloadRef> {
    const json = JSON.stringify(value);
    const digest = createHash('sha256').update(json).digest('hex');
    await this.write(() => this.upsert.run(notificationId, digest, json, epochSeconds(now) + PAYLOAD_RETENTION_S));
    return { digest, parts: 1, bytes: Buffer.byteLength(json) };
  }

  async get(notificationId: string, ref: PayloadRef): Promise<unknown> {
    const row = this.select.get(notificationId, ref.digest, epochSeconds(new Date())) as Row | undefined;
    return row ? (JSON.parse(row.payload as string) as unknown) : undefined;
  }
}

interface GateState {
  failures?: number;
  openUntil?: number;
  slots: Record<string, { id: string; exp: number }>;
}

/** The receiver gates of receiver-gates.ts (the same slots, leases and back-off, decided by its helpers), one row per gate. */
class SqliteReceiverGates implements ReceiverGates {
  private readonly slots: number;
  private readonly leaseMs: number;
  private readonly random: () => number;
  private readonly select: StatementSync;
  private readonly upsert: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
    private readonly opts: ReceiverGateOptions,
  ) {
    this.slots = Math.max(1, opts.slots ?? DEFAULT_GATE_SLOTS);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.random = opts.random ?? Math.random;
    this.select = db.prepare('SELECT gate_state FROM state_receiver_gates WHERE gate = ?');
    this.upsert = db.prepare('INSERT INTO state_receiver_gates (gate, gate_state, expires_at) VALUES (?, ?, ?) ON CONFLICT (gate) DO UPDATE SET gate_state = excluded.gate_state, expires_at = excluded.expires_at');
  }

  private load(gate: string): GateState {
    const row = this.select.get(gate) as Row | undefined;
    return row ? (JSON.parse(row.gate_state as string) as GateState) : { slots: {} };
  }

  private save(gate: string, state: GateState, now: number): void {
    this.upsert.run(gate, JSON.stringify(state), dayAfterUse(now));
  }

  acquire(gate: string, now: number): Promise<GateDecision> {
    return this.write((): GateDecision => {
      const state = this.load(gate);
      if ((state.openUntil ?? 0) > now) return { kind: 'backing_off', untilMs: state.openUntil! };
      const pick = pickFreeSlot(
        Array.from({ length: this.slots }, (_, i) => state.slots[i]?.exp),
        state.failures,
        this.leaseMs,
        now,
        this.random,
      );
      if ('heldForMs' in pick) return { kind: 'busy', heldForMs: pick.heldForMs };
      const { slot } = pick;
      const id = randomUUID();
      state.slots[slot] = { id, exp: now + this.leaseMs };
      this.save(gate, state, now);
      return { kind: 'granted', lease: { gate, slot, id }, probe: (state.failures ?? 0) > 0 };
    });
  }

  release(lease: GateLease, health: GateHealth, now: number): Promise<number | undefined> {
    return this.write(() => {
      const state = this.load(lease.gate);
      // Our lease expired and was taken over: the slot is someone else's now; leave it.
      if (state.slots[lease.slot]?.id !== lease.id) return undefined;
      delete state.slots[lease.slot];
      let until: number | undefined;
      if (health.kind === 'up') {
        state.failures = 0;
        delete state.openUntil;
      } else if (health.kind === 'down') {
        state.failures = (state.failures ?? 0) + 1;
        until = now + this.opts.reopenAfterMs(state.failures, health.retryAfterMs);
        state.openUntil = until;
      }
      this.save(lease.gate, state, now);
      return until;
    });
  }
}
