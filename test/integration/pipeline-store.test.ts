import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/alerts/model';
import { fingerprint } from '../../shared/labels/fingerprint';
import { parseConfigYaml } from '../../shared/config/loader';
import { envSecretResolver } from '../../shared/primitives/secrets';
import { senderFor } from '../../shared/channels/registry';
import { deliver } from '../../shared/delivery/deliver';
import type { HttpPort } from '../../shared/channels/http';
import { recordingPorts } from '../../shared/channels/testing';
import { silentLogger } from '../../shared/log';
import type { IngestMessage } from '../../shared/queues/messages';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { ConflictError } from '../../shared/errors';
import { RouterSim, SIM_RECEIVERS } from '../support/router-sim';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

/** Integration: the router and sender cores against each store adapter. */
const NOW = new Date('2026-11-22T10:00:00.000Z');

const CONFIG = `
route:
  receiver: team
  group_by: [alertname]
${SIM_RECEIVERS}`;
const config = compileConfig(parseConfigYaml(CONFIG));

function alert(instance: string, status: 'firing' | 'resolved' = 'firing'): Alert {
  const labels = { alertname: 'DiskFull', instance };
  return { fingerprint: fingerprint(labels), status, labels, annotations: { summary: `disk on ${instance}` }, startsAt: '2026-11-22T09:59:50.000Z', source: 'generic' };
}

const message = (id: string, alerts: Alert[]): IngestMessage => ({ kind: 'alerts', id, receivedAt: NOW.toISOString(), source: 'generic', origin: {}, alerts });

describe.each(STORE_ADAPTERS)('router and sender cores (%s store)', (adapter) => {
  const fresh = freshStores(adapter);
  const sim = async (): Promise<RouterSim> => new RouterSim(await fresh(), CONFIG, NOW.getTime());

  describe('dispatch', () => {
    it('stores the group, notifies once per channel after group_wait, and re-emits the same notification ids on redelivery without writing', async () => {
      const s = await sim();
      const first = await s.run([message('m1', [alert('a'), alert('b')])]);
      expect(first).toMatchObject({ groups: 1, changedGroups: 1, notifications: 0 });
      await s.advance(30_000);
      expect(s.notifications).toHaveLength(2);
      const ids = s.notifications.map((n) => n.id);
      expect(s.notifications[0]!.group.alerts.map((a) => a.labels.instance).sort()).toEqual(['a', 'b']);

      // A different message with the same alerts (a re-send) is no news, and costs no write.
      const puts = s.counts.puts;
      const resend = await s.run([message('m2', [alert('a')])]);
      expect(resend).toMatchObject({ groups: 1, changedGroups: 0, notifications: 0 });
      expect(s.counts.puts).toBe(puts);
      expect(ids).toHaveLength(2);
    });

    it('keeps every change when routers update the same group concurrently (conditional writes)', async () => {
      const s = await sim();
      await Promise.all([s.run([message('c1', [alert('x')])]), s.run([message('c2', [alert('y')])]), s.run([message('c3', [alert('z')])])]);
      const groups = await s.groups.list(NOW);
      expect(Object.values(groups[0]!.alerts).map((a) => a.labels.instance).sort()).toEqual(['x', 'y', 'z']);
    });

    it('merges a batch per group: one write for several messages', async () => {
      const s = await sim();
      const batch = await s.run([message('b1', [alert('p')]), message('b2', [alert('q')])]);
      expect(batch).toMatchObject({ groups: 1, changedGroups: 1 });
      expect(s.counts.puts).toBe(1);
    });

    it('rejects a stale version', async () => {
      const s = await sim();
      await s.run([message('v1', [alert('v')])]);
      const [g] = await s.groups.list(NOW);
      await expect(s.groups.put({ ...g!, version: g!.version })).rejects.toBeInstanceOf(ConflictError);
    });
  });

  describe('delivery', () => {
    it('posts a notification once even when SQS delivers it twice, and records each attempt', async () => {
      const s = await sim();
      await s.run([message('d1', [alert('new-one')])]);
      await s.advance(30_000);
      const n = s.notifications[0]!;
      let posts = 0;
      const http: HttpPort = { post: async () => ({ status: posts++ === 0 ? 503 : 200, headers: {}, body: '' }) };
      const deliveries = s.stores.deliveries;
      const d = { config, deliveries, senderFor, http, ...recordingPorts(), secrets: envSecretResolver({}), clock: () => NOW, log: silentLogger };

      expect((await deliver(n, 1, 8, d)).kind).toBe('retry');
      expect(await deliver(n, 2, 8, d)).toEqual({ kind: 'delivered' });
      expect(await deliver(n, 3, 8, d)).toEqual({ kind: 'duplicate' });
      expect(posts).toBe(2);
      const record = await deliveries.get(n.id);
      expect(record).toMatchObject({ status: 'delivered', receiver: 'team', channel: 'webhook[0]', target: 'webhook:127.0.0.1:9' });
      expect(record!.attempts.map((a) => [a.attempt, a.outcome, a.status])).toEqual([
        [1, 'retryable', 503],
        [2, 'success', 200],
      ]);
    });
  });
});
