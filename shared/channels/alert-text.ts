/**
 * Pieces of alert text shared by the email and SMS renderers (both are "port" channels with a
 * human reader and no markup of their own to lean on). Pure functions of the notification.
 */
import type { Alert } from '../../alerts/model';
import type { NotificationMessage } from '../../queues/messages';
import { titleOf } from '../slack/render';

export type Severity = 'critical' | 'error' | 'warning' | 'info';

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, error: 3, warning: 2, info: 1 };

/** The spellings seen in the wild (Prometheus mixins, Grafana, PagerDuty) mapped onto four levels. */
const SEVERITY_ALIASES: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  info: 'info',
  informational: 'info',
  low: 'info',
  none: 'info',
};

export function severityOf(a: Alert): Severity | undefined {
  const raw = a.labels.severity?.trim().toLowerCase();
  return raw ? SEVERITY_ALIASES[raw] : undefined;
}

/**
 * The worst known severity among the firing alerts; for a resolved group, among all of them (so a
 * resolved message can still say what it was). Undefined when no alert has a known severity.
 */
export function groupSeverity(n: NotificationMessage): Severity | undefined {
  const pool = n.group.status === 'firing' ? n.group.alerts.filter((a) => a.status === 'firing') : n.group.alerts;
  let worst: Severity | undefined;
  for (const a of pool) {
    const s = severityOf(a);
    if (s && (!worst || SEVERITY_RANK[s] > SEVERITY_RANK[worst])) worst = s;
  }
  return worst;
}

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
  const first = n.group.alerts[0]?.labels.alertname;
  if (first !== undefined && first !== '' && n.group.alerts.every((a) => a.labels.alertname === first)) return singleLine(first);
  const values = Object.keys(n.group.labels)
    .sort()
    .map((k) => n.group.labels[k]!)
    .filter((v) => v !== '');
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

/**
 * The URL normalised by the WHATWG parser, if it is http(s) and at most `max` long; otherwise
 * undefined. A cut URL is a broken link, and `javascript:` must never become a link.
 */
export function httpUrl(url: string | undefined, max = 2000): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return parsed.href.length <= max ? parsed.href : undefined;
}

/** Line breaks and other control characters become spaces; runs of whitespace collapse. */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
