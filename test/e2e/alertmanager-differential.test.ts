import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  checkStep,
  startDifferential,
  type Differential,
  type DifferentialSpec,
  type FeedAlert,
  type Notification,
} from '../support/differential';

/**
 * Differential test: a real Alertmanager 0.25 and alertflow's local runtime get the same route tree,
 * inhibit rules, receivers and timers, are fed the same alerts and the same silence at the same
 * moments, and must send the same groups to the same receivers with the same alerts. Each step is
 * also checked against what Alertmanager is written here to send, so the test cannot pass with
 * both systems sending nothing (or the same wrong thing).
 *
 * Timers are short (group_wait 1s, group_interval 2s) and each step waits until both systems have
 * been quiet for longer than group_interval, so no outcome depends on sub-second timing. New
 * alerts start "now": Alertmanager flushes a new group at once, without group_wait, when its first
 * alert started more than group_wait ago, which would race an inhibiting alert posted alongside.
 */

const spec: DifferentialSpec = {
  resolve_timeout: '5m',
  receivers: [
    { name: 'default', send_resolved: true },
    { name: 'pager', send_resolved: false },
    { name: 'chat', send_resolved: true },
  ],
  route: {
    receiver: 'default',
    group_by: ['alertname', 'cluster'],
    group_wait: '1s',
    group_interval: '2s',
    repeat_interval: '1h',
    routes: [
      {
        // Own receiver; inherits group_by and timers; `continue` sends db alerts on to `chat` too.
        matchers: ['team="db"'],
        receiver: 'pager',
        continue: true,
        routes: [
          // Inherits receiver `pager` (from its parent) and timers; overrides group_by.
          { matchers: ['severity="critical"'], group_by: ['cluster'] },
        ],
      },
      // Every distinct label set is its own group.
      { matchers: ['team=~"db|web"'], receiver: 'chat', group_by: ['...'] },
      // Inherits receiver `default` from the root; overrides group_by and group_wait.
      { matchers: ['env="staging"'], group_by: ['env'], group_wait: '2s' },
    ],
  },
  inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['cluster'] }],
};

const TIMING = { minMs: 4_000, quietMs: 3_000, timeoutMs: 15_000 };

// The alerts. A1 (critical, c1) inhibits W1 (warning, c1) but not W2 (warning, c2).
const A1 = { alertname: 'ReplicationLag', cluster: 'c1', severity: 'critical', team: 'db' };
const W1 = { alertname: 'SlowQueries', cluster: 'c1', severity: 'warning', team: 'db' };
const W2 = { alertname: 'SlowQueries', cluster: 'c2', severity: 'warning', team: 'db' };
const E1 = { alertname: 'ErrorRate', cluster: 'c2', severity: 'warning', team: 'web' };
const H1 = { alertname: 'HighLatency', cluster: 'c3', service: 'api', severity: 'info' };
const H2 = { alertname: 'HighLatency', cluster: 'c3', service: 'web', severity: 'info' };
// Silenced (service=~"batch|cron", cluster="c3"): S1 shares H1's group, S2 is alone in its group.
const S1 = { alertname: 'HighLatency', cluster: 'c3', service: 'batch', severity: 'info' };
const S2 = { alertname: 'QueueBacklog', cluster: 'c3', service: 'cron', severity: 'info' };
const T1 = { alertname: 'CertExpiry', cluster: 'c4', env: 'staging', severity: 'info' };
const T2 = { alertname: 'DiskFull', cluster: 'c5', env: 'staging', severity: 'info' };

// Group keys, formed as Alertmanager forms them: route key (matcher path) ":" group labels.
const KEY = {
  pagerCritical: '{}/{team="db"}/{severity="critical"}:{cluster="c1"}',
  pagerW1: '{}/{team="db"}:{alertname="SlowQueries", cluster="c1"}',
  pagerW2: '{}/{team="db"}:{alertname="SlowQueries", cluster="c2"}',
  chatA1: '{}/{team=~"db|web"}:{alertname="ReplicationLag", cluster="c1", severity="critical", team="db"}',
  chatW1: '{}/{team=~"db|web"}:{alertname="SlowQueries", cluster="c1", severity="warning", team="db"}',
  chatW2: '{}/{team=~"db|web"}:{alertname="SlowQueries", cluster="c2", severity="warning", team="db"}',
  chatE1: '{}/{team=~"db|web"}:{alertname="ErrorRate", cluster="c2", severity="warning", team="web"}',
  latency: '{}:{alertname="HighLatency", cluster="c3"}',
  staging: '{}/{env="staging"}:{env="staging"}',
};

type Labels = Record<string, string>;
const firing = (labels: Labels) => ({ status: 'firing', labels });
const resolved = (labels: Labels) => ({ status: 'resolved', labels });
function sent(receiver: string, groupKey: string, groupLabels: Labels, status: 'firing' | 'resolved', alerts: Notification['alerts']): Notification {
  return { receiver, groupKey, groupLabels, status, alerts };
}

