import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../config/loader';
import { ValidationError } from '../errors';
import { compileConfig } from '../runtime/compiled-config';
import type { Silence } from '../silences/model';
import type { GroupAlert, GroupState } from '../grouping/model';
import { notificationId } from '../grouping/nflog';
import { ALERT_STATES, alertViews, filterAlerts, getAlert, listAlerts, type AlertView, type StateContext } from './alerts';
import { groupIdOf } from '../dispatch/dispatch';
import type { InhibitionSource } from '../inhibition/rules';
import { groupKeyFor, matchRoutes } from '../routing/route-tree';
import { ALERT_BUDGET, encodeCursor } from './paging';
import { pagedGroups } from './testing';
import { holdingByWalk } from '../store/port';
import { groupState } from '../../test/support/group-state';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

// The root route flags an alert flapping after more than 2 edges in 10 minutes; one inhibit rule
// mutes warnings while a critical alert of the same cluster fires.
const config = compileConfig(
  parseConfigYaml(`
route:
  receiver: team
  group_by: [alertname]
  flapping: { transitions: 2, window: 10m }
receivers:
  - name: team
  - name: ops
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
`),
);
const ROUTE = config.routeTree.id;

let fpSeq = 0;
function alert(labels: Record<string, string>, overrides: Partial<GroupAlert> = {}): GroupAlert {
  return {
    fingerprint: (++fpSeq).toString(16).padStart(16, '0'),
    status: 'firing',
    labels,
    annotations: {},
    startsAt: iso(T0 - 30 * MIN + fpSeq * 1000),
    source: 'generic',
    ...overrides,
  };
}

function group(id: string, alerts: GroupAlert[], overrides: Partial<GroupState> = {}): GroupState {
  return groupState(id, alerts, T0, { routeId: ROUTE, ...overrides });
}

function silence(id: string, matcher: { name: string; value: string }, startsAt = T0 - MIN, endsAt = T0 + 60 * MIN): Silence {
  return {
    id,
    matchers: [{ ...matcher, isRegex: false, isEqual: true }],
    starts_at: iso(startsAt),
    ends_at: iso(endsAt),
    created_by: 'alice',
    comment: 'maintenance',
    updated_at: iso(startsAt),
  };
}

const ctx = (silences: Silence[] = [], now = T0): StateContext => ({ now: new Date(now), silences, config });
const byId = (views: AlertView[]) => new Map(views.map((v) => [v.id, v]));

