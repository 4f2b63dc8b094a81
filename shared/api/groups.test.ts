import { describe, expect, it } from 'vitest';
import type { GroupAlert, GroupState } from '../grouping/model';
import { recentlyResolved } from '../grouping/model';
import { notificationId } from '../grouping/nflog';
import { groupView, groupViews, listGroups } from './groups';
import { encodeCursor, READ_BUDGET } from './paging';
import { pagedGroups } from './testing';
import { groupState } from '../../test/support/group-state';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function alert(n: number, overrides: Partial<GroupAlert> = {}): GroupAlert {
  return {
    fingerprint: n.toString(16).padStart(16, '0'),
    status: 'firing',
    labels: { alertname: 'A', n: String(n) },
    annotations: {},
    startsAt: iso(T0 - 30 * MIN),
    source: 'generic',
    ...overrides,
  };
}

const resolved = (n: number, agoMs: number) => alert(n, { status: 'resolved', endsAt: iso(T0 - agoMs), resolvedAt: iso(T0 - agoMs) });

function group(id: string, alerts: GroupAlert[], overrides: Partial<GroupState> = {}): GroupState {
  return groupState(id, alerts, T0, { version: 3, flushSeq: 2, ...overrides });
}

describe('groupView', () => {
  it('shows a group with its counts, next flush, last notification, notification log and hold', () => {
    const g = group('A', [alert(1), alert(2), alert(3, { endsAt: iso(T0 - 1) })], {
      recentlyResolved: { [alert(4).fingerprint]: resolved(4, 5 * MIN), [alert(5).fingerprint]: resolved(5, 2 * 60 * MIN) },
      lastSentAt: T0 - 4 * MIN,
      timer: { at: T0 + MIN, token: 't' },
      nflog: {
        'webhook.0': { firing: [alert(1).fingerprint], resolved: [], at: T0 - 4 * MIN },
        'slack.1': { firing: [alert(1).fingerprint, alert(2).fingerprint], resolved: [alert(4).fingerprint], at: T0 - 4 * MIN },
      },
      hold: { reason: 'storm', until: T0 + 5 * MIN, fingerprints: [alert(2).fingerprint] },
    });
    expect(groupView(g, T0)).toEqual({
      id: 'A',
      key: '{}:{alertname="A"}',
      labels: { alertname: 'A' },
      receiver: 'team',
      route_id: '{}',
      // alert 3 timed out (resolved now, its resolve still to be flushed); 4 and 5 left at their flushes.
      alerts: { firing: 2, resolved: 1 },
      next_flush_at: iso(T0 + MIN),
      last_notified_at: iso(T0 - 4 * MIN),
      notifications: [
        { channel: 'slack[1]', status: 'delivered', at: iso(T0 - 4 * MIN), firing: 2, resolved: 1 },
        { channel: 'webhook[0]', status: 'delivered', at: iso(T0 - 4 * MIN), firing: 1, resolved: 0 },
      ],
      hold: { reason: 'storm', until: iso(T0 + 5 * MIN) },
      incident: null,
    });
    // On an escalating route the group names its incident.
    expect(groupView({ ...g, incident: { id: 'inc-1', startedSeq: 1, token: 't' } }, T0).incident).toEqual({ id: 'inc-1' });
  });

  it('takes the first flush when no timer is ahead, and shows nulls for a group that never notified', () => {
    const waiting = group('A', [alert(1)], { firstFlushAt: T0 + 30_000, timer: { at: T0 - 1, token: 't' } });
    expect(groupView(waiting, T0)).toMatchObject({ next_flush_at: iso(T0 + 30_000), last_notified_at: null, notifications: [], hold: null });
    // An overdue first flush is still shown: it is what the group is waiting for.
    expect(groupView(group('A', [alert(1)], { firstFlushAt: T0 - 1 }), T0).next_flush_at).toBe(iso(T0 - 1));
    expect(groupView(group('A', [alert(1)]), T0).next_flush_at).toBeNull();
  });

  it('shows no first flush for an emptied group, and no hold once it has ended', () => {
    const emptied = group('A', [], {
      recentlyResolved: { [alert(1).fingerprint]: resolved(1, MIN) },
      firstFlushAt: T0 + MIN,
      hold: { reason: 'cooldown', until: T0, fingerprints: [] },
    });
    expect(groupView(emptied, T0)).toMatchObject({ alerts: { firing: 0, resolved: 0 }, next_flush_at: null, hold: null });
  });
});

