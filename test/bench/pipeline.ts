/**
 * `npm run bench -- --pipeline [--groups G] [--alerts N] [--runs R]`: what each stage of the local
 * runtime costs its main thread, one stage at a time (issue 11 point 3).
 *
 * The side-by-side with Alertmanager (vs-alertmanager.ts) times the whole pipeline, where the stages
 * interleave on one event loop and the machine's neighbours move the result by a third between
 * runs. This runs each stage alone, with the queues after it paused
 * (LocalQueues.pause), and reads the main thread's active time from
 * `performance.eventLoopUtilization()`: the work the stage put on the main thread, which the
 * target has to fit. The stages follow a storm's first notification:
 *   accept   a child process POSTs the alerts (16 requests in flight, 100 alerts each) to
 *            /v1/webhooks/alertmanager; the ingest worker thread parses them (its CPU is the
 *            process's CPU less the main thread's), the main thread queues them and answers;
 *   route    the router takes them off the alerts queue: first G alerts, each opening a group that
 *            flushes at once (group_wait 0s); later N alerts into those groups (no notification:
 *            group_interval 5m);
 *   send     the webhook sender delivers the G first notifications over HTTP to a receiver in
 *            another process that answers 200 at once.
 * The runtime runs in this process from the TypeScript sources, with its state on disk as under
 * `npm start`, one ingest worker, the checks tick off, and its log lines rendered at info but not
 * written. It prints figures; it asserts nothing.
 *
 * `--sql` also times every SQLite statement and commit per stage (µs per unit, by statement), and
 * `--cpu-prof` writes each stage's main-thread CPU profile to .alertflow/bench/profiles/pipeline-*.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';
import { jsonLogger } from '../../shared/log';
import { startLocalRuntime, type LocalRuntime } from '../../shared/local/runtime';
import { ALERTS_QUEUE, channelQueueName } from '../../shared/queues/names';
import { heading, median, num, table } from './format';
import { alertflowBody, batches, stormAlerts } from './side-by-side';
import { alertflowYaml } from './vs-alertmanager';

const TOKEN = 'pipeline-bench-token';
const PROFILE_DIR = join(fileURLToPath(new URL('../..', import.meta.url)), '.alertflow', 'bench', 'profiles');
const WEBHOOK_QUEUE = channelQueueName('webhook');

interface Stage {
  name: string;
  unit: string;
  units: number;
  /** Main thread active (ms). */
  mainMs: number;
  /** Process CPU, all threads (ms). */
  cpuMs: number;
  wallMs: number;
  /** With --sql: µs spent in each statement (by its SQL) during the stage. */
  sql?: Map<string, number>;
}

interface Options {
  sql: boolean;
  cpuProf: boolean;
}

/** Statement time by SQL text, while `sqlTimes` is set (--sql): node:sqlite's methods, wrapped once. */
let sqlTimes: Map<string, number> | undefined;
function timeStatements(): void {
  const sqlite = createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');
  const sqlOf = new WeakMap<object, string>();
  const timed = <A extends unknown[], R>(key: (self: object, args: A) => string, f: (this: object, ...args: A) => R) =>
    function (this: object, ...args: A): R {
      const t = performance.now();
      try {
        return f.apply(this, args);
      } finally {
        if (sqlTimes) {
          const k = key(this, args);
          sqlTimes.set(k, (sqlTimes.get(k) ?? 0) + (performance.now() - t) * 1000);
        }
      }
    };
  const db = sqlite.DatabaseSync.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const prepare = db.prepare!;
  db.prepare = function (this: object, ...args: unknown[]) {
    const statement = prepare.apply(this, args) as object;
    sqlOf.set(statement, String(args[0]));
    return statement;
  };
  db.exec = timed((_, [sql]: unknown[]) => String(sql).slice(0, 80), db.exec!);
  const st = sqlite.StatementSync.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const m of ['run', 'get', 'all', 'iterate']) st[m] = timed((self) => (sqlOf.get(self) ?? '?').replace(/\s+/g, ' ').slice(0, 80), st[m]!);
}

/** Runs `work` and what it put on this (the main) thread and the process. */
async function measure(name: string, unit: string, units: number, opts: Options, work: () => Promise<void>): Promise<Stage> {
  const profiler = opts.cpuProf ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  if (opts.sql) sqlTimes = new Map();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const stage: Stage = { name, unit, units, mainMs: performance.eventLoopUtilization(elu).active, cpuMs: (used.user + used.system) / 1000, wallMs, ...(sqlTimes ? { sql: sqlTimes } : {}) };
  sqlTimes = undefined;
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `pipeline-${name.replace(/[^a-z]+/gi, '-').toLowerCase()}.cpuprofile`), JSON.stringify(profile));
    profiler.disconnect();
  }
  return stage;
}

