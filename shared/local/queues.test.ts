import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { LocalQueues } from './queues';
import { SQS_MAX_VISIBILITY_S } from '../queues/port';
import { silentLogger } from '../log';

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

  it('refuses a message over 256 KiB as SQS does, and queues none of the call', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'q', visibilityTimeoutS: 30 });
    await expect(queues.send('q', [msg('small'), msg('x'.repeat(256 * 1024 + 1))])).rejects.toMatchObject({ name: expect.any(String), message: expect.stringContaining('at most 262144') });
    expect(queues.stats()[0]!.total).toBe(0);
    await queues.send('q', [msg('x'.repeat(256 * 1024))]);
    expect(queues.stats()[0]!.total).toBe(1);
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

  it('does not let a batch that hangs on one record hold the queue: it scales out around it', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'q', visibilityTimeoutS: 30, batchSize: 1, concurrency: 1, maxConcurrency: 3, slowBatchMs: 50 });
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    queues.consume('q', async (e) => {
      for (const r of e.Records) {
        // The hang guard: a stuck record gives up by itself after 10 s.
        if (r.body === 'hangs') await Promise.race([hung, new Promise((r2) => setTimeout(r2, 10_000))]);
        done.push(r.body);
      }
    });
    await queues.send('q', [msg('hangs')]);
    await new Promise((r) => setTimeout(r, 10));
    await queues.send('q', [msg('a'), msg('b')]);
    await vi.waitFor(() => expect(done).toEqual(['a', 'b']), { timeout: 5_000 });
    release();
    await queues.idle();
    expect(done).toEqual(['a', 'b', 'hangs']);
  });

  it('never runs more than maxConcurrency batches, hung or not', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'q', visibilityTimeoutS: 30, batchSize: 1, concurrency: 1, maxConcurrency: 2, slowBatchMs: 20 });
    let running = 0;
    let peak = 0;
    queues.consume('q', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 100));
      running--;
    });
    await queues.send('q', Array.from({ length: 5 }, (_, i) => msg(`m${i}`)));
    await queues.idle();
    expect(peak).toBe(2);
  });

  describe('ChangeMessageVisibility, exactly as SQS', () => {
    /** A queue on a fake clock whose consumer fails every record and keeps its receipt handles. */
    function failingQueue() {
      const clock = { t: 1_000_000 };
      queues = new LocalQueues(silentLogger, () => clock.t);
      queues.create({ name: 'q', visibilityTimeoutS: 30 });
      const receipts: string[] = [];
      queues.consume('q', async (e) => {
        receipts.push(...e.Records.map((r) => r.receiptHandle));
        return { batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      });
      /** Let the clock run to `t` and the queue look again (a send wakes it, as time would). */
      const at = async (t: number) => {
        clock.t = t;
        await queues.send('q', [msg('tick', 3_600)]);
        await new Promise((r) => setTimeout(r, 20));
      };
      return { clock, receipts, at };
    }
    const received = (receipts: string[]) => receipts.length;

    it('hides the message for exactly the new timeout, counted from the call', async () => {
      const { clock, receipts, at } = failingQueue();
      await queues.send('q', [msg('m')]);
      await vi.waitFor(() => expect(received(receipts)).toBe(1));
      const t0 = clock.t;
      await at(t0 + 5_000);
      await queues.changeVisibility('q', receipts[0]!, 120);
      await at(t0 + 5_000 + 119_999);
      expect(received(receipts)).toBe(1);
      await at(t0 + 5_000 + 120_000);
      expect(received(receipts)).toBe(2);
    });

    it('rejects what SQS rejects instead of clamping it', async () => {
      const { clock, receipts, at } = failingQueue();
      await queues.send('q', [msg('m')]);
      await vi.waitFor(() => expect(received(receipts)).toBe(1));
      const handle = receipts[0]!;
      for (const bad of [-1, 1.5, SQS_MAX_VISIBILITY_S + 1, Number.NaN]) {
        await expect(queues.changeVisibility('q', handle, bad)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      }
      // 12 h at most from the receive, across extensions.
      const t0 = clock.t;
      await queues.changeVisibility('q', handle, 11 * 3_600 + 60);
      clock.t = t0 + 11 * 3_600_000;
      await queues.changeVisibility('q', handle, 3_600);
      await expect(queues.changeVisibility('q', handle, 3_601)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      await expect(queues.changeVisibility('q', 'not-a-handle', 10)).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
      // Once the timeout has run out the message is no longer in flight.
      clock.t = t0 + 12 * 3_600_000;
      await expect(queues.changeVisibility('q', handle, 10)).rejects.toMatchObject({ name: 'MessageNotInflight' });
      // Received again: the old handle is stale, the new one works, and its timeout is the queue's again.
      await at(clock.t + 1);
      expect(received(receipts)).toBe(2);
      await expect(queues.changeVisibility('q', handle, 10)).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
      await queues.changeVisibility('q', receipts[1]!, SQS_MAX_VISIBILITY_S);
    });
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

describe('LocalQueues.pause and resume (an event source mapping disabled, then enabled)', () => {
  it('holds a paused queue\'s messages, lets idle() settle without them, and delivers them on resume', async () => {
    queues = new LocalQueues(silentLogger);
    queues.create({ name: 'a', visibilityTimeoutS: 30, concurrency: 1 });
    queues.create({ name: 'b', visibilityTimeoutS: 30, concurrency: 1 });
    const seen: string[] = [];
    queues.consume('a', async (e) => void seen.push(...e.Records.map((r) => r.body)));
    queues.consume('b', async (e) => void seen.push(...e.Records.map((r) => r.body)));
    queues.pause('b');
    await queues.send('a', [msg('a1')]);
    await queues.send('b', [msg('b1')]);
    await queues.idle();
    expect(seen).toEqual(['a1']);
    expect(queues.peek('b')).toEqual(['b1']);

    queues.resume('b');
    await queues.idle();
    expect(seen).toEqual(['a1', 'b1']);
    expect(queues.peek('b')).toEqual([]);
  });
});
