import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch';
import { RouterSim, simAlert } from '../../test/support/router-sim';
import { freshStores } from '../../test/support/store-adapters';

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

describe('router handler past its deadline', () => {
  const fresh = freshStores('sqlite');

  it('hands the messages it did not start back at once (visibility 0), reported failed', async () => {
    const { createHandler } = await import('../../functions/router/handler');
    const { compileConfig } = await import('../runtime/compiled-config');
    const { parseConfigYaml } = await import('../config/loader');
    const { silentLogger } = await import('../log');
    const visibility: Array<[string, string, number]> = [];
    const stores = await fresh();
    const handler = createHandler({
      config: compileConfig(parseConfigYaml(`route: { receiver: team }\nreceivers: [{ name: team, webhook_configs: [{ url: 'http://127.0.0.1:9/a' }] }]`, 'test.yaml')),
      stores,
      queues: { send: async () => {}, changeVisibility: async (q: string, h: string, s: number) => void visibility.push([q, h, s]) } as never,
      scheduler: { create: async () => {}, delete: async () => {} },
      clock: () => new Date(),
      log: silentLogger,
    });
    const body = JSON.stringify({ kind: 'alerts', id: 'm1', receivedAt: new Date().toISOString(), source: 'generic', origin: {}, alerts: [simAlert('a', { startsAt: Date.now() })] });
    const event = { Records: [{ messageId: 'r1', receiptHandle: 'h1', body, attributes: {} }] } as never;
    const late = await handler(event, { getRemainingTimeInMillis: () => 1_000 });
    expect(late.batchItemFailures).toEqual([{ itemIdentifier: 'r1' }]);
    expect(visibility).toEqual([['alerts', 'h1', 0]]);
    expect((await handler(event, { getRemainingTimeInMillis: () => 60_000 })).batchItemFailures).toEqual([]);
  });
});
