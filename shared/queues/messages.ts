import * as z from 'zod';
import { Alert, AlertOrigin, AlertSource, AlertStatus, LabelSet } from '../alerts/model';

/**
 * The contracts of the queues, one schema each, shared by producer and consumer.
 * SQS bodies are JSON; consumers parse them with these schemas and dead-letter what does not parse.
 */

/** ingest -> router: one accepted request (or a slice of a large one). */
export const IngestMessage = z.object({
  kind: z.literal('alerts'),
  /** Unique per message; the router uses it to make redelivery idempotent. */
  id: z.string().min(1),
  receivedAt: z.iso.datetime(),
  source: AlertSource,
  origin: AlertOrigin.default({}),
  alerts: z.array(Alert).min(1),
});
export type IngestMessage = z.infer<typeof IngestMessage>;

export const ChannelType = z.enum(['slack', 'webhook', 'email', 'sms', 'pagerduty', 'teams']);
export type ChannelType = z.infer<typeof ChannelType>;

/** router -> sender: one notification for one channel entry of one receiver. */
export const NotificationMessage = z.object({
  kind: z.literal('notification'),
  /** Idempotency key: a redelivered message with the same id is never posted twice. */
  id: z.string().min(1),
  createdAt: z.iso.datetime(),
  receiver: z.string(),
  channel: z.object({ type: ChannelType, index: z.number().int().nonnegative() }),
  group: z.object({
    id: z.string(),
    key: z.string(),
    labels: LabelSet,
    status: AlertStatus,
    /** Firing alerts first, then the ones resolved by this change. */
    alerts: z.array(Alert),
    /** Alerts left out to keep the message within the queue's size limit. */
    truncatedAlerts: z.number().int().nonnegative(),
  }),
  externalURL: z.string().optional(),
  /** The send slot (epoch ms) reserved for this notification when a rate limit deferred it. */
  slot: z.number().int().optional(),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;
