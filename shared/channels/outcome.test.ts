import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, ConflictError, SecretError, ValidationError } from '../errors';
import { HttpNetworkError, HttpRequestError, HttpTimeoutError } from './http';
import { PortDeliveryError } from './ports';
import { backoffMs, backoffSeconds, bodyReason, classifyError, classifyResponse, parseRetryAfter, redact } from './outcome';

const NOW = Date.parse('2026-11-22T06:16:00.000Z');
const res = (status: number, body = '', headers: Record<string, string> = {}) => ({ status, body, headers });

describe('classifyResponse', () => {
  it('2xx is success', () => {
    expect(classifyResponse(res(200, 'ok'))).toEqual({ kind: 'success', status: 200 });
    expect(classifyResponse(res(299))).toEqual({ kind: 'success', status: 299 });
  });

  it('429 takes Retry-After (seconds or HTTP-date); header names in any case', () => {
    expect(classifyResponse(res(429, '', { 'retry-after': '7' }), NOW)).toEqual({ kind: 'retryable', status: 429, reason: 'HTTP 429', retryAfterMs: 7000 });
    const date = new Date(NOW + 42_000).toUTCString();
    expect(classifyResponse(res(429, '', { 'Retry-After': date }), NOW)).toMatchObject({ retryAfterMs: 42_000 });
    expect(classifyResponse(res(429, 'rate_limited'), NOW)).toEqual({ kind: 'retryable', status: 429, reason: 'HTTP 429: rate_limited' });
  });

  it('503 with Retry-After keeps it too', () => {
    expect(classifyResponse(res(503, '', { 'retry-after': '120' }), NOW)).toMatchObject({ kind: 'retryable', retryAfterMs: 120_000 });
  });

  it('3xx is permanent (redirects are not followed)', () => {
    expect(classifyResponse(res(301))).toMatchObject({ kind: 'permanent', status: 301, reason: expect.stringMatching(/redirects are not followed/) });
  });

  it('Slack-style errors keep their code', () => {
    expect(classifyResponse(res(400, 'invalid_payload'))).toEqual({ kind: 'permanent', status: 400, reason: 'HTTP 400: invalid_payload' });
    expect(classifyResponse(res(410, 'channel_is_archived'))).toEqual({ kind: 'permanent', status: 410, reason: 'HTTP 410: channel_is_archived' });
    expect(classifyResponse(res(500, 'rollup_error'))).toEqual({ kind: 'retryable', status: 500, reason: 'HTTP 500: rollup_error' });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1.5', 1500],
    [' 30 ', 30_000],
    ['999999999', 12 * 3_600_000],
    [new Date(NOW - 5000).toUTCString(), 0],
    ['soon', undefined],
    ['-5', undefined],
    ['', undefined],
    ['12 34', undefined],
  ] as const)('%j -> %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
  it('absent -> undefined', () => expect(parseRetryAfter(undefined, NOW)).toBeUndefined());
});

describe('bodyReason', () => {
  it('picks a JSON error or message field', () => {
    expect(bodyReason('{"error":"invalid_token","error_description":"x"}')).toBe('invalid_token');
    expect(bodyReason('{"errors":[],"message":"Bad thing"}')).toBe('Bad thing');
    expect(bodyReason('{"error":{"code":1,"message":"nested reason"}}')).toBe('nested reason');
  });
  it('takes the first line of text, removes control characters and URLs, and cuts it short', () => {
    expect(bodyReason('no_text\nsecond line')).toBe('no_text');
    expect(bodyReason('bad\tthing\u0007here')).toBe('bad thing here');
    expect(bodyReason('POST https://hooks.slack.com/services/T/B/SECRET failed')).toBe('POST <url> failed');
    const long = bodyReason('x'.repeat(5000));
    expect(long.length).toBe(120);
    expect(long.endsWith('…')).toBe(true);
  });
  it('ignores HTML pages and empty bodies', () => {
    expect(bodyReason('<html><body>502 Bad Gateway</body></html>')).toBe('');
    expect(bodyReason('   ')).toBe('');
  });
});

describe('classifyError', () => {
  it('timeouts and network errors retry', () => {
    expect(classifyError(new HttpTimeoutError(5000))).toEqual({ kind: 'retryable', reason: 'request timed out after 5000 ms' });
    expect(classifyError(new HttpNetworkError('ENOTFOUND'))).toEqual({ kind: 'retryable', reason: 'network error: ENOTFOUND' });
  });
  it('secrets and config problems are permanent', () => {
    expect(classifyError(new SecretError('secret ssm:/a/b is not set'))).toEqual({ kind: 'permanent', reason: 'secret ssm:/a/b is not set' });
    expect(classifyError(new ConfigError('bad config', []))).toEqual({ kind: 'permanent', reason: 'bad config' });
    expect(classifyError(new ValidationError('bad message'))).toEqual({ kind: 'permanent', reason: 'bad message' });
    expect(classifyError(new HttpRequestError('the target is not a valid URL')).kind).toBe('permanent');
  });
  it('a SecretError caused by a throttle or AWS server fault retries', () => {
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
    expect(classifyError(new SecretError('cannot read ssm:/a', { cause: throttle })).kind).toBe('retryable');
    const fault = Object.assign(new Error('oops'), { name: 'InternalServerError', $fault: 'server' });
    expect(classifyError(new SecretError('cannot read ssm:/a', { cause: fault })).kind).toBe('retryable');
    const missing = Object.assign(new Error('not found'), { name: 'ParameterNotFound', $fault: 'client' });
    expect(classifyError(new SecretError('ssm:/a not found', { cause: missing })).kind).toBe('permanent');
  });
  it('a conflict retries', () => {
    expect(classifyError(new ConflictError('lost a race')).kind).toBe('retryable');
  });
  it('unknown errors retry (the DLQ keeps them) and never echo their message', () => {
    const out = classifyError(new TypeError('Failed to parse URL from https://hooks.slack.com/services/T/B/SECRET'));
    expect(out).toEqual({ kind: 'retryable', reason: 'unexpected TypeError' });
    expect(classifyError('a string')).toEqual({ kind: 'retryable', reason: 'unexpected string' });
  });
});

describe('backoffMs', () => {
  const top = () => 0.999999;
  const bottom = () => 0;
  it('never retries at once: the floor is the base (1 s), even when the jitter draws 0', () => {
    for (const attempt of [1, 2, 5, 12, 5000]) expect(backoffMs(attempt, undefined, bottom)).toBe(1_000);
    expect(backoffSeconds(1, undefined, bottom)).toBe(1);
    // A tiny base (tests shorten it) still never yields a 0 s visibility timeout.
    expect(backoffSeconds(1, undefined, bottom, 1)).toBe(1);
  });
  it('doubles its ceiling per retry from 1 s', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, undefined, top))).toEqual([1_999, 3_999, 7_999, 15_999, 31_999]);
    expect(backoffMs(3, undefined, () => 0.5)).toBe(4_500);
  });
  it('caps at 5 minutes, even for absurd attempts', () => {
    expect(backoffMs(9, undefined, top)).toBe(299_999);
    expect(backoffMs(5000, undefined, top)).toBe(299_999);
    expect(backoffMs(Number.MAX_SAFE_INTEGER, undefined, top)).toBe(299_999);
  });
  it('stays within [1 s, min(5 min, 2^n s)) for any jitter (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const v = backoffMs(n, undefined, () => r);
        expect(v).toBeGreaterThanOrEqual(1_000);
        expect(v).toBeLessThan(Math.min(300_000, 1_000 * 2 ** n));
      }),
      { seed: 4 },
    );
  });
  it('spreads a burst (full jitter, not a fixed step)', () => {
    const draws = new Set(Array.from({ length: 200 }, () => Math.floor(backoffMs(6) / 1000)));
    expect(draws.size).toBeGreaterThan(20);
  });
  it('never goes below Retry-After, which wins over the cap up to SQS\'s 12 h', () => {
    expect(backoffMs(1, 30_000, bottom)).toBe(30_000);
    expect(backoffMs(12, 20 * 60_000, top)).toBe(20 * 60_000);
    expect(backoffMs(12, 1_000, () => 0.5)).toBe(150_500);
    expect(backoffMs(1, 48 * 3_600_000, top)).toBe(12 * 3_600_000);
    expect(backoffSeconds(1, 3_600_000, bottom)).toBe(3_600);
    expect(backoffSeconds(1, 48 * 3_600_000, bottom)).toBe(43_200);
  });
  it('treats a bad attempt number as the first', () => {
    expect(backoffMs(0, undefined, top)).toBe(1_999);
    expect(backoffMs(Number.NaN, undefined, top)).toBe(1_999);
  });
});

