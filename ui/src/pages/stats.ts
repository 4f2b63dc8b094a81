/** What alertflow did over a window (GET /v1/stats), as SVG bar charts. */
import { useCallback } from 'preact/hooks';
import { get } from '../api';
import { href, type Route } from '../route';
import { html, seconds, usePoll } from '../common';
import type { StatsBody } from '../types';

/** A horizontal bar chart in SVG: no chart library (its bytes would be most of the budget). */
function Bars({ title, rows, scale }: { title: string; rows: Array<[string, number]>; scale?: number }) {
  const max = scale ?? Math.max(1, ...rows.map((r) => r[1]));
  if (rows.length === 0) return html`<figure class="chart"><figcaption>${title}</figcaption><p class="muted">none</p></figure>`;
  const height = rows.length * 22 + 4;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox=${`0 0 320 ${height}`} role="img" aria-label=${title} width="100%">
      ${rows.map(
        ([label, n], i) => html`<g transform=${`translate(0 ${i * 22 + 2})`}>
          <text x="0" y="14" class="bar-label">${label.length > 18 ? `${label.slice(0, 17)}…` : label}</text>
          <rect x="130" y="3" height="14" width=${Math.max(1, (n / max) * 150)} class="bar"><title>${label}: ${n}</title></rect>
          <text x=${136 + (n / max) * 150} y="14" class="bar-value">${n}</text>
        </g>`,
      )}
    </svg>
  </figure>`;
}

export function StatsPage({ route }: { route: Route }) {
  const since = route.params.get('since') ?? '7d';
  const load = useCallback(() => get<StatsBody>(`/v1/stats?since=${encodeURIComponent(since)}`), [since]);
  const { data, error } = usePoll(load, 30_000, false);
  return html`<section class="stats">
    <h1>Stats</h1>
    <nav class="tabs">${['24h', '7d', '30d'].map((s) => html`<a href=${href('stats', { since: s })} aria-current=${s === since ? 'page' : undefined}>${s}</a>`)}</nav>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${data?.alerts &&
    html`<p class="summary-line">${data.alerts.fired} alerts fired, ${data.alerts.resolved} resolved; ${data.incidents?.started ?? 0} incidents, acknowledged in ${seconds(data.incidents?.time_to_acknowledge.median_s ?? null)} (median, p90 ${seconds(data.incidents?.time_to_acknowledge.p90_s ?? null)}), resolved in ${seconds(data.incidents?.time_to_resolve.median_s ?? null)}.${data.partial ? ' (partial: past a read bound)' : ''}</p>
      <div class="charts">
        <${Bars} title="Alerts fired per receiver" rows=${data.alerts.by_receiver.map((r) => [r.receiver, r.fired])} />
        <${Bars} title="Noisiest alerts" rows=${(data.noisiest ?? []).map((r) => [r.alertname, r.fired])} />
        <${Bars} title="Delivery success per channel (%)" scale=${100} rows=${(data.deliveries ?? []).map((d) => [d.channel, d.success_rate === null ? 0 : Math.round(d.success_rate * 100)])} />
        <${Bars} title="Flapping alerts (resolves)" rows=${(data.flapping ?? []).map((f) => [f.alertname, f.resolves])} />
      </div>`}
  </section>`;
}
