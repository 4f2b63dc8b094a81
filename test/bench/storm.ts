import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalRuntime, type LocalRuntime } from '../../shared/local/runtime';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';
import type { ConsumerStats, QueueStats } from '../../shared/local/queues';
import { jsonLogger, type Logger } from '../../shared/log';
import { startStandIn, type StandIn } from '../support/stand-in';
import { diffCounts, installDynamoCounter, totals, type DynamoCounter, type DynamoCounts, type DynamoTotals } from './dynamo-counter';
import { mean, median, percentile } from './format';
import type { StormPayload } from './payloads';

const TOKEN = 'bench-token';
const TABLE = 'alertflow';
/** Alertmanager's default group_wait: the storm's groups are first notified this long after they start. */
export const GROUP_WAIT_MS = 30_000;

export interface LatencySummary {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
  /** Sum over requests: the ingest Lambda's duration estimate. */
  total: number;
}

export interface SqsCounts {
  send: number;
  receive: number;
  delete: number;
  changeVisibility: number;
  sendBytes: number;
  receiveBytes: number;
  /** Requests as SQS bills them: every started 64 KiB of a send or receive payload is one. */
  billedRequests: number;
}

export interface LogCounts {
  warn: number;
  error: number;
  /** Messages at warn/error level, with how often each came. */
  messages: Record<string, number>;
  /** Router rounds that found group write conflicts, and the groups it had to re-read. */
  conflictRounds: number;
  conflictGroups: number;
  /** What the handlers would have written to CloudWatch Logs: JSON lines at the production level (info). */
  lines: number;
  bytes: number;
}

export interface PhaseResult {
  requests: number;
  alerts: number;
  accepted: number;
  ingestMessages: number;
  httpStatuses: Record<string, number>;
  /** First POST start to last POST response. */
  ingestWallMs: number;
  alertsPerSecond: number;
  latencyMs: LatencySummary;
  /** Last POST response until the queues were idle; null if they did not settle in time. */
  settledAfterLastPostMs: number | null;
  notifications: number;
  groupsExpected: number;
  groupsNotified: number;
  /** Per group, first notification time minus last POST response (negative: before it). */
  firstNotificationAfterLastPostMs: { max: number | null; p50: number | null; p95: number | null; beforeLastPost: number };
  dynamo: { byOp: DynamoCounts; totals: DynamoTotals };
  sqs: SqsCounts;
  consumers: ConsumerStats[];
  log: LogCounts;
  /** One-time schedules (EventBridge Scheduler in AWS) created and deleted during the phase. */
  schedules: { created: number; deleted: number };
  /** Consumed queues that still held messages when the bench stopped waiting (only if not settled). */
  unsettled: QueueStats[];
}

export interface StormResult {
  name: string;
  describe: string;
  concurrency: number;
  /** The DocumentClient's calls were seen by the counter on rt.dynamo.client.middlewareStack. */
  counterVerified: boolean;
  storm: PhaseResult;
  resend: PhaseResult;
  /** What state the re-send met. */
  resendAgainst: string;
}

export interface StormOptions {
  concurrency: number;
  /** Give up waiting for the pipeline to settle after this long (the run must stop by itself). */
  settleTimeoutMs: number;
  progress?: (line: string) => void;
}

interface Arrival {
  at: number;
  group: string | undefined;
}

/** The system under test plus its instruments: a fresh runtime (fresh in-memory dynalite). */
interface Env {
  rt: LocalRuntime;
  hook: StandIn;
  counter: DynamoCounter;
  log: CountingLogger;
  arrivals: Arrival[];
  dir: string;
}

async function startEnv(): Promise<Env> {
  const hook = await startStandIn();
  const arrivals: Arrival[] = [];
  hook.respond = (req) => {
    arrivals.push({ at: performance.now(), group: notifiedGroup(req.body) });
    return { status: 200, body: 'ok' };
  };
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-bench-'));
  const configPath = join(dir, 'alertflow.yaml');
  writeFileSync(configPath, benchConfig(hook));
  const log = countingLogger();
  try {
    // The DynamoDB adapter (on dynalite): the storms count the calls AWS would bill.
    const rt = await startLocalRuntime({ handlers: LOCAL_HANDLERS, port: 0, configPath, dataDir: null, token: TOKEN, env: {}, log: log.logger, store: 'dynalite', packQueueBodies: true, checksTick: false });
    if (!rt.dynamo) throw new Error('the storms need the dynalite store');
    const counter = installDynamoCounter(rt.dynamo.client);
    return { rt, hook, counter, log, arrivals, dir };
  } catch (err) {
    await hook.close();
    throw err;
  }
}