/**
 * A child process ready to POST the bodies, `lanes` at a time, once `post` is called: the bodies'
 * file and the child's start stay outside the measured stage (they are the bench's work, on this
 * thread). `post` rejects unless every answer is 202.
 */
async function readyPoster(dir: string, url: string, bodies: string[], lanes = 16): Promise<{ post: () => Promise<void> }> {
  const file = join(dir, `bodies-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(bodies));
  const script = `
    const bodies = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));
    let next = 0;
    const lane = async () => {
      while (next < bodies.length) {
        const r = await fetch(${JSON.stringify(`${url}/v1/webhooks/alertmanager`)}, { method: 'POST', headers: { authorization: 'Bearer ${TOKEN}', 'content-type': 'application/json' }, body: bodies[next++] });
        if (r.status !== 202) throw new Error('HTTP ' + r.status + ': ' + (await r.text()));
        await r.arrayBuffer();
      }
    };
    console.log('ready');
    process.stdin.once('data', () => Promise.all(Array.from({ length: ${lanes} }, lane)).then(() => process.exit(0), (err) => { console.error(err.message); process.exit(1); }));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  await Promise.race([once(child.stdout!, 'data'), exited.then(() => Promise.reject(new Error('the poster exited before it was ready')))]);
  return {
    post: async () => {
      child.stdin!.end('go\n');
      const [code] = await exited;
      if (code !== 0) throw new Error(`the poster exited with ${code}`);
    },
  };
}

/** A webhook receiver in a child process: answers 200 at once; prints how many it got when stopped. */
async function startReceiver(): Promise<{ child: ChildProcess; url: string; stop: () => Promise<number> }> {
  const script = `
    let n = 0;
    const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { n++; res.end(); }); });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
    process.on('SIGTERM', () => { console.log('count ' + n); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  while (!/^\d+\n/.test(out)) {
    if (child.exitCode !== null) throw new Error('the receiver exited');
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    child,
    url: `http://127.0.0.1:${out.split('\n')[0]}/hook`,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      return Number(/count (\d+)/.exec(out)?.[1] ?? NaN);
    },
  };
}

