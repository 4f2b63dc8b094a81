/**
 * Alertmanager's `time_intervals` (`timeinterval/timeinterval.go`): the config entries routes name in
 * `mute_time_intervals` / `active_time_intervals`, and the test whether an instant falls inside one.
 * Parsing and matching follow Alertmanager so a block pasted from alertmanager.yml behaves the same;
 * where this module is stricter it rejects a config Alertmanager would accept but that cannot mean
 * what its author intended (see the notes at the parsers). A leaf, as Alertmanager's package is:
 * it imports nothing of the project but errors.ts.
 */
import * as z from 'zod';
import { ConfigError } from '../errors';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;

/** An inclusive range of integers; for `times`, minutes of the day with `end` exclusive. */
export interface IntRange {
  readonly begin: number;
  readonly end: number;
}

/** One entry of a named interval's `time_intervals`, parsed. An absent field matches everything. */
export interface CompiledInterval {
  /** Minutes since local midnight, [begin, end). */
  readonly times?: readonly IntRange[];
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekdays?: readonly IntRange[];
  /** 1…31, or -31…-1 counted back from the month's last day. */
  readonly daysOfMonth?: readonly IntRange[];
  /** 1 = January … 12 = December. */
  readonly months?: readonly IntRange[];
  readonly years?: readonly IntRange[];
  /** IANA zone every field is evaluated in. */
  readonly location: string;
}

// ---------------------------------------------------------------------------------------------
// Parsers. Each throws an Error whose message is shown to the user as the validation issue; the
// zod schema and compileTimeIntervals share them so the two can never disagree.
// ---------------------------------------------------------------------------------------------

/** `HH:MM` to minutes since midnight. Two-digit hours as Alertmanager requires; `24:00` only as an end. */
function parseClock(field: 'start_time' | 'end_time', text: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`${field} ${JSON.stringify(text)} is not a time in HH:MM form`);
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) {
    throw new Error(`${field} ${text} is out of range (00:00 to 24:00)`);
  }
  return hours * 60 + minutes;
}

function parseTimeRange(start: string, end: string): IntRange {
  const begin = parseClock('start_time', start);
  const stop = parseClock('end_time', end);
  // Alertmanager has no overnight ranges: 22:00–06:00 is two entries, 22:00–24:00 and 00:00–06:00.
  if (begin >= stop) {
    throw new Error(
      `start_time ${start} must be before end_time ${end}` +
        (begin > stop ? ` (a range cannot cross midnight; split it into ${start}–24:00 and 00:00–${end})` : ''),
    );
  }
  return { begin, end: stop };
}

/**
 * Alertmanager lower-cases the whole entry and splits it at `:`; one member means begin = end.
 * YAML may hand us a number (`years: [2026]`), which Alertmanager's YAML decoder accepts as text.
 */
function splitRange(kind: string, raw: string | number): [string, string] {
  const text = String(raw).toLowerCase();
  const parts = text.split(':');
  if (parts.length > 2) throw new Error(`${kind} range ${JSON.stringify(String(raw))} must be one value or "start:end"`);
  const first = parts[0] ?? '';
  return [first, parts[1] ?? first];
}

function parseInteger(kind: string, text: string): number {
  // Go's strconv.Atoi: optional sign, decimal digits.
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`${kind} ${JSON.stringify(text)} is not an integer`);
  return Number(text);
}

function parseWeekdayRange(raw: string | number): IntRange {
  const [a, b] = splitRange('weekday', raw);
  const day = (name: string): number => {
    // Numbers are refused as in Alertmanager ("1 is not a valid weekday"): 0 = Sunday is too easy to get wrong.
    const i = WEEKDAYS.indexOf(name as (typeof WEEKDAYS)[number]);
    if (i < 0) throw new Error(`weekday ${JSON.stringify(name)} is not a weekday (sunday … saturday)`);
    return i;
  };
  const begin = day(a);
  const end = day(b);
  // Alertmanager refuses a range that wraps past Saturday; say how to write it instead.
  if (begin > end) {
    const head = begin === 6 ? 'saturday' : `${WEEKDAYS[begin]}:saturday`;
    const tail = end === 0 ? 'sunday' : `sunday:${WEEKDAYS[end]}`;
    throw new Error(
      `weekday range ${JSON.stringify(String(raw))} ends before it starts; ranges do not wrap around the week, ` +
        `use ${JSON.stringify(head)} and ${JSON.stringify(tail)}`,
    );
  }
  return { begin, end };
}

