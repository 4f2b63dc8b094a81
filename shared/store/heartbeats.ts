import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';
import { HEARTBEAT_RETENTION_S, type HeartbeatState, type HeartbeatStore } from '../heartbeats/heartbeat';
import { batchGetItems } from './batch-get';
import { isConditionFailure, versionCondition } from './conditions';

/** A heartbeat's item: `HEARTBEAT#<name>` / `STATE`. */
export const heartbeatKey = (name: string) => ({ pk: `HEARTBEAT#${name}`, sk: 'STATE' });

/** When a heartbeat's state may go (TTL): long after its last write (the tick rewrites a configured one in time), so only a removed heartbeat's goes. */
export const heartbeatExpiresAt = (state: HeartbeatState): number => Math.ceil(state.writtenAt / 1000) + HEARTBEAT_RETENTION_S;

/** Heartbeats over DynamoDB: one small item each, written with a condition on its version. */
export class DynamoHeartbeatStore implements HeartbeatStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getMany(names: readonly string[]): Promise<Map<string, HeartbeatState>> {
    const out = new Map<string, HeartbeatState>();
    // Strongly consistent: a tick must see the last ping's write.
    for await (const item of batchGetItems(this.db, this.table, [...new Set(names)].map(heartbeatKey), { ConsistentRead: true }, { strict: true })) {
      const state = JSON.parse(item.state as string) as HeartbeatState;
      out.set(state.name, { ...state, version: item.version as number });
    }
    return out;
  }

  async put(next: HeartbeatState): Promise<void> {
    const { version, ...state } = next;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...heartbeatKey(next.name), version, state: JSON.stringify(state), expiresAt: heartbeatExpiresAt(next) },
          ...versionCondition(version),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`heartbeat ${next.name} changed concurrently`, { cause: err });
      throw err;
    }
  }
}
