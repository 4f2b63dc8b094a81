import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkStep, startDifferential, type Differential, type DifferentialSpec, type FeedAlert, type Notification } from '../support/differential';

/**
 * Differential test (issue 14): what a group's next notification holds once inhibition starts after
 * its targets were notified, and once a resolve arrives for an alert the group never saw. A real
 * Alertmanager 0.25 and alertflow's local runtime get the same config and the same alerts at the
 * same moments; each step checks Alertmanager against what is written here, and alertflow against
 * Alertmanager.
 *
 * What Alertmanager does (notify/notify.go, dispatch/dispatch.go, inhibit/inhibit.go at v0.25.0):
 * - At each flush the mute stages drop muted alerts before dedup; dedup compares what is left with
 *   the channel's last log entry. A target muted after it was notified just leaves the firing
 *   list: nothing is sent for that (it is not a resolve), and the log keeps it until a notification
 *   goes out. When the source resolves, the target is back; it is news only to a log that lost it
 *   (a notification sent while it was muted), else it waits for its repeat. A muted alert is not
 *   repeated either, so a repeat that came due meanwhile goes out at the first flush after the
 *   source resolved.
 * - The inhibitor caches every alert as it is received, so a source is in force (or resolved) from
 *   the flush after it arrives, in its own group or another.
 * - An aggregation group stores any alert it is given, resolved or not: a resolve for an alert the
 *   group never saw is shown resolved at its next flush, and is news to a channel with
 *   send_resolved whose log does not list it, so it notifies on its own.
 *
 * Every group is routed twice, to `on` (send_resolved: true) and to `off` (send_resolved: false),
 * except QueueStuck (the target whose repeat comes due while it is muted), which goes to `on` only.
 * Timers are short and each step waits until both systems are quiet for longer than
 * group_interval, as in alertmanager-differential.test.ts; new alerts start "now".
 */

const spec: DifferentialSpec = {
  resolve_timeout: '5m',
  receivers: [
    { name: 'on', send_resolved: true },
    { name: 'off', send_resolved: false },
  ],
  route: {
    receiver: 'on',
    group_by: ['alertname', 'cluster'],
    group_wait: '1s',
    group_interval: '2s',
    repeat_interval: '1h',
    routes: [
      { matchers: ['alertname="QueueStuck"'], repeat_interval: '8s' },
      { matchers: ['severity!=""'], receiver: 'on', continue: true },
      { matchers: ['cluster!=""'], receiver: 'off' },
    ],
  },
  inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['cluster'] }],
};

const TIMING = { minMs: 4_000, quietMs: 3_000, timeoutMs: 20_000 };
const STEP_TIMEOUT = TIMING.timeoutMs + 5_000;
/** Step 2 lasts this long, so QueueStuck's 8s repeat comes due (and passes a flush or two) while it is muted. */
const MUTED_FOR_MS = 9_000;

type Labels = Record<string, string>;
// 1a, the source in another group: DiskSlow/a holds only the target; DiskSlow/b holds the target
// and an alert no rule mutes, and another joins it in the request that brings the source.
const T_a = { alertname: 'DiskSlow', cluster: 'a', severity: 'warning' };
const S_a = { alertname: 'ClusterDown', cluster: 'a', severity: 'critical' };
const T_b = { alertname: 'DiskSlow', cluster: 'b', severity: 'warning' };
const U_b = { alertname: 'DiskSlow', cluster: 'b', severity: 'info', instance: 'u' };
const V_b = { alertname: 'DiskSlow', cluster: 'b', severity: 'info', instance: 'v' };
const S_b = { alertname: 'ClusterDown', cluster: 'b', severity: 'critical' };
// 1b, the source in the same group as its target.
const T_c = { alertname: 'DiskSlow', cluster: 'c', severity: 'warning' };
const S_c = { alertname: 'DiskSlow', cluster: 'c', severity: 'critical' };
// 1a with a repeat that comes due while the target is muted.
const T_r = { alertname: 'QueueStuck', cluster: 'r', severity: 'warning' };
const S_r = { alertname: 'ClusterDown', cluster: 'r', severity: 'critical' };
// 2, stray resolves: into a notified group that keeps firing (d), into one whose alert resolves at
// the same time (e), and into no group at all (f).
const X_d = { alertname: 'DiskSlow', cluster: 'd', severity: 'info', instance: 'x' };
const Y_d = { alertname: 'DiskSlow', cluster: 'd', severity: 'info', instance: 'y' };
const X_e = { alertname: 'DiskSlow', cluster: 'e', severity: 'info', instance: 'x' };
const Y_e = { alertname: 'DiskSlow', cluster: 'e', severity: 'info', instance: 'y' };
const Z_f = { alertname: 'DiskSlow', cluster: 'f', severity: 'info', instance: 'z' };

/** Group keys as Alertmanager forms them: route key (matcher path) ":" group labels. */
const ON = '{}/{severity!=""}';
const OFF = '{}/{cluster!=""}';
const group = (alertname: string, cluster: string) => ({ labels: { alertname, cluster }, key: `{alertname="${alertname}", cluster="${cluster}"}` });

const firing = (labels: Labels) => ({ status: 'firing', labels });
const resolved = (labels: Labels) => ({ status: 'resolved', labels });
/** A notification to `on` or `off` of the group of `alertname` in `cluster`; status as Alertmanager sets it. */
function sent(receiver: 'on' | 'off', [alertname, cluster]: [string, string], alerts: Notification['alerts'], route = receiver === 'on' ? ON : OFF): Notification {
  const g = group(alertname, cluster);
  const status = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
  return { receiver, groupKey: `${route}:${g.key}`, groupLabels: g.labels, status, alerts };
}
const both = (g: [string, string], alerts: Notification['alerts']) => [sent('on', g, alerts), sent('off', g, alerts)];

