import type { InhibitionSource } from '../inhibition/rules';
import type { PayloadRef } from '../queues/messages';
import type { Silence } from '../silences/model';
import type { ListKey } from './keys';
import type { IncidentStore as IncidentStorePort } from '../escalation/incident';
import type {
  ClaimResult,
  DeliveryAttempt,
  DeliveryIdentity,
  DeliveryPage,
  DeliveryRecord,
  DeliveryStatus,
  ExpireResult,
  GateDecision,
  GateHealth,
  GateLease,
  ReceiverGateOptions,
  RecordedDelivery,
  SilenceSegment,
  StormWindow,
} from './model';
import type { HeartbeatStore } from '../heartbeats/heartbeat';
import type { CheckStore } from '../checks/check';
import type { TickStore } from '../self-monitoring/ticks';
import type { HistoryStore } from '../history/history';
import type { GroupState } from '../grouping/model';

/**
 * The state the domain keeps, as ports: what the router, the senders and the API need of persistence,
 * not how an engine stores it. Two adapters implement every one of them: DynamoDB (`dynamoStores`,
 * on AWS) and SQLite (`sqliteStores`, the local runtime's embedded default), and one contract suite
 * (test/integration/store-contract.test.ts) runs against both. See docs/adr/0012-embedded-store.md.
 *
 * Conditional writes are part of the contract: a write whose precondition no longer holds (another
 * writer got there first) fails with ConflictError, or returns what the method documents, on both.
 */
export interface Stores {
  groups: GroupStore;
  silences: SilenceStore;
  deliveries: DeliveryStore;
  inhibitions: InhibitionSourceStore;
  cooldowns: CooldownStore;
  storms: StormStore;
  rateLimiter: RateLimiter;
  /** Notification payloads too large for a queue message (the message carries a reference). */
  payloads: PayloadStore;
  incidents: IncidentStore;
  heartbeats: HeartbeatStore;
  /** Threshold checks made through the API, and every check's evaluation state. */
  checks: CheckStore;
  /** When periodic jobs (the checks tick) last completed, for the deep health check. */
  ticks: TickStore;
  /** Resolved alerts, kept for the config's retention. */
  history: HistoryStore;
  /** The receiver gates, with the sender's lease and back-off settings. */
  receiverGates(opts: ReceiverGateOptions): ReceiverGates;
}

/** What the adapters are built with. */
export interface StoreOptions {
  /** The config's `retention`, in seconds: resolved alerts, resolved incidents, delivery records. */
  retentionS: number;
}

export const DEFAULT_RETENTION_S = 30 * 86_400;

export interface GroupPage {
  groups: GroupState[];
  /** Listing entries read, live or not, so a caller can bound its work. */
  read: number;
  /** Where the next page starts; unset at the end. */
  last?: ListKey | undefined;
}

/** Alert groups, with optimistic locking on `version`. */
export interface GroupStore {
  /** The live groups among `ids` (strongly consistent). */
  getMany(ids: readonly string[], now: Date): Promise<Map<string, GroupState>>;
  /** Write `next` if the stored version is still `next.version - 1` (or absent or expired for version 1); else ConflictError. */
  put(next: GroupState): Promise<void>;
  /** One page of groups in listing order (receiver, then group key), after `after`. */
  page(after: ListKey | undefined, limit: number, now: Date): Promise<GroupPage>;
  /** Every live group, page by page in listing order. */
  all(now: Date, pageSize?: number): AsyncGenerator<GroupState[]>;
  /** Every live group in listing order. */
  list(now: Date): Promise<GroupState[]>;
  /**
   * The live groups that hold the alert `fingerprint`, firing or recently resolved (GET /v1/alerts/{id}).
   * An adapter without an index reads at most HOLDING_WALK_LIMIT groups of the listing.
   */
  holding(fingerprint: string, now: Date): Promise<GroupState[]>;
}

