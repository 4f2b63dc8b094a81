import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../shared/labels/fingerprint';
import { createSilence, expireSilence, getSilence, listSilences, upsertSilence, type SilenceDeps } from '../../shared/api/silences';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError } from '../../shared/errors';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { FlushMessage } from '../../shared/queues/messages';
import { ALERTS_QUEUE } from '../../shared/queues/names';
import type { OutgoingMessage, QueuePort } from '../../shared/queues/port';
import { DynamoGroupStore } from '../../shared/store/groups';
import { type GroupAlert, type GroupState } from '../../shared/grouping/model';
import { DynamoSilenceStore } from '../../shared/store/silences';
import { SilenceLimits } from '../../shared/config/schema';

/** Integration: the silence API functions over the local DynamoDB, with a recording queue. */
let dynamo: LocalDynamo;
const TABLE = 'alertflow-silences-api';
const HOUR = 3_600_000;
let clockMs = Date.parse('2026-11-22T10:00:00.000Z');
const iso = (offsetMs: number) => new Date(clockMs + offsetMs).toISOString();

class RecordingQueues implements QueuePort {
  calls: Array<{ queue: string; messages: OutgoingMessage[] }> = [];
  async send(queue: string, messages: OutgoingMessage[]) {
    this.calls.push({ queue, messages });
  }
  async changeVisibility() {}
  flushes(): FlushMessage[] {
    return this.calls.flatMap((c) => c.messages.map((m) => FlushMessage.parse(JSON.parse(m.body))));
  }
}

let queues: RecordingQueues;
let deps: SilenceDeps;

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
});
afterAll(async () => dynamo?.close());
beforeEach(() => {
  // Each test runs in its own hour, so silences from earlier tests have long expired.
  clockMs += 10 * 24 * HOUR;
  queues = new RecordingQueues();
  deps = { silences: new DynamoSilenceStore(dynamo.db, TABLE), groups: new DynamoGroupStore(dynamo.db, TABLE), queues, clock: () => new Date(clockMs), limits: SilenceLimits.parse({}) };
});

/** The name of the token making the calls (the handler passes the authenticated one). */
const ACTOR = 'oncall-token';

const body = (overrides: Record<string, unknown> = {}) => ({
  matchers: ['alertname="DiskFull"'],
  ends_at: iso(HOUR),
  created_by: 'alice',
  comment: 'disk swap',
  ...overrides,
});

