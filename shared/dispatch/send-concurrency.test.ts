import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch';
import { openLocalDatabase } from '../local/sqlite';
import { ALERTS_QUEUE } from '../queues/names';
import type { OutgoingMessage, QueuePort } from '../queues/port';
import { sqliteStores } from '../store/sqlite';
import { RouterSim, simAlert } from '../../test/support/router-sim';

/**
 * A storm's first flushes are hundreds of notifications, each batch call waiting for its commit
 * (locally) or SQS's round trip (deployed): the router makes the batch calls at once. Here the
 * channel queue answers no batch call until three are waiting; one call at a time would never get
 * there, and its sends would time out and fail their groups.
 */
const CONFIG = `
route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 5m }
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`;

describe('the router sending notifications', () => {
  it('makes its batch calls to a channel queue at once, not one after another', async () => {
    const sim = new RouterSim(sqliteStores(openLocalDatabase(undefined)), CONFIG);
    const waiting: Array<() => void> = [];
    const sent: OutgoingMessage[][] = [];
    const queues: QueuePort = {
      send: (queue, messages) => {
        if (queue === ALERTS_QUEUE) return Promise.resolve();
        sent.push(messages);
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('only one batch call at a time')), 2_000);
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
          if (waiting.length === 3) for (const release of waiting) release();
        });
      },
      changeVisibility: () => Promise.resolve(),
    };
    // 30 groups flushed at once: 30 notifications, three batch calls of 10.
    const alerts = Array.from({ length: 30 }, (_, i) => simAlert(`host-${i}`, { startsAt: sim.now, labels: { alertname: `A${i}` } }));
    const result = await dispatch([sim.message(alerts)], { ...sim.deps, queues });
    expect(result.failed.size).toBe(0);
    expect(result.notifications).toBe(30);
    expect(sent.map((batch) => batch.length)).toEqual([10, 10, 10]);
  });
});
