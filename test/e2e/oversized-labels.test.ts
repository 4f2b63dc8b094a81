import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * A label value of 100 KB in a group_by label is accepted (the alert is under ingest's 200 KB) and
 * then appears three times in the group's notification (key, group labels, the alert): over SQS's
 * 256 KiB, which the local queues refuse as SQS does. The notification must still go out, not
 * fail its flush until the accepted alert dead-letters: its group goes through the payload store and
 * the webhook gets the values whole, as Alertmanager would send them.
 */
const TOKEN = 'e2e-oversized-token';
let rt: LocalRuntime;
let hook: StandIn;

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
  group_by: [alertname, x]
  group_wait: 0s
  routes:
    - matchers: ['alertname="ManyLabels"']
      group_by: ['...']
receivers:
  - name: team
    webhook_configs:
      - url: ${hook.url}/hook
`,
    { token: TOKEN },
  );
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('an accepted alert with a huge group_by label value', () => {
  it('is notified, its long values whole, and nothing is left on the queues', async () => {
    const x = 'v'.repeat(100_000);
    const res = await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { labels: { alertname: 'HugeLabel', x } });
    expect(res.status).toBe(202);
    const [received] = await hook.waitFor(1, 10_000);
    const body = received!.json() as { alerts: Array<{ labels: Record<string, string> }> };
    expect(body.alerts[0]!.labels.alertname).toBe('HugeLabel');
    expect(body.alerts[0]!.labels.x).toBe(x);
    await rt.queues.idle();
    expect(rt.queues.stats().filter((q) => q.total > 0)).toEqual([]);
  });

  // 6,000 short labels (about 185 KB, under ingest's 200 KB an alert), grouped by `...`: the
  // group's labels are a second copy, and the notification's message could not be made to fit.
  it('with thousands of labels, grouped by all of them, is notified with every label', async () => {
    const labels = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`l${String(i).padStart(4, '0')}`, 'v'.repeat(20)]));
    const res = await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { labels: { alertname: 'ManyLabels', ...labels } });
    expect(res.status).toBe(202);
    const received = await hook.waitFor(2, 10_000);
    const body = received.at(-1)!.json() as { alerts: Array<{ labels: Record<string, string> }> };
    expect(body.alerts[0]!.labels).toEqual({ alertname: 'ManyLabels', ...labels });
    await rt.queues.idle();
    expect(rt.queues.stats().filter((q) => q.total > 0)).toEqual([]);
  });
});
