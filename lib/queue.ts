import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS visibility must outlast every retry of a batch by its consumer (AWS: at least 6× the timeout). */
export const VISIBILITY_FACTOR = 6;

export interface QueueWithDlqProps {
  /** Receives before SQS moves a message to the DLQ (from `MAX_RECEIVES`). */
  readonly maxReceiveCount: number;
  /** Timeout of the Lambda that consumes this queue. */
  readonly consumerTimeout: Duration;
  /** The consumer's maximum batching window; added on top, since a batch can wait that long. @default none */
  readonly consumerBatchingWindow?: Duration;
  /** @default Duration.days(4) (the SQS default) */
  readonly retentionPeriod?: Duration;
}

/**
 * A standard queue and its dead-letter queue. Both use SQS-managed encryption (no KMS key to pay for
 * or grant) and deny requests that are not TLS. The DLQ keeps messages for the SQS maximum of 14
 * days so an operator has time to inspect and redrive them.
 */
export class QueueWithDlq extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.dlq = new Queue(this, 'Dlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const visibility =
      props.consumerTimeout.toSeconds() * VISIBILITY_FACTOR + (props.consumerBatchingWindow?.toSeconds() ?? 0);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(visibility),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount },
    });
  }
}

/**
 * A queue that only ever receives dead letters from services (an EventBridge target, an SNS
 * subscription, a Lambda on-failure destination) rather than from another queue's redrive policy.
 */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is a dead-letter queue itself (EventBridge target DLQ, SNS subscription DLQ, Lambda ' +
      "on-failure destination); cdk-nag only recognizes DLQs named in another queue's RedrivePolicy.",
  });
  return queue;
}
