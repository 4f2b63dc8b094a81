import type { Silence } from './model';

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
 * A per-container cache of the silence list for the router: one Query per `ttlMs` instead of one
 * per batch. A silence created meanwhile applies at most `ttlMs` late (Alertmanager's own gossip
 * has the same kind of lag between peers). Concurrent callers share one read; a failed read is not
 * cached, so the next call retries. Silences that have ended are dropped on every call, so one
 * that ends inside the window stops applying at its `ends_at`, not at the next reload.
 */
export function cachedSilences(store: { list(now: Date): Promise<Silence[]> }, ttlMs: number, clock: () => Date): SilenceLoader {
  let cached: { loadedAt: number; list: Promise<Silence[]> } | undefined;

  return async (opts = {}) => {
    const now = clock();
    const t = now.getTime();
    let entry = cached;
    if (!entry || t - entry.loadedAt >= ttlMs || (opts.freshAfter !== undefined && entry.loadedAt <= opts.freshAfter)) {
      const loading = { loadedAt: t, list: store.list(now) };
      loading.list.catch(() => {
        if (cached === loading) cached = undefined;
      });
      cached = entry = loading;
    }
    const list = await entry.list;
    const nowMs = clock().getTime();
    return list.filter((s) => Date.parse(s.ends_at) > nowMs);
  };
}
