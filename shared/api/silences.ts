import { randomUUID } from 'node:crypto';
import { invalid, parseWith } from '../alerts/normalize/common';
import { SilenceLimits } from '../config/schema';
import { LimitExceededError, NotFoundError, ValidationError } from '../errors';
import { requestFlushes } from '../grouping/timers';
import type { QueuePort } from '../queues/port';
import { matcherProgramBound, parseMatchers, type Matcher } from '../labels/matchers';
import type { Clock } from '../runtime/ports';
import { newSilence, regexBoundProblem, SILENCE_MAX_REGEX_BOUND, silenceInputSchema, silences, silenceState, silenceView, type Silence, type SilenceState } from '../silences/model';
import type { GroupStore } from '../store/groups';
import type { SilenceStore } from '../store/silences';

/** A silence body is a few matchers and two sentences; anything near this is not a silence. */
export const SILENCE_MAX_BODY_BYTES = 64 * 1024;

export type SilenceView = ReturnType<typeof silenceView>;

/** The config schema's defaults, for callers without a config. */
export const DEFAULT_SILENCE_LIMITS: SilenceLimits = SilenceLimits.parse({});

export interface SilenceDeps {
  silences: SilenceStore;
  groups: GroupStore;
  queues: QueuePort;
  clock: Clock;
  /** Defaults to DEFAULT_SILENCE_LIMITS. */
  limits?: SilenceLimits | undefined;
}

const STATES: readonly SilenceState[] = ['active', 'pending', 'expired'];

/**
 * POST /v1/silences: validate, store under a new id, return the stored silence. `actor` is the
 * authenticated token's name, recorded as the silence's `actor`.
 */
export async function createSilence(deps: Pick<SilenceDeps, 'silences' | 'clock' | 'limits'>, body: unknown, actor: string): Promise<SilenceView> {
  const limits = deps.limits ?? DEFAULT_SILENCE_LIMITS;
  const now = deps.clock();
  const tooLarge = regexBoundProblem(body);
  if (tooLarge) throw invalid('silence', [{ path: 'matchers', message: tooLarge }]);
  const input = parseWith(silenceInputSchema(() => now), body, 'silence');
  const silence = newSilence(input, randomUUID(), now, actor);
  // Alertmanager's --silences.max-silence-size-bytes and --silences.max-silences, on by default
  // here: every live silence is read each second and evaluated against every alert.
  const bytes = Buffer.byteLength(JSON.stringify(silence), 'utf8');
  if (bytes > limits.max_silence_bytes) {
    const message = `the silence is ${bytes} bytes as stored, over the limit of ${limits.max_silence_bytes} (silences.max_silence_bytes)`;
    throw new ValidationError(`invalid silence: ${message}`, [{ path: '(root)', message }]);
  }
  // Checked, then written: two concurrent creates may both pass and overshoot by one each. The
  // per-alert match budget, not this count, is what bounds the router's work.
  const live = (await deps.silences.list(now)).filter((s) => silenceState(s, now) !== 'expired').length;
  if (live >= limits.max_silences) {
    throw new LimitExceededError(
      `${live} silences are active or pending, the limit (silences.max_silences) is ${limits.max_silences}: expire one before adding another`,
      { limit: 'silences.max_silences', max: limits.max_silences, live },
    );
  }
  await deps.silences.create(silence);
  return silenceView(silence, now);
}

/**
 * GET /v1/silences, optionally `?state=active|pending|expired` and `?filter=` matchers (e.g.
 * `{alertname="DiskFull"}`, several comma-separated). As in Alertmanager's API, `filter` selects
 * silences that contain each given matcher (same name, operator and value), it does not evaluate
 * them against labels; and the list is sorted active (ending soonest first), then pending
 * (starting soonest first), then expired (most recently ended first).
 */
export async function listSilences(
  deps: Pick<SilenceDeps, 'silences' | 'clock'>,
  query: { state?: string; filter?: string } = {},
): Promise<SilenceView[]> {
  const state = parseState(query.state);
  const filter = query.filter === undefined ? [] : parseFilter(query.filter);
  const now = deps.clock();
  const views = (await deps.silences.list(now))
    .filter((s) => filter.every((m) => hasMatcher(s, m)))
    .map((s) => silenceView(s, now))
    .filter((v) => state === undefined || v.status.state === state);
  return views.sort(bySilenceOrder);
}

