import type { SNSClient } from '@aws-sdk/client-sns';
import { awsPortError, type AwsErrorRules } from '../aws-error';
import type { SmsPort } from '../ports';

/**
 * SNS Publish errors (SDK v3 names; the wire codes are the same without `Exception`). Permanent: a
 * bad number or parameter (InvalidParameter, InvalidParameterValue), a number that opted out,
 * missing permissions, a KMS key that is not usable. Retryable: throttling (Throttled, 429,
 * including KMS's), internal errors.
 */
export const SNS_ERRORS: AwsErrorRules = {
  retryable: new Set(['ThrottledException', 'Throttled', 'ThrottlingException', 'KMSThrottlingException', 'InternalErrorException', 'InternalError']),
  permanent: new Set([
    'InvalidParameterException',
    'InvalidParameter',
    'InvalidParameterValueException',
    'InvalidParameterValue',
    'OptedOutException',
    'AuthorizationErrorException',
    'AuthorizationError',
    'EndpointDisabledException',
    'NotFoundException',
    'ValidationException',
    'KMSAccessDeniedException',
    'KMSDisabledException',
    'KMSInvalidStateException',
    'KMSNotFoundException',
    'KMSOptInRequired',
    'InvalidSecurityException',
  ]),
};

/**
 * SMS through SNS Publish to a phone number, Transactional (the type meant for time-critical
 * messages such as pages: SNS routes it for reliability rather than cost). The SDK is imported on
 * first use. Errors are thrown as PortDeliveryError with no phone number in them.
 */
export function snsSmsPort(): SmsPort {
  let client: SNSClient | undefined;
  return {
    async send(m) {
      const sdk = await import('@aws-sdk/client-sns');
      client ??= new sdk.SNSClient({});
      try {
        const res = await client.send(
          new sdk.PublishCommand({
            PhoneNumber: m.phoneNumber,
            Message: m.body,
            MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
          }),
        );
        return { messageId: res.MessageId ?? '' };
      } catch (err) {
        throw awsPortError('SNS Publish', err, SNS_ERRORS);
      }
    },
  };
}
