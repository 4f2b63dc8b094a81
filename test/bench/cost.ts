import type { PhaseResult } from './storm';

/**
 * The price list the model uses: us-east-1 list prices, no free tier unless a line says so. Not
 * fetched at run time (the bench stays on loopback): re-check them against the pages named here
 * before relying on the totals.
 */
export const PRICE_LIST = {
  region: 'us-east-1',
  /** The date these list prices are current as of (DynamoDB's on-demand price cut took effect 2024-11-01). */
  date: '2024-11-01',
} as const;

export const PRICES = {
  /** aws.amazon.com/api-gateway/pricing: HTTP APIs, first 300 million requests a month. */
  httpApiPerMillionRequests: 1.0,
  /** aws.amazon.com/lambda/pricing: requests. */
  lambdaPerMillionRequests: 0.2,
  /** aws.amazon.com/lambda/pricing: Arm duration, first 7.5 billion GB-s a month. */
  lambdaPerGbSecondArm64: 0.0000133334,
  /** aws.amazon.com/sqs/pricing: standard queue requests (each started 64 KB of payload is one). */
  sqsPerMillionRequests: 0.4,
  /** aws.amazon.com/dynamodb/pricing/on-demand: write request units (since 2024-11-01). */
  dynamoPerMillionWriteUnits: 0.625,
  /** aws.amazon.com/dynamodb/pricing/on-demand: read request units (since 2024-11-01). */
  dynamoPerMillionReadUnits: 0.125,
  /** aws.amazon.com/cloudwatch/pricing: Logs, Standard log class, data ingestion. */
  cloudwatchLogsPerGbIngested: 0.5,
  /** aws.amazon.com/eventbridge/pricing: Scheduler invocations, after 14 million free a month. */
  schedulerPerMillionInvocations: 1.0,
} as const;

/**
 * What CloudWatch Logs ingests besides the handlers' own lines, per the stack's settings (lib/):
 * Lambda functions log in JSON format (LoggingFormat.JSON), so each invocation adds a
 * `platform.start` and a `platform.report` record; the HTTP API writes one access-log record per
 * request (lib/ingestion.ts accessLogFormat). Sizes are estimates of typical records.
 */
export const LOG_ASSUMPTIONS = {
  /** platform.start (~140 B) + platform.report with its metrics (~230 B). */
  lambdaPlatformBytesPerInvocation: 370,
  /** CloudWatch counts each log event as its message plus 26 bytes (PutLogEvents size rule). */
  eventOverheadBytes: 26,
} as const;

/** One access-log record as the stack's format renders it for a typical ingest request. */
export const ACCESS_LOG_SAMPLE = JSON.stringify({
  requestId: 'Jx1Qwj5OoAMEVQg=',
  time: '06/Dec/2026:18:45:58 +0000',
  ip: '203.0.113.10',
  userAgent: 'Alertmanager/0.25.0',
  method: 'POST',
  route: 'POST /v1/webhooks/alertmanager',
  path: '/v1/webhooks/alertmanager',
  status: '202',
  protocol: 'HTTP/1.1',
  responseLength: '64',
  latency: '35',
  integrationStatus: '200',
  integrationLatency: '33',
  integrationError: '-',
  error: '-',
});

/**
 * Idle pollers: a Lambda SQS event source mapping long-polls its queue whether or not messages
 * come. Assumed: 5 pollers per mapping (what Lambda starts with on a standard queue), each a
 * 20-second long poll, i.e. 3 empty ReceiveMessage calls per poller per minute.
 */
export const IDLE_ASSUMPTIONS = {
  pollersPerMapping: 5,
  receivesPerPollerPerMinute: 3,
  daysPerMonth: 30,
} as const;

export interface CostLine {
  item: string;
  /** Per million alerts (or per month, for idle lines). */
  quantity: number;
  unit: string;
  usd: number;
}

export interface CostEstimate {
  lines: CostLine[];
  totalUsd: number;
}

/** Which function consumes which queue (shared/queues/names.ts, lib/). */
export function functionOfQueue(queue: string): string {
  if (queue === 'alerts') return 'router';
  const m = /^(.+)-notifications$/.exec(queue);
  return m ? `${m[1]}-sender` : queue;
}

