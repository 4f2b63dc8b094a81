import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Silence } from '../../shared/silences/model';
import type { GroupAlert, GroupState } from '../../shared/grouping/model';
import type { ListKey } from '../../shared/store/keys';
import { DEFAULT_RETENTION_S, type StoreOptions, type Stores } from '../../shared/store/port';
import { historyKey, type HistoryEntry, type HistoryStore } from '../../shared/history/history';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { openLocalDatabase, type LocalDatabase } from '../../shared/local/sqlite';
import { dynamoStores } from '../../shared/store/dynamo';
import { sqliteStores } from '../../shared/store/sqlite';
import { SILENCE_RETENTION_S } from '../../shared/store/silences';
import { freshStores, STORE_ADAPTERS, type StoreAdapter } from '../support/store-adapters';
import { pinged, tick, type Heartbeat } from '../../shared/heartbeats/heartbeat';
import { CHECK_RETENTION_S, compileCheck, evaluate, type CheckState, type StoredCheck } from '../../shared/checks/check';
import { CheckConfig } from '../../shared/checks/config';

const HEARTBEAT: Heartbeat = { name: 'backup', everyMs: 60_000, graceMs: 0, matchers: undefined, labels: {}, annotations: {} };
import { acknowledge, resolveIncident, startIncident, type Incident } from '../../shared/escalation/incident';
import type { EscalationPolicy } from '../../shared/escalation/policy';
import { groupState } from '../support/group-state';

/**
 * The store contract: what the domain relies on of every store, run against each adapter (DynamoDB
 * over dynalite, and SQLite). The routing, noise-control, claim, gate and rate-limit suites run
 * against both as well (see test/support/store-adapters.ts); this one pins the stores' own
 * semantics: conditional writes, TTL as readers see it, listing order and cursors.
 */
const NOW = new Date('2026-12-06T10:00:00.000Z');
const H = 3_600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

function group(id: string, version: number, over: Partial<GroupState> = {}): GroupState {
  const a: GroupAlert = { fingerprint: `fp-${id}`, status: 'firing', labels: { alertname: 'DiskFull', id }, annotations: {}, startsAt: NOW.toISOString(), source: 'generic' };
  return groupState(id, [a], NOW, { groupKey: `{}:{id="${id}"}`, groupLabels: { id }, version, lastWrite: { ids: [`m-${version}`] }, ...over });
}

const POLICY: EscalationPolicy = {
  name: 'critical',
  steps: [
    { notify: ['team'], waitMs: 60_000 },
    { notify: ['oncall'], waitMs: undefined },
  ],
  repeat: 0,
  ackTimeoutMs: undefined,
  ackAllowed: true,
  notifyOn: ['ack', 'resolve'],
};

/** A new incident started at `startMs` from NOW. */
function incident(id: string, startMs = 0): Incident {
  return startIncident({ id, groupId: `g-${id}`, groupKey: `{}:{id="${id}"}`, groupLabels: { id }, routeReceiver: 'team', policy: POLICY, token: 't0' }, NOW.getTime() + startMs).next;
}

let seq = 0;
function silence(startMs: number, endMs: number, over: Partial<Silence> = {}): Silence {
  return {
    id: `s-${String(++seq).padStart(3, '0')}`,
    matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
    starts_at: iso(startMs),
    ends_at: iso(endMs),
    created_by: 'alice',
    comment: 'disk swap',
    updated_at: iso(-2 * H),
    actor: 'ops',
    ...over,
  };
}

/**
 * For a `describe` of one adapter: fresh stores built with `opts` (the config's retention), as the
 * runtimes build them; the shared factory (test/support/store-adapters.ts) takes the defaults.
 */
function freshStoresWith(adapter: StoreAdapter): (opts?: StoreOptions) => Promise<Stores> {
  let dynamo: LocalDynamo | undefined;
  const open: LocalDatabase[] = [];
  let tables = 0;
  beforeAll(async () => {
    if (adapter === 'dynamodb') dynamo = await startLocalDynamo('retention-0');
  });
  afterAll(async () => {
    await dynamo?.close();
    for (const database of open) database.close();
  });
  return async (opts = { retentionS: DEFAULT_RETENTION_S }) => {
    if (adapter === 'dynamodb') {
      const table = `retention-${++tables}`;
      await dynamo!.createTable(table);
      return dynamoStores(dynamo!.db, table, opts);
    }
    const database = openLocalDatabase(undefined);
    open.push(database);
    return sqliteStores(database, opts);
  };
}

const DAY = 86_400_000;
/**
 * Midnight (UTC) two days before today. History is recorded against the wall clock (an entry past
 * retention when recorded is not written), so its tests place entries relative to it.
 */
const historyDay0 = () => Math.floor(Date.now() / DAY) * DAY - 2 * DAY;

let historySeq = 0;
/** A history entry resolved at `resolvedAtMs` (epoch ms), started ten minutes before. */
function historyEntry(resolvedAtMs: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  const n = ++historySeq;
  return {
    fingerprint: n.toString(16).padStart(16, '0'),
    labels: { alertname: 'DiskFull', host: `h${n}` },
    annotations: { summary: 'disk full' },
    startsAt: new Date(resolvedAtMs - 600_000).toISOString(),
    resolvedAt: new Date(resolvedAtMs).toISOString(),
    receiver: 'team',
    groupId: 'g-1',
    groupKey: '{}:{alertname="DiskFull"}',
    ...over,
  };
}

/** Every page of `range`, `limit` entries at a time, each resuming after the previous page's `last`. */
async function historyPages(h: HistoryStore, range: { from: Date; to: Date }, limit: number, now: Date): Promise<Array<{ keys: string[]; read: number; last: string | undefined }>> {
  const pages: Array<{ keys: string[]; read: number; last: string | undefined }> = [];
  let after: string | undefined;
  do {
    const page = await h.page(range, after, limit, now);
    pages.push({ keys: page.entries.map(historyKey), read: page.read, last: page.last });
    after = page.last;
  } while (after !== undefined && pages.length < 50);
  return pages;
}