/**
 * Stop the queues, let batches already running finish (bounded), then close. Returns false if some
 * were still running: the database is then left open rather than closed under them.
 */
async function stopEnv(env: Env, drainMs = 30_000): Promise<boolean> {
  const { rt } = env;
  rt.queues.close();
  const deadline = performance.now() + drainMs;
  while (inFlightBatches(rt) > 0 && performance.now() < deadline) await sleep(100);
  const drained = inFlightBatches(rt) === 0;
  if (drained) await rt.close();
  await env.hook.close();
  rmSync(env.dir, { recursive: true, force: true });
  return drained;
}

/** Batches received and not finished (each receive starts one consumer invocation). */
function inFlightBatches(rt: LocalRuntime): number {
  return rt.queues.calls.receive - rt.queues.consumers().reduce((sum, c) => sum + c.invocations, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run one storm, then its unchanged re-send. If the storm did not settle in time, the re-send runs
 * on a fresh runtime seeded with the same alerts, one request per group (see `seedBodies`), so it
 * measures a re-send against the state the storm would have left.
 */
export async function runStorm(name: string, payload: StormPayload, opts: StormOptions): Promise<StormResult> {
  let env = await startEnv();
  const envs = [env];
  try {
    const counterVerified = await verifyCounter(env.rt, env.counter);
    const storm = await runPhase(env, payload, opts);
    opts.progress?.(`storm ${name}: ${phaseLine(storm)}`);
    let resendAgainst: StormResult['resendAgainst'] = 'the storm\'s state';
    if (storm.settledAfterLastPostMs === null) {
      const drained = await stopEnv(env);
      envs.pop();
      if (!drained) opts.progress?.(`storm ${name}: batches still running after the drain period; left running`);
      env = await startEnv();
      envs.push(env);
      const seeded = await seed(env, payload, opts);
      resendAgainst =
        `a fresh runtime seeded with the same alerts, one request per group (${payload.seedBodies.length} POSTs, ` +
        `settled in ${Math.round(seeded.ms)} ms${seeded.settled ? '' : ': did NOT settle'}), since the storm did not settle in time`;
      opts.progress?.(`storm ${name}: seeded for the re-send in ${Math.round(seeded.ms)} ms`);
    }
    const resend = await runPhase(env, payload, opts);
    opts.progress?.(`storm ${name} re-send: ${phaseLine(resend)}`);
    return { name, describe: payload.describe, concurrency: opts.concurrency, counterVerified, storm, resend, resendAgainst };
  } finally {
    for (const e of envs) await stopEnv(e);
  }
}

/** Post the storm's alerts one request per group (no contention) and let the pipeline settle. */
async function seed(env: Env, payload: StormPayload, opts: StormOptions): Promise<{ ms: number; settled: boolean }> {
  const started = performance.now();
  await postAll(`${env.rt.url}${payload.path}`, payload.seedBodies, opts.concurrency);
  const settled = (await settle(env.rt, opts.settleTimeoutMs)) !== undefined;
  return { ms: performance.now() - started, settled };
}

function phaseLine(p: PhaseResult): string {
  const settled = p.settledAfterLastPostMs === null ? 'did NOT settle' : `settled ${Math.round(p.settledAfterLastPostMs)} ms after the last POST`;
  return `${p.requests} POSTs in ${Math.round(p.ingestWallMs)} ms, ${settled}, ${p.notifications} notifications`;
}

function benchConfig(hook: StandIn): string {
  return `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
  group_by: [alertname, service]
  group_wait: ${GROUP_WAIT_MS / 1000}s
  group_interval: 5m
receivers:
  - name: team
    # A webhook, not Slack: Slack itself takes one message per second per webhook (alertflow paces to
    # it), which would measure Slack's limit instead of the pipeline.
    webhook_configs:
      - url: ${hook.url}/hook
        send_resolved: true
`;
}

/** The group of a notification (alertflow webhook body): its group label values, as the payloads name groups. */
function notifiedGroup(body: string): string | undefined {
  try {
    const labels = (JSON.parse(body) as { group?: { labels?: Record<string, string> } }).group?.labels;
    return labels ? `${labels.alertname} ${labels.service}` : undefined;
  } catch {
    return undefined;
  }
}

/** A DocumentClient read and a plain client call must both show up in the counter. */
async function verifyCounter(rt: LocalRuntime, counter: DynamoCounter): Promise<boolean> {
  const before = counter.snapshot();
  if (!rt.dynamo) return false;
  await rt.dynamo.db.send(new GetCommand({ TableName: TABLE, Key: { pk: 'BENCH#probe', sk: 'PROBE' }, ConsistentRead: true }));
  await rt.dynamo.client.send(new DescribeTableCommand({ TableName: TABLE }));
  const d = diffCounts(counter.snapshot(), before);
  return d.GetItem?.calls === 1 && d.DescribeTable?.calls === 1;
}

async function runPhase(env: Env, payload: StormPayload, opts: StormOptions): Promise<PhaseResult> {
  const { rt, counter, log, arrivals } = env;
  const dynamoBefore = counter.snapshot();
  const callsBefore = { ...rt.queues.calls };
  const payloadBefore = { ...rt.queues.payload };
  const consumersBefore = rt.queues.consumers();
  const logBefore = log.snapshot();
  const schedulesBefore = { ...rt.schedules.counts };
  const arrivalsBefore = arrivals.length;

  const posted = await postAll(`${rt.url}${payload.path}`, payload.bodies, opts.concurrency);
  const settledAt = await settle(rt, opts.settleTimeoutMs);

  const phaseArrivals = arrivals.slice(arrivalsBefore);
  const first = new Map<string, number>();
  for (const a of phaseArrivals) if (a.group !== undefined && !first.has(a.group)) first.set(a.group, a.at);
  const delays = payload.groups.flatMap((g) => (first.has(g) ? [first.get(g)! - posted.end] : []));

  const byOp = diffCounts(counter.snapshot(), dynamoBefore);
  const calls = rt.queues.calls;
  const pl = rt.queues.payload;
  const sqs: SqsCounts = {
    send: calls.send - callsBefore.send,
    receive: calls.receive - callsBefore.receive,
    delete: calls.delete - callsBefore.delete,
    changeVisibility: calls.changeVisibility - callsBefore.changeVisibility,
    sendBytes: pl.sendBytes - payloadBefore.sendBytes,
    receiveBytes: pl.receiveBytes - payloadBefore.receiveBytes,
    billedRequests: 0,
  };
  sqs.billedRequests = pl.sendChunks - payloadBefore.sendChunks + (pl.receiveChunks - payloadBefore.receiveChunks) + sqs.delete + sqs.changeVisibility;

  const ingestWallMs = posted.end - posted.start;
  return {
    requests: payload.bodies.length,
    alerts: payload.alerts,
    accepted: posted.accepted,
    ingestMessages: posted.messages,
    httpStatuses: posted.statuses,
    ingestWallMs,
    alertsPerSecond: payload.alerts / (ingestWallMs / 1000),
    latencyMs: {
      mean: mean(posted.latencies),
      p50: percentile(posted.latencies, 50),
      p95: percentile(posted.latencies, 95),
      max: percentile(posted.latencies, 100),
      total: posted.latencies.reduce((a, b) => a + b, 0),
    },
    settledAfterLastPostMs: settledAt === undefined ? null : settledAt - posted.end,
    notifications: phaseArrivals.length,
    groupsExpected: payload.groups.length,
    groupsNotified: delays.length,
    firstNotificationAfterLastPostMs: {
      max: delays.length ? Math.max(...delays) : null,
      p50: median(delays),
      p95: percentile(delays, 95),
      beforeLastPost: delays.filter((d) => d < 0).length,
    },
    dynamo: { byOp, totals: totals(byOp) },
    sqs,
    consumers: diffConsumers(rt.queues.consumers(), consumersBefore),
    log: log.diff(logBefore),
    schedules: { created: rt.schedules.counts.created - schedulesBefore.created, deleted: rt.schedules.counts.deleted - schedulesBefore.deleted },
    unsettled: settledAt === undefined ? rt.queues.stats().filter((q) => !q.name.endsWith('-dlq') && q.total > 0) : [],
  };
}

interface Posted {
  start: number;
  end: number;
  latencies: number[];
  statuses: Record<string, number>;
  accepted: number;
  messages: number;
}

/** POST every body with at most `concurrency` requests in flight (keep-alive, loopback). */
async function postAll(url: string, bodies: string[], concurrency: number): Promise<Posted> {
  const out: Posted = { start: performance.now(), end: 0, latencies: [], statuses: {}, accepted: 0, messages: 0 };
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { accepted?: number; messages?: number };
      out.latencies.push(performance.now() - t);
      out.statuses[res.status] = (out.statuses[res.status] ?? 0) + 1;
      out.accepted += json.accepted ?? 0;
      out.messages += json.messages ?? 0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  out.end = performance.now();
  return out;
}

/** performance.now() when the pipeline settled, or undefined after `timeoutMs`. */
async function settle(rt: LocalRuntime, timeoutMs: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  // Wait for the group_wait flushes too, not for later timers (group_interval, repeats).
  const idle = rt.queues.idle({ timersWithinMs: GROUP_WAIT_MS + 5000 }).then(() => performance.now());
  try {
    return await Promise.race([idle, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function diffConsumers(after: ConsumerStats[], before: ConsumerStats[]): ConsumerStats[] {
  return after
    .map((a) => {
      const b = before.find((x) => x.queue === a.queue);
      if (!b) return a;
      // maxMs is a running maximum: unchanged, it says nothing about this phase (NaN, null in JSON).
      const maxMs = a.maxMs > b.maxMs ? a.maxMs : NaN;
      return { ...a, invocations: a.invocations - b.invocations, records: a.records - b.records, totalMs: a.totalMs - b.totalMs, maxMs };
    })
    .filter((c) => c.invocations > 0);
}

interface CountingLogger {
  logger: Logger;
  snapshot(): LogCounts;
  diff(before: LogCounts): LogCounts;
}

/**
 * Keeps the run quiet but counts warnings, errors and the router's write-conflict rounds, and the
 * lines and bytes the JSON logger would write at the level the Lambdas log at (info by default).
 */
function countingLogger(): CountingLogger {
  const c: LogCounts = { warn: 0, error: 0, messages: {}, conflictRounds: 0, conflictGroups: 0, lines: 0, bytes: 0 };
  // In AWS the base fields are { fn }; the local runtime adds `fn` to every line's fields instead.
  const json = jsonLogger({}, 'info', (line) => {
    c.lines++;
    c.bytes += Buffer.byteLength(line) + 1;
  });
  const note = (level: 'warn' | 'error', msg: string) => {
    c[level]++;
    const key = `${level}: ${msg}`;
    c.messages[key] = (c.messages[key] ?? 0) + 1;
  };
  const logger: Logger = {
    debug: (msg, fields) => {
      json.debug(msg, fields);
      if (msg === 'group write conflicts, re-reading') {
        c.conflictRounds++;
        c.conflictGroups += Number(fields?.count ?? 0);
      }
    },
    info: (msg, fields) => json.info(msg, fields),
    warn: (msg, fields) => {
      json.warn(msg, fields);
      note('warn', msg);
    },
    error: (msg, fields) => {
      json.error(msg, fields);
      note('error', msg);
    },
  };
  return {
    logger,
    snapshot: () => structuredClone(c),
    diff: (b) => {
      const messages: Record<string, number> = {};
      for (const [k, v] of Object.entries(c.messages)) if (v - (b.messages[k] ?? 0) > 0) messages[k] = v - (b.messages[k] ?? 0);
      return {
        warn: c.warn - b.warn,
        error: c.error - b.error,
        messages,
        conflictRounds: c.conflictRounds - b.conflictRounds,
        conflictGroups: c.conflictGroups - b.conflictGroups,
        lines: c.lines - b.lines,
        bytes: c.bytes - b.bytes,
      };
    },
  };
}
