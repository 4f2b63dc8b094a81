import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';

type Key = Record<string, unknown>;

/** What a BatchGet asks of each key besides the key itself. */
export interface BatchGetRequest {
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

/**
 * Every item found among `keys`, read 100 keys a BatchGet. Keys DynamoDB leaves unprocessed (under
 * throttling) are retried with a short backoff, six requests in all; any still unprocessed then are
 * a ConflictError when `strict`, else left out (the caller reads them as missing).
 */
export async function* batchGetItems(db: DynamoDBDocumentClient, table: string, keys: readonly Key[], request: BatchGetRequest, opts: { strict: boolean }): AsyncGenerator<Key> {
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Key[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending && pending.length > 0 && attempt < 6; attempt++) {
      const res = await db.send(new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: pending } } }));
      yield* res.Responses?.[table] ?? [];
      pending = res.UnprocessedKeys?.[table]?.Keys as Key[] | undefined;
      if (pending?.length && attempt >= 5 && opts.strict) throw new ConflictError('DynamoDB kept returning unprocessed keys');
      if (pending?.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  }
}
