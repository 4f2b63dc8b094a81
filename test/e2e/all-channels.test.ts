import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/** Every channel type from config, in the local runtime: HTTP ones to stand-ins, email and SMS to the outbox. */
const EXTERNAL_URL = 'https://alertflow.example.com';
let rt: LocalRuntime;
let endpoint: StandIn;

beforeAll(async () => {
  endpoint = await startStandIn();
  endpoint.respond = (req) => (req.path === '/pd/v2/enqueue' ? { status: 202, body: '{"status":"success"}' } : { status: 200, body: 'ok' });
  rt = await startRuntimeWithConfig(
    `
# alertflow serves no page here (it has no UI): no notification may link to it.
external_url: ${EXTERNAL_URL}
auth: { bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }] }
route: { receiver: everyone, group_by: [alertname], group_wait: 0s, group_interval: 1s }
receivers:
  - name: everyone
    slack_configs: [{ webhook_url: '${endpoint.url}/slack/T/B/x' }]
    webhook_configs: [{ url: '${endpoint.url}/hook' }]
    pagerduty_configs: [{ routing_key: { env: PD_KEY }, events_url: '${endpoint.url}/pd/v2/enqueue' }]
    teams_configs: [{ webhook_url: '${endpoint.url}/teams' }]
    email_configs: [{ from: alerts@example.com, to: [oncall@example.com], subject: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}' }]
    sms_configs: [{ to: ['+15551234567'] }]
`,
    { token: 'all', env: { PD_KEY: 'pd-routing-key-0123456789' } },
  );
});
afterAll(async () => {
  await rt?.close();
  await endpoint?.close();
});

describe('all channels from config', () => {
  it('delivers one firing alert to Slack, webhook, PagerDuty, Teams, email and SMS', async () => {
    const res = await fetch(`${rt.url}/v1/alerts`, {
      method: 'POST',
      headers: { authorization: 'Bearer all', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'PaymentsDown', severity: 'critical', summary: 'payments <b>down</b>' }),
    });
    expect(res.status).toBe(202);
    await endpoint.waitFor(4);
    await rt.queues.idle();

    const byPath = Object.fromEntries(endpoint.received.map((r) => [r.path.split('/')[1], r.json() as Record<string, unknown>]));
    expect(Object.keys(byPath).sort()).toEqual(['hook', 'pd', 'slack', 'teams']);
    expect(byPath.pd).toMatchObject({ routing_key: 'pd-routing-key-0123456789', event_action: 'trigger', payload: { severity: 'critical' } });
    expect(JSON.stringify(byPath.teams)).toContain('application/vnd.microsoft.card.adaptive');

    const outbox = (await (await fetch(`${rt.url}/local/outbox`, { headers: { authorization: 'Bearer all' } })).json()) as { messages: Array<Record<string, unknown>> };
    const email = outbox.messages.find((m) => m.channel === 'email')!;
    const sms = outbox.messages.find((m) => m.channel === 'sms')!;
    expect(email).toMatchObject({ recipients: ['oncall@example.com'], subject: '[FIRING] PaymentsDown' });
    expect(email.html).toContain('payments &lt;b&gt;down&lt;/b&gt;');
    expect(sms).toMatchObject({ recipients: ['+15551234567'] });
    expect(String(sms.body)).toContain('PaymentsDown');
  });

  it("links an Alertmanager alert to its own sources, and to its group's page on alertflow's dashboard (external_url/ui), nothing else of alertflow's", async () => {
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/alertmanager/firing-error-rate-critical.json'), 'utf8')) as { body: unknown };
    const before = endpoint.received.length;
    const outboxBefore = ((await (await fetch(`${rt.url}/local/outbox`, { headers: { authorization: 'Bearer all' } })).json()) as { messages: unknown[] }).messages.length;
    const res = await fetch(`${rt.url}/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer all', 'content-type': 'application/json' },
      body: JSON.stringify(fixture.body),
    });
    expect(res.status).toBe(202);
    await endpoint.waitFor(before + 4);
    await rt.queues.idle();

    const byPath = Object.fromEntries(endpoint.received.slice(before).map((r) => [r.path.split('/')[1], r.body]));
    const outbox = ((await (await fetch(`${rt.url}/local/outbox`, { headers: { authorization: 'Bearer all' } })).json()) as { messages: Array<Record<string, unknown>> }).messages.slice(outboxBefore);
    const email = outbox.find((m) => m.channel === 'email')!;
    const sms = outbox.find((m) => m.channel === 'sms')!;
    const runbook = 'https://runbooks.example.com/high-error-rate';
    const shown = { slack: byPath.slack!, teams: byPath.teams!, emailHtml: String(email.html), emailText: String(email.body), sms: String(sms.body) };
    // The dashboard's page for the group: the one alertflow address a message links to (SMS has room for one link: the runbook).
    const dashboard = `${EXTERNAL_URL}/ui#/alerts?filter=${encodeURIComponent('alertname="HighErrorRate"')}`;
    for (const [channel, text] of Object.entries(shown)) {
      const ours = text.split(EXTERNAL_URL).length - 1;
      const dashboardLinks = text.split(dashboard).length - 1;
      // alertflow's address appears only as that page, in every channel but SMS.
      expect(ours, channel).toBe(dashboardLinks);
      expect(dashboardLinks > 0, channel).toBe(channel !== 'sms');
      expect(text, channel).toContain(runbook);
    }
    // The source (Prometheus' graph) and the sending Alertmanager, where there is room for them.
    for (const text of [shown.slack, shown.teams, shown.emailText]) {
      expect(text).toContain('http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5');
      expect(text).toContain('http://vm:9093/');
    }
    // SMS: one link, the runbook first.
    expect(shown.sms).toMatch(new RegExp(`${runbook}$`));
    const pd = JSON.parse(byPath.pd!) as { client_url?: string; links?: Array<{ href: string }> };
    expect(pd.client_url).toBe('http://vm:9093/');
    expect(pd.links?.map((l) => l.href)).toContain(runbook);
    expect(pd.links?.map((l) => l.href)).toContain(dashboard);
  });

  it('test-receiver resolves the PagerDuty incident its test trigger opened, and says both were sent', async () => {
    const before = endpoint.received.length;
    const res = await fetch(`${rt.url}/v1/channels/everyone/test`, { method: 'POST', headers: { authorization: 'Bearer all' } });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ channel: string; status: string; resolve?: { status: string; notificationId: string } }> };
    const pd = results.find((r) => r.channel === 'pagerduty[0]')!;
    expect(pd).toMatchObject({ status: 'delivered', resolve: { status: 'delivered', notificationId: expect.stringMatching(/\.resolve$/) } });
    // Only PagerDuty opens something that stays open.
    for (const r of results.filter((x) => x.channel !== 'pagerduty[0]')) expect(r).not.toHaveProperty('resolve');

    const events = endpoint.received
      .slice(before)
      .filter((r) => r.path === '/pd/v2/enqueue')
      .map((r) => r.json() as { event_action: string; dedup_key: string });
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(events[1]!.dedup_key).toBe(events[0]!.dedup_key);
  });
});
