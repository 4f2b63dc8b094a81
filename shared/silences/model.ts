import * as z from 'zod';
import type { Alert } from '../alerts/model';
import { MAX_PATH_PARAMETER_BYTES } from '../http/request';
import { Budget, labelValue, matcherProgramBound, newMatcher, parseMatcherParts, parseMatchers, regexPartsBound, type Matcher, type MatchType } from '../labels/matchers';

/**
 * Silences, as Alertmanager has them (`silence/silence.go`, API v2): a set of matchers and a time
 * window. Field names follow alertflow's snake_case; matchers keep Alertmanager's v2 object form
 * (`{ name, value, isRegex, isEqual }`) so they read the same as in Alertmanager's API.
 *
 * Input (POST body), documented for the README:
 *
 *   {
 *     "matchers": ["alertname=\"DiskFull\"", { "name": "instance", "value": "db-.*", "isRegex": true }],
 *     "starts_at": "2025-06-01T12:00:00Z",   // optional, default now
 *     "ends_at": "2025-06-01T14:00:00Z",     // required, after starts_at and in the future
 *     "created_by": "alice",                 // required
 *     "comment": "disk replacement",         // required
 *     "id": "3f0c…"                          // optional: edit that silence (see canUpdateInPlace)
 *   }
 *
 * `created_by` is the author as the caller states it (free text, as in Alertmanager, where amtool
 * fills in the OS user). Who really made a change is never taken from the body: the stored silence
 * also records `actor`, the name of the token that created it, and `expired_by`, the name of the
 * token that expired it early (see docs/adr/0004-scoped-credentials.md).
 *
 * Each `matchers` entry is either a matcher string in the config's grammar (`severity="critical"`,
 * `env!~"dev|test"`; one string may hold several, comma-separated) or an Alertmanager v2 object
 * (`isRegex` defaults to false, `isEqual` to true). Strings are stored as objects. All matchers
 * must match (AND); regexes are anchored and use RE2 syntax, as everywhere in alertflow.
 */

/**
 * The largest RE2 program (in instructions) a silence regex may compile to. Matching costs up to
 * (value length + 1) × program size, so this keeps every admitted silence cheap enough to be
 * evaluated within SILENCE_MATCH_BUDGET against ordinary label values. A 200-host alternation is
 * about 3,800 instructions; `(?:a?){1000}` is 2,004, three of it 6,004.
 */
export const SILENCE_MAX_REGEX_PROGRAM = 5_000;

/**
 * The RE2 work (in `Matcher.cost` units) that evaluating every silence against one alert may
 * take. Measured at up to about 35 ns a unit on the slowest patterns, about 30 ms per alert at
 * worst (docs/adr/0002), whatever the silences and the label values. A regex matcher that
 * does not fit in what is left is not run and its silence does not match (fail open, see
 * `silences`).
 */
export const SILENCE_MATCH_BUDGET = 1_000_000;

/**
 * Compiling takes about 1 µs per RE2 instruction, and a few KB of pattern can compile to a
 * million (`.{1000}` repeated): a new silence whose regexes may together compile to more than
 * this, by their text alone (`matcherProgramBound`, an over-estimate), is refused before anything
 * is compiled, so checking SILENCE_MAX_REGEX_PROGRAM costs at most about 0.3 s per request.
 */
export const SILENCE_MAX_REGEX_BOUND = 250_000;

/**
 * Why a POST body is refused before its matchers are compiled, or undefined: its regexes may
 * compile to more than SILENCE_MAX_REGEX_BOUND instructions in all. A matcher string counts its
 * value when it is a regex matcher, an object when `isRegex`. Anything malformed is left to the schema.
 */
export function regexBoundProblem(body: unknown): string | undefined {
  const entries = (body as { matchers?: unknown } | null)?.matchers;
  if (!Array.isArray(entries)) return undefined;
  let bound = 0;
  for (const e of entries as unknown[]) {
    if (typeof e === 'string') bound += stringMatcherBound(e);
    else if (typeof e === 'object' && e !== null && (e as { isRegex?: unknown }).isRegex === true && typeof (e as { value?: unknown }).value === 'string') {
      bound += matcherProgramBound((e as { value: string }).value);
    }
  }
  if (bound <= SILENCE_MAX_REGEX_BOUND) return undefined;
  return (
    `the regexes may compile to about ${bound} RE2 instructions by their repeat counts and length, ` +
    `far over the limit of ${SILENCE_MAX_REGEX_PROGRAM} for a silence regex; they were not compiled`
  );
}

