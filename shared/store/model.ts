import type { InhibitionSource } from '../inhibition/rules';
import type { Silence, SilenceState } from '../silences/model';
import type { PayloadRef } from '../queues/messages';
import type { DeliveryStatus } from '../grouping/nflog';
import { epochSeconds } from './keys';

/**
 * The records the stores keep besides groups (shared/grouping/model.ts): deliveries, gates, storm
 * windows, silence results, and each kind's TTL. Nothing here knows an engine.
 */

// A delivery's status and outcome are the notification log's input, so they are defined there.
export { DELIVERY_STATUSES, type DeliveryStatus, type RecordedDelivery } from '../grouping/nflog';

/** One attempt to deliver a notification. `target` never holds a secret. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'success' | 'retryable' | 'permanent';
  status?: number;
  reason?: string;
  latencyMs: number;
}

export interface DeliveryRecord extends DeliveryOrigin {
  notificationId: string;
  channel: string;
  receiver: string;
  target: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** When the status last changed (ISO): the claim, or the last attempt's outcome. */
  updatedAt?: string;
  /** While `in_progress`: when the claim lapses (epoch ms) and another receive may take it. */
  claimExpiresAt?: number;
  /**
   * Set when the notification failed for good (`failed`, `dead_lettered`): where the whole
   * notification is kept so `POST /v1/deliveries/{id}/retry` can send it again.
   */
  resend?: PayloadRef | undefined;
}

/**
 * Where a notification came from, written with its first record and never changed: the delivery
 * log lists records by `createdAt` (the notification's own time) and shows the rest.
 */
export interface DeliveryOrigin {
  /** When the notification was made (ISO): the delivery log's order. Older records lack it. */
  createdAt?: string | undefined;
  groupId?: string | undefined;
  groupKey?: string | undefined;
  incidentId?: string | undefined;
  /** Alerts the notification told of. */
  alerts?: number | undefined;
}

/** What identifies a delivery record and its origin: what a claim and an attempt write. */
export type DeliveryIdentity = Pick<DeliveryRecord, 'notificationId' | 'channel' | 'receiver' | 'target'> & DeliveryOrigin;

export const DELIVERY_ORIGIN_FIELDS = ['createdAt', 'groupId', 'groupKey', 'incidentId', 'alerts'] as const satisfies ReadonlyArray<keyof DeliveryOrigin>;

/**
 * The origin a write gives a record that has none yet: its identity's, the notification's time
 * defaulting to now. Both adapters keep a stored origin over it (it never changes).
 */
export function newOrigin(rec: DeliveryIdentity, now: Date): DeliveryOrigin {
  const origin: DeliveryOrigin = { createdAt: rec.createdAt ?? now.toISOString() };
  for (const field of DELIVERY_ORIGIN_FIELDS) if (field !== 'createdAt' && rec[field] !== undefined) (origin as Record<string, unknown>)[field] = rec[field];
  return origin;
}

/** A record's position in the delivery log: its notification's time, then its id (unique, sortable). */
export const deliveryLogKey = (rec: Pick<DeliveryRecord, 'notificationId' | 'createdAt' | 'updatedAt'>): string =>
  `${rec.createdAt ?? rec.updatedAt ?? ''}#${rec.notificationId}`;

export interface DeliveryPage {
  /** Newest first. */
  records: DeliveryRecord[];
  /** Records read, live or not, so a caller can bound its work. */
  read: number;
  /** The key to continue after (older records); unset when the range is exhausted. */
  last?: string | undefined;
}

export type ClaimResult = { claimed: true; token: string } | { claimed: false; current: DeliveryRecord | undefined };

/** One receiver's storm window: notifications sent, and the groups and alerts held. */
export interface StormWindow {
  sent: number;
  heldGroups: number;
  heldAlerts: number;
}

/** What a gate said to one sender invocation about one receiver entry. */
export type GateDecision =
  /**
   * Send. `probe`: the receiver is failing, so send one notification to test it, not the batch.
   * `proven`: its last release found it up, and nothing failed since (a receiver never sent to, or
   * failing, is not).
   */
  | { kind: 'granted'; lease: GateLease; probe: boolean; proven: boolean }
  /**
   * Every slot is held by other invocations: wait without sending. `heldForMs`: how long the most
   * recently taken slot has been held (short: a burst to a healthy receiver; long: a slow receiver).
   */
  | { kind: 'busy'; heldForMs: number }
  /** The receiver failed recently (or asked, with Retry-After): nothing is sent before `untilMs`. */
  | { kind: 'backing_off'; untilMs: number };

export interface GateLease {
  gate: string;
  slot: number;
  id: string;
}

/** How the receiver answered the sends made under a lease. */
export type GateHealth = { kind: 'up' } | { kind: 'down'; retryAfterMs?: number } | { kind: 'unknown' };

export interface ReceiverGateOptions {
  /**
   * How long a receiver is left alone after its `failures`-th failure in a row (ms; a Retry-After
   * it sent is given). The delivery policy's (shared/delivery/sender-handler.ts): the stores only
   * keep the time.
   */
  reopenAfterMs: (failures: number, retryAfterMs: number | undefined) => number;
  /** Sender invocations that may send to one receiver entry at once (@default 2). */
  slots?: number;
  /** A lease not released by then (a crashed or timed-out invocation) is free again (@default 60 s). */
  leaseMs?: number;
  /** Picks among free slots (@default Math.random). */
  random?: () => number;
}

export const DEFAULT_GATE_SLOTS = 2;

/** What an expire did: the silence before and after (the same object when it was already expired). */
export interface ExpireResult {
  before: Silence;
  after: Silence;
  /** The state the silence was in when it was expired. */
  previous: SilenceState;
}

/** The two listing segments of silences: not ended yet, and ended. */
export type SilenceSegment = 'current' | 'ended';

/*
 * How long each kind of item lives (its TTL, epoch seconds): the same whichever adapter keeps it.
 */

/** Delivery records live 30 days: long enough to debug a page, short enough to cost nothing. */
export const DELIVERY_RETENTION_S = 30 * 86_400;

/**
 * An inhibition source lives an hour past its end, or, without one, as long as a quiet group (30
 * days) unless it is refreshed.
 */
export const inhibitionSourceExpiresAt = (alert: Pick<InhibitionSource, 'endsAt'>, now: Date): number =>
  alert.endsAt ? epochSeconds(new Date(alert.endsAt)) + 3600 : epochSeconds(now) + 30 * 86_400;

/** A storm window's counters live a day past the window. */
export const stormWindowExpiresAt = (windowStart: number, windowMs: number): number => Math.ceil((windowStart + windowMs) / 1000) + 86_400;

/** Send slots and receiver gates live a day past their last use (epoch ms). */
export const dayAfterUse = (nowMs: number): number => epochSeconds(new Date(nowMs)) + 86_400;
