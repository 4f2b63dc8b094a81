import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalDynamo } from '../../shared/local/dynamo';
import { DynamoGroupStore } from '../../shared/store/groups';
import { type GroupState } from '../../shared/grouping/model';
import { DynamoSilenceStore } from '../../shared/store/silences';
import { groupState } from '../support/group-state';

/**
 * Integration: a data directory written before the listing index existed (a table without it, items
 * without list keys) is migrated at start: the table gets the index and the old items are listed.
 */
const TABLE = 'alertflow';
const NOW = new Date('2026-11-22T10:00:00.000Z');
let dir: string;
const oldSchema = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  BillingMode: 'PAY_PER_REQUEST' as const,
};
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The table as an older version created it, with one group and one silence as it wrote them. */
async function oldDataDir(path: string): Promise<void> {
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await client.send(new CreateTableCommand({ ...oldSchema, TableName: TABLE }));
  // Dynalite activates a table on a timer after answering: under load a Put can come first.
  while ((await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 5));
  const db = DynamoDBDocumentClient.from(client);
  // Written by today's stores, then stripped of the list keys an older version did not write.
  const captured: Record<string, unknown>[] = [];
  const capture = { send: async (cmd: PutCommand) => void captured.push(cmd.input.Item!) } as unknown as DynamoDBDocumentClient;
  await new DynamoGroupStore(capture, TABLE).put(group);
  await new DynamoSilenceStore(capture, TABLE).create(silence);
  for (const { lpk: _lpk, lsk: _lsk, ...item } of captured) await db.send(new PutCommand({ TableName: TABLE, Item: item }));
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const group: GroupState = groupState('Disk', [{ fingerprint: 'f1', status: 'firing', labels: { alertname: 'Disk' }, annotations: {}, startsAt: NOW.toISOString(), source: 'generic' }], NOW, { groupId: 'g1' });
const silence = {
  id: 's1',
  matchers: [{ name: 'alertname', value: 'Disk', isRegex: false, isEqual: true }],
  starts_at: NOW.toISOString(),
  ends_at: new Date(NOW.getTime() + 3_600_000).toISOString(),
  created_by: 'alice',
  comment: 'swap',
  updated_at: NOW.toISOString(),
};

describe('a data directory from before the listing index', () => {
  it('is migrated at start: the index exists and the old group and silence are listed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertflow-migrate-'));
    await oldDataDir(dir);
    const dynamo = await startLocalDynamo(TABLE, dir);
    try {
      const table = await dynamo.client.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['list']);
      // The copy made on the way is gone.
      expect((await dynamo.client.send(new ListTablesCommand({}))).TableNames).toEqual([TABLE]);
      expect((await new DynamoGroupStore(dynamo.db, TABLE).page(undefined, 10, NOW)).groups.map((g) => g.groupId)).toEqual(['g1']);
      expect((await new DynamoSilenceStore(dynamo.db, TABLE).current(NOW)).map((s) => s.id)).toEqual(['s1']);
    } finally {
      await dynamo.close();
    }
    // A second start finds nothing to do.
    const again = await startLocalDynamo(TABLE, dir);
    expect((await new DynamoSilenceStore(again.db, TABLE).current(NOW)).map((s) => s.id)).toEqual(['s1']);
    await again.close();
  });

  it('finishes a migration that stopped after recreating the table (the items still in the side copy)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertflow-migrate-'));
    await oldDataDir(dir);
    // The state a crash leaves after "copy aside, drop, recreate with the index": an empty new table
    // beside the side copy holding every item.
    const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const db = DynamoDBDocumentClient.from(client);
    const side = `${TABLE}-pre-list-index`;
    const { Items } = await db.send(new ScanCommand({ TableName: TABLE }));
    await client.send(new CreateTableCommand({ ...oldSchema, TableName: side }));
    await new Promise((r) => setTimeout(r, 20));
    for (const item of Items ?? []) await db.send(new PutCommand({ TableName: side, Item: item }));
    await client.send(new DeleteTableCommand({ TableName: TABLE }));
    // Dynalite drops the table on a timer after answering.
    while ((await client.send(new ListTablesCommand({}))).TableNames?.includes(TABLE)) await new Promise((r) => setTimeout(r, 5));
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // A half-started runtime would have created the indexed table; startLocalDynamo does that too.
    const dynamo = await startLocalDynamo(TABLE, dir);
    try {
      expect((await dynamo.client.send(new ListTablesCommand({}))).TableNames).toEqual([TABLE]);
      expect((await new DynamoGroupStore(dynamo.db, TABLE).page(undefined, 10, NOW)).groups.map((g) => g.groupId)).toEqual(['g1']);
      expect((await new DynamoSilenceStore(dynamo.db, TABLE).current(NOW)).map((s) => s.id)).toEqual(['s1']);
    } finally {
      await dynamo.close();
    }
  });
});
