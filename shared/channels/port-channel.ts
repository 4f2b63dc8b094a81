import type { NotificationMessage } from '../queues/messages';

/**
 * What the port channels (email, SMS) share beyond text and templates (./alert-text.ts,
 * ./templating.ts): render options, and the classify-and-scrub tail of a send. The HTTP channels'
 * counterpart is `postAndClassify` in ./channel.ts.
 */
import type { DeliveryResult } from './channel';
import { classifyError, redact, type DeliveryOutcome } from './outcome';

/**
 * Rendering inputs beyond the notification and the config entry. The ack link is filled in by
 * escalation (a later change; nothing passes it yet) and rendered only when given.
 */
export interface PortRenderOptions {
  /** A signed one-click acknowledgement URL for this notification. */
  ackUrl?: string | undefined;
  /** The incident's SMS reply code ("Reply ACK 123456"). */
  replyCode?: string | undefined;
}

/** The render options of a notification: its incident's signed ack link, when it has one. */
export const portRenderOptions = (n: NotificationMessage): PortRenderOptions =>
  n.incident?.links?.ack ? { ackUrl: n.incident.links.ack, ...(n.incident.code ? { replyCode: n.incident.code } : {}) } : {};

/** SES and SNS answer 200 on success; the outcome type wants a status, so it says that. */
export const PORT_SUCCESS_STATUS = 200;

export type PortFailure = Exclude<DeliveryOutcome, { kind: 'success' }>;

/**
 * Classify a port error (see classifyError: adapters throw PortDeliveryError with the provider's
 * verdict; anything else retries) and scrub recipients from the reason. The SES and SNS adapters
 * already keep addresses out of their messages; this also covers other MailPort/SmsPort
 * implementations and errors that quote their input.
 */
export function portFailure(err: unknown, personal: readonly string[]): PortFailure {
  const personalValues = personalVariants(personal);
  // Redacted before the reason is cut (inside classifyError), so a cut cannot leave part of a number.
  const outcome = classifyError(err, personalValues);
  if (outcome.kind === 'success') return { kind: 'retryable', reason: 'unexpected success outcome from an error' };
  return { ...outcome, reason: redact(outcome.reason, personalValues) };
}

/** Each address or number as written, and phone numbers without their `+` (how logs often print them). */
function personalVariants(personal: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of personal) {
    out.push(p);
    if (p.startsWith('+')) out.push(p.slice(1));
  }
  return out;
}

/** Run one port call and turn it into a DeliveryResult. Never throws. */
export async function deliverViaPort(target: string, personal: readonly string[], send: () => Promise<unknown>): Promise<DeliveryResult> {
  try {
    await send();
    return { kind: 'success', status: PORT_SUCCESS_STATUS, target };
  } catch (err) {
    return { ...portFailure(err, personal), target };
  }
}
