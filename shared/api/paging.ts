import * as z from 'zod';
import { ValidationError } from '../errors';
import { parseDuration } from '../primitives/duration';
import { Budget, labelValue, newMatcher, parseMatcherParts, regexPartsBound, type Matcher, type MatcherParts } from '../labels/matchers';
import { SILENCE_MAX_REGEX_BOUND, SILENCE_MAX_REGEX_PROGRAM } from '../silences/model';

/**
 * Paging of the list endpoints (GET /v1/alerts, /v1/groups, /v1/silences): `limit` items per page
 * (default DEFAULT_LIMIT, at most MAX_LIMIT), and an opaque `cursor`, the `next_cursor` of the
 * previous page: base64url JSON around the listing index's LastEvaluatedKey. Filters apply after
 * the key-range read, so a page reads at most READ_BUDGET index entries (and, for alerts, looks
 * at most ALERT_BUDGET alerts): it may hold fewer than `limit` items, even none, with a
 * `next_cursor` to go on. `next_cursor` is null when the listing is complete.
 */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Index entries (groups or silences) one request reads at most. */
export const READ_BUDGET = 1000;
/** Alerts one GET /v1/alerts request evaluates at most (views, silences, inhibition). */
export const ALERT_BUDGET = 5000;

export interface PageQuery {
  filter?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

export function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) {
    throw new ValidationError(`limit must be a whole number from 1 to ${MAX_LIMIT} (got ${JSON.stringify(text)})`, [{ path: 'limit', message: `1..${MAX_LIMIT}` }]);
  }
  return n;
}

/**
 * `filter` matchers, Alertmanager-style: `filter=alertname="X"`, repeatable (a repeated parameter
 * arrives comma-joined, which the matcher grammar reads as a list). Braces are optional.
 */
export function parseFilter(text: string | undefined): Matcher[] {
  if (text === undefined) return [];
  // Parsing and compiling refuse a filter alike (a malformed matcher, a bad regex).
  const invalid = (err: unknown) => {
    const message = (err as Error).message;
    return new ValidationError(`invalid filter ${JSON.stringify(text)}: ${message}`, [{ path: 'filter', message }], { cause: err });
  };
  let parts: MatcherParts[];
  try {
    parts = parseMatcherParts(text);
  } catch (err) {
    throw invalid(err);
  }
  // Compiling takes about 1 µs per instruction: a filter whose regexes may compile to more than
  // silences allow is refused by their text, before compiling.
  if (regexPartsBound(parts) > SILENCE_MAX_REGEX_BOUND) {
    const message = `its regexes may compile to more than ${SILENCE_MAX_REGEX_BOUND} RE2 instructions; they were not compiled`;
    throw new ValidationError(`invalid filter: ${message}`, [{ path: 'filter', message }]);
  }
  let matchers: Matcher[];
  try {
    matchers = parts.map(({ type, name, value }) => newMatcher(type, name, value));
  } catch (err) {
    throw invalid(err);
  }
  if (matchers.length === 0) throw new ValidationError('invalid filter: expected matchers such as alertname="DiskFull"', [{ path: 'filter', message: 'empty' }]);
  // Matching costs the value's length times the program: a filter regex has a silence regex's limit.
  const large = matchers.find((m) => m.programSize > SILENCE_MAX_REGEX_PROGRAM);
  if (large) {
    const message = `the regex of ${large.name} compiles to ${large.programSize} RE2 instructions, over the limit of ${SILENCE_MAX_REGEX_PROGRAM} for a filter regex`;
    throw new ValidationError(`invalid filter: ${message}`, [{ path: 'filter', message }]);
  }
  return matchers;
}

/**
 * The RE2 work (`Matcher.cost` units: value length + 1, times the program's size) one request may
 * spend matching its filter, over every label set it looks at. Ordinary filters over a full page
 * use a small part of it (5,000 alerts, two regexes of 50 instructions, 30-character values: 15
 * million); at the slowest patterns' 35 ns a unit (docs/adr/0002) it is under 2 s of work.
 */
export const FILTER_MATCH_BUDGET = 50_000_000;