/** A matcher string's regex bound: 0 when malformed, as the schema refuses it before compiling anything. */
function stringMatcherBound(text: string): number {
  try {
    return regexPartsBound(parseMatcherParts(text));
  } catch {
    return 0;
  }
}

/** Why a matcher's regex is refused in a new silence (too large a program), or undefined. */
function regexLimitProblem(m: Matcher): string | undefined {
  if (m.programSize <= SILENCE_MAX_REGEX_PROGRAM) return undefined;
  const shown = m.value.length > 60 ? `${m.value.slice(0, 60)}…` : m.value;
  return (
    `the regex of ${m.name}${m.type}${JSON.stringify(shown)} compiles to ${m.programSize} RE2 instructions, ` +
    `over the limit of ${SILENCE_MAX_REGEX_PROGRAM} for a silence regex (matching costs the value's length times that)`
  );
}

/** A matcher as Alertmanager's API v2 has it. */
export const SilenceMatcher = z
  .object({
    name: z
      .string({ error: 'name must be a string' })
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'name must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)'),
    value: z.string({ error: 'value must be a string' }),
    isRegex: z.boolean({ error: 'isRegex must be true or false' }).default(false),
    isEqual: z.boolean({ error: 'isEqual must be true or false' }).default(true),
  })
  .strict()
  .superRefine((m, ctx) => {
    let matcher: Matcher;
    try {
      matcher = toMatcher(m);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: (err as Error).message });
      return;
    }
    const tooLarge = regexLimitProblem(matcher);
    if (tooLarge) ctx.addIssue({ code: 'custom', path: ['value'], message: tooLarge });
  });
export type SilenceMatcher = z.infer<typeof SilenceMatcher>;

const MATCHERS_HINT = 'matcher strings like severity="critical" or objects { name, value, isRegex, isEqual }';

