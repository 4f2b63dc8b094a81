import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConflictError, NotFoundError } from '../errors';
import type { InhibitionSource } from '../inhibition/rules';
import { Silence } from '../silences/model';
import { PAYLOAD_RETENTION_S } from './payloads';
import type { PayloadRef } from '../queues/messages';
import { epochSeconds, type ListKey, silenceEndBound, silenceKey, silenceListKeys, SILENCES_PK } from './keys';
import {
  currentByPages,
  DEFAULT_RETENTION_S,
  type StoreOptions,
  type CooldownStore,
  type DeliveryStore,
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
  DELIVERY_ORIGIN_FIELDS,
  deliveryLogKey,
  inhibitionSourceExpiresAt,
  newOrigin,
  stormWindowExpiresAt,
  type ClaimResult,
  type DeliveryAttempt,
  type DeliveryIdentity,
  type DeliveryOrigin,
  type DeliveryPage,
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
import { pickFreeSlot } from './receiver-gates';
import { expiredNow, silenceExpiresAt } from './silences';
import { SqliteIncidentStore } from './sqlite-incidents';
import { SqliteGroupStore } from './sqlite-groups';
import { SqliteHeartbeatStore } from './sqlite-heartbeats';
import { SqliteCheckStore } from './sqlite-checks';
import { SqliteTickStore } from './sqlite-ticks';
import { SqliteHistoryStore } from './sqlite-history';

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
  /** Journaled: `compact` folds what was written into the tables (sqlite-groups.ts). */
  groups: SqliteGroupStore;
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
  /** The same write, returned at once: it is durable with this turn's commit, and every later write with it or after. */
  write<T>(fn: () => T): T;
}

type Write = <T>(fn: () => T) => Promise<T>;

