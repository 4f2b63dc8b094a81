import { describe, expect, it } from 'vitest';
import { applySendResolved, postAndClassify } from './channel';
import { context, fakeHttp, FIXTURE_ALERT, notification } from './testing';

const resolved = { ...FIXTURE_ALERT, fingerprint: '00000000000000ff', status: 'resolved' as const, endsAt: '2026-11-22T06:20:00Z' };

describe('applySendResolved', () => {
  it('keeps the message as is when send_resolved is true', () => {
    const n = notification({ alerts: [FIXTURE_ALERT, resolved] });
    expect(applySendResolved(n, true)).toBe(n);
  });

  it('drops resolved alerts when send_resolved is false', () => {
    const out = applySendResolved(notification({ alerts: [FIXTURE_ALERT, resolved] }), false);
    expect(out?.group.alerts).toEqual([FIXTURE_ALERT]);
    expect(out?.group.status).toBe('firing');
  });

  it('skips a message with nothing left to send', () => {
    expect(applySendResolved(notification({ alerts: [resolved] }), false)).toBeNull();
  });
});

describe('postAndClassify', () => {
  it('turns a throw while resolving into an outcome, target still unresolved', async () => {
    const http = fakeHttp();
    const out = await postAndClassify(context(http, {}), 'slack', async () => {
      throw new Error('boom');
    });
    expect(out).toEqual({ kind: 'retryable', reason: 'unexpected Error', target: 'slack:unresolved' });
    expect(http.calls).toHaveLength(0);
  });

  it('describes the target by host and port only', async () => {
    const http = fakeHttp();
    const out = await postAndClassify(context(http, {}), 'webhook', async () => ({
      url: 'https://hooks.example.com:8443/a/b?token=xyz',
      request: { body: '{}', headers: {} },
      timeoutMs: 1000,
      secrets: [],
    }));
    expect(out.target).toBe('webhook:hooks.example.com:8443');
  });
});
