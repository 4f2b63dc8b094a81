/**
 * `npm run bench -- --vs-alertmanager [--sizes 10000:200,100000:2000] [--concurrency 16] [--runs 1] [--cpu-prof]`
 *
 * Alertmanager (Debian's `prometheus-alertmanager`) and alertflow's local runtime, one after the
 * other, each in its own process with the same route (group_by [alertname, service], group_wait 0s,
 * group_interval 5m) and a webhook receiver on 127.0.0.1 served by this process. For each size it
 * POSTs the same alerts in batches of 100 and times, from the first POST, until every group's
 * first notification reached the webhook; ingest rate over the POST phase; peak RSS (VmHWM) of the
 * system's process tree. alertflow runs as `npm start` runs it: `node bin/start.mjs` (which
 * bundles bin/local.ts and runs the bundle), with ALERTFLOW_DATA_DIR on disk and its JSON log on a
 * pipe. Prints one table; writes it with the raw figures to .alertflow/bench/vs-alertmanager.json.
 * `--runs N` repeats every pair N times, alternating, and prints medians and ranges.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALERTMANAGER_BIN, freePort } from '../support/alertmanager';
import { startStandIn, type StandIn } from '../support/stand-in';
import { median } from './format';
import {
  alertflowBody,
  alertmanagerBody,
  batches,
  notifiedGroup,
  renderProfile,
  renderSideBySide,
  stormAlerts,
  summarizeProfile,
  treePeakRssKb,
  processTree,
  cpuMsOf,
  groupKey,
  groupOf,
  type SideBySide,
  type SizeSpec,
  type SystemRun,
} from './side-by-side';

/** CLOCK_MONOTONIC in µs: the clock V8 stamps CPU profile samples with, in any process on this machine. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = join(ROOT, '.alertflow', 'bench');
const TOKEN = 'bench-token';
const BATCH = 100;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
/** How long a storm may take: generous, since the point is to measure, not to give up early. */
const stormTimeoutMs = (alerts: number) => 60_000 + alerts * 3;

const spawnErrors = new WeakMap<ChildProcess, Error>();

/** Children and temp dirs to clean up however the bench ends. */
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}

class Progress {
  private last = '';
  private lastPrinted = 0;
  private readonly started = performance.now();
  constructor(private readonly tty = Boolean(process.stderr.isTTY)) {}
  update(line: string): void {
    const text = `[vs-am ${((performance.now() - this.started) / 1000).toFixed(1)}s] ${line}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
    } else if (line !== this.last && performance.now() - this.lastPrinted > 5000) {
      // Not a terminal: no overwriting; a line every few seconds.
      process.stderr.write(`${text}\n`);
      this.lastPrinted = performance.now();
    }
    this.last = line;
  }
  done(line: string): void {
    process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}[vs-am ${((performance.now() - this.started) / 1000).toFixed(1)}s] ${line}\n`);
    this.lastPrinted = performance.now();
  }
}

interface Running {
  child: ChildProcess;
  url: string;
  ingestPath: string;
  headers: Record<string, string>;
  body: (batch: ReturnType<typeof stormAlerts>) => string;
  output: () => string;
  outputBytes: () => number;
}

function spawnTracked(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; outputBytes: () => number } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Keep only the tail of the output (for errors); count all of it.
  let tail = '';
  let bytes = 0;
  const take = (d: Buffer) => {
    bytes += d.length;
    tail = (tail + d.toString('utf8')).slice(-8000);
  };
  // A spawn that fails (no such binary) emits 'error', not 'exit': note it for waitReady.
  child.once('error', (err) => {
    spawnErrors.set(child, err);
    children.delete(child);
  });
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return { child, output: () => tail, outputBytes: () => bytes };
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    const spawnError = spawnErrors.get(child);
    if (spawnError) throw new Error(`could not start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`not ready within ${START_TIMEOUT_MS / 1000} s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM (alertflow writes its CPU profile on a clean exit), SIGKILL if it does not exit in time. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || spawnErrors.has(child)) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export function alertmanagerYaml(hookUrl: string): string {
  return `route:
  receiver: hook
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: ${hookUrl}
        send_resolved: true
`;
}

