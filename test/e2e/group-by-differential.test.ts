import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeAll,
  SYSTEMS,
  startDifferential,
  type Differential,
  type DifferentialSpec,
  type FeedAlert,
  type Notification,
  type StepResult,
  type System,
} from '../support/differential';

/**
 * Differential test of `group_by` as Alertmanager 0.25 reads it: a real Alertmanager 0.25 and
 * alertflow's local runtime get one route tree with a route per case and one receiver per route,
 * are fed the same alerts at once, and must send the same groups (same alerts together, same
 * `groupKey`, same `groupLabels`, labels in the same order in the body). Each case is also checked
 * against what Alertmanager is written here to send, so the test cannot pass with both systems
 * doing the same wrong thing.
 *
 * The cases:
 * - `group_by: []` on a child is "not set" (Alertmanager's config keeps a nil list): the child
 *   inherits its parent's grouping, also through to a grandchild, and under `['...']`.
 * - `['...']` against an explicit list: every label set its own group vs the listed labels only.
 * - an unsorted `group_by: [service, alertname]`: the key and the body list the labels sorted.
 * - names where one is another plus a digit (`env`, `env1`): Alertmanager 0.25 sorts the
 *   `name="value"` strings, so its key reads `{env1="q", env="p"}`.
 *
 * One step feeds every case (their routes are disjoint), so the run stays short: group_wait 1s,
 * group_interval 2s, and the step ends once both systems have been quiet for 3s.
 */

const spec: DifferentialSpec = {
  resolve_timeout: '5m',
  receivers: ['default', 'empty', 'nested', 'all', 'list', 'unsorted', 'digits'].map((name) => ({ name, send_resolved: true })),
  route: {
    receiver: 'default',
    group_by: ['alertname'],
    group_wait: '1s',
    group_interval: '2s',
    repeat_interval: '1h',
    routes: [
      // Empty list: inherits [alertname] from the root.
      { matchers: ['case="empty"'], receiver: 'empty', group_by: [] },
      // A grandchild below an empty list inherits its grandparent's [cluster] (not the root's [alertname]).
      {
        matchers: ['case="nested"'],
        receiver: 'nested',
        group_by: ['cluster'],
        routes: [{ matchers: ['tier="db"'], group_by: [], routes: [{ matchers: ['shard="1"'], group_by: [] }] }],
      },
      // Group by all labels; a child with an empty list keeps grouping by all labels.
      { matchers: ['case="all"'], receiver: 'all', group_by: ['...'], routes: [{ matchers: ['sub="1"'], group_by: [] }] },
      // An explicit list, unsorted: severity is left out of the group.
      { matchers: ['case="list"'], receiver: 'list', group_by: ['instance', 'alertname'] },
      { matchers: ['case="unsorted"'], receiver: 'unsorted', group_by: ['service', 'alertname'] },
      { matchers: ['case="digits"'], receiver: 'digits', group_by: ['env1', 'env'] },
    ],
  },
};

const TIMING = { minMs: 4_000, quietMs: 3_000, timeoutMs: 15_000 };

type Labels = Record<string, string>;
// group_by: [] below the root's [alertname]: E1 and E2 differ only in instance; E3 in alertname.
const E1 = { alertname: 'DiskFull', case: 'empty', instance: 'h1' };
const E2 = { alertname: 'DiskFull', case: 'empty', instance: 'h2' };
const E3 = { alertname: 'CpuHigh', case: 'empty', instance: 'h1' };
// The grandchild groups by cluster: N1 and N2 (two alertnames) together, N3 apart.
const N1 = { alertname: 'DiskFull', case: 'nested', tier: 'db', shard: '1', cluster: 'c1' };
const N2 = { alertname: 'CpuHigh', case: 'nested', tier: 'db', shard: '1', cluster: 'c1' };
const N3 = { alertname: 'DiskFull', case: 'nested', tier: 'db', shard: '1', cluster: 'c2' };
// ['...'] (and its child with []): alerts differing only in severity are two groups; the list puts them in one.
const A1 = { alertname: 'DiskFull', case: 'all', instance: 'h1', severity: 'warning' };
const A2 = { alertname: 'DiskFull', case: 'all', instance: 'h1', severity: 'critical' };
const S1 = { alertname: 'DiskFull', case: 'all', sub: '1', severity: 'warning' };
const S2 = { alertname: 'DiskFull', case: 'all', sub: '1', severity: 'critical' };
const L1 = { alertname: 'DiskFull', case: 'list', instance: 'h1', severity: 'warning' };
const L2 = { alertname: 'DiskFull', case: 'list', instance: 'h1', severity: 'critical' };
const U1 = { alertname: 'HighLatency', case: 'unsorted', service: 'api', zone: 'z1' };
const U2 = { alertname: 'HighLatency', case: 'unsorted', service: 'api', zone: 'z2' };
const D1 = { alertname: 'DiskFull', case: 'digits', env: 'p', env1: 'q' };

const firing = (labels: Labels) => ({ status: 'firing', labels });
function sent(receiver: string, groupKey: string, groupLabels: Labels, alerts: Labels[]): Notification {
  return { receiver, groupKey, groupLabels, status: 'firing', alerts: alerts.map(firing) };
}

