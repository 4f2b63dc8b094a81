/** The local runtime's outbox: what it sent, as its readers would see it. */
import { useCallback } from 'preact/hooks';
import { get } from '../api';
import { html, usePoll, when } from '../common';
import type { OutboxBody } from '../types';
import { SlackMessage, TeamsCard } from '../render-messages';

/** The local runtime's outbox (GET /local/outbox): what its channels sent, as their readers would see it. */
export function OutboxPage({ busy }: { busy: boolean }) {
  const load = useCallback(() => get<OutboxBody>('/local/outbox'), []);
  const { data, error } = usePoll(load, 5000, busy);
  const items = [
    ...(data?.posted ?? []).map((p) => ({ at: p.at, key: `${p.channel}-${p.at}`, el: html`<article class="outbox-item" data-channel=${p.channel}><h2>${p.channel} to ${p.host} <span class="muted">${when(p.at)}, HTTP ${p.status}</span></h2>${p.channel === 'slack' ? html`<${SlackMessage} body=${p.body} />` : html`<${TeamsCard} body=${p.body} />`}</article>` })),
    ...(data?.messages ?? []).map((m) => ({
      at: m.at,
      key: `${m.channel}-${m.at}`,
      el: html`<article class="outbox-item" data-channel=${m.channel}><h2>${m.channel} to ${m.recipients.join(', ')} <span class="muted">${when(m.at)}</span></h2>${m.subject && html`<p class="email-subject">${m.subject}</p>`}<pre class="outbox-text">${m.body}</pre></article>`,
    })),
  ].sort((a, b) => (a.at < b.at ? 1 : -1));
  return html`<section>
    <h1>Outbox</h1>
    <p class="muted">What this local runtime sent by Slack, Teams, email and SMS, as it would look (the last 100 Slack and Teams posts).</p>
    ${error && html`<p class="error" role="alert">${error.includes('404') || error.includes('no route') ? 'The outbox is the local runtime’s: a deployment sends for real.' : error}</p>`}
    ${items.map((i) => i.el)}
  </section>`;
}
