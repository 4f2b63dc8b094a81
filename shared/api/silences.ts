import { randomUUID } from 'node:crypto';
import { invalid, parseWith } from '../alerts/normalize/common';
import type { SilenceLimits } from '../config/schema';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError } from '../errors';
import { requestFlushes } from '../grouping/timers';
import type { QueuePort } from '../queues/port';
import type { Matcher } from '../labels/matchers';
import type { Clock } from '../runtime/ports';
import {
  canUpdateInPlace,
  newSilence,
  regexBoundProblem,
  silenceInputSchema,
  silences,
  silenceState,
  silenceView,
  updatedSilence,
  type Silence,
  type SilenceInput,
  type SilenceInputOptions,
  type SilenceState,
} from '../silences/model';
import * as z from 'zod';
import type { GroupState } from '../grouping/model';
import { silenceKey, silenceListKeys, type ListKey } from '../store/keys';
import { inRange } from '../store/list-index';
import { silenceRange } from '../store/silences';
import { decodeCursor, encodeCursor, ListKeySchema, parseFilter, parseLimit, READ_BUDGET, type PageQuery } from './paging';
import type { GroupStore, SilenceStore } from '../store/port';

/** A silence body is a few matchers and two sentences; anything near this is not a silence. */
export const SILENCE_MAX_BODY_BYTES = 64 * 1024;

export type SilenceView = ReturnType<typeof silenceView>;

export interface SilenceDeps {
  silences: SilenceStore;
  groups: GroupStore;
  queues: QueuePort;
  clock: Clock;
  /** The config's `silences` (its schema holds the defaults; the schema itself stays out of the api bundle). */
  limits: SilenceLimits;
}

const STATES: readonly SilenceState[] = ['active', 'pending', 'expired'];

/** What creating a silence needs; editing one (a body with `id`) also needs `groups` and `queues`. */
export type CreateSilenceDeps = Pick<SilenceDeps, 'silences' | 'clock' | 'limits'> & Partial<Pick<SilenceDeps, 'groups' | 'queues'>>;

/**
 * POST /v1/silences: validate, store, return the stored silence (see upsertSilence; a body with
 * `id` edits that silence, which needs `deps.groups` and `deps.queues`). `actor` is the
 * authenticated token's name, recorded as the silence's `actor`.
 */
export async function createSilence(deps: CreateSilenceDeps, body: unknown, actor: string): Promise<SilenceView> {
  return (await upsert(deps, body, actor)).silence;
}

/**
 * POST /v1/silences with Alertmanager 0.25's semantics (`Silences.Set`): without `id`, store a new
 * silence. With the `id` of a stored silence, change it in place when `canUpdateInPlace` allows it
 * (`created: false`); otherwise expire it (unless it already is, exactly as DELETE does) and store
 * the body as a new silence under a new id, its start moved to now if in the past (`created: true`,
 * `replaced`: the id expired for it). An unknown `id` is a NotFoundError. An active silence that
 * the edit ends earlier, or expires, has its held groups re-evaluated now, as DELETE does. A
 * concurrent change to the silence is retried once from a fresh read, then is a ConflictError (409).
 */
export async function upsertSilence(
  deps: SilenceDeps,
  body: unknown,
  actor: string,
  opts: SilenceInputOptions = {},
): Promise<{ silence: SilenceView; created: boolean; replaced?: string }> {
  return upsert(deps, withCamelMatchers(body), actor, opts);
}

/**
 * /v1 answers in snake_case (README, "API conventions"): a matcher object may say `is_regex` and
 * `is_equal`, read here as Alertmanager's `isRegex` and `isEqual`, which are still taken too.
 */
function withCamelMatchers(body: unknown): unknown {
  const matchers = (body as { matchers?: unknown } | null)?.matchers;
  if (!Array.isArray(matchers)) return body;
  return {
    ...(body as object),
    matchers: matchers.map((m: unknown) => {
      if (typeof m !== 'object' || m === null) return m;
      const { is_regex, is_equal, ...rest } = m as Record<string, unknown>;
      return { ...rest, ...(is_regex !== undefined && !('isRegex' in rest) ? { isRegex: is_regex } : {}), ...(is_equal !== undefined && !('isEqual' in rest) ? { isEqual: is_equal } : {}) };
    }),
  };
}

/** A silence as /v1 answers it: each matcher's `is_regex` and `is_equal`, with Alertmanager's camelCase names beside them (deprecated). */
export function silenceJson<T extends { matchers: ReadonlyArray<{ isRegex: boolean; isEqual: boolean }> }>(s: T): SilenceJson<T> {
  return { ...s, matchers: s.matchers.map((m) => ({ ...m, is_regex: m.isRegex, is_equal: m.isEqual })) };
}
export type SilenceJson<T extends { matchers: ReadonlyArray<unknown> }> = Omit<T, 'matchers'> & {
  matchers: Array<T['matchers'][number] & { is_regex: boolean; is_equal: boolean }>;
};

