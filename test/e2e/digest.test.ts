import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDigestAt } from '../../shared/digest/schedule';
import type { DigestSummary } from '../../shared/queues/messages';
import { digestHtml, digestLines, digestSlackBlocks, digestTitle } from '../../shared/channels/digest';
import { sendDigest, type DigestDeps } from '../../shared/digest/service';
import type { LocalRuntime, LocalStore } from '../../shared/local/runtime';
import type { OutboxEntry } from '../../shared/local/outbox';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitFor } from '../support/wait';

/**
 * The daily digest in the local runtime: alerts fire and resolve through POST /v1/alerts (some
 * from "checks", by their `check` label), one incident starts and is acknowledged, one receiver's
 * webhook answers 500 until its notification is dead-lettered. POST /v1/digest/preview then shows
 * exactly that and sends nothing; sending it as the schedule does (sendDigest with the runtime's
 * ports, at the same time) posts the digest to the receiver's Slack, email and webhook entries
 * once, however often it is sent for that time. On both local stores: SQLite, and the DynamoDB
 * adapter against dynalite (what runs on AWS: the history by day, the listing index).
 *
 * The schedule is daily at the hour twelve hours from now (UTC): everything this test does falls
 * in the window the next send closes, far from its edges, and the runtime's own digest timer never
 * fires while the test runs.
 */
const ADMIN = 'digest-admin-token';
const READ_ONLY = 'digest-read-token';
const INGEST_ONLY = 'digest-ingest-token';
const DIGEST_HOUR = (new Date().getUTCHours() + 12) % 24;
const CRON = `0 ${DIGEST_HOUR} * * *`;

/** The digest to `team` (Slack, webhook, email), which no route uses; alerts go to `ops`, `down` always answers 500. */
const config = (slackUrl: string, hookUrl: string) => `
auth:
  tokens:
    - { name: admin, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest, read, manage] }
    - { name: viewer, secret: { env: READ_TOKEN }, scopes: [read] }
    - { name: sender, secret: { env: INGEST_TOKEN }, scopes: [ingest] }
digest: { receiver: team, cron: '${CRON}', timezone: UTC }
escalation_policies:
  - name: critical
    steps:
      - notify: [ops]
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['rx="down"']
      receiver: down
      group_interval: 1h
    - matchers: ['severity="critical"']
      escalation_policy: critical
receivers:
  - name: team
    slack_configs: [{ webhook_url: '${slackUrl}/services/T/B/digest' }]
    webhook_configs: [{ url: '${hookUrl}/team' }]
    email_configs: [{ from: alerts@example.com, to: [team@example.com] }]
  - name: ops
    webhook_configs: [{ url: '${hookUrl}/ops', send_resolved: true }]
  - name: down
    webhook_configs: [{ url: '${hookUrl}/down' }]
`;

let rt: LocalRuntime;
let slack: StandIn;
let hook: StandIn;

/** Poll `probe` until `ok` holds for what it returned; the timeout error shows the last value seen. */
const until = <T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> => waitFor(what, probe, ok, { timeoutMs });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(alerts: Array<{ labels: Record<string, string>; status?: 'resolved' }>): Promise<void> {
  const res = await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', { alerts });
  expect(res.status).toBe(202);
}

async function outbox(): Promise<OutboxEntry[]> {
  const res = await apiRequest<{ messages: OutboxEntry[] }>(rt.url, ADMIN, 'GET', '/local/outbox');
  expect(res.status).toBe(200);
  return res.body.messages;
}

const posted = (path: string) => hook.received.filter((r) => r.path === path);

interface Preview {
  receiver: string | null;
  cron: string;
  timezone: string;
  channels: string[];
  digest: DigestSummary;
  rendered: { title: string; text: string; slack: { blocks: unknown[] }; email: { subject: string; html: string } };
}

const preview = (body?: unknown, token = READ_ONLY) => apiRequest<Preview & { error?: string; message?: string; details?: Array<{ path: string }> }>(rt.url, token, 'POST', '/v1/digest/preview', body);

