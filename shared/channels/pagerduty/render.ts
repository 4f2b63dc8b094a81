import { createHash } from 'node:crypto';
import { INCIDENT_DEDUP_PREFIX } from '../../queues/messages';
import type { Alert } from '../../alerts/model';
import type { NotificationMessage } from '../../queues/messages';
import { alertLinks, dashboardLink, sourceLink } from '../alert-text';
import type { RenderedRequest } from '../channel';
import { isSeverity, SEVERITIES, worstSeverity, type Severity } from '../severity';
import { TemplateFields } from '../templating';
import { bytes, commonValue, httpUrl, oneLine, sortKeys, titleOf, truncate } from '../text';
import type { PagerDutyConfig } from './config';

/**
 * PagerDuty Events API v2 event (https://developer.pagerduty.com/docs/send-an-event-events-api-v2):
 *
 *   {
 *     "routing_key": "…",                // added by the sender: render() never sees the secret
 *     "event_action": "trigger",         // trigger | acknowledge | resolve
 *     "dedup_key": "<sha256 of the group key>",
 *     "payload": {                        // trigger only; PagerDuty ignores it otherwise
 *       "summary": "[FIRING:1] HighErrorRate payment-gateway: Error rate 7.5% above 5%",
 *       "source": "alertflow.example.com",
 *       "severity": "critical",          // critical | error | warning | info
 *       "timestamp": "2026-11-22T06:15:10.568Z",
 *       "class": "HighErrorRate",
 *       "custom_details": { "firing": 1, "resolved": 0, "group_labels": {…}, "alerts": [ … ] }
 *     },
 *     "links": [ { "href": "https://runbooks…", "text": "Runbook: HighErrorRate" } ],
 *     "client": "Alertmanager",          // "View in Alertmanager": the sender's UI when known,
 *     "client_url": "http://vm:9093/"    // else "alertflow" without a URL (alertflow has no UI yet)
 *   }
 *
 * The dedup key is Alertmanager's (`notify.Key.Hash()`: hex SHA-256 of the aggregation group key),
 * so every notification of a group lands on the same PagerDuty alert, the resolve closes it, and an
 * incident opened by an Alertmanager before the switch to alertflow is resolved by alertflow.
 *
 * Severity: the worst severity label among the firing alerts (aliases such as `page` or `warn`
 * accepted); an alert without a known one counts as `error`, Alertmanager's default, since an
 * unlabelled alert routed to a pager was meant to page. A `severity` template whose output is one of
 * the four values wins.
 *
 * Size: PagerDuty refuses events over 512 KB. Annotations are kept whole while the event fits;
 * otherwise they are cut to 1024 characters and alerts are left out from the end (the router puts
 * firing alerts first, so resolved ones go first), with a `note` in custom_details saying so.
 */

export const PAGERDUTY_LIMITS = {
  eventBytes: 512_000,
  summary: 1024,
  dedupKey: 255,
  /** source, component, group, class and link texts: undocumented limits, kept short. */
  field: 255,
  links: 20,
  url: 2048,
} as const;

/** Room for `"routing_key":"<32 characters>",` which the sender adds in front. */
const ROUTING_KEY_ROOM = 512;
/** Cap on each annotation value once the whole group does not fit. */
const CUT_ANNOTATION = 1024;
/** Room for the note and the alert count that replace what was left out. */
const NOTE_ROOM = 512;

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

export interface PagerDutyAlertDetail {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: string;
  ends_at?: string;
  generator_url?: string;
  fingerprint: string;
}

export interface PagerDutyDetails {
  firing: number;
  resolved: number;
  receiver: string;
  group_labels: Record<string, string>;
  /** Alerts the router left out of the notification (queue size limit). */
  truncated_alerts?: number;
  /** Says what was cut to stay within the event size limit. */
  note?: string;
  template_errors?: string[];
  alerts: PagerDutyAlertDetail[];
}

export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: Severity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details: PagerDutyDetails;
}

export interface PagerDutyEvent {
  event_action: PagerDutyAction;
  dedup_key: string;
  payload?: PagerDutyPayload;
  links?: Array<{ href: string; text: string }>;
  client?: string;
  client_url?: string;
}

type TemplateKeys = Pick<PagerDutyConfig, 'summary' | 'source' | 'severity' | 'component' | 'group' | 'class'>;

/**
 * Hex SHA-256 of the group key: 64 characters, the same for every notification of the group. An
 * incident's notifications use `alertflow/<incident id>` instead: PagerDuty's incident then follows
 * alertflow's, and PagerDuty's webhooks name it back (their `incident_key`).
 */
export function dedupKeyOf(n: NotificationMessage): string {
  if (n.incident) return `${INCIDENT_DEDUP_PREFIX}${n.incident.id}`;
  return createHash('sha256').update(n.group.key).digest('hex');
}