function fire(...alerts: Labels[]): FeedAlert[] {
  const now = new Date().toISOString();
  return alerts.map((labels) => ({ labels, startsAt: now }));
}

let diff: Differential;
let result: StepResult;
/** Where each system's notifications of this step start in its stand-in's requests. */
const from: Record<System, number> = { alertmanager: 0, alertflow: 0 };

beforeAll(async () => {
  diff = await startDifferential(spec, TIMING);
  for (const system of SYSTEMS) from[system] = diff.standIns[system].received.length;
  result = await diff.step((feed) => feed.alerts(fire(E1, E2, E3, N1, N2, N3, A1, A2, S1, S2, L1, L2, U1, U2, D1)));
}, 60_000);

afterAll(async () => {
  await diff?.close();
});

/** One receiver's notifications: Alertmanager's must be what is written here, and alertflow's what Alertmanager sent. */
function check(receiver: string, expected: Notification[]): void {
  const of = (system: System) => describeAll(result.notifications[system].filter((n) => n.receiver === receiver));
  expect(of('alertmanager'), 'Alertmanager vs the expectation written in this test').toEqual(describeAll(expected));
  expect(of('alertflow'), 'alertflow vs Alertmanager').toEqual(of('alertmanager'));
}

/** The order of groupLabels' names in each raw body posted to `receiver`, sorted by groupKey. */
function groupLabelOrder(system: System, receiver: string): Array<[string, string[]]> {
  return diff.standIns[system].received
    .slice(from[system])
    .filter((r) => r.path === `/${receiver}`)
    .map((r) => r.json() as { groupKey: string; groupLabels: Labels })
    .map((b): [string, string[]] => [b.groupKey, Object.keys(b.groupLabels)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('group_by: alertflow vs a real Alertmanager 0.25', () => {
  it('both take the config and the alerts, and the step goes quiet', () => {
    expect(result.errors).toEqual({ alertmanager: [], alertflow: [] });
  });

  it('group_by: [] on a child inherits the parent grouping: alerts differing only in another label are one group', () => {
    check('empty', [
      sent('empty', '{}/{case="empty"}:{alertname="DiskFull"}', { alertname: 'DiskFull' }, [E1, E2]),
      sent('empty', '{}/{case="empty"}:{alertname="CpuHigh"}', { alertname: 'CpuHigh' }, [E3]),
    ]);
  });

  it('a grandchild inherits through empty lists from its nearest ancestor with labels', () => {
    check('nested', [
      sent('nested', '{}/{case="nested"}/{tier="db"}/{shard="1"}:{cluster="c1"}', { cluster: 'c1' }, [N1, N2]),
      sent('nested', '{}/{case="nested"}/{tier="db"}/{shard="1"}:{cluster="c2"}', { cluster: 'c2' }, [N3]),
    ]);
  });

  it("group_by ['...'] makes every label set its own group, also below it through group_by: []", () => {
    check('all', [
      sent('all', '{}/{case="all"}:{alertname="DiskFull", case="all", instance="h1", severity="warning"}', A1, [A1]),
      sent('all', '{}/{case="all"}:{alertname="DiskFull", case="all", instance="h1", severity="critical"}', A2, [A2]),
      sent('all', '{}/{case="all"}/{sub="1"}:{alertname="DiskFull", case="all", severity="warning", sub="1"}', S1, [S1]),
      sent('all', '{}/{case="all"}/{sub="1"}:{alertname="DiskFull", case="all", severity="critical", sub="1"}', S2, [S2]),
    ]);
  });

  it('an explicit list groups by the listed labels only', () => {
    check('list', [sent('list', '{}/{case="list"}:{alertname="DiskFull", instance="h1"}', { alertname: 'DiskFull', instance: 'h1' }, [L1, L2])]);
  });

  it('an unsorted group_by [service, alertname] lists the labels sorted, in groupKey and in the groupLabels body', () => {
    check('unsorted', [sent('unsorted', '{}/{case="unsorted"}:{alertname="HighLatency", service="api"}', { alertname: 'HighLatency', service: 'api' }, [U1, U2])]);
    const expected = [['{}/{case="unsorted"}:{alertname="HighLatency", service="api"}', ['alertname', 'service']]];
    expect(groupLabelOrder('alertmanager', 'unsorted'), 'Alertmanager body').toEqual(expected);
    expect(groupLabelOrder('alertflow', 'unsorted'), 'alertflow body').toEqual(expected);
  });

  it('env and env1: groupKey sorts the name="value" pairs (env1 first), the groupLabels body sorts the names', () => {
    check('digits', [sent('digits', '{}/{case="digits"}:{env1="q", env="p"}', { env: 'p', env1: 'q' }, [D1])]);
    const expected = [['{}/{case="digits"}:{env1="q", env="p"}', ['env', 'env1']]];
    expect(groupLabelOrder('alertmanager', 'digits'), 'Alertmanager body').toEqual(expected);
    expect(groupLabelOrder('alertflow', 'digits'), 'alertflow body').toEqual(expected);
  });

  it('sends nothing to the root receiver: every alert matched its case', () => {
    check('default', []);
  });
});
