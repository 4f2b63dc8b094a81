/**
 * What the renderers read out of an alert or a group for a human reader, before any channel's
 * markup: names, counts, summaries, times, links. Pure functions of the notification.
 */
import type { Alert } from '../alerts/model';
import type { NotificationMessage } from '../queues/messages';
import { commonValue, plural, singleLine, sortedValues, titleOf } from './text';

export function counts(n: NotificationMessage): { firing: number; resolved: number } {
  const firing = n.group.alerts.filter((a) => a.status === 'firing').length;
  return { firing, resolved: n.group.alerts.length - firing };
}

/** Alertmanager's default title, `[FIRING:3] HighErrorRate payment-gateway`, on one line. */
export function groupTitle(n: NotificationMessage): string {
  return singleLine(titleOf(n));
}

/** What the group is about in a few words: the shared alertname, else the group label values. */
export function groupName(n: NotificationMessage): string {
  const alertname = commonValue(n.group.alerts, (a) => a.labels.alertname);
  if (alertname) return singleLine(alertname);
  const values = sortedValues(n.group.labels).filter((v) => v !== '');
  return singleLine(values.length > 0 ? values.join(' ') : n.receiver);
}

/** The one-line description of an alert, by the annotation names Prometheus mixins and Grafana use. */
export function alertSummary(a: Alert): string | undefined {
  for (const key of ['summary', 'message', 'description']) {
    const v = a.annotations[key]?.trim();
    if (v) return v;
  }
  return undefined;
}

/** `2026-11-22 06:15:10 UTC`: unambiguous for a reader in any time zone, without a locale. */
export function formatTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export type AlertLinkLabel = 'Runbook' | 'Dashboard' | 'Source';

/**
 * An alert's runbook, dashboard and source (generator) links, in that order, as written: each
 * channel checks the URL its own way (e.g. httpUrl) before it becomes a link.
 */
export function alertLinks(a: Alert): Array<{ label: AlertLinkLabel; url: string }> {
  const out: Array<{ label: AlertLinkLabel; url: string }> = [];
  for (const [label, url] of [
    ['Runbook', a.annotations.runbook_url ?? a.annotations.runbook],
    ['Dashboard', a.annotations.dashboard_url ?? a.annotations.dashboard],
    ['Source', a.generatorURL],
  ] as const) {
    if (url) out.push({ label, url });
  }
  return out;
}

/**
 * What a message says about the alerts it does not show: `hidden`, left out for room, and
 * `truncatedAlerts`, left out of the notification by the router. Sentences without a full stop.
 */
export function omittedAlertsLines(hidden: readonly Alert[], truncatedAlerts: number): string[] {
  const out: string[] = [];
  if (hidden.length > 0) {
    const firing = hidden.filter((a) => a.status === 'firing').length;
    out.push(`…and ${plural(hidden.length, 'more alert')} not shown (${firing} firing, ${hidden.length - firing} resolved)`);
  }
  if (truncatedAlerts > 0) out.push(`${plural(truncatedAlerts, 'more alert')} left out of this notification to keep it within size limits`);
  return out;
}