/** Attempts of an edit whose silence changed under it (a ConflictError from the store). */
const EDIT_ATTEMPTS = 2;

async function upsert(deps: CreateSilenceDeps, body: unknown, actor: string, opts: SilenceInputOptions = {}): Promise<{ silence: SilenceView; created: boolean; replaced?: string }> {
  const now = deps.clock();
  const input = silenceInput(body, now, opts);
  if (input.id === undefined) {
    const silence = await admittedSilence(deps, input, now, actor);
    await deps.silences.create(silence);
    return { silence: silenceView(silence, now), created: true };
  }
  const { groups, queues } = deps;
  if (!groups || !queues) throw new Error('editing a silence (a body with id) needs deps.groups and deps.queues, to re-evaluate the groups it held');
  const full: SilenceDeps = { ...deps, groups, queues };
  for (let attempt = 1; ; attempt++) {
    try {
      return await edit(full, input, input.id, now, actor);
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= EDIT_ATTEMPTS) throw err;
    }
  }
}

/** A POST body as a silence input: refused before compiling when its regexes may be too large. */
function silenceInput(body: unknown, now: Date, opts: SilenceInputOptions = {}): SilenceInput {
  const tooLarge = regexBoundProblem(body);
  if (tooLarge) throw invalid('silence', [{ path: 'matchers', message: tooLarge }]);
  return parseWith(silenceInputSchema(() => now, opts), body, 'silence');
}

/** A new silence from a valid body, within the limits (not stored yet). */
async function admittedSilence(deps: Pick<SilenceDeps, 'silences' | 'limits'>, input: SilenceInput, now: Date, actor: string): Promise<Silence> {
  const silence = newSilence(input, randomUUID(), now, actor);
  await checkLimits(deps, silence, now);
  return silence;
}

/**
 * A new silence (a body without `id`), validated and checked against the limits now, stored by
 * the function this returns: for a caller that must know the silence is accepted before it acts
 * (resolving an incident with a silence). A silence made by another request in between may still
 * reach the limit first; that store then fails as POST /v1/silences would.
 */
export async function prepareNewSilence(deps: CreateSilenceDeps, body: unknown, actor: string): Promise<() => Promise<SilenceView>> {
  const now = deps.clock();
  const input = silenceInput(body, now);
  if (input.id !== undefined) throw invalid('silence', [{ path: 'id', message: 'a new silence has no id' }]);
  const silence = await admittedSilence(deps, input, now, actor);
  return async () => {
    await deps.silences.create(silence);
    return silenceView(silence, deps.clock());
  };
}

/** One attempt at editing silence `id` (see upsertSilence), from a fresh read. */
async function edit(deps: SilenceDeps, input: SilenceInput, id: string, now: Date, actor: string): Promise<{ silence: SilenceView; created: boolean; replaced?: string }> {
  const prev = await deps.silences.get(id, now);
  if (!prev) throw new NotFoundError(`no silence with id ${JSON.stringify(id)}`);
  if (canUpdateInPlace(prev, input, now)) {
    const next = updatedSilence(prev, input, now, actor);
    await checkLimits(deps, next, now, prev.id);
    await deps.silences.update(next, prev.updated_at);
    // Ended earlier: the router holds its groups until the old end, so they are looked at now.
    const endedEarlier = silenceState(prev, now) === 'active' && Date.parse(next.ends_at) < Date.parse(prev.ends_at);
    if (endedEarlier) await flushHeldGroups(deps, prev);
    return { silence: silenceView(next, now), created: false };
  }
  const silence = newSilence(input, randomUUID(), now, actor);
  // The edited silence ends with this request, so it does not count against the new one.
  await checkLimits(deps, silence, now, prev.id);
  // Expired first, as Alertmanager does; an already expired one is left as it is. The held groups
  // are flushed once the new silence is stored, so a replacement that still matches them holds on.
  const { before, previous } = await deps.silences.expire(prev.id, now, actor);
  await deps.silences.create(silence);
  if (previous === 'active') await flushHeldGroups(deps, before);
  return { silence: silenceView(silence, now), created: true, ...(previous === 'expired' ? {} : { replaced: prev.id }) };
}

/**
 * Alertmanager's --silences.max-silence-size-bytes and --silences.max-silences, on by default
 * here: every live silence is read each second and evaluated against every alert. `editing`, the
 * silence the write changes or replaces, does not count: it is not live once the write is done.
 */
