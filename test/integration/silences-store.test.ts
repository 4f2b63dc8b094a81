import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { Silence } from '../../shared/silences/model';
import { silenceKey } from '../../shared/store/keys';
import { SILENCE_RETENTION_S, DynamoSilenceStore } from '../../shared/store/silences';

/**
 * Integration: the DynamoDB silence store's own mechanics against dynalite (raw items, TTL attribute,
 * Query pages, racing writers, the listing-index backfill). What both adapters must do is in
 * store-contract.test.ts.
 */
let dynamo: LocalDynamo;
const TABLE = 'alertflow-silences';
const NOW = new Date('2026-11-22T10:00:00.000Z');
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const iso = (offsetMs: number) => at(offsetMs).toISOString();

let seq = 0;
function silence(window: { starts_at: string; ends_at: string }, overrides: Partial<Silence> = {}): Silence {
  return {
    id: `s-${++seq}`,
    matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
    created_by: 'alice',
    comment: 'disk swap',
    updated_at: iso(-2 * HOUR),
    ...window,
    ...overrides,
  };
}

const store = () => new DynamoSilenceStore(dynamo.db, TABLE);

async function rawItem(id: string): Promise<Record<string, unknown> | undefined> {
  return (await dynamo.db.send(new GetCommand({ TableName: TABLE, Key: silenceKey(id) }))).Item;
}

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
});
afterAll(async () => dynamo?.close());

describe('SilenceStore against DynamoDB', () => {
  it('creates, gets and lists a silence, with a TTL of ends_at + 5 days', async () => {
    const s = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    await store().create(s);

    expect(await store().get(s.id, NOW)).toEqual(s);
    expect((await store().list(NOW)).map((x) => x.id)).toContain(s.id);
    const item = await rawItem(s.id);
    expect(item).toMatchObject({ pk: 'SILENCES', sk: `SILENCE#${s.id}` });
    expect(item!.expiresAt).toBe(Math.floor(at(HOUR).getTime() / 1000) + SILENCE_RETENTION_S);
    expect(SILENCE_RETENTION_S).toBe(120 * 3600);
  });

  it('refuses a second create with the same id instead of overwriting', async () => {
    const s = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    await store().create(s);
    await expect(store().create({ ...s, comment: 'other' })).rejects.toBeInstanceOf(ConflictError);
    expect((await store().get(s.id, NOW))!.comment).toBe('disk swap');
  });

  it('answers undefined for an unknown id', async () => {
    expect(await store().get('no-such-silence', NOW)).toBeUndefined();
  });

  it('keeps an ended silence readable until its retention passes, then ignores it although TTL has not deleted it', async () => {
    const s = silence({ starts_at: iso(-3 * HOUR), ends_at: iso(-HOUR) });
    await store().create(s);
    expect(await store().get(s.id, NOW)).toEqual(s);

    const afterRetention = new Date(at(-HOUR).getTime() + SILENCE_RETENTION_S * 1000 + 1000);
    expect(await rawItem(s.id)).toBeDefined();
    expect(await store().get(s.id, afterRetention)).toBeUndefined();
    expect((await store().list(afterRetention)).map((x) => x.id)).not.toContain(s.id);
    await expect(store().expire(s.id, afterRetention, 'oncall-token')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('skips items that do not parse as a silence instead of failing the list', async () => {
    const good = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    await store().create(good);
    await dynamo.db.send(new PutCommand({ TableName: TABLE, Item: { ...silenceKey('broken'), id: 'broken', matchers: 'not a list' } }));

    const ids = (await store().list(NOW)).map((x) => x.id);
    expect(ids).toContain(good.id);
    expect(ids).not.toContain('broken');
    expect(await store().get('broken', NOW)).toBeUndefined();
  });

  it('lists across Query pages', async () => {
    // Big comments push the partition past one 1 MB Query page.
    const big = 'x'.repeat(90_000);
    const created: string[] = [];
    for (let i = 0; i < 14; i++) {
      const s = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) }, { comment: big });
      await store().create(s);
      created.push(s.id);
    }
    let queries = 0;
    const counting = {
      send: (command: unknown) => {
        if (command instanceof QueryCommand) queries++;
        return dynamo.db.send(command as QueryCommand);
      },
    } as unknown as DynamoDBDocumentClient;

    const ids = (await new DynamoSilenceStore(counting, TABLE).list(NOW)).map((x) => x.id);
    for (const id of created) expect(ids).toContain(id);
    expect(queries).toBeGreaterThan(1);
  });
});

