import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors';
import { batchGetItems } from './batch-get';

/** A client whose BatchGet answers the first `serve` keys of each request and leaves the rest unprocessed. */
function fakeDb(serve: number) {
  const requests: Array<Record<string, unknown>> = [];
  const db = {
    send: async (cmd: { input: { RequestItems: Record<string, { Keys: Array<{ pk: string }> } & Record<string, unknown>> } }) => {
      const req = cmd.input.RequestItems.t!;
      requests.push(req);
      return { Responses: { t: req.Keys.slice(0, serve).map((k) => ({ ...k, found: true })) }, UnprocessedKeys: { t: { Keys: req.Keys.slice(serve) } } };
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, requests };
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `k${i}` }));
const collect = async (it: AsyncIterable<Record<string, unknown>>) => {
  const out: Array<Record<string, unknown>> = [];
  for await (const item of it) out.push(item);
  return out;
};

describe('batchGetItems', () => {
  it('reads 100 keys a request, with the request options, and retries the unprocessed ones', async () => {
    const { db, requests } = fakeDb(60);
    const items = await collect(batchGetItems(db, 't', keys(150), { ConsistentRead: true }, { strict: true }));
    expect(items.map((i) => i.pk).sort()).toEqual(keys(150).map((k) => k.pk).sort());
    expect(requests.map((r) => (r.Keys as unknown[]).length)).toEqual([100, 40, 50]);
    expect(requests.every((r) => r.ConsistentRead === true)).toBe(true);
  });

  it('gives up after six requests: a ConflictError when strict, the rest left out when not', async () => {
    const strict = fakeDb(1);
    await expect(collect(batchGetItems(strict.db, 't', keys(10), {}, { strict: true }))).rejects.toBeInstanceOf(ConflictError);
    expect(strict.requests).toHaveLength(6);

    const lenient = fakeDb(1);
    expect(await collect(batchGetItems(lenient.db, 't', keys(10), {}, { strict: false }))).toHaveLength(6);
    expect(lenient.requests).toHaveLength(6);
  });
});
