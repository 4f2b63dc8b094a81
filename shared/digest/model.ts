import * as z from 'zod';

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
