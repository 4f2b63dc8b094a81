import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';
import { createHandler as createIngest } from '../../functions/ingest/handler';
import { envSecretResolver } from '../../shared/primitives/secrets';
import { silentLogger } from '../../shared/log';
import { IngestMessage } from '../../shared/queues/messages';
import type { OutgoingMessage } from '../../shared/queues/port';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { warmUp } from '../../shared/local/warm-up';
import { WARM_UP_ALERTS, WARM_UP_GROUPS, WARM_UP_TOKEN, warmUpBodies, warmUpConfig, warmUpEvent } from '../../shared/local/warm-up-storm';

/**
 * `npm start` compiles its hot paths before it listens (shared/local/warm-up.ts): a storm through
 * a throwaway runtime, and the same requests through each ingest worker's handler. It must exercise
 * the real path (requests accepted, every group notified) and leave nothing behind.
 */
const dirs: string[] = [];
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the warm-up of npm start', () => {
  it('notifies every group of its storm, and writes nothing where the runtime keeps its state', async () => {
    const root = mkdtempSync(join(tmpdir(), 'alertflow-warm-up-'));
    dirs.push(root);
    // What the real runtime would use: the warm-up must read none of it.
    process.env.ALERTFLOW_DATA_DIR = join(root, 'data');
    process.env.ALERTFLOW_CONFIG = join(root, 'missing.yaml');
    process.env.PORT = '1';
    const cwd = process.cwd();
    const hadLocalState = existsSync(join(cwd, '.alertflow'));
    const result = await warmUp(LOCAL_HANDLERS);
    expect(result.notifications).toBe(WARM_UP_GROUPS);
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(existsSync(join(cwd, '.alertflow'))).toBe(hadLocalState);
  }, 30_000);

  it('sends what the ingest handler accepts: every alert queued, in label sets of several sizes', async () => {
    const sent: OutgoingMessage[] = [];
    const ingest = createIngest({
      config: compileConfig(warmUpConfig('http://127.0.0.1:9/hook')),
      queues: { send: async (_queue, messages) => void sent.push(...messages), changeVisibility: () => Promise.resolve() },
      secrets: envSecretResolver({ ALERTFLOW_WEBHOOK_TOKEN: WARM_UP_TOKEN }),
      clock: () => new Date(),
      log: silentLogger,
      metrics: { count: () => {}, observe: () => {} },
    });
    for (const body of warmUpBodies()) expect(((await ingest(warmUpEvent(body))) as { statusCode: number }).statusCode).toBe(202);
    const alerts = sent.flatMap((m) => IngestMessage.parse(JSON.parse(m.body)).alerts);
    expect(alerts).toHaveLength(WARM_UP_ALERTS);
    expect(new Set(alerts.map((a) => `${a.labels.alertname} ${a.labels.service}`)).size).toBe(WARM_UP_GROUPS);
    expect(new Set(alerts.map((a) => Object.keys(a.labels).length)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(alerts.map((a) => Object.keys(a.annotations).length)).size).toBeGreaterThanOrEqual(3);
  });
});
