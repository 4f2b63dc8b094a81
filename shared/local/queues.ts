import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { errorFields, type Logger } from '../log';
import { SQS_MAX_BYTES, SQS_MAX_VISIBILITY_S, type OutgoingMessage, type QueueAdmin, type QueuePort } from '../queues/port';
import { dlqName } from '../queues/names';
import { QueueStore, type StoredMessage } from './queue-store';
import { packBody } from '../queues/body';

/**
 * In-process queues with the SQS semantics the pipeline relies on: DelaySeconds, a visibility timeout
 * per receive, ChangeMessageVisibility, per-record batch failures, maxReceiveCount then the DLQ. A
 * consumer is invoked like an SQS event source mapping invokes a Lambda (batches of up to 10).
 *
 * Messages are served from memory and written through to a QueueStore (SQLite): a send, a receive
 * (its receipt, visibility and receive count), a visibility change, a batch's deletes, a move to the
 * DLQ. Writes share the turn's group commit (LocalDatabase); `send` resolves only after it, so a crash
 * of the process loses nothing a send accepted. What a crash can lose is the last turn's receives,
 * deletes and visibility changes: messages come back, as at-least-once delivery allows (see
 * QueueStore.releaseHeld for what a restart does with messages a consumer held).
 */
export interface LocalQueueOptions {
  name: string;
  visibilityTimeoutS: number;
  /** Receives before a message moves to `dlq`. */
  maxReceiveCount?: number;
  dlq?: string;
  batchSize?: number;
  /** Batches in flight at once (Lambda's concurrency, scaled down). */
  concurrency?: number;
  /**
   * A batch running longer than `slowBatchMs` stops counting against `concurrency`, up to this many
   * batches in flight: as Lambda runs more invocations while some hang, one slow record does not
   * hold the queue's other work. Default: `concurrency` (no scale-out).
   */
  maxConcurrency?: number;
  /** @default 1000 */
  slowBatchMs?: number;
}

type Consumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

/** `resumed`: the message was already in the store when this runtime started (see invoke). */
type Stored = StoredMessage & { resumed?: true };

/** A request SQS would reject; `name` is SQS's error code, as the AWS SDK reports it. */
export class LocalQueueError extends Error {
  constructor(
    override readonly name: 'InvalidParameterValue' | 'MessageNotInflight' | 'ReceiptHandleIsInvalid',
    message: string,
  ) {
    super(message);
  }
}

interface Queue {
  opts: Required<Omit<LocalQueueOptions, 'dlq'>> & { dlq?: string };
  messages: Map<string, Stored>;
  consumer?: Consumer;
  /** Not consumed for now (pause/resume): its messages wait, and idle() does not wait for them. */
  paused?: boolean;
  inFlightBatches: number;
  /** Start times of the batches in flight. */
  running: Set<{ startedAt: number }>;
}

export interface QueueStats {
  name: string;
  visible: number;
  delayedOrInFlight: number;
  total: number;
}

/** A queue's consumer invocations (one per batch), for estimating Lambda requests and GB-s. */
export interface ConsumerStats {
  queue: string;
  invocations: number;
  /** Records delivered across those invocations. */
  records: number;
  /**
   * Wall time of the invocations in ms (handler start to settle). Locally every consumer shares one
   * event loop, so under load this includes time other in-process work held it.
   */
  totalMs: number;
  maxMs: number;
}

/** SQS bills each started 64 KiB of a request's payload as one request. */
export const SQS_BILLING_CHUNK_BYTES = 64 * 1024;