/** trigger while anything fires, resolve once the whole group has resolved. */
/**
 * The event a notification is: trigger or resolve by its group's status; an incident's follow-up
 * acknowledges or resolves it (an unack triggers it again), under the group's one dedup_key.
 */
export function actionOf(n: NotificationMessage): PagerDutyAction {
  const event = n.incident?.event?.kind;
  if (event === 'ack') return 'acknowledge';
  if (event === 'resolve') return 'resolve';
  if (event === 'unack') return 'trigger';
  return n.group.status === 'firing' ? 'trigger' : 'resolve';
}

export function renderPagerDuty(n: NotificationMessage, config: TemplateKeys): RenderedRequest {
  return encodePagerDutyEvent(buildPagerDutyEvent(n, config));
}

/**
 * The request body, with `routing_key` first when given. render() leaves it out (it is a secret);
 * the sender passes the resolved key.
 */
export function encodePagerDutyEvent(event: PagerDutyEvent, routingKey?: string): RenderedRequest {
  const body = routingKey === undefined ? event : { routing_key: routingKey, ...event };
  return { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
}

/**
 * The event for `action` (by default the group's: trigger or resolve). acknowledge and resolve
 * carry only the dedup key: PagerDuty reads nothing else from them, and a smaller body cannot be
 * refused for its payload.
 */
export function buildPagerDutyEvent(n: NotificationMessage, config: TemplateKeys, action: PagerDutyAction = actionOf(n)): PagerDutyEvent {
  const dedup_key = dedupKeyOf(n);
  if (action !== 'trigger') return { event_action: action, dedup_key };

  const t = new TemplateFields(n);
  const line = (name: keyof TemplateKeys, max: number) => {
    const out = t.render(config[name], name, { maxOutput: 4 * max });
    return out === undefined ? undefined : nonBlank(oneLine(out), max);
  };

  const summary = line('summary', PAGERDUTY_LIMITS.summary) ?? truncate(oneLine(defaultSummary(n)), PAGERDUTY_LIMITS.summary);
  const source = line('source', PAGERDUTY_LIMITS.field) ?? defaultSource(n);
  const severity = severityOf(n, t.render(config.severity, 'severity', { maxOutput: 100 }), t.errors);
  const component = line('component', PAGERDUTY_LIMITS.field);
  const group = line('group', PAGERDUTY_LIMITS.field);
  const klass = line('class', PAGERDUTY_LIMITS.field) ?? nonBlank(oneLine(commonValue(n.group.alerts, (a) => a.labels.alertname) ?? ''), PAGERDUTY_LIMITS.field);

  const head: Omit<PagerDutyPayload, 'custom_details'> = { summary, source, severity };
  const timestamp = earliestStart(n.group.alerts);
  if (timestamp) head.timestamp = timestamp;
  if (component) head.component = component;
  if (group) head.group = group;
  if (klass) head.class = klass;
  // custom_details last (it is the big one); filled in once the rest of the event is known.
  const payload: PagerDutyPayload = { ...head, custom_details: { firing: 0, resolved: 0, receiver: '', group_labels: {}, alerts: [] } };

  const event: PagerDutyEvent = { event_action: 'trigger', dedup_key, payload };
  const incidentLinks = [
    ['Acknowledge in alertflow', n.incident?.links?.ack],
    ['Resolve in alertflow', n.incident?.links?.resolve],
  ].flatMap(([text, url]) => {
    const href = httpUrl(url, PAGERDUTY_LIMITS.url);
    return href ? [{ href, text: text! }] : [];
  });
  const dashboard = dashboardLink(n);
  const dashboardHref = dashboard && httpUrl(dashboard.url, PAGERDUTY_LIMITS.url);
  const links = [...incidentLinks, ...(dashboard && dashboardHref ? [{ href: dashboardHref, text: dashboard.label }] : []), ...linksOf(n.group.alerts)].slice(0, PAGERDUTY_LIMITS.links);
  if (links.length > 0) event.links = links;
  // PagerDuty shows "View in <client>" linking client_url: the sender's UI, never a page that does not exist.
  const sender = sourceLink(n);
  const clientUrl = sender && httpUrl(sender.url, PAGERDUTY_LIMITS.url);
  event.client = sender && clientUrl ? sender.name : 'alertflow';
  if (clientUrl) event.client_url = clientUrl;

  payload.custom_details = fitDetails(event, n, t.errors);
  return event;
}

/** `[FIRING:2] HighErrorRate payment-gateway`, plus the summary annotation the firing alerts share. */
export function defaultSummary(n: NotificationMessage): string {
  const title = titleOf(n);
  const firing = n.group.alerts.filter((a) => a.status === 'firing');
  const common = commonValue(firing.length > 0 ? firing : n.group.alerts, (a) => a.annotations.summary ?? a.annotations.message);
  return common?.trim() ? `${title}: ${common}` : title;
}

/** Where the event came from: the host people reach alertflow at, else "alertflow". */
function defaultSource(n: NotificationMessage): string {
  const url = httpUrl(n.externalURL, PAGERDUTY_LIMITS.url);
  return url ? new URL(url).host : 'alertflow';
}

function severityOf(n: NotificationMessage, rendered: string | undefined, errors: string[]): Severity {
  if (rendered !== undefined) {
    const s = rendered.trim().toLowerCase();
    if (isSeverity(s)) return s;
    errors.push(truncate(`severity: ${JSON.stringify(s)} is not one of ${SEVERITIES.join(', ')}; used the severity labels`, 300));
  }
  return worstSeverity(n.group.alerts, 'error');
}

/**
 * custom_details within the event size limit: whole annotations if everything fits, else
 * annotations cut to CUT_ANNOTATION and as many alerts as fit, in order.
 */
function fitDetails(event: PagerDutyEvent, n: NotificationMessage, templateErrors: string[]): PagerDutyDetails {
  const { alerts } = n.group;
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const details: PagerDutyDetails = {
    firing,
    resolved: alerts.length - firing,
    receiver: n.receiver,
    group_labels: sortKeys(n.group.labels),
    alerts: [],
  };
  if (n.group.truncatedAlerts > 0) details.truncated_alerts = n.group.truncatedAlerts;
  if (templateErrors.length > 0) details.template_errors = templateErrors.slice(0, 10);

  const budget = PAGERDUTY_LIMITS.eventBytes - ROUTING_KEY_ROOM;
  const sizeWith = (d: PagerDutyDetails) => bytes(JSON.stringify({ ...event, payload: { ...event.payload, custom_details: d } }));
  const base = sizeWith(details);

  const whole = alerts.map((a) => alertDetail(a, Infinity));
  if (base + sumBytes(whole) <= budget) return { ...details, alerts: whole };

  const cut = alerts.map((a) => alertDetail(a, CUT_ANNOTATION));
  const kept: PagerDutyAlertDetail[] = [];
  let size = base + NOTE_ROOM;
  for (const d of cut) {
    const cost = bytes(JSON.stringify(d)) + 1;
    if (size + cost > budget) break;
    kept.push(d);
    size += cost;
  }
  const left = alerts.length - kept.length;
  const note =
    `Annotations were cut to ${CUT_ANNOTATION} characters` +
    (left > 0 ? ` and ${left} of ${alerts.length} alerts left out` : '') +
    ` to stay within PagerDuty's ${PAGERDUTY_LIMITS.eventBytes / 1000} KB event limit.`;
  return { ...details, note, alerts: kept };
}

function alertDetail(a: Alert, cap: number): PagerDutyAlertDetail {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(sortKeys(a.annotations))) annotations[k] = truncate(v, cap);
  const d: PagerDutyAlertDetail = {
    status: a.status,
    labels: sortKeys(a.labels),
    annotations,
    starts_at: a.startsAt,
    fingerprint: a.fingerprint,
  };
  if (a.endsAt && a.status === 'resolved') d.ends_at = a.endsAt;
  if (a.generatorURL) d.generator_url = truncate(a.generatorURL, PAGERDUTY_LIMITS.url);
  return d;
}

