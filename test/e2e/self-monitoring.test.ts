import { readFileSync } from 'node:fs';
import { COUNTERS } from '../../shared/metrics/catalog';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import type { DeepHealth } from '../../shared/self-monitoring/health';
import { apiRequest, startRuntimeWithConfig, SCOPED_TOKENS, scopedAuthYaml, scopedTokenOptions } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitForValue } from '../support/wait';

/**
 * Self-monitoring in the local runtime, over HTTP: the synthetic heartbeat crosses ingest, the
 * alerts queue, the router and the self-monitoring receiver's webhook queue and sender every second,
 * which records it as the built-in heartbeat's ping (and counts it as a metric) and posts nothing; a CloudWatch alarm of alertflow's own goes to the self-monitoring receiver
 * while a user's follows the tree; GET /v1/health?deep=1 reports the queues, DLQs, the last checks
 * tick and the synthetic heartbeat, to a `read` token.
 */
const { ingest: INGEST_ONLY, read: READ_ONLY } = SCOPED_TOKENS;

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
afterEach(async () => {
  await rt?.close();
  await hook?.close();
  rt = undefined;
  hook = undefined;
});

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> => waitForValue(what, probe, timeoutMs);

const alarmEvent = (name: string) => {
  const event = JSON.parse(readFileSync(join(__dirname, '../fixtures/cloudwatch/eventbridge-alarm-state-change-alarm.json'), 'utf8')) as { resources: string[]; detail: { alarmName: string } };
  event.detail.alarmName = name;
  event.resources = [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`];
  return event;
};

async function start(): Promise<{ rt: LocalRuntime; hook: StandIn; metrics: Array<{ fn: string; values: Record<string, number> }> }> {
  hook = await startStandIn();
  const metrics: Array<{ fn: string; values: Record<string, number> }> = [];
  rt = await startRuntimeWithConfig(
    `${scopedAuthYaml('cron')}self_monitoring:
  receiver: ops
  synthetic_every: 1s
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  routes:
    - { matchers: ['source="cloudwatch"'], receiver: team, continue: true }
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team' }]
  - name: ops
    webhook_configs: [{ url: '${hook.url}/ops' }]
`,
    { ...scopedTokenOptions, metrics: (fn) => ({ count: (metric, value = 1) => void metrics.push({ fn, values: { [COUNTERS[metric].name]: value } }), observe: () => {} }) },
  );
  return { rt, hook, metrics };
}

describe('self-monitoring (local runtime)', () => {
  it("sends the synthetic heartbeat through the pipeline to the receiver's sender, which records the built-in heartbeat's ping and counts it, posting nothing", async () => {
    const { rt, metrics } = await start();
    type Listed = { heartbeats: Array<{ name: string; status: string; pings: number; last_ping_at: string | null; ping_url: string | null }> };
    const pipeline = async () => (await apiRequest<Listed>(rt.url, READ_ONLY, 'GET', '/v1/heartbeats')).body.heartbeats.find((h) => h.name === 'alertflow-pipeline');
    const first = await until('a synthetic ping recorded', async () => ((await pipeline())?.last_ping_at ? pipeline() : undefined));
    expect(first).toMatchObject({ status: 'ok', ping_url: null });
    const later = await until('a later synthetic ping recorded', async () => {
      const hb = await pipeline();
      return hb && Date.parse(hb.last_ping_at!) > Date.parse(first!.last_ping_at!) ? hb : undefined;
    });
    expect(later.pings).toBeGreaterThan(first!.pings);
    // The metric comes from the sender the probes reach (ops's webhook), and from nothing else.
    const counted = metrics.filter((m) => m.values.SyntheticHeartbeats);
    expect(counted.length).toBeGreaterThanOrEqual(2);
    expect([...new Set(counted.map((m) => m.fn))]).toEqual(['webhook-sender']);
    // It is a ping, not an alert: nothing was routed or notified for it, no receiver was called, no delivery recorded.
    expect((await apiRequest<{ alerts: unknown[] }>(rt.url, READ_ONLY, 'GET', '/v1/alerts')).body.alerts).toEqual([]);
    expect(hook!.received).toEqual([]);
    expect((await apiRequest<{ groups: unknown[] }>(rt.url, READ_ONLY, 'GET', '/v1/groups')).body.groups).toEqual([]);
    // The built-in heartbeat has no signed ping URL: a guessed one is a 404, as for an unknown name.
    expect((await fetch(`${rt.url}/v1/heartbeats/alertflow-pipeline/${'A'.repeat(43)}`)).status).toBe(404);
  }, 20_000);

  it("routes alertflow's own CloudWatch alarms to the self-monitoring receiver, and a user's alarm through the tree", async () => {
    const { rt, hook } = await start();
    for (const name of ['alertflow-self-Alertflow-dlq-alerts-dlq', 'checkout-api-5xx-high']) {
      expect((await apiRequest(rt.url, INGEST_ONLY, 'POST', '/local/events', alarmEvent(name))).status).toBe(202);
    }
    await hook.waitFor(2);
    const got = hook.received.map((r) => ({ path: r.path, alertname: (r.json() as { alerts: Array<{ labels: Record<string, string> }> }).alerts[0]!.labels.alertname }));
    expect(got.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/ops', alertname: 'alertflow-self-Alertflow-dlq-alerts-dlq' },
      { path: '/team', alertname: 'checkout-api-5xx-high' },
    ]);
  }, 20_000);

  it('reports queues, DLQs, the last checks tick and the synthetic heartbeat at /v1/health?deep=1, to a read token only', async () => {
    const { rt } = await start();
    // Plain health stays public; deep asks for a token with `read`.
    expect((await fetch(`${rt.url}/v1/health`)).status).toBe(200);
    expect((await fetch(`${rt.url}/v1/health?deep=1`)).status).toBe(401);
    expect((await apiRequest(rt.url, INGEST_ONLY, 'GET', '/v1/health?deep=1')).status).toBe(403);
    const deep = async () => apiRequest<DeepHealth>(rt.url, READ_ONLY, 'GET', '/v1/health?deep=1');
    const healthy = await until('a healthy deep report', async () => {
      const res = await deep();
      return res.status === 200 && res.body.synthetic_heartbeat?.last_ping_at ? res.body : undefined;
    });
    expect(healthy).toMatchObject({ status: 'ok', problems: [], checks_tick: { status: 'ok', every_ms: 1000 }, synthetic_heartbeat: { name: 'alertflow-pipeline', status: 'ok', every_ms: 1000 } });
    expect(Date.parse(healthy.checks_tick.last_run_at!)).toBeGreaterThan(Date.now() - 10_000);
    expect(healthy.queues.map((q) => [q.name, q.dlq])).toContainEqual(['alerts', 'alerts-dlq']);
    expect(healthy.queues.map((q) => q.name)).toContain('slack-notifications');
    expect(healthy.dlqs.map((d) => d.name)).toContain('escalations-dlq');
    // A dead letter makes it degraded (503), naming the DLQ.
    await rt.queues.send('webhook-notifications-dlq', [{ id: 'x', body: '{}' }]);
    const degraded = await deep();
    expect(degraded.status).toBe(503);
    expect(degraded.body).toMatchObject({ status: 'degraded', problems: ['webhook-notifications-dlq holds 1 message(s) that failed every retry'] });
    expect(degraded.body.dlqs.find((d) => d.name === 'webhook-notifications-dlq')).toEqual({ name: 'webhook-notifications-dlq', messages: 1 });
  }, 20_000);
});
