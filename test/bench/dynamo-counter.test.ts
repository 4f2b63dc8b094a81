import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { installDynamoCounter, totals } from './dynamo-counter';

const TABLE = 'alertflow-counter';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
});
afterAll(async () => dynamo?.close());

describe('bench DynamoDB counter', () => {
  it('bills the listing index a write when a put creates an item with listing keys, not when it rewrites one', async () => {
    const counter = installDynamoCounter(dynamo.client);
    const item = (version: number) => ({ pk: 'GROUP#g1', sk: 'STATE', lpk: 'GROUPS', lsk: 'team\x01{}\x01g1', version, blob: 'x'.repeat(100) });
    await dynamo.db.send(new PutCommand({ TableName: TABLE, Item: item(1), ConditionExpression: 'attribute_not_exists(pk)' }));
    expect(totals(counter.snapshot()).writeUnits).toBe(2);
    await dynamo.db.send(new PutCommand({ TableName: TABLE, Item: item(2), ConditionExpression: 'version = :prev', ExpressionAttributeValues: { ':prev': 1 } }));
    expect(totals(counter.snapshot()).writeUnits).toBe(3);
    // A creation that loses the race writes the item's units (billed) and nothing to the index.
    await expect(dynamo.db.send(new PutCommand({ TableName: TABLE, Item: item(1), ConditionExpression: 'attribute_not_exists(pk)' }))).rejects.toThrow();
    expect(totals(counter.snapshot())).toMatchObject({ writeUnits: 4, conditionalFailures: 1 });
    // An item without listing keys has no index entry.
    await dynamo.db.send(new PutCommand({ TableName: TABLE, Item: { pk: 'NOTIF#n', sk: 'DELIVERY' }, ConditionExpression: 'attribute_not_exists(pk)' }));
    expect(totals(counter.snapshot()).writeUnits).toBe(5);
  });
});
