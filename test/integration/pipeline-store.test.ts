import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/alerts/model';
import { fingerprint } from '../../shared/alerts/fingerprint';
import { parseConfigYaml } from '../../shared/config/loader';
import { envSecretResolver } from '../../shared/config/secrets';
import { dispatch, type DispatchDeps } from '../../shared/dispatch/dispatch';
import { deliver } from '../../shared/delivery/deliver';
import type { HttpPort } from '../../shared/channels/http';
import { recordingPorts } from '../../shared/channels/testing';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { silentLogger } from '../../shared/log';
import { NotificationMessage, type IngestMessage } from '../../shared/queues/messages';
import type { OutgoingMessage, QueuePort } from '../../shared/queues/port';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { DeliveryStore } from '../../shared/store/deliveries';
import { GroupStore } from '../../shared/store/groups';
import { ConflictError } from '../../shared/errors';

/** Integration: the router and sender cores against the local DynamoDB (dynalite). */
let dynamo: LocalDynamo;
const TABLE = 'alertflow-it';
const NOW = new Date('2026-11-22T10:00:00.000Z');

const config = compileConfig(
  parseConfigYaml(`
route:
  receiver: team
  group_by: [alertname]
receivers:
  - name: team
    webhook_configs:
      - url: http://127.0.0.1:9/all
      - url: http://127.0.0.1:9/firing-only
        send_resolved: false
`),
);

class CapturingQueues implements QueuePort {
  sent: Array<{ queue: string; body: NotificationMessage }> = [];
  async send(queue: string, messages: OutgoingMessage[]) {
    for (const m of messages) this.sent.push({ queue, body: NotificationMessage.parse(JSON.parse(m.body)) });
  }
  async changeVisibility() {}
}

function alert(instance: string, status: 'firing' | 'resolved' = 'firing'): Alert {
  const labels = { alertname: 'DiskFull', instance };
  return { fingerprint: fingerprint(labels), status, labels, annotations: { summary: `disk on ${instance}` }, startsAt: '2026-11-22T09:00:00.000Z', source: 'generic' };
}

const message = (id: string, alerts: Alert[]): IngestMessage => ({ kind: 'alerts', id, receivedAt: NOW.toISOString(), source: 'generic', origin: {}, alerts });

function deps(queues: QueuePort, groups = new GroupStore(dynamo.db, TABLE)): DispatchDeps {
  return { config, groups, queues, clock: () => NOW, log: silentLogger };
}

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
});
afterAll(async () => dynamo?.close());

describe('dispatch against DynamoDB', () => {
  it('stores the group, notifies once per channel, and re-emits the same notification ids on redelivery without writing', async () => {
    const q = new CapturingQueues();
    const first = await dispatch([message('m1', [alert('a'), alert('b')])], deps(q));
    expect(first).toMatchObject({ groups: 1, changedGroups: 1, notifications: 2 });
    const ids = q.sent.map((s) => s.body.id);
    expect(q.sent[0]!.body.group.alerts.map((a) => a.labels.instance).sort()).toEqual(['a', 'b']);

    // The same SQS message again (at-least-once delivery): same notifications, so senders can dedupe.
    q.sent = [];
    const again = await dispatch([message('m1', [alert('a'), alert('b')])], deps(q));
    expect(again.changedGroups).toBe(0);
    expect(q.sent.map((s) => s.body.id)).toEqual(ids);

    // A different message with the same alerts (a re-send) is no news.
    q.sent = [];
    const resend = await dispatch([message('m2', [alert('a')])], deps(q));
    expect(resend).toMatchObject({ groups: 1, changedGroups: 0, notifications: 0 });
  });

  it('notifies a resolve only to channels that want resolved notifications', async () => {
    const q = new CapturingQueues();
    await dispatch([message('m3', [alert('a', 'resolved')])], deps(q));
    expect(q.sent).toHaveLength(1);
    expect(q.sent[0]!.body.channel).toEqual({ type: 'webhook', index: 0 });
    expect(q.sent[0]!.body.group.alerts.find((a) => a.labels.instance === 'a')?.status).toBe('resolved');
  });

  it('keeps both changes when two routers update the same group concurrently (conditional writes)', async () => {
    const q = new CapturingQueues();
    await Promise.all([dispatch([message('c1', [alert('x')])], deps(q)), dispatch([message('c2', [alert('y')])], deps(q)), dispatch([message('c3', [alert('z')])], deps(q))]);
    const groups = await new GroupStore(dynamo.db, TABLE).list(NOW);
    const instances = Object.values(groups[0]!.alerts).map((a) => a.labels.instance).sort();
    expect(instances).toEqual(expect.arrayContaining(['x', 'y', 'z']));
  });

  it('merges a batch per group: one write and one notification per channel, replayed when any of its messages is redelivered', async () => {
    const groups = new GroupStore(dynamo.db, TABLE);
    let puts = 0;
    const counting = Object.assign(Object.create(groups) as GroupStore, { put: (g: Parameters<GroupStore['put']>[0]) => (puts++, groups.put(g)) });
    const q = new CapturingQueues();
    const batch = await dispatch([message('b1', [alert('p')]), message('b2', [alert('q')])], deps(q, counting));
    expect(batch).toMatchObject({ groups: 1, changedGroups: 1, notifications: 2 });
    expect(puts).toBe(1);
    const ids = q.sent.map((s) => s.body.id);
    q.sent = [];
    await dispatch([message('b2', [alert('q')])], deps(q, counting));
    expect(q.sent.map((s) => s.body.id)).toEqual(ids);
    expect(puts).toBe(1);
  });

  it('rejects a stale version', async () => {
    const store = new GroupStore(dynamo.db, TABLE);
    const [g] = await store.list(NOW);
    await expect(store.put({ ...g!, version: g!.version })).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('delivery against DynamoDB', () => {
  it('posts a notification once even when SQS delivers it twice, and records each attempt', async () => {
    const q = new CapturingQueues();
    await dispatch([message('d1', [alert('new-one')])], deps(q));
    const n = q.sent[0]!.body;
    let posts = 0;
    const http: HttpPort = { post: async () => ({ status: posts++ === 0 ? 503 : 200, headers: {}, body: '' }) };
    const deliveries = new DeliveryStore(dynamo.db, TABLE);
    const d = { config, deliveries, http, ...recordingPorts(), secrets: envSecretResolver({}), clock: () => NOW, log: silentLogger };

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