/** Silences: created, read, listed, edited in place (Alertmanager's rules: see canUpdateInPlace) and expired. */
export interface SilenceStore {
  /** Store a new silence; a second create with the same id is a ConflictError. */
  create(silence: Silence): Promise<void>;
  get(id: string, now: Date): Promise<Silence | undefined>;
  /** `current`: ending after `bound`, soonest first; `ended`: ended at or before it, latest first. */
  page(segment: SilenceSegment, bound: Date, after: ListKey | undefined, limit: number, now: Date): Promise<{ silences: Silence[]; read: number; last?: ListKey | undefined }>;
  /** Every silence not ended at `now`. */
  current(now: Date): Promise<Silence[]>;
  /** Every silence within retention, in any state (strongly consistent). */
  list(now: Date): Promise<Silence[]>;
  /**
   * Replace the stored silence `next.id` with `next` if it is still the version read (its
   * `updated_at` is `expectedUpdatedAt`); ConflictError otherwise, or when there is none. The
   * listing follows `next.ends_at`. Deciding whether the change is allowed is the caller's.
   */
  update(next: Silence, expectedUpdatedAt: string): Promise<void>;
  /** Expire now, as Alertmanager's Silences.Expire; NotFoundError when there is none. */
  expire(id: string, now: Date, actor: string): Promise<ExpireResult>;
}

/** One record per notification: its claim, verdict and attempts. */
export interface DeliveryStore {
  get(notificationId: string): Promise<DeliveryRecord | undefined>;
  outcomes(ids: readonly string[]): Promise<Map<string, RecordedDelivery>>;
  /** Take the notification (see claims.ts). The record's origin is written with its first record and kept. */
  claim(rec: DeliveryIdentity, opts: { now: Date; untilMs: number; final: readonly DeliveryStatus[] }): Promise<ClaimResult>;
  release(notificationId: string, token: string, now: Date): Promise<void>;
  /** False when the record is already `delivered` (it is then left unchanged). */
  recordAttempt(rec: DeliveryIdentity & { status: DeliveryStatus; resend?: PayloadRef | undefined }, attempt: DeliveryAttempt, now: Date): Promise<boolean>;
  /**
   * Move a record from one of `from` to `to` (a retry reopening a failed delivery, or putting it
   * back when the retry could not be queued), unless a claim holds it. The record after the
   * change, or undefined when it is gone or its status was not one of `from`.
   */
  transition(notificationId: string, from: readonly DeliveryStatus[], to: DeliveryStatus, now: Date): Promise<DeliveryRecord | undefined>;
  /**
   * The delivery log: records whose notification was made in [from, to), newest first, after the
   * key `after` (a previous page's `last`). Reads at most `limit` records; expired ones are skipped
   * (and counted in `read`). Records too old to have a `createdAt` are listed by their `updatedAt`.
   */
  page(range: { from: Date; to: Date }, after: string | undefined, limit: number, now: Date): Promise<DeliveryPage>;
}

/** Incidents and their timelines: escalation's port (shared/escalation/incident.ts), paged by the listing index's keys. */
export type IncidentStore = IncidentStorePort<ListKey>;

/** How long a resolved incident (and its timeline) stays readable; an open one lives until resolved, a year at most. */
export const INCIDENT_RETENTION_S = { resolved: 30 * 86_400, open: 365 * 86_400 } as const;

/** Firing alerts that can inhibit others, by rule partition. */
export interface InhibitionSourceStore {
  put(partition: string, alert: InhibitionSource, now: Date): Promise<void>;
  delete(partition: string, fingerprint: string): Promise<void>;
  query(partition: string, now: Date, limit?: number): Promise<InhibitionSource[]>;
}

export interface CooldownStore {
  /** `until` (epoch ms) of each live cooldown among `keys`, by pk. */
  getMany(keys: ReadonlyArray<{ pk: string; sk: string }>, now: Date): Promise<Map<string, number>>;
  start(key: { pk: string; sk: string }, until: number): Promise<void>;
}

