import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../config/loader';
import { ConfigError } from '../errors';
import { groupIdOf } from './dispatch';
import { groupKeyFor, matchRoutes } from '../routing/route-tree';
import { RouterSim, simAlert } from '../../test/support/router-sim';
import { freshStores } from '../../test/support/store-adapters';

/**
 * `group_by` as Alertmanager 0.25 reads it, through the router: what a group's notifications carry
 * (its key and labels), which alerts share a group, and group ids that stay what they were.
 */
const receivers = `receivers: [{ name: team, webhook_configs: [{ url: 'http://127.0.0.1:9/a' }] }]`;

describe('group keys through the router', () => {
  const fresh = freshStores('sqlite');
  // `a1` is `a` plus a digit: Alertmanager 0.25 writes `a1="2"` before `a="1"` (`1` sorts before `=`).
  const yaml = `route: { receiver: team, group_by: [a1, a], group_wait: 1s, group_interval: 2s }\n${receivers}`;
  const labels = { a: '1', a1: '2' };
  /** sha256 of `team\n{}\n{}:{a="1", a1="2"}`: the id this group had before keys took Alertmanager 0.25's form. */
  const ID = '31efe645270389b2b6c822240520b854';

  it("carries Alertmanager 0.25's group key on a new group, with the group id derived as before", async () => {
    // Prepare
    const sim = new RouterSim(await fresh(), yaml);
    // Act
    await sim.post([simAlert('h1', { startsAt: sim.now, labels })]);
    await sim.advance(1_000);
    // Assess
    expect(sim.notifications.map((n) => [n.group.id, n.group.key, Object.keys(n.group.labels)])).toEqual([[ID, '{}:{a1="2", a="1"}', ['a', 'a1']]]);
    const [route] = matchRoutes(sim.deps.config.routeTree, { alertname: 'DiskFull', instance: 'h1', ...labels });
    expect(groupIdOf(route!, groupKeyFor(route!, labels))).toBe(ID);
  });

  it('keeps the key a group was stored with (a group stored before this form keeps its own)', async () => {
    // Prepare: the group as the previous release stored it, key with names sorted.
    const sim = new RouterSim(await fresh(), yaml);
    await sim.post([simAlert('h1', { startsAt: sim.now, labels })]);
    await sim.advance(1_000);
    const stored = (await sim.groups.getMany([ID], new Date(sim.now))).get(ID)!;
    await sim.groups.put({ ...stored, version: stored.version + 1, groupKey: '{}:{a="1", a1="2"}' });
    // Act: a second alert joins the group.
    await sim.post([simAlert('h2', { startsAt: sim.now, labels })]);
    await sim.advance(2_000);
    // Assess: same group, its stored key (a PagerDuty dedup_key hashed from it stays the same).
    expect(sim.notifications.map((n) => [n.group.id, n.group.key, n.group.alerts.length])).toEqual([
      [ID, '{}:{a1="2", a="1"}', 1],
      [ID, '{}:{a="1", a1="2"}', 2],
    ]);
  });

  it('puts alerts differing only in a label outside the inherited group_by in one group when a child has group_by: []', async () => {
    // Prepare
    const sim = new RouterSim(
      await fresh(),
      `route: { receiver: team, group_by: [alertname], group_wait: 1s, group_interval: 2s, routes: [{ matchers: ['team="db"'], group_by: [] }] }\n${receivers}`,
    );
    // Act
    await sim.post([simAlert('h1', { startsAt: sim.now, labels: { team: 'db' } }), simAlert('h2', { startsAt: sim.now, labels: { team: 'db' } })]);
    await sim.advance(1_000);
    // Assess
    expect(sim.notifications.map((n) => [n.group.key, n.group.labels, n.group.alerts.map((a) => a.labels.instance).sort()])).toEqual([
      ['{}/{team="db"}:{alertname="DiskFull"}', { alertname: 'DiskFull' }, ['h1', 'h2']],
    ]);
  });
});

describe('group_by in the config file', () => {
  const load = (groupBy: string) => parseConfigYaml(`route: { receiver: team, routes: [{ receiver: team, group_by: ${groupBy} }] }\n${receivers}`, 'test.yaml');

  it.each([["['...', '...']"], ['[]'], ["['...']"]])('accepts group_by: %s, as Alertmanager 0.25 does', (groupBy) => {
    // Prepare / Act / Assess
    expect(() => load(groupBy)).not.toThrow();
  });

  it("refuses '...' beside a label, naming the key", () => {
    // Prepare / Act
    let error: unknown;
    try {
      load("['...', alertname]");
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/route\.routes\[0\]\.group_by .*'\.\.\.' \(group by all labels\) cannot be combined with other labels/);
  });
});
