import { h, render, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { ApiError, get, post, signedIn, signIn, signOut, type Session } from './api';
import { currentRoute, go, href, type Route } from './route';

const html = htm.bind(h);

// ---------------------------------------------------------------------------------------------
// Shapes of the API's answers the pages read (snake_case, README "API conventions").

interface AlertGroupRef {
  id: string;
  key: string;
  receiver: string;
}
interface AlertRow {
  id: string;
  status: string;
  state: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: string;
  silenced_by: string[];
  inhibited_by: string[];
  flapping: boolean;
  groups: AlertGroupRef[];
}
interface IncidentRow {
  id: string;
  state: string;
  group_key: string;
  group_labels: Record<string, string>;
  policy: string;
  started_at: string;
  step: { run: number; step: number; at: string } | null;
  next_step: { run: number; step: number; at: string; notify: string[] } | null;
  steps: number;
  acknowledged_by: string | null;
  ack_allowed: boolean;
  next_timer_at: string | null;
  resolved_at: string | null;
  suspended: { reason: string; since: string } | null;
}
interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  step?: number;
  notify?: string[];
  deliveries?: Array<{ receiver: string; channel: string; status: string }>;
}
interface SilenceRow {
  id: string;
  matchers: Array<{ name: string; value: string; isRegex?: boolean; isEqual?: boolean }>;
  state: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
}
interface CheckRow {
  name: string;
  origin: string;
  paused: boolean;
  state: { status: string; level: string | null; last_value: number | null; evaluated_at: string | null; last_error: string | null };
}
interface HeartbeatRow {
  name: string;
  status: string;
  every_ms: number;
  last_ping_at: string | null;
}
interface Quantiles {
  median_s: number | null;
  p90_s: number | null;
  count: number;
}
interface StatsBody {
  since: string;
  until: string;
  partial?: boolean;
  alerts?: { fired: number; resolved: number; by_receiver: Array<{ receiver: string; fired: number }>; by_route: Array<{ route: string; fired: number }> };
  incidents?: { started: number; acknowledged: number; resolved: number; time_to_acknowledge: Quantiles; time_to_resolve: Quantiles };
  noisiest?: Array<{ alertname: string; fired: number }>;
  flapping?: Array<{ alertname: string; resolves: number; receiver: string }>;
  deliveries?: Array<{ channel: string; delivered: number; failed: number; pending: number; success_rate: number | null }>;
}
interface DeliveryRow {
  id: string;
  status: string;
  receiver: string;
  channel: string;
  created_at: string | null;
  group_key: string | null;
  group_id: string | null;
  attempts: number;
  last_error: string | null;
  retryable: boolean;
}

// ---------------------------------------------------------------------------------------------

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '');
const seconds = (s: number | null) => (s === null ? '–' : s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const silenceMatchers = (s: SilenceRow) => s.matchers.map((m) => `${m.name}${m.isEqual === false ? '!' : '='}${m.isRegex ? '~' : ''}${JSON.stringify(m.value)}`).join(', ');
const matcherOf = (name: string, value: string) => `${name}=${JSON.stringify(value)}`;
/** Add a matcher to a filter in Alertmanager syntax (`{a="b", c="d"}` or a bare list). */
const withMatcher = (filter: string, m: string) => {
  const inner = filter.trim().replace(/^\{|\}$/g, '').trim();
  return inner ? `${inner}, ${m}` : m;
};

function usePoll<T>(load: () => Promise<T>, everyMs: number, paused: boolean): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const run = useCallback(() => {
    load().then(
      (d) => (setData(d), setError(undefined)),
      (e: unknown) => setError((e as Error).message),
    );
  }, [load]);
  useEffect(() => {
    run();
    if (paused) return;
    const t = setInterval(run, everyMs);
    return () => clearInterval(t);
  }, [run, everyMs, paused]);
  return { data, error, reload: run };
}

function Badge({ state }: { state: string }) {
  return html`<span class=${`badge badge-${state}`} data-state=${state}>${state}</span>`;
}

