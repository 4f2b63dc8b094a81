import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import type { DeliveryRecord } from '../../shared/store/deliveries';
import { verifySignature } from '../../shared/channels/webhook/sign';
import { startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

const fixture = (path: string) => JSON.parse(readFileSync(join(__dirname, '../fixtures', path), 'utf8')) as Record<string, unknown>;
const amBody = (name: string) => fixture(`alertmanager/${name}.json`).body as Record<string, unknown>;

const TOKEN = 'e2e-token';
const HMAC = 'e2e-hmac-secret-value';

let rt: LocalRuntime;
let slack: StandIn;
let hook: StandIn;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(rt.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  slack = await startStandIn();
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
      continue: true
    # As in Alertmanager, the root's receiver takes only alerts no child matched: send the rest on.
    - receiver: team
receivers:
  - name: team
    slack_configs:
      - webhook_url: ${slack.url}/services/T000/B000/XXXX
  - name: oncall
    webhook_configs:
      - url: ${hook.url}/hook
        format: alertmanager
        hmac_secret: { env: ONCALL_HMAC }
        headers: { X-Team: platform }
`,
    { token: TOKEN, env: { ONCALL_HMAC: HMAC } },
  );
});

afterAll(async () => {
  await rt?.close();
  await slack?.close();
  await hook?.close();
});

/** Every delivery record, read from the runtime's SQLite store (test-only; the API never lists them all). */
async function deliveryRecords(): Promise<DeliveryRecord[]> {
  const rows = rt.database.db.prepare('SELECT record FROM state_deliveries').all() as Array<{ record: string }>;
  return rows.map((r) => JSON.parse(r.record) as DeliveryRecord);
}

beforeEach(() => {
  slack.received.length = 0;
  hook.received.length = 0;
  slack.respond = () => ({ status: 200, body: 'ok' });
});

describe('local runtime, end to end', () => {
  it('delivers an Alertmanager webhook to Slack and, for critical, to the signed webhook in Alertmanager format', async () => {
    const res = await post('/v1/webhooks/alertmanager', amBody('firing-error-rate-critical'));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1 });
    await rt.queues.idle();

    expect(slack.received).toHaveLength(1);
    const msg = slack.received[0]!.json() as { text: string };
    expect(slack.received[0]!.path).toBe('/services/T000/B000/XXXX');
    expect(msg.text).toContain('HighErrorRate');
    expect(JSON.stringify(msg)).toContain('https://runbooks.example.com/high-error-rate');

    expect(hook.received).toHaveLength(1);
    const delivered = hook.received[0]!;
    const am = delivered.json() as Record<string, unknown>;
    expect(am).toMatchObject({ version: '4', status: 'firing', receiver: 'oncall', groupLabels: { alertname: 'HighErrorRate', service: 'payment-gateway' } });
    expect((am.alerts as Array<{ fingerprint: string }>)[0]!.fingerprint).toBe('25464961f2df65e8');
    expect(delivered.headers['x-team']).toBe('platform');
    const ok = verifySignature(HMAC, delivered.headers['x-alertflow-timestamp'] as string, delivered.body, delivered.headers['x-alertflow-signature'] as string);
    expect(ok).toBe(true);
  });

  it('does not notify again for an unchanged re-send', async () => {
    const res = await post('/v1/webhooks/alertmanager', amBody('firing-error-rate-critical'));
    expect(res.status).toBe(202);
    await rt.queues.idle();
    expect(slack.received).toHaveLength(0);
    expect(hook.received).toHaveLength(0);
  });

  it('notifies the resolve of an alert it notified', async () => {
    await post('/v1/webhooks/alertmanager', amBody('firing-disk-warning'));
    await rt.queues.idle();
    expect(slack.received).toHaveLength(1);
    await post('/v1/webhooks/alertmanager', amBody('resolved-disk-warning'));
    // The resolve comes within group_interval (1s) of the first notification: it waits for the group's timer.
    await vi.waitFor(() => expect(slack.received).toHaveLength(2), { timeout: 5000, interval: 50 });
    expect(JSON.stringify(slack.received[1]!.json())).toMatch(/RESOLVED/i);
    expect(hook.received).toHaveLength(0);
  });

  it('routes a CloudWatch alarm from EventBridge and from SNS through /local/events', async () => {
    const alarm = await post('/local/events', fixture('cloudwatch/eventbridge-alarm-state-change-alarm.json'));
    expect(alarm.status).toBe(202);
    expect(alarm.body).toMatchObject({ accepted: 1 });
    const sns = await post('/local/events', fixture('cloudwatch/sns-lambda-event-alarm.json'));
    expect(sns.body).toMatchObject({ accepted: 1 });
    await rt.queues.idle();
    expect(slack.received).toHaveLength(2);
    const texts = slack.received.map((r) => JSON.stringify(r.json())).join('\n');
    expect(texts).toContain('checkout-api-5xx-high');
    expect(texts).toContain('orders-queue-depth-high');

    await post('/local/events', fixture('cloudwatch/eventbridge-alarm-state-change-ok.json'));
    await vi.waitFor(() => expect(slack.received).toHaveLength(3), { timeout: 5000, interval: 50 });
    expect(JSON.stringify(slack.received[2]!.json())).toMatch(/RESOLVED/i);
  });

  it('accepts Grafana webhooks and generic JSON alerts', async () => {
    const g = await post('/v1/webhooks/grafana', fixture('grafana/webhook-firing.json'));
    expect(g.status).toBe(202);
    const generic = await post('/v1/alerts', { alerts: [{ labels: { alertname: 'QueueStuck', service: 'billing' }, severity: 'warning', summary: 'jobs are not moving' }] });
    expect(generic.status).toBe(202);
    expect(generic.body).toMatchObject({ accepted: 1 });
    await rt.queues.idle();
    const texts = slack.received.map((r) => JSON.stringify(r.json())).join('\n');
    expect(texts).toContain('HighMemory');
    expect(texts).toContain('jobs are not moving');

    const list = await fetch(`${rt.url}/v1/alerts?status=firing`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const alerts = ((await list.json()) as { alerts: Array<{ labels: Record<string, string> }> }).alerts;
    expect(alerts.map((a) => a.labels.alertname)).toEqual(expect.arrayContaining(['QueueStuck', 'HighMemory', 'HighErrorRate']));
  });

  it('retries a Slack 5xx through queue visibility and delivers once', async () => {
    slack.respond = (_req, i) => (i === 0 ? { status: 503, body: 'upstream' } : { status: 200, body: 'ok' });
    await post('/v1/alerts', { labels: { alertname: 'RetryMe', service: 'x' } });
    await slack.waitFor(2, 20_000);
    await rt.queues.idle();
    expect(slack.received).toHaveLength(2);
    expect(slack.received[0]!.body).toBe(slack.received[1]!.body);
  });

  it('records a permanent Slack failure without retrying', async () => {
    slack.respond = () => ({ status: 404, body: 'channel_not_found' });
    const earlier = new Set((await deliveryRecords()).map((d) => d.notificationId));
    await post('/v1/alerts', { labels: { alertname: 'Nowhere', service: 'x' } });
    await rt.queues.idle();
    // The sender never retries a notification that failed for good. The group does send a new one at
    // its next group_interval (1 s here), as Alertmanager does (only delivered sends enter the log),
    // so a loaded machine may see more than one request: each must be a distinct notification, tried once.
    const failed = (await deliveryRecords()).filter((d) => !earlier.has(d.notificationId) && d.receiver === 'team' && d.status === 'failed');
    expect(slack.received.length).toBeGreaterThanOrEqual(1);
    expect(failed).toHaveLength(slack.received.length);
    for (const d of failed) expect(d.attempts).toHaveLength(1);
    const dlq = rt.queues.stats().find((q) => q.name === 'slack-notifications-dlq');
    expect(dlq?.total).toBe(0);
  });
});

describe('ingest rejects bad input with a 4xx that names the problem', () => {
  it('401 without a valid token, and nothing is queued', async () => {
    const before = rt.queues.calls.send;
    const missing = await post('/v1/alerts', { labels: { alertname: 'X' } }, { authorization: '' });
    expect(missing.status).toBe(401);
    const wrong = await post('/v1/alerts', { labels: { alertname: 'X' } }, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain(TOKEN);
    expect(rt.queues.calls.send).toBe(before);
  });

  it('415 for a wrong content type, 400 for malformed JSON, 413 for a large body', async () => {
    expect((await post('/v1/alerts', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const bad = await post('/v1/alerts', '{"labels": ');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/malformed JSON/);
    const big = await post('/v1/alerts', JSON.stringify({ labels: { alertname: 'X' }, summary: 'x'.repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
  });

  it('400 naming the field for a schema violation', async () => {
    const res = await post('/v1/webhooks/alertmanager', { ...amBody('firing-error-rate-critical'), alerts: [{ status: 'firing' }] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/alerts\[0\]\.labels/);
  });

  it('404 for an unknown route, 405 for a wrong method', async () => {
    expect((await fetch(`${rt.url}/v1/nope`)).status).toBe(404);
    expect((await fetch(`${rt.url}/v1/webhooks/alertmanager`)).status).toBe(405);
  });
});
