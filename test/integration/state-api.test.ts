import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../shared/alerts/fingerprint';
import { getAlert, listAlerts, type AlertStateDeps } from '../../shared/api/alerts';
import { listGroups } from '../../shared/api/groups';
import { createSilence } from '../../shared/api/silences';
import { parseConfigYaml } from '../../shared/config/loader';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { GroupStore, type GroupAlert, type GroupState } from '../../shared/store/groups';
import { SilenceStore } from '../../shared/store/silences';

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
  return {
    groupId: id,
    routeId: config.routeTree.id,
    receiver,
    groupKey: `{}:{alertname="${id}"}`,
    groupLabels: { alertname: id },
    alerts: Object.fromEntries(alerts.map((a) => [a.fingerprint, a])),
    version: 1,
    updatedAt: iso(NOW),
    expiresAt: NOW / 1000 + 86_400,
    flushSeq: 0,
    nflog: {},
    flaps: {},
    lastWrite: { ids: [] },
    ...overrides,
  };
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
  const groups = new GroupStore(dynamo.db, TABLE);
  const silences = new SilenceStore(dynamo.db, TABLE);
  deps = { groups, silences, config, clock: () => new Date(NOW) };
  await groups.put(group('NodeDown', 'team', [source], { lastSentAt: NOW - 5 * MIN, nflog: { 'slack.0': { firing: [source.fingerprint], resolved: [], at: NOW - 5 * MIN } } }));
  await groups.put(group('Latency', 'team', [target]));
  await groups.put(group('DiskFull', 'team', [disk], { firstFlushAt: NOW + 30_000, recentlyResolved: { [gone.fingerprint]: gone } }));
  await groups.put(
    group('Storm', 'ops', [stormy], { timer: { at: NOW + 2 * MIN, token: 't' }, hold: { reason: 'storm', until: NOW + 2 * MIN, fingerprints: [stormy.fingerprint] } }),
  );
  await groups.put(group('Empty', 'ops', []));
  silenceId = (await createSilence({ silences, clock: () => new Date(NOW) }, { matchers: ['alertname="DiskFull"'], ends_at: iso(NOW + 60 * MIN), created_by: 'alice', comment: 'disk swap' }, 'alice-token'))
    .id;
});
afterAll(async () => dynamo?.close());

describe('listAlerts and getAlert over stored state', () => {
  it('shows each alert with its state, why, and its group', async () => {
    const alerts = await listAlerts(deps);
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
    expect((await listAlerts(deps, { receiver: 'ops' })).map((a) => a.id)).toEqual([stormy.fingerprint]);
    expect((await listAlerts(deps, { state: 'silenced,inhibited' })).map((a) => a.id).sort()).toEqual([disk.fingerprint, target.fingerprint].sort());
    expect((await listAlerts(deps, { status: 'resolved' })).map((a) => a.id)).toEqual([gone.fingerprint]);
    await expect(listAlerts(deps, { state: 'muted' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/state must be one or more of/) });
  });
});

describe('listGroups over stored state', () => {
  it('lists groups with their counts, timers, notification log and hold, leaving out empty ones', async () => {
    const groups = await listGroups(deps);
    expect(groups.map((g) => `${g.receiver}/${g.id}`)).toEqual(['ops/Storm', 'team/DiskFull', 'team/Latency', 'team/NodeDown']);
    const byId = new Map(groups.map((g) => [g.id, g]));
    expect(byId.get('Storm')).toMatchObject({ next_flush_at: iso(NOW + 2 * MIN), hold: { reason: 'storm', until: iso(NOW + 2 * MIN) } });
    expect(byId.get('DiskFull')).toMatchObject({ alerts: { firing: 1, resolved: 1 }, next_flush_at: iso(NOW + 30_000), last_notified_at: null, hold: null });
    expect(byId.get('NodeDown')).toMatchObject({
      last_notified_at: iso(NOW - 5 * MIN),
      notifications: [{ channel: 'slack[0]', at: iso(NOW - 5 * MIN), firing: 1, resolved: 0 }],
    });
  });
});