export class LocalQueues implements QueuePort, QueueAdmin {
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;
  private readonly idleWaiters: Array<{ resolve: () => void; timersWithinMs: number }> = [];
  /**
   * Counted calls, as SQS would see them (benchmarks read these): `send` per SendMessageBatch,
   * `receive` per ReceiveMessage that returned messages (the event source mapping's empty polls are
   * not counted), `delete` per DeleteMessageBatch — as the event source mapping does, one per finished
   * batch that had anything to delete, not one per message — and `changeVisibility` per call.
   */
  readonly calls = { send: 0, receive: 0, delete: 0, changeVisibility: 0 };
  /** Message body bytes sent and received, and the 64 KiB chunks SQS bills them as (per call, rounded up). */
  readonly payload = { sendBytes: 0, sendChunks: 0, receiveBytes: 0, receiveChunks: 0 };
  private readonly consumerStats = new Map<string, ConsumerStats>();

  /** Set when bodies are packed as the SQS adapter packs them (see QueuePort.encode). */
  readonly encode?: (json: string) => string;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** Where the messages are kept durable (default: a fresh in-memory database). */
    readonly store: QueueStore = QueueStore.inMemory(),
    /**
     * Pack large bodies as the SQS adapter does (the benchmarks, which count the 64 KB chunks SQS
     * bills). Off by default: in one process, packing only costs CPU.
     */
    opts: { packBodies?: boolean } = {},
  ) {
    if (opts.packBodies) this.encode = packBody;
    const released = store.releaseHeld(this.now());
    if (released > 0) log.info('messages held by consumers when the runtime last stopped are visible again', { messages: released });
  }

  /** Create a queue; messages the store holds for it (from an earlier run) are its messages again. */
  create(opts: LocalQueueOptions): void {
    this.queues.set(opts.name, {
      opts: { maxReceiveCount: Infinity, batchSize: 10, concurrency: 4, slowBatchMs: 1_000, ...opts, maxConcurrency: Math.max(opts.maxConcurrency ?? 0, opts.concurrency ?? 4) },
      messages: new Map(this.store.load(opts.name).map((m): [string, Stored] => [m.messageId, { ...m, resumed: true }])),
      inFlightBatches: 0,
      running: new Set(),
    });
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  consume(name: string, consumer: Consumer): void {
    this.queue(name).consumer = consumer;
    this.wake();
  }

  /**
   * Stop starting batches of this queue, as when its event source mapping is disabled; `resume`
   * starts them again. Batches already running finish. Benchmarks use this to run one stage of the
   * pipeline at a time (test/bench/pipeline.ts).
   */
  pause(name: string): void {
    this.queue(name).paused = true;
  }

  resume(name: string): void {
    this.queue(name).paused = false;
    this.wake();
  }

  /** Resolves once the messages are committed: a caller may then acknowledge them (answer 2xx). */
  async send(name: string, messages: OutgoingMessage[]): Promise<void> {
    this.enqueue(name, messages);
    await this.store.flushed();
  }

  /** `send`, synchronously, in the current transaction (committed with this turn's group commit). */
  enqueue(name: string, messages: OutgoingMessage[]): void {
    const q = this.queue(name);
    // SQS refuses a message over 256 KiB (the whole call fails): so does this stand-in, or an
    // oversized message would work here and fail deployed.
    const tooLong = messages.find((m) => Buffer.byteLength(m.body) > SQS_MAX_BYTES);
    if (tooLong) throw new LocalQueueError('InvalidParameterValue', `a message to ${name} is ${Buffer.byteLength(tooLong.body)} bytes; SQS takes at most ${SQS_MAX_BYTES}`);
    this.calls.send++;
    this.countPayload('send', messages);
    const stored = this.prepare(messages);
    this.store.insert(name, stored);
    for (const m of stored) q.messages.set(m.messageId, m);
    this.wake();
  }

  private prepare(messages: readonly OutgoingMessage[]): Stored[] {
    const now = this.now();
    return messages.map((m) => ({ messageId: randomUUID(), body: m.body, sentAt: now, visibleAt: now + (m.delaySeconds ?? 0) * 1000, receiveCount: 0 }));
  }

  /**
   * ChangeMessageVisibility as SQS does it: the message must be in flight under this (its latest)
   * receipt handle; it becomes visible `seconds` (0 to 43200, whole) from now; and the visibility
   * may not end more than 12 h after the receive. Anything else is rejected, not clamped.
   */
  async changeVisibility(name: string, receiptHandle: string, seconds: number): Promise<void> {
    this.calls.changeVisibility++;
    const q = this.queue(name);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > SQS_MAX_VISIBILITY_S) {
      throw new LocalQueueError('InvalidParameterValue', `VisibilityTimeout must be a whole number of seconds from 0 to ${SQS_MAX_VISIBILITY_S}, not ${seconds}`);
    }
    const now = this.now();
    for (const m of q.messages.values()) {
      if (m.receiptHandle !== receiptHandle) continue;
      if (m.visibleAt <= now) throw new LocalQueueError('MessageNotInflight', `message on ${name} is not in flight (its visibility timeout expired)`);
      if (now + seconds * 1000 > m.receivedAt! + SQS_MAX_VISIBILITY_S * 1000) {
        throw new LocalQueueError('InvalidParameterValue', `visibility would end more than 12 h after the message was received on ${name}`);
      }
      this.store.visibility(m.messageId, now + seconds * 1000);
      m.visibleAt = now + seconds * 1000;
      this.wake();
      return;
    }
    throw new LocalQueueError('ReceiptHandleIsInvalid', `receipt handle not found on ${name} (message deleted or re-received)`);
  }

  stats(): QueueStats[] {
    const now = this.now();
    return [...this.queues.values()].map((q) => {
      const visible = [...q.messages.values()].filter((m) => m.visibleAt <= now).length;
      return { name: q.opts.name, visible, delayedOrInFlight: q.messages.size - visible, total: q.messages.size };
    });
  }

  /** Consumer invocations per consumed queue so far (copies). */
  consumers(): ConsumerStats[] {
    return [...this.consumerStats.values()].map((s) => ({ ...s }));
  }

  /** Bodies of the messages on a queue (for DLQ inspection and redrive). */
  peek(name: string): string[] {
    return [...this.queue(name).messages.values()].map((m) => m.body);
  }

  async redrive(queue: string): Promise<{ moved: number; approximate: boolean }> {
    return { moved: await this.moveAll(dlqName(queue), queue), approximate: false };
  }

  /**
   * Move every message of `from` to `to` (a DLQ redrive), in one transaction: a crash leaves each
   * message on one queue or the other, never both or neither. Returns how many moved.
   */
  async moveAll(from: string, to: string): Promise<number> {
    const src = this.queue(from);
    const dest = this.queue(to);
    const moving = [...src.messages.values()];
    // Sent as SendMessageBatch calls of 10, as a redrive would.
    const batches: Stored[][] = [];
    for (let i = 0; i < moving.length; i += 10) batches.push(this.prepare(moving.slice(i, i + 10).map((m, j) => ({ id: String(i + j), body: m.body }))));
    this.store.transaction(() => {
      this.store.remove(moving.map((m) => m.messageId));
      for (const batch of batches) this.store.insert(to, batch);
    });
    src.messages.clear();
    for (const batch of batches) {
      this.calls.send++;
      this.countPayload('send', batch);
      for (const m of batch) dest.messages.set(m.messageId, m);
    }
    if (batches.length > 0) this.wake();
    await this.store.flushed();
    return moving.length;
  }

  /**
   * Resolves when every consumed queue is empty and no batch is running: the pipeline has settled.
   * Messages backing off for a retry count as not settled; timers (delayed, never received) do not,
   * unless they come due within `timersWithinMs` (e.g. to wait for the group_wait flushes).
   */
  idle(opts: { timersWithinMs?: number } = {}): Promise<void> {
    const timersWithinMs = opts.timersWithinMs ?? -1;
    if (this.isIdle(timersWithinMs)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ resolve, timersWithinMs }));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Stop consuming, as when an event source mapping is disabled: no new batch starts, and this
   * resolves once the batches already handed to consumers have finished (deleted, or left to become
   * visible again, as usual). What is still queued stays queued, in the store: the next start resumes it.
   */
  async stop(): Promise<void> {
    this.close();
    await Promise.allSettled([...this.running]);
  }

  /** Batches being handled now (for stop()). */
  private readonly running = new Set<Promise<void>>();

  private track(invocation: Promise<void>): void {
    this.running.add(invocation);
    void invocation.finally(() => this.running.delete(invocation));
  }

  private queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no local queue named ${name}`);
    return q;
  }

  /**
   * Nothing visible, in flight or waiting to be retried. Messages sent with a delay and not yet
   * received are timers (group flushes) that may be minutes away: they do not count.
   */
  private isIdle(timersWithinMs = -1): boolean {
    const now = this.now() + Math.max(0, timersWithinMs);
    for (const q of this.queues.values()) {
      if (!q.consumer) continue;
      if (q.inFlightBatches > 0) return false;
      if (q.paused) continue;
      for (const m of q.messages.values()) if (m.receiveCount > 0 || m.visibleAt <= now) return false;
    }
    return true;
  }

  /** Run the scheduler on the next tick (coalescing many sends into one pass). */
  private wake(): void {
    this.schedule(this.now());
  }

  private schedule(at: number): void {
    if (this.closed || at > this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.now()));
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    let next = Infinity;
    for (const q of this.queues.values()) {
      if (!q.consumer || q.paused) continue;
      // Batches running past slowBatchMs do not count: the queue scales out around them.
      const active = () => [...q.running].filter((b) => now - b.startedAt < q.opts.slowBatchMs);
      while (active().length < q.opts.concurrency && q.inFlightBatches < q.opts.maxConcurrency) {
        const batch = this.receive(q, now);
        if (batch.length === 0) break;
        q.inFlightBatches++;
        this.track(this.invoke(q, batch, now));
      }
      // Full of young batches: look again when the oldest of them turns slow.
      const young = active();
      if (young.length >= q.opts.concurrency && q.inFlightBatches < q.opts.maxConcurrency) {
        next = Math.min(next, Math.min(...young.map((b) => b.startedAt)) + q.opts.slowBatchMs);
      }
      for (const m of q.messages.values()) if (m.visibleAt > now) next = Math.min(next, m.visibleAt);
    }
    if (next !== Infinity) this.schedule(next);
    for (const w of [...this.idleWaiters]) {
      if (this.isIdle(w.timersWithinMs)) {
        this.idleWaiters.splice(this.idleWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /**
   * One ReceiveMessage of up to batchSize messages, written in the current transaction. A crash before
   * its commit loses the receive: the messages are received again, as after any lost receive.
   */
  private receive(q: Queue, now: number): Stored[] {
    return this.store.transaction(() => this.receiveBatch(q, now));
  }

  private receiveBatch(q: Queue, now: number): Stored[] {
    const batch: Stored[] = [];
    for (const m of q.messages.values()) {
      if (batch.length >= q.opts.batchSize) break;
      if (m.visibleAt > now) continue;
      if (m.receiveCount >= q.opts.maxReceiveCount && q.opts.dlq) {
        // As SQS does: a message received maxReceiveCount times moves to the DLQ on the next receive.
        const dlq = this.queue(q.opts.dlq);
        this.store.movedToDlq(m.messageId, q.opts.dlq, now);
        q.messages.delete(m.messageId);
        const { receiptHandle: _, ...kept } = m;
        dlq.messages.set(m.messageId, { ...kept, visibleAt: now, receiveCount: 0 });
        this.log.warn('message moved to DLQ', { queue: q.opts.name, dlq: q.opts.dlq, messageId: m.messageId });
        continue;
      }
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      m.receiptHandle = randomUUID();
      m.receivedAt = now;
      m.visibleAt = now + q.opts.visibilityTimeoutS * 1000;
      this.store.received(m);
      batch.push(m);
    }
    if (batch.length > 0) {
      this.calls.receive++;
      this.countPayload('receive', batch);
    }
    return batch;
  }

  private countPayload(kind: 'send' | 'receive', messages: ReadonlyArray<{ body: string }>): void {
    const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0);
    this.payload[`${kind}Bytes`] += bytes;
    this.payload[`${kind}Chunks`] += Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
  }

  private async invoke(q: Queue, batch: Stored[], now: number): Promise<void> {
    const run = { startedAt: now };
    q.running.add(run);
    // A message from before this start may be the one that killed the last process. Its receive
    // must be on disk before its consumer runs: a crash in the consumer's first turn would lose
    // the receive, the count would never grow, and the message would never reach its DLQ. Messages
    // sent since the start skip the wait (one turn per batch on a storm's path); one that kills the
    // process is resumed at the next start and counted from then on.
    if (batch.some((m) => m.resumed)) {
      try {
        await this.store.flushed();
      } catch (err) {
        // The receive was rolled back with its commit: the messages come back after their visibility timeout.
        this.log.error('could not record a receive; its messages will be received again', { queue: q.opts.name, ...errorFields(err) });
        return this.finished(q, run);
      }
    }
    const handles = new Map(batch.map((m) => [m.messageId, m.receiptHandle]));
    let failed = new Set<string>(batch.map((m) => m.messageId));
    const event = this.event(q, batch);
    const started = performance.now();
    try {
      const res = await q.consumer!(event);
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      // A thrown handler fails the whole batch, as with Lambda.
      this.log.error('consumer threw; the whole batch will be retried', { queue: q.opts.name, ...errorFields(err) });
    }
    this.countInvocation(q.opts.name, batch.length, performance.now() - started);
    const deleted: string[] = [];
    const kept: string[] = [];
    for (const m of batch) {
      const current = q.messages.get(m.messageId);
      // Settle only if the receipt is still ours (not re-received after the visibility timeout).
      if (!current || current.receiptHandle !== handles.get(m.messageId)) continue;
      (failed.has(m.messageId) ? kept : deleted).push(m.messageId);
    }
    try {
      this.store.settle(deleted, kept);
      for (const id of deleted) q.messages.delete(id);
      // One DeleteMessageBatch for the batch's successes, as the event source mapping sends.
      if (deleted.length > 0) this.calls.delete++;
    } catch (err) {
      // As a failed DeleteMessageBatch: the messages come back after their visibility timeout.
      this.log.error('could not settle a batch; its messages will be received again', { queue: q.opts.name, ...errorFields(err) });
    }
    this.finished(q, run);
  }

  /** A batch is done with: its slot is free, and the queue looks for more. */
  private finished(q: Queue, run: { startedAt: number }): void {
    q.inFlightBatches--;
    q.running.delete(run);
    this.wake();
  }

  private countInvocation(queue: string, records: number, ms: number): void {
    let s = this.consumerStats.get(queue);
    if (!s) {
      s = { queue, invocations: 0, records: 0, totalMs: 0, maxMs: 0 };
      this.consumerStats.set(queue, s);
    }
    s.invocations++;
    s.records += records;
    s.totalMs += ms;
    s.maxMs = Math.max(s.maxMs, ms);
  }

  private event(q: Queue, batch: Stored[]): SQSEvent {
    return {
      Records: batch.map((m): SQSRecord => {
        const record = {
          messageId: m.messageId,
          receiptHandle: m.receiptHandle!,
          body: m.body,
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
          },
          messageAttributes: {},
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:local:000000000000:${q.opts.name}`,
          awsRegion: 'local',
        };
        // Computed when read: no handler reads it, and hashing every body cost ~3% of a storm's thread.
        let md5: string | undefined;
        return Object.defineProperty(record, 'md5OfBody', { enumerable: true, get: () => (md5 ??= createHash('md5').update(m.body).digest('hex')) }) as SQSRecord;
      }),
    };
  }
}
