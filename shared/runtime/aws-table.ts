import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../queues/names';
import { requireEnv } from './aws';
import type { Ports } from './ports';

/** The table, through the document client (for the functions that read or write it). */
export function awsTable(): Pick<Ports, 'db' | 'table'> {
  return {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    table: requireEnv(ENV.table),
  };
}
