/**
 * `npm run bench`: load the local runtime with two alert storms, count what they cost, bundle the
 * functions as the CDK does and time their module init. Prints a plain-text report and writes it as
 * JSON to `.alertflow/bench/report.json`. `--vs-alertmanager` runs the side-by-side comparison with
 * Alertmanager instead (vs-alertmanager.ts), `--pipeline` the local runtime's cost per stage
 * (pipeline.ts). It measures and prints; it asserts nothing about wall times. Loopback traffic only; it stops by itself (a watchdog ends it if anything hangs).
 * Its last section is the fault run (retries and receiver isolation); `npm run bench -- --faults`
 * runs that section alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, EXAMPLE_CONFIG } from '../../shared/config/loader';
import type { Config } from '../../shared/config/schema';
import { measureBundles, type BundleResult } from './bundles';
import { costPerMillionAlerts, idlePerMonth } from './cost';
import { ROUTER_MAX_CONCURRENCY } from '../../lib/routing';
import { usedChannelTypes } from '../../shared/channels/keys';
import { ALERTS_QUEUE, channelQueueName, ROUTER_BATCH_SIZE } from '../../shared/queues/names';
import { alertmanagerStorm, genericStorm } from './payloads';
import { renderReport, targetsOf, type BenchReport } from './report';
import { GROUP_WAIT_MS, runStorm, type StormResult } from './storm';
import { measureChannels, renderChannelOverhead } from './channels';
import { renderFaults, runFaults } from './faults';

/** Benches of their own, each with its own flag: run the one asked for, then exit. */
const OWN_BENCHES: Array<[flag: string, what: string, run: () => Promise<void>]> = [
  // Issue 12's escalation targets (escalation.ts).
  ['--escalation', 'escalation', async () => (await import('./escalation')).main()],
  // Issue 13's check targets (checks.ts).
  ['--checks', 'checks', async () => (await import('./checks')).main()],
  // The side-by-side run with Alertmanager (own children, timeouts and watchdog).
  ['--vs-alertmanager', 'vs-alertmanager', async () => (await import('./vs-alertmanager')).main(process.argv.slice(2))],
  // The local runtime's main-thread cost per stage (pipeline.ts).
  ['--pipeline', 'pipeline', async () => (await import('./pipeline')).main(process.argv.slice(2))],
];
for (const [flag, what, run] of OWN_BENCHES) {
  if (!process.argv.includes(flag)) continue;
  try {
    await run();
  } catch (err) {
    process.stderr.write(`${what} bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
  process.exit();
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = join(ROOT, '.alertflow', 'bench');
const CONCURRENCY = 16;
const SETTLE_TIMEOUT_MS = 40_000;
const IMPORT_RUNS = 5;
/** The whole run must end; if something hangs, report that and exit (the fault run takes ~50 s). */
const WATCHDOG_MS = 235_000;
const FAULTS_ONLY = process.argv.includes('--faults');
const DEFAULT_MEMORY_MB = 256;

const started = performance.now();
const progress = (line: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

const watchdog = setTimeout(() => {
  progress(`watchdog: the bench did not finish within ${WATCHDOG_MS / 1000} s; exiting`);
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();

/**
 * The AWS SDK warns on stderr when a client queues requests for want of sockets; count those
 * warnings (they are evidence) instead of letting them interleave with the report.
 */
const sdkSocketWarnings = { count: 0, maxQueued: 0 };
const originalWarn = console.warn;
console.warn = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  const m = /socket usage at capacity=\d+ and (\d+) additional requests are enqueued/.exec(text);
  if (m) {
    sdkSocketWarnings.count++;
    sdkSocketWarnings.maxQueued = Math.max(sdkSocketWarnings.maxQueued, Number(m[1]));
    return;
  }
  originalWarn(...args);
};

interface CdkSettings {
  memoryMb: Record<string, number>;
  memorySource: string;
  /** The config's `define`, as lib/function.ts builds every function with it (undefined: lib/ did not load). */
  configDefine?: (config: Config) => Record<string, string>;
  loadError?: string;
}

/** Memory sizes and the config define from lib/function.ts (falling back if it cannot load). */
async function cdkSettings(): Promise<CdkSettings> {
  try {
    const lib = await import('../../lib/function');
    return {
      memoryMb: Object.fromEntries(Object.entries(lib.FUNCTION_DEFAULTS).map(([fn, s]) => [fn, s.memorySize])),
      memorySource: 'lib/function.ts FUNCTION_DEFAULTS',
      configDefine: (config) => ({ [lib.CONFIG_DEFINE]: lib.configDefine(config) }),
    };
  } catch (err) {
    const loadError = (err as Error).message;
    return { memoryMb: {}, memorySource: `${DEFAULT_MEMORY_MB} MB for every function: lib/function.ts did not load (${loadError})`, loadError };
  }
}

async function main(): Promise<void> {
  if (FAULTS_ONLY) {
    const faults = await runFaults(progress);
    const text = renderFaults(faults);
    process.stdout.write(text);
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(join(OUT_DIR, 'faults.json'), JSON.stringify({ generatedAt: new Date().toISOString(), faults, text }, null, 2) + '\n');
    progress(`fault run written to ${join(OUT_DIR, 'faults.json')}`);
    return;
  }
  const cdk = await cdkSettings();
  const memoryOf = (fn: string) => cdk.memoryMb[fn] ?? DEFAULT_MEMORY_MB;

  const storms: StormResult[] = [];
  progress('storm A: Alertmanager webhooks');
  storms.push(await runStorm('A', alertmanagerStorm(), { concurrency: CONCURRENCY, settleTimeoutMs: SETTLE_TIMEOUT_MS, progress }));
  progress('storm B: generic alerts');
  storms.push(await runStorm('B', genericStorm(), { concurrency: CONCURRENCY, settleTimeoutMs: SETTLE_TIMEOUT_MS, progress }));

  progress('bundling and timing module init');
  let bundles: BundleResult[] = [];
  let bundleError: string | undefined;
  const exampleConfig = loadConfigFile(join(ROOT, EXAMPLE_CONFIG));
  try {
    if (!cdk.configDefine) throw new Error(`lib/function.ts did not load: ${cdk.loadError}`);
    bundles = await measureBundles(ROOT, OUT_DIR, { define: cdk.configDefine(exampleConfig) }, IMPORT_RUNS);
  } catch (err) {
    bundleError = (err as Error).message;
  }

  progress('timing channel render + send');
  const channels = await measureChannels();

  progress('fault run: a failing and a slow receiver');
  const faults = await runFaults(progress);

  const costs = storms.flatMap((s) => [
    { storm: s.name, phase: 'storm' as const, partial: s.storm.settledAfterLastPostMs === null, estimate: costPerMillionAlerts(s.storm, memoryOf) },
    { storm: s.name, phase: 're-send' as const, partial: s.resend.settledAfterLastPostMs === null, estimate: costPerMillionAlerts(s.resend, memoryOf) },
  ]);
  // The deployed stack has an alerts queue and one queue per channel type the config uses (lib/channels.ts).
  const polledQueues = [ALERTS_QUEUE, ...usedChannelTypes(exampleConfig.receivers).map(channelQueueName)];
  const cpu = cpus();
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    durationS: (performance.now() - started) / 1000,
    environment: { node: process.version, cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', platform: `${platform()} ${release()}` },
    settings: {
      concurrency: CONCURRENCY,
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
      importRuns: IMPORT_RUNS,
      memoryMb: Object.fromEntries(['ingest', 'router', 'slack-sender', 'webhook-sender', 'api'].map((fn) => [fn, memoryOf(fn)])),
      memorySource: cdk.memorySource,
    },
    sdkSocketWarnings,
    storms,
    costs,
    idle: { polledQueues, configSource: EXAMPLE_CONFIG, estimate: idlePerMonth(polledQueues) },
    bundles,
    ...(bundleError ? { bundleError } : {}),
    targets: targetsOf(storms, bundles, costs),
    notes: notes(storms),
  };
  const text = renderReport(report) + renderChannelOverhead(channels) + renderFaults(faults);
  process.stdout.write(text);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'report.json'), JSON.stringify({ ...report, channels, faults, text }, null, 2) + '\n');
  progress(`report written to ${join(OUT_DIR, 'report.json')}`);
}

function notes(storms: StormResult[]): string[] {
  const out = [
    'Everything runs in this one process on one event loop: the load generator, the HTTP server and ingest, the router and senders (LocalQueues: batches of 10, 4 batches in flight per queue; a sender queue takes more, up to 20, around batches running over 1 s), dynalite and the webhook stand-in. Throughput and latency figures are for that setup, not for Lambda.',
    'DynamoDB units are estimates from item sizes (DynamoDB\'s size rules as dynalite implements them). Reads: from the returned items, ceil(size/4 KB) per strongly consistent item; a key that found no item counts 1 unit. Writes: PutItem from the request Item, ceil(size/1 KB), plus the listing index\'s own write when a put creates an item with listing keys (a new group); UpdateItem from its key + update values only (DynamoDB bills the larger of the item before and after, which the request does not show), plus the index\'s write when an update first gives a delivery record its delivery-log keys (one per notification); a write whose condition failed is billed and counted.',
    'Lambda duration = measured local wall time: ingest = client-side HTTP latency of each POST; router/senders = LocalQueues invocation time. With 16 POSTs and 4 batches per queue sharing one event loop, each is inflated by time other work held the loop, so GB-s are an upper-side estimate. Lambda rounds each invocation up to 1 ms (not applied).',
    'Counted since issue 11: CloudWatch Logs ingestion (the handlers\' lines at level info as rendered during the storm, Lambda platform records, one EMF metrics document per invocation, and HTTP API access logs, estimated per invocation and request), EventBridge Scheduler invocations (one per one-time schedule created and not deleted), and the idle pollers\' empty receives (per month, not per alert: see "Idle cost"). Lambda GB-s use the measured local durations (an upper-side estimate, see above) at the configured memory; Lambda bills each invocation rounded up to 1 ms (not applied). Not counted: data transfer, CloudWatch Logs storage ($0.03/GB-month, one month of retention), DynamoDB storage and backups (point-in-time recovery), KMS.',
    'Not modeled: the router\'s 1 s maximum batching window in AWS (LocalQueues does not model it: in AWS a first notification can come up to 1 s later, and batches are fuller).',
    `What bounds the conditional-write conflicts on AWS: two routers conflict only when both write the same group at once. The router's event source mapping runs at most ${ROUTER_MAX_CONCURRENCY} invocations at once (maxConcurrency, lib/routing.ts ROUTER_MAX_CONCURRENCY) of at most ${ROUTER_BATCH_SIZE} messages, gathered for up to 1 s (maxBatchingWindow), so at most ${ROUTER_MAX_CONCURRENCY - 1} other routers can win a race against one router's round, and each lost race costs one failed (billed) conditional write and a re-read of that group. A router reads each group right before writing it (8 at a time, 16 in flight, in a shuffled order; ADR 0011), so a race is lost only when another router writes the group within that read-to-write window, not anywhere in the batch. Here LocalQueues runs 4 batches of ${ROUTER_BATCH_SIZE} at once on the alerts queue, a comparable bound. Storm B spreads every request over 100 of the 200 groups, the worst case for it; a lower maxConcurrency trades conflicts for routing throughput.`,
    `Group timers (group_wait ${GROUP_WAIT_MS / 1000} s, group_interval 5m): Storm A's alerts started 5 minutes before they are posted (as Alertmanager forwards them after its own group_wait), so Alertmanager's rule applies and each new group flushes at once; Storm B's alerts start when posted, so each group is notified once, group_wait after it began. "Settled" waits for timers due within group_wait + 5 s, not for later ones (repeats).`,
    'Each sender batch passes its receiver\'s gate (ADR 0003): one conditional write to take a slot and one to free it, per receiver in the batch, counted in the DynamoDB figures above.',
    'SQS billed requests = SendMessageBatch and ReceiveMessage calls counted per started 64 KB of message bodies as sent (bodies over 4 KB travel brotli-packed, shared/queues/body.ts), plus DeleteMessageBatch (one per finished batch, as the event source mapping deletes) and ChangeMessageVisibility calls.',
  ];
  for (const s of storms) {
    if (s.storm.settledAfterLastPostMs === null) {
      out.push(`Storm ${s.name} did not settle within ${SETTLE_TIMEOUT_MS / 1000} s: its figures cover only the work done until then (messages left waiting are listed under the storm).`);
    }
  }
  if (sdkSocketWarnings.count > 0) {
    out.push(`The AWS SDK warned ${sdkSocketWarnings.count} time(s) that the DynamoDB client (default 50 sockets) had requests queued for a socket, at most ${sdkSocketWarnings.maxQueued} at once.`);
  }
  return out;
}

try {
  await main();
} catch (err) {
  progress(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  // A runtime left running (a storm that never drained) must not keep the process alive.
  process.exit();
}
