import { nodeHttp } from '../../shared/channels/http';
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

export type ChecksPorts = Pick<Ports, 'config' | 'stores' | 'queues' | 'clock' | 'log' | 'http' | 'metricData' | 'awsCredentials'>;

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
  return async (event?: unknown): Promise<{ heartbeats: TickResult; checks: ChecksTickResult } | { digest: { sent: number } }> => {
    // The digest's cron schedule invokes this function too, with its scheduled time.
    if (isDigestEvent(event)) return { digest: { sent: (await sendDigest(digest, new Date(event.at ?? ports.clock().toISOString()))).sent } };
    const [hb, ck] = await Promise.allSettled([tickHeartbeats(heartbeats, tickMs), tickChecks(checks, tickMs)]);
    if (hb.status === 'rejected') throw hb.reason;
    if (ck.status === 'rejected') throw ck.reason;
    ports.log.debug('checks tick', { missing: hb.value.missing.length, evaluated: ck.value.evaluated, firing: ck.value.firing.length, failed: ck.value.failed.length });
    // What GET /v1/health?deep=1 shows as the last completed tick.
    await recordTick(ports.stores.ticks, CHECKS_TICK, ports.clock(), ports.log);
    return { heartbeats: hb.value, checks: ck.value };
  };
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
