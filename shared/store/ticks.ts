import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TICK_RETENTION_S, type TickStore } from '../self-monitoring/ticks';
import { isConditionFailure } from './conditions';
import { epochSeconds } from './keys';

/** A periodic job's last completed run: `TICK#<name>` / `LAST`. */
export const tickKey = (name: string) => ({ pk: `TICK#${name}`, sk: 'LAST' });

/** Ticks over DynamoDB: one small item each, overwritten by each run (never moved back by a late one). */
export class DynamoTickStore implements TickStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(name: string, at: Date): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...tickKey(name), at: at.getTime(), expiresAt: epochSeconds(at) + TICK_RETENTION_S },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at.getTime() },
        }),
      );
    } catch (err) {
      // A later run recorded first: it stays.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async last(name: string): Promise<Date | undefined> {
    // Eventually consistent (half the price): a health read may lag the last write by a second.
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: tickKey(name) }));
    return typeof Item?.at === 'number' ? new Date(Item.at) : undefined;
  }
}