/** One `matchers` entry: a matcher string (one or more matchers) or a v2 object (exactly one). */
const MatcherEntry = z.custom<string | z.input<typeof SilenceMatcher>>(() => true).transform((entry, ctx): SilenceMatcher[] => {
  if (typeof entry === 'string') {
    try {
      const parsed = parseMatchers(entry);
      const tooLarge = parsed.map(regexLimitProblem).filter((p) => p !== undefined);
      for (const message of tooLarge) ctx.addIssue({ code: 'custom', message });
      if (tooLarge.length > 0) return z.NEVER;
      if (parsed.length > 0) return parsed.map(fromMatcher);
      ctx.addIssue({ code: 'custom', message: `empty matcher ${JSON.stringify(entry)}; expected e.g. severity="critical"` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid matcher ${JSON.stringify(entry)}: ${(err as Error).message}` });
    }
    return z.NEVER;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    ctx.addIssue({ code: 'custom', message: `each matcher must be one of: ${MATCHERS_HINT}` });
    return z.NEVER;
  }
  // Parsed separately (not a z.union) so the caller sees the object's own field errors.
  const result = SilenceMatcher.safeParse(entry);
  if (result.success) return [result.data];
  for (const issue of result.error.issues) {
    const message =
      issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} in matcher` : issue.message;
    ctx.addIssue({ code: 'custom', path: issue.path, message });
  }
  return z.NEVER;
});

const Matchers = z
  .array(MatcherEntry, { error: (iss) => (iss.input === undefined ? 'matchers is required' : `matchers must be an array of ${MATCHERS_HINT}`) })
  .min(1, 'matchers must have at least one matcher')
  .transform((entries) => entries.flat())
  .superRefine((matchers, ctx) => {
    // Alertmanager's validateSilence: a silence made only of matchers that match the empty string
    // (`a=""`, `a=~".*"`) would match alerts lacking those labels, i.e. nearly everything.
    // Negative matchers do not count as matching the empty string there, so `a!="b"` alone passes.
    if (matchers.every(matchesEmpty)) {
      ctx.addIssue({
        code: 'custom',
        message: 'matchers: at least one matcher must not match the empty string (a="" or a=~".*" alone would silence alerts without the label)',
      });
    }
  });

const isoTime = (field: string) =>
  z.iso
    .datetime({
      offset: true,
      error: (iss) => (iss.input === undefined ? `${field} is required` : `${field} must be an ISO 8601 time with a zone, e.g. 2025-06-01T12:00:00Z`),
    })
    .refine((s) => !Number.isNaN(Date.parse(s)), `${field} is not a valid date`)
    .transform((s) => new Date(s).toISOString());

const requiredText = (field: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .refine((s) => s.trim() !== '', `${field} must not be empty`);

// Alertmanager's v2 names, rejected by name so a pasted amtool/v2 body gets a pointed message.
const camel = (snake: string) => z.never({ error: `use ${snake} (alertflow's silence fields are snake_case)` }).optional();

export interface SilenceInputOptions {
  /** Accept an empty `created_by` and `comment`, as Alertmanager's API does (alertflow's own API asks for both). */
  emptyText?: boolean;
}

/**
 * The POST body schema. `clock` supplies the default `starts_at` and the "not in the past" check,
 * evaluated at parse time; pass a fixed clock for a request's `now`.
 */
export function silenceInputSchema(clock: () => Date = () => new Date(), opts: SilenceInputOptions = {}) {
  const text = (field: string) => (opts.emptyText ? z.string({ error: `${field} must be a string` }) : requiredText(field));
  return z
    .object({
      // An empty id is no id, as in Alertmanager's Silences.Set: the body makes a new silence.
      // A silence id is a UUID: a longer one names no silence, and would be refused as a DynamoDB key (a 500).
      id: z
        .string({ error: 'id must be a string (the id of the silence to edit)' })
        .refine((id) => Buffer.byteLength(id, 'utf8') <= MAX_PATH_PARAMETER_BYTES, `id must be at most ${MAX_PATH_PARAMETER_BYTES} bytes (silence ids are UUIDs)`)
        .optional(),
      matchers: Matchers,
      starts_at: isoTime('starts_at').optional(),
      ends_at: isoTime('ends_at'),
      created_by: text('created_by'),
      comment: text('comment'),
      startsAt: camel('starts_at'),
      endsAt: camel('ends_at'),
      createdBy: camel('created_by'),
    })
    .strict()
    .transform(({ id, matchers, starts_at, ends_at, created_by, comment }, ctx) => {
      const now = clock();
      const start = starts_at ?? now.toISOString();
      // Alertmanager's API v2 rules: end strictly after start, and not already over.
      if (Date.parse(ends_at) <= Date.parse(start)) {
        ctx.addIssue({ code: 'custom', path: ['ends_at'], message: `ends_at must be after starts_at (${start})` });
      } else if (Date.parse(ends_at) <= now.getTime()) {
        ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'ends_at must be in the future' });
      }
      return { ...(id ? { id } : {}), matchers, starts_at: start, ends_at, created_by, comment };
    });
}

export const SilenceInput = silenceInputSchema();
export type SilenceInput = z.output<typeof SilenceInput>;

/** A stored silence, and the shape the API returns (plus `status`, see `silenceView`). */
export const Silence = z.object({
  id: z.string().min(1),
  matchers: z.array(SilenceMatcher).min(1),
  starts_at: z.iso.datetime({ offset: true }),
  ends_at: z.iso.datetime({ offset: true }),
  created_by: z.string(),
  comment: z.string(),
  updated_at: z.iso.datetime({ offset: true }),
  /** The name of the token that created it (absent on silences stored before tokens had names). */
  actor: z.string().optional(),
  /** The name of the token that expired it early (DELETE); absent while it runs or when it ran out. */
  expired_by: z.string().optional(),
});
export type Silence = z.infer<typeof Silence>;

export type SilenceState = 'pending' | 'active' | 'expired';

/**
 * A new silence from validated input, made by the token named `actor` (recorded beside the stated
 * `created_by`, whatever that says). A start in the past becomes
 * `now`, as Alertmanager does for new silences, so a silence never claims to have muted
 * notifications sent before it existed.
 */
export function newSilence(input: SilenceInput, id: string, now: Date, actor: string): Silence {
  const { matchers, starts_at, ends_at, created_by, comment } = input;
  const startsAt = Date.parse(starts_at) < now.getTime() ? now.toISOString() : starts_at;
  return { id, matchers, starts_at: startsAt, ends_at, created_by, comment, updated_at: now.toISOString(), actor };
}

/**
 * Whether a POST naming `prev`'s id may change `prev` in place (same id) into a silence with
 * `next`'s matchers and times, at `now`: Alertmanager 0.25's `canUpdate` (silence/silence.go).
 * The matchers must be identical (same list, same order); then an active silence keeps its start
 * (compared in whole seconds) and may not end before now, a pending one may not start before now,
 * and an expired one is never changed. Otherwise the edit makes a new silence and expires `prev`.
 */
export function canUpdateInPlace(prev: Silence, next: Pick<Silence, 'matchers' | 'starts_at' | 'ends_at'>, now: Date): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  const t = now.getTime();
  switch (silenceState(prev, now)) {
    case 'active':
      return unixSeconds(next.starts_at) === unixSeconds(prev.starts_at) && Date.parse(next.ends_at) >= t;
    case 'pending':
      return Date.parse(next.starts_at) >= t;
    case 'expired':
      return false;
  }
}

/**
 * `prev` changed in place by validated input (see canUpdateInPlace), by the token named `actor`:
 * the body replaces the matchers, times, `created_by` and `comment`, as in Alertmanager (its start
 * is taken as posted, not moved to now), and `actor` becomes the token that made this version.
 */
export function updatedSilence(prev: Silence, input: SilenceInput, now: Date, actor: string): Silence {
  const { matchers, starts_at, ends_at, created_by, comment } = input;
  return { id: prev.id, matchers, starts_at, ends_at, created_by, comment, updated_at: now.toISOString(), actor };
}

// Go's Time.Unix: whole seconds, rounded down.
const unixSeconds = (time: string): number => Math.floor(Date.parse(time) / 1000);

// Alertmanager compares the matcher lists with reflect.DeepEqual: same length, order and fields.
function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  return a.length === b.length && a.every((m, i) => m.name === b[i]!.name && m.value === b[i]!.value && m.isRegex === b[i]!.isRegex && m.isEqual === b[i]!.isEqual);
}

