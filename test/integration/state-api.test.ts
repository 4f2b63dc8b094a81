import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../shared/labels/fingerprint';
import { getAlert, listAlerts, type AlertStateDeps } from '../../shared/api/alerts';
import { listGroups } from '../../shared/api/groups';
import { createSilence } from '../../shared/api/silences';
import { parseConfigYaml } from '../../shared/config/loader';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { DynamoDeliveryStore } from '../../shared/store/deliveries';
import { DynamoGroupStore } from '../../shared/store/groups';
import { type GroupAlert, type GroupState } from '../../shared/grouping/model';
import { RouterSim, simAlert } from '../support/router-sim';
import { dynamoStores } from '../../shared/store/dynamo';
import { DynamoSilenceStore } from '../../shared/store/silences';
import { DynamoInhibitionSourceStore, inhibitPartition } from '../../shared/store/noise';
import { groupState } from '../support/group-state';

/** Integration: the alert and group state views over groups and silences stored in the local DynamoDB. */
let dynamo: LocalDynamo;
const TABLE = 'alertflow-state-api';
const NOW = Date.parse('2026-11-22T10:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const config = compileConfig(
  parseConfigYaml(`
route:
  receiver: team
  group_by: [alertname]
receivers:
  - name: team
  - name: ops
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
`),
);

function alert(labels: Record<string, string>, overrides: Partial<GroupAlert> = {}): GroupAlert {
  return { fingerprint: fingerprint(labels), status: 'firing', labels, annotations: {}, startsAt: iso(NOW - 10 * MIN), source: 'generic', ...overrides };
}

function group(id: string, receiver: string, alerts: GroupAlert[], overrides: Partial<GroupState> = {}): GroupState {
  return groupState(id, alerts, NOW, { routeId: config.routeTree.id, receiver, ...overrides });
}

const source = alert({ alertname: 'NodeDown', severity: 'critical', cluster: 'eu' });
const target = alert({ alertname: 'Latency', severity: 'warning', cluster: 'eu' });
const disk = alert({ alertname: 'DiskFull', instance: 'db-1' });
const stormy = alert({ alertname: 'Storm', n: '1' });
const gone = alert({ alertname: 'DiskFull', instance: 'db-2' }, { status: 'resolved', endsAt: iso(NOW - MIN), resolvedAt: iso(NOW - MIN) });

let deps: AlertStateDeps;
let silenceId: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
  const groups = new DynamoGroupStore(dynamo.db, TABLE);
  const silences = new DynamoSilenceStore(dynamo.db, TABLE);
  const inhibitions = new DynamoInhibitionSourceStore(dynamo.db, TABLE);
  deps = { groups, silences, inhibitions, deliveries: new DynamoDeliveryStore(dynamo.db, TABLE), config, clock: () => new Date(NOW) };
  // The router indexes a firing source of an inhibit rule when it stores its group.
  await inhibitions.put(inhibitPartition(config.inhibitRules[0]!, source.labels), source, new Date(NOW));
  await groups.put(group('NodeDown', 'team', [source], { lastSentAt: NOW - 5 * MIN, nflog: { 'slack.0': { firing: [source.fingerprint], resolved: [], at: NOW - 5 * MIN } } }));
  await groups.put(group('Latency', 'team', [target]));
  await groups.put(group('DiskFull', 'team', [disk], { firstFlushAt: NOW + 30_000, recentlyResolved: { [gone.fingerprint]: gone } }));
  await groups.put(
    group('Storm', 'ops', [stormy], { timer: { at: NOW + 2 * MIN, token: 't' }, hold: { reason: 'storm', until: NOW + 2 * MIN, fingerprints: [stormy.fingerprint] } }),
  );
  await groups.put(group('Empty', 'ops', []));
  silenceId = (await createSilence({ silences, clock: () => new Date(NOW), limits: config.raw.silences }, { matchers: ['alertname="DiskFull"'], ends_at: iso(NOW + 60 * MIN), created_by: 'alice', comment: 'disk swap' }, 'alice-token'))
    .id;
});
afterAll(async () => dynamo?.close());

