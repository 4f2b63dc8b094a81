import * as z from 'zod';
import { channelEntries } from '../channels/keys';
import { linkSigningKeys, type SecretResolver } from '../primitives/secrets';
import { AlertflowError } from '../errors';
import type { Incident } from './incident';
import { smsCode } from './links';
import { act, type EscalationDeps, type IncidentAction } from './service';

/**
 * Acknowledging by SMS: a page sent by SMS ends "Reply ACK 123456". The code is six digits of an
 * HMAC of the incident id under the link signing key, so it cannot be derived without the key, and
 * a reply is taken only from a number the incident paged (one of the `to` numbers of its paged
 * receivers' SMS entries): a guess from any other number acts on nothing.
 *
 * Replies arrive as AWS End User Messaging SMS (two-way) publishes them to an SNS topic: JSON with
 * `originationNumber` and `messageBody`. Deployed, the topic delivers to the escalations queue (raw
 * message delivery); locally, `POST /local/events` takes the SNS event and queues it there.
 */
export const InboundSms = z
  .object({
    originationNumber: z.string().min(1),
    messageBody: z.string(),
    destinationNumber: z.string().optional(),
  })
  .passthrough();
export type InboundSms = z.infer<typeof InboundSms>;

const COMMANDS: Record<string, IncidentAction> = { ACK: 'ack', RESOLVE: 'resolve', ESCALATE: 'escalate', ESC: 'escalate' };
const REPLY = /^\s*([A-Za-z]+)\s+(\d{6})\s*$/;


export interface SmsReplyDeps<Cursor = unknown> extends EscalationDeps<Cursor> {
  secrets: SecretResolver;
}

export type SmsReplyOutcome = { acted: true; incident: string; action: IncidentAction } | { acted: false; reason: string };

/** Act on one inbound SMS. Anything that is not a reply to an open incident from a paged number does nothing (and says why, for the log). */
export async function smsReply<Cursor>(sms: InboundSms, deps: SmsReplyDeps<Cursor>): Promise<SmsReplyOutcome> {
  const m = REPLY.exec(sms.messageBody);
  const action = m ? COMMANDS[m[1]!.toUpperCase()] : undefined;
  if (!m || !action) return { acted: false, reason: 'not a reply of the form "ACK 123456" (or RESOLVE, ESCALATE)' };
  const code = m[2]!;
  const keys = await linkSigningKeys(deps.config.raw, deps.secrets);
  const incident = await findByCode(deps, keys, code);
  if (!incident) return { acted: false, reason: 'no open incident has that code' };
  if (!pagedNumbers(incident, deps).has(normalizeNumber(sms.originationNumber))) return { acted: false, reason: 'the number was not paged for this incident' };
  try {
    await act(incident.id, action, `sms:${normalizeNumber(sms.originationNumber)}`, deps);
    return { acted: true, incident: incident.id, action };
  } catch (err) {
    if (err instanceof AlertflowError && err.status < 500) return { acted: false, reason: err.message };
    throw err;
  }
}

/** Open incidents are few (the ones people are working on): the code is checked against each. */
async function findByCode<Cursor>(deps: SmsReplyDeps<Cursor>, keys: readonly string[], code: string): Promise<Incident | undefined> {
  let after: Cursor | undefined;
  do {
    const page = await deps.incidents.page('open', after, 100, deps.clock());
    const found = page.incidents.find((i) => keys.some((k) => smsCode(k, i.id) === code));
    if (found) return found;
    after = page.last;
  } while (after);
  return undefined;
}

/** The SMS numbers of the receivers the incident paged. */
function pagedNumbers(incident: Incident, deps: Pick<EscalationDeps, 'config'>): Set<string> {
  const out = new Set<string>();
  for (const name of incident.paged) {
    const receiver = deps.config.receivers.get(name);
    if (!receiver) continue;
    for (const ch of channelEntries(receiver)) if (ch.type === 'sms') for (const to of receiver.sms_configs[ch.index]!.to) out.add(normalizeNumber(to));
  }
  return out;
}

const normalizeNumber = (n: string): string => n.replace(/[\s().-]/g, '');
