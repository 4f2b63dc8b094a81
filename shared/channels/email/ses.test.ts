import {
  AccountSuspendedException,
  BadRequestException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyError } from '../outcome';
import { PortDeliveryError, type EmailMessage } from '../ports';
import { sesMailPort } from './ses';

const ses = mockClient(SESv2Client);
afterAll(() => ses.restore());
beforeEach(() => ses.reset());

const MESSAGE: EmailMessage = {
  from: 'Alertflow <alerts@example.com>',
  to: ['oncall@example.com', 'lead@example.org'],
  cc: ['audit@example.net'],
  subject: '[FIRING:1] HighErrorRate — Zürich',
  html: '<p>hi</p>',
  text: 'hi',
};
const ADDRESSES = ['alerts@example.com', 'oncall@example.com', 'lead@example.org', 'audit@example.net'];
const meta = { httpStatusCode: 400, requestId: 'a1b2c3d4-0000-1111-2222-333344445555' };

async function failure(err: unknown): Promise<PortDeliveryError> {
  // rejects() would wrap a non-Error into an Error; a fake passes it through as thrown.
  if (err instanceof Error) ses.on(SendEmailCommand).rejects(err);
  else ses.on(SendEmailCommand).callsFake(() => Promise.reject(err));
  const caught = await sesMailPort()
    .send(MESSAGE)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(caught).toBeInstanceOf(PortDeliveryError);
  return caught as PortDeliveryError;
}

describe('sesMailPort', () => {
  it('sends SendEmail with Simple content: subject, HTML and text parts in UTF-8', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-123' });
    const port = sesMailPort();
    expect(await port.send(MESSAGE)).toEqual({ messageId: 'ses-123' });
    expect(await port.send({ ...MESSAGE, cc: [] })).toEqual({ messageId: 'ses-123' });

    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toEqual({
      FromEmailAddress: 'Alertflow <alerts@example.com>',
      Destination: { ToAddresses: ['oncall@example.com', 'lead@example.org'], CcAddresses: ['audit@example.net'] },
      Content: {
        Simple: {
          Subject: { Data: '[FIRING:1] HighErrorRate — Zürich', Charset: 'UTF-8' },
          Body: { Html: { Data: '<p>hi</p>', Charset: 'UTF-8' }, Text: { Data: 'hi', Charset: 'UTF-8' } },
        },
      },
    });
    // An empty CcAddresses list is left out rather than sent.
    expect(calls[1]!.args[0].input.Destination).toEqual({ ToAddresses: ['oncall@example.com', 'lead@example.org'] });
  });

  it.each([
    ['MessageRejected', new MessageRejected({ message: 'Email address is not verified. The following identities failed the check in region US-EAST-1: alerts@example.com, oncall@example.com', $metadata: meta }), false],
    ['MailFromDomainNotVerifiedException', new MailFromDomainNotVerifiedException({ message: 'MAIL FROM domain of alerts@example.com is not verified', $metadata: meta }), false],
    ['AccountSuspendedException', new AccountSuspendedException({ message: 'suspended', $metadata: meta }), false],
    ['BadRequestException', new BadRequestException({ message: 'Illegal address lead@example.org', $metadata: meta }), false],
    ['TooManyRequestsException', new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: { ...meta, httpStatusCode: 429 } }), true],
    ['LimitExceededException', new LimitExceededException({ message: 'Daily message quota exceeded.', $metadata: meta }), true],
    ['SendingPausedException', new SendingPausedException({ message: 'paused', $metadata: meta }), true],
    ['InternalServiceErrorException', new InternalServiceErrorException({ message: 'oops', $metadata: { ...meta, httpStatusCode: 500 } }), true],
  ] as const)('%s is %s retryable, and its message keeps no address', async (name, err, retryable) => {
    const e = await failure(err);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toBe(`SES SendEmail failed: ${name} (HTTP ${err.$metadata.httpStatusCode}, request ${meta.requestId})`);
    const everything = `${e.message} ${JSON.stringify(e.cause)} ${JSON.stringify(classifyError(e))}`;
    for (const address of ADDRESSES) expect(everything).not.toContain(address);
    expect(classifyError(e).kind).toBe(retryable ? 'retryable' : 'permanent');
  });

  it('an unmodelled client fault (e.g. AccessDenied from IAM) is permanent; a server fault retries', async () => {
    const denied = new SESv2ServiceException({ name: 'SomeNewClientException', $fault: 'client', message: 'User arn:… is not authorized to send as alerts@example.com', $metadata: meta });
    expect((await failure(denied)).retryable).toBe(false);
    const server = new SESv2ServiceException({ name: 'SomeNewServerException', $fault: 'server', message: 'x', $metadata: { httpStatusCode: 503 } });
    expect((await failure(server)).retryable).toBe(true);
  });

  it('a network error or timeout (no fault, no metadata) retries', async () => {
    const timeout = Object.assign(new Error('socket hang up while sending to oncall@example.com'), { name: 'TimeoutError' });
    const e = await failure(timeout);
    expect(e).toMatchObject({ retryable: true, message: 'SES SendEmail failed: TimeoutError' });
    expect(e.message).not.toContain('oncall@example.com');
  });

  it('a thrown non-error is retryable and named UnknownError', async () => {
    for (const thrown of ['oncall@example.com', null, 42]) {
      const e = await failure(thrown);
      expect(e).toMatchObject({ retryable: true, message: 'SES SendEmail failed: UnknownError' });
    }
  });
});
