import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler as createEscalator } from '../../functions/escalator/handler';
import { parseConfigYaml } from '../config/loader';
import { NotFoundError } from '../errors';
import { silentLogger } from '../log';
import { batchHandler, DEADLINE_MARGIN_MS, httpHandler } from './middleware';
import { compileConfig } from './compiled-config';
import type { Ports } from './ports';

const AUTH = parseConfigYaml(
  `
auth:
  tokens: [{ name: reader, secret: read-secret, scopes: [read] }]
route: { receiver: a }
receivers: [{ name: a, webhook_configs: [{ url: 'http://127.0.0.1:9/a' }] }]
`,
  'test.yaml',
);
const secrets = { resolve: async (ref: unknown) => (typeof ref === 'string' ? ref : 'x') };
const event = (routeKey: string, token?: string): APIGatewayProxyEventV2 =>
  ({ routeKey, rawPath: routeKey.split(' ')[1], headers: token ? { authorization: `Bearer ${token}` } : {}, requestContext: { requestId: 'r1', http: { method: routeKey.split(' ')[0] } } }) as unknown as APIGatewayProxyEventV2;

describe('HTTP middleware', () => {
  const handler = httpHandler(
    async (e, context) => {
      if (e.routeKey === 'GET /v1/groups' || e.routeKey === 'GET /api/v2/silence/{silenceID}') throw new NotFoundError('nothing here');
      return { statusCode: 200, headers: {}, body: context.principal?.name ?? 'public' };
    },
    { log: silentLogger, auth: () => AUTH.auth, secrets },
  );

  it('checks the token and its scope before the handler, and names who is asking', async () => {
    expect(await handler(event('GET /v1/alerts', 'read-secret'))).toMatchObject({ statusCode: 200, body: 'reader' });
    expect((await handler(event('GET /v1/alerts'))).statusCode).toBe(401);
    expect((await handler(event('POST /v1/silences', 'read-secret'))).statusCode).toBe(403);
    // Public routes (health, signed callbacks) pass without one.
    expect(await handler(event('GET /v1/health'))).toMatchObject({ statusCode: 200, body: 'public' });
  });

  it("turns the handler's errors into responses", async () => {
    const res = await handler(event('GET /v1/groups', 'read-secret'));
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: 'not_found', message: 'nothing here' });
    expect((await handler(event('GET /v1/nope', 'read-secret'))).statusCode).toBe(404);
  });

  it("answers errors on Alertmanager's API as Alertmanager does: the message as a JSON string", async () => {
    const missing = await handler(event('GET /api/v2/silence/{silenceID}', 'read-secret'));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toBe('nothing here');
    const refused = await handler(event('POST /api/v2/silences', 'read-secret'));
    expect(refused.statusCode).toBe(403);
    expect(typeof JSON.parse(refused.body)).toBe('string');
  });
});

describe('invocation observability', () => {
  it('gives the logger the Lambda invocation, and publishes the metrics when the handler ends, returning or throwing', async () => {
    const calls: string[] = [];
    const log = { ...silentLogger, withInvocation: (c: object) => void calls.push(`context ${(c as { awsRequestId: string }).awsRequestId}`) };
    const metrics = { count: () => {}, observe: () => {}, flush: () => void calls.push('flush') };
    const ok = batchHandler(async () => void calls.push('handled'), { log, metrics });
    await ok({}, { awsRequestId: 'req-1' });
    const failing = batchHandler(async () => Promise.reject(new Error('boom')), { log, metrics });
    await expect(failing({}, { awsRequestId: 'req-2' })).rejects.toThrow('boom');
    // Without a Lambda context (the local runtime) the logger is left alone.
    await ok({});
    expect(calls).toEqual(['context req-1', 'handled', 'flush', 'context req-2', 'flush', 'handled', 'flush']);
  });
});

describe('batch deadline', () => {
  it('is the Lambda deadline less the margin, and none without a Lambda context', async () => {
    const seen: number[] = [];
    const handler = batchHandler(async (_e: unknown, context) => void seen.push(context.deadline!));
    await handler({});
    const before = Date.now();
    await handler({}, { getRemainingTimeInMillis: () => 60_000 });
    expect(seen[0]).toBe(Infinity);
    expect(seen[1]! - before).toBeGreaterThanOrEqual(60_000 - DEADLINE_MARGIN_MS - 50);
    expect(seen[1]! - before).toBeLessThanOrEqual(60_000 - DEADLINE_MARGIN_MS + 50);
  });

  it('the escalator starts no record past it: each goes back to the queue at once, reported failed', async () => {
    const visibility: Array<[string, number]> = [];
    const gets: string[] = [];
    const ports = {
      config: compileConfig(AUTH),
      stores: { incidents: { get: async (id: string) => void gets.push(id) }, groups: {}, silences: { current: async () => [] }, inhibitions: {}, cooldowns: {} },
      queues: { changeVisibility: async (_q: string, handle: string, s: number) => void visibility.push([handle, s]) },
      scheduler: {},
      secrets,
      clock: () => new Date(),
      log: silentLogger,
    } as unknown as Pick<Ports, 'config' | 'stores' | 'queues' | 'scheduler' | 'secrets' | 'clock' | 'log'>;
    const handler = createEscalator(ports);
    const record = (id: string) => ({ messageId: id, receiptHandle: `h-${id}`, body: JSON.stringify({ kind: 'escalation', id, incidentId: 'inc', token: 't', at: 0, action: 'step', loop: 0, step: 1 }), attributes: {} });
    const batch = { Records: [record('a'), record('b')] } as unknown as SQSEvent;
    const res = await handler(batch, { getRemainingTimeInMillis: () => 1_000 });
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }]);
    expect(visibility).toEqual([['h-a', 0], ['h-b', 0]]);
    expect(gets).toEqual([]);
    // With time left, the records run (here: a stale timer, since there is no such incident).
    expect((await handler(batch, { getRemainingTimeInMillis: () => 60_000 })).batchItemFailures).toEqual([]);
    expect(gets).toEqual(['inc', 'inc']);
  });
});
