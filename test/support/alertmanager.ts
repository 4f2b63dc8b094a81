import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Debian package's binary; .ci/run installs it. */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN || '/usr/bin/prometheus-alertmanager';

/**
 * Why `bin` cannot run the Alertmanager tests, as one line saying what to install, or undefined when
 * it can (it is executable and answers --version).
 */
export function alertmanagerMissing(bin: string): string | undefined {
  const fix = 'apt-get install prometheus-alertmanager, or set ALERTMANAGER_BIN=/path/to/alertmanager';
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    return `The Alertmanager tests need Prometheus Alertmanager, not found at ${bin}: ${fix}`;
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (version.error || version.status !== 0) {
    return `The Alertmanager tests need Prometheus Alertmanager; ${bin} --version failed (${version.error?.message ?? `exit ${version.status}`}): ${fix}`;
  }
  return undefined;
}

export interface RunningAlertmanager {
  url: string;
  /** Post alerts as Prometheus does (API v2). */
  postAlerts(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string; generatorURL?: string }>): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Start a real Alertmanager with the given alertmanager.yml text, clustering off, on 127.0.0.1. */
export async function startAlertmanager(configYaml: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), configYaml);
  const port = await freePort();
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  // A spawn failure (e.g. ENOENT) arrives as an 'error' event; unhandled, it would crash the worker.
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${ALERTMANAGER_BIN}: ${spawnError.message}`, { cause: spawnError });
    if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`alertmanager did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`alertmanager rejected alerts: ${res.status} ${await res.text()}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }).then(() => rmSync(dir, { recursive: true, force: true })),
    logs: () => output,
  };
}