function parseDayOfMonthRange(raw: string | number): IntRange {
  const [a, b] = splitRange('day of month', raw);
  const begin = parseInteger('day of month', a);
  const end = parseInteger('day of month', b);
  for (const n of [begin, end]) {
    if (n === 0 || n < -31 || n > 31) {
      throw new Error(`day of month ${n} is out of range (1 to 31, or -31 to -1 counting back from the last day)`);
    }
  }
  // Alertmanager allows "1:-1" (positive start, negative end) but not "-15:5": in short months the
  // latter would run backwards.
  if (begin < 0 && end > 0) {
    throw new Error(`day of month range ${JSON.stringify(String(raw))}: the end must be negative when the start is negative`);
  }
  // Alertmanager's check for a range that is empty in every month: negative days are placed in a
  // 28-day month as 28 + n (so it also refuses "28:-1", which only February could satisfy).
  const checkBegin = begin < 0 ? 28 + begin : begin;
  const checkEnd = end < 0 ? 28 + end : end;
  if (checkBegin > checkEnd) {
    throw new Error(`day of month range ${JSON.stringify(String(raw))}: end day ${end} is always before start day ${begin}`);
  }
  return { begin, end };
}

function parseMonthRange(raw: string | number): IntRange {
  const [a, b] = splitRange('month', raw);
  const month = (text: string): number => {
    const named = MONTHS.indexOf(text as (typeof MONTHS)[number]);
    if (named >= 0) return named + 1;
    if (!/^[+-]?\d+$/.test(text)) throw new Error(`month ${JSON.stringify(text)} is not a month (january … december or 1 … 12)`);
    const n = Number(text);
    // Stricter than Alertmanager, which accepts 13 and then never matches it.
    if (n < 1 || n > 12) throw new Error(`month ${n} is out of range (1 to 12)`);
    return n;
  };
  const begin = month(a);
  const end = month(b);
  if (begin > end) {
    const head = begin === 12 ? 'december' : `${MONTHS[begin - 1]}:december`;
    const tail = end === 1 ? 'january' : `january:${MONTHS[end - 1]}`;
    throw new Error(
      `month range ${JSON.stringify(String(raw))} ends before it starts; ranges do not wrap around the year, ` +
        `use ${JSON.stringify(head)} and ${JSON.stringify(tail)}`,
    );
  }
  return { begin, end };
}

function parseYearRange(raw: string | number): IntRange {
  const [a, b] = splitRange('year', raw);
  const begin = parseInteger('year', a);
  const end = parseInteger('year', b);
  if (begin > end) throw new Error(`year range ${JSON.stringify(String(raw))}: end year ${end} is before start year ${begin}`);
  return { begin, end };
}

/** The zone to evaluate in; absent or `''` is UTC, as Go's `time.LoadLocation("")`. */
function parseLocation(name: string | undefined): string {
  if (name === undefined || name === '') return 'UTC';
  // Go's "Local" is the host's zone: the machine's locally, UTC on Lambda. Refuse rather than differ.
  if (name === 'Local') throw new Error('location "Local" is not supported; name an IANA zone such as "Europe/Berlin" or "UTC"');
  // Newer Intl (Node 22) accepts offsets like "+01:00"; Go's LoadLocation does not, and an offset has
  // no DST rules, so only zone names are accepted.
  const offset = /^[+-]\d/.test(name);
  try {
    if (offset) throw new RangeError('offset');
    formatterFor(name);
  } catch {
    throw new Error(`location ${JSON.stringify(name)} is not a known IANA time zone (e.g. "Europe/Berlin", "America/New_York", "UTC")`);
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

/** Runs a parser inside a zod check; its error message becomes the issue. Returns whether it parsed. */
function check(ctx: z.RefinementCtx, parse: () => unknown, path?: string[]): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, ...(path && { path }) });
    return false;
  }
}

