/**
 * `npm run bench -- --checks`: issue 13's check targets, measured (loopback only, no AWS).
 * - Batching: one checks tick over 500 (then 1,000) CloudWatch checks in one region, against a
 *   GetMetricData stand-in that answers every query with a datapoint: the calls it made and the
 *   metrics they asked for, and evaluations per second (the whole tick: store read, queries, steps,
 *   alert send, state writes; the local SQLite store).
 * - Monthly cost of 100 checks every minute, at list prices, from what one tick counted.
 * - Time to fire in the local runtime: a check (`every: 5s`, `for: 1`) on a Prometheus-compatible
 *   stand-in whose value turns breaching at a random moment; from that moment to the firing
 *   notification at a local webhook, against the target of `every` + 5 s.
 * It measures and prints; it asserts nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';
import { compileChecks } from '../../shared/checks/check';
import { CheckConfig } from '../../shared/checks/config';
import { tickChecks } from '../../shared/checks/service';
import type { MetricDataPort } from '../../shared/checks/sources/port';
import { nodeHttp } from '../../shared/channels/http';
import { CHECKS_TICK_MS } from '../../shared/heartbeats/service';
import { openLocalDatabase } from '../../shared/local/sqlite';
import { startLocalRuntime } from '../../shared/local/runtime';
import { silentLogger } from '../../shared/log';
import type { OutgoingMessage, QueuePort } from '../../shared/queues/port';
import { sqliteStores } from '../../shared/store/sqlite';
import { startStandIn } from '../support/stand-in';
import { PRICES } from './cost';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** aws.amazon.com/cloudwatch/pricing: GetMetricData, per 1,000 metrics requested. */
const GET_METRIC_DATA_PER_THOUSAND_METRICS = 0.01;
const TICKS_PER_MONTH = (30 * 24 * 3600 * 1000) / CHECKS_TICK_MS;
const LAMBDA_GB = 256 / 1024;

interface TickMeasure {
  checks: number;
  calls: number;
  metrics: number;
  ms: number;
  alertMessages: number;
  stateWrites: number;
}

/** One tick over `n` CloudWatch checks (the first tick: every check due), half of them breaching. */
async function measureTick(n: number): Promise<TickMeasure> {
  const configs = Array.from({ length: n }, (_, i) =>
    CheckConfig.parse({
      name: `queue-${i}`,
      cloudwatch: { namespace: 'AWS/SQS', metric: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `jobs-${i}` }, statistic: 'Maximum', period: 60 },
      condition: '>',
      critical: 1000,
    }),
  );
  let calls = 0;
  let metrics = 0;
  const metricData: MetricDataPort = {
    async getMetricData(_region, input: GetMetricDataCommandInput): Promise<GetMetricDataCommandOutput> {
      calls++;
      metrics += input.MetricDataQueries!.length;
      const at = input.EndTime as Date;
      return {
        $metadata: {},
        MetricDataResults: input.MetricDataQueries!.map((q, i) => ({ Id: q.Id, StatusCode: 'Complete', Timestamps: [new Date(at.getTime() - 60_000)], Values: [i % 2 === 0 ? 1500 : 10] })),
      };
    },
  };
  const database = openLocalDatabase(undefined);
  const stores = sqliteStores(database);
  let stateWrites = 0;
  const putState = stores.checks.putState.bind(stores.checks);
  stores.checks.putState = (s) => (stateWrites++, putState(s));
  let alertMessages = 0;
  const queues: QueuePort = {
    send: async (_q: string, messages: OutgoingMessage[]) => void (alertMessages += messages.length),
    changeVisibility: async () => {},
  };
  const deps = {
    config: { checks: compileChecks(configs) },
    checks: stores.checks,
    queues,
    sources: { http: nodeHttp(), metricData, log: silentLogger },
    clock: () => new Date(),
    log: silentLogger,
  };
  const t0 = performance.now();
  await tickChecks(deps, CHECKS_TICK_MS);
  const ms = performance.now() - t0;
  database.close();
  return { checks: n, calls, metrics, ms, alertMessages, stateWrites };
}

