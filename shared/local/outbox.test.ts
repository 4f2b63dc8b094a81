import { describe, expect, it } from 'vitest';
import { EmailConfig } from '../channels/email/config';
import { emailSender } from '../channels/email/sender';
import type { EmailMessage } from '../channels/ports';
import { SmsConfig } from '../channels/sms/config';
import { smsSender } from '../channels/sms/sender';
import { context, fakeHttp, notification } from '../channels/testing';
import { Outbox } from './outbox';

const EMAILS = ['oncall@payments.example.com', 'lead.person@example.org', 'audit-team@example.net'];
const PHONES = ['+447700900123', '+15551234567'];

describe('port senders in the local runtime', () => {
  it('land in the outbox: channel, recipients, subject and body', async () => {
    const outbox = new Outbox();
    const ctx = context(fakeHttp(), {}, { mail: Object.assign(outbox.mailPort(), { sent: [] }), sms: Object.assign(outbox.smsPort(), { sent: [] }) });
    const n = notification();
    const email = EmailConfig.parse({ from: 'Alertflow <alerts@example.com>', to: EMAILS.slice(0, 2), cc: EMAILS.slice(2) });
    const sms = SmsConfig.parse({ to: PHONES });
    expect((await emailSender.send(ctx, n, email)).kind).toBe('success');
    expect((await smsSender.send(ctx, n, sms)).kind).toBe('success');

    const [mail, ...texts] = outbox.entries;
    const preview = JSON.parse(emailSender.render(n, email).body) as EmailMessage;
    expect(mail).toMatchObject({ channel: 'email', recipients: EMAILS, subject: preview.subject, body: preview.text, html: preview.html });
    expect(texts.map((t) => [t.channel, t.recipients])).toEqual(PHONES.map((p) => ['sms', [p]]));
    expect(texts[0]!.body).toBe('[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate');
  });
});
