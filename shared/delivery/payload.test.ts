import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/model';
import { alertmanagerBody } from '../channels/webhook/render';
import { loadNotification } from './payload';
import { outgoing, withPayload } from '../dispatch/notifications';
import { MAX_NOTIFICATION_BYTES } from '../queues/notification-fit';
import { silentLogger, type Logger } from '../log';
import { NotificationMessage, type PayloadRef } from '../queues/messages';
import { SQS_MAX_BYTES } from '../queues/port';
import type { PayloadStore } from '../store/port';

/**
 * The reference round trip: a notification too large for a queue message leaves the router as a
 * reference plus what fits, and the sender gets the whole notification back; a small one goes
 * inline and costs no write.
 */
const alert = (i: number): Alert => ({
  fingerprint: i.toString(16).padStart(16, '0'),
  status: i % 10 === 0 ? 'resolved' : 'firing',
  labels: { alertname: 'Storm', instance: `host-${i}` },
  annotations: { summary: `host-${i} is down`, description: 'x'.repeat(1024) },
  startsAt: '2026-12-06T10:00:00.000Z',
  ...(i % 10 === 0 ? { endsAt: '2026-12-06T10:05:00.000Z' } : {}),
  source: 'generic',
});

const notification = (count: number): NotificationMessage => ({
  kind: 'notification',
  id: 'abc.webhook.0',
  createdAt: '2026-12-06T10:06:00.000Z',
  receiver: 'team',
  channel: { type: 'webhook', index: 0 },
  group: { id: 'g', key: '{}:{alertname="Storm"}', labels: { alertname: 'Storm' }, status: 'firing', alerts: Array.from({ length: count }, (_, i) => alert(i)), truncatedAlerts: 0, flushSeq: 1 },
});

/** A payload store in memory that counts its writes. */
function memoryStore() {
  const stored = new Map<string, string>();
  let puts = 0;
  const store: Pick<PayloadStore, 'put' | 'get'> = {
    put: async (id, value) => {
      puts++;
      stored.set(id, JSON.stringify(value));
      return { digest: 'a'.repeat(64), parts: 3, bytes: 1 };
    },
    get: async (id) => (stored.has(id) ? (JSON.parse(stored.get(id)!) as unknown) : undefined),
  };
  return { store, stored, puts: () => puts };
}

describe('a notification too large for its queue message', () => {
  it('is queued as a reference with what fits, and the sender gets every alert back', async () => {
    const n = notification(10_000);
    const o = outgoing(n);
    expect(o.whole).toEqual(n);

    const { store } = memoryStore();
    const ref = await store.put(n.id, n.group, new Date());
    const queued = withPayload({ ...o, whole: o.whole! }, ref);
    expect(Buffer.byteLength(queued.message.body)).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
    expect(Buffer.byteLength(queued.message.body)).toBeLessThan(SQS_MAX_BYTES);
    const message = NotificationMessage.parse(JSON.parse(queued.message.body));
    expect(message.payload).toEqual(ref);
    // Inline: the first alerts, the rest counted (the fallback should the payload be gone).
    expect(message.group.alerts.length).toBeGreaterThan(0);
    expect(message.group.alerts.length + message.group.truncatedAlerts).toBe(10_000);

    const loaded = await loadNotification(message, store, silentLogger);
    expect(loaded).toEqual(n);
    // What the Alertmanager-format webhook then sends: every alert, none counted as truncated.
    const body = alertmanagerBody(loaded);
    expect(body.alerts).toHaveLength(10_000);
    expect(body.truncatedAlerts).toBe(0);
  });

  it('falls back to the alerts its message carries, counted as left out, when the payload is gone', async () => {
    const n = notification(10_000);
    const o = outgoing(n);
    const ref: PayloadRef = { digest: 'b'.repeat(64), parts: 2, bytes: 10 };
    const message = NotificationMessage.parse(JSON.parse(withPayload({ ...o, whole: o.whole! }, ref).message.body));
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (msg) => warnings.push(msg) };
    const loaded = await loadNotification(message, memoryStore().store, log);
    expect(loaded.payload).toBeUndefined();
    expect(loaded.group.alerts).toEqual(message.group.alerts);
    expect(alertmanagerBody(loaded).truncatedAlerts).toBe(10_000 - message.group.alerts.length);
    expect(warnings).toHaveLength(1);
  });
});

describe('a notification that fits its queue message', () => {
  it('goes inline, whole, with no payload write', async () => {
    const n = notification(50);
    const o = outgoing(n);
    expect(o.whole).toBeUndefined();
    const message = NotificationMessage.parse(JSON.parse(o.message.body));
    expect(message).toEqual(n);
    const { store, puts } = memoryStore();
    expect(await loadNotification(message, store, silentLogger)).toEqual(n);
    expect(puts()).toBe(0);
  });
});