/** Alerts as a client posts them, all with the same explicit startsAt (kept for their resolve). */
const startedAt = new Map<Labels, string>();
function fire(...alerts: Labels[]): FeedAlert[] {
  const now = new Date().toISOString();
  return alerts.map((labels) => {
    startedAt.set(labels, now);
    return { labels, annotations: { summary: `${labels.alertname} in ${labels.cluster}` }, startsAt: now };
  });
}
/** A resolve, as Prometheus sends it: the same alert with endsAt in the past. */
function resolve(...alerts: Labels[]): FeedAlert[] {
  const endsAt = new Date(Date.now() - 500).toISOString();
  return alerts.map((labels) => ({ labels, annotations: { summary: `${labels.alertname} in ${labels.cluster}` }, startsAt: startedAt.get(labels)!, endsAt }));
}

let diff: Differential;

beforeAll(async () => {
  diff = await startDifferential(spec, TIMING);
}, 30_000);

afterAll(async () => {
  await diff?.close();
});


const STEP_TIMEOUT = TIMING.timeoutMs + 5_000;

// The steps share the two systems' state, so they run in order (vitest's default within a file).
describe('alertflow vs a real Alertmanager: same config, same alerts, same notifications', () => {
  it(
    '1: a silence, then a burst: nested routes, continue, group_by [...], inhibition with equal',
    async () => {
      const result = await diff.step(async (feed) => {
        // The silence exists before the alerts it mutes arrive.
        const now = Date.now();
        await feed.silence({
          matchers: [
            { name: 'service', value: 'batch|cron', isRegex: true, isEqual: true },
            { name: 'cluster', value: 'c3', isRegex: false, isEqual: true },
          ],
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: 'differential-test',
          comment: 'batch jobs are noisy',
        });
        await feed.alerts(fire(A1, W1, W2, H1, S1, S2, T1, T2));
      });
      checkStep(result, [
        // A1: the critical child of team=db (receiver inherited: pager; group_by overridden: cluster)...
        sent('pager', KEY.pagerCritical, { cluster: 'c1' }, 'firing', [firing(A1)]),
        // ...and, through continue, the next matching sibling, grouped by all labels.
        sent('chat', KEY.chatA1, A1, 'firing', [firing(A1)]),
        // W2 is in cluster c2: the critical A1 (c1) does not inhibit it. W1 (c1) is inhibited everywhere.
        sent('pager', KEY.pagerW2, { alertname: 'SlowQueries', cluster: 'c2' }, 'firing', [firing(W2)]),
        sent('chat', KEY.chatW2, W2, 'firing', [firing(W2)]),
        // The root's receiver and group_by; S1 (same group) and S2 (its own group) are silenced.
        sent('default', KEY.latency, { alertname: 'HighLatency', cluster: 'c3' }, 'firing', [firing(H1)]),
        // Two alertnames, one group: the staging route groups by env only.
        sent('default', KEY.staging, { env: 'staging' }, 'firing', [firing(T1), firing(T2)]),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '2: a new alert joins a notified group; a web alert goes to chat only',
    async () => {
      const result = await diff.step((feed) => feed.alerts(fire(H2, E1)));
      checkStep(result, [
        sent('default', KEY.latency, { alertname: 'HighLatency', cluster: 'c3' }, 'firing', [firing(H1), firing(H2)]),
        sent('chat', KEY.chatE1, E1, 'firing', [firing(E1)]),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '3: the inhibiting alert resolves: its resolve goes to chat only, and the inhibited alert is notified',
    async () => {
      const result = await diff.step((feed) => feed.alerts(resolve(A1)));
      checkStep(result, [
        // pager has send_resolved: false, so the fully resolved critical group sends nothing there.
        sent('chat', KEY.chatA1, A1, 'resolved', [resolved(A1)]),
        sent('pager', KEY.pagerW1, { alertname: 'SlowQueries', cluster: 'c1' }, 'firing', [firing(W1)]),
        sent('chat', KEY.chatW1, W1, 'firing', [firing(W1)]),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '4: resolves: one alert of a two-alert group; an alert on a send_resolved true and a false receiver',
    async () => {
      const result = await diff.step((feed) => feed.alerts(resolve(H1, W2)));
      checkStep(result, [
        sent('default', KEY.latency, { alertname: 'HighLatency', cluster: 'c3' }, 'firing', [resolved(H1), firing(H2)]),
        sent('chat', KEY.chatW2, W2, 'resolved', [resolved(W2)]),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    '5: the last unsilenced alert of a group resolves: the notified resolve is not repeated, the silenced alert stays out',
    async () => {
      const result = await diff.step((feed) => feed.alerts(resolve(H2)));
      checkStep(result, [sent('default', KEY.latency, { alertname: 'HighLatency', cluster: 'c3' }, 'resolved', [resolved(H2)])]);
    },
    STEP_TIMEOUT,
  );
});
