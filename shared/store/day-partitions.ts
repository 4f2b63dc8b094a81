/**
 * Paging through items kept in one partition per UTC day and sorted by a key that starts with an
 * ISO time (`<time>#…`): the history (`HISTORY#<day>`) and the delivery log (`DELIVERIES#<day>` in
 * the listing index). A time range is a Query per day, newest first, with no Scan.
 */

const DAY_MS = 86_400_000;
/** Day partitions one page reads at most. */
export const MAX_DAYS_PER_PAGE = 31;

/** The day partition's date (`yyyy-mm-dd`) of a key or time that starts with an ISO time. */
export const dayOf = (isoKey: string): string => isoKey.slice(0, 10);

/** One Query's answer: each item's sort key and its value (undefined: expired or gone, skipped but counted). */
export interface DayQueryResult<T> {
  items: Array<{ key: string; value: T | undefined }>;
  lastEvaluatedKey?: Record<string, unknown> | undefined;
}

/** Read one day partition (`yyyy-mm-dd`) newest first, keys in [lo, hi], at most `limit` items. */
export type DayQuery<T> = (day: string, bounds: { lo: string; hi: string }, limit: number, startKey: Record<string, unknown> | undefined) => Promise<DayQueryResult<T>>;

/**
 * Items whose key time is in [from, to), newest first, after the key `after` (a previous page's
 * `last`). Reads at most `limit` items; `last` is where to go on, unset when the range is done.
 */
export async function pageDays<T>(range: { from: Date; to: Date }, after: string | undefined, limit: number, query: DayQuery<T>): Promise<{ values: T[]; read: number; last?: string | undefined }> {
  const values: T[] = [];
  let read = 0;
  // Newest day first: the day of `after` (a cursor) or of `to`, back to the day of `from`.
  const start = after ? Math.min(Date.parse(after.slice(0, 24)) || range.to.getTime(), range.to.getTime()) : range.to.getTime() - 1;
  const firstDay = Math.floor(range.from.getTime() / DAY_MS);
  const startDay = Math.floor(start / DAY_MS);
  const bounds = { lo: range.from.toISOString(), hi: upperBound(range.to, after) };
  for (let day = startDay; day >= firstDay && read < limit; day--) {
    // A long range of empty days is a Query each: stop after a month of them, with a cursor at the
    // start of the last day read (every key of that day sorts above it).
    if (startDay - day >= MAX_DAYS_PER_PAGE) return { values, read, last: `${new Date((day + 1) * DAY_MS).toISOString()}#` };
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await query(dayOf(new Date(day * DAY_MS).toISOString()), bounds, limit - read, startKey);
      for (const item of res.items) {
        read++;
        if (item.value !== undefined) values.push(item.value);
        if (read >= limit) return { values, read, last: item.key };
      }
      startKey = res.lastEvaluatedKey;
    } while (startKey);
  }
  return { values, read };
}

/**
 * The highest key to read: below `to` (keys start with the ISO time, and `#` sorts before every ISO
 * digit, so `<to>` excludes what is at `to`), and below the cursor. BETWEEN is inclusive, so each
 * bound steps just below (`after` itself was already returned).
 */
function upperBound(to: Date, after: string | undefined): string {
  const end = to.toISOString();
  const below = (key: string) => key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) - 1) + '\uffff';
  return after !== undefined && after < end ? below(after) : below(end);
}
