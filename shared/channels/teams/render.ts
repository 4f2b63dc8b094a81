import type { Alert } from '../../alerts/model';
import type { NotificationMessage } from '../../queues/messages';
import { alertLinks, omittedAlertsLines, dashboardLink, sourceLink } from '../alert-text';
import type { RenderedRequest } from '../channel';
import { alertState, groupState, type SeverityState } from '../severity';
import { TemplateFields } from '../templating';
import { bytes, httpUrl, oneLine, titleOf, truncate } from '../text';
import type { TeamsConfig } from './config';

/**
 * A Teams Workflows webhook message ("When a Teams webhook request is received" → "Post card in a
 * chat or channel"): one Adaptive Card attachment. Connector MessageCards are retired and Workflows
 * do not render them.
 *
 * Layout: a heading with an icon and a colour by state (good when resolved, else by the worst
 * firing severity: attention for critical/error, warning, accent for info, default when unknown;
 * Adaptive Cards have one red, so the icon tells critical 🔴 from error 🟠), a subtle line with
 * counts and receiver, then one container per alert (icon, name · SEVERITY · since when, summary,
 * description, a FactSet of labels, buttons to the alert's own sources: runbook, dashboard, panel,
 * CloudWatch console, source, silence), "…and N more", and an action to the sending Alertmanager
 * or Grafana when known. A `text` template replaces the per-alert containers.
 *
 * Limits: Teams refuses messages over about 28 KB, so the JSON is kept under MESSAGE_BYTES (room
 * for what the Workflow wraps around it); alerts are added while they fit, at most MAX_ALERTS.
 *
 * Escaping: TextBlock and Fact text is Markdown (a CommonMark subset), so every alert-provided
 * string is backslash-escaped (escapeTeamsMarkdown): a label cannot make text bold, forge a link or
 * start a list. Button titles are plain text and URLs must be http(s).
 */

export const TEAMS_LIMITS = {
  messageBytes: 24_000,
  alerts: 10,
  title: 300,
  summary: 500,
  description: 1000,
  facts: 12,
  factValue: 200,
  url: 2048,
  text: 16_000,
} as const;

export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_VERSION = '1.4';

export type TeamsColor = 'default' | 'accent' | 'good' | 'warning' | 'attention';

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export type CardElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      weight?: 'Bolder';
      size?: 'Small' | 'Medium' | 'Large';
      color?: TeamsColor;
      isSubtle?: boolean;
      spacing?: 'None' | 'Small' | 'Medium';
    }
  | { type: 'FactSet'; facts: Array<{ title: string; value: string }> }
  | { type: 'ActionSet'; actions: OpenUrlAction[] }
  | { type: 'Container'; items: CardElement[]; separator?: boolean; spacing?: 'Medium' };

export interface AdaptiveCard {
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  type: 'AdaptiveCard';
  version: typeof ADAPTIVE_CARD_VERSION;
  msteams: { width: 'Full' };
  body: CardElement[];
  actions?: OpenUrlAction[];
}

export interface TeamsMessage {
  type: 'message';
  attachments: Array<{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }>;
}

const STATE_COLORS: Record<SeverityState, TeamsColor> = {
  critical: 'attention',
  error: 'attention',
  warning: 'warning',
  info: 'accent',
  resolved: 'good',
  unknown: 'default',
};

/** One distinct icon per state (Teams renders emoji in TextBlocks), the same colours as Slack's. */
export const STATE_ICONS: Record<SeverityState, string> = {
  critical: '🔴',
  error: '🟠',
  warning: '🟡',
  info: '🔵',
  resolved: '🟢',
  unknown: '⚪',
};

type TemplateKeys = Pick<TeamsConfig, 'title' | 'text'>;

export function renderTeams(n: NotificationMessage, config: TemplateKeys): RenderedRequest {
  return { body: JSON.stringify(buildTeamsMessage(n, config)), headers: { 'Content-Type': 'application/json; charset=utf-8' } };
}

