/** Text helpers shared by the renderers. */
import type { Alert } from '../alerts/model';
import type { NotificationMessage } from '../queues/messages';

/**
 * Cut `text` to at most `max` UTF-16 units (what JSON limits and JS `.length` count; never fewer
 * than Slack's character count), ending with "…" when cut, without splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * Escape with `escape`, then cut to at most `max` escaped characters (ending with "…" when cut),
 * never through the middle of an escape sequence such as `&amp;`.
 */
export function truncateEscaped(raw: string, max: number, escape: (s: string) => string): string {
  const full = escape(raw);
  if (full.length <= max) return full;
  if (max <= 0) return '';
  let out = '';
  for (const ch of raw) {
    const esc = escape(ch);
    if (out.length + esc.length > max - 1) break;
    out += esc;
  }
  return `${out}…`;
}

/** Newlines and runs of whitespace become one space; trimmed. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** oneLine that also turns other control characters (and U+2028/U+2029) into spaces. */
export function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return oneLine(text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' '));
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The size of `text` in UTF-8, as the HTTP APIs count their limits. */
export function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
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

/** Label values sorted by label name, as Alertmanager's `.GroupLabels.SortedPairs.Values`. */
export function sortedValues(labels: Record<string, string>): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => labels[k]!);
}

/** A copy with keys in sorted order (Go's encoding/json writes map keys sorted). */
export function sortKeys(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

/** `pick`'s value when every alert has the same one (and there is at least one alert); else undefined. */
export function commonValue(alerts: readonly Alert[], pick: (a: Alert) => string | undefined): string | undefined {
  const first = alerts[0] ? pick(alerts[0]) : undefined;
  return first !== undefined && alerts.every((a) => pick(a) === first) ? first : undefined;
}

export const INCIDENT_EVENT_TAG = { ack: 'ACKNOWLEDGED', unack: 'UNACKNOWLEDGED', resolve: 'RESOLVED' } as const;

/** `12:04 UTC` from an ISO time: when a follow-up's event happened, short enough for a title or an SMS. */
export const clockTime = (iso: string): string => `${iso.slice(11, 16)} UTC`;

/** `[FIRING:3] HighErrorRate payment-gateway` — Alertmanager's default title (`slack.default.title`). */
export function titleOf(n: NotificationMessage): string {
  const { group } = n;
  const firing = group.alerts.filter((a) => a.status === 'firing').length;
  const status = group.status === 'firing' ? `FIRING:${firing}` : 'RESOLVED';
  const values = sortedValues(group.labels).filter((v) => v !== '');
  // With `group_by: []` there are no group labels; name the alert instead of leaving it blank.
  const name = values.length > 0 ? values.join(' ') : (commonValue(group.alerts, (a) => a.labels.alertname) ?? n.receiver);
  // A follow-up of an incident says what happened to it and who did it.
  const event = n.incident?.event;
  if (event) return `[${INCIDENT_EVENT_TAG[event.kind]} by ${event.by} at ${clockTime(event.at)}] ${name}`;
  return `[${status}] ${name}`;
}
