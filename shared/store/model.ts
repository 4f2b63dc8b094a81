import * as z from 'zod';
import { Alert, LabelSet } from '../alerts/model';
import type { InhibitionSource } from '../inhibition/rules';
import type { Silence, SilenceState } from '../silences/model';
import { epochSeconds } from './keys';

/**
 * The state the stores keep, as the domain sees it: what the store port (port.ts) reads and writes,
 * whichever adapter holds it. Nothing here knows an engine.
 */

/** An alert as a group holds it: the alert plus when alertflow learned it resolved. */
export const GroupAlert = Alert.extend({ resolvedAt: z.string().optional() });
export type GroupAlert = z.infer<typeof GroupAlert>;

/** How long resolved alerts stay visible after they leave their group (the router and the read API). */
export const RESOLVED_RETENTION_MS = 60 * 60_000;

/**
 * The group's resolved alerts that left it within RESOLVED_RETENTION_MS and are not back in it. The
 * router prunes the stored list only when it writes the group, so readers apply the age too.
 */
export function recentlyResolved(g: Pick<GroupState, 'alerts' | 'recentlyResolved'>, now: number): GroupAlert[] {
  return Object.values(g.recentlyResolved ?? {}).filter(
    (a) => !g.alerts[a.fingerprint] && now - Date.parse(a.resolvedAt ?? a.endsAt ?? a.startsAt) < RESOLVED_RETENTION_MS,
  );
}

/** What one channel entry of the receiver was last notified for this group (Alertmanager's nflog entry). */
export interface NflogEntry {
  /** Fingerprints notified as firing, and as resolved. */
  firing: string[];
  resolved: string[];
  /** When (epoch ms). */
  at: number;
}

/**
 * A notification a flush sent to one channel entry, not yet known delivered: what it told, its flush
 * (`seq`, part of its id), and, once known, when it failed for good. It joins `nflog` when delivered.
 */
export interface SendingEntry extends NflogEntry {
  seq: number;
  failedAt?: number | undefined;
}

/** Flap tracking of one alert: its recent firing/resolved edges and when it was last notified while flapping. */
export interface FlapState {
  edges: number[];
  notifiedAt?: number | undefined;
}

/** Alerts a flush held back for alertflow's own reasons (Alertmanager's mutes are computed, not stored). */
export interface Hold {
  reason: 'cooldown' | 'storm';
  /** When the hold ends (epoch ms): the group is flushed again then. */
  until: number;
  fingerprints: string[];
}

/**
 * The last write's trigger messages and the notifications its flush made: a redelivered message that
 * finds itself here re-emits them (same ids, so senders post once) instead of losing them.
 */
export interface LastWrite {
  ids: string[];
  /** Set when the write recorded a flush that notified. */
  flush?: { at: number; seq: number; resolved: GroupAlert[]; paged: string[] } | undefined;
}

/** An alert group: the alerts one route groups together under one group key, for one receiver. */
export interface GroupState {
  groupId: string;
  routeId: string;
  receiver: string;
  groupKey: string;
  groupLabels: LabelSet;
  alerts: Record<string, GroupAlert>;
  /**
   * Resolved alerts that left the group after their flush, kept an hour for the read API (a resolve
   * is something people look up). Flushes never read them.
   */
  recentlyResolved?: Record<string, GroupAlert> | undefined;
  /** Optimistic-lock version; 0 means the group does not exist yet. */
  version: number;
  updatedAt: string;
  expiresAt: number;
  /** When the first flush is due (epoch ms); unset once the group has flushed. */
  firstFlushAt?: number | undefined;
  /**
   * When a flush last sent notifications (epoch ms); group_interval counts from here, as
   * Alertmanager's ticks do whatever the sends' outcome. Not a delivery: see `nflog`.
   */
  lastSentAt?: number | undefined;
  /** Flushes that notified, counted: part of notification ids. */
  flushSeq: number;
  /**
   * The group's timer chain: its next flush, and the token its messages carry. `every` is set while
   * the group re-checks each group_interval (muted or inhibited): its flushes then follow at `at` plus
   * multiples of `every`, without a write each time (see `nextFlushAt`).
   */
  timer?: { at: number; token: string; every?: number | undefined } | undefined;
  /** Per channel entry (`type.index`): what it was last told, by a delivered notification. */
  nflog: Record<string, NflogEntry>;
  /** Per channel entry: the last notification sent and not yet folded into `nflog` (in flight, or failed). */
  sending?: Record<string, SendingEntry> | undefined;
  flaps: Record<string, FlapState>;
  hold?: Hold | undefined;
  /** The sender's base URL (Alertmanager's externalURL), for links when the config sets none. */
  externalURL?: string | undefined;
  lastWrite: LastWrite;
}

/**
 * `in_progress`: a sender holds the claim until `claimExpiresAt`. `dead_lettered` messages may be
 * redriven; `delivered` and `failed` are verdicts a later receive does not send again.
 */
export type DeliveryStatus = 'in_progress' | 'delivered' | 'retrying' | 'failed' | 'dead_lettered';

/** One attempt to deliver a notification. `target` never holds a secret. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'success' | 'retryable' | 'permanent';
  status?: number;
  reason?: string;
  latencyMs: number;
}

export interface DeliveryRecord {
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
}

/** What the router and the read API need of a delivery: its status and since when. */
export interface RecordedDelivery {
  status: DeliveryStatus;
  /** Epoch ms of `updatedAt`. */
  at: number;
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
  /** Send. `probe`: the receiver is failing, so send one notification to test it, not the batch. */
  | { kind: 'granted'; lease: GateLease; probe: boolean }
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
