import type { ChannelSender } from '../channel';
import type { DeliveryOutcome } from '../outcome';
import { PORT_SUCCESS_STATUS, portFailure, portRenderOptions, type PortFailure } from '../port-channel';
import type { SmsConfig } from './config';
import { buildSmsBody, renderSms } from './render';

/**
 * SMS through the SmsPort (SNS Publish, Transactional, when deployed; the outbox locally): one
 * publish per number in `to`, in parallel, so one slow number does not hold up the page to the
 * others. The adapter (./sns.ts) classifies SNS errors: InvalidParameter, an opted-out number or a
 * missing permission is permanent; throttling and outages retry.
 *
 * With several numbers the outcome is the worst: any retryable failure retries the notification,
 * so the numbers that did get it get it again (at-least-once, as SQS is; a duplicate page beats a
 * missed one). Permanent failures alone are permanent, with how many numbers did get it.
 *
 * `target` is `sms:+<country code>…` of the first number: phone numbers are personal data, so
 * they are kept out of the target, and out of the outcome's reason even if an error quotes them.
 */
export const smsSender: ChannelSender<SmsConfig> = {
  type: 'sms',
  render: (n, config) => renderSms(n, config, portRenderOptions(n)),
  async send(ctx, n, config) {
    const target = smsTarget(config.to[0] ?? '');
    let body: string;
    try {
      body = buildSmsBody(n, config, portRenderOptions(n));
    } catch (err) {
      return { ...portFailure(err, config.to), target };
    }
    const settled = await Promise.allSettled(config.to.map((phoneNumber) => ctx.sms.send({ phoneNumber, body })));
    const failures: PortFailure[] = [];
    for (const s of settled) if (s.status === 'rejected') failures.push(portFailure(s.reason, config.to));
    return { ...combine(failures, config.to.length), target };
  },
};

function combine(failures: PortFailure[], total: number): DeliveryOutcome {
  if (failures.length === 0) return { kind: 'success', status: PORT_SUCCESS_STATUS };
  const worst = failures.find((f) => f.kind === 'retryable') ?? failures[0]!;
  if (total === 1) return worst;
  return { ...worst, reason: `${worst.reason} (${failures.length} of ${total} numbers failed)` };
}

/**
 * ITU-T E.164 country codes of one and two digits; every other code has three. Codes are
 * prefix-free, so this is enough to split one off a number.
 */
const SHORT_COUNTRY_CODES = new Set([
  '1', '7',
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66',
  '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** `sms:+44…`: the country code only. */
export function smsTarget(phoneNumber: string): string {
  const digits = /^\+(\d+)$/.exec(phoneNumber)?.[1];
  if (!digits) return 'sms:unresolved';
  const cc = SHORT_COUNTRY_CODES.has(digits.slice(0, 1)) ? digits.slice(0, 1) : SHORT_COUNTRY_CODES.has(digits.slice(0, 2)) ? digits.slice(0, 2) : digits.slice(0, 3);
  return `sms:+${cc}…`;
}
