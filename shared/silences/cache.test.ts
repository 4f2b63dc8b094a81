import { describe, expect, it } from 'vitest';
import { cachedSilences } from './cache';
import type { Silence } from './model';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const MIN = 60_000;

function silence(id: string, endsInMs: number): Silence {
  return {
    id,
    matchers: [{ name: 'alertname', value: 'X', isRegex: false, isEqual: true }],
    starts_at: new Date(T0 - MIN).toISOString(),
    ends_at: new Date(T0 + endsInMs).toISOString(),
    created_by: 'alice',
    comment: 'c',
    updated_at: new Date(T0 - MIN).toISOString(),
  };
}

/** A store whose list() answers `contents` (read at call time) and counts calls. */
function fakeStore(contents: () => Silence[] | Error) {
  const store = {
    calls: 0,
    async list(): Promise<Silence[]> {
      store.calls++;
      await Promise.resolve();
      const c = contents();
      if (c instanceof Error) throw c;
      return c;
    },
  };
  return store;
}

describe('cachedSilences', () => {
  it('reads once per ttl, shares a read between concurrent callers, and reloads after the ttl', async () => {
    let now = T0;
    let list = [silence('a', 10 * MIN)];
    const store = fakeStore(() => list);
    const load = cachedSilences(store, 5_000, () => new Date(now));

    const [x, y] = await Promise.all([load(), load()]);
    expect(x.map((s) => s.id)).toEqual(['a']);
    expect(y).toEqual(x);
    expect(store.calls).toBe(1);

    list = [silence('a', 10 * MIN), silence('b', 10 * MIN)];
    now += 4_999;
    expect((await load()).map((s) => s.id)).toEqual(['a']);
    expect(store.calls).toBe(1);

    now += 1;
    expect((await load()).map((s) => s.id)).toEqual(['a', 'b']);
    expect(store.calls).toBe(2);
  });

  it('drops silences that end while cached, at their ends_at', async () => {
    let now = T0;
    const load = cachedSilences(fakeStore(() => [silence('short', 2_000), silence('long', 10 * MIN)]), 60_000, () => new Date(now));

    expect((await load()).map((s) => s.id)).toEqual(['short', 'long']);
    now = T0 + 2_000;
    expect((await load()).map((s) => s.id)).toEqual(['long']);
  });

  it('reloads when asked for a list read after a given instant (a flush after an expire)', async () => {
    let now = T0;
    const store = fakeStore(() => [silence('a', 10 * MIN)]);
    const load = cachedSilences(store, 60_000, () => new Date(now));

    await load();
    now += 1_000;
    await load({ freshAfter: T0 - 1 });
    expect(store.calls).toBe(1);
    await load({ freshAfter: T0 });
    expect(store.calls).toBe(2);
    // The reload was read at T0 + 1000, after the instant asked for: no further reads.
    await load({ freshAfter: T0 + 500 });
    expect(store.calls).toBe(2);
  });

  it('does not cache a failed read', async () => {
    let fail = true;
    const store = fakeStore(() => (fail ? new Error('throttled') : [silence('a', 10 * MIN)]));
    const load = cachedSilences(store, 60_000, () => new Date(T0));

    await expect(load()).rejects.toThrow('throttled');
    fail = false;
    expect((await load()).map((s) => s.id)).toEqual(['a']);
    expect(store.calls).toBe(2);
  });

  it('loads consistently (list) first and when a flush asks for freshness, from the index (current) on its ttl', async () => {
    let now = T0;
    const reads: string[] = [];
    const store = {
      list: async () => (reads.push('list'), [silence('a', 10 * MIN)]),
      current: async () => (reads.push('current'), [silence('a', 10 * MIN)]),
    };
    const load = cachedSilences(store, 1_000, () => new Date(now));
    await load();
    now += 1_000;
    await load();
    now += 1_000;
    await load();
    await load({ freshAfter: now });
    expect(reads).toEqual(['list', 'current', 'current', 'list']);
  });

  it('with refreshAheadMs, reloads in the background and answers from the cached list meanwhile', async () => {
    let now = T0;
    let list = [silence('a', 10 * MIN)];
    const store = fakeStore(() => list);
    const load = cachedSilences(store, 1_000, () => new Date(now), 500);
    expect((await load()).map((s) => s.id)).toEqual(['a']);
    list = [silence('a', 10 * MIN), silence('b', 10 * MIN)];
    now += 499;
    expect((await load()).map((s) => s.id)).toEqual(['a']);
    expect(store.calls).toBe(1);
    now += 1;
    // Starts the reload, answers from the cache.
    expect((await load()).map((s) => s.id)).toEqual(['a']);
    expect(store.calls).toBe(2);
    await new Promise((r) => setTimeout(r, 0));
    now += 100;
    expect((await load()).map((s) => s.id)).toEqual(['a', 'b']);
    expect(store.calls).toBe(2);
    // Past the ttl of the list served, a call waits for a fresh read (it never serves older).
    list = [silence('c', 10 * MIN)];
    now += 1_000;
    expect((await load()).map((s) => s.id)).toEqual(['c']);
    expect(store.calls).toBe(3);
  });
});
