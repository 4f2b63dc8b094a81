import * as z from 'zod';
import { ValidationError } from '../errors';
import { historyKey, type HistoryEntry, type HistoryStore } from '../history/history';
import type { IncidentStore } from '../store/port';
import { pageIncidents } from './incidents';
import { decodeCursor, encodeCursor, filterMatcher, parseFilter, parseLimit, parseTimeParam, READ_BUDGET, retainedRange, SortKeyPart, type FilterMatch, type PageQuery } from './paging';

/**
 * GET /v1/history (scope `read`): what happened in a time range, newest first. `kind=alerts` (the
 * default): alerts that resolved in [from, to), from the history the router keeps for the
 * config's `retention`. `kind=incidents`: incidents that started in [from, to), resolved and open.
 * `filter` matchers apply to an alert's labels or an incident's group labels. Paged as the other
 * listings: `limit`, an opaque `cursor`, at most READ_BUDGET entries read per request.
 */
export interface HistoryDeps {
  history: HistoryStore;
  incidents: Pick<IncidentStore, 'page'>;
  clock: () => Date;
  /** The config's retention: the oldest `from` that can have anything. */
  retentionS: number;
}

type HistoryQuery = PageQuery & { kind?: string | undefined; from?: string | undefined; to?: string | undefined };

const DEFAULT_RANGE_MS = 86_400_000;

export async function listHistory(deps: HistoryDeps, query: HistoryQuery): Promise<Record<string, unknown>> {
  const now = deps.clock();
  const kind = query.kind ?? 'alerts';
  if (kind !== 'alerts' && kind !== 'incidents') throw new ValidationError(`kind must be alerts or incidents (got ${JSON.stringify(kind)})`, [{ path: 'kind', message: 'alerts | incidents' }]);
  const to = parseTimeParam(query.to, 'to') ?? now;
  const from = parseTimeParam(query.from, 'from') ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from >= to) throw new ValidationError('from must be before to', [{ path: 'from', message: 'before to' }]);
  const matchers = parseFilter(query.filter);
  const limit = parseLimit(query.limit);
  const range = retainedRange(from, to, now, deps.retentionS);
  const window = { from: from.toISOString(), to: to.toISOString() };
  const matches = filterMatcher(matchers);
  return kind === 'alerts' ? { kind, ...window, ...(await alerts(deps, range, matches, limit, query.cursor, now)) } : { kind, ...window, ...(await incidents(deps, range, matches, limit, query.cursor, now)) };
}

const AlertCursor = z.object({ a: SortKeyPart.refine((a) => a.length >= 25) }).strict();

async function alerts(deps: HistoryDeps, range: { from: Date; to: Date }, matches: FilterMatch, limit: number, cursorText: string | undefined, now: Date) {
  const cursor = decodeCursor(cursorText, AlertCursor, (c) => c.a < range.to.toISOString() && c.a >= range.from.toISOString());
  const out: ReturnType<typeof alertView>[] = [];
  let after = cursor?.a;
  let read = 0;
  for (;;) {
    const page = await deps.history.page(range, after, Math.min(READ_BUDGET - read, PAGE_READ), now);
    read += page.read;
    for (const e of page.entries) {
      if (!matches(e.labels)) continue;
      out.push(alertView(e));
      // A full page: the next one starts after this entry.
      if (out.length >= limit) return { alerts: out, next_cursor: encodeCursor({ a: historyKey(e) }) };
    }
    if (page.last === undefined) return { alerts: out, next_cursor: null };
    after = page.last;
    if (read >= READ_BUDGET) return { alerts: out, next_cursor: encodeCursor({ a: after }) };
  }
}

/** Entries read per store call: a filter may match few of them. */
const PAGE_READ = 250;

function alertView(e: HistoryEntry) {
  return {
    fingerprint: e.fingerprint,
    labels: e.labels,
    annotations: e.annotations,
    starts_at: e.startsAt,
    resolved_at: e.resolvedAt,
    duration_s: Math.max(0, Math.round((Date.parse(e.resolvedAt) - Date.parse(e.startsAt)) / 1000)),
    receiver: e.receiver,
    group_id: e.groupId,
    group_key: e.groupKey,
  };
}

/** Incidents list newest first by start, open ones then resolved ones; each listing is read until it starts before `from`. */
function incidents(deps: HistoryDeps, range: { from: Date; to: Date }, matches: FilterMatch, limit: number, cursor: string | undefined, now: Date) {
  const from = range.from.getTime();
  const to = range.to.getTime();
  return pageIncidents(deps.incidents, ['open', 'resolved'], { cursor, limit, now }, (i) =>
    i.startedAt >= to ? 'skip' : i.startedAt < from ? 'stop' : matches(i.groupLabels) ? 'take' : 'skip',
  );
}
