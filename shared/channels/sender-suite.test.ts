/**
 * The suite every channel sender must pass (after Alertmanager's shared notifier retry tests):
 * the retry table, Retry-After, transport failures, no secret in anything a sender returns, and a
 * huge group rendering within the channel's limits.
 */
import { describe, expect, it } from 'vitest';
import { SlackConfig, WebhookConfig } from '../config/schema';
import type { NotificationMessage } from '../queues/messages';
import type { ChannelSender, DeliveryResult, RenderedRequest } from './channel';
import { HttpNetworkError, HttpTimeoutError } from './http';
import { backoffMs } from './outcome';
import { PagerDutyConfig } from './pagerduty/config';
import { PAGERDUTY_LIMITS, type PagerDutyEvent } from './pagerduty/render';
import { pagerdutySender } from './pagerduty/sender';
import { SLACK_LIMITS, type SlackBlock, type SlackPayload } from './slack/render';
import { slackSender } from './slack/sender';
import { TeamsConfig } from './teams/config';
import { TEAMS_LIMITS, type CardElement, type TeamsMessage } from './teams/render';
import { teamsSender } from './teams/sender';
import { context, fakeHttp, hugeAlerts, notification, NOW } from './testing';
import { webhookSender } from './webhook/sender';

interface ChannelCase {
  name: string;
  sender: ChannelSender<never>;
  config: unknown;
  secrets: Record<string, string>;
  /** Values that must never appear in an outcome, a target or an error. */
  secretValues: string[];
  /** The credentials alone: not even their first characters may appear. */
  credentials: string[];
  target: string;
  url: string;
  checkHuge(rendered: RenderedRequest, n: NotificationMessage): void;
}

const SLACK_URL = 'https://hooks.slack.com/services/T0000SECRET/B0000SECRET/SlackTokenAbcdef123456';
const HOOK_URL = 'https://example.com/alerts/ingest?token=QueryTokenXyz987654';
const HMAC_KEY = 'hmac-key-ABCDEF1234567890';
const HEADER_SECRET = 'Bearer header-secret-7777777';
const PD_ROUTING_KEY = 'R0UT1NGKEYsecret0123456789abcdef';
const TEAMS_SIG = 'TeamsSigSecretAbc123xyz789QWERTY';
const TEAMS_URL = `https://prod-00.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEAMS_SIG}`;

