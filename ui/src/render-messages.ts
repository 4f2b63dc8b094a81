import { h } from 'preact';
import htm from 'htm';

/**
 * The local outbox as its readers would see it: a Slack message's blocks, a Teams Adaptive Card,
 * an email (its text part), an SMS. Rendered from the payload as posted, with text only (never as
 * HTML: alert labels and annotations are the sender's, not ours).
 */
const html = htm.bind(h);

type Json = Record<string, unknown>;
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as Json).text === 'string' ? ((v as Json).text as string) : '');
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : []);

/** The emoji shortcodes alertflow's messages use, as Slack shows them. */
const EMOJI: Record<string, string> = { red_circle: '🔴', large_orange_circle: '🟠', large_yellow_circle: '🟡', large_blue_circle: '🔵', large_green_circle: '🟢', white_check_mark: '✅', warning: '⚠️' };
const emoji = (s: string) => s.replace(/:([a-z_]+):/g, (m, name: string) => EMOJI[name] ?? m);

/** Slack's mrkdwn as plain text with its bold kept: `*x*` bold, links and dates as their labels. */
function Mrkdwn({ source }: { source: string }) {
  const withLinks = emoji(source.replace(/<([^|>]+)\|([^>]+)>/g, '$2').replace(/<([^>]+)>/g, '$1'));
  return html`<span class="mrkdwn">${withLinks.split(/(\*[^*\n]+\*)/g).map((part) => (/^\*[^*]+\*$/.test(part) ? html`<b>${part.slice(1, -1)}</b>` : part))}</span>`;
}

/** A message's blocks, then each attachment's (alertflow puts the alerts in a coloured attachment). */
export function SlackMessage({ body }: { body: Json }) {
  const blocks = [...list(body.blocks), ...list(body.attachments).flatMap((a) => list(a.blocks))];
  if (blocks.length === 0) return html`<div class="slack"><${Mrkdwn} source=${text(body.text)} /></div>`;
  return html`<div class="slack">${blocks.map((b) => {
    switch (b.type) {
      case 'header':
        return html`<div class="slack-header">${emoji(text(b.text))}</div>`;
      case 'section':
        return html`<div class="slack-section"><${Mrkdwn} source=${text(b.text)} />${list(b.fields).map((f) => html`<div class="slack-field"><${Mrkdwn} source=${text(f)} /></div>`)}</div>`;
      case 'context':
        return html`<div class="slack-context">${list(b.elements).map((e) => html`<span><${Mrkdwn} source=${text(e)} /> </span>`)}</div>`;
      case 'divider':
        return html`<hr class="slack-divider" />`;
      case 'actions':
        return html`<div class="slack-actions">${list(b.elements).map((e) => html`<span class="slack-button">${text(e.text)}</span>`)}</div>`;
      default:
        return null;
    }
  })}</div>`;
}

function CardElement({ e }: { e: Json }) {
  switch (e.type) {
    case 'TextBlock':
      return html`<p class=${`teams-text${e.weight === 'Bolder' ? ' teams-bold' : ''}${e.size === 'Large' || e.size === 'Medium' ? ' teams-large' : ''}`}>${cardText(text(e))}</p>`;
    case 'FactSet':
      return html`<dl class="teams-facts">${list(e.facts).map((f) => html`<dt>${String(f.title ?? '')}</dt><dd>${String(f.value ?? '')}</dd>`)}</dl>`;
    case 'Container':
      return html`<div class="teams-container">${list(e.items).map((i) => html`<${CardElement} e=${i} />`)}</div>`;
    case 'ActionSet':
      return html`<div class="teams-actions">${list(e.actions).map((a) => html`<span class="teams-button">${String(a.title ?? '')}</span>`)}</div>`;
    default:
      return null;
  }
}

/** Adaptive Cards' `{{DATE(t, SHORT)}}` and `{{TIME(t)}}`, as Teams shows them in the reader's time zone. */
const cardText = (s: string) =>
  s.replace(/\{\{DATE\(([^,)]+)(?:, *\w+)?\)\}\}/g, (_m, t: string) => new Date(t).toLocaleDateString()).replace(/\{\{TIME\(([^)]+)\)\}\}/g, (_m, t: string) => new Date(t).toLocaleTimeString());

export function TeamsCard({ body }: { body: Json }) {
  const card = (list(body.attachments)[0]?.content ?? {}) as Json;
  return html`<div class="teams">${list(card.body).map((e) => html`<${CardElement} e=${e} />`)}${list(card.actions).length > 0 &&
  html`<div class="teams-actions">${list(card.actions).map((a) => html`<span class="teams-button">${String(a.title ?? '')}</span>`)}</div>`}</div>`;
}
