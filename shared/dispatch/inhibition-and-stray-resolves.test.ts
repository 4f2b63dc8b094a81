import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/model';
import { RouterSim, SIM_RECEIVERS, simAlert } from '../../test/support/router-sim';
import { freshStores } from '../../test/support/store-adapters';

/**
 * What a group's next notification holds once inhibition starts after its targets were notified,
 * and once a resolve arrives for an alert it never saw: the router core on a virtual clock, as
 * Alertmanager 0.25 decides it (test/e2e/inhibition-resolve-differential.test.ts checks the same
 * against the real binary).
 */
const S = 1000;
const M = 60 * S;
const H = 60 * M;

const CONFIG = `
route: { receiver: team, group_by: [alertname, cluster], group_wait: 0s, group_interval: 1m, repeat_interval: 4h }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
${SIM_RECEIVERS}`;

type Status = 'firing' | 'resolved';
/** An alert of `alertname` on `instance` in cluster c1 (its group: alertname and cluster). */
function alert(alertname: string, instance: string, severity: string, at: number, status: Status = 'firing'): Alert {
  return simAlert(instance, { status, startsAt: at, labels: { alertname, cluster: 'c1', severity }, ...(status === 'resolved' ? { endsAt: at } : {}) });
}

/** `s.summary(since)` with each notification's alerts in instance order; with `instance`, only the notifications that show it. */
function sentSince(s: RouterSim, since: number, instance?: string): string[] {
  return s
    .summary(since)
    .map((line) => {
      const [head, alerts = ''] = line.split(/ (?=[^ ]*$)/);
      return `${head} ${alerts.split(',').sort().join(',')}`;
    })
    .filter((line) => instance === undefined || line.split(' ').at(-1)!.split(',').some((a) => a.startsWith(`${instance}=`)));
}

describe('a group whose notified alerts an inhibition starts to mute', () => {
  const fresh = freshStores('sqlite');
  const sim = async () => new RouterSim(await fresh(), CONFIG);

  it('source in another group: the target group sends nothing, not at the source, not at its repeat; after the source resolves, the repeat it missed goes out at the next tick', async () => {
    const s = await sim();
    const t0 = s.now;
    await s.post([alert('Disk', 'w', 'warning', t0)]);
    await s.deliver();
    await s.advance(5 * M);
    await s.post([alert('Down', 'src', 'critical', s.now)]);
    await s.deliver();
    expect(sentSince(s, t0 + 1)).toEqual(['team webhook[0] firing src=firing', 'team webhook[1] firing src=firing']);
    // The target's repeat (4h) comes due while it is muted: nothing (the source's group repeats).
    await s.advance(5 * H);
    expect(sentSince(s, t0 + 1, 'w')).toEqual([]);

    const back = s.now;
    await s.post([alert('Down', 'src', 'critical', back, 'resolved')]);
    await s.advance(1 * M);
    // Each group at its own next tick: their order follows the ticks' phases.
    expect(sentSince(s, back).sort()).toEqual(['team webhook[0] firing w=firing', 'team webhook[0] resolved src=resolved', 'team webhook[1] firing w=firing']);
    expect(s.notifications.at(-1)!.sentAt - back).toBeLessThanOrEqual(1 * M);
  });

  it('source in another group, resolved before the target\'s repeat: the target comes back silently, at its repeat', async () => {
    const s = await sim();
    const t0 = s.now;
    await s.post([alert('Disk', 'w', 'warning', t0)]);
    await s.advance(5 * M);
    await s.post([alert('Down', 'src', 'critical', s.now)]);
    await s.advance(10 * M);
    await s.post([alert('Down', 'src', 'critical', s.now, 'resolved')]);
    await s.advance(3 * H);
    expect(sentSince(s, t0 + 1)).toEqual(['team webhook[0] firing src=firing', 'team webhook[1] firing src=firing', 'team webhook[0] resolved src=resolved']);
    await s.advance(1 * H);
    expect(sentSince(s, t0 + 4 * H)).toEqual(['team webhook[0] firing w=firing', 'team webhook[1] firing w=firing']);
  });

  it('source in another group, in the same batch as a change to the target group: that flush already leaves the target out', async () => {
    const s = await sim();
    const t0 = s.now;
    await s.post([alert('Disk', 'w', 'warning', t0), alert('Disk', 'u', 'info', t0)]);
    await s.advance(5 * M);
    // One message: the source, and an alert joining the target's group (which flushes at once).
    const at = s.now;
    await s.post([alert('Down', 'src', 'critical', at), alert('Disk', 'v', 'info', at)]);
    expect(sentSince(s, at).sort()).toEqual(['team webhook[0] firing src=firing', 'team webhook[0] firing u=firing,v=firing', 'team webhook[1] firing src=firing', 'team webhook[1] firing u=firing,v=firing']);

    // The source resolves: the target is news to a log that lost it.
    await s.advance(5 * M);
    const back = s.now;
    await s.post([alert('Down', 'src', 'critical', back, 'resolved')]);
    await s.advance(1 * M);
    expect(sentSince(s, back, 'u')).toEqual(['team webhook[0] firing u=firing,v=firing,w=firing', 'team webhook[1] firing u=firing,v=firing,w=firing']);
  });

  for (const [gap, when] of [
    [5 * M, 'joining a group quiet for longer than group_interval (a flush at once)'],
    [20 * S, 'joining within group_interval (a flush on the timer)'],
  ] as const) {
    it(`source in the target's own group, ${when}: the notification shows the source alone; its resolve and the target go out together`, async () => {
      const s = await sim();
      const t0 = s.now;
      await s.post([alert('Disk', 'w', 'warning', t0)]);
      await s.deliver();
      await s.advance(gap);
      const at = s.now;
      await s.post([alert('Disk', 'src', 'critical', at)]);
      await s.advance(1 * M);
      await s.deliver();
      expect(sentSince(s, at)).toEqual(['team webhook[0] firing src=firing', 'team webhook[1] firing src=firing']);

      await s.advance(5 * M);
      const back = s.now;
      await s.post([alert('Disk', 'src', 'critical', back, 'resolved')]);
      await s.advance(1 * M);
      expect(sentSince(s, back)).toEqual(['team webhook[0] firing src=resolved,w=firing', 'team webhook[1] firing w=firing']);
    });
  }
});

