/**
 * The suite every port channel sender (email, SMS) must pass, as sender-suite.test.ts is for the
 * HTTP channels: the retry table, a send that never throws, no recipient (personal data) in what
 * a sender returns, render and send agreeing, and a huge group within the channel's limits.
 */
import { describe, expect, it } from 'vitest';
import { Outbox } from '../local/outbox';
import type { NotificationMessage } from '../queues/messages';
import type { ChannelSender, DeliveryResult, RenderedRequest } from './channel';
import { EmailConfig } from './email/config';
import { emailSender } from './email/sender';
import { PortDeliveryError, type EmailMessage, type MailPort, type SmsMessage, type SmsPort } from './ports';
import { SmsConfig } from './sms/config';
import { smsSize } from './sms/segments';
import { smsSender } from './sms/sender';
import { context, fakeHttp, hugeAlerts, notification, recordingPorts } from './testing';

type Ports = ReturnType<typeof recordingPorts>;

interface PortCase {
  name: string;
  sender: ChannelSender<never>;
  config: unknown;
  /** Addresses or numbers that must never appear in an outcome's reason or target. */
  personal: string[];
  target: string;
  /** What the port was asked to send, in the shape `render` previews. */
  sent(ports: Ports): unknown;
  checkHuge(rendered: RenderedRequest, n: NotificationMessage): void;
}

const EMAILS = ['oncall@payments.example.com', 'lead.person@example.org', 'audit-team@example.net'];
const PHONES = ['+447700900123', '+15551234567'];

const cases: PortCase[] = [
  {
    name: 'email',
    sender: emailSender as ChannelSender<never>,
    config: EmailConfig.parse({ from: 'Alertflow <alerts@example.com>', to: EMAILS.slice(0, 2), cc: EMAILS.slice(2) }),
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
  },
  {
    name: 'sms',
    sender: smsSender as ChannelSender<never>,
    config: SmsConfig.parse({ to: PHONES }),
    personal: PHONES,
    target: 'sms:+44…',
    sent: (ports) => ports.sms.sent,
    checkHuge(rendered) {
      const messages = JSON.parse(rendered.body) as SmsMessage[];
      expect(messages.map((m) => m.phoneNumber)).toEqual(PHONES);
      for (const m of messages) expect(smsSize(m.body).parts).toBeLessThanOrEqual(2);
    },
  },
];

/** Ports whose every send fails with `err` (recorded first, so a test can see it was attempted). */
function failingPorts(err: unknown): Ports & { attempts: () => number } {
  let attempts = 0;
  const fail = async (): Promise<never> => {
    attempts++;
    throw err;
  };
  const mail: MailPort & { sent: EmailMessage[] } = { sent: [], send: fail };
  const sms: SmsPort & { sent: SmsMessage[] } = { sent: [], send: fail };
  return { mail, sms, attempts: () => attempts };
}