export function buildTeamsMessage(n: NotificationMessage, config: TemplateKeys): TeamsMessage {
  const { group } = n;
  const t = new TemplateFields(n);
  const title = oneLine(t.render(config.title, 'title', { maxOutput: 4 * TEAMS_LIMITS.title }) ?? '') || titleOf(n);
  // The template's own Markdown renders; the values it interpolates are escaped.
  const rendered = t.render(config.text, 'text', { escape: escapeTeamsMarkdown, maxOutput: TEAMS_LIMITS.text });
  const text = rendered?.trim() ? rendered : undefined;

  const firing = group.alerts.filter((a) => a.status === 'firing').length;
  const heading = escapeTeamsMarkdown(truncate(title, TEAMS_LIMITS.title))
    // Our own `[FIRING:2]` cannot form a link (no reference definitions in the block): keep it unescaped.
    .replace(/^\\\[(FIRING:\d+|RESOLVED)\\\]/, '[$1]');
  const state = groupState(n);
  const head: CardElement[] = [
    { type: 'TextBlock', text: `${STATE_ICONS[state]} ${heading}`, wrap: true, size: 'Large', weight: 'Bolder', color: STATE_COLORS[state] },
    {
      type: 'TextBlock',
      text: escapeTeamsMarkdown(`${firing} firing, ${group.alerts.length - firing} resolved · Receiver: ${truncate(n.receiver, 200)}`),
      wrap: true,
      isSubtle: true,
      size: 'Small',
      spacing: 'None',
    },
  ];

  const card: AdaptiveCard = { $schema: ADAPTIVE_CARD_SCHEMA, type: 'AdaptiveCard', version: ADAPTIVE_CARD_VERSION, msteams: { width: 'Full' }, body: head };
  // The group's page on alertflow's dashboard, and its own source (Alertmanager's UI).
  const source = sourceLink(n);
  const sourceUrl = source && httpUrl(source.url, TEAMS_LIMITS.url);
  const actions: OpenUrlAction[] = [];
  // The incident's one-click links, while its group fires: each opens the link's confirmation page.
  const links = group.status === 'firing' ? n.incident?.links : undefined;
  for (const [title, url] of [['Acknowledge', links?.ack], ['Resolve', links?.resolve], ['Escalate now', links?.escalate]] as const) {
    const href = httpUrl(url, TEAMS_LIMITS.url);
    if (href) actions.push({ type: 'Action.OpenUrl', title, url: href });
  }
  const dashboard = dashboardLink(n);
  const dashboardUrl = dashboard && httpUrl(dashboard.url, TEAMS_LIMITS.url);
  if (dashboard && dashboardUrl) actions.push({ type: 'Action.OpenUrl', title: dashboard.label, url: dashboardUrl });
  if (source && sourceUrl) actions.push({ type: 'Action.OpenUrl', title: source.label, url: sourceUrl });
  if (actions.length > 0) card.actions = actions;
  const message: TeamsMessage = {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };

  const tail: CardElement[] = [];
  if (t.errors.length > 0) {
    tail.push(subtle(`Template error, default used: ${t.errors.join('; ')}`, 'warning'));
  }

  if (text !== undefined) {
    const body: CardElement = { type: 'TextBlock', text: fitBytes(paragraphs(text), TEAMS_LIMITS.text), wrap: true };
    card.body = [...head, body, ...tail];
  } else {
    card.body = [...head, ...alertContainers(message, group.alerts, tail, group.truncatedAlerts)];
  }
  return message;
}

/**
 * As many alert containers as fit (at most TEAMS_LIMITS.alerts), then the "more" lines and `tail`.
 * Sizes are measured on the serialised message, in UTF-8 bytes, as Teams counts them.
 */
function alertContainers(message: TeamsMessage, alerts: readonly Alert[], tail: CardElement[], truncatedAlerts: number): CardElement[] {
  const MORE_ROOM = 400;
  let size = bytes(JSON.stringify(message)) + bytes(JSON.stringify(tail)) + MORE_ROOM;
  const shown: CardElement[] = [];
  for (const a of alerts.slice(0, TEAMS_LIMITS.alerts)) {
    const c = alertContainer(a);
    const cost = bytes(JSON.stringify(c)) + 1;
    if (size + cost > TEAMS_LIMITS.messageBytes) break;
    shown.push(c);
    size += cost;
  }
  const more = omittedAlertsLines(alerts.slice(shown.length), truncatedAlerts).map((line) => subtle(line));
  return [...shown, ...more, ...tail];
}

