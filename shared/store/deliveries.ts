import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryKey, epochSeconds } from './keys';

/** `dead_lettered` messages may be redriven; only `delivered` stops a later receive from sending. */
export type DeliveryStatus = 'delivered' | 'retrying' | 'failed' | 'dead_lettered';

/** One attempt to deliver a notification. `target` never holds a secret. */
export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'success' | 'retryable' | 'permanent';
  status?: number;
  reason?: string;
  latencyMs: number;
}

export interface DeliveryRecord {
  notificationId: string;
  channel: string;
  receiver: string;
  target: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
}

/** Delivery records live 30 days: long enough to debug a page, short enough to cost nothing. */
const RETENTION_S = 30 * 86_400;

/**
 * One item per notification: the idempotency marker (status `delivered`) and the attempt log in
 * one place, so each attempt costs one write and the "already sent?" check one read.
 */
export class DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(notificationId: string): Promise<DeliveryRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: deliveryKey(notificationId), ConsistentRead: true }));
    return res.Item as DeliveryRecord | undefined;
  }

  async recordAttempt(
    rec: Omit<DeliveryRecord, 'attempts' | 'status'> & { status: DeliveryStatus },
    attempt: DeliveryAttempt,
    now: Date,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: deliveryKey(rec.notificationId),
        UpdateExpression:
          'SET #status = :status, notificationId = :id, channel = :channel, receiver = :receiver, target = :target, ' +
          'attempts = list_append(if_not_exists(attempts, :empty), :attempt), expiresAt = :exp',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': rec.status,
          ':id': rec.notificationId,
          ':channel': rec.channel,
          ':receiver': rec.receiver,
          ':target': rec.target,
          ':empty': [],
          ':attempt': [attempt],
          ':exp': epochSeconds(now) + RETENTION_S,
        },
      }),
    );
  }
}
