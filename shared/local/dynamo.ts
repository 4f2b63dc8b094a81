import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LIST_INDEX, LIST_INDEX_PROJECTED, LIST_PK, LIST_SK } from '../store/keys';
import { withListKeys } from '../store/migrate';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  db: DynamoDBDocumentClient;
  /** Create another table with the same key schema (tests isolate their state this way). */
  createTable(table: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An embedded DynamoDB-compatible server (dynalite). With `dir` the data persists in LevelDB files
 * there; without it, it lives in memory (tests). Dynalite has no TTL deletion — readers already
 * ignore expired items, as they must in AWS too.
 */
export async function startLocalDynamo(table: string, dir?: string): Promise<LocalDynamo> {
  if (dir) mkdirSync(dir, { recursive: true });
  const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTable(client, table);
  return {
    endpoint,
    client,
    db: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    createTable: (name) => ensureTable(client, name),
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The same key schema and listing index the CDK stack creates (lib/state.ts), on demand. */
async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  const backup = `${table}-pre-${LIST_INDEX}-index`;
  const exists = await describe(client, table);
  if (exists && exists.hasIndex) {
    // A migration that stopped after recreating the table and before dropping the copy: finish it.
    if (await describe(client, backup)) await copyItems(client, backup, table, true);
    return;
  }
  if (exists) {
    // A data directory from before the listing index: dynalite cannot add an index to a table, so
    // copy the items aside, recreate the table with the index, and copy them back with their list
    // keys. Every step is idempotent, so a crash midway is finished by the next start.
    await createTable(client, backup, false);
    await copyItems(client, table, backup, false);
    await dropTable(client, table);
  }
  await createTable(client, table, true);
  if (await describe(client, backup)) await copyItems(client, backup, table, true);
}

async function describe(client: DynamoDBClient, table: string): Promise<{ hasIndex: boolean; status: string | undefined } | undefined> {
  try {
    const res = await client.send(new DescribeTableCommand({ TableName: table }));
    return { hasIndex: (res.Table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === LIST_INDEX), status: res.Table?.TableStatus };
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as Error).name !== 'ResourceNotFoundException') throw err;
    return undefined;
  }
}

/**
 * Dynalite creates and deletes tables on a timer (0 ms here) after answering; wait for it, so the
 * next step sees the table ACTIVE, or gone. (A crash inside that timer's tick would leave the
 * table CREATING or DELETING on disk; the window is one event-loop turn.)
 */
async function settled(client: DynamoDBClient, table: string, want: 'ACTIVE' | 'gone'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const d = await describe(client, table);
    if (want === 'gone' ? d === undefined : d?.status === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`local table ${table} did not become ${want}`);
}

async function dropTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: table }));
  await settled(client, table, 'gone');
}

async function createTable(client: DynamoDBClient, table: string, withIndex: boolean): Promise<void> {
  if (await describe(client, table)) return settled(client, table, 'ACTIVE');
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        ...(withIndex
          ? [
              { AttributeName: LIST_PK, AttributeType: 'S' as const },
              { AttributeName: LIST_SK, AttributeType: 'S' as const },
            ]
          : []),
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      ...(withIndex
        ? {
            GlobalSecondaryIndexes: [
              {
                IndexName: LIST_INDEX,
                KeySchema: [
                  { AttributeName: LIST_PK, KeyType: 'HASH' },
                  { AttributeName: LIST_SK, KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LIST_INDEX_PROJECTED] },
              },
            ],
          }
        : {}),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await settled(client, table, 'ACTIVE');
}

/** Copy every item (a Scan: start-up migration only, never a request path); then drop `from` if asked. */
async function copyItems(client: DynamoDBClient, from: string, to: string, dropSource: boolean): Promise<void> {
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: from, ExclusiveStartKey: start, Limit: 25 }));
    const items = page.Items ?? [];
    if (items.length > 0) await db.send(new BatchWriteCommand({ RequestItems: { [to]: items.map((item) => ({ PutRequest: { Item: withListKeys(item) } })) } }));
    start = page.LastEvaluatedKey;
  } while (start);
  if (dropSource) await dropTable(client, from);
}
