import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AlertflowError } from '../errors';
import type { QueueAdmin, QueueDepth, QueueDepths, QueuePort } from './port';
import { packBody, sqsSafeBody } from './body';

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
          Entries: messages.map((m) => ({ Id: m.id, MessageBody: sqsSafeBody(m.body), ...(m.delaySeconds ? { DelaySeconds: m.delaySeconds } : {}) })),
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

/**
 * Queue depths from GetQueueAttributes, one call per queue. `queues`: logical names and URLs of
 * source queues; each one's DLQ is found through its redrive policy (read in the same call) and
 * reported as `<name>-dlq`. `others`: logical names and queue *names* of queues no redrive policy
 * names (services' DLQs), in the same account and region. Names rather than URLs keep the function's
 * environment small (Lambda allows 4 KB). A queue that cannot be read says why; the others are
 * still reported.
 */
export function sqsQueueDepths(client: SQSClient, queues: Readonly<Record<string, string>>, others: Readonly<Record<string, string>> = {}): QueueDepths {
  const read = async (name: string, url: string, redrive: boolean): Promise<{ depth: QueueDepth; dlqArn?: string }> => {
    try {
      const { Attributes: a = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', ...(redrive ? (['RedrivePolicy'] as const) : [])],
        }),
      );
      const depth = { name, visible: Number(a.ApproximateNumberOfMessages ?? 0), notVisible: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0) };
      const dlqArn = a.RedrivePolicy ? (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn : undefined;
      return { depth, ...(dlqArn ? { dlqArn } : {}) };
    } catch (err) {
      return { depth: { name, visible: 0, notVisible: 0, error: (err as Error).name || 'error' } };
    }
  };
  // Same account and region: a queue's URL is its neighbour's with the last segment replaced.
  const sibling = (url: string, queueName: string) => `${url.slice(0, url.lastIndexOf('/') + 1)}${queueName}`;
  const anyUrl = Object.values(queues)[0];
  return {
    async depths() {
      const sources = await Promise.all(Object.entries(queues).map(([name, url]) => read(name, url, true).then((r) => ({ ...r, url }))));
      const dlqs = sources.flatMap((s) => (s.dlqArn ? [[`${s.depth.name}-dlq`, sibling(s.url, s.dlqArn.slice(s.dlqArn.lastIndexOf(':') + 1))] as const] : []));
      const rest = anyUrl ? Object.entries(others).map(([name, queueName]) => [name, sibling(anyUrl, queueName)] as const) : [];
      const more = await Promise.all([...dlqs, ...rest].map(([name, url]) => read(name, url, false)));
      return [...sources, ...more].map((r) => r.depth);
    },
  };
}
