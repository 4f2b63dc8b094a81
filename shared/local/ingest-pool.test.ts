import { afterEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseConfigYaml } from '../config/loader';
import { silentLogger } from '../log';
import { IngestPool } from './ingest-pool';
import type { OutgoingMessage, QueuePort } from '../queues/port';
import type { MetricsPort } from '../metrics/catalog';

/**
 * The main thread's side of ingest on worker threads: a worker hands back the handler's answer with
 * the sends it made, and the request is answered only once those sends are done (committed, with
 * the runtime's queues), or with the handler's error answer when one fails.
 */
const STUB = new URL('../../test/support/ingest-worker-stub.mjs', import.meta.url);
const event = (queue: string) => ({ body: JSON.stringify({ queue }), requestContext: { requestId: 'req-1' } }) as unknown as APIGatewayProxyEventV2;

let pool: IngestPool | undefined;
afterEach(async () => pool?.close());

async function start(queues: QueuePort, metrics?: MetricsPort): Promise<IngestPool> {
  pool = await IngestPool.start({
    metrics,
    workers: 1,
    entry: STUB,
    pack: false,
    config: parseConfigYaml('route: { receiver: r }\nreceivers: [{ name: r }]\n'),
    env: {},
    queues,
    log: silentLogger,
    fallback: () => Promise.reject(new Error('no worker')),
  });
  return pool;
}

describe('the ingest pool', () => {
  it('answers only after the sends the handler made are done', async () => {
    const sent: Array<{ queue: string; messages: OutgoingMessage[] }> = [];
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const p = await start({
      send: async (queue, messages) => {
        sent.push({ queue, messages });
        await committed;
      },
      changeVisibility: () => Promise.resolve(),
    });
    let answered = false;
    const answer = p.handle(event('alerts')).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toEqual([{ queue: 'alerts', messages: [{ id: 'm0', body: 'for alerts' }] }]);
    expect(answered).toBe(false);
    commit();
    expect((await answer).statusCode).toBe(202);
  });

  it("counts what the worker's handler counted only once its sends are committed, and never for a request that was not accepted", async () => {
    const counted: unknown[] = [];
    const metrics: MetricsPort = { count: (...args) => void counted.push(args), observe: () => {} };
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const p = await start({ send: () => committed, changeVisibility: () => Promise.resolve() }, metrics);
    const answer = p.handle(event('alerts'));
    await new Promise((r) => setTimeout(r, 50));
    expect(counted).toEqual([]);
    commit();
    expect((await answer).statusCode).toBe(202);
    expect(counted).toEqual([['alertsReceived', 1, { source: 'generic' }]]);
    await pool!.close();
    const failing = await start({ send: () => Promise.reject(new Error('disk full')), changeVisibility: () => Promise.resolve() }, metrics);
    expect((await failing.handle(event('alerts'))).statusCode).toBeGreaterThanOrEqual(500);
    expect(counted).toHaveLength(1);
  });

  it('answers as the handler would when a send fails, never 2xx', async () => {
    const p = await start({ send: () => Promise.reject(new Error('disk full')), changeVisibility: () => Promise.resolve() });
    const answer = await p.handle(event('alerts'));
    expect(answer.statusCode).toBeGreaterThanOrEqual(500);
    expect(answer.body).not.toContain('disk full');
  });
});
