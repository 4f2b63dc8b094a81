import { ValidationError } from '../errors';
import { collectStats, type Stats, type StatsSources } from '../stats/stats';
import { parseSinceParam, parseTimeParam, retainedRange } from './paging';

/**
 * GET /v1/stats (scope `read`): what alertflow did since `since` (a duration back from `until`,
 * `7d` by default, or an RFC 3339 time) until `until` (now by default). See shared/stats/stats.ts.
 */
export interface StatsDeps extends StatsSources {
  clock: () => Date;
  /** The config's retention: nothing older is kept. */
  retentionS: number;
}

const DEFAULT_SINCE_MS = 7 * 86_400_000;

/** The answer: the window it covers, and the figures when any of it is retained. */
export type StatsAnswer = { since: string; until: string } & Partial<Stats>;

export async function getStats(deps: StatsDeps, query: { since?: string | undefined; until?: string | undefined }): Promise<StatsAnswer> {
  const now = deps.clock();
  const until = parseTimeParam(query.until, 'until') ?? now;
  const since = parseSinceParam(query.since, until, DEFAULT_SINCE_MS);
  if (since >= until) throw new ValidationError('since must be before until', [{ path: 'since', message: 'before until' }]);
  const window = retainedRange(since, until, now, deps.retentionS);
  const stats = window.from < window.to ? await collectStats(deps, window, now) : undefined;
  return { since: window.from.toISOString(), until: until.toISOString(), ...(stats ?? {}) };
}
