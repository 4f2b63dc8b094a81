import type { PhaseResult } from './storm';

/** us-east-1 list prices (no free tier): HTTP API, Lambda arm64, SQS standard, DynamoDB on demand. */
export const PRICES = {
  httpApiPerMillionRequests: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecondArm64: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
} as const;

export interface CostLine {
  item: string;
  /** Per million alerts. */
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

/**
 * The phase's counted work scaled to one million alerts, priced. Lambda durations are the measured
 * local wall times (ingest: the HTTP request latency seen by the client; consumers: the invocation
 * time LocalQueues measured), at the function's configured memory.
 */
export function costPerMillionAlerts(p: PhaseResult, memoryMb: (fn: string) => number): CostEstimate {
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
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0) };
}
