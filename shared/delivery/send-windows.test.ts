import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { senderFor } from '../channels/registry';
import type { HttpResponse } from '../channels/http';
import { parseConfigYaml } from '../config/loader';
import { envSecretResolver } from '../primitives/secrets';
import { createSenderHandler } from './sender-handler';
import { outgoing } from '../dispatch/notifications';
import { openLocalDatabase } from '../local/sqlite';
import { silentLogger } from '../log';
import { unpackBody } from '../queues/body';
import type { NotificationMessage } from '../queues/messages';
import type { OutgoingMessage } from '../queues/port';
import { compileConfig } from '../runtime/compiled-config';
import { sqliteStores } from '../store/sqlite';

/**
 * One invocation holding more of a receiver's notifications than the first window (10): the local
 * runtime's larger batches. Its slot sends them in windows that grow tenfold while the receiver keeps
 * up (starting at 100 once the gate has seen it up), and stops at the first window that fails or
 * answers slowly.
 */
const config = compileConfig(parseConfigYaml(`route: { receiver: team }\nreceivers:\n  - name: team\n    webhook_configs: [{ url: 'http://127.0.0.1:9/hook' }]\n`));

function records(count: number, prefix = ''): SQSRecord[] {
  return Array.from({ length: count }, (_, j) => {
    const i = `${prefix}${j}`;
    const n: NotificationMessage = {
      kind: 'notification',
      id: `n${i}.webhook.0`,
      createdAt: '2026-12-06T10:06:00.000Z',
      receiver: 'team',
      channel: { type: 'webhook', index: 0 },
      group: {
        id: `g${i}`,
        key: `{}:{alertname="A${i}"}`,
        labels: { alertname: `A${i}` },
        status: 'firing',
        alerts: [{ fingerprint: j.toString(16).padStart(16, '0'), status: 'firing', labels: { alertname: `A${i}` }, annotations: {}, startsAt: '2026-12-06T10:00:00.000Z', source: 'generic' }],
        truncatedAlerts: 0,
        flushSeq: 1,
      },
    };
    return { messageId: `m${i}`, receiptHandle: `r${i}`, body: outgoing(n).message.body, attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
  });
}

/** A receiver that answers after `delayMs` with `status`, counting requests and how many overlap. */
function receiver(status: number, delayMs: number) {
  const r = { posts: 0, inFlight: 0, maxInFlight: 0, startedBeforeFirstAnswer: 0, answered: 0 };
  const post = async (): Promise<HttpResponse> => {
    r.posts++;
    if (r.answered === 0) r.startedBeforeFirstAnswer++;
    r.maxInFlight = Math.max(r.maxInFlight, ++r.inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    r.inFlight--;
    r.answered++;
    return { status, headers: {}, body: '' };
  };
  return { r, post };
}

async function run(status: number, delayMs: number, count: number, stores = sqliteStores(openLocalDatabase(undefined)), prefix = '') {
  const { r, post } = receiver(status, delayMs);
  const requeued: OutgoingMessage[] = [];
  const backedOff: number[] = [];
  const handler = createSenderHandler(senderFor('webhook'), {
    config,
    stores,
    queues: { send: async (_queue, messages) => void requeued.push(...messages), changeVisibility: async (_q, _h, seconds) => void backedOff.push(seconds) },
    secrets: envSecretResolver({}),
    http: { post },
    clock: () => new Date(),
    log: silentLogger,
    retryJitter: () => 0.5,
  });
  const res = await handler({ Records: records(count, prefix) });
  return { r, res, requeued, backedOff };
}

describe('a slot sends a large batch in growing windows', () => {
  it('to a receiver that keeps up: 10 first, then windows ten times larger, and every notification delivered', async () => {
    const { r, res, requeued } = await run(200, 20, 150);
    expect(res.batchItemFailures).toEqual([]);
    expect(requeued).toEqual([]);
    expect(r.posts).toBe(150);
    // Windows of 10, 100 and the last 40 (doubling would have been 10, 20, 40, 80).
    expect(r.startedBeforeFirstAnswer).toBe(10);
    expect(r.maxInFlight).toBe(100);
  });

  it('to a receiver the gate found up at its last release: 100 first', async () => {
    const stores = sqliteStores(openLocalDatabase(undefined));
    await run(200, 5, 5, stores, 'a');
    const proven = await run(200, 20, 150, stores, 'b');
    expect(proven.res.batchItemFailures).toEqual([]);
    expect(proven.r.posts).toBe(150);
    expect(proven.r.startedBeforeFirstAnswer).toBe(100);
    expect(proven.r.maxInFlight).toBe(100);
    // Proven, then failing: that first window is all it gets, and the gate backs off.
    const failing = await run(500, 5, 150, stores, 'c');
    expect(failing.r.posts).toBe(100);
    expect(failing.res.batchItemFailures).toHaveLength(150);
    const after = await run(200, 5, 150, stores, 'd');
    expect(after.r.posts).toBe(0);
  });

  it('to a proven receiver that starts answering slowly: the first window of 100 waits on it; the rest are re-queued unsent', async () => {
    const stores = sqliteStores(openLocalDatabase(undefined));
    await run(200, 5, 5, stores, 'a');
    const { r, res, requeued } = await run(200, 1_100, 150, stores, 'b');
    expect(r.posts).toBe(100);
    expect(r.maxInFlight).toBe(100);
    expect(res.batchItemFailures).toEqual([]);
    expect(requeued).toHaveLength(50);
  });

  it('to a receiver that fails: only the first window is sent; the rest back off with it', async () => {
    const { r, res, requeued, backedOff } = await run(500, 5, 70);
    expect(r.posts).toBe(10);
    expect(requeued).toEqual([]);
    expect(res.batchItemFailures).toHaveLength(70);
    expect(backedOff).toHaveLength(70);
    expect(Math.min(...backedOff)).toBeGreaterThanOrEqual(1);
  });

  it('to a receiver that answers slowly: only the first window waits on it; the rest are re-queued unsent', async () => {
    const { r, res, requeued } = await run(200, 1_100, 40);
    expect(r.posts).toBe(10);
    expect(res.batchItemFailures).toEqual([]);
    expect(requeued).toHaveLength(30);
    for (const m of requeued) expect((JSON.parse(unpackBody(m.body)) as { waits?: number }).waits).toBe(1);
  });
});
