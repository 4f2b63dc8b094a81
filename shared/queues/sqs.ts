import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AlertflowError } from '../errors';
import type { QueuePort } from './port';

/** The QueuePort over SQS. `urls` maps logical queue names (names.ts) to queue URLs. */
export function sqsQueuePort(client: SQSClient, urls: Readonly<Record<string, string>>): QueuePort {
  const urlOf = (queue: string): string => {
    const url = urls[queue];
    if (!url) throw new AlertflowError('queue_unknown', 500, `no URL configured for queue ${queue}`);
    return url;
  };
  return {
    async send(queue, messages) {
      if (messages.length === 0) return;
      const res = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: urlOf(queue),
          Entries: messages.map((m) => ({ Id: m.id, MessageBody: m.body, ...(m.delaySeconds ? { DelaySeconds: m.delaySeconds } : {}) })),
        }),
      );
      // A batch call can partly fail; the caller fails its own input so SQS redelivers it.
      if (res.Failed?.length) {
        throw new AlertflowError('queue_send_failed', 500, `${res.Failed.length} of ${messages.length} messages to ${queue} failed: ${res.Failed[0]?.Code ?? 'unknown'}`);
      }
    },
    async changeVisibility(queue, receiptHandle, seconds) {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: urlOf(queue), ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
    },
  };
}
