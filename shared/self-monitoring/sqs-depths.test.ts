import { mockClient } from 'aws-sdk-client-mock';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { sqsQueueDepths } from '../queues/sqs';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

const URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/';

describe('queue depths over SQS (GET /v1/health?deep=1, deployed)', () => {
  it("reads each queue once, finds its DLQ through the redrive policy, and the services' DLQs by name; an unreadable queue says why", async () => {
    sqs.on(GetQueueAttributesCommand, { QueueUrl: `${URL}af-alerts` }).resolves({
      Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '1', ApproximateNumberOfMessagesDelayed: '2', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:123456789012:af-alerts-dlq', maxReceiveCount: 5 }) },
    });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: `${URL}af-alerts-dlq` }).resolves({ Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' } });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: `${URL}af-slack` }).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    sqs.on(GetQueueAttributesCommand, { QueueUrl: `${URL}af-async-dlq` }).resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' } });
    const depths = await sqsQueueDepths(new SQSClient({}), { alerts: `${URL}af-alerts`, 'slack-notifications': `${URL}af-slack` }, { 'ingest-async-dlq': 'af-async-dlq' }).depths();
    expect(depths).toEqual([
      { name: 'alerts', visible: 3, notVisible: 3 },
      { name: 'slack-notifications', visible: 0, notVisible: 0, error: 'AccessDenied' },
      { name: 'alerts-dlq', visible: 4, notVisible: 0 },
      { name: 'ingest-async-dlq', visible: 0, notVisible: 0 },
    ]);
    const calls = sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(4);
    // Only the source queues are asked for their redrive policy.
    expect(calls.filter((c) => c.AttributeNames?.includes('RedrivePolicy')).map((c) => c.QueueUrl).sort()).toEqual([`${URL}af-alerts`, `${URL}af-slack`]);
  });
});
