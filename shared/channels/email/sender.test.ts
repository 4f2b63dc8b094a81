import { describe, expect, it } from 'vitest';
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
