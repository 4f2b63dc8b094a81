import type { Alert } from '../../alerts/model';
import type { NotificationMessage } from '../../queues/messages';
import type { RenderedRequest } from '../channel';
import type { EmailMessage } from '../ports';
import { escapeHtml } from '../../templates';
import { alertLinks, alertSummary, counts, formatTime, groupTitle, omittedAlertsLines, dashboardLink, sourceLink } from '../alert-text';
import type { PortRenderOptions } from '../port-channel';
import { alertSeverity, groupSeverity, type Severity } from '../severity';
import { renderTemplate } from '../templating';
import { httpUrl, singleLine, truncate, truncateEscaped } from '../text';
import type { EmailConfig } from './config';
import { digestHtml, digestLines, digestTitle } from '../digest';

/**
 * Email (SES v2 SendEmail, Simple content): a subject, an HTML alert card and a plain-text part.
 *
 * Subject: `[FIRING:3] HighErrorRate payment-gateway (critical)` / `[RESOLVED] …` (Alertmanager's
 * title plus the worst severity), on one line and at most EMAIL_LIMITS.subject characters (RFC 5322
 * caps a header line at 998; mail clients show far fewer).
 *
 * HTML: a table layout with inline styles (what mail clients render reliably): a coloured bar and
 * status line, the title, counts, an Acknowledge button when an ack URL is given and the group
 * fires, "Open in Alertmanager" (or Grafana) when the sender's URL is known, then one block per
 * alert (severity, status, time, summary, description, labels table, links to the alert's own
 * sources: runbook, dashboard, panel, CloudWatch console, source, silence), the first
 * EMAIL_LIMITS.alertsShown alerts within a size budget, then "and N more". Everything that came
 * from an alert is HTML-escaped; links are http(s) only. The default card stays under Gmail's
 * ~102 KB clipping point for any group.
 *
 * Templates (`subject`, `html`, `text` in the config) replace the default of their part. In
 * `html`, interpolated values are HTML-escaped by the engine (literal template text is not);
 * output is capped (EMAIL_LIMITS.template*), and the subject is made one line and cut after
 * rendering. A template that fails at send time falls back to the default, with a note saying so;
 * a cut output carries a note too.
 */

export const EMAIL_LIMITS = {
  subject: 255,
  /** Alerts shown in detail; the rest are counted. */
  alertsShown: 20,
  /** Budget for all alert blocks of the default HTML (Gmail clips a body past ~102 KB). */
  htmlAlertBudget: 80_000,
  /** Budget for all alert blocks of the default text part. */
  textAlertBudget: 60_000,
  /** Template output beyond these is cut (SES's own message size limit is far above). */
  templateHtml: 200_000,
  templateText: 100_000,
} as const;

/** Text-safe on white (the Slack palette's yellow is not readable as text). */
export const EMAIL_COLORS: Record<Severity | 'resolved' | 'unknown', string> = {
  critical: '#C62828',
  error: '#D84315',
  warning: '#B26A00',
  info: '#1565C0',
  resolved: '#2E7D32',
  unknown: '#616161',
};

export function renderEmail(n: NotificationMessage, config: EmailConfig, opts: PortRenderOptions = {}): RenderedRequest {
  return { body: JSON.stringify(buildEmail(n, config, opts)), headers: { 'Content-Type': 'application/json; charset=utf-8' } };
}

