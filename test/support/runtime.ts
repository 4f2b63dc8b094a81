import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime, type LocalOptions, type LocalRuntime } from '../../shared/local/runtime';
import { silentLogger } from '../../shared/log';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';

/**
 * Start the local runtime in memory on a free port with the given alertflow.yaml text. Logs are
 * silent unless E2E_LOG is set.
 */
export async function startRuntimeWithConfig(configYaml: string, opts: Omit<LocalOptions, 'configPath' | 'handlers'> = {}): Promise<LocalRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-test-'));
  const configPath = join(dir, 'alertflow.yaml');
  writeFileSync(configPath, configYaml);
  return startLocalRuntime({
    handlers: LOCAL_HANDLERS,
    port: 0,
    dataDir: null,
    env: {},
    ...(process.env.E2E_LOG ? {} : { log: silentLogger }),
    ...opts,
    configPath,
  });
}

/**
 * The route most end-to-end tests run under: every alert to `team`, grouped by alertname and
 * flushed at once, a webhook posting to the stand-in at `${hookUrl}/hook`. Add `auth` (and any
 * other top-level key) before it.
 */
export const teamRouteConfig = (hookUrl: string): string => `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
receivers:
  - name: team
    webhook_configs:
      - url: ${hookUrl}/hook
`;

/** One token per scope set, for tests of what each scope may do (their secrets: scopedTokenOptions). */
export const SCOPED_TOKENS: Readonly<Record<'admin' | 'ingest' | 'read', string>> = { admin: 'admin-token', ingest: 'ingest-only-token', read: 'read-only-token' };

/**
 * The `auth:` block naming SCOPED_TOKENS: `admin` (ingest, read, manage), the ingest-only token as
 * `ingestName` (actors and records show it) and `viewer` (read). Put it first in a config.
 */
export const scopedAuthYaml = (ingestName: string): string => `auth:
  tokens:
    - { name: admin, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest, read, manage] }
    - { name: ${ingestName}, secret: { env: INGEST_TOKEN }, scopes: [ingest] }
    - { name: viewer, secret: { env: READ_TOKEN }, scopes: [read] }
`;

/** The runtime options that give scopedAuthYaml's tokens their SCOPED_TOKENS values. */
export const scopedTokenOptions = { token: SCOPED_TOKENS.admin, env: { INGEST_TOKEN: SCOPED_TOKENS.ingest, READ_TOKEN: SCOPED_TOKENS.read } };

/**
 * One authenticated request to a runtime's HTTP API: a JSON body (a string is sent as is) and the
 * JSON answer with its status. `signal` bounds it (e.g. AbortSignal.timeout against a blocked runtime).
 */
export async function apiRequest<T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ status: number; body: T }> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}