const startedAt = new Map<Labels, string>();
function fire(...alerts: Labels[]): FeedAlert[] {
  const now = new Date().toISOString();
  return alerts.map((labels) => {
    startedAt.set(labels, now);
    return { labels, startsAt: now };
  });
}
/** A resolve as Prometheus sends it: endsAt in the past; an alert never fired here started a minute ago. */
function resolve(...alerts: Labels[]): FeedAlert[] {
  const endsAt = new Date(Date.now() - 500).toISOString();
  return alerts.map((labels) => ({ labels, startsAt: startedAt.get(labels) ?? new Date(Date.now() - 60_000).toISOString(), endsAt }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let diff: Differential;

beforeAll(async () => {
  diff = await startDifferential(spec, TIMING);
}, 30_000);

afterAll(async () => {
  await diff?.close();
});


// The steps share the two systems' state, so they run in order.
describe('alertflow vs a real Alertmanager: inhibition after a notification, and stray resolves', () => {
  it(
    '1: the targets, and the groups that will get stray resolves, are notified',
    async () => {
      const result = await diff.step((feed) => feed.alerts(fire(T_a, T_b, U_b, T_c, T_r, X_d, X_e)));
      checkStep(result, [
        ...both(['DiskSlow', 'a'], [firing(T_a)]),
        ...both(['DiskSlow', 'b'], [firing(T_b), firing(U_b)]),
        ...both(['DiskSlow', 'c'], [firing(T_c)]),
        ...both(['DiskSlow', 'd'], [firing(X_d)]),
        ...both(['DiskSlow', 'e'], [firing(X_e)]),
        sent('on', ['QueueStuck', 'r'], [firing(T_r)], '{}/{alertname="QueueStuck"}'),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '2: sources start firing: a muted target leaves the firing list, silently, and is not repeated',
    async () => {
      const result = await diff.step(async (feed) => {
        // One request: V_b joins DiskSlow/b in the batch that brings its group's inhibiting source.
        await feed.alerts(fire(S_a, S_b, V_b, S_c, S_r));
        await sleep(MUTED_FOR_MS);
      });
      checkStep(result, [
        ...both(['ClusterDown', 'a'], [firing(S_a)]),
        ...both(['ClusterDown', 'b'], [firing(S_b)]),
        ...both(['ClusterDown', 'r'], [firing(S_r)]),
        // DiskSlow/a (T_a muted, nothing else) sends nothing at all, on either receiver: a muted
        // alert is not a resolve. DiskSlow/b is notified for V_b, without T_b and without saying
        // T_b went; DiskSlow/c (1b) for its source, without its target.
        ...both(['DiskSlow', 'b'], [firing(U_b), firing(V_b)]),
        ...both(['DiskSlow', 'c'], [firing(S_c)]),
        // QueueStuck's repeat came due meanwhile: muted, it is not sent.
      ]);
    },
    STEP_TIMEOUT + MUTED_FOR_MS,
  );

  it(
    '3: the sources resolve: a target is re-notified where its log lost it or its repeat passed, else not',
    async () => {
      const result = await diff.step(async (feed) => {
        await feed.alerts(resolve(S_a, S_b, S_c, S_r));
        // QueueStuck is re-sent at the next flush; then it resolves.
        await sleep(3_500);
        await feed.alerts(resolve(T_r));
      });
      checkStep(result, [
        // The sources' own groups: their resolve, to `on` only (`off` logs it without a send).
        sent('on', ['ClusterDown', 'a'], [resolved(S_a)]),
        sent('on', ['ClusterDown', 'b'], [resolved(S_b)]),
        sent('on', ['ClusterDown', 'r'], [resolved(S_r)]),
        // DiskSlow/a: T_a is back, but its log still lists it and its repeat is an hour out: nothing.
        // DiskSlow/b: its last notification left T_b out, so T_b is news.
        ...both(['DiskSlow', 'b'], [firing(T_b), firing(U_b), firing(V_b)]),
        // DiskSlow/c (1b): the target is news again, in one notification with its source's resolve.
        sent('on', ['DiskSlow', 'c'], [firing(T_c), resolved(S_c)]),
        sent('off', ['DiskSlow', 'c'], [firing(T_c)]),
        // QueueStuck: its repeat passed while muted, so it goes out at once; then its resolve.
        sent('on', ['QueueStuck', 'r'], [firing(T_r)], '{}/{alertname="QueueStuck"}'),
        sent('on', ['QueueStuck', 'r'], [resolved(T_r)], '{}/{alertname="QueueStuck"}'),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '4: a resolve for an alert the group never saw is shown resolved at its next flush, and alone notifies send_resolved channels',
    async () => {
      const result = await diff.step(async (feed) => {
        await feed.alerts(resolve(Y_d));
        await feed.alerts(resolve(X_e, Y_e));
        await feed.alerts(resolve(Z_f));
      });
      checkStep(result, [
        // Nothing else changed in DiskSlow/d: the stray resolve alone is news to `on`, not to `off`.
        sent('on', ['DiskSlow', 'd'], [firing(X_d), resolved(Y_d)]),
        // DiskSlow/e resolves whole, with the stray among its resolved alerts (`off` logs it, no send).
        sent('on', ['DiskSlow', 'e'], [resolved(X_e), resolved(Y_e)]),
        // DiskSlow/f has no notified group, and a group of resolved alerts notifies nobody.
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '5: the same resolves again (Prometheus re-sends them) are news to nobody',
    async () => {
      const result = await diff.step((feed) => feed.alerts(resolve(Y_d, X_e, Y_e, Z_f)));
      checkStep(result, []);
    },
    STEP_TIMEOUT,
  );
});