export function buildEmail(n: NotificationMessage, config: EmailConfig, opts: PortRenderOptions = {}): EmailMessage {
  if (n.digest) {
    return { from: config.from, to: [...config.to], cc: [...config.cc], subject: truncate(digestTitle(n.digest), EMAIL_LIMITS.subject), html: digestHtml(n.digest), text: digestLines(n.digest).join('\n') };
  }
  const notes: string[] = [];
  const custom = (source: string | undefined, name: string, maxOutput: number, escape?: (s: string) => string): string | undefined => {
    if (source === undefined) return undefined;
    const r = renderTemplate(source, name, n, { maxOutput, ...(escape && { escape }) });
    if ('failed' in r) {
      notes.push(`The configured ${name} template failed (${r.failed}); the default ${name} was used.`);
      return undefined;
    }
    if (r.problem) notes.push(`The configured ${name} template ${r.problem}.`);
    return r.problem ? trimPartialTag(r.text, escape !== undefined) : r.text;
  };

  // A subject template gets room to spare; it is cut to EMAIL_LIMITS.subject after rendering.
  const customSubject = custom(config.subject, 'subject', 4 * EMAIL_LIMITS.subject);
  const customHtml = custom(config.html, 'html', EMAIL_LIMITS.templateHtml, escapeHtml);
  const customText = custom(config.text, 'text', EMAIL_LIMITS.templateText);

  const subject = truncate(singleLine(customSubject ?? defaultSubject(n)), EMAIL_LIMITS.subject);
  const html = customHtml !== undefined ? withHtmlNotes(customHtml, notes) : defaultHtml(n, subject, opts, notes);
  const text = customText !== undefined ? withTextNotes(customText, notes) : defaultText(n, opts, notes);
  return { from: config.from, to: [...config.to], cc: [...config.cc], subject, html, text };
}

export function defaultSubject(n: NotificationMessage): string {
  const severity = n.group.status === 'firing' ? groupSeverity(n) : undefined;
  return `${groupTitle(n)}${severity ? ` (${severity})` : ''}`;
}

const identity = (s: string): string => s;

/** Grants space to the pieces of one alert block in priority order; what does not fit is left out. */
class Budget {
  constructor(private left: number) {}

  take(piece: string): string | undefined {
    if (piece === '' || piece.length > this.left) return undefined;
    this.left -= piece.length;
    return piece;
  }

  /** `wrap(text)`, the text escaped and cut to fit both `cap` and what is left; undefined below 16 characters of room. */
  fit(raw: string | undefined, cap: number, wrap: (text: string) => string, escape: (s: string) => string): string | undefined {
    if (!raw?.trim()) return undefined;
    const overhead = wrap('').length;
    const room = Math.min(cap, this.left - overhead);
    if (room < 16) return undefined;
    return this.take(wrap(truncateEscaped(raw.trim(), room, escape)));
  }

  get remaining(): number {
    return this.left;
  }
}

function colorOf(a: Alert): string {
  if (a.status === 'resolved') return EMAIL_COLORS.resolved;
  return EMAIL_COLORS[alertSeverity(a) ?? 'unknown'];
}

function groupColor(n: NotificationMessage): string {
  if (n.group.status === 'resolved') return EMAIL_COLORS.resolved;
  return EMAIL_COLORS[groupSeverity(n) ?? 'unknown'];
}

/** Runbook, dashboard and source links of an alert, http(s) only. */
function linksOf(a: Alert): Array<[label: string, url: string]> {
  const out: Array<[string, string]> = [];
  for (const link of alertLinks(a)) {
    const url = httpUrl(link.url);
    if (url) out.push([link.label, url]);
  }
  return out;
}

/** The link to the group's page on alertflow's dashboard, http(s) only. */
function dashboardOf(n: NotificationMessage): { label: string; url: string } | undefined {
  const link = dashboardLink(n);
  const url = link && httpUrl(link.url);
  return link && url ? { label: link.label, url } : undefined;
}

/** The link to the sender's UI (Alertmanager, Grafana), http(s) only. */
function sourceOf(n: NotificationMessage): { label: string; url: string } | undefined {
  const link = sourceLink(n);
  const url = link && httpUrl(link.url);
  return link && url ? { label: link.label, url } : undefined;
}

/** The description, unless it is what alertSummary already shows (it falls back to it). */
function descriptionOf(a: Alert): string | undefined {
  const d = a.annotations.description?.trim();
  return d && d !== alertSummary(a) ? d : undefined;
}

function whenOf(a: Alert): string | undefined {
  const at = a.status === 'firing' ? formatTime(a.startsAt) : formatTime(a.endsAt);
  return at && (a.status === 'firing' ? `Firing since ${at}` : `Resolved at ${at}`);
}

