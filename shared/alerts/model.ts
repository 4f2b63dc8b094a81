import * as z from 'zod';

/** Where an alert came in. */
export const AlertSource = z.enum(['alertmanager', 'grafana', 'generic', 'cloudwatch']);
export type AlertSource = z.infer<typeof AlertSource>;

export const AlertStatus = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

export const LabelSet = z.record(z.string(), z.string());
export type LabelSet = z.infer<typeof LabelSet>;

/**
 * The one alert model every source is normalized to. Times are ISO-8601 strings in UTC.
 * `fingerprint` identifies the label set (for Alertmanager alerts it is Alertmanager's own value).
 */
export const Alert = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  status: AlertStatus,
  labels: LabelSet,
  annotations: LabelSet,
  startsAt: z.iso.datetime({ offset: true }),
  /** Set for resolved alerts, or for firing alerts that should auto-resolve at that time. */
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().optional(),
  source: AlertSource,
});
export type Alert = z.infer<typeof Alert>;

/** An alert's status at `now` (epoch ms): a firing alert whose `endsAt` has passed is resolved. */
export function statusAt(a: Pick<Alert, 'status' | 'endsAt'>, now: number): AlertStatus {
  return a.status === 'firing' && !(a.endsAt !== undefined && Date.parse(a.endsAt) <= now) ? 'firing' : 'resolved';
}

/** Context a source sent alongside its alerts (kept, surfaced, never required). */
export const AlertOrigin = z.object({
  receiver: z.string().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  /** Alerts the sender dropped before sending (Alertmanager's max_alerts). */
  truncatedAlerts: z.number().int().nonnegative().optional(),
});
export type AlertOrigin = z.infer<typeof AlertOrigin>;
