import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { MAX_PART_BYTES, PAYLOAD_RETENTION_S, DynamoPayloadStore, payloadKey } from './payloads';

/** DynamoDB's item size limit, which the fake table enforces as DynamoDB does (ValidationException). */
const ITEM_LIMIT = 400 * 1024;

/** A table in a Map that takes PutItem and GetItem, refusing items over the limit. */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  const calls = { put: 0, get: 0 };
  const keyOf = (k: Record<string, unknown>) => `${String(k.pk)}|${String(k.sk)}`;
  const sizeOf = (item: Record<string, unknown>) =>
    Object.entries(item).reduce((sum, [k, v]) => sum + k.length + (v instanceof Uint8Array ? v.length : String(v).length), 0);
  const db = {
    send: async (cmd: unknown) => {
      if (cmd instanceof PutCommand) {
        calls.put++;
        const item = cmd.input.Item as Record<string, unknown>;
        if (sizeOf(item) > ITEM_LIMIT) throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
        items.set(keyOf(item), { ...item, part: Buffer.from(item.part as Uint8Array) });
        return {};
      }
      if (cmd instanceof GetCommand) {
        calls.get++;
        return { Item: items.get(keyOf(cmd.input.Key as Record<string, unknown>)) };
      }
      throw new Error(`unexpected command ${(cmd as object).constructor.name}`);
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, items, calls };
}

const NOW = new Date('2026-12-06T10:00:00.000Z');
/** Incompressible-ish JSON of about `bytes`: random hex gzips to about half. */
const bigValue = (bytes: number) => ({ alerts: Array.from({ length: Math.ceil(bytes / 1000) }, (_, i) => ({ i, text: randomHex(1000) })) });
const randomHex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

describe('DynamoPayloadStore', () => {
  it('stores a payload larger than an item in parts under the item limit and reads it back whole', async () => {
    const { db, items } = fakeTable();
    const store = new DynamoPayloadStore(db, 't');
    const value = bigValue(3_000_000);
    const ref = await store.put('n1', value, NOW);
    expect(ref.parts).toBeGreaterThan(2);
    expect(ref.parts).toBe(Math.ceil(ref.bytes / MAX_PART_BYTES));
    expect(items.size).toBe(ref.parts);
    for (const item of items.values()) expect(item.expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + PAYLOAD_RETENTION_S);
    expect(await store.get('n1', ref)).toEqual(value);
  });

  it('writes a small payload as one item', async () => {
    const { db, calls } = fakeTable();
    const store = new DynamoPayloadStore(db, 't');
    const ref = await store.put('n1', { alerts: [] }, NOW);
    expect(ref.parts).toBe(1);
    expect(calls.put).toBe(1);
    expect(await store.get('n1', ref)).toEqual({ alerts: [] });
  });

  it('is idempotent: the same payload written again lands on the same items; a changed one on others', async () => {
    const { db, items } = fakeTable();
    const store = new DynamoPayloadStore(db, 't');
    const value = bigValue(800_000);
    const first = await store.put('n1', value, NOW);
    const again = await store.put('n1', value, NOW);
    expect(again).toEqual(first);
    expect(items.size).toBe(first.parts);
    // A redelivery that rebuilt a different payload (the group changed) never mixes with the first.
    const changed = await store.put('n1', { ...value, extra: true }, NOW);
    expect(changed.digest).not.toBe(first.digest);
    expect(await store.get('n1', first)).toEqual(value);
    expect(await store.get('n1', changed)).toEqual({ ...value, extra: true });
  });

  it('answers undefined when a part is gone or the parts do not add up', async () => {
    const { db, items } = fakeTable();
    const store = new DynamoPayloadStore(db, 't');
    const ref = await store.put('n1', bigValue(800_000), NOW);
    expect(await store.get('n1', { ...ref, bytes: ref.bytes + 1 })).toBeUndefined();
    expect(await store.get('n2', ref)).toBeUndefined();
    const last = payloadKey('n1', ref.digest, ref.parts - 1);
    items.delete(`${last.pk}|${last.sk}`);
    expect(await store.get('n1', ref)).toBeUndefined();
  });
});
