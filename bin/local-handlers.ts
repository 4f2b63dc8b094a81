/**
 * What the local runtime runs: the Lambdas' own handlers (shared/local wires them to its local
 * queues, stores and server, and imports nothing from functions/ itself).
 */
import { createHandler as createApi } from '../functions/api/handler';
import { createHandler as createIngest } from '../functions/ingest/handler';
import { createHandler as createRouter } from '../functions/router/handler';
import { createHandler as createEscalator } from '../functions/escalator/handler';
import { createHandler as createChecks } from '../functions/checks/handler';
import type { LocalHandlers } from '../shared/local/runtime';

export const LOCAL_HANDLERS: LocalHandlers = {
  ingest: createIngest,
  router: createRouter,
  escalator: createEscalator,
  checks: createChecks,
  api: createApi,
  // Beside this module: the TypeScript source under tsx (tests), the bundle under `npm start` (bin/start.mjs).
  ingestWorker: new URL(import.meta.url.endsWith('.ts') ? './ingest-worker.ts' : './ingest-worker.mjs', import.meta.url),
};