describe('a resolve for an alert the group never saw', () => {
  const fresh = freshStores('sqlite');
  const sim = async () => new RouterSim(await fresh(), CONFIG);

  it('is kept and shown resolved at the next flush, which it alone triggers on channels with send_resolved', async () => {
    const s = await sim();
    const t0 = s.now;
    await s.post([alert('Disk', 'x', 'info', t0)]);
    await s.deliver();
    await s.advance(30 * S);
    const at = s.now;
    await s.post([alert('Disk', 'y', 'info', at - 5 * M, 'resolved')]);
    expect(s.notifications).toHaveLength(2);
    // The group's next flush: group_interval after its last one.
    await s.advance(1 * M);
    expect(sentSince(s, at)).toEqual(['team webhook[0] firing x=firing,y=resolved']);
    expect(s.notifications.at(-1)!.sentAt).toBe(t0 + 1 * M);
    const [group] = await s.groups.list(new Date(s.now));
    expect(Object.keys(group!.alerts)).toEqual([alert('Disk', 'x', 'info', t0).fingerprint]);
  });

  it('is shown among the resolved alerts when the group resolves with it', async () => {
    const s = await sim();
    const t0 = s.now;
    await s.post([alert('Disk', 'x', 'info', t0)]);
    await s.advance(5 * M);
    const at = s.now;
    await s.post([alert('Disk', 'x', 'info', at, 'resolved'), alert('Disk', 'y', 'info', at, 'resolved')]);
    expect(sentSince(s, at)).toEqual(['team webhook[0] resolved x=resolved,y=resolved']);
  });

  it('costs nothing when re-sent once the group heard of it, when it reaches a group with nothing that could notify, or no group at all', async () => {
    const s = await sim();
    const t0 = s.now;
    await s.post([alert('Disk', 'x', 'info', t0)]);
    await s.advance(5 * M);
    const stray = alert('Disk', 'y', 'info', s.now, 'resolved');
    await s.post([stray]);
    await s.deliver();
    await s.advance(1 * M);
    expect(sentSince(s, t0 + 1)).toEqual(['team webhook[0] firing x=firing,y=resolved']);
    // Prometheus re-sends a resolve for 15 minutes: each re-send is a read.
    const puts = s.counts.puts;
    for (let i = 0; i < 3; i++) {
      await s.advance(1 * M);
      await s.post([stray]);
    }
    expect(s.counts.puts).toBe(puts);

    // A group whose alerts all resolved and were told: no flush could notify, so nothing is kept.
    const gone = s.now;
    await s.post([alert('Disk', 'x', 'info', s.now, 'resolved')]);
    await s.advance(2 * M);
    expect(sentSince(s, gone)).toEqual(['team webhook[0] resolved x=resolved']);
    const quiet = s.counts.puts;
    await s.post([alert('Disk', 'z', 'info', s.now, 'resolved')]);
    // No group: none is created.
    await s.post([alert('Other', 'z', 'info', s.now, 'resolved')]);
    await s.advance(2 * M);
    expect(s.counts.puts).toBe(quiet);
    expect(await s.groups.list(new Date(s.now))).toHaveLength(1);
    expect(sentSince(s, gone)).toHaveLength(1);
  });

  it('a redelivered message that kept one replays its write: no second notification, no write', async () => {
    const s = await sim();
    await s.post([alert('Disk', 'x', 'info', s.now)]);
    await s.advance(5 * M);
    const message = s.message([alert('Disk', 'y', 'info', s.now, 'resolved')], 'stray');
    await s.run([message]);
    const puts = s.counts.puts;
    await s.run([message]);
    await s.run([message]);
    expect(s.counts.puts).toBe(puts);
    const strays = s.notifications.filter((n) => n.group.alerts.some((a) => a.labels.instance === 'y'));
    expect(new Set(strays.map((n) => n.id)).size).toBe(1);
  });
});