const RangeEntry = (example: string) =>
  z.union([z.string(), z.number()], { error: `expected a string such as ${JSON.stringify(example)}` });

/**
 * A list field. `[]` is refused: Alertmanager reads an empty list as "matches nothing", while an
 * absent field matches everything — a silent trap either way.
 */
const RangeList = (field: string, example: string, parse: (raw: string | number) => unknown) =>
  z
    .array(RangeEntry(example).superRefine((raw, ctx) => void check(ctx, () => parse(raw))))
    .min(1, `${field}: [] never matches; omit ${field} to match every value`)
    .optional();

const Clock = (field: 'start_time' | 'end_time') =>
  z.string({
    error: (iss) => (iss.input === undefined ? `${field} is required (HH:MM)` : `${field} must be a string "HH:MM" (quote it in YAML)`),
  });

export const TimeRangeConfig = z
  .object({ start_time: Clock('start_time'), end_time: Clock('end_time') })
  .strict()
  .superRefine((r, ctx) => {
    // Report each bad end at its own key; the ordering only once both parse.
    const start = check(ctx, () => parseClock('start_time', r.start_time), ['start_time']);
    const end = check(ctx, () => parseClock('end_time', r.end_time), ['end_time']);
    if (start && end) check(ctx, () => parseTimeRange(r.start_time, r.end_time));
  });
export type TimeRangeConfig = z.infer<typeof TimeRangeConfig>;

/** One entry of `time_intervals[].time_intervals`: Alertmanager's `TimeInterval`. */
export const TimeInterval = z
  .object({
    times: z.array(TimeRangeConfig).min(1, 'times: [] never matches; omit times to match the whole day').optional(),
    weekdays: RangeList('weekdays', 'monday:friday', parseWeekdayRange),
    days_of_month: RangeList('days_of_month', '1:5', parseDayOfMonthRange),
    months: RangeList('months', 'january:march', parseMonthRange),
    years: RangeList('years', '2026:2030', parseYearRange),
    location: z
      .string({ error: 'location must be a string such as "Europe/Berlin"' })
      .superRefine((name, ctx) => void check(ctx, () => parseLocation(name)))
      .optional(),
  })
  .strict();
export type TimeInterval = z.infer<typeof TimeInterval>;

/** One named entry of the top-level `time_intervals` list. */
export const TimeIntervalConfig = z
  .object({
    name: z.string({ error: 'a time interval needs a name' }).min(1, 'a time interval needs a name'),
    // An empty list is allowed (as in Alertmanager): a named interval that is never active.
    time_intervals: z.array(TimeInterval, { error: 'time_intervals must be a list of intervals' }),
  })
  .strict();
export type TimeIntervalConfig = z.infer<typeof TimeIntervalConfig>;

/** The top-level `time_intervals` list; names must be unique (routes refer to them by name). */
export const TimeIntervalConfigs = z.array(TimeIntervalConfig).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((ti, i) => {
    if (seen.has(ti.name)) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `time interval ${JSON.stringify(ti.name)} is defined more than once` });
    }
    seen.add(ti.name);
  });
});

// ---------------------------------------------------------------------------------------------
// Compile and evaluate
// ---------------------------------------------------------------------------------------------

/**
 * Parse the config's `time_intervals` into name → intervals. Throws ConfigError (with the key
 * path) on anything the schema refuses, so it is safe on unvalidated input too.
 */
export function compileTimeIntervals(configs: readonly TimeIntervalConfig[]): Map<string, CompiledInterval[]> {
  const out = new Map<string, CompiledInterval[]>();
  configs.forEach((cfg, i) => {
    const base = `time_intervals[${i}]`;
    if (typeof cfg.name !== 'string' || cfg.name === '') fail(`${base}.name`, 'a time interval needs a name');
    if (out.has(cfg.name)) fail(`${base}.name`, `time interval ${JSON.stringify(cfg.name)} is defined more than once`);
    out.set(
      cfg.name,
      cfg.time_intervals.map((ti, j) => compileOne(ti, `${base}.time_intervals[${j}]`)),
    );
  });
  return out;
}