describe('alertViews: state', () => {
  it('is firing for a plain firing alert, with empty silenced_by and inhibited_by', () => {
    const a = alert({ alertname: 'A' });
    const [view] = alertViews([group('A', [a])], ctx());
    expect(view).toEqual({
      ...a,
      id: a.fingerprint,
      status: 'firing',
      state: 'firing',
      silenced_by: [],
      inhibited_by: [],
      flapping: false,
      groups: [{ id: 'A', key: '{}:{alertname="A"}', receiver: 'team', routeId: ROUTE }],
    });
  });

  it('is resolved for a resolved alert, and for a firing one whose endsAt has passed (status too)', () => {
    const resolved = alert({ alertname: 'A' }, { status: 'resolved', endsAt: iso(T0 - MIN), resolvedAt: iso(T0 - MIN) });
    const timedOut = alert({ alertname: 'A' }, { endsAt: iso(T0 - 1) });
    const autoResolvesLater = alert({ alertname: 'A' }, { endsAt: iso(T0 + MIN) });
    const views = byId(alertViews([group('A', [resolved, timedOut, autoResolvesLater])], ctx()));
    expect(views.get(resolved.fingerprint)).toMatchObject({ status: 'resolved', state: 'resolved' });
    expect(views.get(timedOut.fingerprint)).toMatchObject({ status: 'resolved', state: 'resolved' });
    expect(views.get(autoResolvesLater.fingerprint)).toMatchObject({ status: 'firing', state: 'firing' });
  });

  it('is silenced by the active silences that match, listing every one (sorted), not pending or expired ones', () => {
    const a = alert({ alertname: 'Disk', instance: 'db-1' });
    const other = alert({ alertname: 'Cpu' });
    const list = [
      silence('s-2', { name: 'instance', value: 'db-1' }),
      silence('s-1', { name: 'alertname', value: 'Disk' }),
      silence('pending', { name: 'alertname', value: 'Disk' }, T0 + MIN, T0 + 2 * MIN),
      silence('expired', { name: 'alertname', value: 'Disk' }, T0 - 2 * MIN, T0),
    ];
    const views = byId(alertViews([group('Disk', [a]), group('Cpu', [other])], ctx(list)));
    expect(views.get(a.fingerprint)).toMatchObject({ state: 'silenced', silenced_by: ['s-1', 's-2'], inhibited_by: [] });
    expect(views.get(other.fingerprint)).toMatchObject({ state: 'firing', silenced_by: [] });
  });

  it('is inhibited by a firing source in any group, itself counted as a source even when silenced', () => {
    const source = alert({ alertname: 'NodeDown', severity: 'critical', cluster: 'eu' });
    const target = alert({ alertname: 'Latency', severity: 'warning', cluster: 'eu' });
    const otherCluster = alert({ alertname: 'Latency', severity: 'warning', cluster: 'us' });
    const list = [silence('mute-source', { name: 'alertname', value: 'NodeDown' })];
    const views = byId(alertViews([group('NodeDown', [source]), group('Latency', [target, otherCluster])], ctx(list)));
    expect(views.get(target.fingerprint)).toMatchObject({ state: 'inhibited', inhibited_by: [source.fingerprint] });
    expect(views.get(otherCluster.fingerprint)).toMatchObject({ state: 'firing', inhibited_by: [] });
    expect(views.get(source.fingerprint)).toMatchObject({ state: 'silenced', silenced_by: ['mute-source'] });
  });

  it('is not inhibited by a resolved source', () => {
    const source = alert({ alertname: 'NodeDown', severity: 'critical', cluster: 'eu' }, { status: 'resolved', endsAt: iso(T0 - MIN) });
    const target = alert({ alertname: 'Latency', severity: 'warning', cluster: 'eu' });
    const views = byId(alertViews([group('NodeDown', [source]), group('Latency', [target])], ctx()));
    expect(views.get(target.fingerprint)).toMatchObject({ state: 'firing', inhibited_by: [] });
  });

  it('is throttled or in cooldown while a live hold of that reason names the alert', () => {
    const stormy = alert({ alertname: 'A', n: '1' });
    const cooling = alert({ alertname: 'B', n: '2' });
    const notHeld = alert({ alertname: 'B', n: '3' });
    const staleHold = alert({ alertname: 'C', n: '4' });
    const views = byId(
      alertViews(
        [
          group('A', [stormy], { hold: { reason: 'storm', until: T0 + MIN, fingerprints: [stormy.fingerprint] } }),
          group('B', [cooling, notHeld], { hold: { reason: 'cooldown', until: T0 + MIN, fingerprints: [cooling.fingerprint] } }),
          group('C', [staleHold], { hold: { reason: 'storm', until: T0, fingerprints: [staleHold.fingerprint] } }),
        ],
        ctx(),
      ),
    );
    expect(views.get(stormy.fingerprint)!.state).toBe('throttled');
    expect(views.get(cooling.fingerprint)!.state).toBe('cooldown');
    expect(views.get(notHeld.fingerprint)!.state).toBe('firing');
    expect(views.get(staleHold.fingerprint)!.state).toBe('firing');
  });

  it('follows the precedence resolved > inhibited > silenced > throttled > cooldown > firing', () => {
    const source = alert({ alertname: 'Src', severity: 'critical', cluster: 'eu' });
    // Every alert below is warning/eu (inhibitable), silenced by alertname, and held in both groups.
    const make = (name: string, overrides: Partial<GroupAlert> = {}) => alert({ alertname: name, severity: 'warning', cluster: 'eu' }, overrides);
    const all = make('All', { status: 'resolved', endsAt: iso(T0 - MIN) });
    const inhibited = make('Inh');
    const silenced = { ...make('Sil'), labels: { alertname: 'Sil', severity: 'warning', cluster: 'us' } };
    const throttled = { ...make('Thr'), labels: { alertname: 'Thr', cluster: 'us' } };
    const cooldown = { ...make('Cool'), labels: { alertname: 'Cool', cluster: 'us' } };
    const alerts = [all, inhibited, silenced, throttled, cooldown];
    const fps = alerts.map((a) => a.fingerprint);
    const list = [silence('s', { name: 'severity', value: 'warning' })];
    const groups = [
      group('Src', [source]),
      group('storm', alerts, { hold: { reason: 'storm', until: T0 + MIN, fingerprints: fps.filter((f) => f !== cooldown.fingerprint) } }),
      group('cool', alerts, { receiver: 'ops', hold: { reason: 'cooldown', until: T0 + MIN, fingerprints: fps } }),
    ];
    const views = byId(alertViews(groups, ctx(list)));
    expect(alerts.map((a) => views.get(a.fingerprint)!.state)).toEqual(['resolved', 'inhibited', 'silenced', 'throttled', 'cooldown']);
    // The lower-precedence facts are still reported.
    expect(views.get(all.fingerprint)).toMatchObject({ silenced_by: ['s'], inhibited_by: [source.fingerprint] });
    expect(views.get(inhibited.fingerprint)!.silenced_by).toEqual(['s']);
  });

  it('lists an alert in several groups once, with every group', () => {
    const a = alert({ alertname: 'A' });
    const views = alertViews([group('g2', [a], { receiver: 'ops' }), group('g1', [a])], ctx());
    expect(views).toHaveLength(1);
    expect(views[0]!.groups.map((g) => [g.id, g.receiver])).toEqual([
      ['g1', 'team'],
      ['g2', 'ops'],
    ]);
  });

  it('marks an alert flapping when its route says it changed state too often', () => {
    const a = alert({ alertname: 'A' });
    const b = alert({ alertname: 'A', n: '2' });
    const flaps = { [a.fingerprint]: { edges: [T0 - 3 * MIN, T0 - 2 * MIN, T0 - MIN] }, [b.fingerprint]: { edges: [T0 - 2 * MIN, T0 - MIN] } };
    const views = byId(alertViews([group('A', [a, b], { flaps })], ctx()));
    expect(views.get(a.fingerprint)!.flapping).toBe(true);
    expect(views.get(b.fingerprint)!.flapping).toBe(false);
    // A group whose route is gone from the config cannot say: not flapping.
    expect(alertViews([group('A', [a], { flaps, routeId: 'gone' })], ctx())[0]!.flapping).toBe(false);
  });

  it('sorts newest first', () => {
    const older = alert({ alertname: 'A' }, { startsAt: iso(T0 - 10 * MIN) });
    const newer = alert({ alertname: 'A', n: '2' }, { startsAt: iso(T0 - MIN) });
    expect(alertViews([group('A', [older, newer])], ctx()).map((v) => v.id)).toEqual([newer.fingerprint, older.fingerprint]);
  });
});