describe.each(cases)('$name port sender', (c) => {
  const n = notification();
  const send = (ports: Ports): Promise<DeliveryResult> => c.sender.send(context(fakeHttp(), {}, ports), n, c.config as never);

  const assertNoPersonalData = (out: DeliveryResult) => {
    const text = JSON.stringify(out);
    for (const p of c.personal) {
      expect(text).not.toContain(p);
      if (p.startsWith('+')) expect(text).not.toContain(p.slice(1));
    }
  };

  it('sends through its port what render previews, and reports success with a redacted target', async () => {
    const ports = recordingPorts();
    const out = await send(ports);
    expect(out).toEqual({ kind: 'success', status: 200, target: c.target });
    expect(c.sent(ports)).toEqual(JSON.parse(c.sender.render(n, c.config as never).body));
    // No HTTP for a port channel.
    expect(ports.mail.sent.length + ports.sms.sent.length).toBeGreaterThan(0);
  });

  it('render is pure: same input, same output', () => {
    expect(c.sender.render(n, c.config as never)).toEqual(c.sender.render(n, c.config as never));
  });

  it.each([
    [new PortDeliveryError('Throttled', true), 'retryable', 'Throttled'],
    [new PortDeliveryError('Rejected', false), 'permanent', 'Rejected'],
  ] as const)('a PortDeliveryError(%s) is %s', async (err, kind, reason) => {
    const ports = failingPorts(err);
    const out = await send(ports);
    expect(out.kind).toBe(kind);
    expect(out.kind !== 'success' && out.reason).toMatch(new RegExp(`^${reason}`));
    expect(out.target).toBe(c.target);
    expect(ports.attempts()).toBeGreaterThan(0);
  });

  it.each([
    ['a TypeError quoting the recipients', (): unknown => new TypeError(`cannot send to ${c.personal.join(', ')}`), 'unexpected TypeError'],
    ['a thrown string', (): unknown => c.personal.join(' '), 'unexpected string'],
    ['undefined', (): unknown => undefined, 'unexpected undefined'],
  ] as const)('%s is retryable and leaks nothing', async (_label, make, reason) => {
    const out = await send(failingPorts(make()));
    expect(out).toMatchObject({ kind: 'retryable', target: c.target });
    expect(out.kind === 'retryable' && out.reason).toMatch(new RegExp(`^${reason}`));
    assertNoPersonalData(out);
  });

  it.each([true, false])('recipients never appear in the reason or target, even when a port error quotes them (retryable: %s)', async (retryable) => {
    const quoting = new PortDeliveryError(`failed for ${c.personal.join(', ')} and ${c.personal.map((p) => p.replace(/^\+/, '')).join(', ')}`, retryable);
    const out = await send(failingPorts(quoting));
    expect(out.kind).toBe(retryable ? 'retryable' : 'permanent');
    assertNoPersonalData(out);
    expect(out.kind !== 'success' && out.reason).toContain('[redacted]');
    expect(out.target).toBe(c.target);
  });

  it('never keeps the start of a recipient the reason was cut through (one at every offset around the cut)', async () => {
    for (const p of c.personal) {
      for (let offset = 300 - p.length - 20; offset <= 302; offset++) {
        const out = await send(failingPorts(new PortDeliveryError(`${'x'.repeat(offset)}${p} rejected`, false)));
        const reason = out.kind === 'success' ? '' : out.reason;
        for (let k = 6; k <= p.length; k++) expect(reason, `offset ${offset}`).not.toContain(p.slice(0, k));
      }
    }
  });

  it('renders a huge group (500 alerts, 10 KB annotations) within the channel limits', () => {
    const big = notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 });
    c.checkHuge(c.sender.render(big, c.config as never), big);
  });

  it('sends a huge group too, and the port gets what render previews', async () => {
    const big = notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 });
    const ports = recordingPorts();
    expect((await c.sender.send(context(fakeHttp(), {}, ports), big, c.config as never)).kind).toBe('success');
    expect(c.sent(ports)).toEqual(JSON.parse(c.sender.render(big, c.config as never).body));
  });
});

describe('port senders in the local runtime', () => {
  it('land in the outbox: channel, recipients, subject and body', async () => {
    const outbox = new Outbox();
    const ctx = context(fakeHttp(), {}, { mail: Object.assign(outbox.mailPort(), { sent: [] }), sms: Object.assign(outbox.smsPort(), { sent: [] }) });
    const n = notification();
    const [email, sms] = cases;
    expect((await emailSender.send(ctx, n, email!.config as EmailConfig)).kind).toBe('success');
    expect((await smsSender.send(ctx, n, sms!.config as SmsConfig)).kind).toBe('success');

    const [mail, ...texts] = outbox.entries;
    const preview = JSON.parse(emailSender.render(n, email!.config as EmailConfig).body) as EmailMessage;
    expect(mail).toMatchObject({ channel: 'email', recipients: EMAILS, subject: preview.subject, body: preview.text, html: preview.html });
    expect(texts.map((t) => [t.channel, t.recipients])).toEqual(PHONES.map((p) => ['sms', [p]]));
    expect(texts[0]!.body).toBe('[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate');
  });
});