describe('redact', () => {
  it('replaces every secret value, longest first, and ignores trivially short ones', () => {
    expect(redact('a https://x.test/p/SECRET123 b SECRET123 c', ['SECRET123', 'https://x.test/p/SECRET123', 'a'])).toBe(
      'a [redacted] b [redacted] c',
    );
  });
});

/**
 * The prefixes of `secret` (6 characters or more) that `text` contains. A reason cut through a
 * secret before redaction keeps such a prefix; the whole-secret redaction then no longer finds it.
 */
function leakedPrefixes(text: string, secret: string): string[] {
  const out: string[] = [];
  for (let k = 6; k <= secret.length; k++) if (text.includes(secret.slice(0, k))) out.push(secret.slice(0, k));
  return out;
}

describe('redaction happens before the cut', () => {
  const SLACK_SECRET = 'SlackTokenAbcdef123456XYZ';
  const API_KEY = 'R0UT1NGKEYsecret0123456789abcdef';

  it('a response body with a secret at every offset around the 120-character cut', () => {
    for (const secret of [SLACK_SECRET, API_KEY]) {
      for (let offset = 120 - secret.length - 2; offset <= 122; offset++) {
        const body = `${'x'.repeat(offset)}${secret} trailing words`;
        const out = classifyResponse(res(500, body), NOW, [secret]);
        const reason = out.kind === 'success' ? '' : out.reason;
        expect(leakedPrefixes(reason, secret), `offset ${offset}: ${reason}`).toEqual([]);
        expect(bodyReason(body, [secret]).length).toBeLessThanOrEqual(120);
      }
    }
  });

  it('also in a JSON error field, and after whitespace runs shrink what comes before it', () => {
    for (let offset = 0; offset <= 600; offset += 7) {
      const json = JSON.stringify({ error: `${' '.repeat(offset)}bad token ${API_KEY}` });
      expect(leakedPrefixes(bodyReason(json, [API_KEY]), API_KEY), `offset ${offset}`).toEqual([]);
      const spaced = `${'a  '.repeat(offset)}${API_KEY}`;
      expect(leakedPrefixes(bodyReason(spaced, [API_KEY]), API_KEY), `offset ${offset}`).toEqual([]);
    }
  });

  it('a secret JSON-escaped in the raw body is redacted after parsing', () => {
    // A base64 key holds slashes, which a JSON encoder may write as `\/`.
    const secret = 'k3y/Base64+Secret/0123456789=';
    const body = `{"error":"bad signature key ${secret.replace(/\//g, '\\/')}"}`;
    expect(body).not.toContain(secret);
    expect(bodyReason(body, [secret])).toBe('bad signature key [redacted]');
  });

  it('an error message with a secret at every offset around the 300-character cut', () => {
    for (const secret of [SLACK_SECRET, API_KEY]) {
      for (let offset = 300 - secret.length - 2; offset <= 302; offset++) {
        const message = `${'m'.repeat(offset)}${secret} tail`;
        for (const err of [new SecretError(message), new ConfigError(message, []), new PortDeliveryError(message, false)]) {
          const out = classifyError(err, [secret]);
          const reason = out.kind === 'success' ? '' : out.reason;
          expect(leakedPrefixes(reason, secret), `${err.name} offset ${offset}`).toEqual([]);
          expect(reason.length).toBeLessThanOrEqual(300);
        }
      }
    }
  });

  it('URLs are elided before the cut too, wherever they start', () => {
    const url = 'https://hooks.example.com/p/UrlSecretPart0123456789';
    for (let offset = 60; offset <= 125; offset++) {
      const reason = bodyReason(`${'x'.repeat(offset)} ${url} tail`);
      expect(leakedPrefixes(reason, 'UrlSecretPart0123456789')).toEqual([]);
      expect(reason).not.toContain('hooks.example.com');
    }
  });
});
