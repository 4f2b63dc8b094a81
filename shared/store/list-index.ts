import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LIST_INDEX, LIST_PK, LIST_SK, type ListKey } from './keys';

/** One key range of the listing index: a partition, optionally cut at `lsk` above or below a bound. */
export interface IndexRange {
  lpk: string;
  /** `above`: only `lsk > bound`; `below`: only `lsk < bound`. */
  cut?: { side: 'above' | 'below'; bound: string } | undefined;
  /** Descending `lsk` order when false. */
  forward?: boolean | undefined;
}

/** Whether `key` lies in `range`: a cursor's key must, or DynamoDB rejects the Query (a 5xx). */
export function inRange(key: ListKey, range: IndexRange): boolean {
  if (key.lpk !== range.lpk) return false;
  if (!range.cut) return true;
  return range.cut.side === 'above' ? key.lsk > range.cut.bound : key.lsk < range.cut.bound;
}

/**
 * One page of the listing index: up to `limit` items after `after`. Reads are eventually
 * consistent (a global secondary index has no other kind): an item written a moment ago may be
 * listed a moment later, which a listing can afford and a conditional write never relies on.
 */
export async function queryIndex(
  db: DynamoDBDocumentClient,
  table: string,
  range: IndexRange,
  after: ListKey | undefined,
  limit: number,
): Promise<{ items: Record<string, unknown>[]; last?: ListKey | undefined }> {
  const values: Record<string, unknown> = { ':lpk': range.lpk };
  let condition = `${LIST_PK} = :lpk`;
  if (range.cut) {
    condition += ` AND ${LIST_SK} ${range.cut.side === 'above' ? '>' : '<'} :bound`;
    values[':bound'] = range.cut.bound;
  }
  const res = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: LIST_INDEX,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ScanIndexForward: range.forward ?? true,
      ExclusiveStartKey: after,
      Limit: limit,
    }),
  );
  return { items: res.Items ?? [], last: res.LastEvaluatedKey as ListKey | undefined };
}
