import * as z from 'zod';
import { Alert, AlertOrigin, AlertSource, AlertStatus, LabelSet } from '../alerts/model';
import { CHANNEL_TYPES } from '../channel-types';

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

/** The channel types of the registry (shared/channel-types.ts, a leaf this module may import). */
export const ChannelType = z.enum(CHANNEL_TYPES);
export type ChannelType = z.infer<typeof ChannelType>;

/**
 * Where the whole `group` of a notification too large for one queue message is stored (see
 * shared/store/payloads.ts): the digest and size of its gzip'd JSON and how many parts hold it.
 */
export const PayloadRef = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  parts: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
});
export type PayloadRef = z.infer<typeof PayloadRef>;

/** The group a notification tells about, and the alerts it tells. */
export const NotificationGroup = z.object({
  id: z.string(),
  key: z.string(),
  labels: LabelSet,
  status: AlertStatus,
  /** Firing alerts first, then the ones resolved by this change. */
  alerts: z.array(Alert),
  /**
   * Alerts left out to keep the message within the queue's size limit. With `payload`, these are
   * the alerts the stored payload has and the message does not carry inline.
   */
  truncatedAlerts: z.number().int().nonnegative(),
  /**
   * The group flush that made it (group notifications only, not storm summaries or tests): its
   * outcome is what the group's notification log records, and a permanent failure wakes the group.
   */
  flushSeq: z.number().int().nonnegative().optional(),
});
export type NotificationGroup = z.infer<typeof NotificationGroup>;

/**
 * The daily digest's content: what happened in its window, counted. The same object goes to every
 * channel (in the notification message, `digest`) and to `POST /v1/digest/preview`; each channel
 * renders it its own way (Slack blocks, an HTML email, text elsewhere).
 */
const Quantiles = z.object({ median_s: z.number().nullable(), p90_s: z.number().nullable(), count: z.number().int().nonnegative() });

export const DigestSummary = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  timezone: z.string(),
  alerts: z.object({
    /** Alerts that started firing in the window (resolved since, or still firing). */
    fired: z.number().int().nonnegative(),
    /** Alerts that resolved in the window. */
    resolved: z.number().int().nonnegative(),
    /** Of those that fired, still firing at the end of the window. */
    firing: z.number().int().nonnegative(),
  }),
  incidents: z.object({
    started: z.number().int().nonnegative(),
    acknowledged: z.number().int().nonnegative(),
    resolved: z.number().int().nonnegative(),
    time_to_acknowledge: Quantiles,
    time_to_resolve: Quantiles,
  }),
  /** The ten alert names that fired most often in the window. */
  noisiest: z.array(z.object({ alertname: z.string(), count: z.number().int().positive() })).max(10),
  /** Threshold checks whose alert fired in the window, with how often. */
  checks: z.array(z.object({ name: z.string(), count: z.number().int().positive() })),
  /** Channels whose last notification of a group failed, as the groups stand when the digest is built. */
  failed_deliveries: z.array(z.object({ receiver: z.string(), channel: z.string(), groups: z.number().int().positive() })),
  /** Checks and failing channels beyond the lists' cap, counted. */
  omitted: z.object({ checks: z.number().int().nonnegative(), failed_deliveries: z.number().int().nonnegative() }).default({ checks: 0, failed_deliveries: 0 }),
  /** True when a source had more than the digest reads: the counts are lower bounds. */
  partial: z.boolean(),
});
export type DigestSummary = z.infer<typeof DigestSummary>;