describe('alertViews: recently resolved alerts', () => {
  const gone = (resolvedAgoMs: number, labels: Record<string, string> = { alertname: 'A' }) =>
    alert(labels, { status: 'resolved', endsAt: iso(T0 - resolvedAgoMs), resolvedAt: iso(T0 - resolvedAgoMs) });

  it('shows resolved alerts that left their group within the hour, as resolved, with that group', () => {
    const recent = gone(10 * MIN);
    const old = gone(61 * MIN);
    const views = alertViews([group('A', [], { recentlyResolved: { [recent.fingerprint]: recent, [old.fingerprint]: old } })], ctx());
    expect(views.map((v) => v.id)).toEqual([recent.fingerprint]);
    expect(views[0]).toMatchObject({ status: 'resolved', state: 'resolved', groups: [{ id: 'A' }] });
  });

  it('shows the current alert instead when the fingerprint is back in some group', () => {
    const left = gone(10 * MIN);
    const back = { ...left, status: 'firing' as const, endsAt: undefined, resolvedAt: undefined };
    const views = alertViews([group('A', [], { recentlyResolved: { [left.fingerprint]: left } }), group('B', [back])], ctx());
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ state: 'firing', groups: [{ id: 'B' }] });
  });

  it('merges one alert resolved out of several groups, keeping the latest resolve', () => {
    const early = gone(20 * MIN);
    const late = { ...early, resolvedAt: iso(T0 - 5 * MIN), endsAt: iso(T0 - 5 * MIN) };
    const views = alertViews(
      // Group A comes first (groups are read in id order) but holds the earlier resolve.
      [group('B', [], { receiver: 'ops', recentlyResolved: { [late.fingerprint]: late } }), group('A', [], { recentlyResolved: { [early.fingerprint]: early } })],
      ctx(),
    );
    expect(views).toHaveLength(1);
    expect(views[0]!.resolvedAt).toBe(late.resolvedAt);
    expect(views[0]!.groups.map((g) => g.id)).toEqual(['A', 'B']);
  });
});

