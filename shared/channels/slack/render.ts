import type { Alert } from '../../alerts/model';
import type { SlackConfig } from './config';
import type { NotificationMessage } from '../../queues/messages';
import { alertLinks, omittedAlertsLines, dashboardLink, sourceLink, type AlertLinkLabel } from '../alert-text';
import type { RenderedRequest } from '../channel';
import { alertState, groupState, type SeverityState } from '../severity';
import { singleLine, titleOf, truncate, truncateEscaped } from '../text';
import { TemplateFields } from '../templating';
import { digestSlackBlocks, digestTitle } from '../digest';

/**
 * Slack incoming-webhook message (Block Kit).
 *
 * Layout: top-level `text` is the notification/fallback line (`[FIRING:3] HighErrorRate
 * payment-gateway`, Alertmanager's default title); top-level `blocks` hold only the header, so it
 * stays visible even when Slack collapses a long attachment; the alert details are blocks inside
 * `attachments[0]`, whose `color` draws the severity bar. Blocks have no colour of their own, and
 * Slack documents `blocks` + `color` on a (legacy, still supported) secondary attachment as the way
 * to get one.
 *
 * Limits kept (Slack rejects the message with `invalid_blocks`/`invalid_payload` otherwise): at most
 * 50 blocks in all, section text <= 3000, header <= 150. A large group shows its first
 * MAX_ALERT_SECTIONS alerts (firing first, as the router orders them) within a total text budget,
 * then an "and N more" line. All alert-provided text is mrkdwn-escaped (&, <, >), so a label cannot
 * ping `<!channel>` or forge a link.
 */

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  contextText: 3000,
} as const;

/** Alerts shown one section each; the rest are counted. Keeps far below the 50-block cap. */
export const MAX_ALERT_SECTIONS = 20;
/** Total mrkdwn across alert sections: one alert may use a full 3000; twenty get 800 each. */
const TEXT_BUDGET = 16_000;
const FALLBACK_MAX = 300;
/** A link longer than this is left out rather than cut (a cut URL is a broken link). */
const MAX_URL = 1000;

/** The attachment bar: red, orange, yellow, blue by severity; green once resolved; grey when unknown. */
export const SEVERITY_COLORS: Record<SeverityState, string> = {
  critical: '#D0021B',
  error: '#F5A623',
  warning: '#F8E71C',
  info: '#4A90E2',
  resolved: '#2EB67D',
  unknown: '#9B9B9B',
};

/** The icon before the header and each alert: the same colours as the bar, so the severity reads at a glance. */
export const SEVERITY_EMOJI: Record<SeverityState, string> = {
  critical: ':red_circle:',
  error: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
  resolved: ':large_green_circle:',
  unknown: ':white_circle:',
};

const LINK_EMOJI: Record<AlertLinkLabel, string> = {
  Runbook: ':book:',
  Dashboard: ':bar_chart:',
  Panel: ':chart_with_upwards_trend:',
  CloudWatch: ':cloud:',
  Source: ':mag:',
  Silence: ':no_bell:',
};

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text: SlackText }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' }
  | { type: 'actions'; block_id: string; elements: SlackButton[] };

/** A link button: Slack opens its URL (the incident link's confirmation page). */
export interface SlackButton {
  type: 'button';
  action_id: string;
  text: SlackText;
  url: string;
  value: string;
  style?: 'primary' | 'danger';
}

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
  attachments: Array<{ color: string; fallback: string; blocks: SlackBlock[] }>;
  channel?: string;
  username?: string;
  icon_emoji?: string;
}

export function renderSlack(n: NotificationMessage, config: SlackConfig): RenderedRequest {
  return {
    body: JSON.stringify(buildSlackPayload(n, config)),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  };
}

