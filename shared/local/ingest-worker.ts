/**
 * The body of an ingest worker thread of the local runtime (see ingest-pool.ts): the ingest handler
 * the Lambda runs, with a queue port that hands each send to the main thread, which keeps the queues.
 * Only that thread answers the HTTP request, after the send committed, so a 2xx still means the
 * alerts are kept. The thread's module (bin/ingest-worker.ts) passes the handler in.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Config } from '../config/schema';
import { envSecretResolver } from '../config/secrets';
import type { Logger, LogLevel } from '../log';
import { packBody } from '../queues/body';
import type { OutgoingMessage, QueuePort } from '../queues/port';
import type { Ports } from '../runtime/ports';
import { compileConfig } from '../runtime/compiled-config';
import type { FromWorker, ToWorker } from './ingest-pool';

interface WorkerInput {
  config: Config;
  env: Record<string, string | undefined>;
  pack: boolean;
}

/** Run this thread as an ingest worker with `createHandler` (the ingest Lambda's own). */
export function runIngestWorker(createHandler: (ports: Pick<Ports, 'config' | 'queues' | 'secrets' | 'clock' | 'log'>) => (event: unknown) => Promise<unknown>): void {
  const port = parentPort!;
  const { config, env, pack } = workerData as WorkerInput;
  const post = (m: FromWorker) => port.postMessage(m);

  let nextSend = 0;
  const sends = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  const queues: QueuePort = {
    send: (queue: string, messages: OutgoingMessage[]) =>
      new Promise<void>((resolve, reject) => {
        const id = nextSend++;
        sends.set(id, { resolve, reject });
        post({ kind: 'send', id, queue, messages });
      }),
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
  const ingest = createHandler({ config: compileConfig(config), queues, secrets: envSecretResolver(env), clock: () => new Date(), log });

  port.on('message', (m: ToWorker) => {
    if (m.kind === 'sent') {
      const waiter = sends.get(m.id);
      sends.delete(m.id);
      if (m.error === undefined) waiter?.resolve();
      else waiter?.reject(new Error(m.error));
      return;
    }
    ingest(m.event as APIGatewayProxyEventV2).then(
      (result) => post({ kind: 'response', id: m.id, result }),
      (err: unknown) => post({ kind: 'response', id: m.id, error: (err as Error).message }),
    );
  });
  post({ kind: 'ready' });
}
