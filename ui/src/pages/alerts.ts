/** Alerts (grouped, filtered by matchers in the URL, "N new", bulk silence) and the "why" page of one alert. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, post, type Session } from '../api';
import { go, href, type Route } from '../route';
import { Badge, html, Labels, matcherOf, usePoll, when, withMatcher } from '../common';
import type { AlertRow, DeliveryRow, IncidentRow } from '../types';

export function AlertsPage({ route, session, busy }: { route: Route; session: Session; busy: boolean }) {
  const filter = route.params.get('filter') ?? '';
  const view = route.params.get('view') === 'table' ? 'table' : 'grid';
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const load = useCallback(() => get<{ alerts: AlertRow[] }>(`/v1/alerts?limit=1000${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`), [filter]);
  const { data, error, reload } = usePoll(load, 5000, busy);
  // Live without reflowing: alerts already shown update in place; new ones wait behind "N new".
  const [shownIds, setShownIds] = useState<Set<string> | undefined>();
  useEffect(() => setShownIds(undefined), [filter]);
  useEffect(() => {
    if (data && shownIds === undefined) setShownIds(new Set(data.alerts.map((a) => a.id)));
  }, [data, shownIds]);
  const latest = data?.alerts ?? [];
  const alerts = shownIds ? latest.filter((a) => shownIds.has(a.id)) : latest;
  const fresh = shownIds ? latest.filter((a) => !shownIds.has(a.id)).length : 0;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<string>();
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const silenceSelected = async () => {
    const chosen = alerts.filter((a) => selected.has(a.id));
    const results = await Promise.allSettled(
      chosen.map((a) =>
        post('/v1/silences', {
          matchers: Object.entries(a.labels).map(([k, v]) => matcherOf(k, v)),
          ends_at: new Date(Date.now() + 3_600_000).toISOString(),
          created_by: session.name,
          comment: 'silenced from the dashboard (bulk)',
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    setBulk(`${chosen.length - failed} silenced for 1 hour${failed ? `, ${failed} failed: ${(results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason}` : ''}`);
    setSelected(new Set());
    reload();
  };
  const firing = latest.filter((a) => a.state === 'firing').length;
  useEffect(() => {
    document.title = `${firing > 0 ? `(${firing}) ` : ''}alertflow`;
  }, [firing]);
  const apply = (f: string) => go(href('alerts', { filter: f, view: view === 'table' ? 'table' : undefined }));
  const groups = new Map<string, AlertRow[]>();
  for (const a of alerts) {
    const key = a.groups[0]?.key ?? a.id;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  // Suggestions: each label name, then each name="value" the listed alerts carry (a few hundred at most).
  const suggestions = [...new Set([...latest.flatMap((a) => Object.keys(a.labels).map((n) => `${n}=`)), ...latest.flatMap((a) => Object.entries(a.labels).map(([n, v]) => matcherOf(n, v)))])].sort().slice(0, 300);
  const canManage = session.scopes.includes('manage');
  return html`<section>
    <form class="filter" role="search" onSubmit=${(e: Event) => (e.preventDefault(), apply(draft))}>
      <label for="filter" class="sr-only">Filter (Alertmanager matchers)</label>
      <input id="filter" list="label-names" placeholder='alertname="DiskFull", severity=~"crit.*"' value=${draft} onInput=${(e: Event) => setDraft((e.target as HTMLInputElement).value)} />
      <datalist id="label-names">${suggestions.map((s) => html`<option value=${withMatcher(draft.replace(/,?[^,]*$/, ''), s)} />`)}</datalist>
      <button type="submit">Filter</button>
      ${filter && html`<button type="button" onClick=${() => apply('')}>Clear</button>`}
      <a class="view-toggle" href=${href('alerts', { filter, view: view === 'table' ? undefined : 'table' })}>${view === 'table' ? 'Grid' : 'Table'}</a>
      ${canManage && html`<a class="button" href=${href('silence', { filter })}>Silence…</a>`}
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <p class="count" aria-live="polite">${alerts.length} alerts in ${groups.size} groups, ${firing} firing
      ${fresh > 0 && html` <button type="button" class="fresh" onClick=${() => setShownIds(new Set(latest.map((a) => a.id)))}>${fresh} new</button>`}</p>
    ${canManage &&
    selected.size > 0 &&
    html`<div class="bulk" role="toolbar" aria-label="with the selected alerts"><span>${selected.size} selected</span>
      <button type="button" onClick=${silenceSelected}>Silence 1 hour</button><button type="button" onClick=${() => setSelected(new Set())}>Clear</button></div>`}
    ${bulk && html`<p class="result" role="status">${bulk}</p>`}
    ${view === 'table'
      ? html`<table class="alerts-table"><thead><tr><th>State</th><th>Alert</th><th>Labels</th><th>Since</th></tr></thead><tbody>
          ${alerts.map((a) => html`<tr class="alert" data-id=${a.id} tabindex="-1"><td><${Badge} state=${a.state} /></td><td><a class="why-link" href=${href('alert', {}, a.id)}>${a.labels.alertname}</a></td><td><${Labels} labels=${a.labels} onPick=${(m: string) => apply(withMatcher(filter, m))} /></td><td>${when(a.starts_at)}</td></tr>`)}
        </tbody></table>`
      : html`<div class="groups">${[...groups].map(
          ([key, list]) => html`<article class="group" aria-label=${key}>
            <h2>${key}</h2>
            <ul>${list.map(
              (a) => html`<li class="alert" data-id=${a.id} tabindex="-1">
                ${canManage && html`<input type="checkbox" class="pick" aria-label=${`select ${a.labels.alertname}`} checked=${selected.has(a.id)} onChange=${() => toggle(a.id)} /> `}<${Badge} state=${a.state} /> <a class="why-link" href=${href('alert', {}, a.id)}><strong>${a.labels.alertname}</strong></a>
                <${Labels} labels=${a.labels} onPick=${(m: string) => apply(withMatcher(filter, m))} />
                ${a.annotations.summary && html`<p class="summary">${a.annotations.summary}</p>`}
                <p class="why">${a.silenced_by.length > 0 ? `silenced by ${a.silenced_by.join(', ')}` : a.inhibited_by.length > 0 ? `inhibited by ${a.inhibited_by.join(', ')}` : `to ${a.groups.map((g) => g.receiver).join(', ')}`} · since ${when(a.starts_at)}</p>
              </li>`,
            )}</ul>
          </article>`,
        )}</div>`}
  </section>`;
}

/** Why an alert was or was not sent: its route and group, what mutes or holds it, its incident, each delivery. */
export function AlertPage({ id, session }: { id: string; session: Session }) {
  const load = useCallback(async () => {
    const alert = await get<AlertRow>(`/v1/alerts/${encodeURIComponent(id)}`);
    const groups = await Promise.all(
      alert.groups.map(async (g) => ({
        group: g,
        deliveries: (await get<{ deliveries: DeliveryRow[] }>(`/v1/deliveries?since=7d&group=${encodeURIComponent(g.id)}`)).deliveries,
      })),
    );
    const incidents = (await get<{ incidents: Array<IncidentRow & { group_id: string }> }>('/v1/incidents')).incidents.filter((i) => alert.groups.some((g) => g.id === i.group_id));
    return { alert, groups, incidents };
  }, [id]);
  const { data, error } = usePoll(load, 10_000, false);
  if (!data) return html`<section>${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  const { alert, groups, incidents } = data;
  const matchers = Object.entries(alert.labels).map(([k, v]) => matcherOf(k, v)).join(', ');
  const held: Record<string, string> = {
    silenced: `muted by silence ${alert.silenced_by.join(', ')}`,
    inhibited: `muted: inhibited by firing alert ${alert.inhibited_by.join(', ')}`,
    throttled: 'held back by the receiver’s storm limit',
    cooldown: 'held back by a cooldown',
    failed: 'its last notification failed for good (see below)',
  };
  return html`<section class="why">
    <h1><${Badge} state=${alert.state} /> ${alert.labels.alertname}</h1>
    <${Labels} labels=${alert.labels} />
    ${alert.annotations.summary && html`<p>${alert.annotations.summary}</p>`}
    <h2>Why</h2>
    <ul class="reasons">
      <li>Firing since ${when(alert.starts_at)}${alert.flapping ? ', flapping' : ''}.</li>
      ${held[alert.state] && html`<li class="held">${held[alert.state]}.</li>`}
      ${groups.map(({ group }) => html`<li>Routed to <strong>${group.receiver}</strong> in group <code>${group.key}</code>.</li>`)}
      ${incidents.map((i) => html`<li>Incident <a href=${href('incident', {}, i.id)}>${i.state}</a>${i.next_step ? `, next step ${i.next_step.step} at ${when(i.next_step.at)}` : ', no further step'}.</li>`)}
    </ul>
    ${session.scopes.includes('manage') && html`<p><a class="button" href=${href('silence', { filter: matchers })}>Silence this alert…</a></p>`}
    <h2>Deliveries of its group${groups.length === 1 ? '' : 's'}, last 7 days</h2>
    <table class="deliveries"><thead><tr><th>Made</th><th>Status</th><th>Receiver</th><th>Attempts</th><th>Last error</th></tr></thead><tbody>
      ${groups.flatMap(({ deliveries }) => deliveries).map((d) => html`<tr class="delivery"><td>${when(d.created_at)}</td><td><${Badge} state=${d.status} /></td><td>${d.receiver} ${d.channel}</td><td>${d.attempts}</td><td>${d.last_error}</td></tr>`)}
    </tbody></table>
  </section>`;
}

/** j/k: move the selection among the listed alerts (and scroll it into view). */
export function moveSelection(step: number): void {
  const items = [...document.querySelectorAll<HTMLElement>('.alert[data-id]')];
  if (items.length === 0) return;
  const at = items.findIndex((el) => el.classList.contains('selected'));
  items[at]?.classList.remove('selected');
  const next = items[Math.min(items.length - 1, Math.max(0, at < 0 ? 0 : at + step))]!;
  next.classList.add('selected');
  next.setAttribute('aria-selected', 'true');
  next.focus();
}
