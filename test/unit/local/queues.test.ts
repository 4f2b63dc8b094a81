import { afterEach, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { LocalQueues } from '../../../shared/local/queues';
import { silentLogger } from '../../../shared/log';

let queues: LocalQueues;
afterEach(() => queues?.close());

const msg = (body: string, delaySeconds?: number) => ({ id: body, body, ...(delaySeconds ? { delaySeconds } : {}) });

describe('LocalQueues (SQS semantics)', () => {
  it('delivers in batches of at most 10 and deletes what succeeded', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'q', visibilityTimeoutS: 30, batchSize: 10, concurrency: 1 });
    const sizes: number[] = [];
    queues.consume('q', async (e) => {
      sizes.push(e.Records.length);
    });
    await queues.send('q', Array.from({ length: 10 }, (_, i) => msg(`a${i}`)));
    await queues.send('q', Array.from({ length: 5 }, (_, i) => msg(`b${i}`)));
    await queues.idle();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(15);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(queues.stats()[0]!.total).toBe(0);
  });

  it('redelivers only the reported failures, then moves them to the DLQ after maxReceiveCount', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'dlq', visibilityTimeoutS: 30 });
    queues.create({ name: 'q', visibilityTimeoutS: 30, maxReceiveCount: 3, dlq: 'dlq' });
    const seen: Record<string, number> = {};
    queues.consume('q', async (e: SQSEvent) => {
      const failures = [];
      for (const r of e.Records) {
        seen[r.body] = (seen[r.body] ?? 0) + 1;
        expect(r.attributes.ApproximateReceiveCount).toBe(String(seen[r.body]));
        if (r.body === 'bad') {
          failures.push({ itemIdentifier: r.messageId });
          // Back off through visibility, as the senders do (0 s keeps the test fast).
          await queues.changeVisibility('q', r.receiptHandle, 0);
        }
      }
      return { batchItemFailures: failures };
    });
    await queues.send('q', [msg('good'), msg('bad')]);
    await queues.idle();
    expect(seen).toEqual({ good: 1, bad: 3 });
    expect(queues.peek('dlq')).toEqual(['bad']);
    expect(await queues.moveAll('dlq', 'q')).toBe(1);
  });

  it('holds a delayed message until its delay passes', async () => {
    let t = 1_000_000;
    queues = new LocalQueues(silentLogger, () => t);
    queues.create({ name: 'q', visibilityTimeoutS: 30 });
    const got: string[] = [];
    queues.consume('q', async (e) => {
      got.push(...e.Records.map((r) => r.body));
    });
    await queues.send('q', [msg('later', 60)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([]);
    expect(queues.stats()[0]).toMatchObject({ visible: 0, delayedOrInFlight: 1 });
    t += 60_000;
    await queues.send('q', [msg('now')]);
    await queues.idle();
    expect(got.sort()).toEqual(['later', 'now']);
  });

  it('retries the whole batch when the consumer throws', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'dlq', visibilityTimeoutS: 30 });
    queues.create({ name: 'q', visibilityTimeoutS: 0, maxReceiveCount: 2, dlq: 'dlq' });
    let calls = 0;
    queues.consume('q', async () => {
      calls++;
      throw new Error('boom');
    });
    await queues.send('q', [msg('x'), msg('y')]);
    await queues.idle();
    expect(calls).toBe(2);
    expect(queues.peek('dlq').sort()).toEqual(['x', 'y']);
  });
});

describe('LocalQueues.stop (shutdown)', () => {
  it('starts no new batch, and resolves once the batches in flight have finished and been applied', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'q', visibilityTimeoutS: 30, batchSize: 1, concurrency: 1 });
    const started: string[] = [];
    let finish!: () => void;
    const inFlight = new Promise<void>((resolve) => (finish = resolve));
    queues.consume('q', async (e) => {
      started.push(e.Records[0]!.body);
      await inFlight;
    });
    await queues.send('q', [msg('first'), msg('second')]);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual(['first']);

    let stopped = false;
    const stopping = queues.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    finish();
    await stopping;
    // The finished batch was deleted; the other message was never handed out and stays queued.
    expect(started).toEqual(['first']);
    expect(queues.peek('q')).toEqual(['second']);
  });
});
