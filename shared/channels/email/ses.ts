import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailPort } from '../ports';
import { awsPortError, type AwsErrorRules } from '../aws-error';

/**
 * SES v2 SendEmail errors. Permanent: the content or an address was refused (MessageRejected),
 * the MAIL FROM domain or account cannot send (MailFromDomainNotVerifiedException,
 * AccountSuspendedException), or the request is wrong (BadRequestException, NotFoundException for
 * a missing configuration set). Retryable: throttling (TooManyRequestsException, 429: "Maximum
 * sending rate exceeded"), quotas that refill (LimitExceededException), a sending pause an
 * operator can lift (SendingPausedException), and server faults.
 */
export const SES_ERRORS: AwsErrorRules = {
  retryable: new Set(['TooManyRequestsException', 'LimitExceededException', 'SendingPausedException', 'ThrottlingException', 'Throttling', 'InternalServiceErrorException', 'ServiceUnavailable']),
  permanent: new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'BadRequestException', 'NotFoundException', 'AccessDeniedException']),
};

/**
 * Email through SES v2 SendEmail, Simple content: subject, HTML and text parts, all UTF-8. The SDK
 * is imported on first use, so only the email sender pays for loading it. Errors are thrown as
 * PortDeliveryError with no address in them (see awsPortError).
 */
export function sesMailPort(): MailPort {
  let client: SESv2Client | undefined;
  return {
    async send(m) {
      const sdk = await import('@aws-sdk/client-sesv2');
      client ??= new sdk.SESv2Client({});
      try {
        const res = await client.send(
          new sdk.SendEmailCommand({
            FromEmailAddress: m.from,
            Destination: { ToAddresses: m.to, ...(m.cc.length ? { CcAddresses: m.cc } : {}) },
            Content: {
              Simple: {
                Subject: { Data: m.subject, Charset: 'UTF-8' },
                Body: { Html: { Data: m.html, Charset: 'UTF-8' }, Text: { Data: m.text, Charset: 'UTF-8' } },
              },
            },
          }),
        );
        return { messageId: res.MessageId ?? '' };
      } catch (err) {
        throw awsPortError('SES SendEmail', err, SES_ERRORS);
      }
    },
  };
}