/** The same route and receiver as Alertmanager's (derived, so the two cannot drift), plus a token. */
export function alertflowYaml(hookUrl: string): string {
  return `auth:
  tokens:
    - name: bench
      secret: { env: ALERTFLOW_WEBHOOK_TOKEN }
      scopes: [ingest, read]
${alertmanagerYaml(hookUrl)}`;
}

async function startAlertmanagerProcess(dir: string, hookUrl: string): Promise<Running> {
  writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerYaml(hookUrl));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = spawnTracked(
    ALERTMANAGER_BIN,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    process.env,
  );
  await waitReady(`${url}/-/ready`, p.child, p.output);
  return { ...p, url, ingestPath: '/api/v2/alerts', headers: { 'content-type': 'application/json' }, body: alertmanagerBody };
}

async function startAlertflowProcess(dir: string, hookUrl: string, profileDir: string | undefined, logLevel: string | undefined): Promise<Running> {
  writeFileSync(join(dir, 'alertflow.yaml'), alertflowYaml(hookUrl));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    ALERTFLOW_CONFIG: join(dir, 'alertflow.yaml'),
    ALERTFLOW_DATA_DIR: join(dir, 'data'),
    ALERTFLOW_WEBHOOK_TOKEN: TOKEN,
    ...(logLevel ? { ALERTFLOW_LOG_LEVEL: logLevel } : {}),
  };
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const p = spawnTracked(process.execPath, [...profile, join(ROOT, 'bin', 'start.mjs')], env);
  await waitReady(`${url}/v1/health`, p.child, p.output);
  return {
    ...p,
    url,
    ingestPath: '/v1/webhooks/alertmanager',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: alertflowBody,
  };
}

interface RunOptions {
  size: SizeSpec;
  concurrency: number;
  progress: Progress;
  profileDir?: string;
  logLevel?: string;
}

