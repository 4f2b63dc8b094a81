import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSignature, computeSignature, SIGNATURE_HEADER, signatureHeaders, TIMESTAMP_HEADER, verifySignature } from './sign';

const SECRET = 'whsec-test-0123456789';
const BODY = '{"version":"1","id":"ntf-0001"}';
const NOW = new Date('2026-11-22T06:16:00.000Z');
const TS = String(Math.floor(NOW.getTime() / 1000));

describe('webhook signatures', () => {
  const headers = signatureHeaders(SECRET, BODY, NOW);
  const ts = headers[TIMESTAMP_HEADER]!;
  const sig = headers[SIGNATURE_HEADER]!;

  it('signs `${timestamp}.${body}` with HMAC-SHA256, hex, scheme v1', () => {
    expect(ts).toBe(TS);
    const expected = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(sig).toBe(`v1=${expected}`);
    expect(computeSignature(SECRET, TS, BODY)).toBe(expected);
  });

  it('verifies its own signature (round trip)', () => {
    expect(verifySignature(SECRET, ts, BODY, sig, { now: NOW })).toBe(true);
    expect(checkSignature(SECRET, ts, BODY, sig, { now: new Date(NOW.getTime() + 299_000) })).toEqual({ ok: true });
  });

  it.each([
    ['a changed body', SECRET, TS, `${BODY} `, undefined],
    ['a changed timestamp', SECRET, String(Number(TS) + 1), BODY, undefined],
    ['another secret', 'whsec-other', TS, BODY, undefined],
    ['a flipped signature digit', SECRET, TS, BODY, 'flip'],
  ])('detects tampering: %s', (_label, secret, timestamp, body, mutate) => {
    const signature = mutate === 'flip' ? sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0') : sig;
    expect(checkSignature(secret, timestamp, body, signature, { now: NOW })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects timestamps outside the tolerance window, both ways', () => {
    expect(checkSignature(SECRET, ts, BODY, sig, { now: new Date(NOW.getTime() + 301_000) })).toEqual({ ok: false, reason: 'expired' });
    expect(checkSignature(SECRET, ts, BODY, sig, { now: new Date(NOW.getTime() - 301_000) })).toEqual({ ok: false, reason: 'expired' });
    expect(verifySignature(SECRET, ts, BODY, sig, { now: new Date(NOW.getTime() + 3_600_000), toleranceSeconds: 7200 })).toBe(true);
  });

  it('rejects missing and malformed headers', () => {
    expect(checkSignature(SECRET, undefined, BODY, sig, { now: NOW })).toEqual({ ok: false, reason: 'missing' });
    expect(checkSignature(SECRET, ts, BODY, undefined, { now: NOW })).toEqual({ ok: false, reason: 'missing' });
    expect(checkSignature(SECRET, '12abc', BODY, sig, { now: NOW })).toEqual({ ok: false, reason: 'malformed' });
    expect(checkSignature(SECRET, ts, BODY, sig.replace('v1=', 'v0='), { now: NOW })).toEqual({ ok: false, reason: 'malformed' });
    expect(checkSignature(SECRET, ts, BODY, 'v1=abc', { now: NOW })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts any one valid v1 entry of several (key rotation)', () => {
    const old = `v1=${computeSignature('whsec-old', TS, BODY)}`;
    expect(verifySignature(SECRET, ts, BODY, `${old}, ${sig}, v2=zzz`, { now: NOW })).toBe(true);
    expect(verifySignature('whsec-old', ts, BODY, `${old},${sig}`, { now: NOW })).toBe(true);
    expect(verifySignature('whsec-third', ts, BODY, `${old},${sig}`, { now: NOW })).toBe(false);
  });
});