const channels: ChannelCase[] = [
  {
    name: 'slack',
    sender: slackSender as ChannelSender<never>,
    config: SlackConfig.parse({ webhook_url: { env: 'SLACK_URL' } }),
    secrets: { SLACK_URL },
    secretValues: [SLACK_URL, 'SlackTokenAbcdef123456', '/services/T0000SECRET/B0000SECRET/SlackTokenAbcdef123456'],
    credentials: ['SlackTokenAbcdef123456'],
    target: 'slack:hooks.slack.com',
    url: SLACK_URL,
    checkHuge(rendered) {
      const payload = JSON.parse(rendered.body) as SlackPayload;
      const blocks: SlackBlock[] = [...payload.blocks, ...payload.attachments.flatMap((a) => a.blocks)];
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      for (const b of blocks) {
        if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
        if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        if (b.type === 'context') for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
      }
      expect(payload.text.length).toBeLessThanOrEqual(300);
      expect(rendered.body.length).toBeLessThan(40_000);
      expect(rendered.body).toContain('480 more alerts not shown');
      expect(rendered.body).toContain('25 more alerts left out');
    },
  },
  {
    name: 'webhook',
    sender: webhookSender as ChannelSender<never>,
    config: WebhookConfig.parse({
      url: { env: 'HOOK_URL' },
      hmac_secret: { env: 'HOOK_KEY' },
      headers: { Authorization: HEADER_SECRET },
    }),
    secrets: { HOOK_URL, HOOK_KEY: HMAC_KEY },
    secretValues: [HOOK_URL, 'QueryTokenXyz987654', HMAC_KEY, HEADER_SECRET],
    credentials: ['QueryTokenXyz987654', HMAC_KEY, HEADER_SECRET.replace(/^Bearer /, '')],
    target: 'webhook:example.com',
    url: HOOK_URL,
    checkHuge(rendered, n) {
      // A webhook takes the whole group (the queue message already bounds its size); it must stay valid JSON.
      const body = JSON.parse(rendered.body) as { alerts: unknown[]; truncated_alerts: number };
      expect(body.alerts).toHaveLength(n.group.alerts.length);
      expect(body.truncated_alerts).toBe(25);
    },
  },
  {
    name: 'pagerduty',
    sender: pagerdutySender as ChannelSender<never>,
    config: PagerDutyConfig.parse({ routing_key: { env: 'PD_KEY' } }),
    secrets: { PD_KEY: PD_ROUTING_KEY },
    secretValues: [PD_ROUTING_KEY],
    credentials: [PD_ROUTING_KEY],
    target: 'pagerduty:events.pagerduty.com',
    url: 'https://events.pagerduty.com/v2/enqueue',
    checkHuge(rendered) {
      // render() leaves the routing key out; the sender's 32 characters must still fit.
      expect(Buffer.byteLength(rendered.body) + 64).toBeLessThanOrEqual(PAGERDUTY_LIMITS.eventBytes);
      const event = JSON.parse(rendered.body) as PagerDutyEvent;
      expect(event.event_action).toBe('trigger');
      expect(event.dedup_key.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
      expect(event.payload!.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
      expect(event.payload!.custom_details).toMatchObject({ firing: 400, resolved: 100, truncated_alerts: 25 });
      expect(event.payload!.custom_details.note).toMatch(/alerts left out to stay within PagerDuty's 512 KB event limit/);
    },
  },
  {
    name: 'teams',
    sender: teamsSender as ChannelSender<never>,
    config: TeamsConfig.parse({ webhook_url: { env: 'TEAMS_URL' } }),
    secrets: { TEAMS_URL },
    secretValues: [TEAMS_URL, TEAMS_SIG],
    credentials: [TEAMS_SIG],
    target: 'teams:prod-00.westeurope.logic.azure.com',
    url: TEAMS_URL,
    checkHuge(rendered) {
      // Teams refuses messages over about 28 KB.
      expect(Buffer.byteLength(rendered.body)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
      const message = JSON.parse(rendered.body) as TeamsMessage;
      const body: CardElement[] = message.attachments[0]!.content.body;
      expect(body.filter((e) => e.type === 'Container').length).toBeGreaterThan(0);
      expect(rendered.body).toMatch(/…and 4\d\d more alerts not shown/);
      expect(rendered.body).toContain('25 more alerts left out');
    },
  },
];

describe.each(channels)('$name sender', (c) => {
  const n = notification();
  const send = (respond: Parameters<typeof fakeHttp>[0], secrets = c.secrets) => {
    const http = fakeHttp(respond);
    return { http, result: c.sender.send(context(http, secrets), n, c.config as never) };
  };

  it('posts JSON to the resolved URL and reports success with a host-only target', async () => {
    const { http, result } = send(() => ({ status: 200 }));
    expect(await result).toEqual({ kind: 'success', status: 200, target: c.target });
    expect(http.calls).toHaveLength(1);
    const call = http.calls[0]!;
    expect(call.url).toBe(c.url);
    expect(call.req.headers['Content-Type']).toMatch(/^application\/json/);
    expect(call.req.timeoutMs).toBeGreaterThan(0);
    expect(() => JSON.parse(call.req.body) as unknown).not.toThrow();
  });

  it.each([
    [200, 'success'],
    [202, 'success'],
    [204, 'success'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
    [504, 'retryable'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [413, 'permanent'],
    [302, 'permanent'],
  ] as const)('HTTP %i is %s', async (status, kind) => {
    const out = await send(() => ({ status, body: status >= 300 ? 'invalid_payload' : 'ok' })).result;
    expect(out.kind).toBe(kind);
    expect(out.status).toBe(status);
    expect(out.target).toBe(c.target);
  });

  it('429 honours Retry-After in seconds, and the backoff never undercuts it', async () => {
    const out = await send(() => ({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' })).result;
    expect(out).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 30_000 });
    const retryAfterMs = out.kind === 'retryable' ? out.retryAfterMs : undefined;
    for (const random of [0, 0.5, 0.999]) expect(backoffMs(1, retryAfterMs, () => random)).toBeGreaterThanOrEqual(30_000);
  });

  it('429 honours Retry-After as an HTTP-date, relative to the injected clock', async () => {
    const at = new Date(NOW.getTime() + 90_000).toUTCString();
    const out = await send(() => ({ status: 429, headers: { 'retry-after': at } })).result;
    expect(out).toMatchObject({ kind: 'retryable', retryAfterMs: 90_000 });
  });

  it('permanent 4xx keeps a short reason from the body', async () => {
    const out = await send(() => ({ status: 404, body: 'channel_not_found' })).result;
    expect(out).toMatchObject({ kind: 'permanent', status: 404, reason: 'HTTP 404: channel_not_found' });
  });

  it('a timeout is retryable', async () => {
    const out = await send(() => new HttpTimeoutError(10_000)).result;
    expect(out).toMatchObject({ kind: 'retryable', target: c.target });
    expect(out.kind === 'retryable' && out.reason).toMatch(/timed out/);
  });

  it('a network error is retryable', async () => {
    const out = await send(() => new HttpNetworkError('ECONNREFUSED', { cause: new Error('connect ECONNREFUSED') })).result;
    expect(out).toMatchObject({ kind: 'retryable', reason: 'network error: ECONNREFUSED', target: c.target });
  });

  it('an unresolvable secret is permanent and names the reference, not a value', async () => {
    const out = await send(() => ({ status: 200 }), {}).result;
    expect(out.kind).toBe('permanent');
    expect(out.kind === 'permanent' && out.reason).toMatch(/secret env:\w+ is not set/);
    expect(out.target).toBe(`${c.name}:unresolved`);
  });

  describe('never leaks a secret', () => {
    const leaks: Array<[string, () => Partial<{ status: number; body: string; headers: Record<string, string> }> | Error]> = [
      ['a 404 body echoing the URL', () => ({ status: 404, body: `no route for POST ${c.url}` })],
      ['a 400 JSON error echoing the path', () => ({ status: 400, body: JSON.stringify({ error: `bad path ${new URL(c.url).pathname}${new URL(c.url).search}` }) })],
      ['a 500 body echoing every secret', () => ({ status: 500, body: c.secretValues.join(' ') })],
      ['a thrown TypeError quoting the URL', () => new TypeError(`Failed to parse URL from ${c.url}`)],
      ['a thrown Error quoting every secret', () => new Error(c.secretValues.join(' '))],
    ];
    it.each(leaks)('%s', async (_label, respond) => {
      // send() resolves (never rejects) even when the port throws.
      const out: DeliveryResult = await send(respond).result;
      expect(out.kind).not.toBe('success');
      const text = JSON.stringify(out);
      for (const secret of c.secretValues) expect(text).not.toContain(secret);
      expect(out.target).toBe(c.target);
    });
  });

  it('never keeps the start of a credential the reason was cut through (one at every offset around the cut)', async () => {
    const prefixes = (text: string, secret: string) => [...Array(secret.length - 5).keys()].map((i) => secret.slice(0, i + 6)).filter((p) => text.includes(p));
    for (const secret of c.credentials) {
      // A body reason is cut at 120 characters, an error message at 300.
      for (const [cut, make] of [
        [120, (body: string) => () => ({ status: 500, body })],
        [300, (message: string) => () => new HttpNetworkError(message)],
      ] as const) {
        for (let offset = cut - secret.length - 20; offset <= cut + 2; offset++) {
          const out = await send(make(`${'x'.repeat(offset)}${secret} and more words after it`)).result;
          const reason = out.kind === 'success' ? '' : out.reason;
          expect(prefixes(reason, secret), `offset ${offset}: ${reason}`).toEqual([]);
        }
      }
    }
  });

  it('renders a huge group (500 alerts, 10 KB annotations) within the channel limits', () => {
    const big = notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 });
    const rendered = c.sender.render(big, c.config as never);
    c.checkHuge(rendered, big);
  });
});
