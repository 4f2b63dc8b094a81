import type { Ports } from './ports';
import type { CheckDeps } from '../checks/service';

/** What the checks service needs, from a function's ports (the checks tick's and the API's). */
export function checkDeps(ports: Pick<Ports, 'config' | 'stores' | 'queues' | 'clock' | 'log' | 'http' | 'metricData' | 'awsCredentials'>): CheckDeps {
  return {
    config: ports.config,
    checks: ports.stores.checks,
    queues: ports.queues,
    sources: {
      http: ports.http,
      metricData: ports.metricData ?? {
        getMetricData: () => Promise.reject(new Error('CloudWatch is not available to this function')),
      },
      credentials: ports.awsCredentials,
      log: ports.log,
    },
    clock: ports.clock,
    log: ports.log,
  };
}