describe('filterAlerts', () => {
  const a = alert({ alertname: 'A' });
  const s = alert({ alertname: 'S' });
  const r = alert({ alertname: 'R' }, { status: 'resolved', endsAt: iso(T0 - MIN) });
  const views = alertViews([group('A', [a]), group('S', [s], { receiver: 'ops' }), group('R', [r])], ctx([silence('x', { name: 'alertname', value: 'S' })]));
  const ids = (list: AlertView[]) => list.map((v) => v.id).sort();

  it('filters by status, state (one or several) and receiver, together', () => {
    expect(ids(filterAlerts(views, {}))).toEqual(ids(views));
    expect(ids(filterAlerts(views, { status: 'firing' }))).toEqual([a.fingerprint, s.fingerprint].sort());
    expect(ids(filterAlerts(views, { status: 'resolved' }))).toEqual([r.fingerprint]);
    expect(ids(filterAlerts(views, { state: 'silenced' }))).toEqual([s.fingerprint]);
    expect(ids(filterAlerts(views, { state: 'firing,resolved' }))).toEqual([a.fingerprint, r.fingerprint].sort());
    expect(ids(filterAlerts(views, { receiver: 'team' }))).toEqual([a.fingerprint, r.fingerprint].sort());
    expect(ids(filterAlerts(views, { receiver: 'team', state: 'firing' }))).toEqual([a.fingerprint]);
    expect(filterAlerts(views, { receiver: 'nobody' })).toEqual([]);
  });

  it('rejects an unknown status or state with a 400 naming the allowed values', () => {
    expect(() => filterAlerts(views, { status: 'muted' })).toThrow(ValidationError);
    expect(() => filterAlerts(views, { status: 'muted' })).toThrow(/status must be "firing" or "resolved"/);
    for (const state of ['muted', 'firing,muted', '']) {
      expect(() => filterAlerts(views, { state })).toThrow(ValidationError);
      expect(() => filterAlerts(views, { state })).toThrow(`state must be one or more of ${ALERT_STATES.join(', ')}`);
    }
  });
});

describe('a notification that failed for good', () => {
  it('shows the alerts it carried as failed until a later send is delivered; muted and resolved states still win', () => {
    const a = alert({ alertname: 'F' });
    const b = alert({ alertname: 'F', n: '2' });
    const c = alert({ alertname: 'F', n: '3' });
    const sending = { 'webhook.0': { firing: [a.fingerprint, c.fingerprint], resolved: [], at: T0 - MIN, seq: 1 } };
    const g = group('F', [a, b, c], { sending, flushSeq: 1 });
    const id = notificationId('F', 1, 'webhook.0');
    const ctx = (status: 'failed' | 'retrying' | 'delivered'): StateContext => ({
      now: new Date(T0),
      silences: [silence('s', { name: 'n', value: '3' })],
      config,
      outcomes: new Map([[id, { status, at: T0 }]]),
    });
    const states = (status: 'failed' | 'retrying' | 'delivered') => Object.fromEntries(alertViews([g], ctx(status)).map((v) => [v.labels.n ?? '1', v.state]));
    expect(states('failed')).toEqual({ '1': 'failed', '2': 'firing', '3': 'silenced' });
    expect(states('retrying')).toEqual({ '1': 'firing', '2': 'firing', '3': 'silenced' });
    expect(states('delivered')).toEqual({ '1': 'firing', '2': 'firing', '3': 'silenced' });
    // Once the router folded the failure in, the group itself says so.
    const folded = group('F', [a], { sending: { 'webhook.0': { ...sending['webhook.0'], failedAt: T0 } }, flushSeq: 1 });
    expect(alertViews([folded], { now: new Date(T0), silences: [], config }).map((v) => v.state)).toEqual(['failed']);
  });
});

