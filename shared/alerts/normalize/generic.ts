/**
 * # Generic alert format (`POST /v1/alerts`)
 *
 * For any HTTP client: a script, a cron job, a CI pipeline. The body is JSON, either one alert
 * object or `{ "alerts": [ ... ] }` with one or more alerts (at most `ingest.max_alerts_per_request`).
 *
 * ```json
 * {
 *   "name": "BackupFailed",
 *   "severity": "critical",
 *   "labels": { "service": "billing", "env": "prod" },
 *   "summary": "Nightly backup failed",
 *   "description": "pg_dump exited with status 1",
 *   "annotations": { "runbook_url": "https://runbooks.example.com/backup" },
 *   "timeout": "2h"
 * }
 * ```
 *
 * | key             | type              | meaning |
 * |-----------------|-------------------|---------|
 * | `labels`        | object of strings | Identify the alert and drive routing. Must contain `alertname` unless `name` is given. |
 * | `name`          | string            | Shortcut for `labels.alertname`. |
 * | `severity`      | string            | Shortcut for `labels.severity`: `critical`, `error`, `warning` or `info`. |
 * | `annotations`   | object of strings | Free text shown in notifications (not part of the identity). |
 * | `summary`       | string            | Shortcut for `annotations.summary`. |
 * | `description`   | string            | Shortcut for `annotations.description`. |
 * | `status`        | string            | `firing` (default) or `resolved`. |
 * | `starts_at`     | timestamp         | When the problem started. Default: now. |
 * | `ends_at`       | timestamp         | When a firing alert resolves by itself unless it is sent again. |
 * | `timeout`       | duration          | Instead of `ends_at`: resolve after this long, e.g. `"30m"`. Default: `ingest.default_alert_timeout` (24h). |
 * | `generator_url` | string            | An http(s) link back to what raised the alert. |
 *
 * Rules:
 * - Keys are snake_case and checked strictly: an unknown key is an error that names it.
 * - Label and annotation names match `[a-zA-Z_][a-zA-Z0-9_]*`; values are strings. A label with an
 *   empty value is dropped, as in Prometheus, where an empty label equals a missing one.
 * - A shortcut and the key it stands for may both be given only if they agree.
 * - Timestamps are RFC 3339 with an offset (`2026-11-22T06:15:10Z`, `...+02:00`).
 * - Durations are Prometheus durations (`30s`, `5m`, `1h30m`, `1d`), greater than zero.
 * - The alert's identity (fingerprint) is its label set, so re-sending the same labels updates
 *   the same alert. Send it again before its timeout to keep it firing; send `"status": "resolved"`
 *   (same labels) to resolve it.
 * - A firing alert whose `ends_at` is not in the future is taken as resolved. A resolved alert ends
 *   at `ends_at` (which must not be in the future) or now; `timeout` applies to firing alerts only.
 * - `ends_at` must not be before `starts_at`.
 */
import * as z from 'zod';
import type { Issue } from '../../errors';
import { DurationTooLongError, MAX_DURATION, parseDuration } from '../../primitives/duration';
import { LabelSet, type Alert } from '../model';
import { fingerprint } from '../../labels/fingerprint';
import { errorMap, invalid, isObject, issue, parseTimestamp, Timestamp, zodIssues } from './common';
import type { Normalized } from './types';

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NAME_RULE = 'invalid name: must match [a-zA-Z_][a-zA-Z0-9_]*';

export const GenericSeverity = z.enum(['critical', 'error', 'warning', 'info']);

export const GenericAlert = z
  .object({
    labels: LabelSet.optional(),
    name: z.string().min(1).optional(),
    severity: GenericSeverity.optional(),
    annotations: LabelSet.optional(),
    summary: z.string().optional(),
    description: z.string().optional(),
    status: z.enum(['firing', 'resolved']).optional(),
    starts_at: Timestamp.optional(),
    ends_at: Timestamp.optional(),
    timeout: z.string().optional(),
    generator_url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  })
  .strict();
export type GenericAlert = z.infer<typeof GenericAlert>;

const Batch = z.object({ alerts: z.array(z.unknown()) }).strict();

export interface GenericOptions {
  now: Date;
  /** `ingest.default_alert_timeout` in ms: how long a firing alert without ends_at lasts. */
  defaultTimeoutMs: number;
  /** `ingest.max_alerts_per_request`. */
  maxAlerts: number;
}

const WHAT = 'alert';

