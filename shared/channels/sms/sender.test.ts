import { describe, expect, it } from 'vitest';
import { portSenderContract } from '../../../test/support/sender-contract';
import { PortDeliveryError, type SmsMessage, type SmsPort } from '../ports';
import { context, fakeHttp, notification, recordingPorts } from '../testing';
import { SmsConfig } from './config';
import { smsSize } from './segments';
import { smsSender, smsTarget } from './sender';

/** An SmsPort that answers per number: a message id, or an error to throw. */
function portByNumber(answers: Record<string, Error | 'ok'>): SmsPort & { sent: SmsMessage[] } {
  const sent: SmsMessage[] = [];
  return {
    sent,
    async send(m) {
      sent.push(m);
      const a = answers[m.phoneNumber];
      if (a instanceof Error) throw a;
      return { messageId: `id-${sent.length}` };
    },
  };
}

const send = (sms: SmsPort & { sent: SmsMessage[] }, to: string[]) =>
  smsSender.send(context(fakeHttp(), {}, { ...recordingPorts(), sms }), notification(), SmsConfig.parse({ to }));

describe('smsSender with several numbers', () => {
  const A = '+15551234567';
  const B = '+447700900123';
  const C = '+33612345678';

  it('publishes to every number, even when one fails', async () => {
    const sms = portByNumber({ [A]: new PortDeliveryError('SNS Publish failed: ThrottledException', true), [B]: 'ok', [C]: 'ok' });
    const out = await send(sms, [A, B, C]);
    expect(sms.sent.map((m) => m.phoneNumber)).toEqual([A, B, C]);
    expect(new Set(sms.sent.map((m) => m.body)).size).toBe(1);
    expect(out).toEqual({ kind: 'retryable', reason: 'SNS Publish failed: ThrottledException (1 of 3 numbers failed)', target: 'sms:+1…' });
  });

  it('retries if any failure is retryable, over permanent ones', async () => {
    const sms = portByNumber({
      [A]: new PortDeliveryError('SNS Publish failed: OptedOutException', false),
      [B]: new PortDeliveryError('SNS Publish failed: ThrottledException', true),
    });
    expect(await send(sms, [A, B])).toMatchObject({ kind: 'retryable', reason: 'SNS Publish failed: ThrottledException (2 of 2 numbers failed)' });
  });

  it('is permanent when the only failures are permanent, saying how many got through', async () => {
    const sms = portByNumber({ [A]: new PortDeliveryError('SNS Publish failed: OptedOutException', false), [B]: 'ok' });
    expect(await send(sms, [A, B])).toMatchObject({ kind: 'permanent', reason: 'SNS Publish failed: OptedOutException (1 of 2 numbers failed)' });
  });
});

describe('smsTarget', () => {
  it.each([
    ['+15551234567', 'sms:+1…'],
    ['+79161234567', 'sms:+7…'],
    ['+447700900123', 'sms:+44…'],
    ['+33612345678', 'sms:+33…'],
    ['+8613812345678', 'sms:+86…'],
    ['+353861234567', 'sms:+353…'],
    ['+971501234567', 'sms:+971…'],
    ['+4207771234567', 'sms:+420…'],
    ['not a number', 'sms:unresolved'],
  ])('%s -> %s (the country code only)', (number, target) => {
    expect(smsTarget(number)).toBe(target);
  });
});

const PHONES = ['+447700900123', '+15551234567'];

portSenderContract({
  type: 'sms',
  sender: smsSender,
  entry: { to: PHONES },
  secrets: {},
  personal: PHONES,
  target: 'sms:+44…',
  sent: (ports) => ports.sms.sent,
  checkHuge(rendered) {
    const messages = JSON.parse(rendered.body) as SmsMessage[];
    expect(messages.map((m) => m.phoneNumber)).toEqual(PHONES);
    for (const m of messages) expect(smsSize(m.body).parts).toBeLessThanOrEqual(2);
  },
});