function moreLines(n: NotificationMessage, shown: number): string[] {
  return omittedAlertsLines(n.group.alerts.slice(shown), n.group.truncatedAlerts).map((line) => `${line}.`);
}

function headline(n: NotificationMessage): string {
  const { firing, resolved } = counts(n);
  const parts = [];
  if (firing > 0) parts.push(`${firing} firing`);
  if (resolved > 0) parts.push(`${resolved} resolved`);
  return parts.join(', ');
}

// ---------------------------------------------------------------- HTML

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
const MONO = 'font-family:SFMono-Regular,Menlo,Consolas,monospace;';
/** A paragraph; append `color:` (and any size) per use. */
const P = `${FONT}margin:8px 0 0;font-size:14px;line-height:1.45;`;
const LABEL_KEY = `${MONO}font-size:12px;color:#6b7280;padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap;`;
const LABEL_VALUE = `${MONO}font-size:12px;color:#111827;padding:2px 0;word-break:break-all;`;

function defaultHtml(n: NotificationMessage, subject: string, opts: PortRenderOptions, notes: readonly string[]): string {
  const color = groupColor(n);
  const severity = groupSeverity(n);
  const status = n.group.status === 'firing' ? `Firing${severity ? ` · ${severity}` : ''}` : `Resolved${severity ? ` · was ${severity}` : ''}`;
  const shown = n.group.alerts.slice(0, EMAIL_LIMITS.alertsShown);
  const perAlert = Math.min(20_000, Math.floor(EMAIL_LIMITS.htmlAlertBudget / Math.max(1, shown.length)));

  const buttons: string[] = [];
  const ack = n.group.status === 'firing' ? httpUrl(opts.ackUrl) : undefined;
  if (ack) {
    buttons.push(
      `<td style="background:${color};border-radius:4px;"><a href="${escapeHtml(ack)}" style="display:inline-block;padding:10px 18px;${FONT}font-size:14px;font-weight:600;color:#ffffff;text-decoration:none;">Acknowledge</a></td>`,
    );
  }
  // The group's page on alertflow's dashboard, then its own source (Alertmanager's UI).
  for (const link of [dashboardOf(n), sourceOf(n)]) {
    if (!link) continue;
    buttons.push(
      `<td style="padding:10px ${buttons.length ? '16px' : '0'};"><a href="${escapeHtml(link.url)}" style="${FONT}font-size:14px;color:#1565C0;">${escapeHtml(link.label)}</a></td>`,
    );
  }

  const first = n.group.alerts.find((a) => a.status === n.group.status) ?? n.group.alerts[0];
  const preheader = first ? truncateEscaped(singleLine(alertSummary(first) ?? ''), 150, escapeHtml) : '';

  const out: string[] = [
    '<!DOCTYPE html>',
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f3f4f6;">',
    // The inbox preview line: the summary, not the first words of the layout.
    `<div style="display:none;max-height:0;overflow:hidden;">${preheader}</div>`,
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">',
    `<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="width:100%;max-width:640px;background:#ffffff;border:1px solid #e5e7eb;border-top:6px solid ${color};border-radius:6px;">`,
    '<tr><td style="padding:20px 24px 16px;">',
    `<div style="${FONT}font-size:12px;font-weight:700;letter-spacing:.06em;text-transform:uppercase;color:${color};">${escapeHtml(status)}</div>`,
    `<h1 style="${FONT}font-size:20px;line-height:1.3;margin:6px 0 0;color:#111827;">${escapeHtml(truncate(groupTitle(n), 300))}</h1>`,
    `<p style="${P}color:#4b5563;">${escapeHtml(headline(n))} · receiver <strong>${truncateEscaped(n.receiver, 200, escapeHtml)}</strong></p>`,
    buttons.length ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin-top:16px;"><tr>${buttons.join('')}</tr></table>` : '',
    '</td></tr>',
  ];
  for (const a of shown) out.push(htmlAlert(a, perAlert));
  const more = moreLines(n, shown.length);
  if (more.length) {
    out.push(`<tr><td style="padding:12px 24px;border-top:1px solid #e5e7eb;">${more.map((l) => `<p style="${P}font-style:italic;color:#4b5563;">${escapeHtml(l)}</p>`).join('')}</td></tr>`);
  }
  const footer = [`Sent by alertflow · group ${truncateEscaped(n.group.key, 300, escapeHtml)}`, ...notes.map((m) => escapeHtml(m))];
  out.push(`<tr><td style="padding:12px 24px 16px;border-top:1px solid #e5e7eb;${FONT}font-size:12px;color:#6b7280;">${footer.join('<br>')}</td></tr>`);
  out.push('</table></td></tr></table></body></html>');
  return out.join('\n');
}

