import type { NotificationMessage } from '../../queues/messages';
import type { RenderedRequest } from '../channel';
import type { SmsMessage } from '../ports';
import { alertLinks, alertSummary, counts, groupName, sourceLink, type AlertLinkLabel } from '../alert-text';
import type { PortRenderOptions } from '../port-channel';
import { groupSeverity } from '../severity';
import { renderTemplate } from '../templating';
import { clockTime, httpUrl, INCIDENT_EVENT_TAG } from '../text';
import type { SmsConfig } from './config';
import { fitSms, toGsmLookalikes } from './segments';

/**
 * SMS body: a page, not a report. At most SMS_MAX_PARTS parts (see ./segments.ts), e.g.
 *
 *   [CRITICAL] HighErrorRate (3 firing): Error rate 7.5% above 5% Ack: https://…/ack/…
 *   [RESOLVED] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate
 *
 * The tag is the worst severity of the firing alerts (`[FIRING]` when none is known), or
 * `[RESOLVED]`; then the alert name (the shared alertname, else the group label values), the count
 * when more than one fires (in a resolve: is resolved), the summary cut at a word to fit, and one
 * link (see smsLink): the ack link when given (firing only), else the runbook, else where the alert
 * came from; a link longer than SMS_LINK_MAX is passed over (a cut URL is a broken link). Labels
 * are never listed. Curly quotes, dashes and the like become their GSM look-alikes so that they do
 * not switch the message to UCS-2 (70 characters a part instead of 160).
 *
 * A `message` template replaces the default; its output is cut to fit the same way. If it fails
 * or renders empty, the default is sent (an SMS must not be lost to a template).
 */

export const SMS_MAX_PARTS = 2;
export const SMS_LINK_MAX = 100;
const NAME_MAX = 60;
const TEMPLATE_MAX_OUTPUT = 2000;

export function renderSms(n: NotificationMessage, config: SmsConfig, opts: PortRenderOptions = {}): RenderedRequest {
  const body = buildSmsBody(n, config, opts);
  const messages: SmsMessage[] = config.to.map((phoneNumber) => ({ phoneNumber, body }));
  return { body: JSON.stringify(messages), headers: { 'Content-Type': 'application/json; charset=utf-8' } };
}

export function buildSmsBody(n: NotificationMessage, config: Pick<SmsConfig, 'message'>, opts: PortRenderOptions = {}): string {
  if (config.message !== undefined) {
    // Room for a few parts: a longer output is cut to SMS_MAX_PARTS below anyway.
    const r = renderTemplate(config.message, 'message', n, { maxOutput: TEMPLATE_MAX_OUTPUT });
    if (!('failed' in r)) {
      const text = toGsmLookalikes(r.text.replace(/\r\n?/g, '\n')).trim();
      const fitted = text === '' ? undefined : fitSms('', text, '', SMS_MAX_PARTS);
      if (fitted) return fitted;
    }
  }
  return defaultSmsBody(n, opts);
}

export function defaultSmsBody(n: NotificationMessage, opts: PortRenderOptions = {}): string {
  const firingGroup = n.group.status === 'firing';
  const severity = groupSeverity(n);
  const event = n.incident?.event;
  const tag = event ? `${INCIDENT_EVENT_TAG[event.kind]} by ${clip(clean(event.by), NAME_MAX)} at ${clockTime(event.at)}` : firingGroup ? (severity ? severity.toUpperCase() : 'FIRING') : 'RESOLVED';
  const { firing, resolved } = counts(n);
  const name = clip(clean(groupName(n)), NAME_MAX);
  // One summary stands for the group: the count says how many alerts it stands for.
  const count = firingGroup ? (firing > 1 ? ` (${firing} firing)` : '') : resolved > 1 ? ` (${resolved} resolved)` : '';
  const head = `[${tag}] ${name}${count}`;

  // A reply is the quickest ack by SMS; the signed link follows it when it fits.
  const reply = firingGroup && opts.replyCode ? ` Reply ACK ${opts.replyCode}` : '';
  const ack = firingGroup ? httpUrl(opts.ackUrl, SMS_LINK_MAX) : undefined;
  const link = ack || reply ? undefined : smsLink(n);
  const suffix = reply ? `${reply}${ack ? ` or ${ack}` : ''}` : ack ? ` Ack: ${ack}` : link ? ` ${link}` : '';

  const summary = clean(summaryOf(n) ?? '');
  return (
    fitSms(summary ? `${head}: ` : head, summary, suffix, SMS_MAX_PARTS) ??
    // Only a UCS-2 name with a long link gets here: keep the link (it is how to act), then the tag.
    fitSms(`[${tag}] `, name, suffix, SMS_MAX_PARTS) ??
    fitSms('', head, '', SMS_MAX_PARTS) ??
    `[${tag}]`
  );
}

/** Where a page leads, best first: what to do, then what the alert came from. */
const SMS_LINK_ORDER: readonly AlertLinkLabel[] = ['Runbook', 'Source', 'CloudWatch', 'Panel', 'Dashboard'];

/**
 * The one link of a default SMS: the runbook of an alert in the group's state, else the alert's
 * source (Prometheus' graph, the CloudWatch console, Grafana's panel or dashboard), else the
 * sending Alertmanager's UI; the first that is http(s) and at most SMS_LINK_MAX long.
 */
function smsLink(n: NotificationMessage): string | undefined {
  const pool = n.group.alerts.filter((a) => a.status === n.group.status);
  const links = (pool.length ? pool : n.group.alerts).slice(0, 20).flatMap(alertLinks);
  for (const label of SMS_LINK_ORDER) {
    for (const link of links) {
      const url = link.label === label ? httpUrl(link.url, SMS_LINK_MAX) : undefined;
      if (url) return url;
    }
  }
  return httpUrl(sourceLink(n)?.url, SMS_LINK_MAX);
}

/** The summary of the alerts in the group's own state: shared if they agree, else the first one's. */
function summaryOf(n: NotificationMessage): string | undefined {
  const pool = n.group.alerts.filter((a) => a.status === n.group.status);
  const summaries = (pool.length ? pool : n.group.alerts).map(alertSummary);
  return summaries.find((s) => s !== undefined);
}

/** One line, GSM look-alikes for typographic punctuation. */
function clean(text: string): string {
  return toGsmLookalikes(text.replace(/\s+/g, ' ')).trim();
}

/** Cut with "..." (GSM-7), not "…", which would switch the message to UCS-2. */
function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 3).join('')}...`;
}
