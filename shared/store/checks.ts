import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CHECK_RETENTION_S, type CheckState, type CheckStore, type StoredCheck } from '../checks/check';
import { ConflictError, NotFoundError } from '../errors';
import { isConditionFailure, versionCondition } from './conditions';
import { epochSeconds, isLive } from './keys';

/**
 * Threshold checks in one partition, `CHECKS`: `DEF#<name>` for those made through the API and
 * `STATE#<name>` for every check's evaluation state. The tick reads the whole partition with one
 * Query (a few KB per hundred checks), so no listing index and no Scan.
 */
export const CHECKS_PK = 'CHECKS';
export const checkDefinitionKey = (name: string) => ({ pk: CHECKS_PK, sk: `DEF#${name}` });
export const checkStateKey = (name: string) => ({ pk: CHECKS_PK, sk: `STATE#${name}` });

/** When a state may go (TTL): long after its last write; every evaluation rewrites a live check's. */
export const checkStateExpiresAt = (state: CheckState): number => Math.ceil(state.writtenAt / 1000) + CHECK_RETENTION_S;

/**
 * versionCondition for an item that expires: one whose TTL passed (not deleted yet: DynamoDB's TTL
 * runs late) counts as absent, as readers skip it, so version 1 may replace it and no later version
 * goes over it.
 */
const liveVersionCondition = (version: number, now: Date) => {
  const at = epochSeconds(now);
  return version === 1
    ? { ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now', ExpressionAttributeValues: { ':now': at } }
    : { ConditionExpression: 'version = :prev AND expiresAt > :now', ExpressionAttributeValues: { ':prev': version - 1, ':now': at } };
};

export class DynamoCheckStore implements CheckStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(): Promise<{ definitions: StoredCheck[]; states: CheckState[] }> {
    const definitions: StoredCheck[] = [];
    const states: CheckState[] = [];
    const now = new Date();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': CHECKS_PK }, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        const sk = item.sk as string;
        if (sk.startsWith('DEF#')) definitions.push(decodeDefinition(item));
        else if (sk.startsWith('STATE#') && isLive(item as { expiresAt?: number }, now)) states.push(decodeState(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { definitions, states };
  }

  async getDefinition(name: string): Promise<StoredCheck | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: checkDefinitionKey(name), ConsistentRead: true }));
    return Item ? decodeDefinition(Item) : undefined;
  }

  async putDefinition(next: StoredCheck): Promise<void> {
    const { version, ...def } = next;
    await this.conditional(`check ${next.config.name}`, new PutCommand({ TableName: this.table, Item: { ...checkDefinitionKey(next.config.name), version, definition: JSON.stringify(def) }, ...versionCondition(version) }));
  }

  async deleteDefinition(name: string, version: number): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: checkDefinitionKey(name), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (!(await this.getDefinition(name))) throw new NotFoundError(`no check named ${JSON.stringify(name)}`);
      throw new ConflictError(`check ${name} changed concurrently`, { cause: err });
    }
  }

  async getState(name: string): Promise<CheckState | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: checkStateKey(name), ConsistentRead: true }));
    return Item && isLive(Item as { expiresAt?: number }, new Date()) ? decodeState(Item) : undefined;
  }

  async putState(next: CheckState): Promise<void> {
    const { version, ...state } = next;
    await this.conditional(
      `check state ${next.name}`,
      new PutCommand({ TableName: this.table, Item: { ...checkStateKey(next.name), version, state: JSON.stringify(state), expiresAt: checkStateExpiresAt(next) }, ...liveVersionCondition(version, new Date()) }),
    );
  }

  async deleteState(name: string, version: number): Promise<void> {
    await this.conditional(`check state ${name}`, new DeleteCommand({ TableName: this.table, Key: checkStateKey(name), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }));
  }

  private async conditional(what: string, command: PutCommand | DeleteCommand): Promise<void> {
    try {
      await this.db.send(command as PutCommand);
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`${what} changed concurrently`, { cause: err });
      throw err;
    }
  }
}

function decodeDefinition(item: Record<string, unknown>): StoredCheck {
  return { ...(JSON.parse(item.definition as string) as Omit<StoredCheck, 'version'>), version: item.version as number };
}

function decodeState(item: Record<string, unknown>): CheckState {
  return { ...(JSON.parse(item.state as string) as Omit<CheckState, 'version'>), version: item.version as number };
}