/**
 * pending before `starts_at`, active from `starts_at` (inclusive) until `ends_at` (exclusive),
 * expired from `ends_at` on: Alertmanager's `types.CalcSilenceState`. (Its `silence.go` getState
 * also counts the single instant `ends_at` as active; here a silence stops applying at `ends_at`
 * exactly, so expiring one by setting `ends_at = now` takes effect at once.) Only the times
 * decide: a silence kept in storage past `ends_at` (e.g. awaiting a TTL sweep) is still expired.
 */
export function silenceState(s: Pick<Silence, 'starts_at' | 'ends_at'>, now: Date): SilenceState {
  const t = now.getTime();
  if (t < Date.parse(s.starts_at)) return 'pending';
  if (t < Date.parse(s.ends_at)) return 'active';
  return 'expired';
}

/** The API form: Alertmanager v2's GettableSilence fields, snake_case, with the state at `now`. */
export function silenceView(s: Silence, now: Date): Silence & { status: { state: SilenceState } } {
  return { ...s, status: { state: silenceState(s, now) } };
}

/** A regex matcher of a silence that was not run because its cost did not fit in the alert's budget. */
export interface SkippedMatcher {
  silenceId: string;
  /** The label's name; its value is never reported (labels may carry anything). */
  label: string;
  valueLength: number;
  /** The matcher's cost for this value, and what was left of the budget. */
  cost: number;
  left: number;
}

/**
 * Ids (sorted, as Alertmanager lists them) of the silences active at `now` whose matchers all match
 * the alert's labels. A label the alert lacks compares as "", so `a=""` and `a!="x"` match an alert
 * without `a`. A stored silence whose matchers no longer compile silences nothing: muting fails
 * open rather than failing the whole batch.
 *
 * Silences and label values both come from outside, and a regex costs up to (value length + 1) ×
 * program size, so all silences together get SILENCE_MATCH_BUDGET per alert. Equality matchers
 * cost nothing and run first; silences are then tried cheapest first, so an expensive one cannot
 * use up the budget of the others. A regex matcher that does not fit in what is left is not run
 * and its silence does not match: the alert is notified (FAIL OPEN), because an unwanted
 * notification can be dealt with and a silenced alert that should not have been is lost.
 * `onSkip` hears of each such silence once. The result depends only on the alert and the list,
 * so the router and the API views agree.
 */
