/** The delivery log of the last day, with Retry for a notification that failed for good. */
import { useCallback, useState } from 'preact/hooks';
import { get, post, type Session } from '../api';
import { href, type Route } from '../route';
import { Badge, html, usePoll, when } from '../common';
import type { DeliveryRow } from '../types';

export function DeliveriesPage({ route, session, busy }: { route: Route; session: Session; busy: boolean }) {
  const status = route.params.get('status') ?? 'failed';
  const load = useCallback(() => get<{ deliveries: DeliveryRow[] }>(`/v1/deliveries?since=24h${status === 'all' ? '' : `&status=${encodeURIComponent(status)}`}`), [status]);
  const { data, error, reload } = usePoll(load, 5000, busy);
  const [result, setResult] = useState<string>();
  const retry = async (d: DeliveryRow) => {
    try {
      await post(`/v1/deliveries/${encodeURIComponent(d.id)}/retry`);
      setResult(`${d.id}: queued again`);
    } catch (err) {
      setResult(`${d.id}: ${(err as Error).message}`);
    }
    reload();
  };
  return html`<section>
    <h1>Deliveries, last 24 hours</h1>
    <nav class="tabs">${['failed', 'delivered', 'all'].map((s) => html`<a href=${href('deliveries', { status: s })} aria-current=${s === status ? 'page' : undefined}>${s}</a>`)}</nav>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${result && html`<p class="result" role="status">${result}</p>`}
    <table class="deliveries"><thead><tr><th>Made</th><th>Status</th><th>Receiver</th><th>Group</th><th>Attempts</th><th>Last error</th><th></th></tr></thead><tbody>
      ${(data?.deliveries ?? []).map(
        (d) => html`<tr class="delivery" data-id=${d.id}><td>${when(d.created_at)}</td><td><${Badge} state=${d.status} /></td><td>${d.receiver} ${d.channel}</td><td>${d.group_key}</td><td>${d.attempts}</td><td>${d.last_error}</td>
          <td>${session.scopes.includes('manage') && d.retryable ? html`<button type="button" onClick=${() => retry(d)}>Retry</button>` : ''}</td></tr>`,
      )}
    </tbody></table>
  </section>`;
}
