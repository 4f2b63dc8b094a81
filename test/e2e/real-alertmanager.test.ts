import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startRuntimeWithConfig } from '../support/runtime';
import { startAlertmanager, type RunningAlertmanager } from '../support/alertmanager';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) posts its webhook, with bearer auth, to the
 * local runtime, and a stand-in for Slack receives alertflow's message.
 */
const TOKEN = 'real-am-token';
let rt: LocalRuntime;
let slack: StandIn;
let am: RunningAlertmanager;

beforeAll(async () => {
  slack = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: team
    slack_configs:
      - webhook_url: ${slack.url}/services/T1/B1/secret
`,
    { token: TOKEN },
  );
  am = await startAlertmanager(`
global:
  resolve_timeout: 1m
route:
  receiver: alertflow
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: alertflow
    webhook_configs:
      - url: ${rt.url}/v1/webhooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${TOKEN}
`);
}, 60_000);

afterAll(async () => {
  await am?.stop();
  await rt?.close();
  await slack?.close();
});

describe('a real Alertmanager posting to the local runtime', () => {
  it('delivers the firing alert to Slack, then its resolve', async () => {
    const labels = { alertname: 'HighErrorRate', service: 'payment-gateway', severity: 'critical', env: 'prod' };
    await am.postAlerts([
      { labels, annotations: { summary: 'Error rate 7.5% above 5%', runbook_url: 'https://runbooks.example.com/high-error-rate' }, generatorURL: 'http://prometheus/graph' },
    ]);
    await slack.waitFor(1, 20_000);
    const firing = JSON.stringify(slack.received[0]!.json());
    expect(firing).toContain('HighErrorRate');
    expect(firing).toContain('Error rate 7.5% above 5%');
    expect(firing).toContain('https://runbooks.example.com/high-error-rate');

    // Resolve: Prometheus sends the alert again with endsAt in the past.
    await am.postAlerts([{ labels, annotations: { summary: 'Error rate 7.5% above 5%' }, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    await slack.waitFor(2, 20_000);
    expect(JSON.stringify(slack.received[1]!.json())).toMatch(/RESOLVED/i);

    const res = await fetch(`${rt.url}/v1/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { alerts: Array<{ id: string; status: string }> };
    // Alertmanager's fingerprint of this label set, kept as alertflow's alert id.
    expect(body.alerts).toEqual([expect.objectContaining({ id: '25464961f2df65e8', status: 'resolved' })]);
  });
});