describe('groupView: what the router will do', () => {
  it('shows the next tick of a group that re-checks each group_interval (muted), not null', () => {
    const muted = group('A', [alert(1)], { timer: { at: T0 - 2 * MIN, token: 't', every: 5 * MIN } });
    expect(groupView(muted, T0).next_flush_at).toBe(iso(T0 + 3 * MIN));
    expect(groupView(muted, T0 + 3 * MIN).next_flush_at).toBe(iso(T0 + 8 * MIN));
    // A timer chain that ended shows nothing.
    expect(groupView(group('A', [alert(1)], { timer: { at: T0 - 2 * MIN, token: 't' } }), T0).next_flush_at).toBeNull();
  });

  it("shows each channel's last send with its outcome, and last_notified_at from what was delivered", () => {
    const fp = alert(1).fingerprint;
    const g = group('A', [alert(1)], {
      flushSeq: 3,
      lastSentAt: T0 - MIN,
      nflog: { 'webhook.0': { firing: [fp], resolved: [], at: T0 - 60 * MIN }, 'webhook.1': { firing: [fp], resolved: [], at: T0 - 60 * MIN } },
      sending: {
        'webhook.0': { firing: [fp], resolved: [], at: T0 - MIN, seq: 3 },
        'webhook.1': { firing: [fp], resolved: [], at: T0 - MIN, seq: 3 },
        'webhook.2': { firing: [fp], resolved: [], at: T0 - 2 * MIN, seq: 2, failedAt: T0 - MIN },
      },
    });
    const outcomes = new Map([
      [notificationId('A', 3, 'webhook.0'), { status: 'failed' as const, at: T0 }],
      [notificationId('A', 3, 'webhook.1'), { status: 'retrying' as const, at: T0 }],
    ]);
    const view = groupView(g, T0, outcomes);
    expect(view.notifications.map((n) => `${n.channel} ${n.status} ${n.at}`)).toEqual([
      `webhook[0] failed ${iso(T0 - MIN)}`,
      `webhook[1] pending ${iso(T0 - MIN)}`,
      `webhook[2] failed ${iso(T0 - 2 * MIN)}`,
    ]);
    // Nothing of the last flush was delivered: the channels were last told an hour ago.
    expect(view.last_notified_at).toBe(iso(T0 - 60 * MIN));
    const delivered = groupView(g, T0, new Map([[notificationId('A', 3, 'webhook.1'), { status: 'delivered' as const, at: T0 }]]));
    expect(delivered.notifications[1]).toMatchObject({ channel: 'webhook[1]', status: 'delivered' });
    expect(delivered.last_notified_at).toBe(iso(T0 - MIN));
  });

  it('keeps last_notified_at beside the notifications it lists when an emptied group fills again (cooldown)', () => {
    const fp = alert(1).fingerprint;
    // The group emptied and re-filled: its flush pacing restarted, its log did not.
    const refilled = group('A', [alert(1)], { lastSentAt: undefined, firstFlushAt: T0 + MIN, nflog: { 'webhook.0': { firing: [], resolved: [fp], at: T0 - 10 * MIN } } });
    const view = groupView(refilled, T0);
    expect(view.notifications).toHaveLength(1);
    expect(view.last_notified_at).toBe(view.notifications[0]!.at);
  });
});

describe('recentlyResolved', () => {
  it('keeps resolves under an hour old that are not back in the group', () => {
    const back = alert(2);
    const g = group('A', [back], {
      recentlyResolved: { a: resolved(1, 59 * MIN), b: resolved(2, MIN), c: resolved(3, 60 * MIN) },
    });
    expect(recentlyResolved(g, T0).map((a) => a.fingerprint)).toEqual([alert(1).fingerprint]);
  });
});

describe('groupViews and listGroups', () => {
  it('leaves out empty groups without recent resolves, and sorts by receiver then key', async () => {
    const groups = [
      group('b', [alert(1)]),
      group('a', [alert(2)], { receiver: 'team' }),
      group('z', [alert(3)], { receiver: 'ops' }),
      group('empty', []),
      group('stale', [], { recentlyResolved: { x: resolved(4, 2 * 60 * MIN) } }),
      group('recent', [], { recentlyResolved: { x: resolved(5, MIN) } }),
    ];
    expect(groupViews(groups, T0).map((g) => `${g.receiver}/${g.id}`)).toEqual(['ops/z', 'team/a', 'team/b', 'team/recent']);
    const listed = await listGroups({ groups: pagedGroups(groups), deliveries: { outcomes: async () => new Map() }, clock: () => new Date(T0) });
    expect(listed).toEqual({ groups: groupViews(groups, T0), next_cursor: null });
  });

  it('filters by the alerts in the group, pages with limit and cursor, and bounds each request', async () => {
    const deps = (groups: GroupState[]) => ({ groups: pagedGroups(groups), deliveries: { outcomes: async () => new Map() }, clock: () => new Date(T0) });
    const groups = Array.from({ length: 30 }, (_, i) => group(`g${String(i).padStart(2, '0')}`, [alert(i, { labels: { alertname: 'A', n: String(i) } })]));
    const ids = async (query: Record<string, string>) => {
      const out: string[] = [];
      let cursor: string | undefined;
      let requests = 0;
      do {
        const res = await listGroups(deps(groups), { ...query, ...(cursor ? { cursor } : {}) });
        out.push(...res.groups.map((g) => g.id));
        cursor = res.next_cursor ?? undefined;
        requests++;
      } while (cursor);
      return { out, requests };
    };
    const all = groups.map((g) => g.groupId);
    expect(await ids({})).toEqual({ out: all, requests: 1 });
    expect(await ids({ limit: '7' })).toEqual({ out: all, requests: 5 });
    expect((await ids({ filter: 'n=~"1.|2"' })).out).toEqual(['g02', ...all.slice(10, 20)].sort());
    expect((await ids({ filter: 'n="29"', limit: '1' })).out).toEqual(['g29']);
    await expect(listGroups(deps(groups), { filter: 'n=~"("' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^invalid filter/) });
    await expect(listGroups(deps(groups), { cursor: encodeCursor({ k: { pk: 'x', sk: 'y', lpk: 'SILENCES', lsk: 'z' } }) })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^invalid cursor/),
    });
    // READ_BUDGET bounds what one request reads, however few groups match.
    const many = Array.from({ length: READ_BUDGET + 50 }, (_, i) => group(`m${String(i).padStart(5, '0')}`, [alert(i)]));
    const d = deps(many);
    const first = await listGroups(d, { filter: 'n="none"' });
    expect(first).toMatchObject({ groups: [], next_cursor: expect.any(String) });
    expect(d.groups.reads).toBeLessThanOrEqual(READ_BUDGET);
    expect((await listGroups(deps(many), { filter: 'n="none"', cursor: first.next_cursor! })).next_cursor).toBeNull();
  });
});
