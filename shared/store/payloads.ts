import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PayloadRef } from '../queues/messages';
import { epochSeconds } from './keys';
import type { PayloadStore as PayloadStorePort } from './port';

/**
 * A notification payload too large for its queue message (SQS takes 256 KiB; a group of 10,000
 * alerts with 1 KB annotations is 12 MB), stored gzip'd in parts beside the other state:
 *
 *   PAYLOAD#<notificationId>   <sha256 of the gzip'd bytes>#<i>   part i
 *
 * The content's digest is in the key, so a write is idempotent by construction: a redelivered router
 * message that rebuilds the same payload puts the same bytes under the same keys, and one that
 * rebuilds a different payload (the group changed meanwhile) puts it under other keys, never mixing
 * parts of two versions. No condition, no read before the write.
 */
export class DynamoPayloadStore implements PayloadStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Store `value` (any JSON) for `notificationId`; what the queue message carries to find it. */
  async put(notificationId: string, value: unknown, now: Date): Promise<PayloadRef> {
    const blob = gzipSync(JSON.stringify(value));
    const digest = createHash('sha256').update(blob).digest('hex');
    const expiresAt = epochSeconds(now) + PAYLOAD_RETENTION_S;
    const parts = Math.max(1, Math.ceil(blob.length / MAX_PART_BYTES));
    await forEachLimited(parts, (i) =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...payloadKey(notificationId, digest, i), expiresAt, part: blob.subarray(i * MAX_PART_BYTES, (i + 1) * MAX_PART_BYTES) },
        }),
      ),
    );
    return { digest, parts, bytes: blob.length };
  }

  /**
   * The value stored under `ref`, or undefined when a part is gone (its TTL passed) or the parts do
   * not add up to what was written. Reads each part by key (GetItem: no Query or BatchGet needed).
   */
  async get(notificationId: string, ref: PayloadRef): Promise<unknown> {
    const chunks: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(ref.parts);
    await forEachLimited(ref.parts, async (i) => {
      const res = await this.db.send(new GetCommand({ TableName: this.table, Key: payloadKey(notificationId, ref.digest, i), ConsistentRead: true }));
      chunks[i] = res.Item?.part as Uint8Array | undefined;
    });
    if (chunks.some((c) => c === undefined)) return undefined;
    const blob = Buffer.concat(chunks as Uint8Array[]);
    if (blob.length !== ref.bytes || createHash('sha256').update(blob).digest('hex') !== ref.digest) return undefined;
    return JSON.parse(gunzipSync(blob).toString('utf8')) as unknown;
  }
}

/** Bytes of gzip'd payload per item: under DynamoDB's 400 KB item limit with room for the keys. */
export const MAX_PART_BYTES = 350_000;

/**
 * Payloads outlive every message that may still point at one: a DLQ keeps messages 14 days, and a
 * redrive after that must still find what they carry. Storage is cents per GB-month; reads of an
 * expired payload fall back to what the message carries inline.
 */
export const PAYLOAD_RETENTION_S = 15 * 86_400;

export const payloadKey = (notificationId: string, digest: string, index: number) => ({ pk: `PAYLOAD#${notificationId}`, sk: `${digest}#${index}` });

/** Requests in flight at once for one payload: overlap the latency, without queueing in the SDK. */
const CONCURRENCY = 8;

async function forEachLimited(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}
