import type { Alert } from '../../alerts/model';
import type { WebhookConfig } from './config';
import type { NotificationMessage } from '../../queues/messages';
import type { RenderedRequest } from '../channel';
import { sortKeys } from '../text';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign';

/**
 * Body of `format: alertflow` (Content-Type: application/json; charset=utf-8):
 *
 *   {
 *     "version": "1",
 *     "id": "<notification id>",     // also sent as Idempotency-Key; a redelivery repeats it: dedupe on it
 *     "receiver": "oncall",
 *     "status": "firing",             // "firing" | "resolved": the group's status
 *     "group": {
 *       "key": "{}:{alertname=\"HighErrorRate\", service=\"payment-gateway\"}",  // Alertmanager-style group key
 *       "labels": { "alertname": "HighErrorRate", "service": "payment-gateway" }
 *     },
 *     "alerts": [                     // firing first, then those resolved by this change
 *       {
 *         "fingerprint": "25464961f2df65e8",
 *         "status": "firing",          // "firing" | "resolved"
 *         "labels": { ... },           // keys sorted
 *         "annotations": { ... },      // keys sorted
 *         "starts_at": "2026-11-22T06:15:10.568Z",
 *         "ends_at": null,             // RFC 3339 when resolved (or due to auto-resolve), else null
 *         "generator_url": null        // string or null
 *       }
 *     ],
 *     "truncated_alerts": 0,          // alerts of the group left out of this message
 *     "external_url": null,           // alertflow's base URL, or null
 *     "incident": null                // when the group is an incident: { "id", "state" (on a
 *                                     // step's page, else null), "step",
 *                                     // "steps", "run", "runs" (1-based, on a step's page, else
 *                                     // null), "links": { "ack", "resolve", "escalate" } (signed
 *                                     // one-click URLs, each or all null), "event": on a
 *                                     // follow-up { "kind": "ack" | "unack" | "resolve", "by",
 *                                     // "at" }, else null }, else null
 *   }
 *
 * Fields may be added within version "1"; receivers should ignore unknown fields. A breaking
 * change gets a new version.
 *
 * `format: alertmanager` is Alertmanager's webhook body, version "4", field for field (see
 * `alertmanagerBody`), so existing Alertmanager webhook receivers work unchanged.
 */
export interface AlertflowWebhookBody {
  version: '1';
  id: string;
  receiver: string;
  status: 'firing' | 'resolved';
  group: { key: string; labels: Record<string, string> };
  alerts: Array<{
    fingerprint: string;
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    starts_at: string;
    ends_at: string | null;
    generator_url: string | null;
  }>;
  truncated_alerts: number;
  external_url: string | null;
  incident: {
    id: string;
    state: string | null;
    step: number | null;
    steps: number | null;
    run: number | null;
    runs: number | null;
    links: { ack: string | null; resolve: string | null; escalate: string | null };
    event: { kind: 'ack' | 'unack' | 'resolve'; by: string; at: string } | null;
  } | null;
}

/** prometheus/alertmanager notify/webhook `Message` (template.Data + version, groupKey, truncatedAlerts). */
export interface AlertmanagerWebhookBody {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

/** Go's zero time, which Alertmanager sends as endsAt of a firing alert. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Headers alertflow sets itself; a configured header of the same name (any case) is ignored. */
const RESERVED_HEADERS = ['content-type', 'idempotency-key', TIMESTAMP_HEADER.toLowerCase(), SIGNATURE_HEADER.toLowerCase()];

export function renderWebhook(n: NotificationMessage, config: Pick<WebhookConfig, 'format' | 'headers' | 'max_alerts'>): RenderedRequest {
  const body = config.format === 'alertmanager' ? alertmanagerBody(n, config.max_alerts) : alertflowBody(n);
  const headers: Record<string, string> = { 'User-Agent': 'alertflow' };
  for (const [name, value] of Object.entries(config.headers)) {
    if (RESERVED_HEADERS.includes(name.toLowerCase())) continue;
    // Header names are case-insensitive: replace ours (User-Agent) rather than sending both.
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  }
  headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Idempotency-Key'] = n.id;
  return { body: JSON.stringify(body), headers };
}

export function alertflowBody(n: NotificationMessage): AlertflowWebhookBody {
  return {
    version: '1',
    id: n.id,
    receiver: n.receiver,
    status: n.group.status,
    group: { key: n.group.key, labels: sortKeys(n.group.labels) },
    alerts: n.group.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      labels: sortKeys(a.labels),
      annotations: sortKeys(a.annotations),
      starts_at: a.startsAt,
      ends_at: a.endsAt ?? null,
      generator_url: a.generatorURL ?? null,
    })),
    truncated_alerts: n.group.truncatedAlerts,
    external_url: n.externalURL ?? null,
    incident: n.incident
      ? {
          id: n.incident.id,
          state: n.incident.state ?? null,
          step: n.incident.step ?? null,
          steps: n.incident.steps ?? null,
          run: n.incident.run ?? null,
          runs: n.incident.runs ?? null,
          links: { ack: n.incident.links?.ack ?? null, resolve: n.incident.links?.resolve ?? null, escalate: n.incident.links?.escalate ?? null },
          event: n.incident.event ?? null,
        }
      : null,
  };
}

/**
 * Alertmanager's webhook v4 body. As Alertmanager does: `max_alerts` (0 = no cap) keeps the first
 * alerts and counts the rest in `truncatedAlerts`; status, commonLabels and commonAnnotations are
 * computed over the alerts actually sent; a firing alert's endsAt is Go's zero time. Alerts the
 * router already left out (group.truncatedAlerts) are counted in `truncatedAlerts` too.
 *
 * Alertmanager passes the receiver name through regexp.QuoteMeta; we send it verbatim, which is
 * the same for every name without regex metacharacters.
 */
export function alertmanagerBody(n: NotificationMessage, maxAlerts = 0): AlertmanagerWebhookBody {
  const all = n.group.alerts;
  const sent = maxAlerts > 0 && all.length > maxAlerts ? all.slice(0, maxAlerts) : all;
  return {
    receiver: n.receiver,
    status: sent.length === 0 ? n.group.status : sent.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: sent.map((a) => ({
      status: a.status,
      labels: sortKeys(a.labels),
      annotations: sortKeys(a.annotations),
      startsAt: a.startsAt,
      // A resolved alert always has endsAt in our model; fall back to startsAt rather than the zero time.
      endsAt: a.status === 'firing' ? GO_ZERO_TIME : (a.endsAt ?? a.startsAt),
      generatorURL: a.generatorURL ?? '',
      fingerprint: a.fingerprint,
    })),
    groupLabels: sortKeys(n.group.labels),
    commonLabels: common(sent, (a) => a.labels),
    commonAnnotations: common(sent, (a) => a.annotations),
    // The sender's Alertmanager when the alerts came through one (its UI holds their silences), as
    // a chain of Alertmanagers passes it on; alertflow's own URL otherwise.
    externalURL: n.sourceURL ?? n.externalURL ?? '',
    version: '4',
    groupKey: n.group.key,
    truncatedAlerts: all.length - sent.length + n.group.truncatedAlerts,
  };
}

/** The pairs every alert shares (template.Data's CommonLabels / CommonAnnotations). */
function common(alerts: Alert[], pick: (a: Alert) => Record<string, string>): Record<string, string> {
  const first = alerts[0];
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sortKeys(pick(first)))) {
    if (alerts.every((a) => Object.hasOwn(pick(a), k) && pick(a)[k] === v)) out[k] = v;
  }
  return out;
}
