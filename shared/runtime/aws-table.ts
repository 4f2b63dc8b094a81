import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../queues/names';
import { dynamoStores } from '../store/dynamo';
import { requireEnv, type BasePorts } from './aws';
import type { Ports } from './ports';

/** The stores over the table, through the document client (for the functions that read or write it). */
export function awsTable(base: BasePorts): Pick<Ports, 'stores'> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return { stores: dynamoStores(db, requireEnv(ENV.table), { retentionS: base.config.retentionS }) };
}