export function normalizeGeneric(body: unknown, opts: GenericOptions): Normalized {
  if (!isObject(body)) {
    throw invalid(WHAT, [issue([], 'expected an alert object or {"alerts": [...]}')]);
  }
  let items: { raw: unknown; path: PropertyKey[] }[];
  if ('alerts' in body) {
    const batch = Batch.safeParse(body, { error: errorMap });
    if (!batch.success) throw invalid(WHAT, zodIssues(batch.error));
    const list = batch.data.alerts;
    if (list.length === 0) throw invalid(WHAT, [issue(['alerts'], 'must contain at least one alert')]);
    if (list.length > opts.maxAlerts) {
      throw invalid(WHAT, [issue(['alerts'], `too many alerts: ${list.length} (at most ${opts.maxAlerts} per request)`)]);
    }
    items = list.map((raw, i) => ({ raw, path: ['alerts', i] }));
  } else {
    items = [{ raw: body, path: [] }];
  }

  // Collect every problem of every alert, so a client fixes its request in one round.
  const issues: Issue[] = [];
  const alerts: Alert[] = [];
  for (const { raw, path } of items) {
    const parsed = GenericAlert.safeParse(raw, { error: errorMap });
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, path));
      continue;
    }
    const alert = toAlert(parsed.data, path, opts, issues);
    if (alert) alerts.push(alert);
  }
  if (issues.length > 0) throw invalid(WHAT, issues);
  return { alerts, origin: {} };
}

function toAlert(a: GenericAlert, path: PropertyKey[], opts: GenericOptions, issues: Issue[]): Alert | undefined {
  const before = issues.length;
  const report = (key: PropertyKey[], message: string) => issues.push(issue([...path, ...key], message));
  const now = opts.now.getTime();

  const labels = checkNames(a.labels ?? {}, ['labels'], report);
  const annotations = checkNames(a.annotations ?? {}, ['annotations'], report);
  for (const key of Object.keys(labels)) {
    if (labels[key] === '') delete labels[key];
  }
  shortcut(labels, 'alertname', a.name, ['name'], 'labels.alertname', report);
  shortcut(labels, 'severity', a.severity, ['severity'], 'labels.severity', report);
  shortcut(annotations, 'summary', a.summary, ['summary'], 'annotations.summary', report);
  shortcut(annotations, 'description', a.description, ['description'], 'annotations.description', report);
  if (labels.alertname === undefined) report(['labels', 'alertname'], 'Required (or give "name")');

  const status = a.status ?? 'firing';
  let timeoutMs: number | undefined;
  if (a.timeout !== undefined) {
    if (a.ends_at !== undefined) report(['timeout'], 'give either ends_at or timeout, not both');
    if (status === 'resolved') report(['timeout'], 'only applies to firing alerts');
    try {
      timeoutMs = parseDuration(a.timeout);
      if (timeoutMs <= 0) report(['timeout'], 'must be greater than 0');
    } catch (err) {
      report(['timeout'], err instanceof DurationTooLongError ? `at most ${MAX_DURATION}` : 'not a duration (expected e.g. "30s", "5m", "1h30m")');
    }
  }

  const startsAt = a.starts_at === undefined ? undefined : parseTimestamp(a.starts_at)!;
  const givenEnd = a.ends_at === undefined ? undefined : parseTimestamp(a.ends_at)!;
  if (startsAt !== undefined && givenEnd !== undefined && givenEnd < startsAt) report(['ends_at'], 'must not be before starts_at');
  if (status === 'resolved' && givenEnd !== undefined && givenEnd > now) report(['ends_at'], 'is in the future, but status is resolved');
  if (issues.length > before) return undefined;

  const endsAt = status === 'resolved' ? (givenEnd ?? now) : (givenEnd ?? now + (timeoutMs ?? opts.defaultTimeoutMs));
  // As Alertmanager: an alert whose end has come is resolved.
  const effective = endsAt <= now ? 'resolved' : status;
  const alert: Alert = {
    fingerprint: fingerprint(labels),
    status: effective,
    labels,
    annotations,
    // A resolved alert sent without starts_at must not start after it ended.
    startsAt: new Date(startsAt ?? Math.min(now, endsAt)).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    source: 'generic',
  };
  // Neither ends_at nor timeout: the end is alertflow's default, which a sender's own end outranks.
  if (effective === 'firing' && givenEnd === undefined && timeoutMs === undefined) alert.timeout = true;
  if (a.generator_url !== undefined) alert.generatorURL = a.generator_url;
  return alert;
}

function checkNames(
  kv: Record<string, string>,
  at: PropertyKey[],
  report: (key: PropertyKey[], message: string) => void,
): Record<string, string> {
  for (const name of Object.keys(kv)) {
    if (!NAME.test(name)) report([...at, name.length > 64 ? `${name.slice(0, 64)}…` : name], NAME_RULE);
  }
  return { ...kv };
}

/** Apply a shortcut key (`name`, `severity`, ...) to the map it stands for; both may be given only if equal. */
function shortcut(
  kv: Record<string, string>,
  key: string,
  value: string | undefined,
  at: PropertyKey[],
  longForm: string,
  report: (key: PropertyKey[], message: string) => void,
): void {
  if (value === undefined) return;
  if (kv[key] !== undefined && kv[key] !== value) report(at, `conflicts with ${longForm}`);
  else kv[key] = value;
}
