import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  InvalidParameterValueException,
  KMSThrottlingException,
  OptedOutException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyError } from '../outcome';
import { PortDeliveryError } from '../ports';
import { snsSmsPort } from './sns';

const sns = mockClient(SNSClient);
afterAll(() => sns.restore());
beforeEach(() => sns.reset());

const NUMBER = '+447700900123';
const meta = { httpStatusCode: 400, requestId: 'f00dfeed-0000-1111-2222-333344445555' };

async function failure(err: unknown): Promise<PortDeliveryError> {
  sns.on(PublishCommand).rejects(err as Error);
  const caught = await snsSmsPort()
    .send({ phoneNumber: NUMBER, body: 'x' })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(caught).toBeInstanceOf(PortDeliveryError);
  return caught as PortDeliveryError;
}

describe('snsSmsPort', () => {
  it('publishes to the phone number as a Transactional SMS', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    expect(await snsSmsPort().send({ phoneNumber: NUMBER, body: '[CRITICAL] HighErrorRate' })).toEqual({ messageId: 'sns-1' });
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      PhoneNumber: NUMBER,
      Message: '[CRITICAL] HighErrorRate',
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    });
    // No TopicArn/TargetArn: a phone-number publish goes straight to the number.
    expect(calls[0]!.args[0].input.TopicArn).toBeUndefined();
  });

  it.each([
    ['InvalidParameterException', new InvalidParameterException({ message: `Invalid parameter: PhoneNumber Reason: ${NUMBER} is not valid to publish to`, $metadata: meta }), false],
    ['InvalidParameterValueException', new InvalidParameterValueException({ message: `bad ${NUMBER}`, $metadata: meta }), false],
    ['OptedOutException', new OptedOutException({ message: `Phone number ${NUMBER} is opted out`, $metadata: meta }), false],
    ['AuthorizationErrorException', new AuthorizationErrorException({ message: 'not authorized', $metadata: { ...meta, httpStatusCode: 403 } }), false],
    ['ThrottledException', new ThrottledException({ message: 'Rate exceeded', $metadata: { ...meta, httpStatusCode: 429 } }), true],
    ['KMSThrottlingException', new KMSThrottlingException({ message: 'Rate exceeded', $metadata: meta }), true],
    ['InternalErrorException', new InternalErrorException({ message: 'internal', $metadata: { ...meta, httpStatusCode: 500 } }), true],
  ] as const)('%s is %s retryable, and its message keeps no phone number', async (name, err, retryable) => {
    const e = await failure(err);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toMatch(new RegExp(`^SNS Publish failed: ${name} \\(HTTP \\d+, request ${meta.requestId}\\)$`));
    const everything = `${e.message} ${JSON.stringify(e.cause)} ${JSON.stringify(classifyError(e))}`;
    expect(everything).not.toContain(NUMBER);
    expect(everything).not.toContain(NUMBER.slice(1));
    expect(classifyError(e).kind).toBe(retryable ? 'retryable' : 'permanent');
  });

  it('an error named by its wire code (older or unmodelled) is classified the same', async () => {
    expect((await failure(Object.assign(new Error('x'), { name: 'Throttled', $fault: 'client' }))).retryable).toBe(true);
    expect((await failure(Object.assign(new Error('x'), { name: 'InvalidParameter', $fault: 'client' }))).retryable).toBe(false);
  });

  it('a network error retries', async () => {
    const e = await failure(Object.assign(new Error(`connect ECONNRESET while publishing to ${NUMBER}`), { name: 'NetworkingError' }));
    expect(e).toMatchObject({ retryable: true, message: 'SNS Publish failed: NetworkingError' });
  });
});
