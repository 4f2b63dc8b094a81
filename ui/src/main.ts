import { h, render, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { ApiError, get, post, request, signedIn, signIn, signOut, type Session } from './api';
import { currentRoute, go, href, type Route } from './route';
import { SlackMessage, TeamsCard } from './outbox';

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
  ack_expires_at: string | null;
  ack_allowed: boolean;
  next_timer_at: string | null;
  resolved_at: string | null;
  suspended: { reason: string; since: string } | null;
}
interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  text?: string;
  step?: number;
  notify?: string[];
  deliveries?: Array<{ id: string; receiver: string; channel: string; status: string; attempts: number; last_error: string | null }>;
}
interface SilenceRow {
  id: string;
  matchers: Array<{ name: string; value: string; is_regex: boolean; is_equal: boolean }>;
  status: { state: string };
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
const silenceMatchers = (s: SilenceRow) => s.matchers.map((m) => `${m.name}${m.is_equal ? '=' : '!'}${m.is_regex ? '~' : m.is_equal ? '' : '='}${JSON.stringify(m.value)}`).join(', ');
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
  // Another query: what was loaded for the last one no longer stands.
  useEffect(() => setData(undefined), [load]);
  useEffect(() => {
    run();
    if (paused) return;
    const t = setInterval(run, everyMs);
    return () => clearInterval(t);
  }, [run, everyMs, paused]);
  return { data, error, reload: run };
}