describe('listAlerts and getAlert over stored state', () => {
  it('shows each alert with its state, why, and its group', async () => {
    const { alerts } = await listAlerts(deps);
    const state = Object.fromEntries(alerts.map((a) => [a.labels.alertname + (a.labels.instance ? `/${a.labels.instance}` : ''), a.state]));
    expect(state).toEqual({
      NodeDown: 'firing',
      Latency: 'inhibited',
      'DiskFull/db-1': 'silenced',
      'DiskFull/db-2': 'resolved',
      Storm: 'throttled',
    });
    expect(alerts.find((a) => a.id === target.fingerprint)!.inhibited_by).toEqual([source.fingerprint]);
    expect(await getAlert(deps, disk.fingerprint)).toMatchObject({
      id: disk.fingerprint,
      status: 'firing',
      state: 'silenced',
      silenced_by: [silenceId],
      inhibited_by: [],
      flapping: false,
      groups: [{ id: 'DiskFull', receiver: 'team', routeId: config.routeTree.id }],
    });
    expect(await getAlert(deps, gone.fingerprint)).toMatchObject({ state: 'resolved', silenced_by: [silenceId], groups: [{ id: 'DiskFull' }] });
  });

  it('filters by state and receiver', async () => {
    expect((await listAlerts(deps, { receiver: 'ops' })).alerts.map((a) => a.id)).toEqual([stormy.fingerprint]);
    expect((await listAlerts(deps, { state: 'silenced,inhibited' })).alerts.map((a) => a.id).sort()).toEqual([disk.fingerprint, target.fingerprint].sort());
    expect((await listAlerts(deps, { status: 'resolved' })).alerts.map((a) => a.id)).toEqual([gone.fingerprint]);
    await expect(listAlerts(deps, { state: 'muted' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/state must be one or more of/) });
  });
});

describe('listGroups over stored state', () => {
  it('lists groups with their counts, timers, notification log and hold, leaving out empty ones', async () => {
    const { groups } = await listGroups(deps);
    expect(groups.map((g) => `${g.receiver}/${g.id}`)).toEqual(['ops/Storm', 'team/DiskFull', 'team/Latency', 'team/NodeDown']);
    const byId = new Map(groups.map((g) => [g.id, g]));
    expect(byId.get('Storm')).toMatchObject({ next_flush_at: iso(NOW + 2 * MIN), hold: { reason: 'storm', until: iso(NOW + 2 * MIN) } });
    // The resolved DiskFull/db-2 left the group at its flush: /v1/alerts lists it, the group does not count it.
    expect(byId.get('DiskFull')).toMatchObject({ alerts: { firing: 1, resolved: 0 }, next_flush_at: iso(NOW + 30_000), last_notified_at: null, hold: null });
    expect(byId.get('NodeDown')).toMatchObject({
      last_notified_at: iso(NOW - 5 * MIN),
      notifications: [{ channel: 'slack[0]', status: 'delivered', at: iso(NOW - 5 * MIN), firing: 1, resolved: 0 }],
    });
  });
});

/**
 * The group view against the router itself: every field is what the router will do. The sim keeps
 * the router's pending flush messages; the one carrying the group's live timer token is its next flush.
 */