/** The cost-relevant counts of one phase (a subset of PhaseResult, so the arithmetic can be tested alone). */
export type CostInputs = Pick<PhaseResult, 'requests' | 'alerts' | 'latencyMs' | 'consumers' | 'sqs' | 'dynamo' | 'log' | 'schedules'>;

/**
 * One EMF document as a function publishes it at the end of an invocation (shared/metrics/emf.ts):
 * a sender's, with a channel's sends and their latencies. Most invocations publish one such
 * document (one label set); the local runtime counts into Prometheus instead, so it is estimated.
 */
export const EMF_SAMPLE = JSON.stringify({
  _aws: {
    Timestamp: 1796646523001,
    CloudWatchMetrics: [{ Namespace: 'alertflow', Dimensions: [['Deployment', 'Channel']], Metrics: [{ Name: 'NotificationsSent', Unit: 'Count' }, { Name: 'DeliveryLatency', Unit: 'Milliseconds' }] }],
  },
  Deployment: 'Alertflow',
  Channel: 'webhook',
  NotificationsSent: 10,
  DeliveryLatency: [212, 230, 198, 240, 251, 205, 233, 219, 227, 210],
});

/** CloudWatch Logs bytes of a phase: handler lines, Lambda platform records, EMF metrics, HTTP API access logs. */
export function loggedBytes(p: CostInputs): { handler: number; platform: number; metrics: number; access: number } {
  const invocations = p.requests + p.consumers.reduce((sum, c) => sum + c.invocations, 0);
  const o = LOG_ASSUMPTIONS.eventOverheadBytes;
  return {
    handler: p.log.bytes + p.log.lines * o,
    platform: invocations * (LOG_ASSUMPTIONS.lambdaPlatformBytesPerInvocation + 2 * o),
    metrics: invocations * (EMF_SAMPLE.length + o),
    access: p.requests * (ACCESS_LOG_SAMPLE.length + o),
  };
}

/**
 * The phase's counted work scaled to one million alerts, priced. Lambda durations are the measured
 * local wall times (ingest: the HTTP request latency seen by the client; consumers: the invocation
 * time LocalQueues measured), at the function's configured memory.
 */
export function costPerMillionAlerts(p: CostInputs, memoryMb: (fn: string) => number): CostEstimate {
  const scale = 1_000_000 / p.alerts;
  const lines: CostLine[] = [];
  lines.push({ item: 'API Gateway HTTP API requests', quantity: p.requests * scale, unit: 'requests', usd: (p.requests * scale * PRICES.httpApiPerMillionRequests) / 1e6 });

  const fns = [
    { fn: 'ingest', invocations: p.requests, ms: p.latencyMs.total },
    ...p.consumers.map((c) => ({ fn: functionOfQueue(c.queue), invocations: c.invocations, ms: c.totalMs })),
  ];
  for (const f of fns) {
    const gb = memoryMb(f.fn) / 1024;
    const requests = f.invocations * scale;
    const gbSeconds = (f.ms / 1000) * gb * scale;
    lines.push({ item: `Lambda ${f.fn} requests`, quantity: requests, unit: 'invocations', usd: (requests * PRICES.lambdaPerMillionRequests) / 1e6 });
    lines.push({ item: `Lambda ${f.fn} duration (${memoryMb(f.fn)} MB)`, quantity: gbSeconds, unit: 'GB-s', usd: gbSeconds * PRICES.lambdaPerGbSecondArm64 });
  }

  const sqs = p.sqs.billedRequests * scale;
  lines.push({ item: 'SQS requests (64 KB chunks)', quantity: sqs, unit: 'requests', usd: (sqs * PRICES.sqsPerMillionRequests) / 1e6 });
  const wu = p.dynamo.totals.writeUnits * scale;
  const ru = p.dynamo.totals.readUnits * scale;
  lines.push({ item: 'DynamoDB write units (est.)', quantity: wu, unit: 'WRU', usd: (wu * PRICES.dynamoPerMillionWriteUnits) / 1e6 });
  lines.push({ item: 'DynamoDB read units (est.)', quantity: ru, unit: 'RRU', usd: (ru * PRICES.dynamoPerMillionReadUnits) / 1e6 });

  const logged = loggedBytes(p);
  const logLine = (item: string, bytes: number) => {
    const mb = (bytes * scale) / 1e6;
    lines.push({ item, quantity: mb, unit: 'MB', usd: (mb / 1000) * PRICES.cloudwatchLogsPerGbIngested });
  };
  logLine('CloudWatch Logs: handler log lines', logged.handler);
  logLine('CloudWatch Logs: Lambda platform records', logged.platform);
  logLine('CloudWatch Logs: EMF metrics (one document per invocation, est.)', logged.metrics);
  logLine('CloudWatch Logs: HTTP API access log', logged.access);

  // A one-time schedule is invoked once, unless deleted before it fires.
  const invocations = Math.max(0, p.schedules.created - p.schedules.deleted) * scale;
  lines.push({ item: 'EventBridge Scheduler invocations', quantity: invocations, unit: 'invocations', usd: (invocations * PRICES.schedulerPerMillionInvocations) / 1e6 });
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0) };
}

