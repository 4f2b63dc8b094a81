import { afterAll, beforeAll } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { openLocalDatabase, type LocalDatabase } from '../../shared/local/sqlite';
import { dynamoStores } from '../../shared/store/dynamo';
import type { Stores } from '../../shared/store/port';
import { sqliteStores } from '../../shared/store/sqlite';

/**
 * The store adapters every store contract test runs against: DynamoDB (over dynalite, what AWS runs)
 * and SQLite (the local runtime's default). Use with `describe.each(STORE_ADAPTERS)`.
 */
export const STORE_ADAPTERS = ['dynamodb', 'sqlite'] as const;
export type StoreAdapter = (typeof STORE_ADAPTERS)[number];

/** Fresh, empty, isolated stores on one adapter: start it in beforeAll, close it in afterAll. */
export interface StoreFactory {
  adapter: StoreAdapter;
  fresh(): Promise<Stores>;
  close(): Promise<void>;
}

let tables = 0;

export async function storeFactory(adapter: StoreAdapter): Promise<StoreFactory> {
  if (adapter === 'dynamodb') {
    const dynamo: LocalDynamo = await startLocalDynamo(`contract-${++tables}`);
    return {
      adapter,
      async fresh() {
        const table = `contract-${++tables}`;
        await dynamo.createTable(table);
        return dynamoStores(dynamo.db, table);
      },
      close: () => dynamo.close(),
    };
  }
  const open: LocalDatabase[] = [];
  return {
    adapter,
    async fresh() {
      const database = openLocalDatabase(undefined);
      open.push(database);
      return sqliteStores(database);
    },
    close: async () => {
      for (const database of open) database.close();
    },
  };
}

/**
 * For a `describe` of one adapter: starts its factory before the tests and closes it after, and
 * returns what gives each test fresh stores.
 */
export function freshStores(adapter: StoreAdapter): () => Promise<Stores> {
  let factory: StoreFactory | undefined;
  beforeAll(async () => {
    factory = await storeFactory(adapter);
  });
  afterAll(async () => factory?.close());
  return () => factory!.fresh();
}