export function silences(
  alert: Pick<Alert, 'labels'>,
  list: readonly Silence[],
  now: Date,
  onSkip?: (skipped: SkippedMatcher) => void,
): string[] {
  const candidates: Array<{ id: string; regexes: Array<{ m: Matcher; value: string; cost: number }>; cost: number }> = [];
  for (const s of list) {
    if (silenceState(s, now) !== 'active') continue;
    const c = compiled(s);
    if (!c || !c.plain.every((m) => m.matches(labelValue(alert.labels, m.name)))) continue;
    const regexes = c.regex.map((m) => {
      const value = labelValue(alert.labels, m.name);
      return { m, value, cost: m.cost(value) };
    });
    regexes.sort((a, b) => a.cost - b.cost);
    candidates.push({ id: s.id, regexes, cost: regexes.reduce((sum, r) => sum + r.cost, 0) });
  }
  candidates.sort((a, b) => a.cost - b.cost || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const budget = new Budget(SILENCE_MATCH_BUDGET);
  const ids: string[] = [];
  for (const cand of candidates) {
    let matched = true;
    for (const { m, value, cost } of cand.regexes) {
      const left = budget.left;
      const result = m.matchesWithin(value, budget);
      if (result === undefined) onSkip?.({ silenceId: cand.id, label: m.name, valueLength: value.length, cost, left });
      if (result !== true) {
        matched = false;
        break;
      }
    }
    if (matched) ids.push(cand.id);
  }
  return ids.sort();
}

/**
 * `silences(alert, list, now)` for many alerts against one list: the active silences are indexed
 * by one of their equality matchers with a non-empty value (only alerts with that label value can
 * match them), so each alert is checked against the few that can match, not the whole list. Same
 * result as `silences`.
 */
export function silencesIndex(list: readonly Silence[], now: Date): (alert: Pick<Alert, 'labels'>) => string[] {
  const byLabel = new Map<string, Silence[]>();
  const rest: Silence[] = [];
  for (const s of list) {
    if (silenceState(s, now) !== 'active') continue;
    const eq = s.matchers.find((m) => !m.isRegex && m.isEqual && m.value !== '');
    if (!eq) {
      rest.push(s);
      continue;
    }
    const key = `${eq.name}\u0000${eq.value}`;
    const bucket = byLabel.get(key);
    if (bucket) bucket.push(s);
    else byLabel.set(key, [s]);
  }
  return (alert) => {
    const candidates = [...rest];
    for (const [name, value] of Object.entries(alert.labels)) candidates.push(...(byLabel.get(`${name}\u0000${value}`) ?? []));
    return candidates.length === 0 ? [] : silences(alert, candidates, now);
  };
}

/** The label matcher a v2 matcher object stands for. Throws MatcherParseError on a bad regex. */
export function toMatcher(m: Pick<SilenceMatcher, 'name' | 'value' | 'isRegex' | 'isEqual'>): Matcher {
  const type: MatchType = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return newMatcher(type, m.name, m.value);
}

function fromMatcher(m: Matcher): SilenceMatcher {
  return { name: m.name, value: m.value, isRegex: m.type.endsWith('~'), isEqual: m.type.startsWith('=') };
}

// Alertmanager's matchesEmpty: only `=` and `=~` can; negative matchers never count.
function matchesEmpty(m: SilenceMatcher): boolean {
  return m.isEqual && toMatcher(m).matches('');
}

interface Compiled {
  /** `=` and `!=`: free to run. */
  plain: Matcher[];
  /** `=~` and `!~`: charged to the budget. */
  regex: Matcher[];
}

// Compiling a large regex takes milliseconds, and the router reloads the list every second (new
// objects each time), so compiled matchers are kept by silence id (a silence's matchers never
// change; the source is compared all the same) and, within one load, by the matchers array.
const byArray = new WeakMap<readonly SilenceMatcher[], Compiled | null>();
const byId = new Map<string, { source: string; compiled: Compiled | null }>();
const BY_ID_MAX = 10_000;

function compiled(s: Pick<Silence, 'id' | 'matchers'>): Compiled | null {
  let c = byArray.get(s.matchers);
  if (c !== undefined) return c;
  const source = JSON.stringify(s.matchers);
  const hit = byId.get(s.id);
  if (hit?.source === source) {
    c = hit.compiled;
  } else {
    try {
      const all = s.matchers.map(toMatcher);
      c = all.length > 0 ? { plain: all.filter((m) => !m.type.endsWith('~')), regex: all.filter((m) => m.type.endsWith('~')) } : null;
    } catch {
      c = null;
    }
    if (byId.size >= BY_ID_MAX) byId.delete(byId.keys().next().value!);
    byId.set(s.id, { source, compiled: c });
  }
  byArray.set(s.matchers, c);
  return c;
}