/** Time left until `at`, ticking every second. */
function Countdown({ at }: { at: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.round((Date.parse(at) - now) / 1000));
  const hms = [Math.floor(left / 3600), Math.floor((left % 3600) / 60), left % 60].map((n, i) => (i === 0 ? String(n) : String(n).padStart(2, '0'))).join(':');
  return html`<span class="countdown" aria-label=${`in ${hms}`}>(in ${hms})</span>`;
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

function IncidentsPage({ session, busy }: { session: Session; busy: boolean }) {
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
  const editing = route.params.get('edit') ?? undefined;
  const [matchers, setMatchers] = useState(route.params.get('filter') ?? '');
  const [durationMs, setDuration] = useState(PRESETS[1]![1]);
  const [comment, setComment] = useState('');
  // Editing: the silence as it stands; its end stays unless a preset is picked.
  const [keepEnd, setKeepEnd] = useState<string>();
  const [keepStart, setKeepStart] = useState<string>();
  useEffect(() => {
    if (!editing) return;
    get<SilenceRow>(`/v1/silences/${encodeURIComponent(editing)}`).then(
      (s) => (setMatchers(silenceMatchers(s)), setComment(s.comment), setKeepEnd(s.ends_at), setKeepStart(s.starts_at)),
      (e: unknown) => setResult((e as Error).message),
    );
  }, [editing]);
  const [preview, setPreview] = useState<{ count: number; day?: number; error?: string }>();
  const [result, setResult] = useState<string>();
  useEffect(() => (onBusy(true), () => onBusy(false)), [onBusy]);
  useEffect(() => {
    if (!matchers.trim()) return setPreview(undefined);
    const t = setTimeout(() => {
      const filter = encodeURIComponent(matchers);
      const from = new Date(Date.now() - 86_400_000).toISOString();
      Promise.all([
        get<{ alerts: AlertRow[] }>(`/v1/alerts?limit=1000&status=firing&filter=${filter}`),
        get<{ alerts: Array<{ fingerprint: string }> }>(`/v1/history?kind=alerts&limit=1000&filter=${filter}&from=${encodeURIComponent(from)}`),
      ]).then(
        // The last day: what fires now, and what fired and resolved since (each alert once).
        ([now, past]) => setPreview({ count: now.alerts.length, day: new Set([...now.alerts.map((a) => a.id), ...past.alerts.map((a) => a.fingerprint)]).size }),
        (e: unknown) => setPreview({ count: 0, error: (e as Error).message }),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [matchers]);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const list = matchers.trim().replace(/^\{|\}$/g, '').split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((m) => m.trim()).filter(Boolean);
      const created = await post<{ id: string }>('/v1/silences', {
        // An edit keeps the start, so a silence whose matchers and times stay is changed in place.
        ...(editing ? { id: editing, ...(keepStart ? { starts_at: keepStart } : {}) } : {}),
        matchers: list,
        ends_at: keepEnd ?? new Date(Date.now() + durationMs).toISOString(),
        created_by: session.name,
        comment: comment || 'silenced from the dashboard',
      });
      setResult(`Silence ${created.id} ${editing ? 'saved' : 'created'}`);
      go(href('alerts', { filter: matchers }));
    } catch (err) {
      setResult((err as Error).message);
    }
  };
  return html`<section>
    <h1>${editing ? 'Edit silence' : 'New silence'}</h1>
    ${keepEnd && html`<p class="muted">Ends ${when(keepEnd)} unless you pick a new duration.</p>`}
    <form class="silence" onSubmit=${submit}>
      <label for="matchers">Matchers</label>
      <input id="matchers" required value=${matchers} onInput=${(e: Event) => setMatchers((e.target as HTMLInputElement).value)} />
      <p class="preview" aria-live="polite">${preview ? (preview.error ? preview.error : `Would mute ${preview.count} firing alert${preview.count === 1 ? '' : 's'} now`) : ''}</p>
      <p class="preview-day">${preview && !preview.error && preview.day !== undefined ? `and would have muted ${preview.day} in the last 24 hours` : ''}</p>
      <fieldset><legend>For</legend>${PRESETS.map(
        ([label, ms]) => html`<label class="preset"><input type="radio" name="duration" checked=${!keepEnd && durationMs === ms} onChange=${() => (setDuration(ms), setKeepEnd(undefined))} /> ${label}</label>`,
      )}</fieldset>
      <label for="comment">Comment</label>
      <input id="comment" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLInputElement).value)} />
      <button type="submit">${editing ? 'Save silence' : 'Create silence'}</button>
      ${result && html`<p class="result" role="status">${result}</p>`}
    </form>
  </section>`;
}

/** Why an alert was or was not sent: its route and group, what mutes or holds it, its incident, each delivery. */
function AlertPage({ id, session }: { id: string; session: Session }) {
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

function SilencesPage({ session, busy }: { session: Session; busy: boolean }) {
  const load = useCallback(() => get<{ silences: SilenceRow[] }>('/v1/silences'), []);
  const { data, error, reload } = usePoll(load, 5000, busy);
  const [result, setResult] = useState<string>();
  const expire = async (s: SilenceRow) => {
    try {
      await request('DELETE', `/v1/silences/${encodeURIComponent(s.id)}`);
      setResult(`Silence ${s.id} expired`);
    } catch (err) {
      setResult((err as Error).message);
    }
    reload();
  };
  const canManage = session.scopes.includes('manage');
  return html`<section>
    <h1>Silences</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${result && html`<p class="result" role="status">${result}</p>`}
    <table class="silences"><thead><tr><th>State</th><th>Matchers</th><th>Until</th><th>By</th><th>Comment</th><th></th></tr></thead><tbody>
      ${(data?.silences ?? []).map(
        (s) => html`<tr class="silence-row" data-id=${s.id}><td><${Badge} state=${s.status.state} /></td><td><code>${silenceMatchers(s)}</code></td><td>${when(s.ends_at)}</td><td>${s.created_by}</td><td>${s.comment}</td>
          <td>${canManage && html`${s.status.state !== 'expired' && html`<a class="button" href=${href('silence', { edit: s.id })}>Edit</a> <button type="button" onClick=${() => expire(s)}>Expire</button>`} <a class="button" href=${href('silence', { filter: silenceMatchers(s) })}>Recreate</a>`}</td></tr>`,
      )}
    </tbody></table>
  </section>`;
}

function ChecksPage({ busy }: { busy: boolean }) {
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

function StatsPage({ route }: { route: Route }) {
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

interface OutboxBody {
  messages: Array<{ channel: 'email' | 'sms'; at: string; recipients: string[]; subject?: string; body: string }>;
  posted: Array<{ channel: 'slack' | 'teams'; at: string; host: string; status: number; body: Record<string, unknown> }>;
}

/** The local runtime's outbox (GET /local/outbox): what its channels sent, as their readers would see it. */
function OutboxPage({ busy }: { busy: boolean }) {
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

const HELP: Array<[string, string]> = [
  ['/', 'search (the filter)'],
  ['j / k', 'next / previous alert'],
  ['Enter', 'why the selected alert was or was not sent'],
  ['s', 'silence the selected alert'],
  ['a', 'acknowledge (on an incident)'],
  ['g then a / i / d / s / c / t', 'alerts, incidents, deliveries, silences, checks, stats'],
  ['?', 'this help'],
  ['Esc', 'close'],
];

/** j/k: move the selection among the listed alerts (and scroll it into view). */
function moveSelection(step: number): void {
  const items = [...document.querySelectorAll<HTMLElement>('.alert[data-id]')];
  if (items.length === 0) return;
  const at = items.findIndex((el) => el.classList.contains('selected'));
  items[at]?.classList.remove('selected');
  const next = items[Math.min(items.length - 1, Math.max(0, at < 0 ? 0 : at + step))]!;
  next.classList.add('selected');
  next.setAttribute('aria-selected', 'true');
  next.focus();
}

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
        const to = ({ a: 'alerts', i: 'incidents', d: 'deliveries', s: 'silences', c: 'checks', t: 'stats' } as Record<string, string>)[e.key];
        if (to) go(href(to));
      } else if (e.key === 'j' || e.key === 'k') moveSelection(e.key === 'j' ? 1 : -1);
      else if (e.key === 'Enter' || e.key === 's') {
        const selected = document.querySelector<HTMLElement>('.alert.selected');
        const id = selected?.dataset.id;
        if (id && e.key === 'Enter') go(href('alert', {}, id));
        if (id && e.key === 's') {
          const labels = [...selected.querySelectorAll('.label')].map((l) => l.textContent ?? '').map((t) => t.replace(/^([^=]+)=(.*)$/, (_m, k: string, v: string) => matcherOf(k, v)));
          go(href('silence', { filter: labels.join(', ') }));
        }
      } else if (e.key === 'a') document.querySelector<HTMLButtonElement>('.actions button[data-action=ack]')?.click();
      lastKey.current = e.key;
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  if (!session || !signedIn()) return html`<${Login} onIn=${setSession} />`;
  let page: ComponentChildren;
  if (route.page === 'incidents') page = html`<${IncidentsPage} session=${session} busy=${busy} />`;
  else if (route.page === 'incident' && route.id) page = html`<${IncidentPage} id=${route.id} session=${session} busy=${busy} />`;
  else if (route.page === 'deliveries') page = html`<${DeliveriesPage} route=${route} session=${session} busy=${busy} />`;
  else if (route.page === 'silence' || (route.page === 'silences' && route.id === 'new')) page = html`<${SilencePage} route=${route} session=${session} onBusy=${setBusy} />`;
  else if (route.page === 'silences') page = html`<${SilencesPage} session=${session} busy=${busy} />`;
  else if (route.page === 'alert' && route.id) page = html`<${AlertPage} id=${route.id} session=${session} />`;
  else if (route.page === 'checks') page = html`<${ChecksPage} busy=${busy} />`;
  else if (route.page === 'stats') page = html`<${StatsPage} route=${route} />`;
  else if (route.page === 'outbox') page = html`<${OutboxPage} busy=${busy} />`;
  else page = html`<${AlertsPage} route=${route} session=${session} busy=${busy} />`;
  const nav = (to: string, label: string) => html`<a href=${href(to)} aria-current=${route.page === to || (to === 'incidents' && route.page === 'incident') ? 'page' : undefined}>${label}</a>`;
  return html`<div class="app">
    <header>
      <strong class="brand">alertflow</strong>
      <nav>${nav('alerts', 'Alerts')} ${nav('incidents', 'Incidents')} ${nav('silences', 'Silences')} ${nav('deliveries', 'Deliveries')} ${nav('checks', 'Checks')} ${nav('stats', 'Stats')} ${nav('outbox', 'Outbox')}</nav>
      <span class="who">${session.name} (${session.scopes.join(', ')})</span>
      <button type="button" onClick=${() => (signOut(), setSession(undefined))}>Sign out</button>
    </header>
    <main>${page}</main>
    ${help &&
    html`<div class="help" role="dialog" aria-label="keyboard shortcuts"><h2>Keyboard</h2><dl>${HELP.map(([k, d]) => html`<dt><kbd>${k}</kbd></dt><dd>${d}</dd>`)}</dl></div>`}
  </div>`;
}

render(html`<${App} />`, document.getElementById('app')!);
