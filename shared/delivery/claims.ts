import { CONSUMER_TIMEOUT_S, ALERTS_QUEUE } from '../queues/names';
import type { FlushMessage, NotificationMessage } from '../queues/messages';
import type { QueuePort } from '../queues/port';
import type { DeliveryAttempt, DeliveryRecord, DeliveryStatus } from '../store/deliveries';
import type { DeliveryOrigin } from '../store/model';
import type { DeliveryStore, PayloadStore } from '../store/port';
import type { Logger } from '../log';
import type { PayloadRef } from '../queues/messages';

/**
 * Claim before send, record from the outcome (as Powertools' idempotency layer claims an
 * in-progress record): one conditional write takes the notification, the send happens, and the
 * attempt's record releases the claim with a status. Two receives of one notification (an SQS
 * redelivery, or the same notification queued twice) cannot both post: the second finds the claim
 * and waits it out, then finds the verdict.
 */

/** A claim outlives any one send: a sender cannot hold it longer than its function's timeout. */
export const CLAIM_LEASE_MS = CONSUMER_TIMEOUT_S.sender * 1000;

/** Verdicts a later receive of the same notification does not send again. */
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['delivered', 'failed'];

export type Claim =
  | { kind: 'claimed'; token: string }
  /** Already settled: `delivered`, or `failed` for good (the group's next flush sends a new notification). */
  | { kind: 'settled'; status: DeliveryStatus }
  /** Another receive holds a live claim: look again once it lapses (by then it is settled, or free). */
  | { kind: 'busy'; retryInMs: number };

/** Statuses a notification ends in without being delivered: `POST /v1/deliveries/{id}/retry` sends these again. */
export const FAILED_STATUSES: readonly DeliveryStatus[] = ['failed', 'dead_lettered'];

export interface ClaimDeps {
  deliveries: DeliveryStore;
  /** The router's queue, for waking a group whose notification failed for good. */
  queues?: QueuePort | undefined;
  /** Where a notification that failed for good is kept for a retry; without it, none can be. */
  payloads?: Pick<PayloadStore, 'put'> | undefined;
  log?: Logger | undefined;
}

/** What the delivery log shows of where a notification came from (DeliveryOrigin). */
export function originOf(n: NotificationMessage): DeliveryOrigin {
  return {
    createdAt: n.createdAt,
    groupId: n.group.id,
    groupKey: n.group.key,
    ...(n.incident ? { incidentId: n.incident.id } : {}),
    alerts: n.group.alerts.length + (n.group.truncatedAlerts ?? 0),
  };
}

export async function claimDelivery(deps: ClaimDeps, n: NotificationMessage, channel: string, now: Date): Promise<Claim> {
  const res = await deps.deliveries.claim({ notificationId: n.id, channel, receiver: n.receiver, target: n.channel.type, ...originOf(n) }, { now, untilMs: now.getTime() + CLAIM_LEASE_MS, final: FINAL_STATUSES });
  if (res.claimed) return { kind: 'claimed', token: res.token };
  const current = res.current;
  if (current && FINAL_STATUSES.includes(current.status)) {
    // A receive after a permanent failure may be the retry of one whose wake did not go out: wake
    // again (the same message id, and flushes are idempotent).
    if (current.status === 'failed') await wakeGroup(deps, n, now);
    return { kind: 'settled', status: current.status };
  }
  // Held by a live claim (or changed between the write and the read): wait out what is left of it.
  const left = current?.status === 'in_progress' && current.claimExpiresAt !== undefined ? current.claimExpiresAt - now.getTime() : 1000;
  return { kind: 'busy', retryInMs: Math.max(1000, Math.min(CLAIM_LEASE_MS, left)) };
}

/**
 * Record an attempt's outcome (which releases the claim). A group notification that failed
 * permanently wakes its group: the router learns the send never happened and tries again at the
 * group's next flush, as Alertmanager does (its log records only successful sends). A dead letter
 * (retries exhausted) does not: it waits in the DLQ for a redrive, which would post it besides a
 * new send. Returns false when the notification had already been delivered.
 */
export async function completeDelivery(
  deps: ClaimDeps,
  n: NotificationMessage,
  rec: Pick<DeliveryRecord, 'notificationId' | 'channel' | 'receiver' | 'target' | 'status'>,
  attempt: DeliveryAttempt,
  now: Date,
): Promise<boolean> {
  const resend = FAILED_STATUSES.includes(rec.status) ? await keepForRetry(deps, n, now) : undefined;
  const recorded = await deps.deliveries.recordAttempt({ ...rec, ...originOf(n), ...(resend ? { resend } : {}) }, attempt, now);
  if (recorded && rec.status === 'failed') await wakeGroup(deps, n, now);
  return recorded;
}

/**
 * Keep the whole notification (a large group's alerts, as its payload reference stands for them)
 * for a retry once its cause is fixed. Best effort: without it the failure is still recorded, and
 * the retry says the notification is no longer kept.
 */
async function keepForRetry(deps: ClaimDeps, n: NotificationMessage, now: Date): Promise<PayloadRef | undefined> {
  if (!deps.payloads) return undefined;
  try {
    return await deps.payloads.put(n.id, n, now);
  } catch (err) {
    deps.log?.warn('could not keep a failed notification for a retry', { notificationId: n.id, err });
    return undefined;
  }
}

/** Ask the router to look at a group notification's group now (storm summaries and tests have none). */
async function wakeGroup(deps: ClaimDeps, n: NotificationMessage, now: Date): Promise<void> {
  if (n.group.flushSeq === undefined || !deps.queues) return;
  // The id is fixed per notification: a repeated wake is one flush, and flushes are idempotent.
  const wake: FlushMessage = { kind: 'flush', id: `delivery:${n.id}`, groupId: n.group.id, at: now.getTime(), reason: 'delivery' };
  await deps.queues.send(ALERTS_QUEUE, [{ id: 'wake', body: JSON.stringify(wake) }]);
}
