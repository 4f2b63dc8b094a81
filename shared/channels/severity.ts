import type { Alert } from '../alerts/model';
import type { NotificationMessage } from '../queues/messages';

/**
 * Alert severity from the `severity` label, on four levels (PagerDuty's scale). Every channel reads
 * severity through this module; each keeps its own presentation (colours, tags, wording).
 */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, error: 3, warning: 2, info: 1 };

/** The spellings seen in the wild (Prometheus mixins, Grafana, PagerDuty), lower-cased, mapped onto four levels. */
const ALIASES: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  emergency: 'critical',
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

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** The alert's severity, or undefined when the label is missing or not one we know. */
export function alertSeverity(a: Alert): Severity | undefined {
  const raw = a.labels.severity?.trim().toLowerCase();
  // Own keys only: a label such as `constructor` must not find Object.prototype's.
  return raw && Object.hasOwn(ALIASES, raw) ? ALIASES[raw] : undefined;
}

/** The worst known severity among `alerts`; undefined when none has a known severity. */
export function worstKnownSeverity(alerts: Iterable<Alert>): Severity | undefined {
  let worst: Severity | undefined;
  for (const a of alerts) {
    const s = alertSeverity(a);
    if (s && (!worst || SEVERITY_RANK[s] > SEVERITY_RANK[worst])) worst = s;
  }
  return worst;
}

/**
 * The worst known severity among the firing alerts; for a resolved group, among all of them (so a
 * resolved message can still say what it was). Undefined when no alert has a known severity.
 */
export function groupSeverity(n: NotificationMessage): Severity | undefined {
  return worstKnownSeverity(n.group.status === 'firing' ? n.group.alerts.filter((a) => a.status === 'firing') : n.group.alerts);
}

/**
 * The worst severity among the firing alerts, where an alert without a known severity counts as
 * `unknown` (PagerDuty uses `error`, Alertmanager's default: an unlabelled alert routed to a pager
 * was meant to page). With no firing alert of a known severity, `unknown` too.
 */
export function worstSeverity<U>(alerts: readonly Alert[], unknown: U): Severity | U {
  const firing = alerts.filter((a) => a.status === 'firing');
  const worst = worstKnownSeverity(firing);
  if (worst === undefined) return unknown;
  // An unknown alert is ranked as `unknown` when that is a severity (PagerDuty's `error`).
  const sawUnknown = firing.some((a) => alertSeverity(a) === undefined);
  if (sawUnknown && typeof unknown === 'string' && isSeverity(unknown) && SEVERITY_RANK[unknown] > SEVERITY_RANK[worst]) return unknown;
  return worst;
}

/**
 * What a message or an alert is, for its colour and icon: resolved, else its severity (the worst
 * firing one, for a group), else `unknown`. Each channel maps these six onto its own presentation.
 */
export type SeverityState = Severity | 'resolved' | 'unknown';

export function alertState(a: Alert): SeverityState {
  return a.status === 'resolved' ? 'resolved' : (alertSeverity(a) ?? 'unknown');
}

export function groupState(n: NotificationMessage): SeverityState {
  return n.group.status === 'resolved' ? 'resolved' : (groupSeverity(n) ?? 'unknown');
}
