/**
 * The dashboard: sign-in, the pages (ui/src/pages/), and the keyboard. Served at /ui (shared/ui/).
 */
import { render, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, signedIn, signIn, signOut, type Session } from './api';
import { currentRoute, go, href } from './route';
import { html, matcherOf } from './common';
import { AlertPage, AlertsPage, moveSelection } from './pages/alerts';
import { IncidentPage, IncidentsPage } from './pages/incidents';
import { SilencePage, SilencesPage } from './pages/silences';
import { DeliveriesPage } from './pages/deliveries';
import { ChecksPage } from './pages/checks';
import { StatsPage } from './pages/stats';
import { OutboxPage } from './pages/outbox';

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
