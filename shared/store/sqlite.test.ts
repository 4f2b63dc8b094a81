import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocalDatabase } from '../local/sqlite';
import type { GroupAlert, GroupState } from '../grouping/model';
import { sqliteStores } from './sqlite';
import { groupState } from '../../test/support/group-state';

/**
 * What the SQLite adapter adds to the store contract (test/integration/store-contract.test.ts):
 * groups written alert by alert read back whole by a store with a cold cache (a restart), and the
 * cached state is frozen, so code that mutates state it read fails at once. A delivery's log row,
 * which a write leaves alone when it would not change it, still expires with its record.
 */
const NOW = new Date('2026-12-06T10:00:00.000Z');
const alert = (fp: string, summary = 'x'): GroupAlert => ({ fingerprint: fp, status: 'firing', labels: { alertname: 'A', fp }, annotations: { summary }, startsAt: NOW.toISOString(), source: 'generic' });

function group(version: number, alerts: GroupAlert[], over: Partial<GroupState> = {}): GroupState {
  return groupState('g', alerts, NOW, { groupKey: '{}:{alertname="A"}', groupLabels: { alertname: 'A' }, version, expiresAt: Math.floor(NOW.getTime() / 1000) + 3600, flushSeq: version, ...over });
}

describe('SQLite group store', () => {
  it('reads back, after a restart, exactly what was written change by change', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    const [a, b, c] = [alert('a'), alert('b'), alert('c')];
    await stores.groups.put(group(1, [a, b]));
    const v1 = (await stores.groups.getMany(['g'], NOW)).get('g')!;
    // An unchanged alert kept as the same object, one changed, one removed, one added.
    await stores.groups.put(group(2, [v1.alerts.a!, { ...b, annotations: { summary: 'changed' } }, c]));
    await stores.groups.put(group(3, [alert('b', 'changed'), c]));
    const cold = sqliteStores(database);
    expect((await cold.groups.getMany(['g'], NOW)).get('g')).toEqual(group(3, [alert('b', 'changed'), c]));
    // A group replacing an expired one of the same id keeps none of its alerts.
    const later = new Date(NOW.getTime() + 7200_000);
    await cold.groups.put(group(1, [alert('z')], { updatedAt: later.toISOString(), expiresAt: Math.floor(later.getTime() / 1000) + 3600 }));
    expect(Object.keys((await sqliteStores(database).groups.getMany(['g'], later)).get('g')!.alerts)).toEqual(['z']);
    database.close();
  });

  it('journals each write as one row and folds the journal into the tables when asked, writing each group once', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    const count = (table: string) => (database.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const [a, b] = [alert('a'), alert('b')];
    await stores.groups.put(group(1, [a]));
    await stores.groups.put(group(2, [a, b]));
    await stores.groups.put(group(3, [b]));
    expect([count('state_group_journal'), count('state_groups'), count('state_group_alerts')]).toEqual([3, 0, 0]);
    // The journal's rows hold only what changed: the second write carried b alone, the third only a's removal.
    const rows = database.db.prepare('SELECT alerts, removed FROM state_group_journal ORDER BY seq').all() as Array<{ alerts: string; removed: string | null }>;
    expect(rows.map((r) => [(JSON.parse(r.alerts) as GroupAlert[]).map((x) => x.fingerprint), r.removed && JSON.parse(r.removed)])).toEqual([[['a'], null], [['b'], null], [[], ['a']]]);
    // A listing reads the tables: they are brought up to date first.
    const page = await stores.groups.page(undefined, 10, NOW);
    expect(page.groups.map((g) => g.version)).toEqual([3]);
    expect([count('state_group_journal'), count('state_groups'), count('state_group_alerts'), count('state_alert_groups')]).toEqual([0, 1, 1, 1]);
    expect((await stores.groups.holding('a', NOW)).length).toBe(0);
    expect((await stores.groups.holding('b', NOW)).map((g) => g.version)).toEqual([3]);
    database.close();
  });

  it('compacts many groups a slice at a time, keeping the rows of a group written again meanwhile', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    const count = (table: string) => (database.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const many = Array.from({ length: 600 }, (_, i) => ({ ...group(1, [alert(`a${i}`)]), groupId: `g${i}` }));
    await Promise.all(many.map((g) => stores.groups.put(g)));
    const pass = stores.groups.compact();
    // The first slice is folded at once; g0 changes before the pass ends.
    await stores.groups.put({ ...group(2, [alert('a0'), alert('b0')]), groupId: 'g0' });
    await pass;
    expect([count('state_groups'), count('state_group_journal')]).toEqual([600, 1]);
    // What the journal kept is replayed over the folded g0 at the next open.
    const cold = sqliteStores(database);
    expect(Object.keys((await cold.groups.getMany(['g0'], NOW)).get('g0')!.alerts).sort()).toEqual(['a0', 'b0']);
    expect((await cold.groups.holding('b0', NOW)).map((g) => g.groupId)).toEqual(['g0']);
    database.close();
  });

  it('replays, at open, the journal a crash left on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-journal-'));
    try {
      let database = openLocalDatabase(dir);
      let stores = sqliteStores(database);
      const [a, b, c] = [alert('a'), alert('b'), alert('c')];
      await stores.groups.put(group(1, [a, b]));
      // Folded into the tables, then changed again in the journal only.
      await stores.groups.page(undefined, 10, NOW);
      const v1 = (await stores.groups.getMany(['g'], NOW)).get('g')!;
      await stores.groups.put(group(2, [v1.alerts.a!, c]));
      await stores.groups.put(group(3, [v1.alerts.a!, alert('c', 'changed')]));
      // Committed but never compacted: as after a SIGKILL (close commits nothing more here).
      database.close();
      database = openLocalDatabase(dir);
      stores = sqliteStores(database);
      const count = (table: string) => (database.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect((await stores.groups.getMany(['g'], NOW)).get('g')).toEqual(group(3, [a, alert('c', 'changed')]));
      // The fingerprint index is read from the tables: the replayed rows are folded in first.
      expect((await stores.groups.holding('b', NOW)).length).toBe(0);
      expect(count('state_group_journal')).toBe(0);
      expect((await stores.groups.holding('c', NOW)).map((g) => g.version)).toEqual([3]);
      database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after a commit that failed, serves what is on disk again, not the write it lost', async () => {
    const { db } = openLocalDatabase(undefined);
    let failNext = false;
    // A commit that fails loses every write of its turn: here, the one write, rolled back.
    const database = {
      db,
      batched<T>(fn: () => T): Promise<T> {
        if (!failNext) return Promise.resolve(fn());
        failNext = false;
        db.exec('SAVEPOINT lost');
        try {
          fn();
        } finally {
          db.exec('ROLLBACK TO lost');
          db.exec('RELEASE lost');
        }
        return Promise.reject(new Error('disk I/O error'));
      },
      write: <T>(fn: () => T): T => fn(),
    };
    const stores = sqliteStores(database);
    await stores.groups.put(group(1, [alert('a')]));
    failNext = true;
    await expect(stores.groups.put(group(2, [alert('a'), alert('b')]))).rejects.toThrow(/disk I\/O/);
    expect((await stores.groups.getMany(['g'], NOW)).get('g')!.version).toBe(1);
    // The next write builds on version 1 again, and a restart sees the same.
    await stores.groups.put(group(2, [alert('a'), alert('c')]));
    expect(Object.keys((await sqliteStores(database).groups.getMany(['g'], NOW)).get('g')!.alerts).sort()).toEqual(['a', 'c']);
  });

  it('keeps serving the stored group after a write that lost its condition', async () => {
    const stores = sqliteStores(openLocalDatabase(undefined));
    await stores.groups.put(group(1, [alert('a')]));
    const stale = group(1, [alert('b')]);
    const attempt = stores.groups.put(stale);
    // Read in the same turn as the refused write: the cache must not hold what was refused.
    const seen = await stores.groups.getMany(['g'], NOW);
    await expect(attempt).rejects.toThrow(/changed concurrently/);
    expect(Object.keys(seen.get('g')!.alerts)).toEqual(['a']);
    expect(Object.isFrozen(stale)).toBe(false);
  });

  it('sweeps an expired group with its alert rows and its fingerprint index entries', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    await stores.groups.put(group(1, [alert('a'), alert('b')]));
    const count = (table: string) => (database.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    // A sweep folds the journal into the tables first (nothing of it is expired yet).
    expect(stores.sweep(NOW)).toBe(0);
    expect([count('state_groups'), count('state_group_alerts'), count('state_alert_groups'), count('state_group_journal')]).toEqual([1, 2, 2, 0]);
    expect(stores.sweep(new Date(NOW.getTime() + 3_600_000))).toBe(5);
    expect([count('state_groups'), count('state_group_alerts'), count('state_alert_groups')]).toEqual([0, 0, 0]);
    expect(await stores.groups.holding('a', new Date(NOW.getTime() + 3_600_000))).toEqual([]);
  });

  it('keeps a group written since the last compaction whose row in the tables has expired', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    const later = new Date(NOW.getTime() + 3_600_000);
    const [a, b, c] = [alert('a'), alert('b'), alert('c')];
    await stores.groups.put(group(1, [a, b]));
    expect(stores.sweep(NOW)).toBe(0);
    // More groups than one compaction slice, then the group again: a sweep's compaction folds the
    // first slice at once and this group only later, after the sweep has run.
    const extended = Math.floor(later.getTime() / 1000) + 3600;
    await Promise.all(Array.from({ length: 300 }, (_, i) => stores.groups.put({ ...group(1, [alert(`o${i}`)], { expiresAt: extended }), groupId: `other-${i}` })));
    const v1 = (await stores.groups.getMany(['g'], NOW)).get('g')!;
    await stores.groups.put(group(2, [v1.alerts.a!, v1.alerts.b!, c], { expiresAt: extended }));
    stores.sweep(later);
    await stores.groups.compact();
    const cold = sqliteStores(database);
    expect(Object.keys((await cold.groups.getMany(['g'], later)).get('g')?.alerts ?? {}).sort()).toEqual(['a', 'b', 'c']);
    expect((await cold.groups.holding('a', later)).map((g) => g.groupId)).toEqual(['g']);
    database.close();
  });

  it('forgets a swept group, so a group of the same id written next starts from nothing', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    const [a, b] = [alert('a'), alert('b')];
    await stores.groups.put(group(1, [a, b]));
    await stores.groups.compact();
    expect((await stores.groups.getMany(['g'], NOW)).get('g')).toBeDefined();
    // Expired and swept; then the group starts again (version 1) with one of its alerts.
    const later = new Date(NOW.getTime() + 7_200_000);
    expect(stores.sweep(later)).toBe(5);
    await stores.groups.put(group(1, [a], { updatedAt: later.toISOString(), expiresAt: Math.floor(later.getTime() / 1000) + 3600 }));
    await stores.groups.compact();
    const cold = sqliteStores(database);
    expect(Object.keys((await cold.groups.getMany(['g'], later)).get('g')?.alerts ?? {})).toEqual(['a']);
    expect((await cold.groups.holding('a', later)).map((g) => g.groupId)).toEqual(['g']);
    database.close();
  });

  it('forgets a group that a sweep deletes while its compaction is committing (as at a start after a crash)', async () => {
    const database = openLocalDatabase(undefined);
    const stores = sqliteStores(database);
    const [a, b] = [alert('a'), alert('b')];
    // Written, not compacted: the sweep's compaction folds it at once and commits it a turn later.
    await stores.groups.put(group(1, [a, b]));
    const later = new Date(NOW.getTime() + 7_200_000);
    stores.sweep(later);
    await stores.groups.compact();
    await stores.groups.put(group(1, [a], { updatedAt: later.toISOString(), expiresAt: Math.floor(later.getTime() / 1000) + 3600 }));
    await stores.groups.compact();
    const cold = sqliteStores(database);
    expect((await cold.groups.holding('a', later)).map((g) => g.groupId)).toEqual(['g']);
    database.close();
  });

  it('hands out frozen state', async () => {
    const stores = sqliteStores(openLocalDatabase(undefined));
    await stores.groups.put(group(1, [alert('a')]));
    const g = (await stores.groups.getMany(['g'], NOW)).get('g')!;
    expect(() => {
      (g.alerts as Record<string, GroupAlert>).b = alert('b');
    }).toThrow(TypeError);
    expect(() => {
      (g.alerts.a!.labels as Record<string, string>).x = 'y';
    }).toThrow(TypeError);
  });
});