describe('listAlerts and getAlert', () => {
  const a = alert({ alertname: 'A' });
  const deps = (calls: string[], groups = [group('A', [a])]) => ({
    groups: pagedGroups(groups, calls),
    silences: { current: async () => (calls.push('silences'), [silence('s', { name: 'alertname', value: 'A' })]) },
    inhibitions: { query: async () => (calls.push('inhibitions'), []) },
    deliveries: { outcomes: async () => (calls.push('deliveries'), new Map()) },
    config,
    clock: () => new Date(T0),
  });

  it('reads a page of groups and the current silences once per request', async () => {
    const calls: string[] = [];
    const res = await listAlerts(deps(calls), { state: 'silenced' });
    expect(res.alerts.map((v) => v.silenced_by)).toEqual([['s']]);
    expect(res.next_cursor).toBeNull();
    // No notification is unsettled: no delivery record is read; no inhibit rule targets the alert.
    expect(calls.sort()).toEqual(['groups', 'silences']);
  });

  it('rejects a bad query (state, limit, filter, cursor) with a 400 naming it, without reading anything', async () => {
    const calls: string[] = [];
    const bad = async (query: Record<string, string>, message: RegExp) => {
      const err = await listAlerts(deps(calls), query).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).status).toBe(400);
      expect((err as Error).message).toMatch(message);
    };
    await bad({ state: 'nope' }, /^state must be/);
    await bad({ limit: '0' }, /^limit must be a whole number from 1 to 1000/);
    await bad({ limit: '1001' }, /^limit must be/);
    await bad({ limit: '10abc' }, /^limit must be/);
    await bad({ filter: 'alertname=~"(unclosed"' }, /^invalid filter "alertname=~\\"\(unclosed\\"": invalid regular expression/);
    await bad({ filter: 'alertname' }, /^invalid filter/);
    await bad({ cursor: 'not a cursor!' }, /^invalid cursor/);
    await bad({ cursor: Buffer.from('{"k":1}').toString('base64url') }, /^invalid cursor/);
    // A well-formed key of another listing (a silence) would make DynamoDB reject the Query.
    await bad({ cursor: encodeCursor({ k: { pk: 'SILENCES', sk: 'SILENCE#x', lpk: 'SILENCES', lsk: 'x' } }) }, /^invalid cursor/);
    expect(calls).toEqual([]);
  });

  it('refuses with a 400 a filter whose regex would cost more than a request may spend on the stored labels', async () => {
    const long = alert({ alertname: 'a'.repeat(20_000) });
    await expect(listAlerts(deps([], [group('L', [long])]), { filter: 'alertname=~"a{1000}b{1000}c{1000}d{1000}"' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^filter too costly/),
    });
  });

  it('gets one alert by fingerprint, or 404s', async () => {
    expect(await getAlert(deps([]), a.fingerprint)).toMatchObject({ id: a.fingerprint, state: 'silenced' });
    await expect(getAlert(deps([]), 'ffffffffffffffff')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  // Without an index from alerts to groups (DynamoDB), `holding` walks the listing: never for an
  // id that cannot be an alertflow fingerprint, and never past HOLDING_WALK_LIMIT groups.
  it('bounds the groups read to find an alert, and walks none for an id that is not a fingerprint', async () => {
    const many = Array.from({ length: 250 }, (_, i) => group(`G${String(i).padStart(3, '0')}`, [alert({ alertname: `G${i}` })]));
    const groups = pagedGroups(many);
    const store = { ...deps([]), groups };
    await expect(getAlert(store, 'not-a-fingerprint')).rejects.toMatchObject({ status: 404 });
    // Only the sender-fingerprint search ran: at most READ_BUDGET groups, here all 250.
    expect(groups.reads).toBe(250);
    groups.reads = 0;
    expect(await holdingByWalk(groups, 'ffffffffffffffff', new Date(T0), 120)).toEqual([]);
    expect(groups.reads).toBe(120);
    const last = many.at(-1)!;
    expect((await holdingByWalk(groups, Object.keys(last.alerts)[0]!, new Date(T0))).map((g) => g.groupId)).toEqual([last.groupId]);
  });
});

describe('listAlerts: filters and pages', () => {
  const deps = (groups: GroupState[], sources: InhibitionSource[] = [], cfg = config) => ({
    groups: pagedGroups(groups),
    silences: { current: async () => [] },
    inhibitions: { query: async () => sources },
    deliveries: { outcomes: async () => new Map() },
    config: cfg,
    clock: () => new Date(T0),
  });

  /** Every page of the listing, following next_cursor. */
  async function walk(d: ReturnType<typeof deps>, query: Record<string, string>) {
    const pages: AlertView[][] = [];
    let cursor: string | undefined;
    do {
      const res = await listAlerts(d, { ...query, ...(cursor ? { cursor } : {}) });
      pages.push(res.alerts);
      cursor = res.next_cursor ?? undefined;
    } while (cursor && pages.length < 100);
    return pages;
  }

  it('keeps only alerts matching every filter matcher (Alertmanager matchers: =, !=, =~, !~)', async () => {
    const groups = [
      group('A', [alert({ alertname: 'A', env: 'prod' }), alert({ alertname: 'A', env: 'dev' })]),
      group('B', [alert({ alertname: 'B', env: 'prod' })]),
    ];
    const labels = async (filter: string) => (await listAlerts(deps(groups), { filter })).alerts.map((v) => `${v.labels.alertname}/${v.labels.env}`).sort();
    expect(await labels('alertname="A"')).toEqual(['A/dev', 'A/prod']);
    // A repeated `filter` arrives comma-joined: both must match.
    expect(await labels('alertname="A",env="prod"')).toEqual(['A/prod']);
    expect(await labels('{env=~"pr.*"}')).toEqual(['A/prod', 'B/prod']);
    expect(await labels('env!="prod"')).toEqual(['A/dev']);
    expect(await labels('alertname!~"A|B"')).toEqual([]);
  });

  it('pages through every alert once, group by group (newest first inside one), whatever the limit', async () => {
    const groups = ['A', 'B', 'C', 'D'].map((name, i) => group(name, Array.from({ length: i + 2 }, () => alert({ alertname: name }))));
    const all = (await listAlerts(deps(groups), { limit: '1000' })).alerts;
    expect(all).toHaveLength(2 + 3 + 4 + 5);
    expect(all.map((v) => v.labels.alertname).join('')).toBe('AABBBCCCCDDDDD');
    for (const limit of ['1', '2', '3', '7']) {
      const pages = await walk(deps(groups), { limit });
      expect(pages.slice(0, -1).every((p) => p.length === Number(limit))).toBe(true);
      expect(pages.flat().map((v) => v.id)).toEqual(all.map((v) => v.id));
    }
    // Filters and pages together: the `status` of the old API still applies.
    const firingA = await walk(deps(groups), { limit: '1', filter: 'alertname=~"B|D"', status: 'firing' });
    expect(firingA.flat().map((v) => v.labels.alertname).join('')).toBe('BBBDDDDD');
  });

  it('bounds the work of one request: a filter matching nothing returns an empty page with a cursor to go on', async () => {
    // 60 groups of 100 alerts: more than one request may look at (ALERT_BUDGET).
    const groups = Array.from({ length: 60 }, (_, i) => group(`G${String(i).padStart(2, '0')}`, Array.from({ length: 100 }, () => alert({ alertname: `G${i}` }))));
    const d = deps(groups);
    const first = await listAlerts(d, { filter: 'alertname="nothing"' });
    expect(first.alerts).toEqual([]);
    expect(first.next_cursor).not.toBeNull();
    expect(d.groups.reads).toBeLessThanOrEqual(ALERT_BUDGET / 100 + 100);
    const pages = await walk(deps(groups), { filter: 'alertname="G59"' });
    expect(pages.flat()).toHaveLength(100);
    expect(pages.length).toBeGreaterThan(1);
  });

  it('lists an alert routed to several groups once, with every group', async () => {
    const cfg = compileConfig(
      parseConfigYaml(`
route:
  receiver: team
  group_by: [alertname]
  routes:
    - { receiver: team, matchers: ['env="prod"'], continue: true }
    - { receiver: ops, matchers: ['env="prod"'], group_by: [env] }
receivers:
  - name: team
  - name: ops
`),
    );
    const shared = alert({ alertname: 'Disk', env: 'prod' });
    const [teamRoute, opsRoute] = matchRoutes(cfg.routeTree, shared.labels);
    const groupFor = (route: typeof teamRoute, alerts: GroupAlert[]) => {
      const key = groupKeyFor(route!, shared.labels);
      return group(groupIdOf(route!, key), alerts, { routeId: route!.id, receiver: route!.receiver, groupKey: key });
    };
    const only = alert({ alertname: 'Other', env: 'prod' }, { startsAt: iso(T0 - 2 * 60 * MIN) });
    const groups = [groupFor(teamRoute, [shared]), groupFor(opsRoute, [shared, only])];
    for (const limit of ['1', '100']) {
      const listed = (await walk(deps(groups, [], cfg), { limit })).flat();
      expect(listed.map((v) => v.id).sort()).toEqual([shared.fingerprint, only.fingerprint].sort());
      expect(listed.find((v) => v.id === shared.fingerprint)!.groups.map((g) => g.receiver).sort()).toEqual(['ops', 'team']);
    }
  });

  it('reads inhibiting alerts of other pages from the inhibition index', async () => {
    const target = alert({ alertname: 'Latency', severity: 'warning', cluster: 'eu' });
    const source: InhibitionSource = { fingerprint: 'f00d', labels: { alertname: 'NodeDown', severity: 'critical', cluster: 'eu' }, status: 'firing' };
    const [view] = (await listAlerts(deps([group('Latency', [target])], [source]), {})).alerts;
    expect(view).toMatchObject({ id: target.fingerprint, state: 'inhibited', inhibited_by: ['f00d'] });
  });
});