export interface StormStore {
  /** Take one of the window's `max` notifications atomically; false when they are all taken. */
  reserve(receiver: string, windowStart: number, windowMs: number, max: number): Promise<boolean>;
  hold(receiver: string, windowStart: number, windowMs: number, alerts: number): Promise<void>;
  get(receiver: string, windowStart: number): Promise<StormWindow | undefined>;
}

/** Payloads stored by notification id; a write is idempotent (the content's digest is part of its key). */
export interface PayloadStore {
  /** Store `value` (any JSON) for `notificationId`; what the queue message carries to find it. */
  put(notificationId: string, value: unknown, now: Date): Promise<PayloadRef>;
  /** The value under `ref`, or undefined when it is gone (its retention passed) or does not match `ref`. */
  get(notificationId: string, ref: PayloadRef): Promise<unknown>;
}

export interface RateLimiter {
  /** Reserve the next send slot for `target`; its time (epoch ms), `now` when the target is idle. */
  reserve(target: string, intervalMs: number, now: number): Promise<number>;
}

export interface ReceiverGates {
  acquire(gate: string, now: number): Promise<GateDecision>;
  /** Free the slot and record how the receiver did; when the gate reopens after a failure (epoch ms). */
  release(lease: GateLease, health: GateHealth, now: number): Promise<number | undefined>;
}

/**
 * Groups an adapter without an index from alerts to groups reads at most to find an alert's
 * (`holdingByWalk`): one request's work stays bounded, whatever the table holds.
 */
export const HOLDING_WALK_LIMIT = 10_000;

/**
 * The groups holding `fingerprint`, by walking the listing (an adapter without an index from alerts
 * to groups): at most `limit` groups are read (see groupsWhere).
 */
export function holdingByWalk(store: Pick<GroupStore, 'page'>, fingerprint: string, now: Date, limit = HOLDING_WALK_LIMIT): Promise<GroupState[]> {
  return groupsWhere(store, (g) => holdsAlert(g, fingerprint), now, limit);
}

/** The groups `keep` takes, walking the listing a page at a time (one page held), at most `limit` entries read. */
export async function groupsWhere(store: Pick<GroupStore, 'page'>, keep: (g: GroupState) => boolean, now: Date, limit: number): Promise<GroupState[]> {
  const out: GroupState[] = [];
  let after: ListKey | undefined;
  let read = 0;
  do {
    const page = await store.page(after, Math.min(100, limit - read), now);
    read += page.read;
    out.push(...page.groups.filter(keep));
    after = page.last;
  } while (after && read < limit);
  return out;
}

/** Whether the group holds the alert, firing or recently resolved (what `GroupStore.holding` finds). */
export const holdsAlert = (g: Pick<GroupState, 'alerts' | 'recentlyResolved'>, fingerprint: string): boolean =>
  g.alerts[fingerprint] !== undefined || g.recentlyResolved?.[fingerprint] !== undefined;

/** Every live group in listing order, read `pageSize` at a time (for adapters: `list` in terms of `page`). */
export async function listPages(store: Pick<GroupStore, 'page'>, now: Date, pageSize: number): Promise<GroupState[]> {
  const out: GroupState[] = [];
  for await (const groups of allPages(store, now, pageSize)) out.push(...groups);
  return out;
}

/** Every silence not ended at `now`, page by page (for adapters: `current` in terms of `page`). */
export async function currentByPages(store: Pick<SilenceStore, 'page'>, now: Date): Promise<Silence[]> {
  const out: Silence[] = [];
  let after: ListKey | undefined;
  do {
    const res = await store.page('current', now, after, 1000, now);
    out.push(...res.silences);
    after = res.last;
  } while (after);
  return out;
}

/** Every live group, page by page from `page` (for adapters: `all` in terms of `page`). */
export async function* allPages(store: Pick<GroupStore, 'page'>, now: Date, pageSize: number): AsyncGenerator<GroupState[]> {
  let after: ListKey | undefined;
  do {
    const { groups, last } = await store.page(after, pageSize, now);
    if (groups.length > 0) yield groups;
    after = last;
  } while (after);
}