/** GET /v1/silences/{id}: any state, until its retention (5 days after it ended) passes. */
export async function getSilence(deps: Pick<SilenceDeps, 'silences' | 'clock'>, id: string): Promise<SilenceView> {
  const now = deps.clock();
  const silence = await deps.silences.get(id, now);
  if (!silence) throw new NotFoundError(`no silence with id ${JSON.stringify(id)}`);
  return silenceView(silence, now);
}

/**
 * DELETE /v1/silences/{id}: expire the silence now (Alertmanager's semantics, see
 * SilenceStore.expire; expiring an expired silence succeeds and changes nothing). When the silence
 * was active, the groups whose firing alerts it matched had their notifications held back; each
 * gets a flush message so the router re-evaluates it now rather than at its next change.
 * `reevaluated_groups` counts those flushes. `actor` (the token's name) is recorded as `expired_by`.
 */
export async function expireSilence(deps: SilenceDeps, id: string, actor: string): Promise<SilenceView & { reevaluated_groups: number }> {
  const now = deps.clock();
  const { before, after, previous } = await deps.silences.expire(id, now, actor);
  // A silence that an earlier DELETE ended early (its end is its last update) gets its flushes sent
  // again: that DELETE may have failed after the write and before the send. Flushes are idempotent.
  const endedEarly = previous === 'expired' && after.updated_at === after.ends_at && after.starts_at < after.ends_at;
  const reevaluated = previous === 'active' || endedEarly ? await flushHeldGroups(deps, before) : 0;
  return { ...silenceView(after, now), reevaluated_groups: reevaluated };
}

/** Send one `silence` flush to each group with a firing alert that `silence` matches. */
async function flushHeldGroups(deps: SilenceDeps, silence: Silence): Promise<number> {
  // Matchers never change, so the silence at its start (it was active then) tells which alerts it held.
  const activeAt = new Date(silence.starts_at);
  const groups = await deps.groups.list(deps.clock());
  const held = groups.filter((g) => Object.values(g.alerts).some((a) => a.status === 'firing' && silences(a, [silence], activeAt).length > 0));
  if (held.length === 0) return 0;
  // Stamped after the expire's write, so a router loading silences after `at` sees it expired.
  await requestFlushes(
    held.map((g) => g.groupId),
    { reason: 'silence', key: silence.id, at: deps.clock().getTime() },
    deps.queues,
  );
  return held.length;
}

function parseState(state: string | undefined): SilenceState | undefined {
  if (state === undefined) return undefined;
  if ((STATES as readonly string[]).includes(state)) return state as SilenceState;
  throw new ValidationError(`state must be one of ${STATES.join(', ')} (got ${JSON.stringify(state)})`, [{ path: 'state', message: STATES.join(' | ') }]);
}

function parseFilter(filter: string): Matcher[] {
  // Parsing compiles the regexes (about 1 µs per instruction); a filter is compared, never run.
  if (matcherProgramBound(filter) > SILENCE_MAX_REGEX_BOUND) {
    const message = `its regexes may compile to more than ${SILENCE_MAX_REGEX_BOUND} RE2 instructions; they were not compiled`;
    throw new ValidationError(`invalid filter: ${message}`, [{ path: 'filter', message }]);
  }
  try {
    const matchers = parseMatchers(filter);
    if (matchers.length > 0) return matchers;
  } catch (err) {
    throw new ValidationError(`invalid filter: ${(err as Error).message}`, [{ path: 'filter', message: (err as Error).message }], { cause: err });
  }
  throw new ValidationError('invalid filter: expected matchers such as {alertname="DiskFull"}', [{ path: 'filter', message: 'empty' }]);
}

// Alertmanager's CheckSilenceMatchesFilterLabels: the silence has a matcher identical to `m`.
function hasMatcher(s: Silence, m: Matcher): boolean {
  const isRegex = m.type.endsWith('~');
  const isEqual = m.type.startsWith('=');
  return s.matchers.some((sm) => sm.name === m.name && sm.value === m.value && sm.isRegex === isRegex && sm.isEqual === isEqual);
}

const STATE_ORDER: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };

// Alertmanager's SortSilences; ties fall back to the id so the order is stable across requests.
function bySilenceOrder(a: SilenceView, b: SilenceView): number {
  const sa = a.status.state;
  const sb = b.status.state;
  if (sa !== sb) return STATE_ORDER[sa] - STATE_ORDER[sb];
  const key = (v: SilenceView) => Date.parse(sa === 'pending' ? v.starts_at : v.ends_at);
  const diff = sa === 'expired' ? key(b) - key(a) : key(a) - key(b);
  return diff !== 0 ? diff : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