export function buildSlackPayload(
  n: NotificationMessage,
  config: Pick<SlackConfig, 'channel' | 'username' | 'icon_emoji'> & Partial<Pick<SlackConfig, 'title' | 'text'>>,
): SlackPayload {
  if (n.digest) return withDestination({ text: truncate(escapeMrkdwn(digestTitle(n.digest)), FALLBACK_MAX), blocks: digestSlackBlocks(n.digest) as SlackBlock[], attachments: [] }, config);
  const { group } = n;
  const t = new TemplateFields(n);
  const title = singleLine(t.render(config.title, 'title', { maxOutput: 4 * SLACK_LIMITS.headerText }) ?? '') || titleOf(n);
  // The template's own mrkdwn renders; the values it interpolates are escaped.
  const custom = t.render(config.text, 'text', { escape: escapeMrkdwn, maxOutput: SLACK_LIMITS.sectionText * 2 })?.trim();

  let details: SlackBlock[];
  if (custom) {
    details = [{ type: 'section', text: { type: 'mrkdwn', text: truncate(custom, SLACK_LIMITS.sectionText) } }];
  } else {
    const shown = group.alerts.slice(0, MAX_ALERT_SECTIONS);
    const perAlert = Math.min(SLACK_LIMITS.sectionText, Math.floor(TEXT_BUDGET / Math.max(1, shown.length)));
    details = shown.map((a) => ({ type: 'section', text: { type: 'mrkdwn', text: alertSection(a, perAlert) } }));
    const more = omittedAlertsLines(group.alerts.slice(shown.length), group.truncatedAlerts);
    if (more.length > 0) details.push({ type: 'context', elements: more.map((line) => ({ type: 'mrkdwn', text: `_${line}_` })) });
  }
  if (t.errors.length > 0) {
    details.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(`Template error, default used: ${t.errors.join('; ')}`), 500) }] });
  }

  const footer: SlackText[] = [{ type: 'mrkdwn', text: truncate(`Receiver: *${escapeMrkdwn(n.receiver)}*`, 300) }];
  const inc = n.incident;
  if (inc?.step !== undefined && inc.steps !== undefined) {
    const run = inc.runs !== undefined && inc.runs > 1 ? `, run ${inc.run ?? 1} of ${inc.runs}` : '';
    footer.push({ type: 'mrkdwn', text: `Escalation step ${inc.step} of ${inc.steps}${run}` });
  }
  // The group's page on alertflow's dashboard, then its own source (Alertmanager's UI).
  for (const link of [dashboardLink(n), sourceLink(n)]) {
    const text = link && mrkdwnLink(link.url, link.label);
    if (text) footer.push({ type: 'mrkdwn', text });
  }
  details.push({ type: 'context', elements: footer });

  const emoji = SEVERITY_EMOJI[groupState(n)];
  const payload: SlackPayload = {
    text: truncate(escapeMrkdwn(title), FALLBACK_MAX),
    blocks: [{ type: 'header', text: { type: 'plain_text', text: truncate(`${emoji} ${title}`, SLACK_LIMITS.headerText), emoji: true } }, ...incidentActions(n)],
    attachments: [{ color: colorOf(n), fallback: truncate(title, FALLBACK_MAX), blocks: details }],
  };
  return withDestination(payload, config);
}

/** The entry's channel, username and icon, when it sets them. */
function withDestination(payload: SlackPayload, config: Pick<SlackConfig, 'channel' | 'username' | 'icon_emoji'>): SlackPayload {
  if (config.channel) payload.channel = config.channel;
  if (config.username) payload.username = config.username;
  if (config.icon_emoji) payload.icon_emoji = config.icon_emoji;
  return payload;
}

/** Resolved: green. Firing: the worst known severity among firing alerts; grey if none is known. */
export function colorOf(n: NotificationMessage): string {
  return SEVERITY_COLORS[groupState(n)];
}

/**
 * One alert as mrkdwn within `budget` characters. Pieces are granted space in priority order
 * (title, summary, links, labels, description) and shown in reading order; a piece that does not
 * fit whole is cut (text) or left out (links, which a cut would break).
 */
