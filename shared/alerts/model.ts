import * as z from 'zod';
import { memoByText } from './memo';

/**
 * Where an alert came in: an Alertmanager's webhook, Grafana's, the generic format, CloudWatch, or
 * Alertmanager's own API (`POST /api/v2/alerts`, as Prometheus posts to an Alertmanager).
 */
export const AlertSource = z.enum(['alertmanager', 'grafana', 'generic', 'cloudwatch', 'alertmanager-api']);
export type AlertSource = z.infer<typeof AlertSource>;

export const AlertStatus = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/**
 * Label (and annotation) names to values. A name `__proto__` is refused with an issue naming it,
 * not dropped: it is Object.prototype's accessor, so zod's record, DynamoDB's unmarshalling and any
 * `obj[name] = value` on the way would each lose it without a word.
 */
export const LabelSet = z.preprocess((value, ctx) => {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
    ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'the name "__proto__" is not supported (JavaScript reserves it); rename it' });
  }
  return value;
}, z.record(z.string(), z.string()));
export type LabelSet = z.infer<typeof LabelSet>;

/**
 * The one alert model every source is normalized to. Times are ISO-8601 strings in UTC.
 * `fingerprint` identifies the label set: always computed from the labels (Alertmanager's algorithm),
 * never taken from the sender, so a sender cannot make two label sets share one alert.
 */
export const Alert = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  /** The fingerprint the sender claimed (Alertmanager, Grafana), kept for reference only. */
  sourceFingerprint: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  status: AlertStatus,
  labels: LabelSet,
  annotations: LabelSet,
  startsAt: z.iso.datetime({ offset: true }),
  /** Set for resolved alerts, or for firing alerts that should auto-resolve at that time. */
  endsAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * The sender gave no end and alertflow set `endsAt` from a timeout (`global.resolve_timeout`,
   * `ingest.default_alert_timeout`): Alertmanager's `Alert.Timeout`. An end a sender gave outranks
   * it when alerts merge.
   */
  timeout: z.literal(true).optional(),
  generatorURL: z.string().optional(),
  source: AlertSource,
});
export type Alert = z.infer<typeof Alert>;

/** An alert's status at `now` (epoch ms): a firing alert whose `endsAt` has passed is resolved. */
export function statusAt(a: Pick<Alert, 'status' | 'endsAt'>, now: number): AlertStatus {
  return a.status === 'firing' && !(a.endsAt !== undefined && endsAtMs(a.endsAt) <= now) ? 'firing' : 'resolved';
}

/**
 * ends_at values parsed, by text. Every merge into a group asks each of its alerts again (auto-resolve),
 * so without this a group of n alerts parsed n dates per new alert; its alerts share few values.
 */
const endsAtMs = memoByText(10_000, (text) => Date.parse(text));

/** Context a source sent alongside its alerts (kept, surfaced, never required). */
export const AlertOrigin = z.object({
  receiver: z.string().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  /** Alerts the sender dropped before sending (Alertmanager's max_alerts). */
  truncatedAlerts: z.number().int().nonnegative().optional(),
});
export type AlertOrigin = z.infer<typeof AlertOrigin>;

/** Whether two label (or annotation) sets hold the same names and values. */
export function sameLabelSet(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