export function sqliteStores(database: SqliteDatabase, opts: StoreOptions = { retentionS: DEFAULT_RETENTION_S }): SqliteStores {
  const { db } = database;
  const write: Write = (fn) => database.batched(fn);
  // A sender's claims, verdicts and gate leases resolve once written, not once committed (ADR 0028):
  // nothing outside the process hears of them, and the settle of the sender's message is a later
  // write, so its commit carries them too (a crash before it sends again, as at-least-once allows).
  // Waiting for each commit cost a sender three turns of the event loop per window of sends.
  const visible: Write = (fn) => {
    try {
      return Promise.resolve(database.write(fn));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const hadDeliveryLog = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_delivery_log'").get() !== undefined;
  db.exec(SCHEMA);
  db.exec(DELIVERY_LOG_SCHEMA);
  // Records written before the delivery log existed are listed by their last update, once.
  if (!hadDeliveryLog) db.exec(DELIVERY_LOG_BACKFILL);
  const stores = {
    groups: new SqliteGroupStore(db, write),
    silences: new SqliteSilenceStore(db, write),
    deliveries: new SqliteDeliveryStore(db, write, visible, opts.retentionS),
    inhibitions: new SqliteInhibitionSourceStore(db, write),
    cooldowns: new SqliteCooldownStore(db, write),
    storms: new SqliteStormStore(db, write),
    rateLimiter: new SqliteRateLimiter(db, write),
    payloads: new SqlitePayloadStore(db, write),
    incidents: new SqliteIncidentStore(db, write, opts.retentionS),
    heartbeats: new SqliteHeartbeatStore(db, write),
    checks: new SqliteCheckStore(db, write),
    ticks: new SqliteTickStore(db, write),
    history: new SqliteHistoryStore(db, write, opts.retentionS),
  };
  const sweeps = EXPIRING_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`));
  // A swept group's entries in the fingerprint index go with it (its alert rows go with its row).
  const orphans = db.prepare('DELETE FROM state_alert_groups WHERE group_id NOT IN (SELECT id FROM state_groups)');
  return {
    ...stores,
    receiverGates: (opts) => new SqliteReceiverGates(db, visible, opts),
    sweep(now) {
      // The groups written since the last compaction go into the tables first (the first slice at
      // once, in this transaction; an expired group folded later is swept the next time).
      void stores.groups.compact().catch(() => undefined);
      const s = epochSeconds(now);
      // In the turn's transaction: a group's row and its alert rows go together, or neither does.
      return database.write(() => {
        const groups = stores.groups.sweep(s);
        return [...sweeps.map((stmt) => stmt.run(s)), orphans.run()].reduce((n, r) => n + Number(r.changes), groups);
      });
    },
  };
}

const SCHEMA = `
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
/** The delivery log's rows, one per record, in log order (see `deliveryLogKey`). */
const DELIVERY_LOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_delivery_log (
    log_key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
`;
const DELIVERY_LOG_BACKFILL = `
  INSERT OR IGNORE INTO state_delivery_log (log_key, id, expires_at)
    SELECT COALESCE(json_extract(record, '$.createdAt'), json_extract(record, '$.updatedAt'), '') || '#' || id, id, expires_at FROM state_deliveries;
`;

/** Tables swept by expiry alone (the groups' own sweep keeps the groups written since the last compaction). */
const EXPIRING_TABLES = [
  'state_silences',
  'state_deliveries',
  'state_delivery_log',
  'state_inhibition_sources',
  'state_cooldowns',
  'state_storm_windows',
  'state_rate_slots',
  'state_receiver_gates',
  'state_payloads',
  'state_incidents',
  'state_incident_events',
  'state_heartbeats',
  'state_check_states',
  'state_history',
] as const;

type Row = Record<string, unknown>;

/** Silences as rows keyed by id, listed by end time (the listing key the DynamoDB index uses). */
class SqliteSilenceStore implements SilenceStore {
  private readonly insert: StatementSync;
  private readonly getStmt: StatementSync;
  private readonly above: StatementSync;
  private readonly below: StatementSync;
  private readonly all: StatementSync;
  /** Rewrites a row read at a given `updated_at` (update and expire). */
  private readonly rewrite: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
  ) {
    this.insert = db.prepare('INSERT INTO state_silences (id, list_key, updated_at, expires_at, silence) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.getStmt = db.prepare('SELECT expires_at, silence FROM state_silences WHERE id = ?');
    this.above = db.prepare('SELECT list_key, expires_at, silence FROM state_silences WHERE list_key > ? ORDER BY list_key LIMIT ?');
    this.below = db.prepare('SELECT list_key, expires_at, silence FROM state_silences WHERE list_key < ? ORDER BY list_key DESC LIMIT ?');
    this.all = db.prepare('SELECT expires_at, silence FROM state_silences ORDER BY id');
    this.rewrite = db.prepare('UPDATE state_silences SET list_key = ?, updated_at = ?, expires_at = ?, silence = ? WHERE id = ? AND updated_at = ?');
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

  async update(next: Silence, expectedUpdatedAt: string): Promise<void> {
    await this.write(() => {
      if (!this.rewriteIf(next, expectedUpdatedAt)) throw new ConflictError(`silence ${next.id} changed (or is gone) since it was read`);
    });
  }

  async expire(id: string, now: Date, actor: string): Promise<ExpireResult> {
    const before = await this.get(id, now);
    if (!before) throw new NotFoundError(`no silence with id ${JSON.stringify(id)}`);
    const { after, previous } = expiredNow(before, now, actor);
    if (previous === 'expired') return { before, after, previous };
    await this.write(() => {
      if (!this.rewriteIf(after, before.updated_at)) throw new ConflictError(`silence ${id} kept changing while being expired`);
    });
    return { before, after, previous };
  }

  /** Write `next` over its row if the row's `updated_at` is `expected` (DynamoDB's condition); whether it did. */
  private rewriteIf(next: Silence, expected: string): boolean {
    const res = this.rewrite.run(silenceListKeys(next).lsk, next.updated_at, silenceExpiresAt(next), JSON.stringify(next), next.id, expected);
    return Number(res.changes) > 0;
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
/** The row's expires_at, on a record as loaded (see `load`). */
const ROW_EXPIRES_AT = Symbol('expires_at');
type Loaded = StoredDelivery & { [ROW_EXPIRES_AT]: number };

class SqliteDeliveryStore implements DeliveryStore {
  private readonly read: StatementSync;
  private readonly readLive: StatementSync;
  private readonly upsert: StatementSync;
  private readonly upsertLog: StatementSync;
  private readonly logRange: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: Write,
    /** For the sender's own writes (claim, release, verdict): resolves once written (see sqliteStores). */
    private readonly senderWrite: Write,
    /** The config's retention: how long a delivery record is kept after its last write. */
    private readonly retentionS: number = DELIVERY_RETENTION_S,
  ) {
    this.read = db.prepare('SELECT expires_at, record FROM state_deliveries WHERE id = ?');
    this.readLive = db.prepare('SELECT record FROM state_deliveries WHERE id = ? AND expires_at > ?');
    this.upsert = db.prepare('INSERT INTO state_deliveries (id, expires_at, record) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, record = excluded.record');
    this.upsertLog = db.prepare('INSERT INTO state_delivery_log (log_key, id, expires_at) VALUES (?, ?, ?) ON CONFLICT (log_key) DO UPDATE SET expires_at = excluded.expires_at');
    this.logRange = db.prepare(
      'SELECT l.log_key, d.expires_at, d.record FROM state_delivery_log l LEFT JOIN state_deliveries d ON d.id = l.id WHERE l.log_key >= ? AND l.log_key < ? ORDER BY l.log_key DESC LIMIT ?',
    );
  }

  /** The record as a conditional write sees it (DynamoDB's conditions ignore TTL, so claims do too). */
  private load(id: string): Loaded | undefined {
    const row = this.read.get(id) as Row | undefined;
    // Not enumerable: a spread of the record (every write builds the next one so) leaves it behind.
    return row ? (Object.defineProperty(JSON.parse(row.record as string), ROW_EXPIRES_AT, { value: row.expires_at }) as Loaded) : undefined;
  }

  /** The record as a read sees it: gone once past its retention. */
  private loadLive(id: string): StoredDelivery | undefined {
    const row = this.readLive.get(id, epochSeconds(new Date())) as Row | undefined;
    return row ? (JSON.parse(row.record as string) as StoredDelivery) : undefined;
  }

  /**
   * Write `rec`, over `before` (the row as loaded). Its log row is written with it, unless the
   * write before it left the same log row in place: a claim and its verdict, most often within the
   * same second, are one log row write, not two.
   */
  private save(rec: StoredDelivery, now: Date, before: Loaded | undefined): void {
    const expiresAt = epochSeconds(now) + this.retentionS;
    this.upsert.run(rec.notificationId, expiresAt, JSON.stringify(rec));
    const logKey = deliveryLogKey(rec);
    if (before?.[ROW_EXPIRES_AT] !== expiresAt || deliveryLogKey(before) !== logKey) this.upsertLog.run(logKey, rec.notificationId, expiresAt);
  }

  /** The origin a record keeps from its first write (see DeliveryOrigin), with its log time. */
  private static origin(current: Partial<StoredDelivery> | undefined, rec: DeliveryIdentity, now: Date): DeliveryOrigin {
    const fresh = newOrigin(rec, now);
    const origin: DeliveryOrigin = {};
    for (const field of DELIVERY_ORIGIN_FIELDS) {
      const value = current?.[field] ?? fresh[field];
      if (value !== undefined) (origin as Record<string, unknown>)[field] = value;
    }
    return origin;
  }

  async get(notificationId: string): Promise<DeliveryRecord | undefined> {
    const rec = this.loadLive(notificationId);
    if (!rec) return undefined;
    const { claimToken: _token, ...record } = rec;
    return record;
  }

  async outcomes(ids: readonly string[]): Promise<Map<string, RecordedDelivery>> {
    const out = new Map<string, RecordedDelivery>();
    for (const id of new Set(ids)) {
      const rec = this.loadLive(id);
      if (rec) out.set(id, { status: rec.status, at: Date.parse(rec.updatedAt ?? '') || 0 });
    }
    return out;
  }

  async claim(rec: DeliveryIdentity, opts: { now: Date; untilMs: number; final: readonly DeliveryStatus[] }): Promise<ClaimResult> {
    return this.senderWrite((): ClaimResult => {
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
          ...SqliteDeliveryStore.origin(current, rec, opts.now),
          target: current?.target ?? rec.target,
          attempts: current?.attempts ?? [],
          status: 'in_progress',
          claimExpiresAt: opts.untilMs,
          claimToken: token,
          updatedAt: opts.now.toISOString(),
        },
        opts.now,
        current,
      );
      return { claimed: true, token };
    });
  }

  async release(notificationId: string, token: string, now: Date): Promise<void> {
    await this.senderWrite(() => {
      const current = this.load(notificationId);
      // Someone else holds it now (ours lapsed): nothing of ours to give back.
      if (!current || current.claimToken !== token) return;
      const { claimToken: _token, ...rest } = current;
      this.save({ ...rest, claimExpiresAt: now.getTime() }, now, current);
    });
  }

  async recordAttempt(rec: DeliveryIdentity & { status: DeliveryStatus; resend?: PayloadRef | undefined }, attempt: DeliveryAttempt, now: Date): Promise<boolean> {
    return this.senderWrite(() => {
      const current = this.load(rec.notificationId);
      if (current?.status === 'delivered') return false;
      const { claimExpiresAt: _until, claimToken: _token, ...kept } = current ?? ({} as Partial<StoredDelivery>);
      const { resend, ...identity } = rec;
      this.save(
        { ...kept, ...identity, ...SqliteDeliveryStore.origin(current, rec, now), ...(resend ? { resend } : {}), attempts: [...(current?.attempts ?? []), attempt], updatedAt: attempt.at },
        now,
        current,
      );
      return true;
    });
  }

  async transition(notificationId: string, from: readonly DeliveryStatus[], to: DeliveryStatus, now: Date): Promise<DeliveryRecord | undefined> {
    return this.write(() => {
      const current = this.loadLive(notificationId);
      // A live record in one of `from`, with no claim held (a sender mid-send keeps it).
      if (!current || !from.includes(current.status) || current.claimToken !== undefined) return undefined;
      const next = { ...current, status: to, updatedAt: now.toISOString() };
      this.save(next, now, undefined);
      return next;
    });
  }

  async page(range: { from: Date; to: Date }, after: string | undefined, limit: number, now: Date): Promise<DeliveryPage> {
    const end = range.to.toISOString();
    const rows = this.logRange.all(range.from.toISOString(), after !== undefined && after < end ? after : end, limit) as Array<{ log_key: string; expires_at: number | null; record: string | null }>;
    const at = epochSeconds(now);
    return {
      records: rows.flatMap((r) => {
        if (r.record === null || (r.expires_at ?? 0) <= at) return [];
        const { claimToken: _token, ...record } = JSON.parse(r.record) as StoredDelivery;
        return [record];
      }),
      read: rows.length,
      ...(rows.length === limit ? { last: rows.at(-1)!.log_key } : {}),
    };
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
      return { kind: 'granted', lease: { gate, slot, id }, probe: (state.failures ?? 0) > 0, proven: state.failures === 0 };
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
