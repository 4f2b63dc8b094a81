import { CHECKS_TICK_MS, tickHeartbeats, type TickResult } from '../../shared/heartbeats/service';
import { awsQueues, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';
import type { Ports } from '../../shared/runtime/ports';

/**
 * Checks adapter: invoked by its rate schedule (every CHECKS_TICK_MS deployed; every second in the
 * local runtime), it evaluates the heartbeats and sends the alerts of the missing ones to the
 * alerts queue. A failed tick throws: Scheduler retries it, and the next tick evaluates again.
 */
export function createHandler(ports: Pick<Ports, 'config' | 'stores' | 'queues' | 'clock' | 'log'>, tickMs = CHECKS_TICK_MS) {
  const deps = { config: ports.config, heartbeats: ports.stores.heartbeats, queues: ports.queues, clock: ports.clock, log: ports.log };
  return async (): Promise<TickResult> => {
    const result = await tickHeartbeats(deps, tickMs);
    ports.log.debug('checks tick', { missing: result.missing.length, wentMissing: result.wentMissing.length });
    return result;
  };
}

export const handler = lazyHandler('checks', (base) => ({ ...base, ...awsTable(), ...awsQueues() }), createHandler);
