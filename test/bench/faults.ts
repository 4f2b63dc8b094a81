/**
 * The bench's fault run: delivery to receivers that fail or hang, through the local runtime with the
 * default retry policy (real jitter, 1 s base, 5 min cap). It measures and prints; it asserts nothing.
 *
 * 1. An always-500 receiver gets N notifications: attempts per notification and the receiver's
 *    request rate over a fixed window (the 4.4 s, and longer).
 * 2. A receiver that answers after 10 s gets a backlog; an unrelated receiver of the same channel
 *    type (webhook) gets notifications 1 s later: their latency, beside the same receiver's latency
 *    with nothing slow around (the baseline).
 */
import { randomUUID } from 'node:crypto';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type Received, type StandIn } from '../support/stand-in';
import { heading, ms, num, percentile, table } from './format';

const TOKEN = 'bench-faults';
export const FAILING_NOTIFICATIONS = 200;
/** Windows after the POST at which the failing receiver's attempts are counted (ms). */
export const FAILING_WINDOWS_MS = [4_400, 20_000] as const;
export const SLOW_ANSWER_MS = 10_000;
export const SLOW_NOTIFICATIONS = 100;
export const UNRELATED_NOTIFICATIONS = 10;

export interface FailingResult {
  notifications: number;
  windows: Array<{ afterMs: number; attempts: number; perNotification: number; maxPerNotification: number; notificationsTried: number; requestsPerSecond: number }>;
  deadLettered: number;
}

export interface SlowResult {
  slowNotifications: number;
  slowAnswerMs: number;
  unrelated: number;
  /** Post-to-arrival latency of the unrelated receiver's notifications, beside the slow one. */
  besideSlowMs: { p50: number | null; max: number | null; delivered: number };
  /** The same, with nothing slow around. */
  baselineMs: { p50: number | null; max: number | null; delivered: number };
  /** Of the slow receiver's requests, how many were in flight at most at once. */
  slowMaxInFlight: number;
}

export interface FaultResult {
  failing: FailingResult;
  slow: SlowResult;
}

const keyOf = (r: Received) => String(r.headers['idempotency-key']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(hook: StandIn): string {
  return `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: unrelated
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1h
  routes:
    - { matchers: ['rx="failing"'], receiver: failing }
    - { matchers: ['rx="slow"'], receiver: slow }
receivers:
  - name: unrelated
    webhook_configs: [{ url: '${hook.url}/unrelated' }]
  - name: failing
    webhook_configs: [{ url: '${hook.url}/failing' }]
  - name: slow
    webhook_configs: [{ url: '${hook.url}/slow', timeout: 15s }]
`;
}

async function postAlerts(rt: LocalRuntime, rx: string, n: number): Promise<number> {
  const run = randomUUID().slice(0, 8);
  const alerts = Array.from({ length: n }, (_, i) => ({ name: `${rx}-${run}-${i}`, summary: rx, labels: { rx } }));
  const posted = performance.now();
  const res = await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { alerts });
  if (res.status !== 202) throw new Error(`POST /v1/alerts answered ${res.status}`);
  return posted;
}

/** Stop taking work, let running batches finish (bounded), then close (see storm.ts stopEnv). */
async function stop(rt: LocalRuntime, hook: StandIn, drainMs: number): Promise<void> {
  rt.queues.close();
  const deadline = performance.now() + drainMs;
  const inFlight = () => rt.queues.calls.receive - rt.queues.consumers().reduce((sum, c) => sum + c.invocations, 0);
  while (inFlight() > 0 && performance.now() < deadline) await sleep(100);
  if (inFlight() === 0) await rt.close();
  await hook.close();
}