/** One pass through the stages, on a fresh runtime and data dir. */
async function onePass(groups: number, alerts: number, opts: Options): Promise<Stage[]> {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-pipeline-'));
  const receiver = await startReceiver();
  let rt: LocalRuntime | undefined;
  try {
    writeFileSync(join(dir, 'alertflow.yaml'), alertflowYaml(receiver.url));
    rt = await startLocalRuntime({
      handlers: LOCAL_HANDLERS,
      dataDir: join(dir, 'data'),
      configPath: join(dir, 'alertflow.yaml'),
      token: TOKEN,
      port: 0,
      ingestWorkers: 1,
      checksTick: false,
      log: jsonLogger({ runtime: 'local' }, 'info', () => {}),
    });
    const { queues, url } = rt;
    const { stores } = rt.ports;
    queues.pause(ALERTS_QUEUE);
    queues.pause(WEBHOOK_QUEUE);
    // One alert per group first (each opens its group), then `alerts` more into the same groups.
    const all = stormAlerts({ alerts: groups + alerts, groups }, new Date());
    const first = batches(all.slice(0, groups), 100).map(alertflowBody);
    const more = batches(all.slice(groups), 100).map(alertflowBody);
    const stages: Stage[] = [];
    const drain = (queue: string) => async () => {
      queues.resume(queue);
      await queues.idle();
      queues.pause(queue);
      // The SQLite store folds the groups written into its tables once writes pause (a compaction):
      // deferred work of the routing, which a listing waits for, so it is counted here.
      await stores.groups.page(undefined, 1, new Date());
    };
    const posting = await readyPoster(dir, url, first);
    stages.push(await measure('accept: alerts opening groups', 'alert', groups, opts, posting.post));
    stages.push(await measure('route: a new group, flushed at once', 'group', groups, opts, drain(ALERTS_QUEUE)));
    const queued = queues.stats().find((s) => s.name === WEBHOOK_QUEUE)?.total ?? 0;
    if (queued !== groups) throw new Error(`expected ${groups} first notifications queued, found ${queued}`);
    stages.push(await measure('send: a first notification', 'notification', groups, opts, drain(WEBHOOK_QUEUE)));
    const postingMore = await readyPoster(dir, url, more);
    stages.push(await measure('accept: alerts into existing groups', 'alert', alerts, opts, postingMore.post));
    stages.push(await measure('route: an alert into an existing group', 'alert', alerts, opts, drain(ALERTS_QUEUE)));
    const after = queues.stats().find((s) => s.name === WEBHOOK_QUEUE)?.total ?? 0;
    if (after !== 0) throw new Error(`updates within group_interval queued ${after} notifications`);
    await rt.close();
    rt = undefined;
    const received = await receiver.stop();
    if (received !== groups) throw new Error(`the receiver got ${received} notifications, not ${groups}`);
    return stages;
  } finally {
    await rt?.close();
    if (receiver.child.exitCode === null) receiver.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pipeline: { type: 'boolean' },
      groups: { type: 'string', default: '2000' },
      alerts: { type: 'string', default: '20000' },
      runs: { type: 'string', default: '3' },
      sql: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const groups = Number(values.groups);
  const alerts = Number(values.alerts);
  const runs = Number(values.runs);
  if (![groups, alerts, runs].every((n) => Number.isInteger(n) && n > 0) || groups % 100 !== 0 || alerts % 100 !== 0) {
    throw new Error('--groups and --alerts take positive multiples of 100, --runs a positive integer');
  }
  const opts: Options = { sql: values.sql, cpuProf: values['cpu-prof'] };
  if (opts.sql) timeStatements();
  const passes: Stage[][] = [];
  for (let i = 0; i < runs; i++) {
    passes.push(await onePass(groups, alerts, opts));
    process.stderr.write(`[pipeline] pass ${i + 1}/${runs} done\n`);
  }
  const perUnit = (s: Stage, ms: number) => (ms * 1000) / s.units;
  const rows = passes[0]!.map((s, i) => {
    const of = (f: (x: Stage) => number) => median(passes.map((p) => f(p[i]!)))!;
    const main = passes.map((p) => perUnit(p[i]!, p[i]!.mainMs));
    return [
      s.name,
      `${num(s.units)} ${s.unit}s`,
      `${num(of((x) => perUnit(x, x.mainMs)), 1)} µs`,
      `${num(Math.min(...main), 1)}–${num(Math.max(...main), 1)} µs`,
      `${num(of((x) => perUnit(x, Math.max(0, x.cpuMs - x.mainMs))), 1)} µs`,
      `${num(of((x) => x.wallMs))} ms`,
    ];
  });
  const out = [
    heading(`Local pipeline, one stage at a time: ${num(groups)} groups, then ${num(alerts)} more alerts into them (${runs} runs, medians)`),
    table(['Stage', 'Units', 'Main thread per unit', 'Range', 'Other threads per unit', 'Wall'], rows),
  ];
  if (opts.sql || opts.cpuProf) out.push('  (Measured with --sql or --cpu-prof: the figures include that instrumentation.)');
  const stage = (name: string) => median(passes.map((p) => perUnit(p.find((s) => s.name === name)!, p.find((s) => s.name === name)!.mainMs)))!;
  const firstNotification = stage('route: a new group, flushed at once') + stage('send: a first notification');
  out.push(
    `  A new group to its first notification, on the main thread: ${num(firstNotification, 1)} µs (route + send), so ${num((firstNotification * groups) / 1000)} ms for ${num(groups)} groups,`,
    `  plus ${num(stage('accept: alerts into existing groups'), 1)} µs for each alert accepted meanwhile and ${num(stage('route: an alert into an existing group'), 1)} µs for each one routed.`,
    '  Main thread: active time from performance.eventLoopUtilization(); other threads: process CPU less that (the ingest worker, and libuv).',
  );
  if (opts.sql) {
    for (const [i, s] of passes[0]!.entries()) {
      const keys = new Set(passes.flatMap((p) => [...(p[i]!.sql?.keys() ?? [])]));
      const rows = [...keys]
        .map((k) => [k, median(passes.map((p) => (p[i]!.sql?.get(k) ?? 0) / p[i]!.units))!] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, us]) => [k, `${num(us, 1)} µs`]);
      const total = median(passes.map((p) => [...(p[i]!.sql?.values() ?? [])].reduce((a, b) => a + b, 0) / p[i]!.units))!;
      out.push(`\n  SQLite during "${s.name}": ${num(total, 1)} µs per ${s.unit}`, table(['Statement', `Per ${s.unit}`], rows, '    '));
    }
  }
  if (opts.cpuProf) out.push(`  CPU profiles (main thread, the last run's stages): ${PROFILE_DIR}/pipeline-*.cpuprofile`);
  process.stdout.write(`${out.join('\n')}\n`);
}
