import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../shared/errors';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { groupKey } from '../../shared/store/keys';
import type { GroupState } from '../../shared/grouping/model';
import { dynamoStores } from '../../shared/store/dynamo';
import { RouterSim, simAlert } from '../support/router-sim';

/**
 * What a group write costs (issue 11, point 7): DynamoDB bills writes per started KB of the item,
 * and bills a write whose condition failed as well. These pin the cuts: compact replay ids, brotli
 * state, and reads made right before each write so concurrent routers rarely conflict.
 */
let dynamo: LocalDynamo;
const TABLE = 'alertflow-cost';
const START = Date.parse('2026-11-22T10:00:00.000Z');

const CONFIG = `
route:
  receiver: team
  group_by: [alertname, service]
  group_wait: 30s
receivers:
  - name: team
    webhook_configs:
      - url: http://127.0.0.1:9/hook
        send_resolved: true
`;

let tables = 0;
const tableOf = new WeakMap<RouterSim, string>();
async function sim(config = CONFIG): Promise<RouterSim> {
  const table = `${TABLE}-${++tables}`;
  await dynamo.createTable(table);
  const s = new RouterSim(dynamoStores(dynamo.db, table), config, START);
  tableOf.set(s, table);
  return s;
}

/** A storm-shaped alert (as test/bench/payloads.ts makes them): service `svc`, instance `i`. */
function stormAlert(service: string, i: number) {
  const instance = `ip-10-0-${i}.ec2.internal:9100`;
  const a = simAlert(instance, { startsAt: START, endsAt: START + 86_400_000, labels: { alertname: 'HighLatency', service, job: 'node-exporter', env: 'prod', severity: 'warning' } });
  return {
    ...a,
    annotations: {
      summary: `HighLatency on ${instance}`,
      description: `HighLatency has been firing for more than 5 minutes on ${instance} (service ${service}).`,
      runbook_url: 'https://runbooks.example.com/highlatency',
    },
  };
}

