import { describe, expect, it } from 'vitest';
import { RouterSim, SIM_RECEIVERS, simAlert } from '../support/router-sim';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

/**
 * Noise control through the router core against each store adapter, on a virtual clock: group timers and the
 * notification log, silences, inhibition, time intervals, cooldowns, storm protection, flapping.
 * Each test uses fresh stores so state never leaks between them.
 */
const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe.each(STORE_ADAPTERS)('noise control (%s store)', (adapter) => {
  const fresh = freshStores(adapter);
  const sim = async (yaml: string): Promise<RouterSim> => new RouterSim(await fresh(), yaml);

  describe('group timers and the notification log', () => {
    it('waits group_wait, then sends one notification with every alert that arrived meanwhile', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname] }\n${SIM_RECEIVERS}`);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 })]);
      await s.advance(10 * S);
      await s.post([simAlert('b', { startsAt: s.now })]);
      await s.advance(19 * S);
      expect(s.notifications).toHaveLength(0);
      await s.advance(2 * S);
      expect(s.summary()).toEqual(['team webhook[0] firing a=firing,b=firing', 'team webhook[1] firing a=firing,b=firing']);
      expect(s.notifications[0]!.sentAt - t0).toBe(30 * S);
    });

    it('flushes at once for an alert that is already older than group_wait', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname] }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('old', { startsAt: s.now - 5 * M })]);
      expect(s.notifications).toHaveLength(2);
    });

    it('sends changes at most once per group_interval, batching what changed meanwhile', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 30s, group_interval: 5m }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      await s.advance(30 * S);
      const first = s.now;
      expect(s.notifications).toHaveLength(2);
      await s.advance(1 * M);
      await s.post([simAlert('b', { startsAt: s.now })]);
      await s.advance(1 * M);
      await s.post([simAlert('c', { startsAt: s.now })]);
      await s.advance(2 * M + 59 * S);
      expect(s.notifications).toHaveLength(2);
      await s.advance(2 * S);
      expect(s.summary(first + 1)).toEqual(['team webhook[0] firing a=firing,b=firing,c=firing', 'team webhook[1] firing a=firing,b=firing,c=firing']);
      expect(s.notifications[2]!.sentAt - first).toBe(5 * M);
    });

    it('costs nothing for an unchanged re-send, repeats after repeat_interval through a one-time schedule, and dedups a redelivered flush', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, repeat_interval: 4h }\n${SIM_RECEIVERS}`);
      const a = simAlert('a', { startsAt: s.now });
      await s.post([a]);
      expect(s.notifications).toHaveLength(2);
      const puts = s.counts.puts;
      await s.post([a]);
      await s.advance(1 * H);
      await s.post([a]);
      expect(s.counts.puts).toBe(puts);
      expect(s.notifications).toHaveLength(2);
      // The repeat is more than 15 minutes out: a one-time schedule, not an SQS delay.
      expect(s.counts.scheduled).toBeGreaterThan(0);
      const [repeat] = s.pending.filter((p) => p.via === 'scheduler');
      await s.advance(3 * H + 1 * S);
      expect(s.notifications).toHaveLength(4);
      expect(s.notifications[2]!.sentAt - s.notifications[0]!.sentAt).toBeGreaterThanOrEqual(4 * H);
      expect(s.notifications[2]!.sentAt - s.notifications[0]!.sentAt).toBeLessThan(4 * H + 5 * S);

      // The same schedule firing twice (at-least-once): nothing is written, and the flush it made is
      // re-emitted with the same notification ids (the senders post each id once).
      const before = s.counts.puts;
      await s.run([JSON.parse(repeat!.body)]);
      expect(s.counts.puts).toBe(before);
      expect(s.notifications.slice(4).map((n) => n.id)).toEqual(s.notifications.slice(2, 4).map((n) => n.id));
    });

    it('gives the groups one batch flushed a single repeat schedule, and a group whose chain moved on ignores it', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 5m, repeat_interval: 4h }\n${SIM_RECEIVERS}`);
      const alerts = ['A', 'B', 'C'].map((name) => simAlert(name.toLowerCase(), { startsAt: s.now, labels: { alertname: name } }));
      await s.post(alerts);
      expect(s.notifications).toHaveLength(6);
      // One schedule (one billed Scheduler invocation) for the three groups' repeats.
      expect(s.counts.scheduled).toBe(1);
      const [shared] = s.pending.filter((p) => p.via === 'scheduler');
      const body = JSON.parse(shared!.body) as { kind: string; id: string; flushes: Array<{ groupId: string }> };
      expect(body.kind).toBe('flushes');
      expect(body.id).toBe(shared!.name);
      expect(new Set(body.flushes.map((f) => f.groupId)).size).toBe(3);

      // C gains an alert: its chain moves to a group_interval tick, and its place in the shared schedule goes stale.
      await s.advance(1 * M);
      await s.post([simAlert('c2', { startsAt: s.now, labels: { alertname: 'C' } })]);
      await s.advance(5 * M);
      expect(s.summary(s.now - 5 * M)).toEqual(['team webhook[0] firing c=firing,c2=firing', 'team webhook[1] firing c=firing,c2=firing']);
      const sent = s.notifications.length;

      // Four hours after the first notification, A and B repeat; C, notified an hour later, does not.
      await s.advance(4 * H - 6 * M + 1 * S);
      expect(s.summary().slice(sent)).toEqual(['team webhook[0] firing a=firing', 'team webhook[1] firing a=firing', 'team webhook[0] firing b=firing', 'team webhook[1] firing b=firing']);

      // The shared schedule delivered twice: nothing is written, and its flushes re-emit the same notification ids.
      const puts = s.counts.puts;
      const again = await s.run([JSON.parse(shared!.body)]);
      expect(again.failed.size).toBe(0);
      expect(s.counts.puts).toBe(puts);
      expect(s.notifications.slice(sent + 4).map((n) => n.id)).toEqual(s.notifications.slice(sent, sent + 4).map((n) => n.id));
    });

    it('fails a schedule\'s batch of group timers as a whole when one of its groups cannot be written', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, repeat_interval: 4h }\n${SIM_RECEIVERS}`);
      await s.post(['A', 'B'].map((name) => simAlert(name.toLowerCase(), { startsAt: s.now, labels: { alertname: name } })));
      const [shared] = s.pending.filter((p) => p.via === 'scheduler');
      const batch = JSON.parse(shared!.body) as { id: string; flushes: Array<{ groupId: string }> };
      const broken = batch.flushes[0]!.groupId;
      const put = s.deps.groups.put.bind(s.deps.groups);
      s.deps.groups.put = async (g) => (g.groupId === broken ? Promise.reject(new Error('injected: PutItem failed')) : put(g));
      s.now += 4 * H + 1 * S;
      const res = await s.run([JSON.parse(shared!.body)]);
      expect([...res.failed]).toEqual([batch.id]);
      // The other group repeated; the retry repeats the broken one and replays the other's flush.
      expect(s.summary(s.now)).toHaveLength(2);
      s.deps.groups.put = put;
      expect((await s.run([JSON.parse(shared!.body)])).failed.size).toBe(0);
      expect(new Set(s.notifications.filter((n) => n.sentAt === s.now).map((n) => n.id)).size).toBe(4);
    });

    it('sends a resolve to channels with send_resolved, then drops the resolved alert from the group', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('a', { startsAt: s.now }), simAlert('b', { startsAt: s.now })]);
      const sent = s.now;
      await s.advance(10 * S);
      await s.post([simAlert('a', { status: 'resolved', startsAt: sent, endsAt: s.now })]);
      await s.advance(1 * M);
      // Only the channel that wants resolves hears of a partial resolve; the other has nothing new.
      expect(s.summary(sent + 1)).toEqual(['team webhook[0] firing b=firing,a=resolved']);
      const [group] = await s.groups.list(new Date(s.now));
      expect(Object.keys(group!.alerts)).toHaveLength(1);
      expect(Object.values(group!.recentlyResolved ?? {}).map((a) => a.labels.instance)).toEqual(['a']);

      // The last alert resolves: both channels are told (the firing-only one gets nothing to show, only its log changes).
      await s.post([simAlert('b', { status: 'resolved', startsAt: sent, endsAt: s.now })]);
      await s.advance(2 * M);
      expect(s.summary(sent + 61 * S)).toEqual(['team webhook[0] resolved b=resolved']);
      const [empty] = await s.groups.list(new Date(s.now));
      expect(Object.keys(empty!.alerts)).toHaveLength(0);
    });

    it('notifies a resolve that arrives late, with an ends_at hours in the past', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('a', { startsAt: s.now - 3 * H })]);
      await s.advance(10 * S);
      await s.post([simAlert('a', { status: 'resolved', startsAt: s.now - 3 * H, endsAt: s.now - 2 * H })]);
      await s.advance(1 * M);
      expect(s.summary()).toEqual(['team webhook[0] firing a=firing', 'team webhook[1] firing a=firing', 'team webhook[0] resolved a=resolved']);
    });

    it('auto-resolves an alert at its ends_at without a message from the source', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('a', { startsAt: s.now, endsAt: s.now + 10 * M })]);
      await s.advance(11 * M);
      expect(s.summary()).toEqual(['team webhook[0] firing a=firing', 'team webhook[1] firing a=firing', 'team webhook[0] resolved a=resolved']);
    });
  });

  describe('silences', () => {
    it('records a silenced alert but does not notify it, and notifies it when the silence ends', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      s.silences.push({
        id: 'sil-1',
        matchers: [{ name: 'instance', value: 'b', isRegex: false, isEqual: true }],
        starts_at: new Date(s.now).toISOString(),
        ends_at: new Date(s.now + 20 * M).toISOString(),
        created_by: 'alice',
        comment: 'maintenance',
        updated_at: new Date(s.now).toISOString(),
      });
      await s.post([simAlert('a', { startsAt: s.now }), simAlert('b', { startsAt: s.now })]);
      expect(s.summary()).toEqual(['team webhook[0] firing a=firing', 'team webhook[1] firing a=firing']);
      const [group] = await s.groups.list(new Date(s.now));
      expect(Object.keys(group!.alerts)).toHaveLength(2);
      await s.advance(19 * M);
      expect(s.notifications).toHaveLength(2);
      await s.advance(2 * M);
      expect(s.summary(s.now - 2 * M)).toEqual(['team webhook[0] firing a=firing,b=firing', 'team webhook[1] firing a=firing,b=firing']);
    });
    it('re-checks a silenced group each group_interval: a silence expired early is seen by a group created from a stale list', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      const silence = {
        id: 'sil-stale',
        matchers: [{ name: 'instance', value: 'b', isRegex: false, isEqual: true }],
        starts_at: new Date(s.now).toISOString(),
        ends_at: new Date(s.now + 1 * H).toISOString(),
        created_by: 'alice',
        comment: 'maintenance',
        updated_at: new Date(s.now).toISOString(),
      };
      s.silences.push(silence);
      // A group held by the silence is re-checked on its ticks without writing anything.
      await s.post([simAlert('b', { startsAt: s.now, labels: { alertname: 'Held' } })]);
      const puts = s.counts.puts;
      await s.advance(5 * M);
      expect(s.counts.puts).toBe(puts);
      expect(s.notifications).toHaveLength(0);

      // The silence is expired early (its DELETE re-flushed the groups that existed then), but the
      // router's cached list still has it active when an alert opens a new group.
      await s.post([simAlert('b', { startsAt: s.now, labels: { alertname: 'New' } })]);
      expect(s.notifications).toHaveLength(0);
      s.silences.length = 0;
      const expiredAt = s.now;
      await s.advance(1 * M);
      const fresh = s.notifications.filter((n) => n.sentAt >= expiredAt && n.group.alerts.some((a) => a.labels.alertname === 'New'));
      expect(fresh.map((n) => `${n.channel.index} ${n.group.status}`).sort()).toEqual(['0 firing', '1 firing']);
    });
  });

  describe('inhibition', () => {
    const yaml = `
route: { receiver: team, group_by: [alertname, cluster], group_wait: 0s, group_interval: 1m }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
${SIM_RECEIVERS}`;

    it('mutes targets with the same equal labels while the source fires, and notifies them after it resolves', async () => {
      const s = await sim(yaml);
      const t0 = s.now;
      await s.post([simAlert('src', { startsAt: t0, labels: { alertname: 'ClusterDown', severity: 'critical', cluster: 'c1' } })]);
      await s.post([
        simAlert('w1', { startsAt: t0, labels: { alertname: 'Slow', severity: 'warning', cluster: 'c1' } }),
        simAlert('w2', { startsAt: t0, labels: { alertname: 'Slow', severity: 'warning', cluster: 'c2' } }),
      ]);
      expect(s.summary().filter((l) => l.includes('webhook[0]'))).toEqual(['team webhook[0] firing src=firing', 'team webhook[0] firing w2=firing']);

      // While inhibited the group is re-checked each group_interval, without writing anything.
      const puts = s.counts.puts;
      await s.advance(5 * M);
      expect(s.counts.puts).toBe(puts);
      expect(s.notifications).toHaveLength(4);

      await s.post([simAlert('src', { status: 'resolved', startsAt: t0, endsAt: s.now, labels: { alertname: 'ClusterDown', severity: 'critical', cluster: 'c1' } })]);
      const resolvedAt = s.now;
      await s.advance(1 * M);
      const after = s.summary(resolvedAt).filter((l) => l.includes('webhook[0]'));
      expect(after).toContain('team webhook[0] firing w1=firing');
      expect(after).toContain('team webhook[0] resolved src=resolved');
    });

    it('does not let an alert that matches both sides inhibit itself', async () => {
      const s = await sim(`
route: { receiver: team, group_by: [alertname], group_wait: 0s }
inhibit_rules:
  - source_matchers: ['alertname="Both"']
    target_matchers: ['alertname="Both"']
${SIM_RECEIVERS}`);
      await s.post([simAlert('x', { startsAt: s.now, labels: { alertname: 'Both' } })]);
      expect(s.notifications).toHaveLength(2);
    });
  });

  describe('time intervals', () => {
    it('holds notifications while a mute interval is active and sends them after it (checked at flush time)', async () => {
      // 2026-11-22 is a Sunday; mute all of Sunday in UTC.
      const s = await sim(`
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 24h
  routes:
    - matchers: ['team="db"']
      mute_time_intervals: [weekend]
time_intervals:
  - name: weekend
    time_intervals:
      - weekdays: [saturday, sunday]
${SIM_RECEIVERS}`);
      await s.post([simAlert('db1', { startsAt: s.now, labels: { team: 'db' } }), simAlert('other', { startsAt: s.now, labels: { alertname: 'Other' } })]);
      expect(s.summary()).toEqual(['team webhook[0] firing other=firing', 'team webhook[1] firing other=firing']);
      const puts = s.counts.puts;
      await s.advance(13 * H);
      expect(s.notifications).toHaveLength(2);
      // Polling a muted group writes nothing.
      expect(s.counts.puts).toBe(puts);
      await s.advance(1 * H + 5 * M);
      expect(s.summary(s.now - H)).toEqual(['team webhook[0] firing db1=firing', 'team webhook[1] firing db1=firing']);
    });

    it('sends only inside active_time_intervals', async () => {
      const s = await sim(`
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 10m
  routes:
    - matchers: ['team="biz"']
      active_time_intervals: [office]
time_intervals:
  - name: office
    time_intervals:
      - times: [{ start_time: '12:00', end_time: '18:00' }]
${SIM_RECEIVERS}`);
      await s.post([simAlert('b1', { startsAt: s.now, labels: { team: 'biz' } })]);
      expect(s.notifications).toHaveLength(0);
      await s.advance(2 * H + 10 * M);
      expect(s.summary()).toEqual(['team webhook[0] firing b1=firing', 'team webhook[1] firing b1=firing']);
      expect(new Date(s.notifications[0]!.sentAt).getUTCHours()).toBe(12);
    });
  });

  describe('cooldowns', () => {
    it('records a re-fire inside the group cooldown without paging, and pages once the cooldown ends if it still fires', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m, cooldown: 30m }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      const paged = s.now;
      expect(s.notifications).toHaveLength(2);
      await s.advance(2 * M);
      await s.post([simAlert('a', { status: 'resolved', startsAt: paged, endsAt: s.now })]);
      await s.advance(2 * M);
      expect(s.summary(paged + 1)).toEqual(['team webhook[0] resolved a=resolved']);
      // Re-fires 5 minutes after the page: recorded, not sent.
      await s.post([simAlert('a', { startsAt: s.now })]);
      await s.advance(5 * M);
      expect(s.notifications).toHaveLength(3);
      const [group] = await s.groups.list(new Date(s.now));
      expect(group!.hold).toMatchObject({ reason: 'cooldown', until: paged + 30 * M });
      expect(Object.keys(group!.alerts)).toHaveLength(1);
      await s.advance(25 * M);
      expect(s.summary(paged + 29 * M)).toEqual(['team webhook[0] firing a=firing', 'team webhook[1] firing a=firing']);
      expect(s.notifications[3]!.sentAt).toBe(paged + 30 * M);
    });

    it('per alert: a re-fire that resolves inside the cooldown is never sent; another alert is not held', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m, cooldown: 1h, cooldown_by: alert }\n${SIM_RECEIVERS}`);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 })]);
      await s.advance(2 * M);
      await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      await s.advance(2 * M);
      await s.post([simAlert('a', { startsAt: s.now }), simAlert('b', { startsAt: s.now })]);
      await s.advance(2 * M);
      await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      await s.advance(2 * H);
      const lines = s.summary(t0 + 1).filter((l) => l.includes('webhook[1]'));
      // The firing-only channel: the first page of a, then b; the re-fire of a never.
      expect(lines).toEqual(['team webhook[1] firing b=firing']);
    });
  });

  describe('storm protection', () => {
    it('sends at most N group notifications per window, holds the rest, summarizes, and resumes', async () => {
      const s = await sim(`
