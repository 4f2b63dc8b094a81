import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../shared/dispatch/dispatch';
import { RouterSim, simAlert } from '../../support/router-sim';
import { freshStores } from '../../support/store-adapters';

/** The router's deadline: groups not started by then are handed back (their messages failed), none half done. */
describe('router deadline', () => {
  const fresh = freshStores('sqlite');
  const yaml = `route: { receiver: team, group_by: [alertname], group_wait: 0s }\nreceivers: [{ name: team, webhook_configs: [{ url: 'http://127.0.0.1:9/a' }] }]`;

  it('past the deadline, starts no group: every message comes back, nothing is written or sent', async () => {
    const sim = new RouterSim(await fresh(), yaml);
    const message = sim.message([simAlert('a', { startsAt: sim.now }), simAlert('b', { startsAt: sim.now, labels: { alertname: 'Other' } })], 'm1');
    const late = await dispatch([message], { ...sim.deps, deadline: Date.now() - 1 });
    expect([...late.failed]).toEqual(['m1']);
    expect(late.changedGroups).toBe(0);
    expect(sim.notifications).toHaveLength(0);
    // The redelivery, with time left, does the work.
    const again = await dispatch([message], { ...sim.deps, deadline: Date.now() + 60_000 });
    expect(again.failed.size).toBe(0);
    expect(again.changedGroups).toBe(2);
  });
});
