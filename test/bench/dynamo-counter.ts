import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LIST_INDEX_PROJECTED, LIST_PK, LIST_SK } from '../../shared/store/keys';

/**
 * Counts DynamoDB calls on the wire, per operation, with items and estimated capacity units.
 *
 * The middleware sits in the client's `deserialize` step with low priority, i.e. inside the SDK's
 * deserializer: it sees the raw JSON request and response bodies in DynamoDB's own AttributeValue
 * form, for plain client commands and DocumentClient commands alike (the DocumentClient shares the
 * client's middleware stack and marshals before serializing). Being inside the retry middleware, it
 * counts every attempt, as DynamoDB bills them.
 *
 * Capacity units are estimates, using DynamoDB's documented item-size rules (as dynalite implements
 * them): attribute name bytes + value bytes; numbers ~1 byte per 2 digits + 1; lists and maps 3 bytes
 * + 1 per element.
 * - Reads: from the response items: ceil(size / 4 KB) per item read strongly consistently (half that
 *   eventually consistent); a key that returned no item counts 1 unit (the minimum a get is billed);
 *   Query/Scan: ceil(total size / 4 KB).
 * - Writes: from the request: PutItem/BatchWrite puts: ceil(Item size / 1 KB), plus the listing
 *   index's write when the put creates an item with listing keys (see indexWriteUnits), or when an
 *   update first sets them (updateIndexWriteUnits: a delivery record's log entry). UpdateItem: the key
 *   plus the update's values (ExpressionAttributeValues) — an estimate, since DynamoDB bills the
 *   larger of the item before and after the update, which the request does not show. DeleteItem and
 *   batch deletes: the key (DynamoDB bills the deleted item's size). A write whose condition failed
 *   is still billed, and counted.
 */
export interface OpCounts {
  calls: number;
  /** Calls answered with an error other than ConditionalCheckFailed. */
  errors: number;
  conditionalFailures: number;
  /** Keys asked for (GetItem 1, BatchGetItem its processed keys) or items returned (Query/Scan). */
  itemsRead: number;
  /** Items that came back. */
  itemsReturned: number;
  /** Items written: PutItem/UpdateItem/DeleteItem 1, BatchWriteItem its processed requests. */
  itemsWritten: number;
  readUnits: number;
  writeUnits: number;
  /** Bytes of the items behind the units (read: returned items; write: estimated written items). */
  itemBytes: number;
}

export type DynamoCounts = Record<string, OpCounts>;

export interface DynamoTotals {
  readCalls: number;
  writeCalls: number;
  otherCalls: number;
  itemsRead: number;
  itemsWritten: number;
  readUnits: number;
  writeUnits: number;
  conditionalFailures: number;
  errors: number;
}

const READ_OPS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface DynamoCounter {
  snapshot(): DynamoCounts;
}

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

interface WireRequest {
  headers: Record<string, string>;
  body?: unknown;
}
interface WireResponse {
  statusCode: number;
  body?: unknown;
}

/** Install the counter on `client` (and so on every DocumentClient built from it). */
export function installDynamoCounter(client: DynamoDBClient): DynamoCounter {
  const counts: DynamoCounts = {};
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as WireRequest;
      const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
      const op = target.split('.').pop() || 'unknown';
      const result = await next(args);
      const response = result.response as WireResponse;
      const bytes = await readBody(response.body);
      // Hand the deserializer the bytes we consumed (it accepts a Uint8Array body as-is).
      response.body = bytes;
      try {
        count(counts, op, parseJson(request.body), response.statusCode, parseJson(bytes));
      } catch {
        // Counting must never break a call.
        entry(counts, op).calls++;
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'alertflowBenchDynamoCounter' },
  );
  return { snapshot: () => structuredClone(counts) };
}

export function diffCounts(after: DynamoCounts, before: DynamoCounts): DynamoCounts {
  const out: DynamoCounts = {};
  for (const [op, a] of Object.entries(after)) {
    const b = before[op];
    const d = { ...a };
    if (b) for (const k of Object.keys(d) as Array<keyof OpCounts>) d[k] -= b[k];
    if (d.calls > 0) out[op] = d;
  }
  return out;
}

