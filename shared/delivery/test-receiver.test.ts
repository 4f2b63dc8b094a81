import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../config/loader';
import { dedupKeyOf } from '../channels/pagerduty/render';
import { testReceiver } from './test-receiver';
import type { NotificationMessage } from '../queues/messages';
import { compileConfig } from '../runtime/compiled-config';
import type { DeliveryRecord, DeliveryStatus } from '../store/deliveries';
import type { DeliveryStore } from '../store/port';

const config = compileConfig(
  parseConfigYaml(`
route: { receiver: oncall }
receivers:
  - name: oncall
    pagerduty_configs: [{ routing_key: pd-key-0123456789abcdef }]
    webhook_configs: [{ url: 'https://hooks.example.com/x' }]
`),
);

/**
 * A queue and a delivery store standing in for the senders: each queued notification gets the
 * verdict `verdict` gives it, recorded at once (as if its sender had run).
 */
function fakes(verdict: (n: NotificationMessage) => DeliveryStatus | undefined) {
  const queued: NotificationMessage[] = [];
  const records = new Map<string, DeliveryRecord>();
  const queues = {
    async send(_queue: string, messages: Array<{ body: string }>) {
      for (const m of messages) {
        const n = JSON.parse(m.body) as NotificationMessage;
        queued.push(n);
        const status = verdict(n);
        if (status) {
          records.set(n.id, {
            notificationId: n.id,
            channel: `${n.channel.type}[${n.channel.index}]`,
            receiver: n.receiver,
            target: n.channel.type,
            status,
            attempts: [{ attempt: 1, at: n.createdAt, outcome: status === 'delivered' ? 'success' : 'permanent', latencyMs: 1 }],
          });
        }
      }
    },
    async changeVisibility() {},
  };
  const deliveries = { get: async (id: string) => records.get(id) } as unknown as DeliveryStore;
  return { queued, deps: { config, queues, deliveries, clock: () => new Date('2026-11-22T06:15:00Z'), pollMs: 1, waitMs: 2_000 } };
}

describe('testReceiver', () => {
  it('follows a delivered PagerDuty trigger with its resolve (same dedup key), and reports both', async () => {
    const { queued, deps } = fakes(() => 'delivered');
    const results = await testReceiver('oncall', deps);

    const pd = queued.filter((n) => n.channel.type === 'pagerduty');
    expect(pd.map((n) => n.group.status)).toEqual(['firing', 'resolved']);
    expect(dedupKeyOf(pd[1]!)).toBe(dedupKeyOf(pd[0]!));
    expect(pd[1]!.group.alerts.every((a) => a.status === 'resolved' && a.endsAt)).toBe(true);
    // Another test is another incident: its trigger is not folded into this one's.
    const again = fakes(() => 'delivered');
    await testReceiver('oncall', again.deps);
    expect(dedupKeyOf(again.queued.find((n) => n.channel.type === 'pagerduty')!)).not.toBe(dedupKeyOf(pd[0]!));

    expect(results.find((r) => r.channel === 'pagerduty[0]')).toMatchObject({
      status: 'delivered',
      resolve: { notificationId: `${pd[0]!.id}.resolve`, status: 'delivered', attempts: 1 },
    });
    // A webhook opens nothing: it gets one test notification and no resolve.
    expect(queued.filter((n) => n.channel.type === 'webhook')).toHaveLength(1);
    expect(results.find((r) => r.channel === 'webhook[0]')).not.toHaveProperty('resolve');
  });

  it('sends no resolve for a trigger PagerDuty refused (no incident was opened)', async () => {
    const { queued, deps } = fakes((n) => (n.channel.type === 'pagerduty' ? 'failed' : 'delivered'));
    const results = await testReceiver('oncall', deps);
    expect(queued.filter((n) => n.channel.type === 'pagerduty')).toHaveLength(1);
    expect(results.find((r) => r.channel === 'pagerduty[0]')).toMatchObject({ status: 'failed' });
    expect(results.find((r) => r.channel === 'pagerduty[0]')).not.toHaveProperty('resolve');
  });

  it('queues the resolve only after the trigger was delivered, never beside it', async () => {
    let triggerDelivered = false;
    const { queued, deps } = fakes((n) => {
      if (n.id.endsWith('.resolve')) {
        // The trigger's record must exist before its resolve is queued.
        expect(triggerDelivered).toBe(true);
        return 'delivered';
      }
      return undefined;
    });
    const store = deps.deliveries as unknown as { get: (id: string) => Promise<DeliveryRecord | undefined> };
    const get = store.get;
    let polls = 0;
    store.get = async (id) => {
      // The trigger is delivered on the third poll.
      if (!id.endsWith('.resolve') && id.includes('.pagerduty.') && ++polls >= 3) {
        triggerDelivered = true;
        return { notificationId: id, channel: 'pagerduty[0]', receiver: 'oncall', target: 'pagerduty', status: 'delivered', attempts: [] };
      }
      return get(id);
    };
    await testReceiver('oncall', { ...deps, waitMs: 300 });
    expect(queued.filter((n) => n.channel.type === 'pagerduty').map((n) => n.group.status)).toEqual(['firing', 'resolved']);
  });
});
