import { nodeHttp } from '../../shared/channels/http';
import { checkDeps } from '../../shared/checks/deps';
import { tickChecks, type ChecksTickResult } from '../../shared/checks/service';
import { CHECKS_TICK_MS, tickHeartbeats, type TickResult } from '../../shared/heartbeats/service';
import { awsQueues, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';
import { awsMetricData } from '../../shared/checks/sources/cloudwatch';
import { awsCredentials } from '../../shared/checks/sources/prometheus';
import type { Ports } from '../../shared/runtime/ports';

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
  return async (): Promise<{ heartbeats: TickResult; checks: ChecksTickResult }> => {
    const [hb, ck] = await Promise.allSettled([tickHeartbeats(heartbeats, tickMs), tickChecks(checks, tickMs)]);
    if (hb.status === 'rejected') throw hb.reason;
    if (ck.status === 'rejected') throw ck.reason;
    ports.log.debug('checks tick', { missing: hb.value.missing.length, evaluated: ck.value.evaluated, firing: ck.value.firing.length, failed: ck.value.failed.length });
    return { heartbeats: hb.value, checks: ck.value };
  };
}

export const handler = lazyHandler(
  'checks',
  (base) => ({ ...base, ...awsTable(), ...awsQueues(), http: nodeHttp(), metricData: awsMetricData(), awsCredentials: awsCredentials() }),
  createHandler,
);
