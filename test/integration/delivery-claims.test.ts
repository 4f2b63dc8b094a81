import { describe, expect, it } from 'vitest';
import { envSecretResolver } from '../../shared/primitives/secrets';
import { senderFor } from '../../shared/channels/registry';
import { deliver, type DeliverDeps } from '../../shared/delivery/deliver';
import { silentLogger } from '../../shared/log';
import type { NotificationMessage } from '../../shared/queues/messages';
import type { RateLimiter } from '../../shared/store/port';
import { RouterSim, simAlert } from '../support/router-sim';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

/**
 * Claim before send, against each store adapter: receives of one notification that run at the same time
 * (an SQS redelivery, or the same notification queued more than once) post it once.
 */
const M = 60_000;

/** Sender deps over the sim's stores whose HTTP port counts posts by Idempotency-Key and answers after a pause. */
function senderDeps(sim: RouterSim, answer: { status: number } = { status: 200 }) {
  const posts: string[] = [];
  const deps: DeliverDeps = {
    config: sim.deps.config,
    deliveries: sim.stores.deliveries,
    senderFor,
    http: {
      post: async (_url, req) => {
        posts.push(String(req.headers['Idempotency-Key']));
        // A real endpoint takes a while to answer: the window in which a second receive can start.
        await new Promise((r) => setTimeout(r, 50));
        return { status: answer.status, headers: {}, body: answer.status < 300 ? 'ok' : 'bad request' };
      },
    },
    mail: { send: async () => ({ messageId: 'm' }) },
    sms: { send: async () => ({ messageId: 's' }) },
    secrets: envSecretResolver({}),
    clock: () => new Date(sim.now),
    log: silentLogger,
    queues: sim.deps.queues,
  };
  return { deps, posts };
}

const WEBHOOK = `
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`;

describe.each(STORE_ADAPTERS)('delivery claims (%s store)', (adapter) => {
  const fresh = freshStores(adapter);

  describe('claiming a delivery before sending it', () => {
    it('posts a notification once when two receives of it run at the same time', async () => {
      const s = new RouterSim(await fresh(), `route: { receiver: team, group_by: [alertname], group_wait: 0s }\n${WEBHOOK}`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      const [n] = s.notifications as NotificationMessage[];
      const { deps, posts } = senderDeps(s);

      const results = await Promise.all([deliver(n!, 1, 8, deps), deliver(n!, 1, 8, deps)]);
      expect(posts).toEqual([n!.id]);
      // One sent it; the other found the claim and comes back after it lapses, to find the verdict.
      expect(results.map((r) => r.kind).sort()).toEqual(['delivered', 'retry']);
      expect(await deliver(n!, 2, 8, deps)).toEqual({ kind: 'duplicate' });
      expect(posts).toHaveLength(1);
    });

    it('takes over a claim whose sender died once the claim lapses', async () => {
      const s = new RouterSim(await fresh(), `route: { receiver: team, group_by: [alertname], group_wait: 0s }\n${WEBHOOK}`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      const [n] = s.notifications as NotificationMessage[];
      const { deps, posts } = senderDeps(s);
      // A sender claimed it and died before recording anything.
      await deps.deliveries.claim({ notificationId: n!.id, channel: 'webhook[0]', receiver: 'team', target: 'webhook' }, { now: new Date(s.now), untilMs: s.now + M, final: ['delivered', 'failed'] });
      expect((await deliver(n!, 2, 8, deps)).kind).toBe('retry');
      expect(posts).toHaveLength(0);
      s.now += M;
      expect(await deliver(n!, 3, 8, deps)).toEqual({ kind: 'delivered' });
      expect(posts).toHaveLength(1);
    });

    it('wakes the group of a notification that failed for good, again on a redelivery if the first wake was lost', async () => {
      const s = new RouterSim(await fresh(), `route: { receiver: team, group_by: [alertname], group_wait: 0s }\n${WEBHOOK}`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      const [n] = s.notifications as NotificationMessage[];
      const { deps, posts } = senderDeps(s, { status: 400 });
      const wakes: string[] = [];
      let lose = 1;
      deps.queues = {
        send: async (_queue, messages) => {
          if (lose-- > 0) throw new Error('injected: SQS send failed');
          wakes.push(...messages.map((m) => (JSON.parse(m.body) as { id: string; groupId: string; reason: string }).reason));
        },
        changeVisibility: async () => {},
      };
      await expect(deliver(n!, 1, 8, deps)).rejects.toThrow(/injected/);
      expect(wakes).toEqual([]);
      // SQS redelivers the message: it is not posted again, and the wake goes out.
      expect(await deliver(n!, 2, 8, deps)).toEqual({ kind: 'duplicate' });
      expect(posts).toHaveLength(1);
      expect(wakes).toEqual(['delivery']);
    });

    it('gives the claim back when a rate-limited send is deferred, so the deferred copy sends at its slot', async () => {
      const s = new RouterSim(await fresh(), `route: { receiver: team, group_by: [alertname], group_wait: 0s }
receivers:
  - name: team
    slack_configs: [{ webhook_url: 'http://127.0.0.1:9/services/T/B/x' }]
`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      const [n] = s.notifications as NotificationMessage[];
      const { deps, posts } = senderDeps(s);
      deps.rateLimiter = { reserve: async () => Date.now() + 60_000 } as unknown as RateLimiter;
      expect((await deliver(n!, 1, 8, deps)).kind).toBe('defer');
      expect(await deliver({ ...n!, slot: Date.now() }, 1, 8, deps)).toEqual({ kind: 'delivered' });
      expect(posts).toHaveLength(1);
    });

    it('posts the storm summary of 3 held groups once, though each hold asked for it', async () => {
      const s = new RouterSim(
        await fresh(),
        `
route: { receiver: team, group_by: [instance], group_wait: 0s, group_interval: 1m }
receivers:
  - name: team
    storm_protection: { max_notifications: 1, window: 10m }
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`,
      );
      // Four groups: one notified, three held by the storm limit.
      for (const i of [0, 1, 2, 3]) await s.post([simAlert(`i${i}`, { startsAt: s.now })]);
      expect((await s.groups.list(new Date(s.now))).filter((g) => g.hold?.reason === 'storm')).toHaveLength(3);
      await s.advance(10 * M + 1000);
      const summaries = s.notifications.filter((n) => n.group.labels.alertname === 'AlertflowNotificationStorm');
      expect(summaries.length).toBeGreaterThan(0);

      // Every summary message the router queued, received by concurrent senders.
      const { deps, posts } = senderDeps(s);
      await Promise.all(summaries.map((n) => deliver(n, 1, 8, deps)));
      expect(posts).toEqual([summaries[0]!.id]);
    });
  });
});
