import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDifferential, type Differential, type FeedAlert } from '../support/differential';

/**
 * Differential test (issue 14): a group larger than 200 alerts. Alertmanager's webhook carries
 * every alert of the group (its max_alerts defaults to 0, no cap); alertflow's webhook in
 * `format: alertmanager` must too, firing and then resolved, with nothing counted as truncated.
 */
const N = 260;
const TIMING = { minMs: 3_000, quietMs: 2_500, timeoutMs: 20_000 };

let diff: Differential;

beforeAll(async () => {
  diff = await startDifferential(
    {
      resolve_timeout: '5m',
      receivers: [{ name: 'team', send_resolved: true }],
      route: { receiver: 'team', group_by: ['alertname'], group_wait: '1s', group_interval: '2s', repeat_interval: '1h' },
    },
    TIMING,
  );
}, 30_000);

afterAll(async () => {
  await diff?.close();
});

const startsAt = new Date().toISOString();
const alerts = (endsAt?: string): FeedAlert[] =>
  Array.from({ length: N }, (_, i) => ({ labels: { alertname: 'Wide', instance: `host-${String(i).padStart(3, '0')}` }, annotations: { summary: `host ${i}` }, startsAt, ...(endsAt ? { endsAt } : {}) }));

/** Each system's notifications: status and the instances it carried, sorted. */
const carried = (ns: Array<{ status: string; alerts: Array<{ status: string; labels: Record<string, string> }> }>) =>
  ns.map((n) => ({ status: n.status, count: n.alerts.length, instances: n.alerts.map((a) => `${a.labels.instance}:${a.status}`).sort() }));

describe(`a group of ${N} alerts, as Alertmanager sends it`, () => {
  it('is notified whole when it fires', async () => {
    // Posted in requests of 50, as a client with many alerts does.
    const result = await diff.step(async (feed) => {
      const all = alerts();
      for (let i = 0; i < all.length; i += 50) await feed.alerts(all.slice(i, i + 50));
    });
    const am = carried(result.notifications.alertmanager);
    // Alertmanager may flush the first alerts before the rest arrive; what matters is that every
    // alert is carried, and that alertflow carries what Alertmanager carries.
    expect(result.errors).toEqual({ alertmanager: [], alertflow: [] });
    expect(new Set(am.flatMap((n) => n.instances)).size).toBe(N);
    expect(am.at(-1)!.count).toBe(N);
    const af = carried(result.notifications.alertflow);
    expect(af.at(-1)).toEqual(am.at(-1));
    expect(new Set(af.flatMap((n) => n.instances)).size).toBe(N);
  }, 40_000);

  it('is notified whole when it resolves', async () => {
    const endsAt = new Date(Date.now() - 500).toISOString();
    const result = await diff.step(async (feed) => {
      const all = alerts(endsAt);
      for (let i = 0; i < all.length; i += 50) await feed.alerts(all.slice(i, i + 50));
    });
    const am = carried(result.notifications.alertmanager);
    expect(am.at(-1)).toMatchObject({ status: 'resolved', count: N });
    // Resolves that arrive over several requests wait for the group's next tick, as in
    // Alertmanager, so one notification tells them all.
    expect(carried(result.notifications.alertflow)).toEqual(am);
    expect(result.errors).toEqual({ alertmanager: [], alertflow: [] });
  }, 40_000);
});
