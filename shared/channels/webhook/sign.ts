import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (when `hmac_secret` is set).
 *
 *   X-Alertflow-Timestamp: 1795328110
 *   X-Alertflow-Signature: v1=<64 lower-case hex digits>
 *
 * The timestamp is unix seconds at sending. The signature is `v1=` + lower-case hex
 * HMAC-SHA256(key = the secret's UTF-8 bytes, message = `${timestamp}.${body}`), where body is the
 * exact bytes of the request body. A receiver:
 *   1. reads the raw body (before any JSON parsing or re-serialising);
 *   2. recomputes the HMAC over `${X-Alertflow-Timestamp}.${rawBody}` and compares it, in constant
 *      time, with each `v1=` entry of X-Alertflow-Signature (comma-separated; more than one may
 *      appear during a key rotation; unknown schemes are ignored);
 *   3. rejects a timestamp more than a few minutes from its own clock (replay window), and
 *      de-duplicates on the Idempotency-Key header within that window.
 * `verifySignature` below does 2 and 3 and is what our tests (and a Node receiver) use.
 */
export const TIMESTAMP_HEADER = 'X-Alertflow-Timestamp';
export const SIGNATURE_HEADER = 'X-Alertflow-Signature';
export const SIGNATURE_SCHEME = 'v1';
/** Default replay window for verifySignature. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function computeSignature(secret: string, timestamp: number | string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The two headers to add to a request signed at `now`. */
export function signatureHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: `${SIGNATURE_SCHEME}=${computeSignature(secret, timestamp, body)}`,
  };
}

export interface VerifyOptions {
  now?: Date;
  toleranceSeconds?: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/**
 * True when `signature` (the X-Alertflow-Signature value) is a valid signature of `body` (the raw
 * request body) at `timestamp` (the X-Alertflow-Timestamp value), made with `secret`, and the
 * timestamp is within the tolerance (default 300 s) of now.
 */
export function verifySignature(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  options: VerifyOptions = {},
): boolean {
  return checkSignature(secret, timestamp, body, signature, options).ok;
}

/** verifySignature, saying why a request was rejected (for a receiver's logs; not for its response). */
export function checkSignature(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  options: VerifyOptions = {},
): VerifyResult {
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  const ts = timestamp.trim();
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'malformed' };
  const nowSec = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSec - Number(ts)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'expired' };

  const candidates = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => part.slice(SIGNATURE_SCHEME.length + 1))
    .filter((hex) => /^[0-9a-fA-F]{64}$/.test(hex));
  if (candidates.length === 0) return { ok: false, reason: 'malformed' };

  const expected = Buffer.from(computeSignature(secret, ts, body), 'hex');
  // Check every candidate (no early exit) so timing does not reveal which one matched.
  let matched = false;
  for (const hex of candidates) {
    if (timingSafeEqual(expected, Buffer.from(hex, 'hex'))) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
