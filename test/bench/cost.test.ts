import { describe, expect, it } from 'vitest';
import { ACCESS_LOG_SAMPLE, EMF_SAMPLE, costPerMillionAlerts, idlePerMonth, LOG_ASSUMPTIONS, PRICES, type CostInputs } from './cost';

/** A phase of 10,000 alerts in 100 requests with round numbers, everything else zero. */
function phase(over: Partial<CostInputs> = {}): CostInputs {
  return {
    requests: 100,
    alerts: 10_000,
    latencyMs: { mean: null, p50: null, p95: null, max: null, total: 0 },
    consumers: [],
    sqs: { send: 0, receive: 0, delete: 0, changeVisibility: 0, sendBytes: 0, receiveBytes: 0, billedRequests: 0 },
    dynamo: {
      byOp: {},
      totals: { readCalls: 0, writeCalls: 0, otherCalls: 0, itemsRead: 0, itemsWritten: 0, readUnits: 0, writeUnits: 0, conditionalFailures: 0, errors: 0 },
    },
    log: { warn: 0, error: 0, messages: {}, conflictRounds: 0, conflictGroups: 0, lines: 0, bytes: 0 },
    schedules: { created: 0, deleted: 0 },
    ...over,
  };
}

const line = (est: ReturnType<typeof costPerMillionAlerts>, item: string) => {
  const l = est.lines.find((x) => x.item === item);
  if (!l) throw new Error(`no line ${item}: ${est.lines.map((x) => x.item).join(', ')}`);
  return l;
};

describe('bench cost model', () => {
  const memory = () => 1024;

  it('prices the handlers\' log bytes per million alerts at the CloudWatch Logs ingestion price', () => {
    // 1,000,000 bytes in 1,000 lines for 10,000 alerts: x100 for a million alerts.
    const est = costPerMillionAlerts(phase({ log: { ...phase().log, lines: 1000, bytes: 1_000_000 } }), memory);
    const handler = line(est, 'CloudWatch Logs: handler log lines');
    const bytes = (1_000_000 + 1000 * LOG_ASSUMPTIONS.eventOverheadBytes) * 100;
    expect(handler.quantity).toBeCloseTo(bytes / 1e6, 6);
    expect(handler.usd).toBeCloseTo((bytes / 1e9) * PRICES.cloudwatchLogsPerGbIngested, 9);
  });

  it('counts platform records and an EMF document per invocation, and an access-log record per request', () => {
    const consumers = [{ queue: 'alerts', invocations: 50, records: 100, totalMs: 0, maxMs: 0 }];
    const est = costPerMillionAlerts(phase({ consumers }), memory);
    const o = LOG_ASSUMPTIONS.eventOverheadBytes;
    // 100 ingest + 50 router invocations, 100 HTTP requests; x100 to a million alerts.
    expect(line(est, 'CloudWatch Logs: Lambda platform records').quantity).toBeCloseTo((150 * (LOG_ASSUMPTIONS.lambdaPlatformBytesPerInvocation + 2 * o) * 100) / 1e6, 6);
    expect(line(est, 'CloudWatch Logs: HTTP API access log').quantity).toBeCloseTo((100 * (ACCESS_LOG_SAMPLE.length + o) * 100) / 1e6, 6);
    expect(line(est, 'CloudWatch Logs: EMF metrics (one document per invocation, est.)').quantity).toBeCloseTo((150 * (EMF_SAMPLE.length + o) * 100) / 1e6, 6);
  });

  it('prices one Scheduler invocation per one-time schedule created and not deleted', () => {
    const est = costPerMillionAlerts(phase({ schedules: { created: 250, deleted: 50 } }), memory);
    const s = line(est, 'EventBridge Scheduler invocations');
    expect(s.quantity).toBe(20_000);
    expect(s.usd).toBeCloseTo(20_000 * PRICES.schedulerPerMillionInvocations / 1e6, 9);
  });

  it('totals every line', () => {
    const est = costPerMillionAlerts(phase({ schedules: { created: 10, deleted: 0 }, log: { ...phase().log, lines: 5, bytes: 500 } }), memory);
    expect(est.totalUsd).toBeCloseTo(est.lines.reduce((s, l) => s + l.usd, 0), 12);
    expect(est.totalUsd).toBeGreaterThan(0);
  });

  it('idle: 5 pollers x 3 empty receives a minute per polled queue, and the checks tick every minute (its query, its last-run write, its log records), a 30-day month', () => {
    const est = idlePerMonth(['alerts', 'webhook-notifications']);
    const ticks = 43_200;
    const logMb = (ticks * (370 + 3 * 26 + EMF_SAMPLE.length)) / 1e6;
    expect(est.lines.map((l) => l.quantity)).toEqual([648_000, 648_000, ticks, ticks * 0.03 * 0.25, ticks * 0.5, ticks, logMb, ticks]);
    const tick =
      (ticks * PRICES.lambdaPerMillionRequests) / 1e6 +
      ticks * 0.0075 * PRICES.lambdaPerGbSecondArm64 +
      (ticks * 0.5 * PRICES.dynamoPerMillionReadUnits) / 1e6 +
      (ticks * PRICES.dynamoPerMillionWriteUnits) / 1e6 +
      (logMb / 1000) * PRICES.cloudwatchLogsPerGbIngested;
    expect(est.totalUsd).toBeCloseTo((2 * 648_000 * PRICES.sqsPerMillionRequests) / 1e6 + tick, 9);
  });
});
