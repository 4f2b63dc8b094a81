import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfigFile, resolveConfigPath } from '../config/loader';
import { collectSecretRefs } from '../config/secrets';
import { envSecretResolver, type SecretResolver } from '../primitives/secrets';
import type { Config } from '../config/schema';
import { configWarnings } from '../config/validate';
import { nodeHttp, type HttpPort } from '../channels/http';
import { awsMetricData } from '../checks/sources/cloudwatch';
import { awsCredentials } from '../checks/sources/prometheus';
import type { MetricDataPort } from '../checks/sources/port';
import { nextDigestAt } from '../digest/schedule';
import { ConfigError, ValidationError, type Issue } from '../errors';
import { errorResponse, json, type HttpResult } from '../http/responses';
import { jsonLogger, type Logger } from '../log';
import { CHANNEL_TYPES, senderFunctionName } from '../channel-types';
import { ALERTS_QUEUE, ESCALATIONS_QUEUE, CONSUMER_TIMEOUT_S, channelQueueName, dlqName, MAX_RECEIVES, ROUTER_BATCH_SIZE, SENDER_MAX_CONCURRENCY } from '../queues/names';
import { compileConfig } from '../runtime/compiled-config';
import { createSenderHandler } from '../delivery/sender-handler';
import { senderFor } from '../channels/registry';
import type { Ports } from '../runtime/ports';
import { startLocalDynamo, type LocalDynamo } from './dynamo';
import { LocalQueues } from './queues';
import { LocalSchedules } from './schedules';
import { QueueStore } from './queue-store';
import { openLocalDatabase, type LocalDatabase } from './sqlite';
import { importDynaliteState } from './import-dynalite';
import { IngestPool } from './ingest-pool';
import { AUDIT_INTERVAL_MS } from '../escalation/auditor';
import { InboundSms } from '../escalation/sms-replies';
import { dynamoStores } from '../store/dynamo';
import type { Stores } from '../store/port';
import { sqliteStores } from '../store/sqlite';
import { Outbox } from './outbox';
import { DEFAULT_TOKEN } from './defaults';
import { createLocalServer, isLoopback, type HttpHandler, type LocalRoute } from './server';
import { authenticate, authorize, authTokens } from '../runtime/auth';
import type { Scope } from '../http/routes';
import type { MetricsPort } from '../metrics/catalog';
import { prometheusMetrics } from '../metrics/prometheus';
import { buildUiAssets } from '../ui/build';
import { syntheticEveryMs } from '../self-monitoring/config';
import { SCHEDULED_SYNTHETIC_EVENT } from '../self-monitoring/synthetic';

export { DEFAULT_TOKEN };
const TABLE = 'alertflow';

/**
 * The Lambdas' own handlers, which the local runtime runs with its local ports. The entry point
 * passes them in (bin/local-handlers.ts), so nothing in shared/ imports functions/.
 */
