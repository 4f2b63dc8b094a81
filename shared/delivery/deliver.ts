import type { SecretResolver } from '../primitives/secrets';
import type { HttpPort } from '../channels/http';
import type { MailPort, SmsPort } from '../channels/ports';
import { backoffSeconds, classifyError, type DeliveryOutcome } from '../channels/outcome';
import { ChannelConfigNotFoundError, channelConfig } from '../channels/keys';
import type { SenderLookup } from '../channels/registry';
import type { Logger } from '../log';
import type { NotificationMessage } from '../queues/messages';
import type { CompiledConfig } from '../runtime/compiled-config';
import { SQS_MAX_DELAY_S, type QueuePort } from '../queues/port';
import { claimDelivery, completeDelivery } from './claims';
import { withDashboardLink, withIncidentLinks } from './incident-links';
import type { DeliveryStore, PayloadStore, RateLimiter } from '../store/port';
import type { DeliveryStatus } from '../store/model';
import type { MetricsPort } from '../metrics/catalog';

export interface DeliverDeps {
  config: CompiledConfig;
  deliveries: DeliveryStore;
  /**
   * The sender of a channel type: `senderFor` (registry.ts) where every channel is served; a sender
   * function passes its own channel's only, so its bundle holds one renderer.
   */
  senderFor: SenderLookup;
  http: HttpPort;
  mail: MailPort;
  sms: SmsPort;
  secrets: SecretResolver;
  clock: () => Date;
  log: Logger;
  /** Floor and first step of the retry back-off (default 1 s; SQS rounds it up to whole seconds). */
  retryBaseMs?: number;
  /** Jitter source in [0, 1) for the back-off (default Math.random); tests pin it. */
  retryJitter?: () => number;
  /** Send slots for rate-limited targets; without it, senders do not pace themselves. */
  rateLimiter?: RateLimiter;
  /** Where a group notification that failed for good wakes its group (the router's queue). */
  queues?: QueuePort;
  /** Where a notification that failed for good is kept, so it can be retried (POST /v1/deliveries/{id}/retry). */
  payloads?: Pick<PayloadStore, 'put'>;
  /** Counts notifications sent and failed, by channel type, and the time from a notification made to delivered. */
  metrics?: MetricsPort | undefined;
  /** The base URL of incident links when the config sets no external_url (the local runtime's). */
  publicUrl?: (() => string | undefined) | undefined;
}

export type DeliverResult =
  | { kind: 'delivered' | 'duplicate' | 'failed' }
  /**
   * Try again after `delaySeconds` (the caller backs the message off through queue visibility);
   * `retryAfterMs` is the receiver's own Retry-After, if it sent one.
   */
  | { kind: 'retry'; delaySeconds: number; retryAfterMs?: number }
  /** Rate limited: send it again at its reserved `slot` (the caller re-enqueues it with a delay). */
  | { kind: 'defer'; delaySeconds: number; slot: number };

/** A rate-limit wait up to this long is slept through; a longer one is deferred through the queue. */
const MAX_INLINE_WAIT_MS = 5_000;

/**
 * Deliver one notification to one channel: claim it (skip it if an earlier receive settled it, wait
 * if another holds it), send, record the attempt, and say whether to retry. `attempt` is the queue's
 * receive count.
 */