export function totals(counts: DynamoCounts): DynamoTotals {
  const t: DynamoTotals = { readCalls: 0, writeCalls: 0, otherCalls: 0, itemsRead: 0, itemsWritten: 0, readUnits: 0, writeUnits: 0, conditionalFailures: 0, errors: 0 };
  for (const [op, c] of Object.entries(counts)) {
    if (READ_OPS.has(op)) t.readCalls += c.calls;
    else if (WRITE_OPS.has(op)) t.writeCalls += c.calls;
    else t.otherCalls += c.calls;
    t.itemsRead += c.itemsRead;
    t.itemsWritten += c.itemsWritten;
    t.readUnits += c.readUnits;
    t.writeUnits += c.writeUnits;
    t.conditionalFailures += c.conditionalFailures;
    t.errors += c.errors;
  }
  return t;
}

function entry(counts: DynamoCounts, op: string): OpCounts {
  return (counts[op] ??= { calls: 0, errors: 0, conditionalFailures: 0, itemsRead: 0, itemsReturned: 0, itemsWritten: 0, readUnits: 0, writeUnits: 0, itemBytes: 0 });
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function parseJson(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  // The SDK's JSON request body is a Uint8Array subclass whose string methods warn; read its bytes.
  const bytes = body as Uint8Array;
  const text = typeof body === 'string' ? body : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const readUnitsOf = (size: number | undefined, consistent: boolean) => (size === undefined ? 1 : Math.ceil(size / 4096)) * (consistent ? 1 : 0.5);
const writeUnitsOf = (size: number) => Math.max(1, Math.ceil(size / 1024));

function count(counts: DynamoCounts, op: string, req: Record<string, unknown>, status: number, res: Record<string, unknown>): void {
  const c = entry(counts, op);
  c.calls++;
  const errorType = status >= 300 ? String(res.__type ?? 'unknown').split('#').pop() : undefined;
  const conditionFailed = errorType === 'ConditionalCheckFailedException';
  if (errorType && !conditionFailed) {
    c.errors++;
    return;
  }
  if (conditionFailed) c.conditionalFailures++;
  switch (op) {
    case 'GetItem': {
      const item = res.Item as Item | undefined;
      const size = item ? itemSize(item) : undefined;
      c.itemsRead++;
      if (item) c.itemsReturned++;
      c.itemBytes += size ?? 0;
      c.readUnits += readUnitsOf(size, req.ConsistentRead === true);
      break;
    }
    case 'BatchGetItem': {
      const asked = (req.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
      const got = (res.Responses ?? {}) as Record<string, Item[]>;
      const unprocessed = (res.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
      for (const [table, spec] of Object.entries(asked)) {
        const consistent = spec.ConsistentRead === true;
        const processed = (spec.Keys?.length ?? 0) - (unprocessed[table]?.Keys?.length ?? 0);
        const items = got[table] ?? [];
        c.itemsRead += processed;
        c.itemsReturned += items.length;
        for (const item of items) {
          const size = itemSize(item);
          c.itemBytes += size;
          c.readUnits += readUnitsOf(size, consistent);
        }
        c.readUnits += Math.max(0, processed - items.length) * readUnitsOf(undefined, consistent);
      }
      break;
    }
    case 'Query':
    case 'Scan': {
      const items = (res.Items ?? []) as Item[];
      const size = items.reduce((sum, item) => sum + itemSize(item), 0);
      c.itemsRead += items.length;
      c.itemsReturned += items.length;
      c.itemBytes += size;
      c.readUnits += Math.max(1, Math.ceil(size / 4096)) * (req.ConsistentRead === true ? 1 : 0.5);
      break;
    }
    case 'PutItem': {
      const item = (req.Item ?? {}) as Item;
      const size = itemSize(item);
      c.itemsWritten++;
      c.itemBytes += size;
      c.writeUnits += writeUnitsOf(size);
      c.writeUnits += indexWriteUnits(item, req.ConditionExpression, conditionFailed);
      break;
    }
    case 'UpdateItem': {
      const values = (req.ExpressionAttributeValues ?? {}) as Item;
      // Placeholder names (":status") stand in for the attribute names they set.
      const named = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/^:/, ''), v]));
      const size = itemSize((req.Key ?? {}) as Item) + itemSize(named);
      c.itemsWritten++;
      c.itemBytes += size;
      c.writeUnits += writeUnitsOf(size);
      c.writeUnits += updateIndexWriteUnits(counts, req, named, conditionFailed);
      break;
    }
    case 'DeleteItem': {
      const size = itemSize((req.Key ?? {}) as Item);
      c.itemsWritten++;
      c.itemBytes += size;
      c.writeUnits += writeUnitsOf(size);
      break;
    }
    case 'BatchWriteItem': {
      const asked = (req.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>;
      const unprocessed = (res.UnprocessedItems ?? {}) as Record<string, unknown[]>;
      for (const [table, writes] of Object.entries(asked)) {
        const skipped = unprocessed[table]?.length ?? 0;
        // Unprocessed entries are not billed; which ones they were does not change the estimate much.
        for (const w of writes.slice(0, writes.length - skipped)) {
          const size = itemSize(w.PutRequest?.Item ?? w.DeleteRequest?.Key ?? {});
          c.itemsWritten++;
          c.itemBytes += size;
          c.writeUnits += writeUnitsOf(size);
        }
      }
      break;
    }
    default:
      // Control-plane and other calls: counted, not costed.
      break;
  }
}

/**
 * The listing index (a GSI, lib/state.ts) bills its own write when an item with listing keys is
 * created: ceil(entry size / 1 KB), the entry being the table and index keys plus the projected
 * attributes. A rewrite that keeps the keys and projected attributes (a group's) writes nothing to it.
 * Creations are the puts conditioned on the item not existing; a put that fails its condition
 * writes nothing to the index. (Changing a silence's end moves its entry: not in the storms.)
 */
function indexWriteUnits(item: Item, condition: unknown, conditionFailed: boolean): number {
  if (conditionFailed || !(LIST_PK in item) || typeof condition !== 'string' || !condition.includes('attribute_not_exists')) return 0;
  const projected = new Set<string>(['pk', 'sk', LIST_PK, LIST_SK, ...LIST_INDEX_PROJECTED]);
  return writeUnitsOf(itemSize(Object.fromEntries(Object.entries(item).filter(([k]) => projected.has(k)))));
}

/** Per counter: the items an update has given listing keys (their index entry is billed once). */
const indexed = new WeakMap<DynamoCounts, Set<string>>();

/**
 * An update that sets listing keys only where missing (`lpk = if_not_exists(lpk, ...)`: a delivery
 * record's entry in the delivery log) writes the index when it makes them: the first such update of
 * an item this counter sees. The entry is the keys alone (a delivery has no projected attribute).
 */
function updateIndexWriteUnits(counts: DynamoCounts, req: Record<string, unknown>, named: Item, conditionFailed: boolean): number {
  if (conditionFailed || typeof req.UpdateExpression !== 'string' || !req.UpdateExpression.includes(`${LIST_PK} = if_not_exists(`)) return 0;
  const key = (req.Key ?? {}) as Item;
  const id = JSON.stringify(key);
  const seen = indexed.get(counts) ?? new Set<string>();
  indexed.set(counts, seen);
  if (seen.has(id)) return 0;
  seen.add(id);
  return writeUnitsOf(itemSize({ ...key, [LIST_PK]: named.lpk ?? { S: '' }, [LIST_SK]: named.lsk ?? { S: '' } }));
}

/** DynamoDB's item size: per attribute, its name's UTF-8 bytes plus its value's size. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(v as string);
    case 'B':
      return Buffer.from(v as string, 'base64').length;
    case 'N':
      return numberSize(v as string);
    case 'SS':
      return (v as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    case 'BS':
      return (v as string[]).reduce((sum, s) => sum + Buffer.from(s, 'base64').length, 0);
    case 'NS':
      return (v as string[]).reduce((sum, s) => sum + numberSize(s), 0);
    case 'L':
      return 3 + (v as AttributeValue[]).reduce((sum, e) => sum + 1 + valueSize(e), 0);
    case 'M':
      return 3 + Object.keys(v as Item).length + itemSize(v as Item);
    default:
      return 1; // NULL, BOOL
  }
}

/** About 1 byte per two significant digits, plus 1. */
function numberSize(n: string): number {
  const digits = n.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length === 0 ? 1 : 1 + Math.ceil(digits.length / 2);
}

export const isReadOp = (op: string) => READ_OPS.has(op);
export const isWriteOp = (op: string) => WRITE_OPS.has(op);
