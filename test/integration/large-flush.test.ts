import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors';
import type { GroupStore } from '../../shared/store/port';
import { RouterSim, simAlert } from '../support/router-sim';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

/**
 * The router's side of large groups, against each store adapter: every alert a flush resolves is told (the
 * flush kept only the first 200 to rebuild its notifications from), and a group read that races a
 * rewrite of the group's parts is read again rather than failing the whole batch.
 */
const CONFIG = `
route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook', send_resolved: true }]
`;

describe.each(STORE_ADAPTERS)('large flushes (%s store)', (adapter) => {
  const fresh = freshStores(adapter);
  const sim = async (): Promise<RouterSim> => new RouterSim(await fresh(), CONFIG);

  describe('a flush that resolves many alerts', () => {
    it('tells every one of them', async () => {
      const s = await sim();
      const t0 = s.now;
      const instances = Array.from({ length: 500 }, (_, i) => `host-${i}`);
      await s.post(instances.map((i) => simAlert(i, { startsAt: t0 })));
      expect(s.notifications.at(-1)!.group.alerts).toHaveLength(500);
      await s.deliver();

      await s.post(instances.map((i) => simAlert(i, { status: 'resolved', startsAt: t0, endsAt: s.now })));
      await s.advance(60_000);
      const resolved = s.notifications.at(-1)!;
      expect(resolved.group.status).toBe('resolved');
      expect(resolved.group.alerts.filter((a) => a.status === 'resolved')).toHaveLength(500);
      expect(resolved.group.truncatedAlerts).toBe(0);
    });
  });

  describe('a group read that finds a part missing (a writer replaced them meanwhile)', () => {
    it('is read again; the batch does not fail', async () => {
      const s = await sim();
      await s.post([simAlert('a', { startsAt: s.now })]);
      const groups = s.deps.groups;
      let raced = 0;
      const racing = Object.assign(Object.create(groups) as GroupStore, {
        getMany: (ids: readonly string[], now: Date) => {
          if (raced++ === 0) return Promise.reject(new ConflictError('group g version 2 is missing a part'));
          return groups.getMany(ids, now);
        },
      });
      Object.assign(s.deps, { groups: racing });
      const result = await s.post([simAlert('b', { startsAt: s.now })]);
      expect(raced).toBe(2);
      expect(result.failed.size).toBe(0);
      expect(result.changedGroups).toBe(1);
    });
  });
});
