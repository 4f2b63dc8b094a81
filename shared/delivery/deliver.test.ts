import { describe, expect, it } from 'vitest';
import { fingerprint } from '../labels/fingerprint';
import { parseConfigYaml } from '../config/loader';
import { envSecretResolver } from '../primitives/secrets';
import { senderFor } from '../channels/registry';
import { deliver, type DeliverDeps } from './deliver';
import { silentLogger } from '../log';
import type { ChannelType, NotificationMessage } from '../queues/messages';
import { CHANNEL_TYPES } from '../channel-types';
import { compileConfig } from '../runtime/compiled-config';
import type { DeliveryAttempt, DeliveryRecord } from '../store/deliveries';
import type { DeliveryStore, RateLimiter } from '../store/port';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const config = compileConfig(
  parseConfigYaml(`
route: { receiver: all }
receivers:
  - name: all
    slack_configs: [{ webhook_url: 'http://127.0.0.1:9/services/T/B/secret-path-123' }]
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
    email_configs: [{ from: alerts@example.com, to: [oncall@example.com] }]
    sms_configs: [{ to: ['+15551234567'] }]
    pagerduty_configs: [{ routing_key: rk, events_url: 'http://127.0.0.1:9/v2/enqueue' }]
    teams_configs: [{ webhook_url: 'http://127.0.0.1:9/teams' }]
`),
);

/** An in-memory DeliveryStore with the same semantics as the DynamoDB one. */
function memoryDeliveries(): DeliveryStore & { records: Map<string, DeliveryRecord> } {
  const records = new Map<string, DeliveryRecord>();
  return {
    records,
    get: async (id: string) => records.get(id),
    claim: async (rec: Pick<DeliveryRecord, 'notificationId' | 'channel' | 'receiver' | 'target'>, opts: { now: Date; untilMs: number; final: readonly string[] }) => {
      const prev = records.get(rec.notificationId);
      if (prev && (opts.final.includes(prev.status) || (prev.status === 'in_progress' && prev.claimExpiresAt! > opts.now.getTime()))) return { claimed: false, current: prev };
      records.set(rec.notificationId, { ...rec, ...prev, status: 'in_progress', claimExpiresAt: opts.untilMs, attempts: prev?.attempts ?? [] });
      return { claimed: true, token: 't' };
    },
    release: async (id: string, _token: string, now: Date) => {
      const prev = records.get(id);
      if (prev) records.set(id, { ...prev, claimExpiresAt: now.getTime() });
    },
    recordAttempt: async (rec: Omit<DeliveryRecord, 'attempts'>, attempt: DeliveryAttempt) => {
      const prev = records.get(rec.notificationId);
      if (prev?.status === 'delivered') return false;
      records.set(rec.notificationId, { ...rec, attempts: [...(prev?.attempts ?? []), attempt] });
      return true;
    },
  } as unknown as DeliveryStore & { records: Map<string, DeliveryRecord> };
}

function notification(type: ChannelType): NotificationMessage {
  const labels = { alertname: 'DiskFull', severity: 'warning' };
  return {
    kind: 'notification',
    id: `n1.${type}.0`,
    createdAt: NOW.toISOString(),
    receiver: 'all',
    channel: { type, index: 0 },
    group: {
      id: 'g',
      key: '{}:{alertname="DiskFull"}',
      labels: { alertname: 'DiskFull' },
      status: 'firing',
      alerts: [{ fingerprint: fingerprint(labels), status: 'firing', labels, annotations: { summary: 'disk' }, startsAt: NOW.toISOString(), source: 'generic' }],
      truncatedAlerts: 0,
    },
  };
}

function deps(overrides: Partial<DeliverDeps> = {}) {
  const calls = { http: 0, mail: 0, sms: 0 };
  const d: DeliverDeps = {
    config,
    deliveries: memoryDeliveries(),
    senderFor,
    http: { post: async () => (calls.http++, { status: 200, headers: {}, body: 'ok' }) },
    mail: { send: async () => (calls.mail++, { messageId: 'm' }) },
    sms: { send: async () => (calls.sms++, { messageId: 's' }) },
    secrets: envSecretResolver({}),
    clock: () => NOW,
    log: silentLogger,
    ...overrides,
  };
  return { d, calls };
}

describe('deliver: the idempotency every channel relies on', () => {
  it.each(CHANNEL_TYPES)('%s: a redelivered message after a success is not sent again', async (type) => {
    const { d, calls } = deps();
    expect(await deliver(notification(type), 1, 8, d)).toEqual({ kind: 'delivered' });
    expect(await deliver(notification(type), 2, 8, d)).toEqual({ kind: 'duplicate' });
    expect(calls.http + calls.mail + calls.sms).toBe(1);
  });

  it('records a missing receiver as a permanent failure, not a retry', async () => {
    const { d } = deps();
    const n = { ...notification('webhook'), receiver: 'gone' };
    expect(await deliver(n, 1, 8, d)).toEqual({ kind: 'failed' });
  });

  it('marks the last allowed attempt dead-lettered, which a later redrive may still deliver', async () => {
    const { d } = deps({ http: { post: async () => ({ status: 503, headers: {}, body: '' }) } });
    const n = notification('webhook');
    expect((await deliver(n, 8, 8, d)).kind).toBe('retry');
    const store = d.deliveries as unknown as { records: Map<string, DeliveryRecord> };
    expect(store.records.get(n.id)!.status).toBe('dead_lettered');
  });

  it('backs a failure off per message on the schedule: never 0 s, doubling, and a Retry-After beyond the cap wins', async () => {
    const failing = (headers: Record<string, string>) => deps({ http: { post: async () => ({ status: 503, headers, body: '' }) } });
    const n = notification('webhook');
    const floor = failing({}).d;
    expect(await deliver(n, 1, 8, { ...floor, retryJitter: () => 0 })).toEqual({ kind: 'retry', delaySeconds: 1 });
    expect(await deliver(n, 5, 8, { ...floor, retryJitter: () => 0.999999 })).toEqual({ kind: 'retry', delaySeconds: 32 });
    expect(await deliver(n, 20, 30, { ...floor, retryJitter: () => 0.999999 })).toEqual({ kind: 'retry', delaySeconds: 300 });
    const { d } = failing({ 'retry-after': '3600' });
    expect(await deliver(n, 1, 8, { ...d, retryJitter: () => 0 })).toEqual({ kind: 'retry', delaySeconds: 3_600, retryAfterMs: 3_600_000 });
  });

  it('defers a rate-limited notification to its reserved slot, and sends at once when the slot is now', async () => {
    const later = Date.now() + 60_000;
    const limiter = { reserve: async () => later } as unknown as RateLimiter;
    const { d, calls } = deps({ rateLimiter: limiter });
    const deferred = await deliver(notification('slack'), 1, 8, d);
    expect(deferred).toMatchObject({ kind: 'defer', slot: later });
    expect(calls.http).toBe(0);
    // Back at its slot, it does not reserve again.
    const reserveAgain = { reserve: async () => Date.now() + 120_000 } as unknown as RateLimiter;
    const { d: d2, calls: calls2 } = deps({ rateLimiter: reserveAgain });
    expect(await deliver({ ...notification('slack'), slot: Date.now() }, 1, 8, d2)).toEqual({ kind: 'delivered' });
    expect(calls2.http).toBe(1);
  });
});
