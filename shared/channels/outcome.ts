import { PortDeliveryError } from './ports';
import { AlertflowError, ConflictError, SecretError } from '../errors';
import { HttpNetworkError, HttpRequestError, HttpTimeoutError, type HttpResponse } from './http';

/**
 * What one delivery attempt came to. The sender Lambda maps it onto SQS: `success` deletes the
 * message, `retryable` leaves it to come back (after `backoffMs`) until the DLQ takes it, `permanent`
 * records the failure and deletes it — retrying a 404 or a missing secret only delays the DLQ alarm.
 *
 * `reason` is for logs and the delivery record: short, and never a secret, a URL or a raw body.
 * Every reason is redacted whole and only then cut (see `safeReason`): a cut through a secret
 * would leave its first characters, which the redaction of the whole secret no longer finds.
 */
export type DeliveryOutcome =
  | { kind: 'success'; status: number }
  | { kind: 'retryable'; status?: number; reason: string; retryAfterMs?: number }
  | { kind: 'permanent'; status?: number; reason: string };

/** Longest `reason` taken from a response body. */
const MAX_BODY_REASON = 120;
/** Longest `reason` taken from an error message. */
const MAX_REASON = 300;
/** A Retry-After beyond this is treated as this (SQS cannot hide a message longer than 12 h). */
const MAX_RETRY_AFTER_MS = 12 * 3_600_000;

/**
 * Classify an HTTP response the way Alertmanager's notify retrier does (2xx ok, 5xx retry), plus
 * 429 and 408, which every channel here documents as transient. Redirects are not followed by the
 * HttpPort, so a 3xx is a configuration problem.
 */
export function classifyResponse(res: HttpResponse, now: number = Date.now(), secrets: readonly string[] = []): DeliveryOutcome {
  const { status } = res;
  if (status >= 200 && status < 300) return { kind: 'success', status };

  const detail = bodyReason(res.body, secrets);
  const reason = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429 || status === 408 || (status >= 500 && status < 600)) {
    const retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'), now);
    return retryAfterMs === undefined ? { kind: 'retryable', status, reason } : { kind: 'retryable', status, reason, retryAfterMs };
  }
  if (status >= 300 && status < 400) {
    return { kind: 'permanent', status, reason: `HTTP ${status}: redirects are not followed; configure the final URL` };
  }
  return { kind: 'permanent', status, reason };
}

/**
 * Classify a thrown error. Unknown errors retry: the DLQ keeps what a bug would otherwise drop.
 * `secrets` (the channel's resolved secret values) are redacted from the message before it is cut.
 */
export function classifyError(err: unknown, secrets: readonly string[] = []): DeliveryOutcome {
  const reason = (e: Error) => safeReason(e.message, secrets);
  if (err instanceof HttpTimeoutError || err instanceof HttpNetworkError) return { kind: 'retryable', reason: reason(err) };
  if (err instanceof HttpRequestError) return { kind: 'permanent', reason: reason(err) };
  if (err instanceof SecretError) {
    // A missing parameter or env var will not appear by retrying; an SSM throttle or outage will pass.
    return { kind: isTransientAwsError(err.cause) ? 'retryable' : 'permanent', reason: reason(err) };
  }
  if (err instanceof ConflictError) return { kind: 'retryable', reason: reason(err) };
  // Email/SMS adapters classify provider errors themselves and keep addresses out of the message.
  if (err instanceof PortDeliveryError) return { kind: err.retryable ? 'retryable' : 'permanent', reason: reason(err) };
  // Our own typed errors have secret-free messages by contract (shared/errors.ts).
  if (err instanceof AlertflowError) return { kind: 'permanent', reason: reason(err) };
  // Anything else (a TypeError from a library, say) may quote a URL in its message: name only.
  const name = err instanceof Error ? err.name : typeof err;
  return { kind: 'retryable', reason: `unexpected ${name}` };
}

/** Retry schedule: retry n waits uniformly between BASE and min(CAP, BASE * 2^n). */
export const RETRY_BASE_MS = 1_000;
export const RETRY_CAP_MS = 5 * 60_000;
/** SQS's longest visibility timeout: no retry, not even a Retry-After, can wait longer. */
export const MAX_RETRY_DELAY_MS = MAX_RETRY_AFTER_MS;

