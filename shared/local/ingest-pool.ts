import { Worker } from 'node:worker_threads';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config/schema';
import { errorResponse, type HttpResult } from '../http/responses';
import type { Logger, LogLevel } from '../log';
import type { OutgoingMessage, QueuePort } from '../queues/port';
import type { CounterName, MetricLabels, MetricsPort } from '../metrics/catalog';

/** Main thread -> worker: a request to ingest. */
export type ToWorker = { kind: 'request'; id: number; event: APIGatewayProxyEventV2 };
/** A send the ingest handler made, performed by the main thread before it answers. */
export interface DeferredSend {
  queue: string;
  messages: OutgoingMessage[];
}
/** A count the ingest handler made, applied by the main thread once its request's sends are committed. */
export interface DeferredCount {
  metric: CounterName;
  value: number;
  labels?: MetricLabels | undefined;
}
/** Worker -> main thread. */
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'response'; id: number; result?: unknown; sends?: DeferredSend[]; counts?: DeferredCount[]; error?: string | undefined }
  | { kind: 'log'; level: LogLevel; msg: string; fields?: Record<string, unknown> | undefined };

export interface IngestPoolOptions {
  workers: number;
  /** The worker thread's module: it calls runIngestWorker (ingest-worker.ts) with the ingest handler. */
  entry: URL;
  /** Pack large bodies as `queues` does (LocalQueues' packBodies). */
  pack: boolean;
  /** Each worker runs the warm-up storm before it takes requests (warm-up.ts). */
  warm?: boolean;
  config: Config;
  /** The environment the secrets resolve from (as the main thread's resolver sees it). */
  env: Record<string, string | undefined>;
  /** Where the workers' sends go: the runtime's queues (durable before the send resolves). */
  queues: QueuePort;
  log: Logger;
  /** Where the workers' counts go (the ingest function's metrics). */
  metrics?: MetricsPort | undefined;
  /** Used while no worker is up (all of them died and are being replaced): the handler in this thread. */
  fallback: (event: APIGatewayProxyEventV2) => Promise<HttpResult>;
}

interface Pending {
  resolve: (r: HttpResult) => void;
  reject: (err: Error) => void;
  requestId: string;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Ingest on worker threads, for the local runtime: validating, normalizing and fingerprinting a
 * storm's request bodies is most of the CPU an alert costs, and on one thread it starves the router
 * and the senders (whose time to the first notification is what users wait for). The workers run the
 * same ingest handler as the Lambda. The main thread keeps the queues: a worker hands back the
 * handler's answer with the sends it made, and the main thread performs them and answers only once
 * they are committed, or answers as the handler does when a send fails (one crossing each way per
 * request, instead of a round trip for each send on top). A worker that dies fails its requests (a
 * 500: the client retries, and a re-sent alert is deduplicated) and is replaced.
 *
 * On AWS each ingest request is its own Lambda invocation: this is the local stand-in for that
 * concurrency, not a behaviour of its own.
 */
export class IngestPool {
  private readonly slots: Slot[] = [];
  private nextRequest = 0;
  private turn = 0;
  private closed = false;

  private constructor(private readonly opts: IngestPoolOptions) {}

  static async start(opts: IngestPoolOptions): Promise<IngestPool> {
    const pool = new IngestPool(opts);
    await Promise.all(Array.from({ length: opts.workers }, () => pool.spawn()));
    return pool;
  }

  /** Ingest one HTTP request on the least busy worker. */
  handle(event: APIGatewayProxyEventV2): Promise<HttpResult> {
    if (this.slots.length === 0) return this.opts.fallback(event);
    const slot = this.pick();
    const id = this.nextRequest++;
    return new Promise<HttpResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, requestId: event.requestContext.requestId });
      slot.worker.postMessage({ kind: 'request', id, event } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private pick(): Slot {
    // Fewest requests in flight; ties in turn.
    this.turn = (this.turn + 1) % this.slots.length;
    let best = this.slots[this.turn]!;
    for (const s of this.slots) if (s.pending.size < best.pending.size) best = s;
    return best;
  }

  private spawn(): Promise<void> {
    // `--import tsx` in execArgv (npm start) lets the worker load TypeScript as the main thread does.
    const worker = new Worker(this.opts.entry, { workerData: { config: this.opts.config, env: this.opts.env, pack: this.opts.pack, warm: this.opts.warm ?? false } });
    const slot: Slot = { worker, pending: new Map() };
    return new Promise<void>((ready, failed) => {
      let started = false;
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') {
          started = true;
          this.slots.push(slot);
          ready();
        } else if (m.kind === 'response') {
          const p = slot.pending.get(m.id);
          slot.pending.delete(m.id);
          if (!p) return;
          if (m.error !== undefined) return p.reject(new Error(m.error));
          // In one turn, so they share one commit; the answer waits for it, as the handler waited.
          Promise.all((m.sends ?? []).map((s) => this.opts.queues.send(s.queue, s.messages))).then(
            () => {
              for (const c of m.counts ?? []) this.opts.metrics?.count(c.metric, c.value, c.labels);
              p.resolve(m.result as HttpResult);
            },
            (err: unknown) => p.resolve(errorResponse(err, this.opts.log, p.requestId)),
          );
        } else {
          this.opts.log[m.level](m.msg, { fn: 'ingest', ...m.fields });
        }
      });
      worker.on('error', (err) => {
        if (!started) return failed(err);
        this.opts.log.error('an ingest worker failed; replacing it', { err });
      });
      worker.on('exit', () => {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        for (const p of slot.pending.values()) p.reject(new Error('the ingest worker stopped before answering'));
        slot.pending.clear();
        if (started && !this.closed) void this.spawn().catch((err: unknown) => this.opts.log.error('could not replace an ingest worker', { err }));
      });
    });
  }
}