/** Time from a value turning breaching to the firing notification, `trials` times. */
async function timeToFire(trials: number): Promise<number[]> {
  let value = 0;
  const prometheus = await startStandIn();
  prometheus.respond = () => ({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(value)] }] } }) });
  const hook = await startStandIn();
  let firedAt: number | undefined;
  hook.respond = (req) => {
    const body = req.json() as { status: string };
    if (body.status === 'firing') firedAt ??= Date.now();
    return { status: 200, body: 'ok' };
  };
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-bench-checks-'));
  writeFileSync(
    join(dir, 'alertflow.yaml'),
    `checks:
  - { name: latency, prometheus: { url: '${prometheus.url}', query: 'x' }, condition: '>', critical: 1, every: 5s, for: 1 }
route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1s }
receivers:
  - { name: team, webhook_configs: [{ url: '${hook.url}/hook', send_resolved: true }] }
`,
  );
  const rt = await startLocalRuntime({ handlers: LOCAL_HANDLERS, port: 0, dataDir: join(dir, 'data'), env: {}, log: silentLogger, configPath: join(dir, 'alertflow.yaml') });
  const out: number[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      value = 0;
      await sleep(6_000 + Math.random() * 5_000);
      firedAt = undefined;
      const breachedAt = Date.now();
      value = 5;
      const deadline = breachedAt + 30_000;
      while (firedAt === undefined && Date.now() < deadline) await sleep(20);
      out.push(firedAt === undefined ? Infinity : firedAt - breachedAt);
      value = 0;
      // Resolved before the next trial.
      await sleep(6_000);
    }
  } finally {
    await rt.close();
    await prometheus.close();
    await hook.close();
  }
  return out;
}

export async function main(): Promise<void> {
  const ticks = [await measureTick(500), await measureTick(1000)];
  const lines: string[] = ['', 'Threshold checks (issue 13): one checks tick, local SQLite store, GetMetricData stand-in (half the checks breaching)'];
  lines.push('  checks  GetMetricData calls  metrics requested  tick (ms)  evaluations/s  alert messages  state writes');
  for (const t of ticks) {
    lines.push(
      `  ${String(t.checks).padStart(6)}  ${String(t.calls).padStart(19)}  ${String(t.metrics).padStart(17)}  ${t.ms.toFixed(0).padStart(9)}  ${Math.round((t.checks / t.ms) * 1000)
        .toString()
        .padStart(13)}  ${String(t.alertMessages).padStart(14)}  ${String(t.stateWrites).padStart(12)}`,
    );
  }
  lines.push(`  target: at most one GetMetricData call per 500 metrics: ${ticks.every((t) => t.calls <= Math.ceil(t.checks / 500)) ? 'met' : 'NOT met'}`);

  // 100 checks every minute, a month: the tick's measured time scaled to 100 checks (at least 100 ms).
  const per100Ms = Math.max(100, (ticks[0]!.ms / ticks[0]!.checks) * 100);
  const cost = [
    { item: 'CloudWatch GetMetricData (100 metrics a minute)', usd: ((100 * TICKS_PER_MONTH) / 1000) * GET_METRIC_DATA_PER_THOUSAND_METRICS },
    { item: 'DynamoDB writes (one state per check per evaluation, 1 WRU each)', usd: ((100 * TICKS_PER_MONTH) / 1e6) * PRICES.dynamoPerMillionWriteUnits },
    { item: 'DynamoDB reads (one consistent Query of the checks partition per tick, ~13 RRU)', usd: ((13 * TICKS_PER_MONTH) / 1e6) * PRICES.dynamoPerMillionReadUnits },
    { item: 'Lambda requests (one tick a minute)', usd: (TICKS_PER_MONTH / 1e6) * PRICES.lambdaPerMillionRequests },
    { item: `Lambda duration (~${per100Ms.toFixed(0)} ms per tick at 256 MB, arm64)`, usd: TICKS_PER_MONTH * (per100Ms / 1000) * LAMBDA_GB * PRICES.lambdaPerGbSecondArm64 },
    { item: 'EventBridge Scheduler (one invocation a minute, at list price; 14M a month are free)', usd: (TICKS_PER_MONTH / 1e6) * PRICES.schedulerPerMillionInvocations },
  ];
  lines.push('', `Monthly cost of 100 CloudWatch checks every minute (${TICKS_PER_MONTH.toLocaleString('en-US')} ticks; us-east-1 list prices, 2024-11-01):`);
  for (const c of cost) lines.push(`  ${c.item.padEnd(86)} $${c.usd.toFixed(3)}`);
  lines.push(`  ${'total'.padEnd(86)} $${cost.reduce((s, c) => s + c.usd, 0).toFixed(2)}`);

  const fires = await timeToFire(5);
  const finite = fires.filter(Number.isFinite).sort((a, b) => a - b);
  lines.push(
    '',
    'Time to fire in the local runtime (every: 5s, for: 1; target: within every + 5 s = 10 s):',
    `  ${fires.length} trials: ${fires.map((ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'not fired in 30 s')).join(', ')}`,
    `  worst ${finite.length === fires.length ? `${(finite.at(-1)! / 1000).toFixed(2)} s: target ${finite.at(-1)! <= 10_000 ? 'met' : 'NOT met'}` : 'did not fire: target NOT met'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