function compileOne(ti: TimeInterval, path: string): CompiledInterval {
  const list = <T>(field: string, values: readonly T[] | undefined, parse: (v: T) => IntRange): IntRange[] | undefined => {
    if (values === undefined) return undefined;
    if (values.length === 0) fail(`${path}.${field}`, `${field}: [] never matches; omit ${field} to match every value`);
    return values.map((v, k) => attempt(`${path}.${field}[${k}]`, () => parse(v)));
  };
  const times = list('times', ti.times, (r) => parseTimeRange(r.start_time, r.end_time));
  const weekdays = list('weekdays', ti.weekdays, parseWeekdayRange);
  const daysOfMonth = list('days_of_month', ti.days_of_month, parseDayOfMonthRange);
  const months = list('months', ti.months, parseMonthRange);
  const years = list('years', ti.years, parseYearRange);
  return {
    ...(times && { times }),
    ...(weekdays && { weekdays }),
    ...(daysOfMonth && { daysOfMonth }),
    ...(months && { months }),
    ...(years && { years }),
    location: attempt(`${path}.location`, () => parseLocation(ti.location)),
  };
}

function attempt<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    return fail(path, (err as Error).message);
  }
}

function fail(path: string, message: string): never {
  throw new ConfigError(`invalid time interval: ${path}: ${message}`, [{ path, message }]);
}

/** True if `at` falls in any of the intervals (one named `time_intervals` list). */
export function isActive(intervals: readonly CompiledInterval[], at: Date): boolean {
  if (!Number.isFinite(at.getTime())) throw new TypeError('isActive: invalid Date');
  return intervals.some((ti) => containsTime(ti, at));
}

/**
 * Alertmanager's `Intervener`: which of `names` are active at `at`. A route is muted when any of its
 * `mute_time_intervals` is active, and (with `active_time_intervals`) sends only when one of those is.
 * Throws on a name the config does not define, as Alertmanager does.
 */
export function activeIntervalNames(
  names: readonly string[],
  compiled: ReadonlyMap<string, readonly CompiledInterval[]>,
  at: Date,
): string[] {
  return names.filter((name) => {
    const intervals = compiled.get(name);
    if (!intervals) throw new Error(`time interval ${JSON.stringify(name)} doesn't exist in config`);
    return isActive(intervals, at);
  });
}

function containsTime(ti: CompiledInterval, at: Date): boolean {
  const t = wallClock(at, ti.location);
  const within = (ranges: readonly IntRange[] | undefined, v: number) =>
    ranges === undefined || ranges.some((r) => v >= r.begin && v <= r.end);

  if (ti.times && !ti.times.some((r) => t.minute >= r.begin && t.minute < r.end)) return false;
  if (ti.daysOfMonth) {
    const dim = daysInMonth(t.year, t.month);
    const hit = ti.daysOfMonth.some((r) => {
      let begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      let end = r.end < 0 ? dim + r.end + 1 : r.end;
      // "30:31" in February: no day of this month; clamping would turn it into the 28th.
      if (begin > dim) return false;
      begin = clamp(begin, -dim, dim);
      end = clamp(end, -dim, dim);
      return t.day >= begin && t.day <= end;
    });
    if (!hit) return false;
  }
  return within(ti.months, t.month) && within(ti.weekdays, t.weekday) && within(ti.years, t.year);
}

const clamp = (n: number, min: number, max: number) => Math.min(Math.max(n, min), max);

/**
 * Calendar length of the month. Alertmanager once divided the month's elapsed hours by 24, which
 * gave 30 for a 31-day month with a spring-forward change (alertmanager#5447); the calendar is right.
 */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
}

// Building a DateTimeFormat is costly; one per zone, reused for every evaluation.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      // h23: midnight is 00, never 24 (which some engines give with hour12: false).
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The local date and time of `at` in `zone`; the offset in force at that instant, so DST-correct. */
function wallClock(at: Date, zone: string): WallClock {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const p of formatterFor(zone).formatToParts(at)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const year = parts.year ?? NaN;
  const month = parts.month ?? NaN;
  const day = parts.day ?? NaN;
  // Weekday from the local date, not from a locale's weekday name.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return { year, month, day, weekday: d.getUTCDay(), minute: (parts.hour ?? NaN) * 60 + (parts.minute ?? NaN) };
}
