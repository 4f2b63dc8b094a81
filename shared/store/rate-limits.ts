import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './conditions';
import { dayAfterUse } from './model';
import type { RateLimiter as RateLimiterPort } from './port';

const key = (target: string) => ({ pk: `RATE#${target}`, sk: 'SLOT' });

/**
 * Send slots per target (e.g. one Slack webhook), shared by every concurrent sender: a slot is
 * reserved with conditional writes on one item holding the next free time, so N senders get N slots
 * `intervalMs` apart. Idle, a reservation is one write; under contention, two.
 */
export class DynamoRateLimiter implements RateLimiterPort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Reserve the next slot for `target`; returns its time (epoch ms), `now` when the target is idle. */
  async reserve(target: string, intervalMs: number, now: number): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        // Idle target: take the slot now.
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key(target),
            UpdateExpression: 'SET nextAt = :next, expiresAt = :exp',
            ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt <= :now',
            ExpressionAttributeValues: { ':next': now + intervalMs, ':now': now, ':exp': dayAfterUse(now) },
          }),
        );
        return now;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      try {
        // Busy target: queue up behind the last reserved slot.
        const res = await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key(target),
            UpdateExpression: 'SET nextAt = nextAt + :interval',
            ConditionExpression: 'nextAt > :now',
            ExpressionAttributeValues: { ':interval': intervalMs, ':now': now },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return (res.Attributes!.nextAt as number) - intervalMs;
      } catch (err) {
        // The queue drained between the two writes: the target is idle again, start over.
        if (!isConditionFailure(err)) throw err;
      }
    }
    return now;
  }
}
