import { mockClient } from 'aws-sdk-client-mock';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { sqsQueueAdmin, sqsQueuePort } from '../../../shared/queues/sqs';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

describe('SQS adapters', () => {
  it('sends a batch to the mapped URL and fails when any entry failed (so the input is retried)', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: 'a', MessageId: '1', MD5OfMessageBody: '' }], Failed: [] })
      .resolvesOnce({ Successful: [], Failed: [{ Id: 'a', Code: 'InternalError', SenderFault: false }] });
    const port = sqsQueuePort(new SQSClient({}), { alerts: 'https://sqs.local/alerts' });
    await port.send('alerts', [{ id: 'a', body: '{}', delaySeconds: 5 }]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: 'https://sqs.local/alerts',
      Entries: [{ Id: 'a', MessageBody: '{}', DelaySeconds: 5 }],
    });
    await expect(port.send('alerts', [{ id: 'a', body: '{}' }])).rejects.toThrow(/1 of 1 messages to alerts failed: InternalError/);
    await expect(port.send('nope', [{ id: 'a', body: '{}' }])).rejects.toThrow(/no URL configured for queue nope/);
  });

  it('redrives a DLQ with a message move task and reports its depth', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h' });
    const admin = sqsQueueAdmin(new SQSClient({}), { 'slack-notifications': { queueArn: 'arn:q', dlqArn: 'arn:dlq', dlqUrl: 'https://sqs.local/dlq' } });
    expect(await admin.redrive('slack-notifications')).toEqual({ moved: 3, approximate: true });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: 'arn:dlq', DestinationArn: 'arn:q' });
    // An empty DLQ starts no task.
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    expect(await admin.redrive('slack-notifications')).toEqual({ moved: 0, approximate: true });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(1);
  });
});
