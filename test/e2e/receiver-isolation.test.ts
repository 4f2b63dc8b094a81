import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { MAX_RECEIVES } from '../../shared/queues/names';
import { DEFAULT_GATE_SLOTS } from '../../shared/store/receiver-gates';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type Received, type StandIn } from '../support/stand-in';

/**
 * Retries and isolation through the local runtime: a receiver that always fails is not hammered, one
 * that hangs does not hold up another receiver of the same channel type, and Retry-After is obeyed.
 * The jitter is pinned to its lower bound (every back-off at its floor), the fastest schedule the
 * policy allows, so the counts below are worst cases of the schedule, not lucky draws.
 */
const TOKEN = 'isolation-token';
/** LocalQueues' batch size (as the sender event source mapping's). */
const SENDER_BATCH_SIZE = 10;
let rt: LocalRuntime;
let hook: StandIn;
let hanging: Hanging;
const visibilityChanges: number[] = [];

const keyOf = (r: Received) => String(r.headers['idempotency-key']);
const post = (alerts: Array<{ name: string; rx: string }>) =>
  apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { alerts: alerts.map(({ name, rx }) => ({ name, summary: name, labels: { rx } })) });
const dlqDepth = () => rt.queues.stats().find((q) => q.name === 'webhook-notifications-dlq')!.total;

beforeAll(async () => {
  hook = await startStandIn();
  hanging = await startHanging();
  hook.respond = (req) => {
    if (req.path === '/down') return { status: 500, body: 'down' };
    if (req.path === '/limited') return { status: 503, headers: { 'retry-after': '3600' }, body: 'come back in an hour' };
    return { status: 200, body: 'ok' };
  };
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: fast
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1h
  routes:
    - { matchers: ['rx="down"'], receiver: down }
    - { matchers: ['rx="slow"'], receiver: slow }
    - { matchers: ['rx="limited"'], receiver: limited }
receivers:
  - name: fast
    webhook_configs: [{ url: '${hook.url}/fast' }]
  - name: down
    webhook_configs: [{ url: '${hook.url}/down' }]
  - name: limited
    webhook_configs: [{ url: '${hook.url}/limited' }]
  - name: slow
    webhook_configs: [{ url: '${hanging.url}/slow', timeout: 50s }]
`,
    { token: TOKEN, retryBaseMs: 20, retryJitter: () => 0 },
  );
  const change = rt.queues.changeVisibility.bind(rt.queues);
  rt.queues.changeVisibility = async (queue, handle, seconds) => {
    visibilityChanges.push(seconds);
    return change(queue, handle, seconds);
  };
});

afterAll(async () => {
  hanging?.release();
  await rt?.close();
  await hook?.close();
  await hanging?.close();
});

describe('retries and receiver isolation', () => {
  it('does not hammer a receiver that always answers 500: one probe per back-off, not the schedule of every message', async () => {
    const N = 40;
    expect((await post(Array.from({ length: N }, (_, i) => ({ name: `Down${i}`, rx: 'down' })))).status).toBe(202);
    await vi.waitFor(() => expect(dlqDepth()).toBe(N), { timeout: 40_000, interval: 200 });

    const attempts = new Map<string, number>();
    for (const r of hook.received.filter((r) => r.path === '/down')) attempts.set(keyOf(r), (attempts.get(keyOf(r)) ?? 0) + 1);
    const total = [...attempts.values()].reduce((a, b) => a + b, 0);
    // The gate's failure count, as the SQLite store keeps it (the runtime's default store).
    const gate = rt.database.db.prepare('SELECT gate_state FROM state_receiver_gates WHERE gate = ?').get('down/webhook[0]') as { gate_state: string } | undefined;
    const failures = gate ? ((JSON.parse(gate.gate_state) as { failures?: number }).failures ?? 0) : 0;
    console.log('always-500 receiver:', JSON.stringify({ notifications: N, attempts: total, perNotification: total / N, gateFailures: failures }));

    // Every notification ran its whole receive budget into the DLQ, yet the receiver saw at most the
    // first wave (the gate's slots, a batch each) and then one probe per failed opening of its gate.
    expect(Math.max(...attempts.values())).toBeLessThanOrEqual(MAX_RECEIVES.channel);
    expect(total).toBeLessThanOrEqual(DEFAULT_GATE_SLOTS * SENDER_BATCH_SIZE + failures);
    // Without the gate each notification is posted MAX_RECEIVES times (8 x 40 = 320).
    expect(total / N).toBeLessThan(2);
    // No back-off is ever 0 s.
    expect(Math.min(...visibilityChanges)).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('delivers to an unrelated receiver of the same channel type while another hangs', async () => {
    const N = 40;
    await post(Array.from({ length: N }, (_, i) => ({ name: `Slow${i}`, rx: 'slow' })));
    await vi.waitFor(() => expect(hanging.held).toBeGreaterThan(0), { timeout: 10_000 });
    const before = hook.received.filter((r) => r.path === '/fast').length;
    await post([{ name: 'Unrelated', rx: 'fast' }]);
    // The hang guard: the slow receiver answers by itself after 25 s; the fast one must come first.
    await vi.waitFor(() => expect(hook.received.filter((r) => r.path === '/fast').length).toBe(before + 1), { timeout: 15_000, interval: 50 });
    expect(hanging.answered).toBe(0);
    expect(hanging.held).toBeGreaterThan(0);
    // The hung receiver holds only its gate's slots, one batch each.
    expect(hanging.held).toBeLessThanOrEqual(DEFAULT_GATE_SLOTS * SENDER_BATCH_SIZE);

    hanging.release();
    await vi.waitFor(() => expect(new Set(hanging.keys).size).toBe(N), { timeout: 40_000, interval: 200 });
  }, 90_000);

  it("honours Retry-After beyond the back-off cap, for the message and for the receiver's next ones", async () => {
    const seen = () => hook.received.filter((r) => r.path === '/limited').length;
    const mark = visibilityChanges.length;
    await post([{ name: 'Limited1', rx: 'limited' }]);
    await vi.waitFor(() => expect(visibilityChanges.length).toBe(mark + 1), { timeout: 10_000 });
    expect(seen()).toBe(1);
    // Retry-After: 3600 is past the 5 min cap (and was cut to 15 min before): it wins.
    expect(visibilityChanges[mark]).toBe(3_600);

    // Another notification to the same receiver waits for the same hour instead of being posted.
    await post([{ name: 'Limited2', rx: 'limited' }]);
    await vi.waitFor(() => expect(visibilityChanges.length).toBe(mark + 2), { timeout: 10_000 });
    expect(seen()).toBe(1);
    expect(visibilityChanges[mark + 1]).toBeGreaterThan(3_500);
  });
});

/** A receiver that holds every request until released (or 25 s, the hang guard), then answers 200. */
interface Hanging {
  url: string;
  held: number;
  answered: number;
  keys: string[];
  release(): void;
  close(): Promise<void>;
}

async function startHanging(): Promise<Hanging> {
  const waiting: ServerResponse[] = [];
  let released = false;
  const answer = (res: ServerResponse) => {
    if (res.writableEnded || res.destroyed) return;
    h.held--;
    h.answered++;
    res.writeHead(200).end('ok');
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      h.keys.push(String(req.headers['idempotency-key']));
      h.held++;
      if (released) return answer(res);
      waiting.push(res);
      setTimeout(() => answer(res), 25_000).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const h: Hanging = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: 0,
    answered: 0,
    keys: [],
    release() {
      released = true;
      for (const res of waiting.splice(0)) answer(res);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return h;
}
