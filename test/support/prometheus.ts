import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './alertmanager';

/** The Debian package's binary; .ci/run installs it. */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || '/usr/bin/prometheus';

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
  /** The end of its output, for failure messages. */
  tail(): string;
}

/** Why Prometheus cannot run here, as one line saying what to install; undefined when it can. */
export function prometheusMissing(): string | undefined {
  const fix = 'install the Debian package `prometheus` (apt-get install prometheus; .ci/run does), or set PROMETHEUS_BIN=/path/to/prometheus';
  try {
    accessSync(PROMETHEUS_BIN, constants.X_OK);
  } catch {
    return `This test needs Prometheus, not found at ${PROMETHEUS_BIN}: ${fix}`;
  }
  const version = spawnSync(PROMETHEUS_BIN, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (version.error || version.status !== 0) return `This test needs Prometheus; ${PROMETHEUS_BIN} --version failed (${version.error?.message ?? `exit ${version.status}`}): ${fix}`;
  return undefined;
}

/**
 * Start a real Prometheus on 127.0.0.1 with `config` as prometheus.yml and `files` beside it (rule
 * files, by name) and `args` on its command line, and wait until `ready(url)` holds (default: /-/ready answers).
 */
export async function startPrometheus(
  config: string,
  opts: { files?: Record<string, string>; args?: readonly string[]; ready?: (url: string) => Promise<boolean>; what?: string } = {},
): Promise<RunningPrometheus> {
  const problem = prometheusMissing();
  if (problem) throw new Error(problem);
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A spawn failure (e.g. ENOENT) arrives as an 'error' event; unhandled, it would crash the worker.
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const tail = () => output.split('\n').slice(-30).join('\n');
  const ready = opts.ready ?? (async (u: string) => (await fetch(`${u}/-/ready`)).ok);
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (spawnError) throw new Error(`cannot start ${PROMETHEUS_BIN}: ${spawnError.message}`, { cause: spawnError });
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}; its output ends:\n${tail()}`);
      try {
        if (await ready(url)) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`prometheus was not ready (${opts.what ?? '/-/ready'}) within 20 s; its output ends:\n${tail()}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop, tail };
}
