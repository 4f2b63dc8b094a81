import type { Silence } from './model';

/**
 * How long a container reuses the silence list (a new silence applies at most this late): the
 * router's, and the api's for alert views, so that `silenced` there says what the router does.
 */
export const SILENCE_CACHE_MS = 1000;

export interface SilenceLoadOptions {
  /**
   * Reload unless the cached list was read strictly after this instant (epoch ms). A flush sent
   * because a silence was expired carries the time of that write; passing it here makes sure the
   * router does not re-evaluate the group against a list that still has the silence active.
   */
  freshAfter?: number;
}

/** Returns the silences that have not ended yet (pending or active), from a short-lived cache. */
export type SilenceLoader = (opts?: SilenceLoadOptions) => Promise<Silence[]>;

/**
 * The reads the cache uses: `current` (the silences not ended yet, from the listing index: cheap,
 * but eventually consistent) for its periodic reloads when the store has it, and `list` (every
 * stored silence, strongly consistent) for the first load and for a reload forced by `freshAfter`,
 * which must see the expiry that caused it.
 */
export interface SilenceSource {
  list(now: Date): Promise<Silence[]>;
  current?(now: Date): Promise<Silence[]>;
}

/**
 * A per-container cache of the silence list for the router: one Query per `ttlMs` instead of one
 * per batch. A silence created meanwhile applies at most `ttlMs` late (Alertmanager's own gossip
 * has the same kind of lag between peers). Concurrent callers share one read; a failed read is not
 * cached, so the next call retries. Silences that have ended are dropped on every call, so one
 * that ends inside the window stops applying at its `ends_at`, not at the next reload.
 *
 * With `refreshAheadMs` (< ttlMs), a call finding the list at least that old starts a reload in the
 * background and answers from the cached list, so steady traffic never waits for a reload; the list
 * served is still never older than `ttlMs`.
 */
export function cachedSilences(store: SilenceSource, ttlMs: number, clock: () => Date, refreshAheadMs?: number): SilenceLoader {
  let cached: { loadedAt: number; list: Promise<Silence[]> } | undefined;
  let refreshing = false;

  return async (opts = {}) => {
    const now = clock();
    const t = now.getTime();
    let entry = cached;
    const forced = opts.freshAfter !== undefined && entry !== undefined && entry.loadedAt <= opts.freshAfter;
    if (!entry || t - entry.loadedAt >= ttlMs || forced) {
      // A container's first load reads `list` too: it also gives older silences their list keys.
      const loading = { loadedAt: t, list: forced || !entry || !store.current ? store.list(now) : store.current(now) };
      loading.list.catch(() => {
        if (cached === loading) cached = undefined;
      });
      cached = entry = loading;
    } else if (refreshAheadMs !== undefined && t - entry.loadedAt >= refreshAheadMs && !refreshing) {
      refreshing = true;
      const loading = { loadedAt: t, list: store.current ? store.current(now) : store.list(now) };
      loading.list.then(
        () => {
          refreshing = false;
          // Unless a newer read (a forced one) replaced the list meanwhile.
          if (!cached || cached.loadedAt <= loading.loadedAt) cached = loading;
        },
        () => {
          refreshing = false;
        },
      );
    }
    const list = await entry.list;
    const nowMs = clock().getTime();
    return list.filter((s) => Date.parse(s.ends_at) > nowMs);
  };
}