describe('SQLite delivery store', () => {
  const rec = { notificationId: 'n1', channel: 'webhook[0]', receiver: 'team', target: 'webhook', createdAt: NOW.toISOString(), groupId: 'g', alerts: 1 };
  const attempt = (at: Date) => ({ attempt: 1, at: at.toISOString(), outcome: 'success' as const, status: 200, latencyMs: 3 });
  const rows = (database: ReturnType<typeof openLocalDatabase>) =>
    database.db.prepare('SELECT d.expires_at AS record, l.expires_at AS log FROM state_deliveries d JOIN state_delivery_log l ON l.id = d.id').all() as Array<{ record: number; log: number }>;

  it('keeps the log row expiring with its record, whether the verdict comes in the claim\'s second or later', async () => {
    const database = openLocalDatabase(undefined);
    const retentionS = 7 * 86_400;
    const stores = sqliteStores(database, { retentionS });
    const final = ['delivered', 'failed'] as const;
    // Claim and verdict in the same second: one log row, as the record expires.
    await stores.deliveries.claim(rec, { now: NOW, untilMs: NOW.getTime() + 60_000, final });
    await stores.deliveries.recordAttempt({ ...rec, status: 'retrying' }, attempt(new Date(NOW.getTime() + 400)), new Date(NOW.getTime() + 400));
    expect(rows(database)).toEqual([{ record: Math.floor(NOW.getTime() / 1000) + retentionS, log: Math.floor(NOW.getTime() / 1000) + retentionS }]);
    // The retry a minute on, claimed and delivered: the log row follows the record's expiry.
    const later = new Date(NOW.getTime() + 61_000);
    await stores.deliveries.claim(rec, { now: later, untilMs: later.getTime() + 60_000, final });
    await stores.deliveries.recordAttempt({ ...rec, status: 'delivered' }, attempt(later), new Date(later.getTime() + 200));
    expect(rows(database)).toEqual([{ record: Math.floor(later.getTime() / 1000) + retentionS, log: Math.floor(later.getTime() / 1000) + retentionS }]);
    // Listed once, with its verdict; swept with its record.
    const page = await stores.deliveries.page({ from: new Date(NOW.getTime() - 1000), to: new Date(NOW.getTime() + 3_600_000) }, undefined, 10, later);
    expect(page.records.map((r) => [r.notificationId, r.status])).toEqual([['n1', 'delivered']]);
    expect(stores.sweep(new Date(later.getTime() + retentionS * 1000 - 1000))).toBe(0);
    expect(stores.sweep(new Date(later.getTime() + retentionS * 1000))).toBe(2);
    expect(rows(database)).toEqual([]);
    database.close();
  });

  it("answers a sender's claim, verdict and gate lease once written, and commits them with the turn", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-sender-writes-'));
    try {
      const database = openLocalDatabase(dir);
      const stores = sqliteStores(database);
      const gates = stores.receiverGates({ slots: 1, reopenAfterMs: () => 1_000 });
      const final = ['delivered', 'failed'] as const;
      // Each resolves before the turn's commit: the transaction is still open.
      expect((await stores.deliveries.claim(rec, { now: NOW, untilMs: NOW.getTime() + 60_000, final })).claimed).toBe(true);
      expect(database.db.isTransaction).toBe(true);
      const lease = await gates.acquire('team/webhook[0]', NOW.getTime());
      expect(database.db.isTransaction).toBe(true);
      expect(await stores.deliveries.recordAttempt({ ...rec, status: 'delivered' }, attempt(NOW), NOW)).toBe(true);
      expect(database.db.isTransaction).toBe(true);
      // What answers the outside world still waits for the commit.
      await stores.cooldowns.start({ pk: 'COOLDOWN#k', sk: 'COOLDOWN' }, NOW.getTime() + 60_000);
      expect(database.db.isTransaction).toBe(false);
      database.close();
      // Committed with that turn: a restart reads the verdict and the lease.
      const reopened = openLocalDatabase(dir);
      expect((await sqliteStores(reopened).deliveries.get('n1'))?.status).toBe('delivered');
      expect(lease.kind).toBe('granted');
      expect((await sqliteStores(reopened).receiverGates({ slots: 1, reopenAfterMs: () => 1_000 }).acquire('team/webhook[0]', NOW.getTime() + 1)).kind).toBe('busy');
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
