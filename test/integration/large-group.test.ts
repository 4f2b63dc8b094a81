import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../shared/local/dynamo';
import { openLocalDatabase } from '../../shared/local/sqlite';
import { DynamoGroupStore, MAX_INLINE_STATE_BYTES } from '../../shared/store/groups';
import { type GroupAlert, type GroupState } from '../../shared/grouping/model';
import { startStandIn, type StandIn } from '../support/stand-in';
import { apiRequest, startRuntimeWithConfig, teamRouteConfig } from '../support/runtime';
import type { LocalRuntime } from '../../shared/local/runtime';
import type { GroupStore } from '../../shared/store/port';
import { sqliteStores } from '../../shared/store/sqlite';
import { groupState } from '../support/group-state';

/**
 * A group larger than DynamoDB's 400 KB item limit (a storm of thousands of alerts grouped by
 * alertname, or a few alerts with large labels): its write was refused (ValidationException), so
 * every alert that joined it was retried until it dead-lettered. The state now goes in parts.
 */
const NOW = new Date('2026-12-06T10:00:00.000Z');
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo('large-group-it');
});
afterAll(async () => {
  await dynamo?.close();
});

function alert(i: number): GroupAlert {
  const fp = i.toString(16).padStart(16, '0');
  // Random text: gzip cannot shrink it, so the state's size is what it holds.
  return { fingerprint: fp, status: 'firing', labels: { alertname: 'Storm', pod: `api-${fp}` }, annotations: { summary: randomBytes(90).toString('base64') }, startsAt: NOW.toISOString(), source: 'generic' };
}

function group(version: number, alerts: GroupAlert[]): GroupState {
  return groupState('g-large', alerts, NOW, { groupKey: '{}:{alertname="Storm"}', groupLabels: { alertname: 'Storm' }, version });
}

const adapters: Record<string, () => Promise<GroupStore>> = {
  dynamodb: async () => {
    await dynamo.createTable('large-group-1');
    return new DynamoGroupStore(dynamo.db, 'large-group-1');
  },
  sqlite: async () => sqliteStores(openLocalDatabase(undefined)).groups,
};

describe.each(['dynamodb', 'sqlite'])('a group over the item size limit (%s store)', (adapter) => {
  it('is written, read back whole (by id and in the list), and written again', async () => {
    const store = await adapters[adapter]!();
    const alerts = Array.from({ length: 6000 }, (_, i) => alert(i));
    expect(JSON.stringify(alerts).length).toBeGreaterThan(2 * MAX_INLINE_STATE_BYTES);

    await store.put(group(1, alerts));
    const read = (await store.getMany(['g-large'], NOW)).get('g-large')!;
    expect(Object.keys(read.alerts)).toHaveLength(6000);
    expect(read.alerts[alerts[5999]!.fingerprint]).toEqual(alerts[5999]);
    expect(read.version).toBe(1);
    const listed = await store.list(NOW);
    expect(listed.map((g) => [g.groupId, Object.keys(g.alerts).length])).toEqual([['g-large', 6000]]);

    // The next version (smaller, back in one item) replaces it; the conditional write still holds.
    await store.put(group(2, alerts.slice(0, 10)));
    expect(Object.keys((await store.getMany(['g-large'], NOW)).get('g-large')!.alerts)).toHaveLength(10);
    await expect(store.put(group(2, alerts.slice(0, 5)))).rejects.toThrow(/changed concurrently/);
    await store.put(group(3, alerts));
    expect(Object.keys((await store.getMany(['g-large'], NOW)).get('g-large')!.alerts)).toHaveLength(6000);

    // Two writers of version 4 at once: one wins, and what is read is wholly the winner's.
    const a = group(4, alerts.slice(0, 5000));
    const b = group(4, alerts.slice(1000));
    const results = await Promise.allSettled([store.put(a), store.put(b)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results[0]!.status === 'fulfilled' ? a : b;
    expect((await store.getMany(['g-large'], NOW)).get('g-large')!.alerts).toEqual(winner.alerts);
    await store.put(group(5, alerts));
    // SQLite keeps any size in one row; DynamoDB splits it (checked next).
    if (adapter === 'sqlite') return;
    // Only the parts the group item names are left: older versions' and the loser's are deleted.
    const parts = await dynamo.db.send(
      new QueryCommand({ TableName: 'large-group-1', KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': 'GROUP#g-large', ':p': 'STATE#p#' } }),
    );
    expect(new Set((parts.Items ?? []).map((p) => String(p.sk).split('#').slice(2, 4).join('#'))).size).toBe(1);
  });
});

describe('through the local runtime', () => {
  const TOKEN = 'large-group-token';
  let rt: LocalRuntime;
  let hook: StandIn;

  beforeAll(async () => {
    hook = await startStandIn();
    rt = await startRuntimeWithConfig(
      `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
${teamRouteConfig(hook.url)}`,
      { token: TOKEN },
    );
  });
  afterAll(async () => {
    await rt?.close();
    await hook?.close();
  });

  it('routes every accepted alert of a group whose state outgrows one item', async () => {
    // Ten alerts with 60 KB of random label text each: 800 KB of state in one group.
    const alerts = Array.from({ length: 10 }, () => ({ labels: { alertname: 'BigGroup', blob: randomBytes(45_000).toString('base64') } }));
    expect((await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { alerts })).status).toBe(202);
    await hook.waitFor(1, 10_000);
    await rt.queues.idle();
    const groups = (await apiRequest<{ groups: Array<{ labels: Record<string, string>; alerts: { firing: number } }> }>(rt.url, TOKEN, 'GET', '/v1/groups')).body.groups;
    expect(groups.filter((g) => g.labels.alertname === 'BigGroup').map((g) => g.alerts.firing)).toEqual([10]);
    // Nothing waiting, in flight or dead-lettered (a group's next flush may be queued as a delayed timer).
    expect(rt.queues.stats().filter((q) => q.total - q.delayedOrInFlight > 0 || (q.name.endsWith('-dlq') && q.total > 0))).toEqual([]);
  });
});