/** The alerts' own links (runbook, dashboard, panel, console, source, silence), each distinct URL once, at most `links`. */
function linksOf(alerts: readonly Alert[]): Array<{ href: string; text: string }> {
  const out: Array<{ href: string; text: string }> = [];
  const seen = new Set<string>();
  for (const a of alerts) {
    const name = a.labels.alertname ?? 'alert';
    for (const { label, url } of alertLinks(a)) {
      const href = httpUrl(url, PAGERDUTY_LIMITS.url);
      if (!href || seen.has(href)) continue;
      seen.add(href);
      out.push({ href, text: truncate(oneLine(`${label}: ${name}`), PAGERDUTY_LIMITS.field) });
      if (out.length >= PAGERDUTY_LIMITS.links) return out;
    }
  }
  return out;
}

function earliestStart(alerts: readonly Alert[]): string | undefined {
  const firing = alerts.filter((a) => a.status === 'firing');
  let min = Infinity;
  for (const a of firing.length > 0 ? firing : alerts) {
    const t = Date.parse(a.startsAt);
    if (!Number.isNaN(t) && t < min) min = t;
  }
  return Number.isFinite(min) ? new Date(min).toISOString() : undefined;
}

function nonBlank(text: string, max: number): string | undefined {
  return text === '' ? undefined : truncate(text, max);
}

function sumBytes(items: readonly unknown[]): number {
  let total = 0;
  for (const item of items) total += bytes(JSON.stringify(item)) + 1;
  return total;
}