describe.each(STORE_ADAPTERS)('store contract (%s store)', (adapter) => {
  const stores = freshStores(adapter);
  let s: Stores;
  const fresh = async () => (s = await stores());

  describe('groups', () => {
    it('creates at version 1 and writes each next version only over the one before (else ConflictError)', async () => {
      await fresh();
      await s.groups.put(group('g1', 1));
      await expect(s.groups.put(group('g1', 1))).rejects.toBeInstanceOf(ConflictError);
      await s.groups.put(group('g1', 2, { flushSeq: 3, nflog: { 'webhook[0]': { firing: ['fp-g1'], resolved: [], at: 5 } } }));
      await expect(s.groups.put(group('g1', 2))).rejects.toBeInstanceOf(ConflictError);
      await expect(s.groups.put(group('g1', 4))).rejects.toBeInstanceOf(ConflictError);
      const read = (await s.groups.getMany(['g1', 'missing'], NOW)).get('g1');
      expect(read).toEqual(group('g1', 2, { flushSeq: 3, nflog: { 'webhook[0]': { firing: ['fp-g1'], resolved: [], at: 5 } } }));
      expect((await s.groups.getMany(['missing'], NOW)).size).toBe(0);
    });

    it('lets exactly one of two concurrent writers of a version win', async () => {
      await fresh();
      await s.groups.put(group('g1', 1));
      const results = await Promise.allSettled([s.groups.put(group('g1', 2, { flushSeq: 1 })), s.groups.put(group('g1', 2, { flushSeq: 2 }))]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = results[0]!.status === 'fulfilled' ? 1 : 2;
      expect((await s.groups.getMany(['g1'], NOW)).get('g1')!.flushSeq).toBe(winner);
    });

    it('hides a group past its TTL from reads, and lets a new version 1 replace it', async () => {
      await fresh();
      await s.groups.put(group('g1', 1, { expiresAt: epoch(NOW) + 60 }));
      expect((await s.groups.getMany(['g1'], at(61_000))).size).toBe(0);
      expect((await s.groups.list(at(61_000))).length).toBe(0);
      // Not expired yet: a new group of the same id conflicts.
      await expect(s.groups.put(group('g1', 1, { updatedAt: NOW.toISOString() }))).rejects.toBeInstanceOf(ConflictError);
      await s.groups.put(group('g1', 1, { updatedAt: iso(61_000), flushSeq: 9 }));
      expect((await s.groups.getMany(['g1'], at(61_000))).get('g1')!.flushSeq).toBe(9);
    });

    it('finds the groups holding an alert, firing or recently resolved, and no longer once it left', async () => {
      await fresh();
      const fp = 'fp-shared';
      const shared: GroupAlert = { fingerprint: fp, status: 'firing', labels: { alertname: 'Shared' }, annotations: {}, startsAt: NOW.toISOString(), source: 'generic' };
      await s.groups.put(group('a', 1, { alerts: { [fp]: shared } }));
      await s.groups.put(group('b', 1, { recentlyResolved: { [fp]: { ...shared, status: 'resolved', resolvedAt: NOW.toISOString() } } }));
      await s.groups.put(group('c', 1));
      expect((await s.groups.holding(fp, NOW)).map((g) => g.groupId).sort()).toEqual(['a', 'b']);
      await s.groups.put(group('a', 2));
      expect((await s.groups.holding(fp, NOW)).map((g) => g.groupId)).toEqual(['b']);
      expect(await s.groups.holding('unknown', NOW)).toEqual([]);
    });

    it('lists by receiver then group key, a page at a time, resuming at a cursor', async () => {
      await fresh();
      const ids = ['c', 'a', 'e', 'b', 'd'];
      for (const id of ids) await s.groups.put(group(id, 1, { receiver: id === 'e' ? 'aaa-first' : 'team' }));
      const seen: string[] = [];
      let after: ListKey | undefined;
      let pages = 0;
      do {
        const page = await s.groups.page(after, 2, NOW);
        expect(page.read).toBeLessThanOrEqual(2);
        seen.push(...page.groups.map((g) => g.groupId));
        after = page.last;
        pages++;
      } while (after && pages < 10);
      expect(seen).toEqual(['e', 'a', 'b', 'c', 'd']);
      expect((await s.groups.list(NOW)).map((g) => g.groupId)).toEqual(['e', 'a', 'b', 'c', 'd']);
    });
  });

  describe('silences', () => {
    it('creates once, reads back, lists, and treats a past-retention silence as gone', async () => {
      await fresh();
      const x = silence(-H, H);
      await s.silences.create(x);
      await expect(s.silences.create({ ...x, comment: 'other' })).rejects.toBeInstanceOf(ConflictError);
      expect(await s.silences.get(x.id, NOW)).toEqual(x);
      expect(await s.silences.get('nope', NOW)).toBeUndefined();
      expect((await s.silences.list(NOW)).map((y) => y.id)).toEqual([x.id]);
      const gone = at(H + SILENCE_RETENTION_S * 1000 + 1000);
      expect(await s.silences.get(x.id, gone)).toBeUndefined();
      expect(await s.silences.list(gone)).toEqual([]);
    });

    it('lists current silences ending soonest first and ended ones latest first, across pages', async () => {
      await fresh();
      const later = silence(-H, 3 * H);
      const sooner = silence(-H, H);
      const pending = silence(H, 2 * H);
      const endedLong = silence(-3 * H, -2 * H);
      const endedJust = silence(-3 * H, -H);
      for (const x of [later, sooner, pending, endedLong, endedJust]) await s.silences.create(x);
      expect((await s.silences.current(NOW)).map((x) => x.id)).toEqual([sooner.id, pending.id, later.id]);
      const first = await s.silences.page('current', NOW, undefined, 2, NOW);
      expect(first.silences.map((x) => x.id)).toEqual([sooner.id, pending.id]);
      const second = await s.silences.page('current', NOW, first.last, 2, NOW);
      expect(second.silences.map((x) => x.id)).toEqual([later.id]);
      expect((await s.silences.page('ended', NOW, undefined, 10, NOW)).silences.map((x) => x.id)).toEqual([endedJust.id, endedLong.id]);
    });

    it('expires as Alertmanager does: active ends now, pending starts and ends now, expired unchanged, unknown 404', async () => {
      await fresh();
      const active = silence(-H, H);
      const pending = silence(H, 2 * H);
      const ended = silence(-2 * H, -H);
      for (const x of [active, pending, ended]) await s.silences.create(x);
      const a = await s.silences.expire(active.id, NOW, 'oncall');
      expect(a.after).toEqual({ ...active, ends_at: NOW.toISOString(), updated_at: NOW.toISOString(), expired_by: 'oncall' });
      expect(a.previous).toBe('active');
      expect(await s.silences.get(active.id, NOW)).toEqual(a.after);
      const p = await s.silences.expire(pending.id, NOW, 'oncall');
      expect([p.after.starts_at, p.after.ends_at]).toEqual([NOW.toISOString(), NOW.toISOString()]);
      const e = await s.silences.expire(ended.id, NOW, 'oncall');
      expect(e).toEqual({ before: ended, after: ended, previous: 'expired' });
      await expect(s.silences.expire('nope', NOW, 'oncall')).rejects.toBeInstanceOf(NotFoundError);
      // Expiring moves it out of the current listing.
      expect((await s.silences.current(NOW)).map((x) => x.id)).toEqual([]);
    });

    it('updates in place over the version read: same id, the whole silence replaced, its retention following the new end', async () => {
      await fresh();
      const x = silence(-H, H);
      await s.silences.create(x);
      const next: Silence = { ...x, ends_at: iso(3 * H), comment: 'longer swap', created_by: 'bob', updated_at: iso(0), actor: 'editor' };
      await s.silences.update(next, x.updated_at);
      expect(await s.silences.get(x.id, NOW)).toEqual(next);
      expect(await s.silences.list(NOW)).toEqual([next]);
      // Kept for the retention after its new end, not its old one.
      const pastOldRetention = at(H + SILENCE_RETENTION_S * 1000 + 1000);
      expect(await s.silences.get(x.id, pastOldRetention)).toEqual(next);
      expect(await s.silences.get(x.id, at(3 * H + SILENCE_RETENTION_S * 1000 + 1000))).toBeUndefined();
      // A field the new version lacks is gone, not kept from the old one.
      const { actor: _actor, ...withoutActor } = { ...next, updated_at: iso(1000) };
      await s.silences.update(withoutActor, next.updated_at);
      expect(await s.silences.get(x.id, NOW)).toEqual(withoutActor);
      // Expiring goes on from the updated version.
      const e = await s.silences.expire(x.id, at(2000), 'oncall');
      expect(e).toMatchObject({ before: withoutActor, previous: 'active', after: { ends_at: iso(2000), comment: 'longer swap' } });
    });

    it('refuses an update over a stale updated_at, or of a silence that is not there, with ConflictError, changing nothing', async () => {
      await fresh();
      const x = silence(-H, H);
      await s.silences.create(x);
      const first: Silence = { ...x, ends_at: iso(2 * H), updated_at: iso(0) };
      await s.silences.update(first, x.updated_at);
      // A second writer that read the silence before the first update.
      await expect(s.silences.update({ ...x, ends_at: iso(5 * H), updated_at: iso(1000) }, x.updated_at)).rejects.toBeInstanceOf(ConflictError);
      expect(await s.silences.get(x.id, NOW)).toEqual(first);
      expect((await s.silences.current(NOW)).map((y) => y.ends_at)).toEqual([iso(2 * H)]);
      // An expire in between makes the version read stale too.
      await s.silences.expire(x.id, at(1000), 'oncall');
      await expect(s.silences.update({ ...first, ends_at: iso(5 * H), updated_at: iso(2000) }, first.updated_at)).rejects.toBeInstanceOf(ConflictError);
      expect((await s.silences.get(x.id, NOW))?.expired_by).toBe('oncall');
      // No such silence: nothing to update, and nothing is created.
      const ghost = silence(-H, H);
      await expect(s.silences.update(ghost, ghost.updated_at)).rejects.toBeInstanceOf(ConflictError);
      expect(await s.silences.get(ghost.id, NOW)).toBeUndefined();
    });

    it('lists an updated silence by its new end, once: current and ended pages, current and list', async () => {
      await fresh();
      const a = silence(-H, H);
      const b = silence(-H, 2 * H);
      const c = silence(-H, 3 * H);
      const ended = silence(-3 * H, -2 * H);
      for (const x of [a, b, c, ended]) await s.silences.create(x);
      const ids = (list: Silence[]) => list.map((x) => x.id);
      const pagesOf = async (segment: 'current' | 'ended') => {
        const out: Silence[] = [];
        let after: ListKey | undefined;
        do {
          const page = await s.silences.page(segment, NOW, after, 1, NOW);
          out.push(...page.silences);
          after = page.last;
        } while (after);
        return out;
      };

      // a, ending first, now ends last.
      const aLater: Silence = { ...a, ends_at: iso(4 * H), updated_at: iso(0) };
      await s.silences.update(aLater, a.updated_at);
      expect(ids(await s.silences.current(NOW))).toEqual([b.id, c.id, a.id]);
      const current = await pagesOf('current');
      expect(ids(current)).toEqual([b.id, c.id, a.id]);
      expect(current.find((x) => x.id === a.id)).toEqual(aLater);
      expect(ids(await pagesOf('ended'))).toEqual([ended.id]);

      // c, ending after b, now ends first (an earlier end moves it forward).
      const cSooner: Silence = { ...c, ends_at: iso(H / 2), updated_at: iso(0) };
      await s.silences.update(cSooner, c.updated_at);
      expect(ids(await pagesOf('current'))).toEqual([c.id, b.id, a.id]);

      // b, given an end in the past, moves to the ended segment (latest end first).
      const bEnded: Silence = { ...b, ends_at: iso(-H), updated_at: iso(0) };
      await s.silences.update(bEnded, b.updated_at);
      expect(ids(await pagesOf('current'))).toEqual([c.id, a.id]);
      expect(ids(await s.silences.current(NOW))).toEqual([c.id, a.id]);
      const endedNow = await pagesOf('ended');
      expect(ids(endedNow)).toEqual([b.id, ended.id]);
      expect(endedNow[0]).toEqual(bEnded);

      const all = await s.silences.list(NOW);
      expect(all).toHaveLength(4);
      expect(new Map(all.map((x) => [x.id, x.ends_at]))).toEqual(
        new Map([
          [a.id, iso(4 * H)],
          [b.id, iso(-H)],
          [c.id, iso(H / 2)],
          [ended.id, iso(-2 * H)],
        ]),
      );
    });
  });

  describe('deliveries', () => {
    const rec = { notificationId: 'n1', channel: 'webhook[0]', receiver: 'team', target: 'webhook:hooks.example' };
    const attempt = (n: number, outcome: 'success' | 'retryable' | 'permanent') => ({ attempt: n, at: iso(n * 1000), outcome, latencyMs: 5 });

    it('claims once while a claim lives, takes over a lapsed one, and refuses a final status', async () => {
      await fresh();
      const first = await s.deliveries.claim(rec, { now: NOW, untilMs: NOW.getTime() + 60_000, final: ['delivered', 'failed'] });
      expect(first.claimed).toBe(true);
      const second = await s.deliveries.claim(rec, { now: at(1000), untilMs: NOW.getTime() + 61_000, final: ['delivered', 'failed'] });
      expect(second).toMatchObject({ claimed: false, current: { status: 'in_progress' } });
      const takeover = await s.deliveries.claim(rec, { now: at(60_000), untilMs: NOW.getTime() + 120_000, final: ['delivered', 'failed'] });
      expect(takeover.claimed).toBe(true);
      expect(await s.deliveries.recordAttempt({ ...rec, status: 'delivered' }, attempt(1, 'success'), at(61_000))).toBe(true);
      const final = await s.deliveries.claim(rec, { now: at(200_000), untilMs: NOW.getTime() + 300_000, final: ['delivered', 'failed'] });
      expect(final).toMatchObject({ claimed: false, current: { status: 'delivered' } });
    });

    it('appends attempts, never turns delivered back, and reports outcomes by id', async () => {
      await fresh();
      expect(await s.deliveries.recordAttempt({ ...rec, status: 'retrying' }, attempt(1, 'retryable'), NOW)).toBe(true);
      expect(await s.deliveries.recordAttempt({ ...rec, status: 'delivered' }, attempt(2, 'success'), NOW)).toBe(true);
      expect(await s.deliveries.recordAttempt({ ...rec, status: 'retrying' }, attempt(3, 'retryable'), NOW)).toBe(false);
      const got = await s.deliveries.get('n1');
      expect(got).toMatchObject({ ...rec, status: 'delivered', updatedAt: iso(2000) });
      expect(got!.attempts.map((a) => a.attempt)).toEqual([1, 2]);
      expect(got!.claimExpiresAt).toBeUndefined();
      const outcomes = await s.deliveries.outcomes(['n1', 'n1', 'unknown']);
      expect([...outcomes.entries()]).toEqual([['n1', { status: 'delivered', at: Date.parse(iso(2000)) }]]);
    });

    it('gives a claim back only to its holder', async () => {
      await fresh();
      const c = await s.deliveries.claim(rec, { now: NOW, untilMs: NOW.getTime() + 60_000, final: [] });
      if (!c.claimed) throw new Error('expected a claim');
      await s.deliveries.release('n1', 'not-the-token', NOW);
      expect((await s.deliveries.claim(rec, { now: at(1), untilMs: NOW.getTime() + 60_000, final: [] })).claimed).toBe(false);
      await s.deliveries.release('n1', c.token, at(2));
      expect((await s.deliveries.claim(rec, { now: at(3), untilMs: NOW.getTime() + 60_000, final: [] })).claimed).toBe(true);
    });

    it('keeps a record\'s origin from its first write and its resend reference from the attempt that set it', async () => {
      await fresh();
      const origin = { createdAt: iso(-5_000), groupId: 'g1', groupKey: '{}:{a="b"}', incidentId: 'i1', alerts: 3 };
      await s.deliveries.claim({ ...rec, ...origin }, { now: NOW, untilMs: NOW.getTime() + 60_000, final: [] });
      const resend = { digest: 'a'.repeat(64), parts: 1, bytes: 10 };
      await s.deliveries.recordAttempt({ ...rec, createdAt: iso(1), groupId: 'other', status: 'failed', resend }, attempt(1, 'permanent'), at(1000));
      expect(await s.deliveries.get('n1')).toMatchObject({ ...origin, status: 'failed', resend });
      // A record made by an attempt alone (a dead letter never claimed) is logged at its first write.
      await s.deliveries.recordAttempt({ ...rec, notificationId: 'n2', status: 'dead_lettered' }, attempt(5, 'retryable'), at(2000));
      expect((await s.deliveries.get('n2'))!.createdAt).toBe(iso(2000));
    });

    it('moves a record between statuses only from the ones named and while no claim holds it', async () => {
      await fresh();
      expect(await s.deliveries.transition('n1', ['failed'], 'retrying', NOW)).toBeUndefined();
      await s.deliveries.recordAttempt({ ...rec, status: 'failed' }, attempt(1, 'permanent'), NOW);
      expect(await s.deliveries.transition('n1', ['dead_lettered'], 'retrying', at(1))).toBeUndefined();
      expect(await s.deliveries.transition('n1', ['failed', 'dead_lettered'], 'retrying', at(2))).toMatchObject({ notificationId: 'n1', status: 'retrying', updatedAt: iso(2) });
      expect((await s.deliveries.get('n1'))!.status).toBe('retrying');
      // A claim taken: the sender holds it, and nothing moves it back under it.
      const c = await s.deliveries.claim(rec, { now: at(3), untilMs: at(60_000).getTime(), final: ['delivered', 'failed'] });
      expect(c.claimed).toBe(true);
      expect(await s.deliveries.transition('n1', ['in_progress', 'retrying'], 'failed', at(4))).toBeUndefined();
      expect((await s.deliveries.get('n1'))!.attempts).toHaveLength(1);
    });

    it('lists the delivery log newest first by notification time, in a range, with a cursor, skipping expired records', async () => {
      await fresh();
      const made = [-3 * H, -2 * H, -1 * H, -30 * 60_000, 0];
      for (const [i, ms] of made.entries()) {
        await s.deliveries.claim({ ...rec, notificationId: `n${i}`, createdAt: iso(ms) }, { now: at(ms + 1000), untilMs: at(ms + 60_000).getTime(), final: [] });
        await s.deliveries.recordAttempt({ ...rec, notificationId: `n${i}`, status: i % 2 ? 'failed' : 'delivered' }, attempt(1, i % 2 ? 'permanent' : 'success'), at(ms + 2000));
      }
      const range = { from: at(-2 * H), to: at(0) };
      const first = await s.deliveries.page(range, undefined, 2, NOW);
      expect(first.records.map((r) => r.notificationId)).toEqual(['n3', 'n2']);
      expect(first.read).toBe(2);
      const second = await s.deliveries.page(range, first.last, 2, NOW);
      expect(second.records.map((r) => [r.notificationId, r.status])).toEqual([['n1', 'failed']]);
      expect(second.last).toBeUndefined();
      // Expired records are skipped but counted.
      const later = new Date(NOW.getTime() + DEFAULT_RETENTION_S * 1000 + 10 * H);
      const gone = await s.deliveries.page({ from: at(-4 * H), to: at(1) }, undefined, 10, later);
      expect(gone.records).toEqual([]);
    });

    it('lists the delivery log across days, a month of day partitions per page at most', async () => {
      await fresh();
      for (const days of [0, 1, 40]) {
        const ms = -days * 24 * H;
        await s.deliveries.recordAttempt({ ...rec, notificationId: `d${days}`, createdAt: iso(ms), status: 'delivered' }, attempt(1, 'success'), at(ms));
      }
      const range = { from: at(-60 * 24 * H), to: at(1) };
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await s.deliveries.page(range, after, 10, at(-60 * 24 * H + 1000));
        seen.push(...page.records.map((r) => r.notificationId));
        if (page.last === undefined) break;
        after = page.last;
      }
      expect(seen).toEqual(['d0', 'd1', 'd40']);
    });
  });

  describe('payloads', () => {
    it('round-trips a payload by reference, idempotently, and answers undefined for one it does not hold', async () => {
      await fresh();
      const value = { alerts: Array.from({ length: 3 }, (_, i) => ({ i, text: 'x'.repeat(100) })) };
      const ref = await s.payloads.put('n1', value, NOW);
      expect(await s.payloads.put('n1', value, NOW)).toEqual(ref);
      expect(await s.payloads.get('n1', ref)).toEqual(value);
      const other = await s.payloads.put('n1', { changed: true }, NOW);
      expect(other.digest).not.toBe(ref.digest);
      expect(await s.payloads.get('n1', ref)).toEqual(value);
      expect(await s.payloads.get('n2', ref)).toBeUndefined();
      expect(await s.payloads.get('n1', { ...ref, digest: '0'.repeat(64) })).toBeUndefined();
    });
  });

  describe('noise control state', () => {
    it('keeps inhibition sources per partition, live ones only, in fingerprint order, up to a limit', async () => {
      await fresh();
      const src = (fp: string, endsAt?: string) => ({ fingerprint: fp, labels: { alertname: 'NodeDown', fp }, status: 'firing' as const, endsAt });
      await s.inhibitions.put('P', src('b'), NOW);
      await s.inhibitions.put('P', src('a'), NOW);
      await s.inhibitions.put('P', src('c', iso(-2 * H)), NOW);
      await s.inhibitions.put('Q', src('z'), NOW);
      expect((await s.inhibitions.query('P', NOW)).map((x) => x.fingerprint)).toEqual(['a', 'b']);
      expect(await s.inhibitions.query('P', NOW, 1)).toEqual([{ fingerprint: 'a', labels: { alertname: 'NodeDown', fp: 'a' }, status: 'firing', endsAt: undefined }]);
      await s.inhibitions.delete('P', 'a');
      expect((await s.inhibitions.query('P', NOW)).map((x) => x.fingerprint)).toEqual(['b']);
    });

    it('reads live cooldowns only', async () => {
      await fresh();
      const k = (n: string) => ({ pk: `COOLDOWN#${n}`, sk: 'COOLDOWN' });
      await s.cooldowns.start(k('a'), NOW.getTime() + 60_000);
      await s.cooldowns.start(k('b'), NOW.getTime() - 1);
      expect([...(await s.cooldowns.getMany([k('a'), k('b'), k('c')], NOW)).entries()]).toEqual([['COOLDOWN#a', NOW.getTime() + 60_000]]);
      expect((await s.cooldowns.getMany([k('a')], at(60_000))).size).toBe(0);
    });

    it('never hands out more than a storm window holds, even to concurrent reservations', async () => {
      await fresh();
      const w = NOW.getTime();
      const got = await Promise.all(Array.from({ length: 8 }, () => s.storms.reserve('team', w, 600_000, 3)));
      expect(got.filter(Boolean)).toHaveLength(3);
      await s.storms.hold('team', w, 600_000, 4);
      await s.storms.hold('team', w, 600_000, 2);
      expect(await s.storms.get('team', w)).toEqual({ sent: 3, heldGroups: 2, heldAlerts: 6 });
      expect(await s.storms.get('team', w + 600_000)).toBeUndefined();
    });
  });
  describe('incidents', () => {
    it('creates once (a second create returns the stored incident), reads back, and writes each next version only over the one before', async () => {
      await fresh();
      const first = incident('i1');
      expect(first.version).toBe(1);
      expect(await s.incidents.create(first, NOW)).toEqual(first);
      const again = await s.incidents.create({ ...first, token: 'other' }, NOW);
      expect(again.token).toBe('t0');
      expect(await s.incidents.get('i1', NOW)).toEqual(first);
      expect(await s.incidents.get('nope', NOW)).toBeUndefined();
      const acked = acknowledge(first, 'alice', NOW.getTime() + 1000, 't1').next;
      await s.incidents.put(acked);
      expect(await s.incidents.get('i1', NOW)).toEqual(acked);
      // A writer that read version 1 loses to the one that wrote version 2.
      await expect(s.incidents.put(resolveIncident(first, 'bob', NOW.getTime() + 2000, 't2').next)).rejects.toBeInstanceOf(ConflictError);
    });

    it('lets exactly one of two concurrent writers of a version win', async () => {
      await fresh();
      const first = await s.incidents.create(incident('i2'), NOW);
      const results = await Promise.allSettled([
        s.incidents.put(acknowledge(first, 'alice', NOW.getTime() + 1, 'ta').next),
        s.incidents.put(resolveIncident(first, 'bob', NOW.getTime() + 1, 'tb').next),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    });

    it('keeps a timeline in time order, each event once', async () => {
      await fresh();
      const t = startIncident({ id: 'i3', groupId: 'g', groupKey: 'k', groupLabels: {}, routeReceiver: 'team', policy: POLICY, token: 't0' }, NOW.getTime());
      await s.incidents.create(t.next, NOW);
      const ack = acknowledge(t.next, 'alice', NOW.getTime() + 5000, 't1');
      await s.incidents.record('i3', ack.event, NOW);
      await s.incidents.record('i3', t.event, NOW);
      await s.incidents.record('i3', t.event, NOW);
      expect(await s.incidents.timeline('i3', NOW)).toEqual([t.event, ack.event]);
      expect(await s.incidents.timeline('other', NOW)).toEqual([]);
    });

    it('lists open and resolved incidents apart, newest first, across pages, and moves one on resolve', async () => {
      await fresh();
      for (let i = 0; i < 5; i++) await s.incidents.create(incident(`l${i}`, i * 1000), NOW);
      const resolved = resolveIncident((await s.incidents.get('l2', NOW))!, 'bob', NOW.getTime() + 9000, 'tr').next;
      await s.incidents.put(resolved);
      const ids: string[] = [];
      let after: ListKey | undefined;
      do {
        const page = await s.incidents.page('open', after, 2, NOW);
        ids.push(...page.incidents.map((i) => i.id));
        after = page.last;
      } while (after);
      expect(ids).toEqual(['l4', 'l3', 'l1', 'l0']);
      expect((await s.incidents.page('resolved', undefined, 10, NOW)).incidents.map((i) => i.id)).toEqual(['l2']);
    });

    it('hides an incident past its retention', async () => {
      await fresh();
      const i = await s.incidents.create(incident('old', -400 * 86_400_000), NOW);
      expect(await s.incidents.get(i.id, NOW)).toBeUndefined();
      expect(await s.incidents.get(i.id, at(-399 * 86_400_000))).toBeDefined();
    });
  });
  describe('heartbeats', () => {
    it('creates at version 1 once, reads back many by name, and writes each next version only over the one before', async () => {
      await fresh();
      const started = tick(HEARTBEAT, undefined, NOW.getTime()).next!;
      await s.heartbeats.put(started);
      await expect(s.heartbeats.put({ ...started, lastPingAt: 1 })).rejects.toBeInstanceOf(ConflictError);
      expect(await s.heartbeats.getMany(['backup', 'other'])).toEqual(new Map([['backup', started]]));
      const missing = tick(HEARTBEAT, started, NOW.getTime() + 3_600_000).next!;
      const pingedMeanwhile = pinged(started, 'backup', NOW.getTime() + 1000);
      await s.heartbeats.put(pingedMeanwhile);
      // The tick read version 1 and loses to the ping that wrote version 2.
      await expect(s.heartbeats.put(missing)).rejects.toBeInstanceOf(ConflictError);
      expect((await s.heartbeats.getMany(['backup'])).get('backup')).toEqual(pingedMeanwhile);
    });

    it('lets exactly one of two concurrent writers of a version win', async () => {
      await fresh();
      const started = tick(HEARTBEAT, undefined, NOW.getTime()).next!;
      await s.heartbeats.put(started);
      const results = await Promise.allSettled([s.heartbeats.put(pinged(started, 'backup', NOW.getTime() + 1)), s.heartbeats.put(pinged(started, 'backup', NOW.getTime() + 2))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    });
  });
  describe('checks', () => {
    // The adapters judge a state's expiry by the wall clock (not an injected now): states here are written relative to it.
    const CPU = CheckConfig.parse({
      name: 'cpu',
      prometheus: { url: 'https://prometheus.example/', query: 'avg(rate(node_cpu_seconds_total{mode!="idle"}[5m])) * 100' },
      condition: '>',
      warning: 80,
      critical: 95,
      for: 2,
      labels: { team: 'infra' },
      annotations: { description: '{{ .Name }} at {{ .Value }}' },
    });
    const DISK = CheckConfig.parse({
      name: 'disk',
      cloudwatch: { namespace: 'CWAgent', metric: 'disk_used_percent', statistic: 'Maximum', dimensions: { path: '/' } },
      condition: '>=',
      critical: 90,
      missing_data: 'alert',
    });
    const definition = (config: CheckConfig, version: number, updatedAt = '2026-12-06T10:00:00.000Z'): StoredCheck => ({ config, createdAt: '2026-12-06T09:00:00.000Z', updatedAt, version });
    /** The states of `config`'s evaluations of `values` (undefined: no data; a string: a failed query), a minute apart from `start`. */
    const states = (config: CheckConfig, start: number, ...values: (number | string | undefined)[]): CheckState[] => {
      const check = compileCheck(config, 'api');
      const out: CheckState[] = [];
      for (const [i, v] of values.entries()) out.push(evaluate(check, out.at(-1), typeof v === 'string' ? { error: v } : { value: v }, start + i * 60_000, 60_000).next);
      return out;
    };
    const byName = <T>(name: (x: T) => string) => (a: T, b: T) => name(a).localeCompare(name(b));

    it('creates a definition at version 1 once, writes each next version only over the one before, and reads back what was written', async () => {
      await fresh();
      const v1 = definition(CPU, 1);
      await s.checks.putDefinition(v1);
      await expect(s.checks.putDefinition(definition({ ...CPU, warning: 70 }, 1))).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getDefinition('cpu')).toEqual(v1);
      const v2 = definition({ ...CPU, warning: 85, paused: true }, 2, '2026-12-06T11:00:00.000Z');
      await s.checks.putDefinition(v2);
      // A writer that read version 1 loses to the one that wrote version 2; a skipped version too.
      await expect(s.checks.putDefinition(definition({ ...CPU, critical: 99 }, 2, '2026-12-06T11:00:01.000Z'))).rejects.toBeInstanceOf(ConflictError);
      await expect(s.checks.putDefinition(definition(CPU, 4))).rejects.toBeInstanceOf(ConflictError);
      // A next version of one never written is no create.
      await expect(s.checks.putDefinition(definition(DISK, 2))).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getDefinition('cpu')).toEqual(v2);
      expect(await s.checks.getDefinition('disk')).toBeUndefined();
      expect(await s.checks.list()).toEqual({ definitions: [v2], states: [] });
    });

    it('lets exactly one of two concurrent creators of a definition win', async () => {
      await fresh();
      const a = definition({ ...CPU, warning: 70 }, 1);
      const b = definition({ ...CPU, warning: 75 }, 1);
      const results = await Promise.allSettled([s.checks.putDefinition(a), s.checks.putDefinition(b)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(await s.checks.getDefinition('cpu')).toEqual(results[0]!.status === 'fulfilled' ? a : b);
    });

    it('lists every definition and every live state, a definition and a state of one name apart', async () => {
      await fresh();
      const t0 = Date.now() - 10 * 60_000;
      const cpu = definition(CPU, 1);
      const disk = definition(DISK, 1);
      await s.checks.putDefinition(disk);
      await s.checks.putDefinition(cpu);
      const [cpu1, cpu2] = states(CPU, t0, 85, 97);
      const [disk1] = states(DISK, t0, undefined);
      // A config-made check has a state and no definition.
      const [cfg1] = states({ ...DISK, name: 'from-config' }, t0, 'connect ECONNREFUSED 10.0.0.1:443');
      for (const st of [cpu1!, cpu2!, disk1!, cfg1!]) await s.checks.putState(st);
      expect(cpu2).toMatchObject({ name: 'cpu', version: 2, lastValue: 97, level: 'critical', warningStreak: 2, firing: 'warning', firingSince: t0 + 60_000 });
      expect(disk1).toMatchObject({ name: 'disk', version: 1, lastValue: null, noDataSince: t0 });
      expect(cfg1).toMatchObject({ name: 'from-config', version: 1, errorStreak: 1, lastError: 'connect ECONNREFUSED 10.0.0.1:443' });
      const listed = await s.checks.list();
      expect({ definitions: [...listed.definitions].sort(byName((d) => d.config.name)), states: [...listed.states].sort(byName((x) => x.name)) }).toEqual({
        definitions: [cpu, disk],
        states: [cpu2, disk1, cfg1],
      });
      expect(await s.checks.getState('cpu')).toEqual(cpu2);
      expect(await s.checks.getState('from-config')).toEqual(cfg1);
      expect(await s.checks.getDefinition('from-config')).toBeUndefined();
    });

    it('deletes a definition at its current version only (ConflictError if it changed, NotFoundError if gone), leaving its state', async () => {
      await fresh();
      await s.checks.putDefinition(definition(CPU, 1));
      const v2 = definition({ ...CPU, critical: 99 }, 2);
      await s.checks.putDefinition(v2);
      await s.checks.putDefinition(definition(DISK, 1));
      const [state] = states(CPU, Date.now(), 50);
      await s.checks.putState(state!);
      await expect(s.checks.deleteDefinition('cpu', 1)).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getDefinition('cpu')).toEqual(v2);
      await expect(s.checks.deleteDefinition('nope', 1)).rejects.toBeInstanceOf(NotFoundError);
      await s.checks.deleteDefinition('cpu', 2);
      expect(await s.checks.getDefinition('cpu')).toBeUndefined();
      expect(await s.checks.list()).toEqual({ definitions: [definition(DISK, 1)], states: [state] });
      await expect(s.checks.deleteDefinition('cpu', 2)).rejects.toBeInstanceOf(NotFoundError);
      // Gone, it can be made again from version 1.
      await s.checks.putDefinition(definition(CPU, 1));
      expect(await s.checks.getDefinition('cpu')).toEqual(definition(CPU, 1));
    });

    it('creates a state at version 1 once, and writes each next version only over the one before', async () => {
      await fresh();
      const [s1, s2, s3] = states(CPU, Date.now() - 5 * 60_000, 85, 97, 'HTTP 503');
      await s.checks.putState(s1!);
      await expect(s.checks.putState({ ...s1!, lastValue: 10 })).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getState('cpu')).toEqual(s1);
      await expect(s.checks.putState(s3!)).rejects.toBeInstanceOf(ConflictError);
      await s.checks.putState(s2!);
      // A writer that read version 1 loses to the one that wrote version 2.
      await expect(s.checks.putState({ ...s2!, lastValue: 1 })).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getState('cpu')).toEqual(s2);
      await s.checks.putState(s3!);
      expect(await s.checks.getState('cpu')).toEqual(s3);
      expect(s3).toMatchObject({ version: 3, lastValue: 97, errorStreak: 1, lastError: 'HTTP 503', firing: 'warning' });
      // A next version of one never written is no create.
      await expect(s.checks.putState(states(DISK, Date.now(), 10, 20)[1]!)).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getState('disk')).toBeUndefined();
    });

    it('lets exactly one of two concurrent writers of a state version win', async () => {
      await fresh();
      const t0 = Date.now() - 60_000;
      const [s1] = states(CPU, t0, 85);
      await s.checks.putState(s1!);
      const check = compileCheck(CPU, 'api');
      // The tick and an evaluate-now, both from version 1.
      const a = evaluate(check, s1, { value: 97 }, t0 + 60_000, 60_000).next;
      const b = evaluate(check, s1, { value: 12 }, t0 + 60_001, 60_000).next;
      const results = await Promise.allSettled([s.checks.putState(a), s.checks.putState(b)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect(await s.checks.getState('cpu')).toEqual(results[0]!.status === 'fulfilled' ? a : b);
    });

    it('deletes a state at its current version only (ConflictError if it changed or is gone)', async () => {
      await fresh();
      const [s1, s2] = states(CPU, Date.now() - 60_000, 85, 97);
      const [disk1] = states(DISK, Date.now(), 10);
      await s.checks.putState(s1!);
      await s.checks.putState(s2!);
      await s.checks.putState(disk1!);
      await expect(s.checks.deleteState('cpu', 1)).rejects.toBeInstanceOf(ConflictError);
      expect(await s.checks.getState('cpu')).toEqual(s2);
      await s.checks.deleteState('cpu', 2);
      expect(await s.checks.getState('cpu')).toBeUndefined();
      expect(await s.checks.list()).toEqual({ definitions: [], states: [disk1] });
      await expect(s.checks.deleteState('cpu', 2)).rejects.toBeInstanceOf(ConflictError);
      await expect(s.checks.deleteState('nope', 1)).rejects.toBeInstanceOf(ConflictError);
      // Gone, the check starts over from version 1.
      await s.checks.putState(s1!);
      expect(await s.checks.getState('cpu')).toEqual(s1);
    });

    it('hides a state written more than CHECK_RETENTION_S ago from getState and list, and keeps one just inside it', async () => {
      await fresh();
      const retention = CHECK_RETENTION_S * 1000;
      const [expired] = states(CPU, Date.now() - retention - 60_000, 97);
      const [live] = states(DISK, Date.now() - retention + 60_000, 95);
      await s.checks.putState(expired!);
      await s.checks.putState(live!);
      expect(await s.checks.getState('cpu')).toBeUndefined();
      expect(await s.checks.getState('disk')).toEqual(live);
      expect(await s.checks.list()).toEqual({ definitions: [], states: [live] });
    });

    it('over an expired state: version 1 replaces it, and no next version goes over it', async () => {
      await fresh();
      const retention = CHECK_RETENTION_S * 1000;
      const [old1, old2] = states(CPU, Date.now() - retention - 120_000, 97, 98);
      await s.checks.putState(old1!);
      expect(await s.checks.getState('cpu')).toBeUndefined();
      const [again] = states(CPU, Date.now(), 42);
      // An expired item counts as absent (TTL deletion is late on AWS and never happens in dynalite):
      // what the reader saw (nothing) is what version 1 writes over.
      await expect(s.checks.putState(old2!)).rejects.toBeInstanceOf(ConflictError);
      await s.checks.putState(again!);
      expect(await s.checks.getState('cpu')).toEqual(again);
      expect(await s.checks.list()).toEqual({ definitions: [], states: [again] });
    });
  });

  describe('history', () => {
    const withRetention = freshStoresWith(adapter);

    it('pages what resolved in [from, to) newest first: from inclusive, to exclusive, one resolve time ordered by key', async () => {
      const h = (await withRetention()).history;
      const t = historyDay0() + 12 * H;
      const range = { from: new Date(t), to: new Date(t + H) };
      const atFrom = historyEntry(t);
      const beforeFrom = historyEntry(t - 1);
      const atTo = historyEntry(t + H);
      const justBeforeTo = historyEntry(t + H - 1);
      // Two alerts of two groups resolved at one time: by key, so by group id.
      const midA = historyEntry(t + 30 * 60_000, { groupId: 'g-a' });
      const midB = historyEntry(t + 30 * 60_000, { groupId: 'g-b' });
      await h.record([midA, atTo, atFrom, justBeforeTo, beforeFrom, midB]);
      expect(await h.page(range, undefined, 100, new Date(t + 2 * H))).toEqual({ entries: [justBeforeTo, midB, midA, atFrom], read: 4 });
      // One millisecond wider on either side takes in the entry at that edge.
      expect((await h.page({ from: new Date(t - 1), to: new Date(t + H + 1) }, undefined, 100, new Date(t + 2 * H))).entries).toEqual([atTo, justBeforeTo, midB, midA, atFrom, beforeFrom]);
      expect(await h.page({ from: new Date(t + 1), to: new Date(t + 30 * 60_000) }, undefined, 100, new Date(t + 2 * H))).toEqual({ entries: [], read: 0 });
    });

    it('records an entry named twice in one call once, and pages a long range of empty days to its end', async () => {
      const h = (await withRetention({ retentionS: 365 * 86_400 })).history;
      const d0 = historyDay0();
      const e = historyEntry(d0 - 70 * DAY + H);
      // DynamoDB refuses a BatchWriteItem naming a key twice: the store sends it once.
      await h.record([e, e]);
      // Seventy empty days above it: a page may stop with a cursor (DynamoDB reads at most a month
      // of day partitions per page), and the pages still reach it, once.
      const range = { from: new Date(d0 - 75 * DAY), to: new Date(d0 + DAY) };
      const found: HistoryEntry[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await h.page(range, after, 100, new Date(d0 + DAY));
        found.push(...page.entries);
        after = page.last;
        pages++;
      } while (after !== undefined && pages < 10);
      expect(found).toEqual([e]);
      expect(after).toBeUndefined();
    });

    it('pages a range over three UTC days as one listing, newest first', async () => {
      const h = (await withRetention()).history;
      const d0 = historyDay0();
      const inRange = [
        historyEntry(d0 + 2 * DAY + 5 * H),
        historyEntry(d0 + 2 * DAY + 1),
        historyEntry(d0 + DAY + 12 * H),
        historyEntry(d0 + DAY),
        historyEntry(d0 + DAY - 1),
        historyEntry(d0 + H),
        historyEntry(d0),
      ];
      const outside = [historyEntry(d0 - 1), historyEntry(d0 + 3 * DAY)];
      await h.record([...outside, ...[...inRange].reverse()]);
      const now = new Date(d0 + 3 * DAY);
      expect(await h.page({ from: new Date(d0), to: new Date(d0 + 3 * DAY) }, undefined, 100, now)).toEqual({ entries: inRange, read: 7 });
      // A range that starts and ends inside a day.
      expect((await h.page({ from: new Date(d0 + 12 * H), to: new Date(d0 + 2 * DAY + H) }, undefined, 100, now)).entries).toEqual(inRange.slice(1, 5));
      // A range inside one day with entries on the days around it.
      expect(await h.page({ from: new Date(d0 + DAY + H), to: new Date(d0 + DAY + 13 * H) }, undefined, 100, now)).toEqual({ entries: [inRange[2]], read: 1 });
    });

    it('reads at most limit entries, sets last while more may follow, and pages after last without gaps or repeats until last is unset', async () => {
      const h = (await withRetention()).history;
      const d0 = historyDay0();
      const entries = [
        historyEntry(d0 + 2 * DAY + 9 * H),
        historyEntry(d0 + 2 * DAY + 1000, { groupId: 'g-b' }),
        historyEntry(d0 + 2 * DAY + 1000, { groupId: 'g-a' }),
        historyEntry(d0 + DAY + 6 * H),
        historyEntry(d0 + DAY - 1),
        historyEntry(d0 + 3 * H, { groupId: 'g-b' }),
        historyEntry(d0 + 3 * H, { groupId: 'g-a' }),
      ];
      await h.record(entries);
      const range = { from: new Date(d0), to: new Date(d0 + 3 * DAY) };
      const now = new Date(d0 + 3 * DAY);
      const all = entries.map(historyKey);
      const first = await h.page(range, undefined, 2, now);
      expect(first).toEqual({ entries: entries.slice(0, 2), read: 2, last: all[1] });
      for (const limit of [1, 2, 3, 6, 7, 8, 100]) {
        const pages = await historyPages(h, range, limit, now);
        expect(pages.flatMap((p) => p.keys), `limit ${limit}`).toEqual(all);
        expect(pages.every((p) => p.read <= limit && p.keys.length <= limit), `limit ${limit}`).toBe(true);
        // Every page but the last said more may follow; it needs at most one page past the entries.
        expect(pages.slice(0, -1).every((p) => p.last !== undefined)).toBe(true);
        expect(pages.at(-1)!.last).toBeUndefined();
        expect(pages.length, `limit ${limit}`).toBeLessThanOrEqual(Math.floor(all.length / limit) + 1);
      }
      expect(await h.page(range, undefined, 8, now)).toEqual({ entries, read: 7 });
      // A cursor in the middle of the range: the entries after it, in the same order.
      expect((await h.page(range, all[3], 100, now)).entries).toEqual(entries.slice(4));
    });

    it('keeps an entry recorded again once', async () => {
      const h = (await withRetention()).history;
      const t = historyDay0() + DAY;
      const e = historyEntry(t);
      const other = historyEntry(t - 1000);
      await h.record([e]);
      await h.record([e, other]);
      await h.record([{ ...e }]);
      expect(await h.page({ from: new Date(t - H), to: new Date(t + H) }, undefined, 100, new Date(t + H))).toEqual({ entries: [e, other], read: 2 });
    });
  });

  describe('retention', () => {
    const withRetention = freshStoresWith(adapter);
    const HOUR_S = 3600;

    it('history: an entry is readable for the configured retention after it resolved; one already past it is not written', async () => {
      const short = (await withRetention({ retentionS: HOUR_S })).history;
      const long = (await withRetention()).history;
      const now = Date.now();
      const recent = historyEntry(now - 30 * 60_000);
      const old = historyEntry(now - 2 * H);
      await short.record([old, recent]);
      await long.record([old, recent]);
      const range = { from: new Date(now - 3 * H), to: new Date(now + 60_000) };
      expect(await short.page(range, undefined, 10, new Date(now))).toEqual({ entries: [recent], read: 1 });
      // Not written at all: not even a read at a time it would have been live finds it.
      expect(await short.page(range, undefined, 10, new Date(now - 2 * H + 1000))).toEqual({ entries: [recent], read: 1 });
      // The default retention (30 days) keeps both.
      expect(await long.page(range, undefined, 10, new Date(now))).toEqual({ entries: [recent, old], read: 2 });
      // The retention sets the expiry: live up to its last second, skipped (and counted as read) from then on.
      const resolved = Date.parse(recent.resolvedAt);
      expect(await short.page(range, undefined, 10, new Date(resolved + HOUR_S * 1000 - 1000))).toEqual({ entries: [recent], read: 1 });
      expect(await short.page(range, undefined, 10, new Date(resolved + HOUR_S * 1000))).toEqual({ entries: [], read: 1 });
      expect((await long.page(range, undefined, 10, new Date(resolved + HOUR_S * 1000))).entries).toEqual([recent, old]);
      expect(await long.page(range, undefined, 10, new Date(resolved + DEFAULT_RETENTION_S * 1000))).toEqual({ entries: [], read: 2 });
    });

    it('deliveries: a record is readable for the configured retention after its last write, then get and outcomes no longer return it', async () => {
      const short = (await withRetention({ retentionS: HOUR_S })).deliveries;
      const long = (await withRetention()).deliveries;
      const now = Date.now();
      const rec = (id: string) => ({ notificationId: id, channel: 'webhook[0]', receiver: 'team', target: 'webhook:hooks.example' });
      // Written (claimed, then a verdict) two hours ago; one just inside and one just past the hour.
      const writes: Array<[string, number]> = [
        ['old', now - 2 * H],
        ['edge-live', now - HOUR_S * 1000 + 60_000],
        ['edge-gone', now - HOUR_S * 1000 - 60_000],
      ];
      for (const d of [short, long]) {
        for (const [id, t] of writes) {
          expect((await d.claim(rec(id), { now: new Date(t), untilMs: t + 60_000, final: ['delivered', 'failed'] })).claimed).toBe(true);
          expect(await d.recordAttempt({ ...rec(id), status: 'delivered' }, { attempt: 1, at: new Date(t).toISOString(), outcome: 'success', latencyMs: 5 }, new Date(t))).toBe(true);
        }
      }
      expect(await short.get('edge-live')).toMatchObject({ ...rec('edge-live'), status: 'delivered' });
      expect(await short.get('old')).toBeUndefined();
      expect(await short.get('edge-gone')).toBeUndefined();
      expect([...(await short.outcomes(['old', 'edge-live', 'edge-gone'])).keys()]).toEqual(['edge-live']);
      // The default retention (30 days) keeps all three.
      for (const [id] of writes) expect(await long.get(id)).toMatchObject({ ...rec(id), status: 'delivered' });
      expect([...(await long.outcomes(['old', 'edge-live', 'edge-gone'])).keys()].sort()).toEqual(['edge-gone', 'edge-live', 'old']);
    });

    it('incidents: a resolved incident is readable for the configured retention after it resolved; an open one is not cut by it', async () => {
      const short = (await withRetention({ retentionS: HOUR_S })).incidents;
      const long = (await withRetention()).incidents;
      const resolvedAt = NOW.getTime() + 1000;
      const resolved = resolveIncident(incident('r1'), 'bob', resolvedAt, 'tr').next;
      const open = incident('o1', 500);
      for (const i of [short, long]) {
        await i.create(incident('r1'), NOW);
        await i.put(resolved);
        await i.create(open, NOW);
      }
      const lastLive = new Date(resolvedAt + HOUR_S * 1000 - 1000);
      const expired = new Date(resolvedAt + HOUR_S * 1000);
      expect(await short.get('r1', lastLive)).toEqual(resolved);
      expect((await short.page('resolved', undefined, 10, lastLive)).incidents).toEqual([resolved]);
      expect(await short.get('r1', expired)).toBeUndefined();
      expect((await short.page('resolved', undefined, 10, expired)).incidents).toEqual([]);
      // An open incident lives until it resolves (a year at most), whatever the retention.
      expect(await short.get('o1', new Date(resolvedAt + 2 * H))).toEqual(open);
      expect((await short.page('open', undefined, 10, new Date(resolvedAt + 2 * H))).incidents).toEqual([open]);
      // The default retention (30 days): live two hours on, gone 30 days after the resolve.
      expect(await long.get('r1', new Date(resolvedAt + 2 * H))).toEqual(resolved);
      expect((await long.page('resolved', undefined, 10, new Date(resolvedAt + 2 * H))).incidents).toEqual([resolved]);
      expect(await long.get('r1', new Date(resolvedAt + DEFAULT_RETENTION_S * 1000 - 1000))).toEqual(resolved);
      expect(await long.get('r1', new Date(resolvedAt + DEFAULT_RETENTION_S * 1000))).toBeUndefined();
    });
  });
});
