/** Incidents (bulk ack and resolve) and one incident: actions, notes, countdowns, its timeline. */
import { useCallback, useState } from 'preact/hooks';
import { get, post, type Session } from '../api';
import { href } from '../route';
import { Badge, Countdown, html, usePoll, when } from '../common';
import type { IncidentRow, TimelineEvent } from '../types';

export function IncidentsPage({ session, busy }: { session: Session; busy: boolean }) {
  const load = useCallback(() => get<{ incidents: IncidentRow[] }>('/v1/incidents'), []);
  const { data, error, reload } = usePoll(load, 5000, busy);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<string>();
  const canManage = session.scopes.includes('manage');
  const act = async (verb: 'ack' | 'resolve') => {
    const ids = [...selected];
    const results = await Promise.allSettled(ids.map((id) => post(`/v1/incidents/${encodeURIComponent(id)}/${verb}`)));
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    setBulk(`${verb === 'ack' ? 'acknowledged' : 'resolved'} ${ids.length - failed.length} of ${ids.length}${failed.length ? `: ${(failed[0]!.reason as Error).message}` : ''}`);
    setSelected(new Set());
    reload();
  };
  return html`<section>
    <h1>Incidents</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${canManage &&
    selected.size > 0 &&
    html`<div class="bulk" role="toolbar" aria-label="with the selected incidents"><span>${selected.size} selected</span>
      <button type="button" onClick=${() => act('ack')}>Acknowledge</button><button type="button" onClick=${() => act('resolve')}>Resolve</button></div>`}
    ${bulk && html`<p class="result" role="status">${bulk}</p>`}
    <ul class="incidents">${(data?.incidents ?? []).map(
      (i) => html`<li data-id=${i.id}>${canManage && i.state !== 'resolved' && html`<input type="checkbox" class="pick" aria-label=${`select ${i.group_key}`} checked=${selected.has(i.id)} onChange=${() => setSelected((s) => (s.has(i.id) ? new Set([...s].filter((x) => x !== i.id)) : new Set([...s, i.id])))} /> `}<${Badge} state=${i.state} /> <a href=${href('incident', {}, i.id)}>${i.group_key}</a> <span class="muted">${i.policy}, started ${when(i.started_at)}</span></li>`,
    )}</ul>
  </section>`;
}

export function IncidentPage({ id, session, busy }: { id: string; session: Session; busy: boolean }) {
  const load = useCallback(() => get<IncidentRow & { timeline: TimelineEvent[] }>(`/v1/incidents/${encodeURIComponent(id)}`), [id]);
  const { data, error, reload } = usePoll(load, 5000, busy);
  const [result, setResult] = useState<string>();
  const act = async (verb: string) => {
    try {
      await post(`/v1/incidents/${encodeURIComponent(id)}/${verb}`);
      setResult(`${verb}: done`);
    } catch (err) {
      setResult(`${verb}: ${(err as Error).message}`);
    }
    reload();
  };
  if (!data) return html`<section>${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  const canManage = session.scopes.includes('manage');
  return html`<section class="incident">
    <h1><${Badge} state=${data.state} /> ${data.group_key}</h1>
    <dl>
      <dt>Policy</dt><dd>${data.policy} (${data.steps} steps)</dd>
      <dt>Started</dt><dd>${when(data.started_at)}</dd>
      <dt>Step</dt><dd class="step">${data.step ? `step ${data.step.step} of run ${data.step.run}` : 'none yet'}</dd>
      <dt>Next step</dt><dd class="next-step">${data.next_step ? html`step ${data.next_step.step} at ${when(data.next_step.at)} to ${data.next_step.notify.join(', ')} <${Countdown} at=${data.next_step.at} />` : 'none: the escalation is stopped'}</dd>
      ${data.ack_expires_at && html`<dt>Acknowledgement lapses</dt><dd>${when(data.ack_expires_at)} <${Countdown} at=${data.ack_expires_at} /></dd>`}
      ${data.acknowledged_by && html`<dt>Acknowledged by</dt><dd>${data.acknowledged_by}</dd>`}
      ${data.suspended && html`<dt>Suspended</dt><dd>${data.suspended.reason} since ${when(data.suspended.since)}</dd>`}
    </dl>
    ${canManage &&
    html`<div class="actions">
      ${data.state === 'triggered' && data.ack_allowed && html`<button type="button" data-action="ack" onClick=${() => act('ack')}>Acknowledge</button>`}
      ${data.state === 'acknowledged' && html`<button type="button" onClick=${() => act('unack')}>Unacknowledge</button>`}
      ${data.state !== 'resolved' && html`<button type="button" onClick=${() => act('escalate')}>Escalate now</button><button type="button" onClick=${() => act('resolve')}>Resolve</button>`}
    </div>`}
    ${result && html`<p class="result" role="status">${result}</p>`}
    ${canManage &&
    html`<form class="note" onSubmit=${async (e: Event) => {
      e.preventDefault();
      const input = (e.target as HTMLFormElement).elements.namedItem('note') as HTMLInputElement;
      try {
        await post(`/v1/incidents/${encodeURIComponent(id)}/notes`, { text: input.value });
        input.value = '';
      } catch (err) {
        setResult((err as Error).message);
      }
      reload();
    }}>
      <label for="note">Note</label>
      <input id="note" name="note" required maxlength="2000" placeholder="what you found, what you did" />
      <button type="submit">Add note</button>
    </form>`}
    <h2>Timeline</h2>
    <ol class="timeline">${data.timeline.map(
      (e) => html`<li data-kind=${e.kind}><time>${when(e.at)}</time> <strong>${e.kind}</strong> by ${e.actor}${e.notify?.length ? ` → ${e.notify.join(', ')}` : ''}${e.text ? html`: <q>${e.text}</q>` : ''}
        ${e.deliveries?.map(
          (d) => html` <span class="delivery" data-id=${d.id}>${d.receiver} ${d.channel}: <${Badge} state=${d.status} />${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}${d.last_error ? ` (${d.last_error})` : ''}</span>`,
        )}</li>`,
    )}</ol>
  </section>`;
}