async function runSystem(system: SystemRun['system'], workDir: string, opts: RunOptions): Promise<SystemRun> {
  const { size, progress } = opts;
  const result: SystemRun = {
    system,
    alerts: size.alerts,
    groups: size.groups,
    posts: 0,
    failedPosts: 0,
    ingestMs: 0,
    alertsPerSecond: 0,
    groupsNotified: 0,
    allGroupsNotifiedMs: null,
    groupsNotifiedP50Ms: null,
    cpuMs: null,
    notifications: 0,
    peakRssKb: null,
    logBytes: 0,
    timedOut: false,
  };
  const expected = new Set(Array.from({ length: size.groups }, (_, g) => groupKey(groupOf(g))));
  const first = new Map<string, number>();
  let t0 = 0;
  let t0Us = 0;
  // The system's processes, and the CPU they had used, when the clock starts.
  let pids: number[] = [];
  let cpuAtStart = 0;
  let allNotified: () => void = () => {};
  const allNotifiedP = new Promise<void>((r) => (allNotified = r));
  // A receiver that keeps idle connections open 5 s (Node's default), as web servers do: both
  // systems' HTTP clients reuse them rather than connect per notification.
  const hook: StandIn = await startStandIn({ keepAliveMs: 5_000 });
  hook.respond = (req) => {
    const at = performance.now();
    result.notifications++;
    const g = notifiedGroup(req.body);
    if (g !== undefined && expected.has(g) && !first.has(g)) {
      first.set(g, at);
      if (first.size === expected.size) {
        result.stormWindowUs = [t0Us, monotonicUs()];
        result.cpuMs = cpuMsOf(pids) - cpuAtStart;
        allNotified();
      }
    }
    return { status: 200, body: 'ok' };
  };
  let running: Running | undefined;
  try {
    const bodies = batches(stormAlerts(size, new Date(Date.now() - 60_000)), BATCH);
    progress.update(`${system}: starting`);
    running =
      system === 'alertmanager'
        ? await startAlertmanagerProcess(workDir, `${hook.url}/hook`)
        : await startAlertflowProcess(workDir, `${hook.url}/hook`, opts.profileDir, opts.logLevel);
    const r = running;
    const outputBefore = r.outputBytes();
    // Serialize before the clock starts: the load generator should do little work while timed.
    const payloads = bodies.map((b) => r.body(b));
    const target = `${r.url}${r.ingestPath}`;
    let posted = 0;
    const tick = setInterval(
      () => progress.update(`${system} ${size.alerts}/${size.groups}: posted ${posted}/${payloads.length} batches, groups notified ${first.size}/${size.groups}`),
      250,
    );
    const deadline = AbortSignal.timeout(stormTimeoutMs(size.alerts));
    pids = r.child.pid === undefined ? [] : processTree(r.child.pid);
    try {
      cpuAtStart = cpuMsOf(pids);
      t0 = performance.now();
      t0Us = monotonicUs();
      let next = 0;
      const worker = async () => {
        while (next < payloads.length && !deadline.aborted) {
          const body = payloads[next++]!;
          const res = await fetch(target, { method: 'POST', headers: r.headers, body, signal: deadline });
          await res.arrayBuffer();
          if (!res.ok) result.failedPosts++;
          posted++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency, payloads.length) }, worker));
      result.ingestMs = performance.now() - t0;
      result.posts = posted;
      result.alertsPerSecond = size.alerts / (result.ingestMs / 1000);
      await Promise.race([allNotifiedP, new Promise((r) => deadline.addEventListener('abort', r, { once: true }))]);
    } catch (err) {
      if (!deadline.aborted) throw err;
    } finally {
      clearInterval(tick);
    }
    result.timedOut = first.size < expected.size;
    if (result.timedOut) result.stormWindowUs = [t0Us, monotonicUs()];
    result.groupsNotified = first.size;
    const delays = [...first.values()].map((at) => at - t0);
    if (!result.timedOut) result.allGroupsNotifiedMs = Math.max(...delays);
    result.groupsNotifiedP50Ms = median(delays);
    result.peakRssKb = r.child.pid === undefined ? null : treePeakRssKb(r.child.pid);
    result.logBytes = r.outputBytes() - outputBefore;
    progress.done(
      `${system} ${size.alerts}/${size.groups}: ${result.allGroupsNotifiedMs === null ? `${first.size}/${size.groups} groups notified (timed out)` : `every group notified in ${Math.round(result.allGroupsNotifiedMs)} ms`}, ` +
        `ingest ${Math.round(result.alertsPerSecond)} alerts/s${result.failedPosts ? `, ${result.failedPosts} POSTs failed` : ''}`,
    );
  } catch (err) {
    result.error = (err as Error).message;
    progress.done(`${system} ${size.alerts}/${size.groups}: failed: ${result.error.split('\n')[0]}`);
  } finally {
    if (running) await stop(running.child);
    await hook.close();
  }
  return result;
}

