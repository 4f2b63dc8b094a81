import * as z from 'zod';
import { RequestShapeError, type Issue } from '../../errors';
import { LabelSet, type Alert } from '../model';
import { fingerprint } from '../../labels/fingerprint';
import { errorMap, GO_ZERO_TIME, invalid, isObject, issue, parseTimestamp, Timestamp, zodIssues } from './common';
import type { Normalized } from './types';

/**
 * The body of Alertmanager's `POST /api/v2/alerts` (its OpenAPI `postableAlerts`): what Prometheus,
 * the Loki and Thanos rulers, vmalert and `amtool alert add` send. Decided as Alertmanager 0.25
 * decides it (api/v2/api.go `postAlertsHandler`, prometheus/common `model.Alert.Validate`):
 * - a missing `startsAt` is the `endsAt` if one is given, else now;
 * - a missing `endsAt` is now plus `global.resolve_timeout`: the alert stays firing that long
 *   unless it is sent again;
 * - the alert is firing while its `endsAt` is in the future, resolved from then on;
 * - labels with an empty value are dropped, and at least one label must remain;
 * - label and annotation names match `[a-zA-Z_][a-zA-Z0-9_]*`; `endsAt` is not before `startsAt`.
 * As there, a request whose shape the API's schema refuses is refused whole; past that, each alert
 * is judged alone: the valid ones are accepted even when others are not, and the invalid ones are
 * reported.
 */

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The OpenAPI `postableAlert`: what Alertmanager checks before it looks at any alert. */
const PostableAlert = z.object({
  labels: LabelSet,
  annotations: LabelSet.nullish(),
  startsAt: Timestamp.nullish(),
  endsAt: Timestamp.nullish(),
  // `format: uri`, which go-swagger checks as Go's url.ParseRequestURI: absolute, or a path.
  generatorURL: z
    .string()
    .refine((u) => u === '' || u.startsWith('/') || URL.canParse(u), 'expected a URI')
    .nullish(),
});

export interface AlertmanagerApiOptions {
  now: Date;
  /** `global.resolve_timeout` in ms. */
  resolveTimeoutMs: number;
  /** `ingest.max_alerts_per_request`: a longer list is refused whole. */
  maxAlerts: number;
}

export interface NormalizedApiAlerts extends Normalized {
  /** What was wrong with each alert left out, by its index in the list. */
  rejected: Issue[];
}

const WHAT = 'Alertmanager API alerts';

/**
 * Throws RequestShapeError when the request does not have the schema's shape (nothing is taken,
 * as there: 400 when a value does not decode, such as a timestamp, else 422).
 */
export function normalizeAlertmanagerApi(body: unknown, opts: AlertmanagerApiOptions): NormalizedApiAlerts {
  if (!Array.isArray(body)) throw shapeError(400, [issue([], `expected a JSON array of alerts, got ${isObject(body) ? 'an object' : typeof body}`)]);
  if (body.length > opts.maxAlerts) {
    throw invalid(WHAT, [issue([], `too many alerts: ${body.length} (at most ${opts.maxAlerts} per request, ingest.max_alerts_per_request)`)]);
  }
  const parsed = body.map((raw) => PostableAlert.safeParse(raw, { error: errorMap }));
  const shape = parsed.flatMap((p, i) => (p.success ? [] : zodIssues(p.error, [i])));
  if (shape.length > 0) throw shapeError(shape.some((s) => /\.(startsAt|endsAt)$/.test(s.path)) ? 400 : 422, shape);
  const now = opts.now.getTime();
  const alerts: Alert[] = [];
  const rejected: Issue[] = [];
  parsed.forEach((p, i) => {
    const result = toAlert(p.data!, now, opts.resolveTimeoutMs);
    if (typeof result === 'string') rejected.push(issue([i], result));
    else alerts.push(result);
  });
  return { alerts, origin: {}, rejected };
}

function shapeError(status: 400 | 422, issues: Issue[]): RequestShapeError {
  const { message, details } = invalid(WHAT, issues);
  return new RequestShapeError(status, message, details as Issue[]);
}

function toAlert(a: z.output<typeof PostableAlert>, now: number, resolveTimeoutMs: number): Alert | string {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(a.labels)) if (value !== '') labels[name] = value;
  const annotations = a.annotations ?? {};
  const badLabel = Object.keys(labels).find((n) => !NAME.test(n));
  if (badLabel !== undefined) return `invalid label set: invalid name ${JSON.stringify(badLabel)}`;
  if (Object.keys(labels).length === 0) return 'at least one label pair required';
  const badAnnotation = Object.keys(annotations).find((n) => !NAME.test(n));
  if (badAnnotation !== undefined) return `invalid annotations: invalid name ${JSON.stringify(badAnnotation)}`;
  let endsAt = a.endsAt ? parseTimestamp(a.endsAt)! : undefined;
  // Go's zero time is how Go clients say "unset".
  if (endsAt !== undefined && endsAt <= GO_ZERO_TIME) endsAt = undefined;
  let startsAt = a.startsAt ? parseTimestamp(a.startsAt)! : undefined;
  if (startsAt !== undefined && startsAt <= GO_ZERO_TIME) startsAt = undefined;
  startsAt ??= endsAt ?? now;
  const timeout = endsAt === undefined;
  endsAt ??= now + resolveTimeoutMs;
  if (endsAt < startsAt) return 'start time must be before end time';
  const alert: Alert = {
    fingerprint: fingerprint(labels),
    status: endsAt > now ? 'firing' : 'resolved',
    labels,
    annotations,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    source: 'alertmanager-api',
  };
  if (timeout) alert.timeout = true;
  if (a.generatorURL) alert.generatorURL = a.generatorURL;
  return alert;
}