function Labels({ labels, onPick }: { labels: Record<string, string>; onPick?: (m: string) => void }) {
  return html`<span class="labels">${Object.entries(labels).map(
    ([k, v]) => html`<button type="button" class="label" title="filter by this label" onClick=${() => onPick?.(matcherOf(k, v))}>${k}=${v}</button>`,
  )}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Pages

function Login({ onIn }: { onIn: (s: Session) => void }) {
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
    try {
      onIn(await signIn(input.value.trim()));
      input.value = '';
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 401 || err.status === 403) ? 'That token is not accepted, or has no read scope.' : (err as Error).message);
    }
  };
  return html`<main class="login">
    <h1>alertflow</h1>
    <form onSubmit=${submit} aria-label="sign in">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required autofocus />
      <button type="submit">Sign in</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <p class="hint">The token stays in this page's memory: reloading the page signs you out.</p>
    </form>
  </main>`;
}

function AlertsPage({ route, session, busy }: { route: Route; session: Session; busy: boolean }) {
  const filter = route.params.get('filter') ?? '';
  const view = route.params.get('view') === 'table' ? 'table' : 'grid';
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const load = useCallback(() => get<{ alerts: AlertRow[] }>(`/v1/alerts?limit=1000${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`), [filter]);
  const { data, error } = usePoll(load, 5000, busy);
  const alerts = data?.alerts ?? [];
  const firing = alerts.filter((a) => a.state === 'firing').length;
  useEffect(() => {
    document.title = `${firing > 0 ? `(${firing}) ` : ''}alertflow`;
  }, [firing]);
  const apply = (f: string) => go(href('alerts', { filter: f, view: view === 'table' ? 'table' : undefined }));
  const groups = new Map<string, AlertRow[]>();
  for (const a of alerts) {
    const key = a.groups[0]?.key ?? a.id;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const names = [...new Set(alerts.flatMap((a) => Object.keys(a.labels)))].sort();
  const canManage = session.scopes.includes('manage');
  return html`<section>
    <form class="filter" role="search" onSubmit=${(e: Event) => (e.preventDefault(), apply(draft))}>
      <label for="filter" class="sr-only">Filter (Alertmanager matchers)</label>
      <input id="filter" list="label-names" placeholder='alertname="DiskFull", severity=~"crit.*"' value=${draft} onInput=${(e: Event) => setDraft((e.target as HTMLInputElement).value)} />
      <datalist id="label-names">${names.map((n) => html`<option value=${`${n}=`} />`)}</datalist>
      <button type="submit">Filter</button>
      ${filter && html`<button type="button" onClick=${() => apply('')}>Clear</button>`}
      <a class="view-toggle" href=${href('alerts', { filter, view: view === 'table' ? undefined : 'table' })}>${view === 'table' ? 'Grid' : 'Table'}</a>
      ${canManage && html`<a class="button" href=${href('silence', { filter })}>Silence…</a>`}
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <p class="count" aria-live="polite">${alerts.length} alerts in ${groups.size} groups, ${firing} firing</p>
    ${view === 'table'
      ? html`<table class="alerts-table"><thead><tr><th>State</th><th>Alert</th><th>Labels</th><th>Since</th></tr></thead><tbody>
          ${alerts.map((a) => html`<tr class="alert" data-id=${a.id}><td><${Badge} state=${a.state} /></td><td>${a.labels.alertname}</td><td><${Labels} labels=${a.labels} onPick=${(m: string) => apply(withMatcher(filter, m))} /></td><td>${when(a.starts_at)}</td></tr>`)}
        </tbody></table>`
      : html`<div class="groups">${[...groups].map(
          ([key, list]) => html`<article class="group" aria-label=${key}>
            <h2>${key}</h2>
            <ul>${list.map(
              (a) => html`<li class="alert" data-id=${a.id}>
                <${Badge} state=${a.state} /> <strong>${a.labels.alertname}</strong>
                <${Labels} labels=${a.labels} onPick=${(m: string) => apply(withMatcher(filter, m))} />
                ${a.annotations.summary && html`<p class="summary">${a.annotations.summary}</p>`}
                <p class="why">${a.silenced_by.length > 0 ? `silenced by ${a.silenced_by.join(', ')}` : a.inhibited_by.length > 0 ? `inhibited by ${a.inhibited_by.join(', ')}` : `to ${a.groups.map((g) => g.receiver).join(', ')}`} · since ${when(a.starts_at)}</p>
              </li>`,
            )}</ul>
          </article>`,
        )}</div>`}
  </section>`;
}

function IncidentsPage({ busy }: { busy: boolean }) {
  const load = useCallback(() => get<{ incidents: IncidentRow[] }>('/v1/incidents'), []);
  const { data, error } = usePoll(load, 5000, busy);
  return html`<section>
    <h1>Incidents</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <ul class="incidents">${(data?.incidents ?? []).map(
      (i) => html`<li><${Badge} state=${i.state} /> <a href=${href('incident', {}, i.id)}>${i.group_key}</a> <span class="muted">${i.policy}, started ${when(i.started_at)}</span></li>`,
    )}</ul>
  </section>`;
}

function IncidentPage({ id, session, busy }: { id: string; session: Session; busy: boolean }) {
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
      <dt>Next step</dt><dd class="next-step">${data.next_step ? `step ${data.next_step.step} at ${when(data.next_step.at)} to ${data.next_step.notify.join(', ')}` : 'none: the escalation is stopped'}</dd>
      ${data.acknowledged_by && html`<dt>Acknowledged by</dt><dd>${data.acknowledged_by}</dd>`}
      ${data.suspended && html`<dt>Suspended</dt><dd>${data.suspended.reason} since ${when(data.suspended.since)}</dd>`}
    </dl>
    ${canManage &&
    html`<div class="actions">
      ${data.state === 'triggered' && data.ack_allowed && html`<button type="button" onClick=${() => act('ack')}>Acknowledge</button>`}
      ${data.state === 'acknowledged' && html`<button type="button" onClick=${() => act('unack')}>Unacknowledge</button>`}
      ${data.state !== 'resolved' && html`<button type="button" onClick=${() => act('escalate')}>Escalate now</button><button type="button" onClick=${() => act('resolve')}>Resolve</button>`}
    </div>`}
    ${result && html`<p class="result" role="status">${result}</p>`}
    <h2>Timeline</h2>
    <ol class="timeline">${data.timeline.map(
      (e) => html`<li data-kind=${e.kind}><time>${when(e.at)}</time> <strong>${e.kind}</strong> by ${e.actor}${e.notify?.length ? ` → ${e.notify.join(', ')}` : ''}
        ${e.deliveries?.map((d) => html` <span class="delivery">${d.receiver} ${d.channel}: ${d.status}</span>`)}</li>`,
    )}</ol>
  </section>`;
}

function DeliveriesPage({ route, session, busy }: { route: Route; session: Session; busy: boolean }) {
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

const PRESETS: Array<[string, number]> = [
  ['1 hour', 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 7 * 86_400_000],
];

function SilencePage({ route, session, onBusy }: { route: Route; session: Session; onBusy: (b: boolean) => void }) {
  const [matchers, setMatchers] = useState(route.params.get('filter') ?? '');
  const [durationMs, setDuration] = useState(PRESETS[1]![1]);
  const [comment, setComment] = useState('');
  const [preview, setPreview] = useState<{ count: number; error?: string }>();
  const [result, setResult] = useState<string>();
  useEffect(() => (onBusy(true), () => onBusy(false)), [onBusy]);
  useEffect(() => {
    if (!matchers.trim()) return setPreview(undefined);
    const t = setTimeout(() => {
      get<{ alerts: AlertRow[] }>(`/v1/alerts?limit=1000&status=firing&filter=${encodeURIComponent(matchers)}`).then(
        (r) => setPreview({ count: r.alerts.length }),
        (e: unknown) => setPreview({ count: 0, error: (e as Error).message }),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [matchers]);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const list = matchers.trim().replace(/^\{|\}$/g, '').split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((m) => m.trim()).filter(Boolean);
      const created = await post<{ id: string }>('/v1/silences', { matchers: list, ends_at: new Date(Date.now() + durationMs).toISOString(), created_by: session.name, comment: comment || 'silenced from the dashboard' });
      setResult(`Silence ${created.id} created`);
      go(href('alerts', { filter: matchers }));
    } catch (err) {
      setResult((err as Error).message);
    }
  };
  return html`<section>
    <h1>New silence</h1>
    <form class="silence" onSubmit=${submit}>
      <label for="matchers">Matchers</label>
      <input id="matchers" required value=${matchers} onInput=${(e: Event) => setMatchers((e.target as HTMLInputElement).value)} />
      <p class="preview" aria-live="polite">${preview ? (preview.error ? preview.error : `Would mute ${preview.count} firing alert${preview.count === 1 ? '' : 's'} now`) : ''}</p>
      <fieldset><legend>For</legend>${PRESETS.map(
        ([label, ms]) => html`<label class="preset"><input type="radio" name="duration" checked=${durationMs === ms} onChange=${() => setDuration(ms)} /> ${label}</label>`,
      )}</fieldset>
      <label for="comment">Comment</label>
      <input id="comment" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLInputElement).value)} />
      <button type="submit">Create silence</button>
      ${result && html`<p class="result" role="status">${result}</p>`}
    </form>
  </section>`;
}

const HELP: Array<[string, string]> = [
  ['/', 'search (the filter)'],
  ['g then a / i / d', 'alerts, incidents, deliveries'],
  ['?', 'this help'],
  ['Esc', 'close'],
];

function App() {
  const [session, setSession] = useState<Session>();
  const [route, setRoute] = useState(currentRoute());
  const [busy, setBusy] = useState(false);
  const [help, setHelp] = useState(false);
  const lastKey = useRef('');
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === 'Escape') setHelp(false);
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/') {
        e.preventDefault();
        const filter = document.getElementById('filter');
        if (filter) filter.focus();
        else {
          go(href('alerts'));
          setTimeout(() => document.getElementById('filter')?.focus(), 50);
        }
      } else if (e.key === '?') setHelp((h) => !h);
      else if (lastKey.current === 'g') {
        const to = { a: 'alerts', i: 'incidents', d: 'deliveries' }[e.key];
        if (to) go(href(to));
      }
      lastKey.current = e.key;
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  if (!session || !signedIn()) return html`<${Login} onIn=${setSession} />`;
  let page: ComponentChildren;
  if (route.page === 'incidents') page = html`<${IncidentsPage} busy=${busy} />`;
  else if (route.page === 'incident' && route.id) page = html`<${IncidentPage} id=${route.id} session=${session} busy=${busy} />`;
  else if (route.page === 'deliveries') page = html`<${DeliveriesPage} route=${route} session=${session} busy=${busy} />`;
  else if (route.page === 'silence') page = html`<${SilencePage} route=${route} session=${session} onBusy=${setBusy} />`;
  else page = html`<${AlertsPage} route=${route} session=${session} busy=${busy} />`;
  const nav = (to: string, label: string) => html`<a href=${href(to)} aria-current=${route.page === to || (to === 'incidents' && route.page === 'incident') ? 'page' : undefined}>${label}</a>`;
  return html`<div class="app">
    <header>
      <strong class="brand">alertflow</strong>
      <nav>${nav('alerts', 'Alerts')} ${nav('incidents', 'Incidents')} ${nav('deliveries', 'Deliveries')}</nav>
      <span class="who">${session.name} (${session.scopes.join(', ')})</span>
      <button type="button" onClick=${() => (signOut(), setSession(undefined))}>Sign out</button>
    </header>
    <main>${page}</main>
    ${help &&
    html`<div class="help" role="dialog" aria-label="keyboard shortcuts"><h2>Keyboard</h2><dl>${HELP.map(([k, d]) => html`<dt><kbd>${k}</kbd></dt><dd>${d}</dd>`)}</dl></div>`}
  </div>`;
}

render(html`<${App} />`, document.getElementById('app')!);