/**
 * Delay before retry `attempt` (1 = the first retry): full jitter over [base, min(cap, base * 2^n)),
 * so that a burst of failures does not come back as a burst, with the base as the floor so that no
 * retry is immediate (SQS counts visibility in whole seconds: a 0 s back-off is a hot loop). A
 * server's Retry-After wins over the cap, up to SQS's 12 h limit.
 */
export function backoffMs(
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
  baseMs = RETRY_BASE_MS,
  capMs = RETRY_CAP_MS,
): number {
  const n = Number.isFinite(attempt) && attempt >= 1 ? Math.min(Math.floor(attempt), 52) : 1;
  const base = baseMs > 0 ? baseMs : RETRY_BASE_MS;
  const ceiling = Math.max(base, Math.min(capMs, base * 2 ** n));
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.min(ceiling, base + Math.floor(r * (ceiling - base)));
  const floor = Math.min(MAX_RETRY_DELAY_MS, Math.ceil(Math.max(0, retryAfterMs ?? 0)));
  return Math.max(jittered, floor);
}

/** `backoffMs` as an SQS visibility timeout: whole seconds, at least 1, at most 12 h. */
export function backoffSeconds(attempt: number, retryAfterMs?: number, random?: () => number, baseMs?: number): number {
  const ms = backoffMs(attempt, retryAfterMs, random, baseMs);
  return Math.min(MAX_RETRY_DELAY_MS / 1000, Math.max(1, Math.ceil(ms / 1000)));
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Invalid values are ignored. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(text) * 1000));
  // Only accept something that looks like a date; Date.parse is lenient with garbage.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

/**
 * A short reason from an error response body: a JSON `error`/`message` field, or the first line of
 * text. HTML pages are skipped, `secrets` and URLs are redacted (a server may echo the request URL,
 * and ours embed credentials), control characters removed, and the result cut to a few words.
 */
export function bodyReason(body: string, secrets: readonly string[] = []): string {
  // Redact the raw body first: the values appear there verbatim, and "[redacted]" keeps JSON valid.
  const text = redact(body, secrets).trim();
  if (text === '' || text.startsWith('<')) return '';
  let picked: string | undefined;
  if (text.startsWith('{')) {
    try {
      picked = pickJsonReason(JSON.parse(text));
    } catch {
      // Not JSON after all: fall through to plain text.
    }
  }
  picked ??= text.split(/\r?\n/, 1)[0] ?? '';
  // The picked field again (JSON escapes such as `\/` hide a value from the raw pass), then cut.
  return safeReason(picked, secrets, MAX_BODY_REASON);
}

/** A URL of any scheme, up to the next whitespace; starts only at a scheme's first letter (linear time). */
const URL_PATTERN = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/\S+/gi;

/**
 * `text` as a reason: every known secret and every URL redacted in the whole text, control
 * characters and runs of whitespace turned into one space, and only then cut to `max`. Redacting
 * after the cut would miss a secret the cut went through, and leave its first characters behind.
 */
export function safeReason(text: string, secrets: readonly string[], max = MAX_REASON): string {
  const redacted = stripControl(redact(text, secrets)).replace(URL_PATTERN, '<url>').replace(/\s+/g, ' ').trim();
  return short(redacted, max);
}

function stripControl(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  return out;
}

function pickJsonReason(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  for (const key of ['error', 'message', 'error_description', 'detail', 'title', 'description']) {
    const v = obj[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (v && typeof v === 'object') {
      const nested = pickJsonReason(v);
      if (nested) return nested;
    }
  }
  return undefined;
}

/**
 * Defence in depth: replace any resolved secret value (webhook URL, its path, HMAC key, custom
 * header values) that still made it into an outcome — say, a proxy echoing the request line.
 */
export function redactOutcome<T extends DeliveryOutcome>(outcome: T, secrets: readonly string[]): T {
  if (outcome.kind === 'success') return outcome;
  return { ...outcome, reason: redact(outcome.reason, secrets) };
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a URL is replaced whole before its path is.
  for (const secret of [...secrets].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[redacted]');
  }
  return out;
}

function header(headers: Record<string, string>, name: string): string | undefined {
  if (headers[name] !== undefined) return headers[name];
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

function short(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** AWS SDK v3 errors say whether they are worth retrying; a throttle is. */
function isTransientAwsError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { $fault?: unknown; $retryable?: unknown; name?: unknown };
  if (e.$retryable) return true;
  if (e.$fault === 'server') return true;
  return typeof e.name === 'string' && /Throttl|TooManyRequests|Timeout|ServiceUnavailable|InternalServerError/.test(e.name);
}
