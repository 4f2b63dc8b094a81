import type { Context } from 'aws-lambda';
import { nodeHttp } from '../../shared/channels/http';
import { batchHandler } from '../../shared/runtime/middleware';
import { checkDeps } from '../../shared/runtime/check-deps';
import { tickChecks, type ChecksTickResult } from '../../shared/checks/service';
import { CHECKS_TICK_MS, tickHeartbeats, type TickResult } from '../../shared/heartbeats/service';
import { awsQueues, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';
import { awsMetricData } from '../../shared/checks/sources/cloudwatch';
import { awsCredentials } from '../../shared/checks/sources/prometheus';
import type { Ports } from '../../shared/runtime/ports';
import { sendDigest } from '../../shared/digest/service';
import { CHECKS_TICK, recordTick } from '../../shared/self-monitoring/ticks';

export type ChecksPorts = Pick<Ports, 'config' | 'stores' | 'queues' | 'clock' | 'log' | 'http' | 'metricData' | 'awsCredentials'> & Partial<Pick<Ports, 'metrics'>>;

/**
 * Checks adapter: invoked by its rate schedule (every CHECKS_TICK_MS deployed; every second in the
 * local runtime), it evaluates the heartbeats and the due threshold checks and sends their alerts to
 * the alerts queue. A failed tick throws: Scheduler retries it, and the next tick evaluates again.
 * Heartbeats and checks are independent: one failing does not hold the other.
 */
export function createHandler(ports: ChecksPorts, tickMs = CHECKS_TICK_MS) {
  const heartbeats = { config: ports.config, heartbeats: ports.stores.heartbeats, queues: ports.queues, clock: ports.clock, log: ports.log };
  const checks = checkDeps(ports);
  const digest = { config: ports.config, history: ports.stores.history, groups: ports.stores.groups, deliveries: ports.stores.deliveries, incidents: ports.stores.incidents, queues: ports.queues, clock: ports.clock, log: ports.log };
  const tick = batchHandler(
    async (event?: unknown): Promise<{ heartbeats: TickResult; checks: ChecksTickResult } | { digest: { sent: number } }> => {
      // The digest's cron schedule invokes this function too, with its scheduled time.
      if (isDigestEvent(event)) return { digest: { sent: (await sendDigest(digest, new Date(event.at ?? ports.clock().toISOString()))).sent } };
      const [hb, ck] = await Promise.allSettled([tickHeartbeats(heartbeats, tickMs), tickChecks(checks, tickMs)]);
      if (hb.status === 'rejected') throw hb.reason;
      if (ck.status === 'rejected') throw ck.reason;
      ports.log.debug('checks tick', { missing: hb.value.missing.length, evaluated: ck.value.evaluated, firing: ck.value.firing.length, failed: ck.value.failed.length });
      countChecks(ports, ck.value);
      // What GET /v1/health?deep=1 shows as the last completed tick.
      await recordTick(ports.stores.ticks, CHECKS_TICK, ports.clock(), ports.log);
      return { heartbeats: hb.value, checks: ck.value };
    },
    { log: ports.log, metrics: ports.metrics },
  );
  return (event?: unknown, context?: Partial<Context>) => tick(event, context);
}

/** The checks a tick evaluated, by outcome: its query failed, its alert fires, or neither. */
function countChecks(ports: Pick<ChecksPorts, 'metrics'>, r: ChecksTickResult): void {
  const failed = new Set(r.failed);
  const firing = r.firing.filter((name) => !failed.has(name)).length;
  for (const [outcome, n] of [['error', failed.size], ['firing', firing], ['ok', Math.max(0, r.evaluated - failed.size - firing)]] as const) {
    if (n > 0) ports.metrics?.count('checksRun', n, { outcome });
  }
}

/** The digest schedule's input: `{"kind":"digest","at":"<aws.scheduler.scheduled-time>"}`. */
export interface DigestEvent {
  kind: 'digest';
  at?: string;
}
const isDigestEvent = (event: unknown): event is DigestEvent => typeof event === 'object' && event !== null && (event as { kind?: unknown }).kind === 'digest';

export const handler = lazyHandler(
  'checks',
  (base) => ({ ...base, ...awsTable(base), ...awsQueues(), http: nodeHttp(), metricData: awsMetricData(), awsCredentials: awsCredentials() }),
  createHandler,
);