/**
 * What the deployed stack costs a month with no alerts at all: the empty receives of each event
 * source mapping's pollers, and the checks tick's minute schedule. Everything else idles at $0
 * (on-demand table: storage only, cents for a small table; HTTP API, Lambda, Scheduler: per use).
 * Self-monitoring's alarms ($0.10 each a month) are opt-in and not counted here.
 */
export function idlePerMonth(polledQueues: readonly string[]): CostEstimate {
  const a = IDLE_ASSUMPTIONS;
  const perQueue = a.pollersPerMapping * a.receivesPerPollerPerMinute * 60 * 24 * a.daysPerMonth;
  const lines = polledQueues.map((q) => ({
    item: `SQS empty receives, ${q} queue (${a.pollersPerMapping} pollers x ${a.receivesPerPollerPerMinute}/min)`,
    quantity: perQueue,
    unit: 'requests',
    usd: (perQueue * PRICES.sqsPerMillionRequests) / 1e6,
  }));
  // The checks tick, always deployed (checks can be made through the API): a rate schedule every
  // minute, one invocation, one consistent Query of the checks partition (0.5 RRU when empty), and
  // its last-run record for the health endpoint (one small item, 1 WRU).
  const ticks = a.daysPerMonth * 24 * 60;
  const o = LOG_ASSUMPTIONS.eventOverheadBytes;
  const tickLogMb = (ticks * (LOG_ASSUMPTIONS.lambdaPlatformBytesPerInvocation + 2 * o + EMF_SAMPLE.length + o)) / 1e6;
  lines.push(
    { item: 'Checks tick: Lambda requests (one a minute)', quantity: ticks, unit: 'requests', usd: (ticks * PRICES.lambdaPerMillionRequests) / 1e6 },
    { item: 'Checks tick: Lambda duration (~30 ms at 256 MB, arm64)', quantity: ticks * 0.03 * 0.25, unit: 'GB-s', usd: ticks * 0.03 * 0.25 * PRICES.lambdaPerGbSecondArm64 },
    { item: 'Checks tick: DynamoDB reads (one Query, 0.5 RRU with no checks)', quantity: ticks * 0.5, unit: 'RRU', usd: (ticks * 0.5 * PRICES.dynamoPerMillionReadUnits) / 1e6 },
    { item: 'Checks tick: DynamoDB write (its last-run record)', quantity: ticks, unit: 'WRU', usd: (ticks * PRICES.dynamoPerMillionWriteUnits) / 1e6 },
    { item: 'Checks tick: CloudWatch Logs (platform records, one EMF document)', quantity: tickLogMb, unit: 'MB', usd: (tickLogMb / 1000) * PRICES.cloudwatchLogsPerGbIngested },
    { item: 'Checks tick: EventBridge Scheduler invocations (within the 14M free a month)', quantity: ticks, unit: 'invocations', usd: 0 },
  );
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0) };
}
