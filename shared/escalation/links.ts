import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { AlertflowError } from '../errors';

/**
 * One-click links in notifications: `<base>/v1/links/<claims>.<signature>`, where the claims say
 * which action on which incident, under which escalation token, until when, and for whom (the
 * receiver the link was sent to, recorded as the actor). The signature is HMAC-SHA256 over the
 * claims with the first signing key; any configured key verifies, so a key can be rotated by
 * adding the new one first and dropping the old one after the links it signed have expired.
 *
 * Binding the token makes a link single-use in effect: the action changes the token, so the same
 * link (or any other link of that chain) is stale afterwards. A GET only shows what the link would
 * do; only a POST acts, so a mail scanner that fetches every link acts on nothing.
 */
export const LINK_ACTIONS = ['ack', 'resolve', 'escalate'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** The longest receiver name a link carries (UTF-16 units): the link must fit MAX_LINK_PARAMETER_BYTES. */
export const MAX_LINK_RECEIVER = 200;

const Claims = z
  .object({
    /** Action. */
    a: z.enum(LINK_ACTIONS),
    /** Incident id. */
    i: z.string().min(1).max(64),
    /** The incident's escalation token when the link was made. */
    t: z.string().min(1).max(64),
    /** Expiry, epoch seconds. */
    e: z.number().int().positive(),
    /** The receiver the link was sent to. */
    r: z.string().max(MAX_LINK_RECEIVER),
  })
  .strict();
export type LinkClaims = z.infer<typeof Claims>;

/** A link that is not one of ours, or no longer good: the page says which, with its status. */
export class LinkError extends AlertflowError {
  constructor(
    readonly reason: 'malformed' | 'forged' | 'expired',
    message: string,
  ) {
    super(`link_${reason}`, reason === 'expired' ? 410 : reason === 'forged' ? 403 : 400, message);
  }
}

const mac = (key: string, payload: string): Buffer => createHmac('sha256', key).update(`alertflow-link-v1\n${payload}`).digest();

export function signLink(key: string, claims: LinkClaims): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The link's claims if one of `keys` signed it and it has not expired; else a LinkError. */
export function verifyLink(keys: readonly string[], link: string, now: Date): LinkClaims {
  const m = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/.exec(link);
  if (!m) throw new LinkError('malformed', 'this is not an alertflow link (it may have been cut short by your mail or chat client)');
  const [, payload, signature] = m;
  const given = Buffer.from(signature!, 'base64url');
  if (!keys.some((key) => timingSafeEqual(mac(key, payload!), given))) {
    throw new LinkError('forged', 'this link was not signed by this alertflow (or its signing key was rotated out)');
  }
  let claims: LinkClaims;
  try {
    claims = Claims.parse(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')));
  } catch {
    throw new LinkError('malformed', 'this link is signed but unreadable');
  }
  if (claims.e * 1000 <= now.getTime()) throw new LinkError('expired', `this link expired at ${new Date(claims.e * 1000).toISOString()}`);
  return claims;
}

/** The URL of a signed link under `baseUrl` (alertflow's external URL). */
export const linkUrl = (baseUrl: string, link: string): string => `${baseUrl.replace(/\/+$/, '')}/v1/links/${link}`;

/**
 * An incident's six-digit SMS reply code under `key` ("Reply ACK 123456"): an HMAC of its id, so it
 * cannot be derived without the key. Six digits can be guessed; a reply counts only from a number
 * the incident paged (shared/escalation/sms-replies.ts).
 */
export function smsCode(key: string, incidentId: string): string {
  const code = createHmac('sha256', key).update(`alertflow-sms-v1\n${incidentId}`).digest();
  return String(code.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}