route: { receiver: team, group_by: [instance], group_wait: 0s, group_interval: 1m }
receivers:
  - name: team
    storm_protection: { max_notifications: 3, window: 10m }
    webhook_configs:
      - url: http://127.0.0.1:9/all
`);
      const t0 = s.now;
      await s.post(Array.from({ length: 8 }, (_, i) => simAlert(`i${i}`, { startsAt: t0 })));
      expect(s.notifications).toHaveLength(3);
      const groups = await s.groups.list(new Date(s.now));
      expect(groups.filter((g) => g.hold?.reason === 'storm')).toHaveLength(5);
      // The window ends at 10:10: the summary, then 3 of the 5 held groups (the limit applies again).
      await s.advance(10 * M + 1 * S);
      const summary = s.notifications.find((n) => n.group.labels.alertname === 'AlertflowNotificationStorm');
      expect(summary?.group.alerts[0]!.annotations.summary).toBe('Notification storm: 5 alerts in 5 groups were held for team');
      expect(summary?.group.alerts[0]!.annotations.list).toBe('/v1/alerts?receiver=team');
      const groupNotifications = () => s.notifications.filter((n) => n.group.labels.alertname !== 'AlertflowNotificationStorm').length;
      expect(groupNotifications()).toBe(6);
      await s.advance(10 * M + 1 * S);
      expect(groupNotifications()).toBe(8);
      // The storm has passed: a new group is sent at once.
      await s.advance(30 * M);
      await s.post([simAlert('late', { startsAt: s.now })]);
      expect(groupNotifications()).toBe(9);
    });
  });

  describe('flapping', () => {
    const flips = async (s: RouterSim, t0: number) => {
      for (let i = 0; i < 10; i++) {
        await s.post([simAlert('f', i % 2 === 0 ? { startsAt: s.now } : { status: 'resolved', startsAt: t0, endsAt: s.now })]);
        await s.advance(2 * M);
      }
    };
    const lines = (s: RouterSim, t0: number) =>
      s.notifications
        .filter((n) => n.channel.index === 0)
        .map((n) => `${(n.sentAt - t0) / M}m ${n.group.alerts.map((a) => a.status + (a.annotations.alertflow_flapping === 'true' ? ' (flapping)' : '')).join(',')}`);

    it('marks an alert that flips too often as flapping and notifies it once per window, ending with its last state', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m, flapping: { transitions: 3, window: 1h } }\n${SIM_RECEIVERS}`);
      const t0 = s.now;
      await flips(s, t0);
      await s.advance(70 * M);
      // Edges 1-3 are notified; the 4th makes it flapping: notified, marked, then quiet for the window;
      // when the window ends the channel learns the state it settled in (resolved).
      expect(lines(s, t0)).toEqual(['0m firing', '2m resolved', '4m firing', '6m resolved', '8m firing (flapping)', '68m resolved (flapping)']);
      // It stays in the group (still flapping, quiet again) until a window passes without news.
      await s.advance(61 * M);
      const [group] = await s.groups.list(new Date(s.now));
      expect(Object.keys(group!.alerts)).toHaveLength(0);
      expect(lines(s, t0)).toHaveLength(6);
    });

    it('notifies every edge without flap detection', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      await flips(s, s.now);
      expect(s.notifications.filter((n) => n.channel.index === 0)).toHaveLength(10);
    });
  });

  describe('failures and limits', () => {
    it('replays a flush whose notifications failed to send, even after another write to the group', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 }), simAlert('c', { startsAt: t0 })]);
      await s.advance(2 * M);
      const resolve = s.message([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      s.failChannelSends = 1;
      const failed = await s.run([resolve]);
      expect(failed.failed.has(resolve.id)).toBe(true);
      // Another router changes the group before SQS redelivers the failed message.
      await s.advance(10 * S);
      await s.post([{ ...simAlert('c', { startsAt: t0 }), annotations: { summary: 'worse' } }]);
      await s.run([resolve]);
      expect(s.summary(t0 + 1)).toContain('team webhook[0] firing c=firing,a=resolved');
    });

    it('creates a group again whose TTL passed before DynamoDB deleted the item', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s }\n${SIM_RECEIVERS}`);
      await s.post([simAlert('a', { startsAt: s.now, endsAt: s.now + M })]);
      await s.advance(31 * 24 * H);
      const res = await s.post([simAlert('a', { startsAt: s.now })]);
      expect(res.failed.size).toBe(0);
      expect(s.summary(s.now)).toEqual(['team webhook[0] firing a=firing', 'team webhook[1] firing a=firing']);
    });

    it('keeps a resolve until it is flushed, however long group_interval is', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 2h }\n${SIM_RECEIVERS}`);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 })]);
      await s.advance(10 * M);
      await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      await s.advance(2 * H);
      expect(s.summary(t0 + 1)).toEqual(['team webhook[0] resolved a=resolved']);
    });

    it('re-evaluates a group at once when a silence is expired early, even between its timers', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 5m, repeat_interval: 4h }\n${SIM_RECEIVERS}`);
      s.silences.push({
        id: 'sil-x',
        matchers: [{ name: 'instance', value: 'b', isRegex: false, isEqual: true }],
        starts_at: new Date(s.now).toISOString(),
        ends_at: new Date(s.now + 8 * H).toISOString(),
        created_by: 'alice',
        comment: 'x',
        updated_at: new Date(s.now).toISOString(),
      });
      expect((await s.post([simAlert('a', { startsAt: s.now }), simAlert('b', { startsAt: s.now })])).failed.size).toBe(0);
      await s.advance(20 * M);
      s.silences.length = 0;
      const [g] = await s.groups.list(new Date(s.now));
      await s.run([{ kind: 'flush', id: 'silence.x', groupId: g!.groupId, at: s.now, reason: 'silence' }]);
      await s.advance(1 * S);
      expect(s.summary(s.now - 2 * S)).toEqual(['team webhook[0] firing a=firing,b=firing', 'team webhook[1] firing a=firing,b=firing']);
    });

    it('stores a mass resolve of 200 alerts with large annotations within the item limit', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${SIM_RECEIVERS}`);
      const t0 = s.now;
      const big = (i: number, status?: 'resolved') => ({
        ...simAlert(`i${i}`, { startsAt: t0, ...(status ? { status, endsAt: s.now } : {}) }),
        annotations: { summary: `disk ${i}`, description: `${i} `.repeat(800) + Math.random().toString(36).repeat(40) },
      });
      expect((await s.post(Array.from({ length: 200 }, (_, i) => big(i)))).failed.size).toBe(0);
      await s.advance(2 * M);
      expect((await s.post(Array.from({ length: 200 }, (_, i) => big(i, 'resolved')))).failed.size).toBe(0);
      await s.advance(2 * M);
      expect(s.notifications.filter((n) => n.group.status === 'resolved')).toHaveLength(1);
    });
  });

  describe('the notification log records deliveries, not sends', () => {
    const ONE = `
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`;
    const route = `route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 5m, repeat_interval: 4h }\n${ONE}`;

    it('does not log a notification that failed for good, and sends it again at the next group_interval flush', async () => {
      const s = await sim(route);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 })]);
      await s.deliver(400);
      const [failed] = await s.groups.list(new Date(s.now));
      expect(failed!.nflog).toEqual({});
      // The failure woke the group; it waits for its group_interval, then tries again.
      await s.advance(5 * M - S);
      expect(s.notifications).toHaveLength(1);
      await s.advance(S);
      expect(s.summary()).toEqual(['team webhook[0] firing a=firing', 'team webhook[0] firing a=firing']);
      expect(s.notifications[1]!.id).not.toBe(s.notifications[0]!.id);
      expect(s.notifications[1]!.sentAt - t0).toBe(5 * M);
    });

    it('does not send again what is in flight, and counts repeat_interval from the send that was delivered', async () => {
      const s = await sim(route);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 })]);
      // In flight (no outcome yet): a re-evaluation has nothing to send.
      const [g] = await s.groups.list(new Date(s.now));
      await s.advance(2 * M);
      await s.run([{ kind: 'flush', id: 'look', groupId: g!.groupId, at: s.now, reason: 'silence' }]);
      expect(s.notifications).toHaveLength(1);
      // It fails; the send at the next group_interval is delivered: the repeat is due 4h after that one.
      await s.deliver(400);
      await s.advance(3 * M);
      await s.deliver(200);
      expect(s.notifications[1]!.sentAt - t0).toBe(5 * M);
      await s.advance(4 * H - S);
      expect(s.notifications).toHaveLength(2);
      await s.advance(2 * S);
      expect(s.notifications).toHaveLength(3);
      expect(s.notifications[2]!.sentAt - s.notifications[1]!.sentAt).toBeGreaterThanOrEqual(4 * H);
      expect(s.notifications[2]!.sentAt - s.notifications[1]!.sentAt).toBeLessThan(4 * H + 2 * S);
    });

    it('tells a resolve again whose notification failed, though its alert had left the group', async () => {
      const s = await sim(route);
      const t0 = s.now;
      await s.post([simAlert('a', { startsAt: t0 })]);
      await s.deliver(200);
      await s.advance(5 * M);
      await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      expect(s.summary(t0 + 1)).toEqual(['team webhook[0] resolved a=resolved']);
      await s.deliver(400);
      await s.advance(5 * M + S);
      expect(s.summary(t0 + 1)).toEqual(['team webhook[0] resolved a=resolved', 'team webhook[0] resolved a=resolved']);
      await s.deliver(200);
      await s.advance(4 * H);
      expect(s.notifications).toHaveLength(3);
      const [g] = await s.groups.list(new Date(s.now));
      expect(g!.alerts).toEqual({});
    });
  });

  describe('cooldowns and failed pages', () => {
    it('does not let the cooldown a failed page started hold its re-send', async () => {
      const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m, cooldown: 30m }
receivers:
  - name: team
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]
`);
      await s.post([simAlert('a', { startsAt: s.now })]);
      await s.deliver(400);
      await s.advance(M + S);
      expect(s.summary()).toEqual(['team webhook[0] firing a=firing', 'team webhook[0] firing a=firing']);
    });
  });
});
