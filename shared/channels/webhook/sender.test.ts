import { describe, expect, it } from 'vitest';
import { httpSenderContract } from '../../../test/support/sender-contract';
import { WebhookConfig } from '../../config/schema';
import { context, fakeHttp, notification, NOW } from '../testing';
import { webhookSender } from './sender';
import { verifySignature } from './sign';

describe('webhook sender', () => {
  it('signs the exact body it posts, with a timestamp from the injected clock', async () => {
    const http = fakeHttp();
    const config = WebhookConfig.parse({ url: 'https://example.com/hook', hmac_secret: { env: 'KEY' }, timeout: '3s' });
    const out = await webhookSender.send(context(http, { KEY: 'k3y-for-tests' }), notification(), config);
    expect(out).toEqual({ kind: 'success', status: 200, target: 'webhook:example.com' });
    const { req } = http.calls[0]!;
    expect(req.timeoutMs).toBe(3000);
    expect(req.headers['Idempotency-Key']).toBe('ntf-0001');
    expect(req.headers['X-Alertflow-Timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(
      verifySignature('k3y-for-tests', req.headers['X-Alertflow-Timestamp'], req.body, req.headers['X-Alertflow-Signature'], { now: NOW }),
    ).toBe(true);
  });

  it('does not sign without hmac_secret, and a plain-string URL is posted as is', async () => {
    const http = fakeHttp();
    const config = WebhookConfig.parse({ url: 'http://localhost:8080/in', format: 'alertmanager' });
    const out = await webhookSender.send(context(http, {}), notification(), config);
    expect(out.target).toBe('webhook:localhost:8080');
    expect(http.calls[0]!.url).toBe('http://localhost:8080/in');
    expect(Object.keys(http.calls[0]!.req.headers).some((h) => h.toLowerCase().startsWith('x-alertflow-'))).toBe(false);
    expect(JSON.parse(http.calls[0]!.req.body)).toMatchObject({ version: '4' });
  });

  it('a timeout of 0 means the default, not an instant abort', async () => {
    const http = fakeHttp();
    await webhookSender.send(context(http, {}), notification(), WebhookConfig.parse({ url: 'https://example.com/', timeout: '0' }));
    expect(http.calls[0]!.req.timeoutMs).toBe(10_000);
  });

  it('a URL that is not http(s) is permanent and never posted', async () => {
    const http = fakeHttp();
    const out = await webhookSender.send(context(http, { U: 'file:///etc/passwd' }), notification(), WebhookConfig.parse({ url: { env: 'U' } }));
    expect(out).toMatchObject({ kind: 'permanent', target: 'webhook:unresolved' });
    expect(out.kind === 'permanent' && out.reason).toMatch(/unsupported URL scheme/);
    expect(http.calls).toHaveLength(0);
  });

  it('a URL with user:password is refused without echoing it', async () => {
    const http = fakeHttp();
    const url = 'https://user:hunter2secret@example.com/hook';
    const out = await webhookSender.send(context(http, { U: url }), notification(), WebhookConfig.parse({ url: { env: 'U' } }));
    expect(out.kind).toBe('permanent');
    expect(JSON.stringify(out)).not.toContain('hunter2secret');
    expect(http.calls).toHaveLength(0);
  });
});

const HOOK_URL = 'https://example.com/alerts/ingest?token=QueryTokenXyz987654';
const HMAC_KEY = 'hmac-key-ABCDEF1234567890';
const HEADER_SECRET = 'Bearer header-secret-7777777';

httpSenderContract({
  type: 'webhook',
  sender: webhookSender,
  entry: { url: { env: 'HOOK_URL' }, hmac_secret: { env: 'HOOK_KEY' }, headers: { Authorization: HEADER_SECRET } },
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
});
