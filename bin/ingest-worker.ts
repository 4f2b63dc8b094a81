/** An ingest worker thread of `npm start` (shared/local/ingest-pool.ts starts it). */
import { createHandler } from '../functions/ingest/handler';
import { runIngestWorker } from '../shared/local/ingest-worker';

runIngestWorker(createHandler);