describe('SilenceStore.expire', () => {
  it('ends an active silence now and keeps its start', async () => {
    const s = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    await store().create(s);

    const res = await store().expire(s.id, NOW, 'oncall-token');
    expect(res.previous).toBe('active');
    expect(res.before).toEqual(s);
    expect(res.after).toEqual({ ...s, ends_at: NOW.toISOString(), updated_at: NOW.toISOString(), expired_by: 'oncall-token' });
    expect(await store().get(s.id, NOW)).toEqual(res.after);
    // The TTL follows the new end.
    expect((await rawItem(s.id))!.expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + SILENCE_RETENTION_S);
  });

  it('sets start and end to now for a pending silence (it never applied)', async () => {
    const s = silence({ starts_at: iso(HOUR), ends_at: iso(2 * HOUR) });
    await store().create(s);

    const res = await store().expire(s.id, NOW, 'oncall-token');
    expect(res.previous).toBe('pending');
    expect(res.after).toMatchObject({ starts_at: NOW.toISOString(), ends_at: NOW.toISOString(), updated_at: NOW.toISOString(), expired_by: 'oncall-token' });
  });

  it('leaves an expired silence as it is (idempotent, as Alertmanager does)', async () => {
    const s = silence({ starts_at: iso(-3 * HOUR), ends_at: iso(-HOUR) });
    await store().create(s);

    const res = await store().expire(s.id, NOW, 'oncall-token');
    expect(res).toEqual({ previous: 'expired', before: s, after: s });
    expect(await store().get(s.id, NOW)).toEqual(s);
  });

  it('throws NotFoundError for an unknown id', async () => {
    await expect(store().expire('no-such-silence', NOW, 'oncall-token')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('re-reads when another writer changed the silence between its read and its write', async () => {
    const s = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    await store().create(s);
    // Another API call expires the silence a minute earlier, just before this expire writes.
    const racing = racingClient(dynamo.db, 1, async () => {
      await dynamo.db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: silenceKey(s.id),
          UpdateExpression: 'SET ends_at = :t, updated_at = :t',
          ExpressionAttributeValues: { ':t': iso(-60_000) },
        }),
      );
    });

    const res = await new DynamoSilenceStore(racing.client, TABLE).expire(s.id, NOW, 'oncall-token');
    expect(racing.updates).toBe(1);
    // The second read sees the other writer's expire: nothing is overwritten.
    expect(res.previous).toBe('expired');
    expect((await store().get(s.id, NOW))!.ends_at).toBe(iso(-60_000));
  });

  it('gives up with a ConflictError when the silence keeps changing', async () => {
    const s = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    await store().create(s);
    let n = 0;
    const racing = racingClient(dynamo.db, Infinity, async () => {
      // Touch updated_at only: the silence stays active, so each retry races again.
      await dynamo.db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: silenceKey(s.id),
          UpdateExpression: 'SET updated_at = :t',
          ExpressionAttributeValues: { ':t': iso(-HOUR + ++n) },
        }),
      );
    });

    await expect(new DynamoSilenceStore(racing.client, TABLE).expire(s.id, NOW, 'oncall-token')).rejects.toBeInstanceOf(ConflictError);
    expect(racing.updates).toBe(3);
    expect((await store().get(s.id, NOW))!.ends_at).toBe(s.ends_at);
  });
});

/** A client that runs `race` before each of the first `times` UpdateCommands it is asked to send. */
function racingClient(db: DynamoDBDocumentClient, times: number, race: () => Promise<void>) {
  const state = { updates: 0, client: undefined as unknown as DynamoDBDocumentClient };
  state.client = {
    send: async (command: unknown) => {
      if (command instanceof UpdateCommand && state.updates < times) {
        state.updates++;
        await race();
      }
      return db.send(command as GetCommand);
    },
  } as unknown as DynamoDBDocumentClient;
  return state;
}

describe('the listing index', () => {
  it('lists current silences by end; one stored before the index existed joins it at the next list()', async () => {
    const table = 'alertflow-silences-index';
    await dynamo.createTable(table);
    const s = new DynamoSilenceStore(dynamo.db, table);
    const later = silence({ starts_at: iso(-HOUR), ends_at: iso(2 * HOUR) });
    const sooner = silence({ starts_at: iso(-HOUR), ends_at: iso(HOUR) });
    const ended = silence({ starts_at: iso(-2 * HOUR), ends_at: iso(-HOUR) });
    for (const x of [later, sooner, ended]) await s.create(x);
    expect((await s.current(NOW)).map((x) => x.id)).toEqual([sooner.id, later.id]);
    // As an older version wrote it: no list keys.
    const old = silence({ starts_at: iso(-HOUR), ends_at: iso(3 * HOUR) });
    await dynamo.db.send(new PutCommand({ TableName: table, Item: { ...silenceKey(old.id), ...old } }));
    expect((await s.current(NOW)).map((x) => x.id)).toEqual([sooner.id, later.id]);
    expect((await s.list(NOW)).map((x) => x.id).sort()).toEqual([later.id, sooner.id, ended.id, old.id].sort());
    expect((await s.current(NOW)).map((x) => x.id)).toEqual([sooner.id, later.id, old.id]);
    // Expiring one stored before the index gives it its keys too (else the backfill would skip it).
    const oldToExpire = silence({ starts_at: iso(-HOUR), ends_at: iso(4 * HOUR) });
    await dynamo.db.send(new PutCommand({ TableName: table, Item: { ...silenceKey(oldToExpire.id), ...oldToExpire } }));
    await s.expire(oldToExpire.id, NOW, 'ops');
    expect((await s.page('ended', NOW, undefined, 10, NOW)).silences.map((x) => x.id)).toContain(oldToExpire.id);
    // Expiring moves a silence to the ended range.
    await s.expire(later.id, NOW, 'ops');
    expect((await s.current(NOW)).map((x) => x.id)).toEqual([sooner.id, old.id]);
    expect((await s.page('ended', NOW, undefined, 10, NOW)).silences.map((x) => x.id)).toEqual([
      // Both ended at NOW: the index orders equal ends by id, read backwards.
      ...[later.id, oldToExpire.id].sort().reverse(),
      ended.id,
    ]);
  });
});