/** The ValidationError a create with `input` fails with. */
async function rejection(input: unknown): Promise<ValidationError> {
  const err = await createSilence(deps, input, ACTOR).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe('createSilence', () => {
  it('stores a silence with a random id, normalized matchers and state, starting now by default', async () => {
    const view = await createSilence(deps, body({ matchers: ['alertname="DiskFull", env=~"prod|staging"'] }), ACTOR);
    expect(view.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(view).toEqual({
      id: view.id,
      matchers: [
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'env', value: 'prod|staging', isRegex: true, isEqual: true },
      ],
      starts_at: iso(0),
      ends_at: iso(HOUR),
      created_by: 'alice',
      comment: 'disk swap',
      updated_at: iso(0),
      actor: ACTOR,
      status: { state: 'active' },
    });
    expect(await getSilence(deps, view.id)).toEqual(view);
    const second = await createSilence(deps, body(), ACTOR);
    expect(second.id).not.toBe(view.id);
  });

  it('creates a pending silence for a future start', async () => {
    const view = await createSilence(deps, body({ starts_at: iso(HOUR), ends_at: iso(2 * HOUR) }), ACTOR);
    expect(view.status.state).toBe('pending');
    expect(view.starts_at).toBe(iso(HOUR));
  });

  it('answers 400 naming the problem for bad bodies', async () => {
    const missing = await rejection({ matchers: ['a="b"'], ends_at: iso(HOUR), comment: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.message).toBe('invalid silence: created_by: created_by is required');
    expect(missing.details).toEqual([{ path: 'created_by', message: 'created_by is required' }]);

    expect((await rejection(body({ matchers: ['alertname=~"(unclosed"'] }))).message).toMatch(/^invalid silence: matchers\[0\]: invalid matcher/);
    expect((await rejection(body({ starts_at: iso(2 * HOUR), ends_at: iso(HOUR) }))).message).toMatch(/ends_at: ends_at must be after starts_at/);
    expect((await rejection(body({ ends_at: iso(-1000), starts_at: iso(-HOUR) }))).message).toMatch(/ends_at: ends_at must be in the future/);
    expect((await rejection(body({ createdBy: 'alice' }))).details).toContainEqual({ path: 'createdBy', message: "use created_by (alertflow's silence fields are snake_case)" });
    expect((await rejection(body({ matchers: ['env=""'] }))).message).toMatch(/must not match the empty string/);
    expect((await rejection([])).message).toBe('invalid silence: (root): expected object, got array');
    // Nothing was stored by the failed attempts.
    expect(await listSilences(deps)).toEqual({ silences: [], next_cursor: null });
  });
});

describe('createSilence limits (issue 10: a silence regex times a label value stalled the router)', () => {
  it('answers 400 naming the matcher and the cap for a regex whose program is over 5,000 RE2 instructions', async () => {
    // Arrange: 240 characters, 40,004 instructions: 13 s per match against a 20 KB label before the cap.
    const pattern = '(?:a?){1000}'.repeat(20);
    // Act
    const err = await rejection(body({ matchers: ['alertname="X"', `x=~"${pattern}"`] }));
    // Assess
    expect(err.status).toBe(400);
    expect(err.details).toEqual([
      {
        path: 'matchers[1]',
        message: `the regex of x=~"${pattern.slice(0, 60)}…" compiles to 40004 RE2 instructions, over the limit of 5000 for a silence regex (matching costs the value's length times that)`,
      },
    ]);
    expect(await listSilences(deps)).toEqual({ silences: [], next_cursor: null });
  });

  it('refuses, without compiling them, regexes whose text alone allows far more than the cap (7 KB compiling to a million instructions)', async () => {
    // Arrange: `.{1000}` a thousand times compiles to 1,000,004 instructions, about 1.2 s of compiling.
    const pattern = '.{1000}'.repeat(1000);
    // Act
    const err = await rejection(body({ matchers: ['alertname="X"', { name: 'x', value: pattern, isRegex: true }] }));
    // Assess
    expect(err.status).toBe(400);
    expect(err.details).toEqual([
      {
        path: 'matchers',
        message: expect.stringMatching(/^the regexes may compile to about \d+ RE2 instructions by their repeat counts and length, far over the limit of 5000 for a silence regex; they were not compiled$/),
      },
    ]);
    expect(await listSilences(deps)).toEqual({ silences: [], next_cursor: null });
  });

  it('bounds only the regexes of a matcher string: repeat counts in an equality value compile nothing', async () => {
    // Arrange: the same text as a regex would compile to a billion instructions.
    const value = 'x{1000}{1000}{1000}';
    // Act
    const created = await createSilence(deps, body({ matchers: [`alertname="${value}"`] }), ACTOR);
    const refused = await rejection(body({ matchers: [`alertname=~"${value}"`] }));
    // Assess
    expect(created.matchers).toEqual([{ name: 'alertname', value, isRegex: false, isEqual: true }]);
    expect(refused.details).toEqual([{ path: 'matchers', message: expect.stringMatching(/they were not compiled$/) }]);
    expect((await listSilences(deps, { filter: `alertname="${value}"` })).silences.map((s) => s.id)).toEqual([created.id]);
    await expect(listSilences(deps, { filter: `alertname=~"${value}"` })).rejects.toThrow(/they were not compiled$/);
  });

  it('answers 400 naming silences.max_silence_bytes for a silence larger than the limit', async () => {
    // Arrange
    const limited = { ...deps, limits: { max_silences: 100, max_silence_bytes: 1024 } };
    // Act
    const err = await createSilence(limited, body({ comment: 'x'.repeat(1100) }), ACTOR).then(
      () => undefined,
      (e: unknown) => e as ValidationError,
    );
    // Assess
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.status).toBe(400);
    expect(err!.message).toMatch(/^invalid silence: the silence is \d+ bytes as stored, over the limit of 1024 \(silences\.max_silence_bytes\)$/);
    expect(await createSilence(limited, body({ comment: 'short' }), ACTOR)).toMatchObject({ comment: 'short' });
  });

  it('answers 409 naming silences.max_silences once that many are active or pending; expired ones do not count', async () => {
    // Arrange
    const limited = { ...deps, limits: { max_silences: 2, max_silence_bytes: 16 * 1024 } };
    const first = await createSilence(limited, body({ comment: 'active' }), ACTOR);
    await createSilence(limited, body({ comment: 'pending', starts_at: iso(HOUR), ends_at: iso(2 * HOUR) }), ACTOR);
    // Act
    const err = await createSilence(limited, body({ comment: 'third' }), ACTOR).then(
      () => undefined,
      (e: unknown) => e as LimitExceededError,
    );
    // Assess
    expect(err).toBeInstanceOf(LimitExceededError);
    expect(err!.status).toBe(409);
    expect(err!.code).toBe('limit_exceeded');
    expect(err!.message).toBe('2 silences are active or pending, the limit (silences.max_silences) is 2: expire one before adding another');
    expect(err!.details).toEqual({ limit: 'silences.max_silences', max: 2, live: 2 });
    expect((await listSilences(deps)).silences).toHaveLength(2);
    // Expiring one makes room.
    await expireSilence({ ...limited, queues }, first.id, ACTOR);
    expect(await createSilence(limited, body({ comment: 'third' }), ACTOR)).toMatchObject({ comment: 'third' });
  });
});

describe('listSilences and getSilence', () => {
  it('lists active (ending soonest first), then pending (ending soonest first), then expired (latest end first)', async () => {
    const active2h = await createSilence(deps, body({ ends_at: iso(2 * HOUR), comment: 'a2' }), ACTOR);
    const active1h = await createSilence(deps, body({ ends_at: iso(HOUR), comment: 'a1' }), ACTOR);
    const pending3h = await createSilence(deps, body({ starts_at: iso(3 * HOUR), ends_at: iso(5 * HOUR), comment: 'p3' }), ACTOR);
    const pending2h = await createSilence(deps, body({ starts_at: iso(2 * HOUR), ends_at: iso(4 * HOUR), comment: 'p2' }), ACTOR);
    const expiredEarly = await createSilence(deps, body({ ends_at: iso(HOUR / 2), comment: 'e-early' }), ACTOR);
    const expiredLate = await createSilence(deps, body({ ends_at: iso(HOUR / 2 + 60_000), comment: 'e-late' }), ACTOR);
    clockMs += HOUR / 2 + 120_000;

    const { silences: all } = await listSilences(deps);
    expect(all.map((s) => s.comment)).toEqual(['a1', 'a2', 'p2', 'p3', 'e-late', 'e-early']);
    expect(all.map((s) => s.status.state)).toEqual(['active', 'active', 'pending', 'pending', 'expired', 'expired']);
    expect((await listSilences(deps, { state: 'active' })).silences.map((s) => s.id)).toEqual([active1h.id, active2h.id]);
    expect((await listSilences(deps, { state: 'pending' })).silences.map((s) => s.id)).toEqual([pending2h.id, pending3h.id]);
    expect((await listSilences(deps, { state: 'expired' })).silences.map((s) => s.id)).toEqual([expiredLate.id, expiredEarly.id]);
    // An expired silence stays readable until its retention passes.
    expect((await getSilence(deps, expiredEarly.id)).status.state).toBe('expired');
  });

  it('a silence stops applying at ends_at although its item is still stored', async () => {
    const s = await createSilence(deps, body({ ends_at: iso(HOUR) }), ACTOR);
    clockMs += HOUR;
    expect((await getSilence(deps, s.id)).status.state).toBe('expired');
    expect((await listSilences(deps, { state: 'active' })).silences).toEqual([]);
  });

  it('filters by matchers as Alertmanager does: the silence must contain each given matcher', async () => {
    const disk = await createSilence(deps, body({ matchers: ['alertname="DiskFull"', 'env="prod"'] }), ACTOR);
    const diskRegex = await createSilence(deps, body({ matchers: ['alertname=~"DiskFull"'] }), ACTOR);
    await createSilence(deps, body({ matchers: ['alertname="CPUHigh"'] }), ACTOR);

    expect((await listSilences(deps, { filter: '{alertname="DiskFull"}' })).silences.map((s) => s.id)).toEqual([disk.id]);
    expect((await listSilences(deps, { filter: 'alertname=~"DiskFull"' })).silences.map((s) => s.id)).toEqual([diskRegex.id]);
    // Several matchers (API Gateway joins a repeated ?filter= with commas) must all be present.
    expect((await listSilences(deps, { filter: 'alertname="DiskFull",env="prod"' })).silences.map((s) => s.id)).toEqual([disk.id]);
    expect((await listSilences(deps, { filter: 'alertname="DiskFull",env="dev"' })).silences).toEqual([]);
  });

  it('rejects an unknown state and a malformed filter with 400', async () => {
    await expect(listSilences(deps, { state: 'silenced' })).rejects.toThrow(/state must be one of active, pending, expired/);
    await expect(listSilences(deps, { state: 'silenced' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listSilences(deps, { filter: 'alertname' })).rejects.toThrow(/^invalid filter "alertname": bad matcher format/);
    // A filter regex is compared, not run, but parsing compiles it: 7 KB of `.{1000}` is a million instructions.
    await expect(listSilences(deps, { filter: `x=~"${'.{1000}'.repeat(1000)}"` })).rejects.toThrow(
      /^invalid filter: its regexes may compile to more than 250000 RE2 instructions; they were not compiled$/,
    );
    await expect(listSilences(deps, { filter: '{}' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('answers NotFoundError for an unknown id', async () => {
    await expect(getSilence(deps, 'no-such-silence')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pages with limit and cursor through every segment, each silence once, in the unpaged order', async () => {
    for (let i = 0; i < 5; i++) await createSilence(deps, body({ ends_at: iso((i + 1) * HOUR), comment: `a${i}` }), ACTOR);
    for (let i = 0; i < 3; i++) await createSilence(deps, body({ starts_at: iso(HOUR), ends_at: iso((i + 2) * HOUR), comment: `p${i}` }), ACTOR);
    for (let i = 0; i < 4; i++) await createSilence(deps, body({ ends_at: iso(60_000 * (i + 1)), comment: `e${i}` }), ACTOR);
    clockMs += 10 * 60_000;
    const { silences: all, next_cursor } = await listSilences(deps);
    expect(next_cursor).toBeNull();
    expect(all.map((s) => s.comment)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'p0', 'p1', 'p2', 'e3', 'e2', 'e1', 'e0']);
    for (const query of [{ limit: '1' }, { limit: '5' }, { limit: '2', state: 'pending' }]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listSilences(deps, { ...query, ...(cursor ? { cursor } : {}) });
        expect(page.silences.length).toBeLessThanOrEqual(Number(query.limit));
        seen.push(...page.silences.map((s) => s.comment));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all.map((s) => s.comment).filter((c) => !query.state || c.startsWith('p')));
    }
  });

  it('answers 400, never a 5xx, for an id longer than a silence id can be', async () => {
    const tooLong = 'x'.repeat(2000);
    await expect(upsertSilence(deps, { ...body(), id: tooLong }, ACTOR)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('id must be at most 256 bytes') });
  });

  it('answers 400, never a 5xx, for a tampered cursor or a bad limit', async () => {
    await createSilence(deps, body(), ACTOR);
    await createSilence(deps, body(), ACTOR);
    const { next_cursor } = await listSilences(deps, { limit: '1' });
    const json = JSON.parse(Buffer.from(next_cursor!, 'base64url').toString('utf8')) as { s: string; b: string; k: Record<string, string> };
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      `${next_cursor}x!`,
      forged({ ...json, s: 'sometimes' }),
      forged({ ...json, b: 'yesterday' }),
      // A key outside the segment's range: DynamoDB would reject the Query with a ValidationException.
      forged({ ...json, k: { ...json.k, lsk: '0000' } }),
      forged({ ...json, k: { ...json.k, lpk: 'GROUPS' } }),
      forged({ ...json, extra: 1 }),
      forged('a string'),
      // Keys in range but longer than DynamoDB takes (1,024 bytes for a sort key): its Query would fail.
      forged({ ...json, k: { ...json.k, lsk: `${json.k.lsk}${'x'.repeat(2000)}` } }),
      forged({ ...json, k: { ...json.k, sk: `SILENCE#${'é'.repeat(600)}` } }),
    ]) {
      await expect(listSilences(deps, { cursor }), cursor).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^invalid cursor/) });
    }
    await expect(listSilences(deps, { cursor: next_cursor!, state: 'expired' })).rejects.toMatchObject({ status: 400 });
    await expect(listSilences(deps, { limit: '-1' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^limit must be/) });
  });
});

let seq = 0;
/** Store a group holding the given alerts (by labels) for receiver `team`. */
async function group(alerts: Array<{ labels: Record<string, string>; status?: 'firing' | 'resolved' }>): Promise<string> {
  const groupId = `g-${++seq}-${clockMs}`;
  const members: Record<string, GroupAlert> = {};
  for (const a of alerts) {
    const fp = fingerprint(a.labels);
    members[fp] = { fingerprint: fp, status: a.status ?? 'firing', labels: a.labels, annotations: {}, startsAt: iso(-HOUR), source: 'generic' };
  }
  // Only the fields the silences API reads (and the store's key, version and TTL): the rest of
  // GroupState is the router's and changes with it.
  const state: Pick<GroupState, 'groupId' | 'routeId' | 'receiver' | 'groupKey' | 'groupLabels' | 'alerts' | 'version' | 'updatedAt' | 'expiresAt'> = {
    groupId,
    routeId: 'root',
    receiver: 'team',
    groupKey: `{}:{alertname="${alerts[0]!.labels.alertname}"}`,
    groupLabels: {},
    alerts: members,
    version: 1,
    updatedAt: iso(-HOUR),
    expiresAt: Math.floor(clockMs / 1000) + 86_400,
  };
  await deps.groups.put(state as GroupState);
  return groupId;
}

describe('expireSilence', () => {
  it('ends an active silence now and sends one flush per group whose firing alerts it matched', async () => {
    const heldA = await group([{ labels: { alertname: 'DiskFull', instance: 'a' } }]);
    const heldB = await group([{ labels: { alertname: 'CPUHigh' } }, { labels: { alertname: 'DiskFull', instance: 'b' } }]);
    await group([{ labels: { alertname: 'CPUHigh', instance: 'c' } }]);
    await group([{ labels: { alertname: 'DiskFull', instance: 'd' }, status: 'resolved' }]);
    const s = await createSilence(deps, body({ ends_at: iso(2 * HOUR) }), ACTOR);
    clockMs += 60_000;

    const res = await expireSilence(deps, s.id, ACTOR);
    expect(res).toEqual({ ...s, ends_at: iso(0), updated_at: iso(0), expired_by: ACTOR, status: { state: 'expired' }, reevaluated_groups: 2 });
    expect((await getSilence(deps, s.id)).status.state).toBe('expired');

    expect(queues.calls.map((c) => c.queue)).toEqual([ALERTS_QUEUE]);
    const flushes = queues.flushes();
    expect(flushes.map((f) => f.groupId).sort()).toEqual([heldA, heldB].sort());
    for (const f of flushes) expect(f).toMatchObject({ kind: 'flush', reason: 'silence', at: clockMs });
    expect(new Set(flushes.map((f) => f.id)).size).toBe(2);
  });

  it('sends flushes in SQS-sized batches', async () => {
    for (let i = 0; i < 12; i++) await group([{ labels: { alertname: 'Batch', instance: String(i) } }]);
    const s = await createSilence(deps, body({ matchers: ['alertname="Batch"'] }), ACTOR);

    expect((await expireSilence(deps, s.id, ACTOR)).reevaluated_groups).toBe(12);
    expect(queues.calls.map((c) => c.messages.length)).toEqual([10, 2]);
    for (const c of queues.calls) expect(new Set(c.messages.map((m) => m.id)).size).toBe(c.messages.length);
  });

  it('expires a pending silence with start = end = now and re-evaluates nothing (it never applied)', async () => {
    await group([{ labels: { alertname: 'Pending' } }]);
    const s = await createSilence(deps, body({ matchers: ['alertname="Pending"'], starts_at: iso(HOUR), ends_at: iso(2 * HOUR) }), ACTOR);

    const res = await expireSilence(deps, s.id, ACTOR);
    expect(res).toMatchObject({ starts_at: iso(0), ends_at: iso(0), status: { state: 'expired' }, reevaluated_groups: 0 });
    expect(queues.calls).toEqual([]);
  });

  it('is idempotent for an expired silence; one that ended by itself re-evaluates nothing', async () => {
    await group([{ labels: { alertname: 'Ended' } }]);
    const s = await createSilence(deps, body({ matchers: ['alertname="Ended"'], ends_at: iso(HOUR) }), ACTOR);
    clockMs += 2 * HOUR;

    const res = await expireSilence(deps, s.id, ACTOR);
    expect(res).toEqual({ ...s, status: { state: 'expired' }, reevaluated_groups: 0 });
    expect(queues.calls).toEqual([]);
  });

  it('re-sends the flushes when a silence an earlier DELETE ended is expired again (that DELETE may have failed to send)', async () => {
    const held = await group([{ labels: { alertname: 'Again' } }]);
    const s = await createSilence(deps, body({ matchers: ['alertname="Again"'] }), ACTOR);
    clockMs += 1000;
    const failing: QueuePort = {
      send: async () => {
        throw new Error('SQS unavailable');
      },
      changeVisibility: async () => {},
    };
    await expect(expireSilence({ ...deps, queues: failing }, s.id, ACTOR)).rejects.toThrow('SQS unavailable');
    const endedAt = iso(0);
    clockMs += 1000;

    const retry = await expireSilence(deps, s.id, ACTOR);
    expect(retry).toMatchObject({ ends_at: endedAt, reevaluated_groups: 1 });
    expect(queues.flushes().map((f) => f.groupId)).toEqual([held]);
  });

  it('answers NotFoundError for an unknown id', async () => {
    await expect(expireSilence(deps, 'no-such-silence', ACTOR)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('upsertSilence: editing with Alertmanager 0.25 semantics (a body with id)', () => {
  const edit = (id: string, overrides: Record<string, unknown> = {}) => body({ id, ...overrides });

  it('extends an active silence in place: same id, created false, the editing token as actor, nothing re-evaluated', async () => {
    await group([{ labels: { alertname: 'DiskFull' } }]);
    const s = await createSilence(deps, body(), 'creator-token');
    clockMs += 60_000;

    const res = await upsertSilence(deps, edit(s.id, { starts_at: s.starts_at, ends_at: iso(3 * HOUR), comment: 'longer swap' }), ACTOR);
    expect(res).toEqual({ created: false, silence: { ...s, ends_at: iso(3 * HOUR), comment: 'longer swap', updated_at: iso(0), actor: ACTOR, status: { state: 'active' } } });
    expect(await getSilence(deps, s.id)).toEqual(res.silence);
    expect((await listSilences(deps)).silences.map((x) => x.id)).toEqual([s.id]);
    expect(queues.calls).toEqual([]);
  });

  it('an in-place edit that ends an active silence earlier re-evaluates the groups it held', async () => {
    const held = await group([{ labels: { alertname: 'DiskFull', instance: 'a' } }]);
    await group([{ labels: { alertname: 'CPUHigh' } }]);
    const s = await createSilence(deps, body({ ends_at: iso(3 * HOUR) }), ACTOR);
    clockMs += 60_000;

    const res = await upsertSilence(deps, edit(s.id, { starts_at: s.starts_at, ends_at: iso(HOUR) }), ACTOR);
    expect(res).toMatchObject({ created: false, silence: { id: s.id, ends_at: iso(HOUR), status: { state: 'active' } } });
    expect(res).not.toHaveProperty('replaced');
    expect(queues.flushes().map((f) => [f.groupId, f.reason, f.at])).toEqual([[held, 'silence', clockMs]]);
  });

  it('changed matchers: expires the active silence as DELETE does, stores a new one, and flushes the held groups once both are written', async () => {
    const held = await group([{ labels: { alertname: 'DiskFull', instance: 'a' } }]);
    const s = await createSilence(deps, body(), 'creator-token');
    clockMs += 60_000;
    const seenAtFlush: string[][] = [];
    const watching: QueuePort = {
      send: async (queue, messages) => {
        seenAtFlush.push((await deps.silences.current(new Date(clockMs))).map((x) => x.id));
        await queues.send(queue, messages);
      },
      changeVisibility: async () => {},
    };

    const res = await upsertSilence({ ...deps, queues: watching }, edit(s.id, { matchers: ['alertname="DiskFull"', 'instance="a"'], starts_at: s.starts_at }), ACTOR);
    expect(res.created).toBe(true);
    expect(res.replaced).toBe(s.id);
    expect(res.silence.id).not.toBe(s.id);
    // A new silence: its start (in the past) moved to now.
    expect(res.silence).toMatchObject({ starts_at: iso(0), ends_at: iso(HOUR), actor: ACTOR, status: { state: 'active' } });
    expect(await getSilence(deps, s.id)).toMatchObject({ ends_at: iso(0), updated_at: iso(0), expired_by: ACTOR, status: { state: 'expired' } });
    expect(queues.flushes().map((f) => f.groupId)).toEqual([held]);
    expect(seenAtFlush).toEqual([[res.silence.id]]);
  });

  it('a moved start of an active silence makes a new silence (pending here), the old one expired', async () => {
    const s = await createSilence(deps, body({ ends_at: iso(2 * HOUR) }), ACTOR);
    clockMs += 60_000;
    const res = await upsertSilence(deps, edit(s.id, { starts_at: iso(HOUR), ends_at: iso(2 * HOUR) }), ACTOR);
    expect(res).toMatchObject({ created: true, replaced: s.id, silence: { starts_at: iso(HOUR), status: { state: 'pending' } } });
    expect((await getSilence(deps, s.id)).status.state).toBe('expired');
  });

  it('a body without starts_at starts now, so it replaces an active silence rather than editing it', async () => {
    const s = await createSilence(deps, body(), ACTOR);
    clockMs += 60_000;
    const res = await upsertSilence(deps, edit(s.id, { ends_at: iso(2 * HOUR) }), ACTOR);
    expect(res).toMatchObject({ created: true, replaced: s.id, silence: { starts_at: iso(0) } });
  });

  it('a pending silence: a later start edits it in place; a start in the past replaces it, expired as pending (start = end = now)', async () => {
    await group([{ labels: { alertname: 'DiskFull' } }]);
    const p = await createSilence(deps, body({ starts_at: iso(HOUR), ends_at: iso(2 * HOUR) }), ACTOR);
    const later = await upsertSilence(deps, edit(p.id, { starts_at: iso(90 * 60_000), ends_at: iso(3 * HOUR) }), ACTOR);
    expect(later).toEqual({ created: false, silence: { ...p, starts_at: iso(90 * 60_000), ends_at: iso(3 * HOUR), status: { state: 'pending' } } });

    clockMs += 1000;
    const past = await upsertSilence(deps, edit(p.id, { starts_at: iso(-60_000), ends_at: iso(3 * HOUR) }), ACTOR);
    expect(past).toMatchObject({ created: true, replaced: p.id, silence: { starts_at: iso(0), status: { state: 'active' } } });
    expect(await getSilence(deps, p.id)).toMatchObject({ starts_at: iso(0), ends_at: iso(0), expired_by: ACTOR });
    // It never applied, so it held nothing.
    expect(queues.calls).toEqual([]);
  });

  it('an expired silence is never edited: a new one is stored and the old one is left exactly as it was', async () => {
    await group([{ labels: { alertname: 'DiskFull' } }]);
    const s = await createSilence(deps, body(), ACTOR);
    clockMs += 1000;
    const expired = await expireSilence(deps, s.id, 'someone-else');
    queues.calls = [];
    clockMs += 1000;

    const res = await upsertSilence(deps, edit(s.id, { starts_at: s.starts_at }), ACTOR);
    expect(res.created).toBe(true);
    expect(res).not.toHaveProperty('replaced');
    expect(res.silence.id).not.toBe(s.id);
    const { reevaluated_groups: _n, ...expiredView } = expired;
    expect(await getSilence(deps, s.id)).toEqual(expiredView);
    expect(queues.calls).toEqual([]);
  });

  it('an unknown id is a NotFoundError (404) and stores nothing', async () => {
    const err = await upsertSilence(deps, edit('no-such-silence'), ACTOR).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).status).toBe(404);
    expect(await listSilences(deps)).toEqual({ silences: [], next_cursor: null });
  });

  it('validates the body as a create does, before anything is read or written', async () => {
    const s = await createSilence(deps, body(), ACTOR);
    clockMs += 1000;
    const err = await upsertSilence(deps, edit(s.id, { starts_at: s.starts_at, ends_at: iso(-500) }), ACTOR).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/ends_at must be in the future/);
    expect(await upsertSilence(deps, edit(7 as unknown as string), ACTOR).catch((e: unknown) => (e as ValidationError).details)).toEqual([{ path: 'id', message: 'id must be a string (the id of the silence to edit)' }]);
    expect(await getSilence(deps, s.id)).toEqual(s);
  });

  it('silences.max_silences does not count the silence edited or replaced; a new one is still refused at the limit', async () => {
    const limited = { ...deps, limits: { max_silences: 2, max_silence_bytes: 16 * 1024 } };
    const a = await createSilence(limited, body({ comment: 'a' }), ACTOR);
    await createSilence(limited, body({ comment: 'b' }), ACTOR);
    clockMs += 1000;

    expect(await upsertSilence(limited, edit(a.id, { starts_at: a.starts_at, ends_at: iso(2 * HOUR) }), ACTOR)).toMatchObject({ created: false });
    const replaced = await upsertSilence(limited, edit(a.id, { matchers: ['alertname="Other"'], starts_at: a.starts_at }), ACTOR);
    expect(replaced).toMatchObject({ created: true, replaced: a.id });
    await expect(upsertSilence(limited, body({ comment: 'c' }), ACTOR)).rejects.toBeInstanceOf(LimitExceededError);
    expect((await listSilences(deps, { state: 'active' })).silences).toHaveLength(2);
  });

  it('silences.max_silence_bytes applies to the edited silence; the stored one is left unchanged', async () => {
    const limited = { ...deps, limits: { max_silences: 100, max_silence_bytes: 1024 } };
    const s = await createSilence(limited, body(), ACTOR);
    const err = await upsertSilence(limited, edit(s.id, { starts_at: s.starts_at, comment: 'x'.repeat(1100) }), ACTOR).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(await getSilence(deps, s.id)).toEqual(s);
  });

  it('a concurrent change is retried once from a fresh read; a second one surfaces as ConflictError (409)', async () => {
    const s = await createSilence(deps, body({ ends_at: iso(2 * HOUR) }), ACTOR);
    clockMs += 1000;
    // Another writer edits the silence between this edit's read and its write, once.
    let raced = 0;
    const racing = (times: number) => {
      let gets = 0;
      const store = Object.create(deps.silences) as SilenceDeps['silences'];
      store.get = async (id, now) => {
        gets++;
        return deps.silences.get(id, now);
      };
      store.update = async (next, expected) => {
        if (raced < times) {
          raced++;
          const current = (await deps.silences.get(next.id, new Date(clockMs)))!;
          await deps.silences.update({ ...current, comment: `other writer ${raced}`, updated_at: new Date(clockMs + raced).toISOString() }, current.updated_at);
        }
        return deps.silences.update(next, expected);
      };
      return { store, gets: () => gets };
    };

    const once = racing(1);
    const res = await upsertSilence({ ...deps, silences: once.store }, edit(s.id, { starts_at: s.starts_at, ends_at: iso(3 * HOUR), comment: 'mine' }), ACTOR);
    expect(res).toMatchObject({ created: false, silence: { id: s.id, comment: 'mine', ends_at: iso(3 * HOUR) } });
    expect(once.gets()).toBe(2);
    expect((await getSilence(deps, s.id)).comment).toBe('mine');

    raced = 0;
    clockMs += 1000;
    const twice = racing(2);
    const err = await upsertSilence({ ...deps, silences: twice.store }, edit(s.id, { starts_at: s.starts_at, ends_at: iso(4 * HOUR), comment: 'mine again' }), ACTOR).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).status).toBe(409);
    expect(twice.gets()).toBe(2);
    expect((await getSilence(deps, s.id)).comment).toBe('other writer 2');
  });

  it('createSilence edits too and returns the view; without groups and queues (a caller that only creates) an id is refused', async () => {
    const s = await createSilence(deps, body(), ACTOR);
    clockMs += 1000;
    const view = await createSilence(deps, edit(s.id, { starts_at: s.starts_at, comment: 'edited' }), ACTOR);
    expect(view).toMatchObject({ id: s.id, comment: 'edited' });
    const createOnly = { silences: deps.silences, clock: deps.clock, limits: deps.limits };
    await expect(createSilence(createOnly, edit(s.id, { starts_at: s.starts_at }), ACTOR)).rejects.toThrow(/needs deps.groups and deps.queues/);
    expect(await createSilence(createOnly, body(), ACTOR)).toMatchObject({ status: { state: 'active' } });
  });
});
