import { hash } from 'node:crypto';
import { memoByText } from '../alerts/memo';
import type { GroupState, NflogEntry, SendingEntry } from './model';

/**
 * A delivery record's status. `in_progress`: a sender holds the claim until `claimExpiresAt`.
 * `dead_lettered` messages may be redriven; `delivered` and `failed` are verdicts a later receive
 * does not send again.
 */
export const DELIVERY_STATUSES = ['in_progress', 'delivered', 'retrying', 'failed', 'dead_lettered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What the router (settling this log) and the read API need of a delivery: its status and since when. */
export interface RecordedDelivery {
  status: DeliveryStatus;
  /** Epoch ms of the record's `updatedAt`. */
  at: number;
}

/**
 * Alertmanager's dedup stage (`notify.DedupStage.needsUpdate`): whether a channel must be notified
 * given what it was last told. New firing alerts always notify; a group whose firing alerts all
 * resolved notifies (even without send_resolved, so the log forgets them); newly resolved alerts
 * notify channels that want resolves; otherwise only a repeat after `repeatMs`.
 */
export function needsUpdate(
  entry: NflogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatMs: number,
  now: number,
): boolean {
  if (!entry) return firing.size > 0;
  if (!isSubset(firing, entry.firing)) return true;
  // Fired and resolved between two flushes: the channel never heard of them, nothing to say.
  if (firing.size === 0) return entry.firing.length > 0;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return true;
  return entry.at < now - repeatMs;
}

/** Whether a repeat (rather than news) is what `needsUpdate` would answer at `at`: the next repeat time. */
export function repeatDueAt(entry: NflogEntry | undefined, repeatMs: number): number | undefined {
  return entry && entry.firing.length > 0 ? entry.at + repeatMs + 1 : undefined;
}

/** Whether a logged entry has anything to show the channel (else it is only logged, as Alertmanager does). */
export const wouldNotify = (entry: NflogEntry, sendResolved: boolean): boolean => entry.firing.length > 0 || (sendResolved && entry.resolved.length > 0);

/**
 * The id of a group notification: its flush and channel entry (`type.index`), so a replay repeats
 * it. The digest is remembered for recent flushes: each evaluation of a group with a send in
 * flight asks for its ids again.
 */
export function notificationId(groupId: string, seq: number, channel: string): string {
  return `${idDigest(`${groupId}\n${seq}`)}.${channel}`;
}

/**
 * The 32 hex digits of SHA-256 that alertflow's ids are made of (a notification's, and a group's:
 * dispatch.ts), remembered for recent texts: a storm asks for the same ones alert after alert.
 */
export const idDigest: (text: string) => string = memoByText(8192, (text) => hash('sha256', text, 'hex').slice(0, 32));

/**
 * Alertmanager's log records a notification only once it was sent; alertflow's router hands the
 * send to a queue, so the log has two parts: `nflog` (delivered) and `sending` (sent, outcome not
 * folded in yet). Dedup counts a notification in flight as told (the next flush does not send it
 * again) and one that failed for good as never sent (the next flush tries again).
 */
export function dedupLog(g: Pick<GroupState, 'nflog' | 'sending'>): Record<string, NflogEntry> {
  const log: Record<string, NflogEntry> = { ...g.nflog };
  for (const [key, s] of Object.entries(g.sending ?? {})) if (s.failedAt === undefined) log[key] = { firing: s.firing, resolved: s.resolved, at: s.at };
  return log;
}

/** What a group has heard of beyond its current alerts (the merge asks when a resolve finds no alert). */
export interface Heard {
  /** Whether a channel was told of the alert (delivered, in flight or failed), or it left the group resolved lately. */
  has(fingerprint: string): boolean;
  /** Whether some channel was last told of firing alerts (delivered or in flight). */
  toldFiring(): boolean;
}

/** A group that has heard of nothing (a new one). */
export const NOTHING_HEARD: Heard = { has: () => false, toldFiring: () => false };

/** What `g` has heard of: its channels' logs and its recently resolved alerts. Worked out only when asked. */
export function heardOf(g: Pick<GroupState, 'nflog' | 'sending' | 'recentlyResolved'>): Heard {
  let known: Set<string> | undefined;
  const collect = (): Set<string> => {
    const set = new Set(Object.keys(g.recentlyResolved ?? {}));
    for (const e of [...Object.values(g.nflog), ...Object.values(g.sending ?? {})]) for (const fp of [...e.firing, ...e.resolved]) set.add(fp);
    return set;
  };
  return {
    has: (fp) => (known ??= collect()).has(fp),
    toldFiring: () => Object.values(dedupLog(g)).some((e) => e.firing.length > 0),
  };
}

/** Ids of the group's notifications whose outcome is not folded in yet. */
export function unsettledIds(g: Pick<GroupState, 'groupId' | 'sending'>): string[] {
  return Object.entries(g.sending ?? {}).flatMap(([key, s]) => (s.failedAt === undefined ? [notificationId(g.groupId, s.seq, key)] : []));
}

export type SendingStatus = 'delivered' | 'failed' | 'pending';

/**
 * What became of a sent notification, from its delivery record. `final` is false for a dead letter:
 * it failed, but it waits in the DLQ for a redrive that may still deliver it, so the router does not
 * send it again on its own (its repeat still comes).
 */
export function sendingStatus(groupId: string, key: string, s: SendingEntry, outcomes: ReadonlyMap<string, RecordedDelivery>): { status: SendingStatus; final: boolean; at?: number } {
  if (s.failedAt !== undefined) return { status: 'failed', final: true, at: s.failedAt };
  const o = outcomes.get(notificationId(groupId, s.seq, key));
  if (o?.status === 'delivered') return { status: 'delivered', final: true, at: o.at };
  if (o?.status === 'failed') return { status: 'failed', final: true, at: o.at };
  if (o?.status === 'dead_lettered') return { status: 'failed', final: false, at: o.at };
  return { status: 'pending', final: false };
}

/**
 * Fold delivery outcomes into the group: a delivered notification becomes the channel's log entry;
 * a failed one is marked and leaves the log as it was; the rest stay in flight. The entry keeps its
 * flush's time (the repeat timer set at that flush stays right; Alertmanager stamps its log after a
 * synchronous send, which here is the flush plus the queue's latency). Idempotent.
 */
export function settle<G extends Pick<GroupState, 'groupId' | 'nflog' | 'sending'>>(g: G, outcomes: ReadonlyMap<string, RecordedDelivery>): { group: G; changed: boolean } {
  const nflog = { ...g.nflog };
  const sending: Record<string, SendingEntry> = {};
  let changed = false;
  for (const [key, s] of Object.entries(g.sending ?? {})) {
    const { status, final, at } = sendingStatus(g.groupId, key, s, outcomes);
    if (status === 'delivered') {
      nflog[key] = { firing: s.firing, resolved: s.resolved, at: s.at };
      changed = true;
    } else if (status === 'failed' && final && s.failedAt === undefined) {
      sending[key] = { ...s, failedAt: at! };
      changed = true;
    } else {
      sending[key] = s;
    }
  }
  if (!changed) return { group: g, changed };
  return { group: { ...g, nflog, sending: Object.keys(sending).length > 0 ? sending : undefined }, changed };
}

function isSubset(subset: ReadonlySet<string>, of: readonly string[]): boolean {
  if (subset.size > of.length) return false;
  const set = new Set(of);
  for (const x of subset) if (!set.has(x)) return false;
  return true;
}
