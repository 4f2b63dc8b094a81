import * as z from 'zod';
import { AlertflowError, ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Logger } from '../log';
import { CHANNEL_TYPES } from '../channel-types';
import { FAILED_STATUSES } from '../delivery/claims';
import { NotificationMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import { encodeBody, type QueuePort } from '../queues/port';
import { DELIVERY_STATUSES, deliveryLogKey, type DeliveryRecord, type DeliveryStatus } from '../store/model';
import type { DeliveryStore, PayloadStore } from '../store/port';
import { decodeCursor, encodeCursor, parseLimit, parseSinceParam, parseTimeParam, READ_BUDGET, retainedRange, SortKeyPart } from './paging';

/**
 * The delivery log (scope `read`): every notification alertflow tried to send, newest first by the
 * time it was made, with each attempt. `GET /v1/deliveries?status=failed&receiver=team&since=24h`
 * pages it as the other listings do (`limit`, an opaque `cursor`, at most READ_BUDGET records read
 * per request); `POST /v1/deliveries/{id}/retry` (scope `manage`) sends a notification that failed
 * for good again, once its cause is fixed.
 */
export interface DeliveryDeps {
  deliveries: DeliveryStore;
  payloads: Pick<PayloadStore, 'get'>;
  queues: QueuePort;
  clock: () => Date;
  log: Logger;
  /** The config's retention: the oldest `since` that can have anything. */
  retentionS: number;
}

export interface DeliveryQuery {
  status?: string | undefined;
  receiver?: string | undefined;
  channel?: string | undefined;
  /** One group's notifications (its id, as GET /v1/alerts and /v1/groups show it). */
  group?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

/** `status=failed` means every way a notification ends unsent; the stored statuses can be named one by one. */
const STATUS_ALIASES: Readonly<Record<string, readonly DeliveryStatus[]>> = { failed: FAILED_STATUSES, failed_permanently: ['failed'] };
const DEFAULT_SINCE_MS = 86_400_000;
/** Records read per store call: a filter may match few of them. */
const PAGE_READ = 250;

const Cursor = z.object({ d: SortKeyPart.refine((d) => d.length >= 2) }).strict();

export async function listDeliveries(deps: DeliveryDeps, query: DeliveryQuery): Promise<Record<string, unknown>> {
  const now = deps.clock();
  const statuses = parseStatuses(query.status);
  const channelType = query.channel;
  if (channelType !== undefined && !(CHANNEL_TYPES as readonly string[]).includes(channelType)) {
    throw new ValidationError(`channel must be one of ${CHANNEL_TYPES.join(', ')} (got ${JSON.stringify(channelType.slice(0, 64))})`, [{ path: 'channel', message: CHANNEL_TYPES.join(' | ') }]);
  }
  const until = parseTimeParam(query.until, 'until') ?? now;
  const since = parseSinceParam(query.since, until, DEFAULT_SINCE_MS);
  if (since >= until) throw new ValidationError('since must be before until', [{ path: 'since', message: 'before until' }]);
  const limit = parseLimit(query.limit);
  const range = retainedRange(since, until, now, deps.retentionS);
  const cursor = decodeCursor(query.cursor, Cursor, (c) => c.d < range.to.toISOString() && c.d >= range.from.toISOString());
  const matches = (r: DeliveryRecord) =>
    (statuses === undefined || statuses.includes(r.status)) && (query.receiver === undefined || r.receiver === query.receiver) && (channelType === undefined || r.channel.startsWith(`${channelType}[`)) &&
    (query.group === undefined || r.groupId === query.group);

  const out: DeliveryView[] = [];
  let after = cursor?.d;
  let read = 0;
  const window = { since: range.from.toISOString(), until: until.toISOString() };
  // All of it before the retention: nothing is kept there.
  if (range.from >= range.to) return { ...window, deliveries: out, next_cursor: null };
  for (;;) {
    const page = await deps.deliveries.page(range, after, Math.min(READ_BUDGET - read, PAGE_READ), now);
    read += page.read;
    for (const r of page.records) {
      if (!matches(r)) continue;
      out.push(deliveryView(r));
      // A full page: the next one starts after this record.
      if (out.length >= limit) return { ...window, deliveries: out, next_cursor: encodeCursor({ d: deliveryLogKey(r) }) };
    }
    if (page.last === undefined) return { ...window, deliveries: out, next_cursor: null };
    after = page.last;
    if (read >= READ_BUDGET) return { ...window, deliveries: out, next_cursor: encodeCursor({ d: after }) };
  }
}

export async function getDelivery(deps: Pick<DeliveryDeps, 'deliveries'>, id: string): Promise<DeliveryView> {
  const rec = await deps.deliveries.get(id);
  if (!rec) throw new NotFoundError(`no delivery record for notification ${JSON.stringify(id)} (records are kept for the config's retention)`);
  return deliveryView(rec);
}

/**
 * Send a notification that failed for good (`failed`: the receiver refused it; `dead_lettered`:
 * retries ran out) again, as it was: the record goes back to `retrying` and the notification onto its
 * channel's queue, where a sender claims it as any other. Refused (409) for any other status, and
 * when the notification was not kept (410 once its copy expired).
 */
export async function retryDelivery(deps: DeliveryDeps, id: string, actor: string): Promise<Record<string, unknown>> {
  const rec = await deps.deliveries.get(id);
  if (!rec) throw new NotFoundError(`no delivery record for notification ${JSON.stringify(id)}`);
  if (!FAILED_STATUSES.includes(rec.status)) {
    throw new ConflictError(`only a delivery that failed for good (${FAILED_STATUSES.join(' or ')}) can be retried; notification ${id} is ${rec.status}`);
  }
  if (!rec.resend) throw new ConflictError(`notification ${id} was not kept when it failed, so it cannot be sent again; its group sends a new one at its next flush`);
  const stored = await deps.payloads.get(id, rec.resend);
  const parsed = stored === undefined ? undefined : NotificationMessage.safeParse(stored);
  if (!parsed?.success) throw new AlertflowError('gone', 410, `notification ${id} is no longer kept (a failed notification is kept 15 days)`);
  const now = deps.clock();
  const reopened = await deps.deliveries.transition(id, FAILED_STATUSES, 'retrying', now);
  if (!reopened) throw new ConflictError(`notification ${id} changed while it was being retried; look at it again`);
  // As it was queued first, less what the last sender added while it waited or was paced.
  const { waits: _waits, slot: _slot, ...message } = parsed.data;
  try {
    await deps.queues.send(channelQueueName(message.channel.type), [{ id: 'retry', body: encodeBody(deps.queues, JSON.stringify(message)) }]);
  } catch (err) {
    // Not queued: the record goes back to what it was, so the retry can be asked for again.
    await deps.deliveries.transition(id, ['retrying'], rec.status, deps.clock()).catch(() => undefined);
    throw err;
  }
  deps.log.info('failed notification queued again', { notificationId: id, receiver: rec.receiver, channel: rec.channel, actor, was: rec.status });
  return { ...deliveryView(reopened), retried_by: actor };
}

export interface DeliveryView {
  id: string;
  status: DeliveryStatus;
  receiver: string;
  channel: string;
  /** Where it went, without secrets: `webhook:hooks.example.com`, `email:2 recipients`. */
  target: string;
  created_at: string | null;
  updated_at: string | null;
  group_id: string | null;
  group_key: string | null;
  incident_id: string | null;
  alerts: number | null;
  /** Attempts made (a receive spent waiting at a busy receiver counts when it dead-letters). */
  attempts: number;
  /** The last attempt's outcome: success, retryable or permanent (the error class). */
  last_outcome: string | null;
  /** The last attempt's HTTP status, where the channel has one. */
  last_status: number | null;
  /** The last failure's reason, as recorded (never a secret: channels redact their URLs and keys). */
  last_error: string | null;
  /** The last attempt's time to answer, in ms. */
  latency_ms: number | null;
  /** Whether POST /v1/deliveries/{id}/retry can send it again. */
  retryable: boolean;
  history: Array<{ attempt: number; at: string; outcome: string; status: number | null; error: string | null; latency_ms: number }>;
}

export function deliveryView(r: DeliveryRecord): DeliveryView {
  const last = r.attempts.at(-1);
  const lastFailure = [...r.attempts].reverse().find((a) => a.outcome !== 'success');
  return {
    id: r.notificationId,
    status: r.status,
    receiver: r.receiver,
    channel: r.channel,
    target: r.target,
    created_at: r.createdAt ?? null,
    updated_at: r.updatedAt ?? null,
    group_id: r.groupId ?? null,
    group_key: r.groupKey ?? null,
    incident_id: r.incidentId ?? null,
    alerts: r.alerts ?? null,
    attempts: r.attempts.length,
    last_outcome: last?.outcome ?? null,
    last_status: last?.status ?? null,
    last_error: r.status === 'delivered' ? null : (lastFailure?.reason ?? null),
    latency_ms: last?.latencyMs ?? null,
    retryable: FAILED_STATUSES.includes(r.status) && r.resend !== undefined,
    history: r.attempts.map((a) => ({ attempt: a.attempt, at: a.at, outcome: a.outcome, status: a.status ?? null, error: a.reason ?? null, latency_ms: a.latencyMs })),
  };
}

function parseStatuses(text: string | undefined): readonly DeliveryStatus[] | undefined {
  if (text === undefined) return undefined;
  const out = new Set<DeliveryStatus>();
  for (const part of text.split(',')) {
    const alias = STATUS_ALIASES[part];
    if (alias) alias.forEach((s) => out.add(s));
    else if ((DELIVERY_STATUSES as readonly string[]).includes(part)) out.add(part as DeliveryStatus);
    else {
      const allowed = [...Object.keys(STATUS_ALIASES), ...DELIVERY_STATUSES].join(', ');
      throw new ValidationError(`status must be one or more of ${allowed}, comma-separated (got ${JSON.stringify(part.slice(0, 64))})`, [{ path: 'status', message: allowed }]);
    }
  }
  return [...out];
}
