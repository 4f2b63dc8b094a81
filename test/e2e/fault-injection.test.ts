import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type Received, type StandIn } from '../support/stand-in';

/**
 * Delivery under failing endpoints, through the local runtime: the first attempts fail with 500,
 * 429 + Retry-After and a timeout; every notification must end delivered exactly once. An endpoint
 * that always fails ends in the DLQ and is delivered once after it is fixed and the DLQ redriven.
 */
const TOKEN = 'fault-token';
const ROOT = join(__dirname, '../..');
let rt: LocalRuntime;
let hook: StandIn;

/** The fault each alert's first attempt meets, by alertname. */
const FIRST_ATTEMPT_FAULT: Record<string, 'http500' | 'http429' | 'timeout' | 'none'> = {
  Flaky500: 'http500',
  Flaky429: 'http429',
  FlakyTimeout: 'timeout',
  Fine: 'none',
};
let brokenFixed = false;
const attempts = new Map<string, number>();
const successes = new Map<string, number>();

const keyOf = (r: Received) => String(r.headers['idempotency-key']);
const alertnameOf = (r: Received) => (r.json() as { group: { labels: Record<string, string> } }).group.labels.alertname ?? '';

beforeAll(async () => {
  hook = await startStandIn();
  hook.respond = (req) => {
    const key = keyOf(req);
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    const name = alertnameOf(req);
    let out: { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } = { status: 200, body: 'ok' };
    if (name === 'Broken' && !brokenFixed) out = { status: 500, body: 'still broken' };
    else if (n === 1 && FIRST_ATTEMPT_FAULT[name] === 'http500') out = { status: 500, body: 'boom' };
    else if (n === 1 && FIRST_ATTEMPT_FAULT[name] === 'http429') out = { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' };
    // Answers too late for the sender's 1 s timeout, and not with a success: the sender must retry.
    else if (n === 1 && FIRST_ATTEMPT_FAULT[name] === 'timeout') out = { status: 503, delayMs: 1_500 };
    if (out.status >= 200 && out.status < 300) successes.set(key, (successes.get(key) ?? 0) + 1);
    return out;
  };
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: flaky
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['alertname="Broken"']
      receiver: broken
receivers:
  - name: flaky
    webhook_configs:
      - { url: '${hook.url}/flaky', timeout: 1s }
  - name: broken
    webhook_configs:
      - { url: '${hook.url}/broken', timeout: 1s }
`,
    { token: TOKEN, retryBaseMs: 20 },
  );
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

const api = (method: string, path: string, body?: unknown) => apiRequest(rt.url, TOKEN, method, path, body);

const dlqDepth = () => rt.queues.stats().find((q) => q.name === 'webhook-notifications-dlq')!.total;

describe('fault injection', () => {
  it('delivers every notification exactly once despite 500, 429 + Retry-After and a timeout', async () => {
    const names = Object.keys(FIRST_ATTEMPT_FAULT);
    const res = await api('POST', '/v1/alerts', { alerts: names.map((name) => ({ name, summary: `${name} happened` })) });
    expect(res.status).toBe(202);
    await rt.queues.idle();

    const keys = [...attempts.keys()].filter((k) => hook.received.some((r) => keyOf(r) === k && alertnameOf(r) !== 'Broken'));
    const report = {
      sent: keys.length,
      delivered: keys.filter((k) => successes.get(k) === 1).length,
      duplicated: keys.filter((k) => (successes.get(k) ?? 0) > 1).length,
      deadLettered: dlqDepth(),
    };
    console.log('fault injection:', JSON.stringify(report));
    expect(report).toEqual({ sent: 4, delivered: 4, duplicated: 0, deadLettered: 0 });
    // Each faulty first attempt was retried once; the clean one was posted once.
    const attemptsByName = Object.fromEntries(keys.map((k) => [alertnameOf(hook.received.find((r) => keyOf(r) === k)!), attempts.get(k)]));
    expect(attemptsByName).toEqual({ Flaky500: 2, Flaky429: 2, FlakyTimeout: 2, Fine: 1 });
  });

  it('dead-letters a permanently failing endpoint and delivers once after the fix and a redrive', async () => {
    await api('POST', '/v1/alerts', { name: 'Broken', summary: 'the endpoint is down' });
    await rt.queues.idle();
    expect(dlqDepth()).toBe(1);
    const brokenKey = [...attempts.keys()].find((k) => alertnameOf(hook.received.find((r) => keyOf(r) === k)!) === 'Broken')!;
    expect(attempts.get(brokenKey)).toBe(8);
    expect(successes.get(brokenKey)).toBeUndefined();

    brokenFixed = true;
    const redrive = await api('POST', '/v1/redrive?channel=webhook');
    expect(redrive).toEqual({ status: 200, body: { moved: { webhook: 1 }, approximate: false } });
    await rt.queues.idle();
    expect(successes.get(brokenKey)).toBe(1);
    expect(dlqDepth()).toBe(0);

    // A second redrive finds nothing, and nothing already delivered is posted again.
    const again = await api('POST', '/v1/redrive');
    expect(again.body).toEqual({ moved: { webhook: 0 }, approximate: false });
    expect([...successes.values()].every((n) => n === 1)).toBe(true);
  });

  it('tests a receiver through the real path and reports per channel', async () => {
    const res = await api('POST', '/v1/channels/flaky/test');
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      expect.objectContaining({ channel: 'webhook[0]', status: 'delivered', attempts: 1, target: expect.stringMatching(/^webhook:127\.0\.0\.1:/) }),
    ]);
    const posted = hook.received.at(-1)!.json() as { alerts: Array<{ labels: Record<string, string> }> };
    expect(posted.alerts[0]!.labels).toMatchObject({ alertname: 'AlertflowTestNotification', alertflow_test: 'true' });
    expect((await api('POST', '/v1/channels/nobody/test')).status).toBe(404);
  });

  it('does the same from the CLI: npm run alertflow -- test-receiver / redrive', async () => {
    const env = { ...process.env, ALERTFLOW_URL: rt.url, ALERTFLOW_TOKEN: TOKEN };
    const test = await run(['test-receiver', 'flaky'], env);
    expect(test).toMatchObject({ code: 0 });
    expect(test.stdout).toMatch(/^ok\s+webhook\[0\]\s+delivered/m);
    const redrive = await run(['redrive', 'webhook'], env);
    expect(redrive).toMatchObject({ code: 0 });
    expect(redrive.stdout).toMatch(/webhook\s+0 moved back to its queue/);
    const missing = await run(['test-receiver', 'nobody'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404: no receiver named "nobody"/);
  });
});

/** The CLI as a user runs it (asynchronously: the runtime answering it lives in this process). */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin/cli.ts'), ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
