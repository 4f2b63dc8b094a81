import type { Alert } from '../../alerts/model';

/**
 * Alert severity from the `severity` label, on PagerDuty's four-level scale. Teams uses it too;
 * it belongs in shared/channels/ once Slack's copy of the aliases moves there as well.
 */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, error: 3, warning: 2, info: 1 };

/** Common spellings in Prometheus rule files, lower-cased (the same table Slack colours by). */
const ALIASES: Record<string, Severity> = {
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
  return raw ? ALIASES[raw] : undefined;
}

/**
 * The worst severity among the firing alerts, where an alert without a known severity counts as
 * `unknown` (PagerDuty uses `error`, Alertmanager's default: an unlabelled alert routed to a pager
 * was meant to page). With no firing alert, `unknown` too.
 */
export function worstSeverity<U>(alerts: readonly Alert[], unknown: U): Severity | U {
  let worst: Severity | undefined;
  let sawUnknown = false;
  for (const a of alerts) {
    if (a.status !== 'firing') continue;
    const s = alertSeverity(a);
    if (s === undefined) sawUnknown = true;
    else if (worst === undefined || SEVERITY_RANK[s] > SEVERITY_RANK[worst]) worst = s;
  }
  if (worst === undefined) return unknown;
  // An unknown alert is ranked as `unknown` when that is a severity (PagerDuty's `error`).
  if (sawUnknown && typeof unknown === 'string' && isSeverity(unknown) && SEVERITY_RANK[unknown] > SEVERITY_RANK[worst]) return unknown;
  return worst;
}