/** router -> sender: one notification for one channel entry of one receiver. */
export const NotificationMessage = z.object({
  kind: z.literal('notification'),
  /** Idempotency key: a redelivered message with the same id is never posted twice. */
  id: z.string().min(1),
  createdAt: z.iso.datetime(),
  receiver: z.string(),
  channel: z.object({ type: ChannelType, index: z.number().int().nonnegative() }),
  group: NotificationGroup,
  /** alertflow's `external_url` when configured, else the sender's (template data's ExternalURL). */
  externalURL: z.string().optional(),
  /**
   * The base URL of the Alertmanager (or Grafana) that sent the group's alerts, as it sent it
   * (`externalURL`): the page notifications link to for the group.
   */
  sourceURL: z.string().optional(),
  /**
   * The group's (or incident's) page on alertflow's dashboard, set by the sender when alertflow's
   * own URL is known (`external_url`, or the local runtime's): the "Open in alertflow" link.
   */
  dashboardUrl: z.string().optional(),
  /**
   * Set when the whole notification does not fit in a queue message: the sender loads its whole
   * `group` (every alert) from the payload store. The message's own `group` holds as many alerts as
   * fit, the fallback should the payload be gone.
   */
  payload: PayloadRef.optional(),
  /**
   * Set when the group is an incident: its id, the escalation token links are bound to, its state,
   * whether an ack is allowed, and on a step's page which step of which run of the chain this is
   * (1-based, out of `steps` and `runs`). The sender adds the signed action `links`.
   */
  incident: z
    .object({
      id: z.string(),
      token: z.string(),
      /** On a step's page; a group notification does not know it (the incident may have been acknowledged since). */
      state: z.enum(['triggered', 'acknowledged', 'resolved']).optional(),
      ackAllowed: z.boolean().default(true),
      step: z.number().int().positive().optional(),
      steps: z.number().int().positive().optional(),
      run: z.number().int().positive().optional(),
      runs: z.number().int().positive().optional(),
      links: z.object({ ack: z.string().optional(), resolve: z.string().optional(), escalate: z.string().optional() }).optional(),
      /** The six-digit code an SMS reply names the incident by ("ACK 123456"); the sender adds it. */
      code: z.string().optional(),
      /** Set on a follow-up (the policy's `notify_on`): what happened, by whom, when. */
      event: z.object({ kind: z.enum(['ack', 'unack', 'resolve']), by: z.string(), at: z.iso.datetime() }).optional(),
    })
    .optional(),
  /** Set on the daily digest: its summary, which Slack and email render as blocks and HTML. */
  digest: DigestSummary.optional(),
  /** The send slot (epoch ms) reserved for this notification when a rate limit deferred it. */
  slot: z.number().int().optional(),
  /**
   * Times it was re-queued unsent because its receiver's send slots were all held (a slow receiver):
   * waiting is not failing, so it grows the wait instead of using up receives.
   */
  waits: z.number().int().nonnegative().optional(),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;

/** The dedup key an incident's notifications carry where a receiver has one (PagerDuty's): `alertflow/<incident id>`. */
export const INCIDENT_DEDUP_PREFIX = 'alertflow/';

/**
 * router -> router (delayed, or through a one-time schedule): evaluate one group now. Flushes are
 * idempotent: the router re-reads the group and decides from its state (and the notification log)
 * whether anything is due, so a stale, early or duplicated flush message does nothing.
 */
export const FlushMessage = z.object({
  kind: z.literal('flush'),
  /** Unique per message (redelivery replays the flush it made). */
  id: z.string().min(1),
  groupId: z.string().min(1),
  /** When the flush was due (epoch ms). */
  at: z.number().int(),
  /** The group's timer chain this message belongs to; a message of a replaced chain schedules nothing. */
  token: z.string().optional(),
  /**
   * Why: a group timer, a silence that was expired early, a storm window's summary, or one of the
   * group's notifications that failed for good (the group re-evaluates and tries again when due).
   */
  reason: z.enum(['timer', 'silence', 'storm-summary', 'delivery']).default('timer'),
  /** For `storm-summary`: the receiver and its window start (epoch ms). */
  receiver: z.string().optional(),
  window: z.number().int().optional(),
});
export type FlushMessage = z.infer<typeof FlushMessage>;

/**
 * An incident's timer (escalations queue, delayed or through a one-time schedule): run a step of
 * its chain, or trigger it again when its acknowledgement lapsed. The escalator re-reads the
 * incident and acts only if it is still under `token` at that step, so a stale, late or duplicated
 * timer does nothing.
 */
export const EscalationMessage = z.object({
  kind: z.literal('escalation'),
  id: z.string().min(1),
  incidentId: z.string().min(1),
  token: z.string().min(1),
  /** When it was due (epoch ms). */
  at: z.number().int(),
  action: z.enum(['step', 'ack-timeout']),
  loop: z.number().int().nonnegative().optional(),
  step: z.number().int().nonnegative().optional(),
});
export type EscalationMessage = z.infer<typeof EscalationMessage>;

/** The auditor's tick (a rate schedule deployed, an interval locally): look for incident timers that were lost. */
export const AuditMessage = z.object({ kind: z.literal('audit') });

/** Everything the `escalations` queue carries. */
export const EscalationsQueueMessage = z.discriminatedUnion('kind', [EscalationMessage, AuditMessage]);

/** ingest -> router: a heartbeat's ping (the router records it, and resolves a missing heartbeat). */
export const HeartbeatPingMessage = z.object({
  kind: z.literal('ping'),
  id: z.string().min(1),
  heartbeat: z.string().min(1),
  /** When alertflow took the ping (epoch ms). */
  at: z.number().int(),
  /**
   * Set on self_monitoring's synthetic ping (ingest makes it for the built-in heartbeat): the router
   * does not record it but passes it on as a ProbeMessage, so the proof reaches a sender (ADR 0019).
   */
  probe: z.literal(true).optional(),
});
export type HeartbeatPingMessage = z.infer<typeof HeartbeatPingMessage>;

/** Most group timers one schedule carries (about 150 bytes each; a schedule's input may be 256 KB). */
export const MAX_FLUSHES_PER_SCHEDULE = 100;

/**
 * router -> router, through one one-time schedule: group timers due in the same slot of the
 * scheduler's precision (ADR 0011, "One schedule per slot"). Scheduler bills each invocation, so the
 * groups a router batch flushed together wake together, at the latest of their times. The router
 * handles each flush as if it had come alone; the message fails if any of them does.
 */
export const FlushBatchMessage = z.object({
  kind: z.literal('flushes'),
  id: z.string().min(1),
  flushes: z.array(FlushMessage).min(1).max(MAX_FLUSHES_PER_SCHEDULE),
});
export type FlushBatchMessage = z.infer<typeof FlushBatchMessage>;

/** Everything the `alerts` queue carries. */
export const RouterMessage = z.discriminatedUnion('kind', [IngestMessage, FlushMessage, FlushBatchMessage, HeartbeatPingMessage]);
export type RouterMessage = z.infer<typeof RouterMessage>;

/**
 * router -> sender: the synthetic heartbeat's ping, on the channel queue of self_monitoring's
 * receiver's first channel entry. The sender records the built-in heartbeat's ping and counts it
 * in the metric the out-of-band alarm watches; it posts nothing (ADR 0019).
 */
export const ProbeMessage = z.object({
  kind: z.literal('probe'),
  /** From the ping's id: a redelivered ping sends the same probe. */
  id: z.string().min(1),
  /** The ping's time (epoch ms): what the sender records. */
  at: z.number().int(),
  receiver: z.string(),
  channel: z.object({ type: ChannelType, index: z.number().int().nonnegative() }),
});
export type ProbeMessage = z.infer<typeof ProbeMessage>;

/** Everything a channel queue carries. */
export const ChannelQueueMessage = z.discriminatedUnion('kind', [NotificationMessage, ProbeMessage]);
export type ChannelQueueMessage = z.infer<typeof ChannelQueueMessage>;