async function checkLimits(deps: Pick<SilenceDeps, 'silences' | 'limits'>, silence: Silence, now: Date, editing?: string): Promise<void> {
  const { limits } = deps;
  const bytes = Buffer.byteLength(JSON.stringify(silence), 'utf8');
  if (bytes > limits.max_silence_bytes) {
    const message = `the silence is ${bytes} bytes as stored, over the limit of ${limits.max_silence_bytes} (silences.max_silence_bytes)`;
    throw new ValidationError(`invalid silence: ${message}`, [{ path: '(root)', message }]);
  }
  // Checked, then written: two concurrent creates may both pass and overshoot by one each. The
  // per-alert match budget, not this count, is what bounds the router's work.
  const live = (await deps.silences.list(now)).filter((s) => s.id !== editing && silenceState(s, now) !== 'expired').length;
  if (live >= limits.max_silences) {
    throw new LimitExceededError(
      `${live} silences are active or pending, the limit (silences.max_silences) is ${limits.max_silences}: expire one before adding another`,
      { limit: 'silences.max_silences', max: limits.max_silences, live },
    );
  }
}

/** The listing's segments, in order, and the index range each is read from. */
const SEGMENTS = ['active', 'pending', 'expired'] as const;
type Segment = (typeof SEGMENTS)[number];
const rangeOf = (segment: Segment, bound: Date) => silenceRange(segment === 'expired' ? 'ended' : 'current', bound);

/**
 * Where a page of silences ended: the segment, the instant the listing started (the segments are
 * cut at it, so pages agree on which silence is in which), and the index key to go on after.
 */
const SilenceCursor = z.object({ s: z.enum(SEGMENTS), b: z.iso.datetime(), k: ListKeySchema.optional() }).strict();

/**
 * GET /v1/silences[?state=active|pending|expired][&filter=][&limit=][&cursor=], from the listing
 * index. As in Alertmanager's API, `filter` selects silences that contain each given matcher (same
 * name, operator and value), it does not evaluate them against labels. Order: active (ending
 * soonest first), pending (ending soonest first: Alertmanager orders these by start, which the
 * index cannot without reading them all), then expired (most recently ended first). A page reads at
 * most READ_BUDGET index entries.
 */
export async function listSilences(
  deps: Pick<SilenceDeps, 'silences' | 'clock'>,
  query: { state?: string | undefined } & PageQuery = {},
): Promise<{ silences: SilenceView[]; next_cursor: string | null }> {
  const state = parseState(query.state);
  const filter = parseFilter(query.filter);
  const limit = parseLimit(query.limit);
  const cursor = decodeCursor(query.cursor, SilenceCursor, (c) => c.k === undefined || inRange(c.k, rangeOf(c.s, new Date(c.b))));
  if (cursor && state !== undefined && cursor.s !== state) throw new ValidationError('invalid cursor: it belongs to another state', [{ path: 'cursor', message: 'another listing' }]);
  const now = deps.clock();
  const bound = cursor ? new Date(cursor.b) : now;
  const segments = state ? [state] : SEGMENTS.slice(SEGMENTS.indexOf(cursor?.s ?? 'active'));
  const out: SilenceView[] = [];
  let read = 0;
  let after = cursor?.k;
  for (const segment of segments) {
    do {
      const page = await deps.silences.page(segment === 'expired' ? 'ended' : 'current', bound, after, Math.min(READ_BUDGET - read, filter.length > 0 ? 200 : limit - out.length + 10), now);
      read += page.read;
      after = page.last;
      for (const s of page.silences) {
        // The segments are cut at `bound`; the state shown is the state now.
        if (silenceState(s, bound) !== segment || !filter.every((m) => hasMatcher(s, m))) continue;
        out.push(silenceView(s, now));
        if (out.length === limit) return { silences: out, next_cursor: encodeCursor({ s: segment, b: bound.toISOString(), k: listKeyOf(s) }) };
      }
      if (read >= READ_BUDGET && (after || segment !== segments.at(-1))) {
        const next = after ? { s: segment, k: after } : { s: segments[segments.indexOf(segment) + 1]! };
        return { silences: out, next_cursor: encodeCursor({ ...next, b: bound.toISOString() }) };
      }
    } while (after);
  }
  return { silences: out, next_cursor: null };
}

/** The silence's key in the listing index. */
const listKeyOf = (s: Silence): ListKey => ({ ...silenceKey(s.id), ...silenceListKeys(s) });

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
  // Every group is looked at (from the listing index, a page at a time): a silence can match any.
  const held: GroupState[] = [];
  for await (const groups of deps.groups.all(deps.clock())) {
    held.push(...groups.filter((g) => Object.values(g.alerts).some((a) => a.status === 'firing' && silences(a, [silence], activeAt).length > 0)));
  }
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

// Alertmanager's CheckSilenceMatchesFilterLabels: the silence has a matcher identical to `m`.
function hasMatcher(s: Silence, m: Matcher): boolean {
  const isRegex = m.type.endsWith('~');
  const isEqual = m.type.startsWith('=');
  return s.matchers.some((sm) => sm.name === m.name && sm.value === m.value && sm.isRegex === isRegex && sm.isEqual === isEqual);
}
