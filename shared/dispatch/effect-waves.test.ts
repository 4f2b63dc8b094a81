import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch';
import type { GroupState } from '../grouping/model';
import { openLocalDatabase } from '../local/sqlite';
import { ALERTS_QUEUE } from '../queues/names';
import type { QueuePort } from '../queues/port';
import { sqliteStores } from '../store/sqlite';
import { RouterSim, simAlert } from '../../test/support/router-sim';

/**
 * A storm's first router batches are mostly new groups that notify at once (group_wait 0s). Their
 * notifications go to the channel queue part by part, by the message that first touched the group,
 * once enough of them wait: the first request's groups are on their way before the second request's
 * groups are stored.
 */
const CONFIG = `
route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 5m }
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`;

function traced(sim: RouterSim) {
  const events: string[] = [];
  const groups = Object.assign(Object.create(sim.deps.groups) as typeof sim.deps.groups, {
    put: (g: GroupState) => {
      events.push(`put ${g.groupLabels.alertname}`);
      return sim.deps.groups.put(g);
    },
  });
  const queues: QueuePort = {
    ...sim.deps.queues,
    send: (queue, messages) => {
      if (queue !== ALERTS_QUEUE) events.push(`send ${messages.length}`);
      return sim.deps.queues.send(queue, messages);
    },
  };
  return { events, deps: { ...sim.deps, groups, queues } };
}

const alerts = (sim: RouterSim, prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => simAlert(`host-${i}`, { startsAt: sim.now, labels: { alertname: `${prefix}${i}` } }));

describe('the router applying a batch’s effects', () => {
  it('sends the notifications of the groups of its first messages before it stores the groups of the later ones', async () => {
    const sim = new RouterSim(sqliteStores(openLocalDatabase(undefined)), CONFIG);
    const { events, deps } = traced(sim);
    const result = await dispatch([sim.message(alerts(sim, 'A', 60)), sim.message(alerts(sim, 'B', 60))], deps);
    expect(result.failed.size).toBe(0);
    expect(result.notifications).toBe(120);
    const firstSend = events.findIndex((e) => e.startsWith('send'));
    const firstB = events.indexOf('put B0');
    expect(firstSend).toBeGreaterThan(events.indexOf('put A59'));
    expect(firstSend).toBeLessThan(firstB);
    // Every notification once, in batch calls of at most 10.
    expect(sim.notifications.map((n) => n.group.labels.alertname).sort()).toEqual([...alerts(sim, 'A', 60), ...alerts(sim, 'B', 60)].map((a) => a.labels.alertname).sort());
  });

  it('keeps a part’s few notifications for the batch’s end, in fewer calls', async () => {
    const sim = new RouterSim(sqliteStores(openLocalDatabase(undefined)), CONFIG);
    const { events, deps } = traced(sim);
    // 20 + 20 + 20 new groups: no part has the 50 that send early.
    const result = await dispatch([sim.message(alerts(sim, 'A', 20)), sim.message(alerts(sim, 'B', 20)), sim.message(alerts(sim, 'C', 20))], deps);
    expect(result.notifications).toBe(60);
    const sends = events.filter((e) => e.startsWith('send'));
    expect(sends).toEqual(['send 10', 'send 10', 'send 10', 'send 10', 'send 10', 'send 10']);
    expect(events.findIndex((e) => e.startsWith('send'))).toBeGreaterThan(events.indexOf('put C19'));
  });
});
