/** Threshold checks and heartbeats as they stand. */
import { useCallback } from 'preact/hooks';
import { get } from '../api';
import { Badge, html, seconds, usePoll, when } from '../common';
import type { CheckRow, HeartbeatRow } from '../types';

export function ChecksPage({ busy }: { busy: boolean }) {
  const load = useCallback(async () => ({ checks: (await get<{ checks: CheckRow[] }>('/v1/checks')).checks, heartbeats: (await get<{ heartbeats: HeartbeatRow[] }>('/v1/heartbeats')).heartbeats }), []);
  const { data, error } = usePoll(load, 10_000, busy);
  return html`<section>
    <h1>Checks</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <table class="checks"><thead><tr><th>Name</th><th>State</th><th>Last value</th><th>Evaluated</th><th>Last error</th></tr></thead><tbody>
      ${(data?.checks ?? []).map(
        (c) => html`<tr class="check" data-name=${c.name}><td>${c.name}${c.paused ? ' (paused)' : ''}</td><td><${Badge} state=${c.state.status} /></td><td>${c.state.last_value ?? ''}</td><td>${when(c.state.evaluated_at)}</td><td>${c.state.last_error ?? ''}</td></tr>`,
      )}
    </tbody></table>
    <h1>Heartbeats</h1>
    <table class="heartbeats"><thead><tr><th>Name</th><th>State</th><th>Every</th><th>Last ping</th></tr></thead><tbody>
      ${(data?.heartbeats ?? []).map((hb) => html`<tr class="heartbeat" data-name=${hb.name}><td>${hb.name}</td><td><${Badge} state=${hb.status} /></td><td>${seconds(hb.every_ms / 1000)}</td><td>${when(hb.last_ping_at)}</td></tr>`)}
    </tbody></table>
  </section>`;
}