function htmlAlert(a: Alert, budget: number): string {
  const open = '<tr><td style="padding:16px 24px;border-top:1px solid #e5e7eb;">';
  const close = '</td></tr>';
  const b = new Budget(budget - open.length - close.length);
  const color = colorOf(a);
  const severity = a.labels.severity?.trim();
  const pill = (text: string, fg: string) =>
    `<span style="${FONT}display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;color:${fg};border:1px solid ${fg};border-radius:3px;padding:0 5px;margin-left:6px;vertical-align:middle;">${text}</span>`;

  // Priority: title, time, summary, links, labels, description. Shown in reading order.
  const title = b.take(
    `<div style="${FONT}font-size:16px;font-weight:600;color:#111827;"><span style="color:${color};">&#9679;</span> ${truncateEscaped(a.labels.alertname ?? 'alert', 200, escapeHtml)}` +
      `${severity ? pill(truncateEscaped(severity, 30, escapeHtml), EMAIL_COLORS[alertSeverity(a) ?? 'unknown']) : ''}${pill(a.status === 'firing' ? 'firing' : 'resolved', color)}</div>`,
  );
  const when = whenOf(a);
  const time = when ? b.take(`<div style="${FONT}font-size:12px;color:#6b7280;margin-top:2px;">${escapeHtml(when)}</div>`) : undefined;
  const summary = b.fit(alertSummary(a), Math.min(2000, Math.floor(budget * 0.3)), (t) => `<p style="${P}color:#111827;">${t}</p>`, escapeHtml);

  const linkParts = linksOf(a).map(([label, url]) => `<a href="${escapeHtml(url)}" style="color:#1565C0;">${label}</a>`);
  let links: string | undefined;
  while (linkParts.length > 0 && links === undefined) {
    links = b.take(`<p style="${P}font-size:13px;color:#111827;">${linkParts.join(' · ')}</p>`);
    if (links === undefined) linkParts.pop();
  }

  const labelRows: string[] = [];
  const names = Object.keys(a.labels)
    .filter((k) => k !== 'alertname')
    .sort();
  const labelBudget = new Budget(Math.min(8000, Math.floor(budget * 0.35), b.remaining - 300));
  let omitted = 0;
  for (const k of names) {
    const row = `<tr><td style="${LABEL_KEY}">${truncateEscaped(k, 60, escapeHtml)}</td><td style="${LABEL_VALUE}">${truncateEscaped(a.labels[k]!, 300, escapeHtml)}</td></tr>`;
    if (omitted === 0 && labelBudget.take(row) !== undefined) labelRows.push(row);
    else omitted++;
  }
  if (omitted > 0) labelRows.push(`<tr><td colspan="2" style="${LABEL_KEY}">+${omitted} more label${omitted === 1 ? '' : 's'}</td></tr>`);
  const labels = labelRows.length > (omitted > 0 ? 1 : 0)
    ? b.take(`<table role="presentation" cellpadding="0" cellspacing="0" style="margin-top:10px;border-collapse:collapse;">${labelRows.join('')}</table>`)
    : undefined;

  const description = b.fit(descriptionOf(a), 4000, (t) => `<p style="${P}font-size:13px;color:#4b5563;white-space:pre-wrap;">${t}</p>`, escapeHtml);
  return [open, title, time, summary, description, labels, links, close].filter((x) => x !== undefined).join('');
}