function alertmanagerVersion(): string {
  try {
    const out = execFileSync(ALERTMANAGER_BIN, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /version (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function parseSizes(text: string): SizeSpec[] {
  return text.split(',').map((part) => {
    const m = /^(\d+):(\d+)$/.exec(part.trim());
    if (!m) throw new Error(`--sizes: "${part}" is not <alerts>:<groups>`);
    return { alerts: Number(m[1]), groups: Number(m[2]) };
  });
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'vs-alertmanager': { type: 'boolean' },
      sizes: { type: 'string', default: '10000:200,100000:2000' },
      concurrency: { type: 'string', default: '16' },
      'cpu-prof': { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      runs: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const sizes = parseSizes(values.sizes);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a positive integer, not ${JSON.stringify(values.runs)}`);
  const concurrency = Number(values.concurrency);
  const progress = new Progress();
  const root = mkdtempSync(join(tmpdir(), 'alertflow-vs-am-'));
  tempDirs.add(root);
  const onSignal = (sig: NodeJS.Signals) => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanup);
  const watchdogMs = sizes.reduce((sum, s) => sum + runs * 2 * (stormTimeoutMs(s.alerts) + START_TIMEOUT_MS + STOP_TIMEOUT_MS), 30_000);
  const watchdog = setTimeout(() => {
    progress.done(`watchdog: not finished within ${Math.round(watchdogMs / 1000)} s; exiting`);
    process.exit(2);
  }, watchdogMs);
  watchdog.unref();

  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(`no Alertmanager at ${ALERTMANAGER_BIN}: apt-get install prometheus-alertmanager, or set ALERTMANAGER_BIN`);
  }
  const version = alertmanagerVersion();
  const profileDir = values['cpu-prof'] ? join(OUT_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
  const results: SideBySide[] = [];
  // With --runs, the sizes in turn, again and again: each pair of runs sees the machine as it is at
  // that moment, and a neighbour's burst lands in one pair rather than in one system's runs.
  for (let i = 0; i < runs; i++) {
    for (const size of sizes) {
      const dir = (name: string) => {
        const d = join(root, `${name}-${size.alerts}-${i}`);
        mkdirSync(d);
        return d;
      };
      // One at a time, never both at once: each gets the machine to itself.
      const am = await runSystem('alertmanager', dir('am'), { size, concurrency, progress });
      const af = await runSystem('alertflow', dir('af'), {
        size,
        concurrency,
        progress,
        // The first run's profile only (the summary below reads one per size).
        ...(profileDir && i === 0 ? { profileDir: join(profileDir, String(size.alerts)) } : {}),
        ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
      });
      results.push({ size, alertmanager: am, alertflow: af });
    }
  }

  const out: string[] = [];
  out.push(`alertflow vs Alertmanager — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'unknown'}`);
  out.push(
    `Each system alone, in its own process(es); same route (group_by [alertname, service], group_wait 0s, group_interval 5m); ` +
      `alerts POSTed in batches of ${BATCH}, ${concurrency} in flight; webhook receiver on 127.0.0.1 in the bench process.`,
  );
  out.push(`Alertmanager: ${ALERTMANAGER_BIN}, POST /api/v2/alerts (v2 alert JSON), clustering off.`);
  out.push(
    `alertflow: node bin/start.mjs (what \`npm start\` runs: it bundles bin/local.ts and runs the bundle, which warms up before it listens; the clock starts after), ALERTFLOW_DATA_DIR on disk, POST /v1/webhooks/alertmanager (the same alerts in a v4 envelope), ` +
      `log level ${values['log-level'] ?? process.env.ALERTFLOW_LOG_LEVEL ?? 'info (default)'}${profileDir ? ', under --cpu-prof (slower)' : ''}.`,
  );
  out.push("Times from the first POST; CPU = user + system time of the system's processes (all threads) over the same span; ingest = alerts / (first POST start -> last response); peak RSS = VmHWM summed over the process tree.");
  if (runs > 1) out.push(`${runs} runs of each system per size, alternating; each figure is the median (min–max) of its runs, each ratio the median (min–max) of the pairs' ratios.`);
  out.push(renderSideBySide(results, version));
  for (const r of results) {
    for (const run of [r.alertmanager, r.alertflow]) {
      const notes = [
        run.error ? `failed: ${run.error.split('\n')[0]}` : '',
        run.failedPosts ? `${run.failedPosts} POSTs not answered 2xx` : '',
        `${run.notifications} notifications`,
        `${run.logBytes} bytes of output (${(run.logBytes / run.alerts).toFixed(1)} per alert)`,
      ].filter(Boolean);
      out.push(`  ${run.system} ${r.size.alerts}: ${notes.join('; ')}`);
    }
  }
  if (profileDir) {
    for (const size of sizes) {
      const dir = join(profileDir, String(size.alerts));
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
      } catch {
        // no profile written (the child did not exit cleanly)
      }
      const window = results.find((r) => r.size === size)?.alertflow.stormWindowUs;
      for (const f of files) {
        const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Parameters<typeof summarizeProfile>[0];
        out.push('', renderProfile(summarizeProfile(profile, 15), `CPU profile of the alertflow runtime, whole process, ${size.alerts} alerts (${join(dir, f)})`));
        if (window) {
          out.push('', renderProfile(summarizeProfile(profile, 15, window), `The same profile, first POST to every group notified only`));
        }
      }
    }
  }
  const text = out.join('\n') + '\n';
  process.stdout.write(text);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'vs-alertmanager.json'), JSON.stringify({ generatedAt: new Date().toISOString(), alertmanagerVersion: version, concurrency, runs, results, text }, null, 2) + '\n');
  // A system that failed to run makes the bench fail (its table still shows what was measured).
  if (results.some((r) => r.alertmanager.error || r.alertflow.error)) process.exitCode = 1;
  clearTimeout(watchdog);
}