describe('listGroups shows what the router will do', () => {
  let tables = 0;
  const H = 60 * MIN;
  async function sim(yaml: string): Promise<RouterSim> {
    const table = `state-sim-${++tables}`;
    await dynamo.createTable(table);
    return new RouterSim(dynamoStores(dynamo.db, table), yaml);
  }
  const view = async (s: RouterSim, alertname: string) => {
    const { groups: views } = await listGroups({ groups: s.groups, deliveries: s.deliveries, clock: () => new Date(s.now) });
    return views.find((v) => v.labels.alertname === alertname)!;
  };
  /** When the router flushes the group next: its live chain's pending message. */
  const nextFlush = async (s: RouterSim, alertname: string) => {
    const g = (await s.groups.list(new Date(s.now))).find((x) => x.groupLabels.alertname === alertname)!;
    const ats = s.pending.map((p) => JSON.parse(p.body) as { groupId: string; token?: string; at: number }).filter((m) => m.groupId === g.groupId && m.token === g.timer?.token);
    return ats.length > 0 ? iso(Math.min(...ats.map((m) => m.at))) : null;
  };
  const RECEIVER = `
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`;

  it('next_flush_at of a group muted by a time interval, of an inhibited one and of a silenced one', async () => {
    // 2026-11-22 is a Sunday: the db route is muted all day.
    const s = await sim(`
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  routes:
    - matchers: ['team="db"']
      mute_time_intervals: [weekend]
time_intervals:
  - name: weekend
    time_intervals: [{ weekdays: [saturday, sunday] }]
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
${RECEIVER}`);
    await s.post([simAlert('db1', { startsAt: s.now, labels: { alertname: 'Db', team: 'db' } })]);
    await s.post([simAlert('src', { startsAt: s.now, labels: { alertname: 'Down', severity: 'critical', cluster: 'c1' } })]);
    await s.post([simAlert('w1', { startsAt: s.now, labels: { alertname: 'Slow', severity: 'warning', cluster: 'c1' } })]);
    const silenceEnd = s.now + 3 * H;
    s.silences.push({
      id: 'sil-q',
      matchers: [{ name: 'alertname', value: 'Quiet', isRegex: false, isEqual: true }],
      starts_at: iso(s.now),
      ends_at: iso(silenceEnd),
      created_by: 'alice',
      comment: 'x',
      updated_at: iso(s.now),
    });
    await s.post([simAlert('q1', { startsAt: s.now, labels: { alertname: 'Quiet' } })]);
    await s.advance(2 * H + 7 * MIN);
    for (const name of ['Db', 'Slow', 'Quiet']) {
      const next = await nextFlush(s, name);
      expect(next).not.toBeNull();
      expect((await view(s, name)).next_flush_at).toBe(next);
    }
    // A silenced group is re-checked on its ticks, not only at the silence's end.
    expect(Date.parse((await view(s, 'Quiet')).next_flush_at!)).toBeLessThan(silenceEnd);
  });

  it('next_flush_at of a flapping group in its quiet window', async () => {
    // Edges come faster than group_interval: some flushes find nothing to tell inside the quiet window.
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 5m, flapping: { transitions: 3, window: 1h } }\n${RECEIVER}`);
    const t0 = s.now;
    for (let i = 0; i < 8; i++) {
      await s.post([simAlert('f', i % 2 === 0 ? { startsAt: s.now } : { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      await s.advance(2 * MIN);
    }
    for (let i = 0; i < 30; i++) {
      await s.advance(MIN);
      const next = await nextFlush(s, 'DiskFull');
      expect(next).not.toBeNull();
      expect((await view(s, 'DiskFull')).next_flush_at).toBe(next);
    }
  });

  it('last_notified_at beside the notifications of a group that re-fired inside its cooldown', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m, cooldown: 30m }\n${RECEIVER}`);
    const t0 = s.now;
    await s.post([simAlert('a', { startsAt: t0 })]);
    await s.deliver();
    await s.advance(2 * MIN);
    await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
    await s.advance(2 * MIN);
    await s.deliver();
    await s.post([simAlert('a', { startsAt: s.now })]);
    await s.advance(5 * MIN);
    const v = await view(s, 'DiskFull');
    expect(v.hold).toMatchObject({ reason: 'cooldown' });
    expect(v.notifications).toHaveLength(1);
    expect(v.last_notified_at).toBe(v.notifications[0]!.at);
    expect(v.notifications[0]).toMatchObject({ channel: 'webhook[0]', status: 'delivered' });
  });

  it('does not count a resolved alert once its resolve was flushed, and shows a failed send as failed', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${RECEIVER}`);
    const t0 = s.now;
    await s.post([simAlert('a', { startsAt: t0 }), simAlert('b', { startsAt: t0 })]);
    await s.deliver();
    await s.advance(2 * MIN);
    await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
    await s.deliver(400);
    const v = await view(s, 'DiskFull');
    expect(v.alerts).toEqual({ firing: 1, resolved: 0 });
    expect(v.notifications).toEqual([expect.objectContaining({ channel: 'webhook[0]', status: 'failed', firing: 1, resolved: 1 })]);
    expect(v.last_notified_at).toBe(iso(t0));
    const { alerts } = await listAlerts({
      groups: s.groups,
      silences: { current: async () => [] },
      inhibitions: { query: async () => [] },
      deliveries: s.deliveries,
      config: s.deps.config,
      clock: () => new Date(s.now),
    });
    expect(alerts.find((a) => a.labels.instance === 'b')).toMatchObject({ state: 'failed' });
  });
});
