import { parseDuration } from '../primitives/duration';
import type { SecretResolver } from '../primitives/secrets';
import { ConfigError } from '../errors';
import type { ChannelType, NotificationMessage } from '../queues/messages';
import { parseTargetUrl, type HttpPort } from './http';
import type { MailPort, SmsPort } from './ports';
import { classifyError, classifyResponse, redactOutcome, type DeliveryOutcome } from './outcome';

/** The ports a sender needs; the sender Lambda, the local runtime and tests each supply their own. */
export interface SendContext {
  http: HttpPort;
  mail: MailPort;
  sms: SmsPort;
  secrets: SecretResolver;
  now: () => Date;
}

export interface RenderedRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * An outcome plus `target`, where the delivery went, safe to log and store: `<type>:<host>`
 * (e.g. `slack:hooks.slack.com`), or `<type>:unresolved` before the URL was known. Never a path
 * or query: they carry the credential in Slack and many webhook URLs.
 */
export type DeliveryResult = DeliveryOutcome & { target: string };

/**
 * One channel type. `render` is pure (no secrets, no clock, no I/O) so it can be tested and
 * previewed on its own; `send` resolves secrets, renders, posts, and classifies. `send` does not
 * throw: every failure comes back as a `retryable` or `permanent` outcome whose reason and target
 * hold no secret.
 */
export interface ChannelSender<C> {
  readonly type: ChannelType;
  render(n: NotificationMessage, config: C): RenderedRequest;
  send(ctx: SendContext, n: NotificationMessage, config: C): Promise<DeliveryResult>;
  /**
   * A target's rate limit, when it has one: `target` identifies it (never a secret: e.g. a hash of
   * the URL) and `intervalMs` is the minimum spacing of sends to it.
   */
  rateLimit?(ctx: SendContext, config: C): Promise<{ target: string; intervalMs: number } | undefined>;
}

/**
 * Apply a channel entry's `send_resolved`, as Alertmanager does per integration: resolved alerts
 * are dropped from the message, and a message left with no alerts is not sent (returns null).
 */
export function applySendResolved(n: NotificationMessage, sendResolved: boolean): NotificationMessage | null {
  if (sendResolved) return n;
  const alerts = n.group.alerts.filter((a) => a.status === 'firing');
  if (alerts.length === 0) return null;
  if (alerts.length === n.group.alerts.length) return n;
  return { ...n, group: { ...n.group, alerts, status: 'firing' } };
}

/** `<type>:<host>` for a URL, without user info, path or query. */
export function describeTarget(type: ChannelType, url: URL): string {
  return `${type}:${url.host}`;
}

/** What a sender hands to `postAndClassify` once secrets are resolved and the body rendered. */
export interface HttpDelivery {
  url: string;
  request: RenderedRequest;
  timeoutMs: number;
  /** Resolved secret values to scrub from the outcome, should a server echo them back. */
  secrets: readonly string[];
}

/** The request timeout of an HTTP channel whose entry sets none (or "0"). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * An entry's `timeout` in milliseconds; "0" means the default rather than an instant abort. Throws
 * ConfigError (permanent: retrying would not fix it) for a value that is not a duration, which only
 * an unvalidated config has.
 */
export function timeoutMsOf(type: ChannelType, timeout: string): number {
  let ms: number;
  try {
    ms = parseDuration(timeout);
  } catch (err) {
    throw new ConfigError(`${type} timeout ${JSON.stringify(timeout)} is not a duration`, [{ path: 'timeout', message: 'not a duration' }], { cause: err });
  }
  return ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

/**
 * The common tail of every HTTP channel: check the URL, post, classify, scrub. Never throws.
 * Secrets are resolved by the caller inside `resolve`, so a SecretError is classified here too.
 */
export async function postAndClassify(ctx: SendContext, type: ChannelType, resolve: () => Promise<HttpDelivery>): Promise<DeliveryResult> {
  let target = `${type}:unresolved`;
  let secrets: readonly string[] = [];
  try {
    const d = await resolve();
    secrets = [...d.secrets, ...urlSecretParts(d.url)];
    target = describeTarget(type, parseTargetUrl(d.url));
    const res = await ctx.http.post(d.url, { headers: d.request.headers, body: d.request.body, timeoutMs: d.timeoutMs });
    // Classify redacts the secrets before it cuts the reason; redactOutcome is a second pass.
    return { ...redactOutcome(classifyResponse(res, ctx.now().getTime(), secrets), secrets), target };
  } catch (err) {
    return { ...redactOutcome(classifyError(err, secrets), secrets), target };
  }
}

/** The whole URL and its credential-bearing pieces (path, query, long path segments, query values). */
function urlSecretParts(url: string): string[] {
  const parts = [url];
  try {
    const u = new URL(url);
    parts.push(u.pathname + u.search, u.search);
    for (const seg of u.pathname.split('/')) if (seg.length >= 12) parts.push(seg);
    for (const value of u.searchParams.values()) if (value.length >= 8) parts.push(value);
  } catch {
    // An unparsable URL is scrubbed whole; parseTargetUrl reports it without echoing it.
  }
  return parts;
}