export async function deliver(n: NotificationMessage, attempt: number, maxAttempts: number, deps: DeliverDeps): Promise<DeliverResult> {
  const channel = `${n.channel.type}[${n.channel.index}]`;
  const claim = await claimDelivery(deps, n, channel, deps.clock());
  if (claim.kind === 'settled') {
    deps.log.info(`notification already ${claim.status}; not sending again`, { notificationId: n.id });
    return { kind: 'duplicate' };
  }
  if (claim.kind === 'busy') {
    deps.log.info('notification is being sent by another receive; looking again when its claim lapses', { notificationId: n.id });
    return { kind: 'retry', delaySeconds: Math.ceil(claim.retryInMs / 1000) };
  }

  const ctx = { http: deps.http, mail: deps.mail, sms: deps.sms, secrets: deps.secrets, now: deps.clock };
  let started = Date.now();
  let outcome: DeliveryOutcome;
  let target: string = n.channel.type;
  try {
    const receiver = deps.config.receivers.get(n.receiver);
    if (!receiver) throw new ChannelConfigNotFoundError(`receiver ${JSON.stringify(n.receiver)} is not in the config`);
    const config = channelConfig(receiver, n.channel.type, n.channel.index) as never;
    const sender = deps.senderFor(n.channel.type);
    // Targets with a rate limit (a Slack webhook) get a send slot shared by every concurrent sender.
    const limit = deps.rateLimiter && sender.rateLimit ? await sender.rateLimit(ctx, config) : undefined;
    if (limit) {
      const slot = n.slot ?? (await deps.rateLimiter!.reserve(limit.target, limit.intervalMs, Date.now()));
      const wait = slot - Date.now();
      if (wait > MAX_INLINE_WAIT_MS) {
        deps.log.info('rate limited; deferring to its send slot', { notificationId: n.id, channel, waitMs: wait });
        await deps.deliveries.release(n.id, claim.token, deps.clock());
        return { kind: 'defer', delaySeconds: Math.min(SQS_MAX_DELAY_S, Math.ceil(wait / 1000)), slot };
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      started = Date.now();
    }
    const sent = await sender.send(ctx, withDashboardLink(await withIncidentLinks(n, deps), deps), config);
    target = sent.target;
    outcome = sent;
  } catch (err) {
    outcome = classifyError(err);
  }
  const latencyMs = Date.now() - started;

  const lastAttempt = attempt >= maxAttempts;
  const status = outcome.kind === 'success' ? 'delivered' : outcome.kind === 'permanent' ? 'failed' : lastAttempt ? 'dead_lettered' : 'retrying';
  await completeDelivery(
    deps,
    n,
    { notificationId: n.id, channel, receiver: n.receiver, target, status },
    {
      attempt,
      at: deps.clock().toISOString(),
      outcome: outcome.kind,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
      latencyMs,
    },
    deps.clock(),
  );
  const fields = { notificationId: n.id, receiver: n.receiver, channel, target, attempt, status: outcome.status, latencyMs };
  countOutcome(deps.metrics, n, status, deps.clock());
  switch (outcome.kind) {
    case 'success':
      deps.log.info('notification delivered', fields);
      return { kind: 'delivered' };
    case 'permanent':
      deps.log.error('notification failed permanently; not retrying', { ...fields, reason: outcome.reason });
      return { kind: 'failed' };
    case 'retryable': {
      // Per message: its own receive count sets the step; a Retry-After wins over the cap (up to 12 h).
      const delaySeconds = backoffSeconds(attempt, outcome.retryAfterMs, deps.retryJitter, deps.retryBaseMs);
      deps.log.warn(lastAttempt ? 'notification failed; retries exhausted, dead-lettering' : 'notification failed; will retry', {
        ...fields,
        reason: outcome.reason,
        delaySeconds,
      });
      return outcome.retryAfterMs === undefined ? { kind: 'retry', delaySeconds } : { kind: 'retry', delaySeconds, retryAfterMs: outcome.retryAfterMs };
    }
  }
}

/** A send's outcome as metrics: delivered (and how long after the notification was made), or how it failed. */
export function countOutcome(metrics: MetricsPort | undefined, n: Pick<NotificationMessage, 'channel' | 'createdAt'>, status: DeliveryStatus, now: Date): void {
  if (!metrics) return;
  const channel = n.channel.type;
  if (status === 'delivered') {
    metrics.count('notificationsSent', 1, { channel });
    metrics.observe('deliveryLatency', Math.max(0, now.getTime() - Date.parse(n.createdAt)), { channel });
  } else {
    metrics.count('notificationsFailed', 1, { channel, outcome: status === 'failed' ? 'permanent' : status === 'dead_lettered' ? 'dead_lettered' : 'retryable' });
  }
}