export interface LocalHandlers {
  ingest: (ports: Ports) => (event: unknown) => Promise<HttpResult | { accepted: number }>;
  router: (ports: Ports) => (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Incident timers: escalation steps and lapsed acks. */
  escalator: (ports: Ports) => (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** The API; `checksTickMs` is the local checks tick's period (the next evaluation times it shows). */
  api: (ports: Ports, checksTickMs: number) => HttpHandler;
  /** The checks tick (deployed, a rate schedule invokes it): heartbeats and threshold checks. */
  checks: (ports: Ports, tickMs: number) => (event?: { kind: 'digest'; at: string }) => Promise<unknown>;
  /** The module an ingest worker thread runs (it calls runIngestWorker with the same ingest handler). */
  ingestWorker: URL;
}

export interface LocalOptions {
  handlers: LocalHandlers;
  port?: number;
  host?: string;
  /** Config file; default alertflow.yaml, else the shipped example. */
  configPath?: string;
  /** A config already loaded (the warm-up's): `configPath` is then only the name it goes by. */
  config?: Config;
  /**
   * Where dynalite keeps its data, the queues and schedules their database (alertflow.sqlite), and
   * the outbox lives; `null` keeps everything in memory.
   */
  dataDir?: string | null;
  token?: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Replace the HTTP client the channels use (tests count or fail requests with it). */
  http?: HttpPort;
  /** Replace CloudWatch GetMetricData for threshold checks (default: the AWS SDK, with the machine's credentials). */
  metricData?: MetricDataPort;
  /** Delivery retry base delay (default 1 s); tests shorten it. */
  retryBaseMs?: number;
  /**
   * How long close() waits for in-flight requests and queue work before closing the database
   * anyway (default 15 s).
   */
  drainTimeoutMs?: number;
  /** Jitter source of the delivery back-off (default Math.random); tests pin it. */
  retryJitter?: () => number;
  /**
   * Where the state lives: `sqlite` (the default; in alertflow.sqlite beside the queues) or
   * `dynalite` (the DynamoDB adapter against an embedded dynalite: what runs on AWS, which the
   * benchmarks that count DynamoDB calls use). Default: ALERTFLOW_STORE, else `sqlite`.
   */
  store?: LocalStore;
  /**
   * Worker threads that ingest HTTP requests (validate, normalize, fingerprint), so a storm's
   * request bodies do not starve the router and the senders on the main thread. 0 (the default
   * here) ingests on the main thread; `npm start` uses one per spare core (see bin/local.ts). Workers
   * load the TypeScript sources, so they need the tsx loader `npm start` runs under.
   */
  ingestWorkers?: number;
  /** Ingest workers run the warm-up storm before they take requests (`npm start`; see warm-up.ts). */
  warmIngestWorkers?: boolean;
  /** Also count each function's (`router`, `webhook-sender`, …) metrics here, besides GET /metrics (tests watch them). */
  metrics?: (fn: string) => MetricsPort;
  /** Pack large queue bodies as the SQS adapter does (benchmarks that count SQS's billed chunks). */
  packQueueBodies?: boolean;
  /**
   * Run the checks tick (default true). The cost benchmark turns it off: the tick's reads and its
   * last-run write are a cost per month (its idle table), not per alert.
   */
  checksTick?: boolean;
}

export type LocalStore = 'sqlite' | 'dynalite';

export interface LocalRuntime {
  url: string;
  token: string;
  /** The configured tokens whose secret is `token` (they read ALERTFLOW_WEBHOOK_TOKEN); may be none. */
  tokenNames: string[];
  configPath: string;
  queues: LocalQueues;
  /** One-time schedules (group flushes beyond SQS's 15-minute delay), fired into `queues`. */
  schedules: LocalSchedules;
  /** The embedded dynalite, when the store is `dynalite`. */
  dynamo: LocalDynamo | undefined;
  store: LocalStore;
  /** The SQLite database the queues and schedules (and with the `sqlite` store, the state) are kept in. */
  database: LocalDatabase;
  outbox: Outbox;
  ports: Ports;
  /**
   * Shut down in order: answer new requests 503 and let the ones being handled finish; stop the
   * timers; stop the queue consumers and let the batches they hold finish (up to drainTimeoutMs);
   * close the listener; close the database last, when nothing uses it any more.
   */
  close(): Promise<void>;
}


/**
 * Records per local sender invocation. Larger than the deployed 10: an invocation costs nothing
 * here, and a slot of a receiver's gate sends its records in windows that grow from 10 while the
 * receiver keeps up (sender-handler.ts: 10, 100, 390; 100, 400 once the receiver has proven up),
 * so a healthy receiver takes a storm's notifications hundreds at a time per slot, while one that
 * fails or hangs from the start still sees 10 per slot (ADRs 0013, 0028).
 */
const LOCAL_SENDER_BATCH_SIZE = 500;
/** The local runtime's checks tick (deployed: CHECKS_TICK_MS, a rate schedule). */
const LOCAL_CHECKS_TICK_MS = 1_000;

/** The whole system on one machine: the same handler modules the Lambdas run, local ports. */
export async function startLocalRuntime(opts: LocalOptions): Promise<LocalRuntime> {
  const env = opts.env ?? process.env;
  const configPath = resolve(opts.configPath ?? resolveConfigPath(env.ALERTFLOW_CONFIG || undefined));
  const config = compileConfig(opts.config ?? loadConfigFile(configPath));
  const token = opts.token ?? (env.ALERTFLOW_WEBHOOK_TOKEN || DEFAULT_TOKEN);
  const dataDir = opts.dataDir === null ? undefined : resolve(opts.dataDir ?? (env.ALERTFLOW_DATA_DIR || '.alertflow'));
  const log = opts.log ?? jsonLogger({ runtime: 'local' });
  for (const warning of configWarnings(config.raw)) log.warn(warning, { config: configPath });
  // Incident links need a signing key: one of the data dir's own when ALERTFLOW_LINK_KEY is unset.
  // Only incidents and heartbeats have signed links: a config without either makes no key (and writes no key file).
  const linkKey = env.ALERTFLOW_LINK_KEY || (config.escalationPolicies.size > 0 || config.heartbeats.size > 0 ? localLinkKey(dataDir) : undefined);
  const secrets = envSecretResolver({ ...env, ALERTFLOW_WEBHOOK_TOKEN: token, ...(linkKey ? { ALERTFLOW_LINK_KEY: linkKey } : {}) });
  await checkTokenSecrets(config.raw, secrets, configPath);

  // First: its lock says clearly when another runtime already uses this data dir.
  const database = openLocalDatabase(dataDir);
  const store = localStore(opts.store ?? env.ALERTFLOW_STORE);
  let dynamo: LocalDynamo | undefined;
  let stores: Stores;
  let sweeper: NodeJS.Timeout | undefined;
  try {
    if (store === 'dynalite') {
      dynamo = await startLocalDynamo(TABLE, dataDir && join(dataDir, 'db'));
      stores = dynamoStores(dynamo.db, TABLE, { retentionS: config.retentionS });
    } else {
      const sqlite = sqliteStores(database, { retentionS: config.retentionS });
      if (dataDir) await importDynaliteState(dataDir, TABLE, sqlite, log);
      // TTL, as DynamoDB's: expired rows are already invisible to reads; this reclaims their space.
      const sweep = () => log.debug('swept expired state', { rows: sqlite.sweep(new Date()) });
      sweep();
      sweeper = setInterval(sweep, 3_600_000).unref();
      stores = sqlite;
    }
  } catch (err) {
    database.close();
    throw err;
  }
  const outbox = new Outbox(dataDir && join(dataDir, 'outbox.jsonl'));
  // Known once the server listens (a test's port 0 is chosen then).
  const listening: { url?: string } = {};
  const queueStore = new QueueStore(database);
  const queues = new LocalQueues(log, Date.now, queueStore, { packBodies: opts.packQueueBodies ?? false });
  const schedules = new LocalSchedules(queues, log, Date.now, queueStore);
  const base: Ports = {
    config,
    stores,
    queues,
    queueAdmin: queues,
    scheduler: schedules,
    secrets,
    http: opts.http ?? nodeHttp(),
    metricData: opts.metricData ?? awsMetricData(),
    awsCredentials: awsCredentials(),
    // Every local queue, DLQs included (GET /v1/health?deep=1).
    queueDepths: { depths: async () => queues.stats().map((s) => ({ name: s.name, visible: s.visible, notVisible: s.delayedOrInFlight })) },
    mail: outbox.mailPort(),
    sms: outbox.smsPort(),
    clock: () => new Date(),
    log,
    publicUrl: () => listening.url,
    uiAssets: buildUiAssets,
    ...(opts.retryBaseMs === undefined ? {} : { retryBaseMs: opts.retryBaseMs }),
    ...(opts.retryJitter === undefined ? {} : { retryJitter: opts.retryJitter }),
  };
  // The same counters the deployed functions publish as EMF, served at GET /metrics.
  const prometheus = prometheusMetrics();
  const portsFor = (fn: string): Ports => {
    const fnLog = childLogger(log, fn);
    const own = prometheus.port(fn);
    const extra = opts.metrics?.(fn);
    return { ...base, log: fnLog, metrics: extra ? bothMetrics(own, extra) : own };
  };

  queues.create({ name: dlqName(ALERTS_QUEUE), visibilityTimeoutS: 30 });
  queues.create({
    name: ALERTS_QUEUE,
    visibilityTimeoutS: 6 * CONSUMER_TIMEOUT_S.router,
    maxReceiveCount: MAX_RECEIVES.alerts,
    dlq: dlqName(ALERTS_QUEUE),
    // On SQLite every store call runs synchronously on this one thread: concurrent router batches
    // would gain nothing but write conflicts on the groups they share (each a re-read and a redo).
    // One router at a time is a single writer, in batches of 10: larger ones hold a storm's new
    // groups behind a thousand updates (ADR 0012). DynamoDB calls wait on I/O, so that store keeps
    // four, in batches as deployed (what the cost benchmark counts).
    ...(store === 'sqlite' ? { concurrency: 1 } : { batchSize: ROUTER_BATCH_SIZE }),
  });
  queues.consume(ALERTS_QUEUE, opts.handlers.router(portsFor('router')));
  queues.create({ name: dlqName(ESCALATIONS_QUEUE), visibilityTimeoutS: 30 });
  queues.create({
    name: ESCALATIONS_QUEUE,
    visibilityTimeoutS: 6 * CONSUMER_TIMEOUT_S.escalator,
    maxReceiveCount: MAX_RECEIVES.escalations,
    dlq: dlqName(ESCALATIONS_QUEUE),
  });
  queues.consume(ESCALATIONS_QUEUE, opts.handlers.escalator(portsFor('escalator')));
  // The auditor's rate schedule (deployed, an EventBridge Scheduler schedule): only with policies.
  const auditor = config.escalationPolicies.size > 0 ? setInterval(() => void auditTick(queues, log), AUDIT_INTERVAL_MS).unref() : undefined;
  // The checks function's rate schedule: every second here, so heartbeats and checks of a few
  // seconds work. Always on: checks can be made through the API at any time.
  const checks = opts.handlers.checks(portsFor('checks'), LOCAL_CHECKS_TICK_MS);
  // The digest's cron schedule (deployed, an EventBridge Scheduler schedule in its timezone). A
  // digest due while the runtime was down is not sent late: the next one covers from its own last time.
  let digestTimer: NodeJS.Timeout | undefined;
  let digestStopped = false;
  const digestSettings = config.raw.digest;
  const planDigest = async () => {
    if (!digestSettings) return;
    const due = await nextDigestAt(digestSettings, new Date());
    if (digestStopped) return;
    // setTimeout's limit is about 24.8 days: a later time is planned again from there.
    const wait = Math.min(due.getTime() - Date.now(), 2 ** 31 - 1);
    digestTimer = setTimeout(() => {
      if (Date.now() >= due.getTime()) {
        checks({ kind: 'digest', at: due.toISOString() }).catch((err: unknown) => log.error('daily digest failed', { err }));
      }
      void planDigest();
    }, Math.max(0, wait)).unref();
  };
  void planDigest();
  let checking = false;
  const checker =
    opts.checksTick === false
      ? undefined
      : setInterval(() => {
          if (checking) return;
          checking = true;
          checks()
            .catch((err: unknown) => log.error('checks tick failed; the next one evaluates again', { err }))
            .finally(() => (checking = false));
        }, LOCAL_CHECKS_TICK_MS).unref();
  for (const type of CHANNEL_TYPES) {
    const name = channelQueueName(type);
    queues.create({ name: dlqName(name), visibilityTimeoutS: 30 });
    queues.create({
      name,
      visibilityTimeoutS: 6 * CONSUMER_TIMEOUT_S.sender,
      maxReceiveCount: MAX_RECEIVES.channel,
      dlq: dlqName(name),
      // Scale out around batches held by a slow receiver, as Lambda does, up to the deployed cap.
      maxConcurrency: SENDER_MAX_CONCURRENCY,
      batchSize: LOCAL_SENDER_BATCH_SIZE,
    });
    const senderPorts = portsFor(senderFunctionName(type));
    // Slack messages and Teams cards are kept too, for the dashboard's outbox.
    if (type === 'slack' || type === 'teams') senderPorts.http = outbox.recording(senderPorts.http, type);
    queues.consume(name, createSenderHandler(senderFor(type), senderPorts));
  }
  // Group flushes an earlier run scheduled; overdue ones fire now.
  const resumed = schedules.resume();
  const queued = queues.stats().reduce((n, s) => n + s.total, 0);
  if (resumed > 0 || queued > 0) log.info('resumed queued messages and schedules from the data dir', { messages: queued, schedules: resumed });

  const ingestPorts = portsFor('ingest');
  const ingest = opts.handlers.ingest(ingestPorts);
  const httpIngest = async (event: APIGatewayProxyEventV2) => (await ingest(event)) as HttpResult;
  // self_monitoring's synthetic heartbeat (deployed, a Scheduler rate schedule invoking ingest).
  const sm = config.raw.self_monitoring;
  const synthetic = sm
    ? setInterval(() => {
        const at = new Date().toISOString();
        ingest({ ...SCHEDULED_SYNTHETIC_EVENT, execution_id: `local-${at}`, scheduled_at: at }).catch((err: unknown) => log.warn('synthetic heartbeat not sent', { err }));
      }, syntheticEveryMs(sm)).unref()
    : undefined;
  const pool = opts.ingestWorkers
    ? await IngestPool.start({ workers: opts.ingestWorkers, entry: opts.handlers.ingestWorker, pack: opts.packQueueBodies ?? false, warm: opts.warmIngestWorkers ?? false, config: config.raw, env: { ...env, ALERTFLOW_WEBHOOK_TOKEN: token, ...(linkKey ? { ALERTFLOW_LINK_KEY: linkKey } : {}) }, queues, log, metrics: ingestPorts.metrics, fallback: httpIngest })
    : undefined;
  const api = opts.handlers.api(portsFor('api'), LOCAL_CHECKS_TICK_MS);
  // /local/* stands in for what is not HTTP on AWS (SNS and EventBridge deliveries, which IAM guards;
  // the outbox and the queues, which only the account can read), so it takes a token like /v1/*:
  // without one, any local process or a web page's no-cors POST could inject alerts.
  const guarded =
    (scope: Scope, route: LocalRoute): LocalRoute =>
    async (req) => {
      try {
        const principal = await authenticate({ headers: req.headers } as Parameters<typeof authenticate>[0], authTokens(config.raw.auth), secrets);
        authorize(principal, scope, `${req.method} ${req.path}`);
      } catch (err) {
        return errorResponse(err, log);
      }
      return route(req);
    };
  const host = opts.host ?? '127.0.0.1';
  const http = createLocalServer(
    {
      ingest: pool ? (event) => pool.handle(event) : httpIngest,
      api,
    },
    {
      // Any AWS event the stack receives from outside HTTP (EventBridge alarm event, SNS record set).
      'POST /local/events': guarded('ingest', async ({ body }) => {
        let event: unknown;
        try {
          event = JSON.parse(body);
        } catch (err) {
          return errorResponse(new ValidationError(`malformed JSON: ${(err as Error).message}`), log);
        }
        try {
          // Two-way SMS replies come on their own SNS topic; deployed it delivers to the escalations queue.
          const replies = inboundSmsOf(event);
          if (replies.length > 0) {
            await queues.send(ESCALATIONS_QUEUE, replies.map((sms, i) => ({ id: `sms${i}`, body: JSON.stringify(sms) })));
            return json(202, { status: 'accepted', sms_replies: replies.length });
          }
          return json(202, { status: 'accepted', ...(await ingest(event)) });
        } catch (err) {
          return errorResponse(err, log);
        }
      }),
      // `manage`: what was sent holds signed incident links, which act without a token.
      'GET /local/outbox': guarded('manage', async () => json(200, { messages: outbox.entries, posted: outbox.posted.map((p) => ({ ...p, body: parsedOrText(p.body) })) })),
      'GET /local/queues': guarded('read', async () => json(200, { queues: queues.stats() })),
      // Prometheus' scrape target (deployed, the same counters are CloudWatch metrics): `read` scope.
      'GET /metrics': guarded('read', async () => {
        const { contentType, body } = await prometheus.render();
        return { statusCode: 200, headers: { 'content-type': contentType }, body };
      }),
    },
    log,
    { loopback: isLoopback(host) },
  );
  await listen(http.server, opts.port ?? Number(env.PORT || 3000), host);
  const port = (http.server.address() as AddressInfo).port;
  listening.url = `http://${host}:${port}`;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 15_000;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${port}`,
    token,
    tokenNames: authTokens(config.raw.auth)
      .filter((t) => typeof t.secret !== 'string' && t.secret.env === 'ALERTFLOW_WEBHOOK_TOKEN')
      .map((t) => t.name),
    configPath,
    queues,
    schedules,
    dynamo,
    store,
    database,
    outbox,
    ports: base,
    close() {
      closing ??= (async () => {
        log.info('shutting down');
        const deadline = Date.now() + drainTimeoutMs;
        const httpDrained = await within(http.drain(), drainTimeoutMs);
        await pool?.close();
        schedules.close();
        clearInterval(sweeper);
        clearInterval(auditor);
        clearInterval(checker);
        digestStopped = true;
        clearTimeout(digestTimer);
        clearInterval(synthetic);
        const queuesDrained = await within(queues.stop(), deadline - Date.now());
        if (!httpDrained || !queuesDrained) log.warn('work still running after the drain timeout; closing anyway', { drainTimeoutMs, httpDrained, queuesDrained });
        await http.close();
        await dynamo?.close();
        database.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}

function localStore(value: string | undefined): LocalStore {
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'dynalite') return 'dynalite';
  throw new ConfigError(`ALERTFLOW_STORE must be sqlite or dynalite (got ${JSON.stringify(value)})`, [{ path: 'ALERTFLOW_STORE', message: 'sqlite or dynalite' }]);
}

/**
 * Every token's secret must resolve: one that cannot would make every authenticated request fail
 * (500), so the runtime refuses to start instead, naming the key path and the variable to export.
 */
async function checkTokenSecrets(config: Config, secrets: SecretResolver, configPath: string): Promise<void> {
  const issues: Issue[] = [];
  for (const { path, ref } of collectSecretRefs(config).filter((s) => s.path.startsWith('auth.'))) {
    await secrets.resolve(ref).catch((err: unknown) => issues.push({ path, message: (err as Error).message }));
  }
  if (issues.length > 0) {
    throw new ConfigError(`${configPath}: token secrets are not available:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
}

/** Whether `work` settled within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function childLogger(log: Logger, fn: string): Logger {
  return {
    debug: (m, f) => log.debug(m, { fn, ...f }),
    info: (m, f) => log.info(m, { fn, ...f }),
    warn: (m, f) => log.warn(m, { fn, ...f }),
    error: (m, f) => log.error(m, { fn, ...f }),
  };
}

/**
 * The link signing key of a data dir: made once (32 random bytes, readable by the owner only) and
 * kept, so links sent before a restart still work after it. In memory (no data dir), one per start.
 */
function localLinkKey(dataDir: string | undefined): string {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = join(dataDir, 'link-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const key = randomBytes(32).toString('base64url');
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/** Queue the auditor's tick (a failure only skips one: the next comes an interval later). */
async function auditTick(queues: LocalQueues, log: Logger): Promise<void> {
  try {
    await queues.send(ESCALATIONS_QUEUE, [{ id: 'audit', body: JSON.stringify({ kind: 'audit' }) }]);
  } catch (err) {
    log.warn('could not queue the escalation audit', { err });
  }
}

/** The inbound SMS (two-way SMS replies) of an SNS Lambda event, if that is what it carries. */
function inboundSmsOf(event: unknown): InboundSms[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((r: { EventSource?: unknown; Sns?: { Message?: unknown } } | null) => {
    if (!r || typeof r !== 'object' || r.EventSource !== 'aws:sns' || typeof r.Sns?.Message !== 'string') return [];
    try {
      const sms = InboundSms.safeParse(JSON.parse(r.Sns.Message));
      return sms.success ? [sms.data] : [];
    } catch {
      return [];
    }
  });
}

/** Both ports count every value. */
function bothMetrics(a: MetricsPort, b: MetricsPort): MetricsPort {
  return {
    count: (metric, value, labels) => (a.count(metric, value, labels), b.count(metric, value, labels)),
    observe: (metric, ms, labels) => (a.observe(metric, ms, labels), b.observe(metric, ms, labels)),
  };
}

/** A posted body as JSON when it is JSON (Slack and Teams bodies are), else the text. */
function parsedOrText(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