describe.each(['sqlite', 'dynalite'] as const)('daily digest (local runtime, %s store)', (store: LocalStore) => {
  beforeAll(async () => {
    slack = await startStandIn();
    hook = await startStandIn();
    hook.respond = (req) => (req.path === '/down' ? { status: 500, body: 'down' } : { status: 200, body: 'ok' });
    rt = await startRuntimeWithConfig(
      config(slack.url, hook.url),
      { token: ADMIN, env: { READ_TOKEN: READ_ONLY, INGEST_TOKEN: INGEST_ONLY }, retryBaseMs: 20, retryJitter: () => 0, store },
    );
  });

  afterAll(async () => {
    await rt?.close();
    await slack?.close();
    await hook?.close();
  });

  /** When the schedule next sends (the end of the window), and a send a second after it. */
  let due: Date;
  let at: Date;
  beforeAll(async () => {
    due = await nextDigestAt({ cron: CRON, timezone: 'UTC' }, new Date());
    at = new Date(due.getTime() + 1_000);
  });
  let shown: Preview;
  let tta: number;

  it('previews exactly what happened in the window, rendered per channel, and sends nothing', async () => {
    // The failing receiver first: its retries run while the rest happens.
    await post([{ labels: { alertname: 'PaymentsDown', rx: 'down' } }]);
    await post([
      { labels: { alertname: 'DiskFull', host: 'a' } },
      { labels: { alertname: 'DiskFull', host: 'b' } },
      { labels: { alertname: 'DiskFull', host: 'c' } },
      { labels: { alertname: 'CpuHigh', check: 'cpu-high', host: 'a' } },
      { labels: { alertname: 'ErrorRate', check: 'api-errors', service: 'x' } },
      { labels: { alertname: 'ErrorRate', check: 'api-errors', service: 'y' } },
      { labels: { alertname: 'DbDown', severity: 'critical' } },
    ]);
    // The four groups of `ops` notified; DbDown's incident started.
    await until(
      'the firing notifications to ops',
      () => new Set(posted('/ops').map((r) => (r.json() as { group: { labels: { alertname: string } } }).group.labels.alertname)),
      (names) => names.size === 4,
    );
    const incidents = await until(
      'the incident',
      async () => (await apiRequest<{ incidents: Array<{ id: string; state: string }> }>(rt.url, READ_ONLY, 'GET', '/v1/incidents')).body.incidents,
      (list) => list.length === 1,
    );
    const ack = await apiRequest(rt.url, ADMIN, 'POST', `/v1/incidents/${incidents[0]!.id}/ack`);
    expect(ack.status).toBe(200);
    const incident = (await apiRequest<{ started_at: string; acknowledged_at: string; state: string }>(rt.url, READ_ONLY, 'GET', `/v1/incidents/${incidents[0]!.id}`)).body;
    expect(incident.state).toBe('acknowledged');
    tta = Math.round((Date.parse(incident.acknowledged_at) - Date.parse(incident.started_at)) / 1000);

    await post([
      { labels: { alertname: 'DiskFull', host: 'a' }, status: 'resolved' },
      { labels: { alertname: 'DiskFull', host: 'b' }, status: 'resolved' },
      { labels: { alertname: 'CpuHigh', check: 'cpu-high', host: 'a' }, status: 'resolved' },
      { labels: { alertname: 'ErrorRate', check: 'api-errors', service: 'x' }, status: 'resolved' },
    ]);
    // Each resolve is in the history once its flush dropped it from its group.
    await until('the four resolves in the history', async () => (await apiRequest<{ alerts: unknown[] }>(rt.url, READ_ONLY, 'GET', '/v1/history')).body.alerts.length, (n) => n === 4);
    // The failing receiver's notification ran out of retries (dead-lettered): failed.
    await until(
      "the down receiver's notification to fail",
      async () =>
        (await apiRequest<{ groups: Array<{ receiver: string; notifications: Array<{ channel: string; status: string }> }> }>(rt.url, READ_ONLY, 'GET', '/v1/groups')).body.groups.find((g) => g.receiver === 'down')
          ?.notifications,
      (ns) => ns?.[0]?.status === 'failed',
      25_000,
    );

    const res = await preview({ at: at.toISOString() });
    expect(res.status).toBe(200);
    shown = res.body;
    expect(shown).toMatchObject({ receiver: 'team', cron: CRON, timezone: 'UTC', channels: ['slack[0]', 'webhook[0]', 'email[0]'] });
    expect(shown.digest).toEqual({
      from: new Date(due.getTime() - 86_400_000).toISOString(),
      to: due.toISOString(),
      timezone: 'UTC',
      alerts: { fired: 8, resolved: 4, firing: 4 },
      incidents: {
        started: 1,
        acknowledged: 1,
        resolved: 0,
        time_to_acknowledge: { median_s: tta, p90_s: tta, count: 1 },
        time_to_resolve: { median_s: null, p90_s: null, count: 0 },
      },
      noisiest: [
        { alertname: 'DiskFull', count: 3 },
        { alertname: 'ErrorRate', count: 2 },
        { alertname: 'CpuHigh', count: 1 },
        { alertname: 'DbDown', count: 1 },
        { alertname: 'PaymentsDown', count: 1 },
      ],
      checks: [
        { name: 'api-errors', count: 2 },
        { name: 'cpu-high', count: 1 },
      ],
      failed_deliveries: [{ receiver: 'down', channel: 'webhook[0]', groups: 1 }],
      omitted: { checks: 0, failed_deliveries: 0 },
      partial: false,
    });
    expect(shown.rendered).toEqual({
      title: 'alertflow daily digest: 8 fired, 4 resolved, 1 incidents',
      text: digestLines(shown.digest).join('\n'),
      slack: { blocks: digestSlackBlocks(shown.digest) },
      email: { subject: digestTitle(shown.digest), html: digestHtml(shown.digest) },
    });
    expect(shown.rendered.slack.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'alertflow daily digest', emoji: true } });
    expect(shown.rendered.text).toContain('Alerts: 8 fired, 4 resolved, 4 of those fired still firing.');
    expect(shown.rendered.text).toContain('Noisiest: DiskFull (3), ErrorRate (2), CpuHigh (1), DbDown (1), PaymentsDown (1).');
    expect(shown.rendered.text).toContain('Checks breached: api-errors (2), cpu-high (1).');
    expect(shown.rendered.text).toContain('Failing deliveries: down webhook[0] (1 groups).');
    expect(shown.rendered.email.html).toContain('<tr><td style="padding:2px 12px 2px 0">Alerts fired</td><td style="padding:2px 0"><b>8</b></td></tr>');

    // The admin token (read among its scopes) previews the same.
    const asAdmin = await preview({ at: at.toISOString() }, ADMIN);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.digest).toEqual(shown.digest);
    // Nothing was sent: no Slack post, no email, no post to the team's webhook.
    await sleep(500);
    expect(slack.received).toEqual([]);
    expect(posted('/team')).toEqual([]);
    expect((await outbox()).filter((m) => m.channel === 'email')).toEqual([]);
    // Most of it is the failing receiver's retries (about 8 s); the margin is for a loaded machine.
  }, 45_000);

  it('previews the window that ended at the last scheduled time when no time is given', async () => {
    // No body, or no `at`: now; the window ended at the last scheduled time, before all of the above.
    for (const body of [undefined, {}]) {
      const res = await preview(body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body.digest).toMatchObject({
        from: new Date(due.getTime() - 2 * 86_400_000).toISOString(),
        to: new Date(due.getTime() - 86_400_000).toISOString(),
        alerts: { fired: 0, resolved: 0, firing: 0 },
        incidents: { started: 0, acknowledged: 0, resolved: 0 },
        noisiest: [],
        checks: [],
        // Failing deliveries are as the groups stand now, whatever the window.
        failed_deliveries: [{ receiver: 'down', channel: 'webhook[0]', groups: 1 }],
      });
    }
  });

  it('sends it as the schedule does: to Slack as blocks, by email as HTML, to the webhook as an alert; once per time', async () => {
    expect(shown).toBeDefined();
    const { ports } = rt;
    const deps: DigestDeps = {
      config: ports.config,
      history: ports.stores.history,
      groups: ports.stores.groups,
      deliveries: ports.stores.deliveries,
      incidents: ports.stores.incidents,
      queues: ports.queues,
      clock: ports.clock,
      log: ports.log,
    };
    const result = await sendDigest(deps, at);
    expect(result.sent).toBe(3);
    expect(result.summary).toEqual(shown.digest);

    const [post] = await slack.waitFor(1);
    expect(post!.path).toBe('/services/T/B/digest');
    expect(post!.json()).toEqual({ text: shown.rendered.title, blocks: shown.rendered.slack.blocks, attachments: [] });
    const emails = await until('the digest email', async () => (await outbox()).filter((m) => m.channel === 'email'), (m) => m.length === 1);
    expect(emails[0]).toEqual({
      channel: 'email',
      at: expect.any(String),
      recipients: ['team@example.com'],
      subject: shown.rendered.email.subject,
      body: shown.rendered.text,
      html: shown.rendered.email.html,
    });
    const [webhook] = await until('the digest webhook', () => posted('/team'), (r) => r.length === 1);
    const body = webhook!.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      version: '1',
      id: `digest.${due.toISOString()}.webhook.0`,
      receiver: 'team',
      status: 'firing',
      group: { key: '{}:{alertname="AlertflowDailyDigest"}', labels: { alertname: 'AlertflowDailyDigest' } },
      truncated_alerts: 0,
      incident: null,
    });
    expect(body.alerts).toEqual([
      {
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        status: 'firing',
        labels: { alertname: 'AlertflowDailyDigest', severity: 'info' },
        annotations: { description: shown.rendered.text, summary: shown.rendered.title },
        starts_at: due.toISOString(),
        ends_at: due.toISOString(),
        generator_url: null,
      },
    ]);

    // The schedule retried for the same time: the same notifications, which the senders post once.
    const again = await sendDigest(deps, at);
    expect(again.sent).toBe(3);
    await rt.queues.idle();
    await sleep(1_000);
    expect(slack.received).toHaveLength(1);
    expect(posted('/team')).toHaveLength(1);
    expect((await outbox()).filter((m) => m.channel === 'email')).toHaveLength(1);
    // The alert traffic did not reach the digest receiver at any point.
    expect(hook.received.filter((r) => r.path === '/team').map((r) => (r.json() as { group: { labels: Record<string, string> } }).group.labels.alertname)).toEqual(['AlertflowDailyDigest']);
  });

  it('refuses a bad body with 400 naming what is wrong, and asks for a read token', async () => {
    const bad = async (body: unknown, path: string | undefined, message: RegExp) => {
      const res = await preview(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(message) });
      if (path !== undefined) expect(res.body.details?.map((d) => d.path)).toEqual([path]);
    };
    await bad({ at: 'yesterday' }, 'at', /^at must be an RFC 3339 time/);
    await bad({ at: '2026-12-07' }, 'at', /^at must be an RFC 3339 time/);
    await bad({ at: 1_765_097_600_000 }, 'at', /^at must be an RFC 3339 time/);
    await bad({ x: 1 }, 'x', /^unknown key "x"/);
    await bad({ at: at.toISOString(), x: 1 }, 'x', /^unknown key "x"/);
    await bad([at.toISOString()], '(root)', /^the body must be a JSON object/);
    await bad('"2026-12-07T09:00:00Z"', '(root)', /^the body must be a JSON object/);
    await bad('{"at":', undefined, /^malformed JSON/);
    // Over the body limit.
    expect((await preview({ at: at.toISOString(), pad: 'x'.repeat(2_000) })).status).toBe(413);

    expect((await preview({ at: at.toISOString() }, INGEST_ONLY)).status).toBe(403);
    expect((await preview({ at: at.toISOString() }, 'wrong-token')).status).toBe(401);
    const anonymous = await fetch(`${rt.url}/v1/digest/preview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: at.toISOString() }) });
    expect(anonymous.status).toBe(401);
    // Still nothing more was sent.
    expect(slack.received).toHaveLength(1);
  });
});
