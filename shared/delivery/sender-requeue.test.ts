import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/model';
import { senderFor } from '../channels/registry';
import { parseConfigYaml } from '../config/loader';
import { envSecretResolver } from '../primitives/secrets';
import { createSenderHandler, gateOf, receiverBackoffMs } from './sender-handler';
import { outgoing, withPayload } from '../dispatch/notifications';
import { openLocalDatabase } from '../local/sqlite';
import { silentLogger } from '../log';
import { unpackBody } from '../queues/body';
import type { NotificationMessage } from '../queues/messages';
import { CONSUMER_TIMEOUT_S } from '../queues/names';
import type { OutgoingMessage } from '../queues/port';
import { compileConfig } from '../runtime/compiled-config';
import { sqliteStores } from '../store/sqlite';

/**
 * A notification too large for its queue message travels as a reference to the payload store. When
 * its receiver is busy, the sender puts it back unsent: the copy it queues must still be the small
 * reference, not the whole group it would have loaded to send.
 */
const config = compileConfig(parseConfigYaml(`route: { receiver: team }\nreceivers:\n  - name: team\n    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]\n`));

const alert = (i: number): Alert => ({
  fingerprint: i.toString(16).padStart(16, '0'),
  status: 'firing',
  labels: { alertname: 'Storm', instance: `host-${i}` },
  annotations: { description: 'x'.repeat(1024) },
  startsAt: '2026-12-06T10:00:00.000Z',
  source: 'generic',
});

describe('a referenced notification re-queued while its receiver is busy', () => {
  it('goes back to its queue as the reference, with the alerts that fit, and is not sent', async () => {
    const stores = sqliteStores(openLocalDatabase(undefined));
    const n: NotificationMessage = {
      kind: 'notification',
      id: 'big.webhook.0',
      createdAt: '2026-12-06T10:06:00.000Z',
      receiver: 'team',
      channel: { type: 'webhook', index: 0 },
      group: { id: 'g', key: '{}:{alertname="Storm"}', labels: { alertname: 'Storm' }, status: 'firing', alerts: Array.from({ length: 2_000 }, (_, i) => alert(i)), truncatedAlerts: 0, flushSeq: 1 },
    };
    const o = outgoing(n);
    const ref = await stores.payloads.put(n.id, o.whole!.group, new Date());
    const queued = withPayload({ ...o, whole: o.whole! }, ref);
    const inline = (JSON.parse(queued.message.body) as NotificationMessage).group.alerts.length;
    expect(inline).toBeLessThan(2_000);

    // Both of the receiver's send slots are held (by other, healthy invocations) for the whole test.
    const gates = stores.receiverGates({ leaseMs: CONSUMER_TIMEOUT_S.sender * 1000, reopenAfterMs: receiverBackoffMs() });
    for (let i = 0; i < 2; i++) expect((await gates.acquire(gateOf(n), Date.now())).kind).toBe('granted');

    const sent: OutgoingMessage[] = [];
    const posts: string[] = [];
    const handler = createSenderHandler(senderFor('webhook'), {
      config,
      stores,
      queues: { send: async (_queue, messages) => void sent.push(...messages), changeVisibility: async () => {} },
      secrets: envSecretResolver({}),
      http: { post: async (url) => (posts.push(url), { status: 200, headers: {}, body: '' }) },
      clock: () => new Date(),
      log: silentLogger,
    });
    const record = { messageId: 'm1', receiptHandle: 'r1', body: queued.message.body, attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
    const res = await handler({ Records: [record] });

    expect(res.batchItemFailures).toEqual([]);
    expect(posts).toEqual([]);
    expect(sent).toHaveLength(1);
    const copy = JSON.parse(unpackBody(sent[0]!.body)) as NotificationMessage & { waits?: number };
    expect(copy.payload).toEqual(ref);
    expect(copy.group.alerts).toHaveLength(inline);
    expect(copy.waits).toBe(1);
  });
});
