/**
 * What the renderers read out of an alert or a group for a human reader, before any channel's
 * markup: names, counts, summaries, times, links. Pure functions of the notification.
 */
import { arnPartition, cloudWatchConsoleUrl } from '../alerts/cloudwatch-console';
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

export type AlertLinkLabel = 'Runbook' | 'Dashboard' | 'Panel' | 'CloudWatch' | 'Source' | 'Silence';

/**
 * Where an alert leads, in this order, each URL once, as written (each channel checks the URL its
 * own way, e.g. httpUrl, before it becomes a link): its runbook (`runbook_url`, `runbook`), its
 * dashboard (`dashboard_url`, `dashboard`; Grafana's dashboardURL is stored so), Grafana's panel,
 * the CloudWatch alarm's console page (`console_url`, or built from the alarm's region and name),
 * the source (`generatorURL`: Prometheus' graph, Grafana's rule), and, while it fires, Grafana's
 * silence URL. Only the alert's own sources: alertflow has no page a reader could open (yet).
 */
export function alertLinks(a: Alert): Array<{ label: AlertLinkLabel; url: string }> {
  const out: Array<{ label: AlertLinkLabel; url: string }> = [];
  const seen = new Set<string>();
  for (const [label, url] of [
    ['Runbook', a.annotations.runbook_url ?? a.annotations.runbook],
    ['Dashboard', a.annotations.dashboard_url ?? a.annotations.dashboard],
    ['Panel', a.annotations.panel_url],
    ['CloudWatch', cloudWatchUrlOf(a)],
    ['Source', a.generatorURL],
    ['Silence', a.status === 'firing' ? a.annotations.silence_url : undefined],
  ] as const) {
    const trimmed = url?.trim();
    if (trimmed && !seen.has(trimmed)) {
      seen.add(trimmed);
      out.push({ label, url: trimmed });
    }
  }
  return out;
}

/** A CloudWatch alarm's console page: as the normalizer stored it, else built from its labels. */
function cloudWatchUrlOf(a: Alert): string | undefined {
  if (a.annotations.console_url) return a.annotations.console_url;
  const { region, alertname } = a.labels;
  if (a.source !== 'cloudwatch' || !region || !alertname) return undefined;
  return cloudWatchConsoleUrl(arnPartition(a.annotations.alarm_arn) ?? 'aws', region, alertname);
}

/**
 * The group's link to the system that sent its alerts: the Alertmanager's (or Grafana's)
 * `externalURL`, whose UI lists them. Undefined for sources that send none (CloudWatch, generic).
 */
export function sourceLink(n: NotificationMessage): { name: string; label: string; url: string } | undefined {
  const url = n.sourceURL?.trim();
  if (!url) return undefined;
  const source = commonValue(n.group.alerts, (a) => a.source);
  const name = source === 'grafana' ? 'Grafana' : source === 'alertmanager' ? 'Alertmanager' : 'the alert source';
  return { name, label: `Open in ${name}`, url };
}

/** The notification's page on alertflow's dashboard, when the sender knew alertflow's URL. */
export function dashboardLink(n: NotificationMessage): { label: string; url: string } | undefined {
  const url = n.dashboardUrl?.trim();
  return url ? { label: 'Open in alertflow', url } : undefined;
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
