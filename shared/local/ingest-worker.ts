/**
 * The body of an ingest worker thread of the local runtime (see ingest-pool.ts): the ingest handler
 * the Lambda runs, with a queue port that keeps each request's sends for the main thread, which keeps
 * the queues. Only that thread answers the HTTP request, after the sends committed, so a 2xx still
 * means the alerts are kept. The thread's module (bin/ingest-worker.ts) passes the handler in.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config/schema';
import { envSecretResolver } from '../primitives/secrets';
import { silentLogger, type Logger, type LogLevel } from '../log';
import { packBody } from '../queues/body';
import type { OutgoingMessage, QueuePort } from '../queues/port';
import type { Ports } from '../runtime/ports';
import { compileConfig } from '../runtime/compiled-config';
import type { DeferredCount, DeferredSend, FromWorker, ToWorker } from './ingest-pool';
import type { MetricsPort } from '../metrics/catalog';
import { WARM_UP_TOKEN, warmUpBodies, warmUpConfig, warmUpEvent } from './warm-up-storm';

interface WorkerInput {
  config: Config;
  env: Record<string, string | undefined>;
  pack: boolean;
  /** Run the warm-up storm before answering ready (`npm start`; see warm-up.ts). */
  warm?: boolean;
}

/** Run this thread as an ingest worker with `createHandler` (the ingest Lambda's own). */
export function runIngestWorker(createHandler: (ports: Pick<Ports, 'config' | 'queues' | 'secrets' | 'clock' | 'log' | 'metrics'>) => (event: unknown) => Promise<unknown>): void {
  const port = parentPort!;
  const { config, env, pack, warm } = workerData as WorkerInput;
  const post = (m: FromWorker) => port.postMessage(m);

  // The sends and counts of the request being handled (requests interleave at their awaits).
  const request = new AsyncLocalStorage<{ sends: DeferredSend[]; counts: DeferredCount[] }>();
  const queues: QueuePort = {
    send: (queue: string, messages: OutgoingMessage[]) => {
      const sends = request.getStore()?.sends;
      if (!sends) return Promise.reject(new Error('an ingest worker sends only while handling a request'));
      // Performed, and committed, by the main thread before it answers (see ingest-pool.ts).
      sends.push({ queue, messages });
      return Promise.resolve();
    },
    changeVisibility: () => Promise.reject(new Error('ingest does not receive messages')),
    ...(pack ? { encode: packBody } : {}),
  };
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    try {
      post({ kind: 'log', level, msg, fields });
    } catch {
      // A field that cannot cross threads (a function, say): log the line without its fields.
      post({ kind: 'log', level, msg, fields: { fields: 'not transferable' } });
    }
  };
  const log: Logger = { debug: (m, f) => emit('debug', m, f), info: (m, f) => emit('info', m, f), warn: (m, f) => emit('warn', m, f), error: (m, f) => emit('error', m, f) };
  // Counted on the main thread, once the request's sends are committed (the registry is there).
  const metrics: MetricsPort = {
    count: (metric, value = 1, labels) => void request.getStore()?.counts.push({ metric, value, ...(labels ? { labels } : {}) }),
    observe: () => {},
  };
  const ingest = createHandler({ config: compileConfig(config), queues, secrets: envSecretResolver(env), clock: () => new Date(), log, metrics });

  port.on('message', (m: ToWorker) => {
    const store = { sends: [] as DeferredSend[], counts: [] as DeferredCount[] };
    request.run(store, () => ingest(m.event as APIGatewayProxyEventV2)).then(
      (result) => post({ kind: 'response', id: m.id, result, sends: store.sends, counts: store.counts }),
      (err: unknown) => post({ kind: 'response', id: m.id, error: (err as Error).message }),
    );
  });
  // Ready once this thread's ingest code is compiled (see warm-up.ts), unless the start says not to.
  void (warm ? warmUpIngest(createHandler) : Promise.resolve()).finally(() => post({ kind: 'ready' }));
}

/**
 * The warm-up storm through a handler of the same factory over the warm-up's config, its sends
 * dropped: V8 compiles the code this thread's requests run (validation, normalization,
 * fingerprints) before the first of them. A failure only leaves the code cold.
 */
async function warmUpIngest(createHandler: Parameters<typeof runIngestWorker>[0]): Promise<void> {
  const handler = createHandler({
    config: compileConfig(warmUpConfig('http://127.0.0.1:9/hook')),
    queues: { send: () => Promise.resolve(), changeVisibility: () => Promise.resolve() },
    secrets: envSecretResolver({ ALERTFLOW_WEBHOOK_TOKEN: WARM_UP_TOKEN }),
    clock: () => new Date(),
    log: silentLogger,
    metrics: { count: () => {}, observe: () => {} },
  });
  try {
    for (const body of warmUpBodies()) await handler(warmUpEvent(body));
  } catch {
    // Cold code is slower, not wrong.
  }
}