function alertSection(a: Alert, budget: number): string {
  let left = budget;
  const take = (line: string): string | undefined => {
    const cost = line.length + 1; // + the newline joining it
    if (line === '' || cost > left) return undefined;
    left -= cost;
    return line;
  };
  const field = (label: string, raw: string | undefined, cap: number): string | undefined => {
    if (!raw?.trim()) return undefined;
    const prefix = `*${label}:* `;
    const room = Math.min(cap, left - prefix.length - 1);
    if (room < 16) return undefined;
    return take(prefix + fitEscaped(raw.trim(), room));
  };

  const title = take(titleLine(a)) ?? take(fitEscaped(a.labels.alertname ?? 'alert', left - 1));
  // Scaled caps: with twenty alerts (800 each) a summary must not crowd out links and labels.
  const summary = field('Summary', a.annotations.summary ?? a.annotations.message, Math.min(500, Math.floor(budget * 0.3)));

  let linkLine = '';
  for (const { label, url } of alertLinks(a)) {
    const link = mrkdwnLink(url, `${LINK_EMOJI[label]} ${label}`);
    if (!link) continue;
    const next = linkLine ? `${linkLine} · ${link}` : link;
    if (next.length + 1 <= left) linkLine = next;
  }
  const links = take(linkLine);

  let labelLine = '*Labels:*';
  const labelNames = Object.keys(a.labels)
    .filter((k) => k !== 'alertname')
    .sort();
  const labelRoom = Math.min(600, Math.floor(budget * 0.3), left - 1);
  const MORE_ROOM = 12; // " +NNN more"
  let omitted = 0;
  for (const k of labelNames) {
    const item = ` \`${codeSafe(k)}=${codeSafe(a.labels[k]!)}\``;
    if (omitted === 0 && labelLine.length + item.length <= labelRoom - MORE_ROOM) labelLine += item;
    else omitted++;
  }
  if (omitted > 0) labelLine += ` +${omitted} more`;
  const labels = labelNames.length > omitted && labelLine.length <= labelRoom ? take(labelLine) : undefined;

  const description = field('Description', a.annotations.description, 1500);
  return [title, summary, description, labels, links].filter((x): x is string => x !== undefined).join('\n');
}

function titleLine(a: Alert): string {
  const firing = a.status === 'firing';
  const name = fitEscaped(a.labels.alertname ?? 'alert', 200);
  const severity = a.labels.severity ? ` · ${fitEscaped(a.labels.severity, 40)}` : '';
  const when = firing ? slackDate(a.startsAt, 'since') : slackDate(a.endsAt, 'at');
  return `${SEVERITY_EMOJI[alertState(a)]} *${name}*${severity} · ${firing ? 'firing' : 'resolved'}${when}`;
}

/** `<!date^…>` renders in each reader's time zone; the ISO text is the fallback. */
function slackDate(iso: string | undefined, word: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const fallback = new Date(ms).toISOString();
  return ` ${word} <!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** Slack's three control characters in mrkdwn (and in `text`): escape them, nothing else. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape, then cut to `max` escaped characters, never through the middle of an `&amp;`. */
export function fitEscaped(raw: string, max: number): string {
  return truncateEscaped(raw, max, escapeMrkdwn);
}

/** Inline code cannot hold a backtick or span lines; keep the value readable without them. */
function codeSafe(text: string): string {
  return fitEscaped(text.replace(/`/g, "'").replace(/\s+/g, ' '), 200);
}

/**
 * `<url|label>` for an http(s) URL, or undefined. The URL is normalised by the WHATWG parser
 * (which percent-encodes `<`, `>` and spaces), then `|` is encoded and `&` escaped so the link
 * syntax cannot be broken out of.
 */
export function mrkdwnLink(url: string, label: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  const href = parsed.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/&/g, '&amp;');
  if (href.length > MAX_URL) return undefined;
  return `<${href}|${escapeMrkdwn(label)}>`;
}

/**
 * The incident's one-click links as buttons, while its group fires: each opens the link's
 * confirmation page (a GET acts on nothing; the page's button does). With the Slack app's
 * interactivity set up, the click also comes to POST /v1/slack/interactions, which acts at once:
 * the button's value is the signed link itself, so it is bound to its chain as the link is. Slack
 * caps a URL at 3000 characters and a value at 2000, far above a signed link.
 */
function incidentActions(n: NotificationMessage): SlackBlock[] {
  const links = n.incident?.links;
  if (!links || n.group.status !== 'firing') return [];
  const button = (action: string, label: string, url: string | undefined, style?: 'primary'): SlackButton[] =>
    url ? [{ type: 'button', action_id: `alertflow_${action}`, text: { type: 'plain_text', text: label }, url, value: url.slice(url.lastIndexOf('/') + 1), ...(style ? { style } : {}) }] : [];
  const elements = [...button('ack', 'Acknowledge', links.ack, 'primary'), ...button('resolve', 'Resolve', links.resolve), ...button('escalate', 'Escalate now', links.escalate)];
  return elements.length > 0 ? [{ type: 'actions', block_id: 'alertflow_incident', elements }] : [];
}