/** The stored group item's size, as DynamoDB sizes it (attribute names + values; binary as bytes). */
async function storedItemBytes(s: RouterSim): Promise<number> {
  const [g] = await s.groups.list(new Date(s.now));
  const res = await dynamo.db.send(new QueryCommand({ TableName: tableOf.get(s), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': groupKey(g!.groupId).pk } }));
  const item = res.Items![0]!;
  return Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + (v instanceof Uint8Array ? v.length : Buffer.byteLength(String(v))), 0);
}

beforeAll(async () => {
  dynamo = await startLocalDynamo(TABLE);
});
afterAll(async () => dynamo?.close());

describe('group write cost', () => {
  it('remembers replay ids compactly: 50 messages into one group leave 4-character keys, and a redelivery still replays', async () => {
    const s = await sim();
    const ids = Array.from({ length: 50 }, () => crypto.randomUUID() + ':0');
    for (const [i, id] of ids.entries()) await s.post([stormAlert('svc-a', i)], id);
    const [g] = await s.groups.list(new Date(s.now));
    expect(g!.lastWrite.ids).toHaveLength(50);
    for (const key of g!.lastWrite.ids) expect(key).toMatch(/^[A-Za-z0-9_-]{4}$/);
    expect(g!.lastWrite.ids.join('')).not.toContain(ids[49]!);

    // The last message redelivered (its effects lost): found by its key, replayed, nothing written.
    const puts = s.counts.puts;
    const delayed = s.counts.delayed;
    const again = await s.post([stormAlert('svc-a', 49)], ids[49]!);
    expect(again).toMatchObject({ changedGroups: 0 });
    expect(s.counts.puts).toBe(puts);
    expect(s.counts.delayed).toBe(delayed + 1);
  });

  it('still replays for a message id a group stored in full (written before replay keys)', async () => {
    const s = await sim();
    await s.post([stormAlert('svc-b', 1)], 'old-message');
    const [g] = await s.groups.list(new Date(s.now));
    // As an older router stored it: the full message id.
    const old: GroupState = { ...g!, version: g!.version + 1, lastWrite: { ...g!.lastWrite, ids: ['old-message'] } };
    await s.groups.put(old);
    const delayed = s.counts.delayed;
    await s.post([stormAlert('svc-b', 1)], 'old-message');
    expect(s.counts.delayed).toBe(delayed + 1);
    // A message the group never saw, with the same (unchanged) alert, replays nothing.
    await s.post([stormAlert('svc-b', 1)], 'new-message');
    expect(s.counts.delayed).toBe(delayed + 1);
  });

  it('keeps a storm-sized group (50 alerts, 50 replay ids) within 2 write units', async () => {
    const s = await sim();
    for (let i = 0; i < 50; i++) await s.post([stormAlert('svc-c', i)], `${crypto.randomUUID()}:0`);
    const bytes = await storedItemBytes(s);
    expect(bytes).toBeLessThanOrEqual(2048);
  });

  it('keeps a flushed Alertmanager group (50 alerts with their own fingerprints and generator URLs) within 2 write units, and reads every alert back whole', async () => {
    const s = await sim();
    // As Alertmanager forwards them: started before group_wait, so the group flushes at once.
    const alerts = Array.from({ length: 50 }, (_, i) => {
      const a = stormAlert('svc-d', i);
      return { ...a, startsAt: new Date(START - 300_000 + i * 1000).toISOString(), endsAt: undefined, source: 'alertmanager' as const, sourceFingerprint: a.fingerprint, generatorURL: 'http://prometheus:9090/graph?g0.expr=HighLatency%7Bservice%3D%22svc-d%22%7D&g0.tab=1' };
    });
    alerts[7] = { ...alerts[7]!, sourceFingerprint: '0123456789abcdef' };
    await s.post(alerts, `${crypto.randomUUID()}:0`);
    expect(s.notifications).toHaveLength(1);
    expect(await storedItemBytes(s)).toBeLessThanOrEqual(2048);
    const [g] = await s.groups.list(new Date(s.now));
    expect(Object.values(g!.alerts).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint))).toEqual([...alerts].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)));
  });

  it('reads a group stored as gzip (stateZ, before brotli) and rewrites it as brotli', async () => {
    const s = await sim();
    await s.post([stormAlert('svc-e', 1), stormAlert('svc-e', 2)], 'm-gzip');
    const [g] = await s.groups.list(new Date(s.now));
    const table = tableOf.get(s)!;
    const res = await dynamo.db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': groupKey(g!.groupId).pk } }));
    const { stateBr: _br, ...item } = res.Items![0]!;
    const { version: _v, expiresAt: _e, ...state } = g!;
    await dynamo.db.send(new PutCommand({ TableName: table, Item: { ...item, stateZ: gzipSync(JSON.stringify(state)) } }));
    const [legacy] = await s.groups.list(new Date(s.now));
    expect(legacy).toEqual(g);
    await s.post([stormAlert('svc-e', 3)], 'm-after');
    const after = await dynamo.db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': groupKey(g!.groupId).pk } }));
    expect(after.Items![0]!.stateBr).toBeDefined();
    expect(Object.keys((await s.groups.list(new Date(s.now)))[0]!.alerts)).toHaveLength(3);
  });

  it('two routers over the same 64 groups conflict on a minority of them, not on every one', async () => {
    const s = await sim();
    let conflicts = 0;
    const put = s.deps.groups.put.bind(s.deps.groups);
    s.deps.groups.put = async (g) => {
      try {
        await put(g);
      } catch (err) {
        if (err instanceof ConflictError) conflicts++;
        throw err;
      }
    };
    const batch = (n: number) => s.message(Array.from({ length: 64 }, (_, i) => stormAlert(`svc-${i}`, n)));
    const [a, b] = await Promise.all([s.run([batch(1)]), s.run([batch(2)])]);
    expect(a.failed.size + b.failed.size).toBe(0);
    const groups = await s.groups.list(new Date(s.now));
    expect(groups).toHaveLength(64);
    for (const g of groups) expect(Object.keys(g.alerts)).toHaveLength(2);
    // Reading every group up front, one router lost the race on all 64 (each a billed write).
    expect(conflicts).toBeLessThan(32);
  });
});
