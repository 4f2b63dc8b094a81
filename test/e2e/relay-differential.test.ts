import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startAlertmanager, type RunningAlertmanager } from '../support/alertmanager';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitFor } from '../support/wait';

/**
 * Differential test (issue 14): alertflow behind a real Alertmanager 0.25, relaying its webhooks in
 * `format: alertmanager`. What a consumer gets from alertflow is what it got from Alertmanager
 * directly: the same alerts, the same fingerprints, and Alertmanager's externalURL (its UI holds
 * their silences), not alertflow's own `external_url`. And the fingerprint Alertmanager gave an
 * alert finds it in alertflow's API.
 */
const TOKEN = 'relay-differential-token';
let hook: StandIn;
let rt: LocalRuntime;
let am: RunningAlertmanager;

interface Body {
  externalURL: string;
  groupLabels: Record<string, string>;
  alerts: Array<{ status: string; labels: Record<string, string>; fingerprint: string }>;
}

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `external_url: https://alertflow.example.com
auth: { bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }] }
route: { receiver: relay, group_by: [alertname], group_wait: 0s }
receivers:
  - name: relay
    webhook_configs: [{ url: '${hook.url}/via-alertflow', format: alertmanager }]
`,
    { token: TOKEN },
  );
  am = await startAlertmanager(`
route: { receiver: both, group_by: [alertname], group_wait: 1s, group_interval: 1m }
receivers:
  - name: both
    webhook_configs:
      - url: '${hook.url}/direct'
      - url: '${rt.url}/v1/webhooks/alertmanager'
        http_config: { authorization: { credentials: ${TOKEN} } }
`);
}, 30_000);

afterAll(async () => {
  await am?.stop();
  await rt?.close();
  await hook?.close();
});

describe('alertflow relaying a real Alertmanager', () => {
  it("passes on Alertmanager's externalURL and alerts, and finds an alert by Alertmanager's fingerprint", async () => {
    await am.postAlerts([
      { labels: { alertname: 'Relayed', instance: 'a' }, annotations: { summary: 'one' } },
      { labels: { alertname: 'Relayed', instance: 'b' }, annotations: { summary: 'two' } },
    ]);
    const received = await waitFor(
      'both webhooks',
      () => hook.received,
      (r) => r.some((x) => x.path === '/direct') && r.some((x) => x.path === '/via-alertflow'),
      { timeoutMs: 20_000 },
    );
    const direct = received.find((x) => x.path === '/direct')!.json() as Body;
    const relayed = received.find((x) => x.path === '/via-alertflow')!.json() as Body;
    expect(direct.externalURL).toMatch(/^http:\/\//);
    expect(relayed.externalURL).toBe(direct.externalURL);
    expect(relayed.groupLabels).toEqual(direct.groupLabels);
    const shape = (b: Body) => b.alerts.map((a) => [a.fingerprint, a.status, a.labels.instance]).sort();
    expect(shape(relayed)).toEqual(shape(direct));
    expect(direct.alerts).toHaveLength(2);

    const byTheirs = await apiRequest<{ id: string; labels: Record<string, string> }>(rt.url, TOKEN, 'GET', `/v1/alerts/${direct.alerts[0]!.fingerprint}`);
    expect(byTheirs.status).toBe(200);
    expect(byTheirs.body.labels).toEqual(direct.alerts[0]!.labels);
  }, 40_000);
});