function alertContainer(a: Alert): CardElement {
  const state = alertState(a);
  const items: CardElement[] = [{ type: 'TextBlock', text: `${STATE_ICONS[state]} ${alertHeading(a)}`, wrap: true, weight: 'Bolder', color: STATE_COLORS[state] }];
  const summary = (a.annotations.summary ?? a.annotations.message)?.trim();
  if (summary) items.push({ type: 'TextBlock', text: paragraphs(escapeTeamsMarkdown(truncate(summary, TEAMS_LIMITS.summary))), wrap: true, spacing: 'Small' });
  const description = a.annotations.description?.trim();
  if (description) {
    items.push({ type: 'TextBlock', text: paragraphs(escapeTeamsMarkdown(truncate(description, TEAMS_LIMITS.description))), wrap: true, isSubtle: true, spacing: 'Small' });
  }

  const names = Object.keys(a.labels)
    .filter((k) => k !== 'alertname' && k !== 'severity')
    .sort();
  const facts = names.slice(0, TEAMS_LIMITS.facts).map((k) => ({
    title: escapeTeamsMarkdown(truncate(oneLine(k), 100)),
    value: escapeTeamsMarkdown(truncate(oneLine(a.labels[k]!), TEAMS_LIMITS.factValue)),
  }));
  if (names.length > facts.length) facts.push({ title: '…', value: `${names.length - facts.length} more labels` });
  if (facts.length > 0) items.push({ type: 'FactSet', facts });

  const actions: OpenUrlAction[] = [];
  for (const link of alertLinks(a)) {
    const url = httpUrl(link.url, TEAMS_LIMITS.url);
    if (url) actions.push({ type: 'Action.OpenUrl', title: link.label, url });
  }
  if (actions.length > 0) items.push({ type: 'ActionSet', actions });
  return { type: 'Container', items, separator: true, spacing: 'Medium' };
}

/** `HighErrorRate · CRITICAL · firing since <local date and time>` (Teams localises DATE/TIME). */
function alertHeading(a: Alert): string {
  const firing = a.status === 'firing';
  const name = escapeTeamsMarkdown(truncate(oneLine(a.labels.alertname ?? 'alert'), 200));
  const severity = a.labels.severity ? ` · ${escapeTeamsMarkdown(truncate(oneLine(a.labels.severity), 40).toUpperCase())}` : '';
  const when = cardTime(firing ? a.startsAt : a.endsAt);
  return `${name}${severity} · ${firing ? 'firing' : 'resolved'}${when ? ` ${firing ? 'since' : 'at'} ${when}` : ''}`;
}

/** `{{DATE(…, SHORT)}} {{TIME(…)}}`; the functions want strict RFC 3339 without fractions. */
function cardTime(iso: string | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const utc = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${utc}, SHORT)}} {{TIME(${utc})}}`;
}

function subtle(text: string, color?: TeamsColor): CardElement {
  const block: CardElement = { type: 'TextBlock', text: escapeTeamsMarkdown(truncate(text, 1000)), wrap: true, isSubtle: true, size: 'Small' };
  if (color) block.color = color;
  return block;
}

/**
 * Escape text for a TextBlock or Fact: a backslash (CommonMark's escape) before each character
 * that could start emphasis, code, strike-through, a link or an autolink/HTML tag, and before list,
 * quote and heading markers at a line start; a zero-width space inside `{{` so alert text cannot
 * call the card's DATE()/TIME() functions. Characters that cannot change formatting (`>` inside a
 * line, `&`, `(`) are left alone, so plain text stays readable on a client that shows escapes.
 */
export function escapeTeamsMarkdown(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\\`*_[\]<~]/g, '\\$&')
    .replace(/^([ \t]*)([-+#])(?=[ \t]|$)/gm, '$1\\$2')
    .replace(/^([ \t]*)>/gm, '$1\\>')
    .replace(/^([ \t]*\d+)([.)])(?=[ \t]|$)/gm, '$1\\$2')
    .replace(/\{\{/g, '{\u200B{');
}

/** Markdown needs a blank line for a line break; keep the author's line breaks visible. */
function paragraphs(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n+/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .join('\n\n');
}

/** Cut `text` so that its JSON encoding takes at most `max` UTF-8 bytes, without splitting a character. */
export function fitBytes(text: string, max: number): string {
  if (bytes(JSON.stringify(text)) <= max) return text;
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(JSON.stringify(`${chars.slice(0, mid).join('')}…`)) <= max) lo = mid;
    else hi = mid - 1;
  }
  // A cut must not leave a dangling escape backslash that would escape the ellipsis.
  return `${chars.slice(0, lo).join('').replace(/(?<!\\)((?:\\\\)*)\\$/, '$1')}…`;
}
