import { readFileSync } from 'node:fs';

/** A fixture from test/fixtures, parsed (a fresh copy per call, so tests may mutate it). */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

/** The `body` of a captured Alertmanager request. */
export function alertmanagerBody(name: string): Record<string, unknown> & { alerts: Record<string, unknown>[] } {
  return fixture<{ body: Record<string, unknown> & { alerts: Record<string, unknown>[] } }>(`alertmanager/${name}.json`).body;
}

export const ALERTMANAGER_FIXTURES = [
  'firing-error-rate-critical',
  'firing-disk-warning',
  'firing-manual-no-annotations',
  'resolved-disk-warning',
  'resolved-manual',
] as const;

/** Run `fn` and return what it threw (fails the test when it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
