import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import type { SilenceRow } from './types';

/** htm bound to Preact: components written as tagged templates, no JSX compile step. */
export const html = htm.bind(h);

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '');

export const seconds = (s: number | null) => (s === null ? '–' : s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export const silenceMatchers = (s: SilenceRow) => s.matchers.map((m) => `${m.name}${m.is_equal ? '=' : '!'}${m.is_regex ? '~' : m.is_equal ? '' : '='}${JSON.stringify(m.value)}`).join(', ');

export const matcherOf = (name: string, value: string) => `${name}=${JSON.stringify(value)}`;

/** Add a matcher to a filter in Alertmanager syntax (`{a="b", c="d"}` or a bare list). */
export const withMatcher = (filter: string, m: string) => {
  const inner = filter.trim().replace(/^\{|\}$/g, '').trim();
  return inner ? `${inner}, ${m}` : m;
};

export function usePoll<T>(load: () => Promise<T>, everyMs: number, paused: boolean): { data: T | undefined; error: string | undefined; reload: () => void } {
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
export function Countdown({ at }: { at: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.round((Date.parse(at) - now) / 1000));
  const hms = [Math.floor(left / 3600), Math.floor((left % 3600) / 60), left % 60].map((n, i) => (i === 0 ? String(n) : String(n).padStart(2, '0'))).join(':');
  return html`<span class="countdown" aria-label=${`in ${hms}`}>(in ${hms})</span>`;
}

export function Badge({ state }: { state: string }) {
  return html`<span class=${`badge badge-${state}`} data-state=${state}>${state}</span>`;
}

export function Labels({ labels, onPick }: { labels: Record<string, string>; onPick?: (m: string) => void }) {
  return html`<span class="labels">${Object.entries(labels).map(
    ([k, v]) => html`<button type="button" class="label" title="filter by this label" onClick=${() => onPick?.(matcherOf(k, v))}>${k}=${v}</button>`,
  )}</span>`;
}
