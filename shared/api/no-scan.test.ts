import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/api/handler';
import { parseConfigYaml } from '../config/loader';
import { envSecretResolver } from '../primitives/secrets';
import { silentLogger } from '../log';
import { compileConfig } from '../runtime/compiled-config';
import type { Ports } from '../runtime/ports';
import { dynamoStores } from '../store/dynamo';
import { cachedSilences } from '../silences/cache';
import type { Silence } from '../silences/model';
import { DynamoGroupStore } from '../store/groups';
import { type GroupState } from '../grouping/model';
import { DynamoSilenceStore } from '../store/silences';
import { groupState } from '../../test/support/group-state';

/**
 * Unit: no read path sends a Scan. The DynamoDB client is mocked (no network): a Scan fails the
 * request, Queries answer one group and one silence, so every handler path runs to its end.
 */
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TABLE = 'no-scan';
const config = compileConfig(
  parseConfigYaml(`
route: { receiver: team, group_by: [alertname] }
receivers: [{ name: team }]
inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [cluster] }]
auth:
  tokens: [{ name: reader, secret: test-token, scopes: [read, manage] }]
`),
);

const group: GroupState = groupState(
  'Disk',
  [{ fingerprint: '00000000000000f1', status: 'firing', labels: { alertname: 'Disk', severity: 'warning', cluster: 'eu' }, annotations: {}, startsAt: new Date(T0 - 60_000).toISOString(), source: 'generic' }],
  T0,
  { groupId: 'g1', routeId: config.routeTree.id },
);
const silence: Silence = {
  id: 's1',
  matchers: [{ name: 'alertname', value: 'Disk', isRegex: false, isEqual: true }],
  starts_at: new Date(T0 - 60_000).toISOString(),
  ends_at: new Date(T0 + 3_600_000).toISOString(),
  created_by: 'alice',
  comment: 'swap',
  updated_at: new Date(T0 - 60_000).toISOString(),
};

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(db);

/** The items as the stores write them (captured from their own PutCommands). */
async function storedItems(): Promise<{ group: Record<string, unknown>; silence: Record<string, unknown> }> {
  mock.reset();
  mock.on(PutCommand).resolves({});
  await new DynamoGroupStore(db, TABLE).put(group);
  await new DynamoSilenceStore(db, TABLE).create(silence);
  const [g, s] = mock.commandCalls(PutCommand).map((c) => c.args[0].input.Item as Record<string, unknown>);
  return { group: g!, silence: s! };
}

let items: Awaited<ReturnType<typeof storedItems>>;

beforeEach(async () => {
  items = await storedItems();
  mock.reset();
  mock.on(ScanCommand).rejects(new Error('Scan sent on a read path'));
  mock.on(QueryCommand).callsFake((input: { IndexName?: string; ExpressionAttributeValues: Record<string, unknown> }) => {
    const key = input.ExpressionAttributeValues[':lpk'] ?? input.ExpressionAttributeValues[':pk'];
    if (input.IndexName && key === 'GROUPS') return { Items: [{ pk: items.group.pk, sk: items.group.sk, lpk: items.group.lpk, lsk: items.group.lsk }] };
    if (key === 'SILENCES') return { Items: [items.silence] };
    return { Items: [] };
  });
  mock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, unknown> }) => ({ Responses: { [Object.keys(input.RequestItems)[0]!]: [items.group] } }));
  mock.on(GetCommand).resolves({ Item: items.silence });
  mock.on(UpdateCommand).resolves({});
});

function event(routeKey: string, query?: Record<string, string>, id?: string): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: 'Bearer test-token' },
    ...(query ? { queryStringParameters: query } : {}),
    ...(id ? { pathParameters: { id } } : {}),
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r1', routeKey },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe('read paths send no Scan', () => {
  const ports = {
    config,
    stores: dynamoStores(db, TABLE),
    queues: { send: async () => {}, changeVisibility: async () => {} },
    secrets: envSecretResolver({}),
    clock: () => new Date(T0),
    log: silentLogger,
  } as unknown as Ports;

  it.each([
    ['GET /v1/alerts', undefined, undefined],
    ['GET /v1/alerts', { filter: 'alertname="Disk"', state: 'silenced', limit: '10' }, undefined],
    ['GET /v1/alerts/{id}', undefined, '00000000000000f1'],
    ['GET /v1/groups', { filter: 'alertname=~"D.*"' }, undefined],
    ['GET /v1/silences', { state: 'active' }, undefined],
    ['GET /v1/silences', undefined, undefined],
    // Expiring a silence early finds the groups it held: from the listing index, not a Scan.
    ['DELETE /v1/silences/{id}', undefined, 's1'],
    // The delivery log: a Query per day partition of the listing index.
    ['GET /v1/deliveries', { status: 'failed', since: '3d' }, undefined],
    // Stats: the history's and the delivery log's day partitions, the groups' and incidents' listings.
    ['GET /v1/stats', { since: '2d' }, undefined],
  ])('%s %o', async (routeKey, query, id) => {
    const res = await createHandler(ports)(event(routeKey, query, id));
    expect(res.statusCode, res.body).toBe(200);
    expect(mock.commandCalls(ScanCommand)).toHaveLength(0);
    expect(mock.commandCalls(QueryCommand).length + mock.commandCalls(GetCommand).length).toBeGreaterThan(0);
  });

  it('the router loads silences with Queries only (periodic, and fresh after an early expiry)', async () => {
    let now = T0;
    const load = cachedSilences(new DynamoSilenceStore(db, TABLE), 1000, () => new Date(now));
    expect((await load()).map((s) => s.id)).toEqual(['s1']);
    now += 1000;
    expect((await load()).map((s) => s.id)).toEqual(['s1']);
    expect((await load({ freshAfter: now })).map((s) => s.id)).toEqual(['s1']);
    expect(mock.commandCalls(ScanCommand)).toHaveLength(0);
    expect(mock.commandCalls(QueryCommand).map((c) => c.args[0].input.IndexName ?? 'table')).toEqual(['table', 'list', 'table']);
  });
});
