/**
 * The local runtime in a child process: `node --import tsx test/support/runtime-child.ts`, with
 * the alertflow.yaml text in ALERTFLOW_TEST_CONFIG and the token in ALERTFLOW_TEST_TOKEN. Prints
 * one JSON line `{"url": ...}` once listening, then serves until killed. See runtime-process.ts.
 * ALERTFLOW_TEST_OPTIONS (JSON, optional): `dataDir` (default: in memory), `retryJitter` (a
 * constant for the delivery back-off's jitter, default Math.random), `ingestWorkers` (threads that
 * ingest requests, as `npm start` has; default none).
 */
import { startRuntimeWithConfig } from './runtime';

const options = JSON.parse(process.env.ALERTFLOW_TEST_OPTIONS || '{}') as { dataDir?: string; retryJitter?: number; ingestWorkers?: number };
const rt = await startRuntimeWithConfig(process.env.ALERTFLOW_TEST_CONFIG ?? '', {
  token: process.env.ALERTFLOW_TEST_TOKEN ?? '',
  ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  ...(options.retryJitter === undefined ? {} : { retryJitter: () => options.retryJitter! }),
  ...(options.ingestWorkers === undefined ? {} : { ingestWorkers: options.ingestWorkers }),
});
process.stdout.write(`${JSON.stringify({ url: rt.url })}\n`);