/**
 * `matchesAll` for one request's filter, its regexes charged to one FILTER_MATCH_BUDGET: a request
 * whose filter would cost more against the labels it reads is refused with a 400 naming it, so
 * stored label values (long, repetitive ones) cannot make a filter's work unbounded.
 */
export type FilterMatch = (labels: Readonly<Record<string, string>>) => boolean;

export function filterMatcher(matchers: readonly Matcher[]): FilterMatch {
  const budget = new Budget(FILTER_MATCH_BUDGET);
  return (labels) =>
    matchers.every((m) => {
      const matched = m.matchesWithin(labelValue(labels, m.name), budget);
      if (matched === undefined) {
        const message = `matching its regexes against the stored label values would take more than this request may spend (${FILTER_MATCH_BUDGET} RE2 steps); use equality matchers or a shorter regex`;
        throw new ValidationError(`filter too costly: ${message}`, [{ path: 'filter', message }]);
      }
      return matched;
    });
}

/**
 * A key attribute of a cursor, at most what DynamoDB takes in bytes: 2,048 for a partition key and
 * 1,024 for a sort key. A longer one in a tampered cursor would make the Query fail (a 500), not a 400.
 */
const keyPart = (maxBytes: number) => z.string().min(1).refine((s) => Buffer.byteLength(s, 'utf8') <= maxBytes);
export const PartitionKeyPart = keyPart(2048);
export const SortKeyPart = keyPart(1024);
export const ListKeySchema = z.object({ pk: PartitionKeyPart, sk: SortKeyPart, lpk: PartitionKeyPart, lsk: SortKeyPart }).strict();

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * A cursor back to what `encodeCursor` made, checked against `schema` and `check` (e.g. that its
 * key lies in the range being listed): anything else, tampered or from another listing, is a
 * 400, never a Query that DynamoDB rejects.
 */
export function decodeCursor<T>(text: string | undefined, schema: z.ZodType<T>, check: (value: T) => boolean = () => true): T | undefined {
  if (text === undefined) return undefined;
  const bad = () => new ValidationError('invalid cursor: pass the next_cursor of the previous page unchanged', [{ path: 'cursor', message: 'not a cursor of this listing' }]);
  if (text.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success || !check(parsed.data)) throw bad();
  return parsed.data;
}

/** A time parameter (`from`, `to`, `since`): RFC 3339, as the API writes times. */
export function parseTimeParam(text: string | undefined, key: string): Date | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new ValidationError(`${key} must be an RFC 3339 time such as 2026-12-01T00:00:00Z (got ${JSON.stringify(text.slice(0, 64))})`, [{ path: key, message: 'an RFC 3339 time' }]);
  return new Date(ms);
}

/** `since`: a duration back from `until` ("24h", "7d") or an RFC 3339 time; `defaultMs` back when absent. */
export function parseSinceParam(text: string | undefined, until: Date, defaultMs: number): Date {
  if (text === undefined) return new Date(until.getTime() - defaultMs);
  if (/^\d/.test(text) && !text.includes('T')) {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      throw new ValidationError(`since must be a duration such as 24h or 7d, or an RFC 3339 time (got ${JSON.stringify(text.slice(0, 64))})`, [{ path: 'since', message: 'a duration or an RFC 3339 time' }]);
    }
    return new Date(until.getTime() - ms);
  }
  return parseTimeParam(text, 'since')!;
}

/** How far after now something may be stored: a day of slack for clocks and senders' times. */
export const STORED_AHEAD_MS = 86_400_000;

/**
 * A time range cut to what can be stored: nothing older than `retentionS` before `now`, and nothing
 * later than STORED_AHEAD_MS after `now`. The stores read a range one day partition at a time, so
 * a range reaching years ahead was thousands of Queries.
 */
export function retainedRange(from: Date, to: Date, now: Date, retentionS: number): { from: Date; to: Date } {
  return { from: new Date(Math.max(from.getTime(), now.getTime() - retentionS * 1000)), to: new Date(Math.min(to.getTime(), now.getTime() + STORED_AHEAD_MS)) };
}
