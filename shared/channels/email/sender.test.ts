import { describe, expect, it } from 'vitest';
import { portSenderContract } from '../../../test/support/sender-contract';
import type { EmailMessage } from '../ports';
import { context, fakeHttp, notification, recordingPorts } from '../testing';
import { EmailConfig } from './config';
import { emailSender, emailTarget } from './sender';

describe('emailSender', () => {
  it('sends one message to all of to and cc', async () => {
    const ports = recordingPorts();
    const config = EmailConfig.parse({ from: 'alerts@example.com', to: ['a@example.com', 'b@example.com'], cc: ['c@example.com'] });
    expect(await emailSender.send(context(fakeHttp(), {}, ports), notification(), config)).toMatchObject({ kind: 'success' });
    expect(ports.mail.sent).toHaveLength(1);
    expect(ports.mail.sent[0]).toMatchObject({ from: 'alerts@example.com', to: ['a@example.com', 'b@example.com'], cc: ['c@example.com'] });
    expect(ports.sms.sent).toHaveLength(0);
  });

  it('targets the domain of the first recipient only, lower-cased', () => {
    expect(emailTarget({ to: ['On.Call@Payments.Example.COM', 'x@other.org'] })).toBe('email:payments.example.com');
  });
});

const EMAILS = ['oncall@payments.example.com', 'lead.person@example.org', 'audit-team@example.net'];

portSenderContract({
  type: 'email',
  sender: emailSender,
  entry: { from: 'Alertflow <alerts@example.com>', to: EMAILS.slice(0, 2), cc: EMAILS.slice(2) },
  secrets: {},
  personal: [...EMAILS, 'alerts@example.com'],
  target: 'email:payments.example.com',
  sent: (ports) => ports.mail.sent[0],
  checkHuge(rendered) {
    const m = JSON.parse(rendered.body) as EmailMessage;
    // RFC 5322: a header line is at most 998 characters; a subject must be one line.
    expect(m.subject.length).toBeLessThanOrEqual(998);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.html.length).toBeLessThan(200_000);
    expect(m.text.length).toBeLessThan(200_000);
    expect(m.html).toContain('and 480 more alerts not shown');
    expect(m.text).toContain('and 480 more alerts not shown');
  },
});
