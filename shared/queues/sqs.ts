import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AlertflowError } from '../errors';
import type { QueueAdmin, QueuePort } from './port';
import { packBody } from './body';

/** The QueuePort over SQS. `urls` maps logical queue names (names.ts) to queue URLs. */
export function sqsQueuePort(client: SQSClient, urls: Readonly<Record<string, string>>): QueuePort {
  const urlOf = (queue: string): string => {
    const url = urls[queue];
    if (!url) throw new AlertflowError('queue_unknown', 500, `no URL configured for queue ${queue}`);
    return url;
  };
  return {
    encode: packBody,
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

/** Where a queue and its DLQ are, for the redrive. */
export interface QueuePair {
  queueArn: string;
  dlqArn: string;
  dlqUrl: string;
}

/** Redrive with SQS's own DLQ move task (StartMessageMoveTask). */
export function sqsQueueAdmin(client: SQSClient, pairs: Readonly<Record<string, QueuePair>>): QueueAdmin {
  return {
    async redrive(queue) {
      const pair = pairs[queue];
      if (!pair) throw new AlertflowError('queue_unknown', 404, `no DLQ is known for queue ${queue}`);
      const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: pair.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      const moved = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (moved > 0) await client.send(new StartMessageMoveTaskCommand({ SourceArn: pair.dlqArn, DestinationArn: pair.queueArn }));
      return { moved, approximate: true };
    },
  };
}
