import * as z from 'zod';
import { ValidationError, type Issue } from '../../errors';
import { formatPath } from '../../primitives/issues';
import { memoByText } from '../memo';

/** Helpers shared by the normalizers: parsing with readable issues, and timestamps. */

/** A request with thousands of bad alerts still gets a bounded error body. */
const MAX_ISSUES = 50;

/**
 * Parse `input` with `schema` or throw a ValidationError. `what` names the input ("Alertmanager
 * webhook body"); `prefix` is prepended to issue paths when the input sits inside a larger one.
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix: readonly PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  throw invalid(what, zodIssues(result.error, prefix));
}

/** Issues of a failed parse, paths formatted as `alerts[3].labels.alertname`. */
export function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): Issue[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message: issue.code === 'unrecognized_keys' ? unknownKeys(issue.keys) : issue.message,
  }));
}

/** The error for a list of issues: the message names the first one, `details` lists them all. */
export function invalid(what: string, issues: Issue[]): ValidationError {
  const first = issues[0] ?? { path: '(root)', message: 'invalid' };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ValidationError(`invalid ${what}: ${first.path}: ${first.message}${more}`, issues.slice(0, MAX_ISSUES));
}

export function issue(path: readonly PropertyKey[], message: string): Issue {
  return { path: formatPath(path), message };
}

// Messages describe the expected shape, never echo the input (bodies may carry anything).
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  if ((iss.code === 'invalid_type' || iss.code === 'invalid_value') && iss.input === undefined) return 'Required';
  if (iss.code === 'invalid_type') return `expected ${iss.expected}, got ${kindOf(iss.input)}`;
  return undefined;
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function unknownKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k));
  return `unknown key${keys.length > 1 ? 's' : ''} ${shown.join(', ')}${keys.length > 10 ? ', …' : ''}`;
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// RFC 3339 as Go, Grafana and AWS write it: any number of fraction digits, and an offset in either
// `+00:00` or the `+0000` form CloudWatch uses (which Date.parse does not accept).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** The instants a four-digit UTC year can write: 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z. */
const FIRST_INSTANT_MS = utcMs(0, 1, 1, 0, 0, 0, 0);
const LAST_INSTANT_MS = utcMs(9999, 12, 31, 23, 59, 59, 999);

/**
 * Recent parses, by text. The alerts of one request share timestamps (a rule evaluation's start,
 * Go's zero time as the end of every firing alert), and each is parsed when validated and again
 * when normalized.
 */
const parseRemembered = memoByText(256, parseUncached);
/**
 * Longer than any RFC 3339 timestamp ("2026-11-22T06:15:45.123456789+00:00" is 35): such a text is
 * not kept, so a request cannot park large strings in the memo.
 */
const PARSED_TEXT_MAX = 40;

/** Milliseconds since the epoch, or undefined when `text` is not an RFC 3339 timestamp. */
export function parseTimestamp(text: string): number | undefined {
  return text.length > PARSED_TEXT_MAX ? undefined : parseRemembered(text);
}

function parseUncached(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offH = Number(m[10] ?? 0);
  const offM = Number(m[11] ?? 0);
  if (offH > 23 || offM > 59) return undefined;
  // Sub-millisecond precision is dropped (the model keeps milliseconds). Computed from the fields
  // rather than by Date.parse of a rebuilt string: this runs for every timestamp of every alert.
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const offsetMs = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  const ms = utcMs(year, month, day, hour, minute, second, millis) - offsetMs;
  // An offset can move year 0000 or 9999 out of the four-digit years: the instant would be written
  // `-000001-…` or `+010000-…`, which the queue message's schema refuses after ingest said 2xx.
  return ms >= FIRST_INSTANT_MS && ms <= LAST_INSTANT_MS ? ms : undefined;
}

/** Date.UTC, also for years 0-99 (which Date.UTC reads as 1900-1999). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year >= 100) return ms;
  const d = new Date(ms);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An RFC 3339 timestamp string, checked at parse time. */
export const Timestamp = z
  .string()
  .refine((text) => parseTimestamp(text) !== undefined, 'expected an RFC 3339 timestamp with offset, e.g. "2026-11-22T06:15:10Z"');

/** Go's zero time.Time ("0001-01-01T00:00:00Z"), which Alertmanager and Grafana send for "unset". */
export const GO_ZERO_TIME = -62_135_596_800_000;

/** ISO-8601 UTC (`...Z`, milliseconds) for a timestamp that passed `Timestamp`. */
export function toIsoUtc(text: string): string {
  const ms = parseTimestamp(text);
  if (ms === undefined) throw new Error('toIsoUtc: not a timestamp (validate with Timestamp first)');
  return new Date(ms).toISOString();
}

/** Like toIsoUtc, but Go's zero time (and a missing value) mean "unset". */
export function optionalIsoUtc(text: string | null | undefined): string | undefined {
  if (text === undefined || text === null) return undefined;
  const ms = parseTimestamp(text);
  if (ms === undefined || ms <= GO_ZERO_TIME) return undefined;
  return new Date(ms).toISOString();
}