export async function runFaults(progress?: (line: string) => void): Promise<FaultResult> {
  const hook = await startStandIn();
  const arrivals = new Map<string, number>();
  let slowInFlight = 0;
  let slowMaxInFlight = 0;
  hook.respond = (req) => {
    if (req.path === '/failing') return { status: 500, body: 'down' };
    if (req.path === '/slow') {
      slowInFlight++;
      slowMaxInFlight = Math.max(slowMaxInFlight, slowInFlight);
      setTimeout(() => slowInFlight--, SLOW_ANSWER_MS);
      return { status: 200, body: 'ok', delayMs: SLOW_ANSWER_MS };
    }
    arrivals.set(keyOf(req), performance.now());
    return { status: 200, body: 'ok' };
  };
  const rt = await startRuntimeWithConfig(config(hook), { token: TOKEN });
  try {
    // 1. Always 500.
    progress?.(`faults: ${FAILING_NOTIFICATIONS} notifications to an always-500 receiver, watched for ${FAILING_WINDOWS_MS.at(-1)! / 1000} s`);
    const start = await postAlerts(rt, 'failing', FAILING_NOTIFICATIONS);
    const windows: FailingResult['windows'] = [];
    for (const afterMs of FAILING_WINDOWS_MS) {
      await sleep(Math.max(0, start + afterMs - performance.now()));
      const perKey = new Map<string, number>();
      for (const r of hook.received) if (r.path === '/failing') perKey.set(keyOf(r), (perKey.get(keyOf(r)) ?? 0) + 1);
      const attempts = [...perKey.values()].reduce((a, b) => a + b, 0);
      windows.push({
        afterMs,
        attempts,
        perNotification: attempts / FAILING_NOTIFICATIONS,
        maxPerNotification: Math.max(0, ...perKey.values()),
        notificationsTried: perKey.size,
        requestsPerSecond: attempts / (afterMs / 1000),
      });
    }
    const deadLettered = rt.queues.stats().find((q) => q.name === 'webhook-notifications-dlq')?.total ?? 0;
    const failing: FailingResult = { notifications: FAILING_NOTIFICATIONS, windows, deadLettered };

    // 2. Baseline: the unrelated receiver alone.
    progress?.('faults: unrelated receiver alone (baseline)');
    const baseline = await timeUnrelated(rt, arrivals);

    // 3. Beside a slow receiver with a backlog.
    progress?.(`faults: ${SLOW_NOTIFICATIONS} notifications to a receiver answering after ${SLOW_ANSWER_MS / 1000} s, then ${UNRELATED_NOTIFICATIONS} to an unrelated one`);
    await postAlerts(rt, 'slow', SLOW_NOTIFICATIONS);
    await sleep(1_000);
    const beside = await timeUnrelated(rt, arrivals);
    return {
      failing,
      slow: {
        slowNotifications: SLOW_NOTIFICATIONS,
        slowAnswerMs: SLOW_ANSWER_MS,
        unrelated: UNRELATED_NOTIFICATIONS,
        besideSlowMs: beside,
        baselineMs: baseline,
        slowMaxInFlight,
      },
    };
  } finally {
    await stop(rt, hook, SLOW_ANSWER_MS + 5_000);
  }
}

/** Post the unrelated receiver's notifications and time each until it arrives (30 s at most). */
async function timeUnrelated(rt: LocalRuntime, arrivals: Map<string, number>): Promise<SlowResult['baselineMs']> {
  const before = new Set(arrivals.keys());
  const posted = await postAlerts(rt, 'unrelated', UNRELATED_NOTIFICATIONS);
  const deadline = posted + 30_000;
  const fresh = () => [...arrivals.entries()].filter(([k]) => !before.has(k));
  while (fresh().length < UNRELATED_NOTIFICATIONS && performance.now() < deadline) await sleep(20);
  const latencies = fresh().map(([, at]) => at - posted);
  return { p50: percentile(latencies, 50), max: latencies.length ? Math.max(...latencies) : null, delivered: latencies.length };
}

export function renderFaults(r: FaultResult): string {
  const f = r.failing;
  const s = r.slow;
  return (
    heading('Fault run: retries against a failing receiver, isolation from a slow one') +
    '\n' +
    `Always-500 receiver, ${f.notifications} notifications posted at once (default policy: 1 s base, 5 min cap, full jitter, receiver gate):\n` +
    table(
      ['Window', 'Attempts', 'Per notification', 'Max per notification', 'Notifications tried', 'Requests/s'],
      f.windows.map((w) => [`${num(w.afterMs / 1000, 1)} s`, w.attempts, num(w.perNotification, 2), w.maxPerNotification, w.notificationsTried, num(w.requestsPerSecond, 1)]),
    ) +
    `\n  dead-lettered by the end of the window: ${f.deadLettered}\n\n` +
    `Unrelated webhook receiver, ${s.unrelated} notifications, beside a receiver answering after ${s.slowAnswerMs / 1000} s with ${s.slowNotifications} queued:\n` +
    table(
      ['Case', 'Delivered', 'p50 latency', 'Max latency'],
      [
        ['alone (baseline)', `${s.baselineMs.delivered}/${s.unrelated}`, ms(s.baselineMs.p50), ms(s.baselineMs.max)],
        ['beside the slow receiver', `${s.besideSlowMs.delivered}/${s.unrelated}`, ms(s.besideSlowMs.p50), ms(s.besideSlowMs.max)],
      ],
    ) +
    `\n  slow receiver: at most ${s.slowMaxInFlight} requests in flight at once\n`
  );
}