/** HTML cut short by the engine's output limit: drop a tag left half-written at the end. */
function trimPartialTag(text: string, isHtml: boolean): string {
  if (!isHtml) return text;
  const lt = text.lastIndexOf('<');
  return lt > text.lastIndexOf('>') ? text.slice(0, lt) : text;
}

function withHtmlNotes(html: string, notes: readonly string[]): string {
  return notes.length ? `${html}\n<p style="font-size:12px;color:#6b7280;">${notes.map(escapeHtml).join('<br>')}</p>` : html;
}

// ---------------------------------------------------------------- text

function defaultText(n: NotificationMessage, opts: PortRenderOptions, notes: readonly string[]): string {
  const severity = groupSeverity(n);
  const shown = n.group.alerts.slice(0, EMAIL_LIMITS.alertsShown);
  const perAlert = Math.min(12_000, Math.floor(EMAIL_LIMITS.textAlertBudget / Math.max(1, shown.length)));
  const lines: string[] = [truncate(groupTitle(n), 300), '', `${headline(n)}${severity ? `. Severity: ${severity}.` : '.'}`];
  const ack = n.group.status === 'firing' ? httpUrl(opts.ackUrl) : undefined;
  if (ack) lines.push(`Acknowledge: ${ack}`);
  for (const link of [dashboardOf(n), sourceOf(n)]) if (link) lines.push(`${link.label}: ${link.url}`);
  for (const a of shown) lines.push('', textAlert(a, perAlert));
  const more = moreLines(n, shown.length);
  if (more.length) lines.push('', ...more);
  lines.push('', '-- ', `Sent by alertflow · receiver ${truncate(singleLine(n.receiver), 200)} · group ${truncate(n.group.key, 300)}`);
  return withTextNotes(lines.join('\n'), notes);
}

function textAlert(a: Alert, budget: number): string {
  const b = new Budget(budget);
  const line = (label: string) => (t: string) => `\n  ${label}: ${t}`;
  const severity = a.labels.severity?.trim();
  const head = b.take(
    `${a.status === 'firing' ? 'FIRING' : 'RESOLVED'}${severity ? ` · ${truncate(singleLine(severity), 30)}` : ''} · ${truncate(singleLine(a.labels.alertname ?? 'alert'), 200)}`,
  );
  const when = whenOf(a);
  const time = when ? b.take(`\n  ${when}`) : undefined;
  const summary = b.fit(singleLine(alertSummary(a) ?? ''), Math.min(2000, Math.floor(budget * 0.3)), line('Summary'), identity);
  const linkLines = linksOf(a)
    .map(([label, url]) => b.take(`\n  ${label}: ${url}`))
    .filter((x) => x !== undefined);
  const names = Object.keys(a.labels)
    .filter((k) => k !== 'alertname')
    .sort();
  let labelLine = '\n  Labels:';
  let omitted = 0;
  const labelRoom = Math.min(4000, Math.floor(budget * 0.35), b.remaining);
  for (const k of names) {
    const item = ` ${truncate(singleLine(k), 60)}=${truncate(singleLine(a.labels[k]!), 300)}`;
    if (omitted === 0 && labelLine.length + item.length + 1 <= labelRoom - 16) labelLine += (labelLine.endsWith(':') ? '' : ',') + item;
    else omitted++;
  }
  if (omitted > 0) labelLine += ` (+${omitted} more)`;
  const labels = names.length > omitted ? b.take(labelLine) : undefined;
  const description = b.fit(descriptionOf(a), 4000, line('Description'), identity);
  return [head, time, summary, description, labels, ...linkLines].filter((x) => x !== undefined).join('');
}

function withTextNotes(text: string, notes: readonly string[]): string {
  return notes.length ? `${text}\n\n${notes.join('\n')}` : text;
}
