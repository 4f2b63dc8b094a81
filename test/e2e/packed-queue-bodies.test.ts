import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startRuntimeWithConfig, teamRouteConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * Issue 11 point 7: large queue bodies travel packed (shared/queues/body.ts), so the 64 KB chunks
 * SQS bills shrink, and the router and the sender still read them. The local queues pack as the SQS
 * adapter does here (packQueueBodies); by default they do not (one process: packing is only CPU).
 */
const TOKEN = 'packed-token';
let hook: StandIn;
let rt: LocalRuntime;

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(`auth:\n  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]\n${teamRouteConfig(hook.url)}`, { token: TOKEN, packQueueBodies: true });
});
afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('packed queue bodies', () => {
  it('a request of 100 alerts is one sub-64 KB message on each queue, and its group is notified with all 100', async () => {
    const alerts = Array.from({ length: 100 }, (_, i) => ({
      name: 'HighLatency',
      severity: 'warning',
      labels: { service: 'checkout', instance: `ip-10-0-${i}.ec2.internal:9100`, job: 'node-exporter', env: 'prod' },
      summary: `HighLatency on ip-10-0-${i}.ec2.internal:9100`,
      description: `HighLatency has been firing for more than 5 minutes on ip-10-0-${i}.ec2.internal:9100 (service checkout).`,
      annotations: { runbook_url: 'https://runbooks.example.com/highlatency' },
    }));
    const before = { ...rt.queues.payload };
    const sends = rt.queues.calls.send;
    const res = await fetch(`${rt.url}/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ alerts }) });
    expect(res.status).toBe(202);
    const [notification] = await hook.waitFor(1);
    const body = JSON.parse(notification!.body) as { alerts: unknown[] };
    expect(body.alerts).toHaveLength(100);
    await rt.queues.idle();

    // The ingest message and the notification: one send each, each one billed 64 KB chunk.
    expect(rt.queues.calls.send - sends).toBe(2);
    expect(rt.queues.payload.sendChunks - before.sendChunks).toBe(2);
    expect(rt.queues.payload.sendBytes - before.sendBytes).toBeLessThan(2 * 16 * 1024);
  });
});
