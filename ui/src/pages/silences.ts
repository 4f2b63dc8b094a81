/** Making and editing a silence (with its preview), and the list of silences. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, post, request, type Session } from '../api';
import { go, href, type Route } from '../route';
import { Badge, html, silenceMatchers, usePoll, when } from '../common';
import type { AlertRow, SilenceRow } from '../types';

const PRESETS: Array<[string, number]> = [
  ['1 hour', 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 7 * 86_400_000],
];

export function SilencePage({ route, session, onBusy }: { route: Route; session: Session; onBusy: (b: boolean) => void }) {
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

export function SilencesPage({ session, busy }: { session: Session; busy: boolean }) {
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
