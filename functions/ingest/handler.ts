import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ingestAwsEvent, ingestHttp } from '../../shared/ingest/ingest';
import type { HttpResult } from '../../shared/http/responses';
import { batchHandler, httpHandler } from '../../shared/runtime/middleware';
import { awsQueues, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/**
 * Ingest adapter. HTTP API requests (webhooks, generic alerts) get an HTTP answer; CloudWatch alarm
 * events (EventBridge rule, SNS topic) are invoked asynchronously and throw on failure so Lambda's
 * retries and DLQ keep them.
 */
export function createHandler(ports: Pick<Ports, 'config' | 'queues' | 'secrets' | 'clock' | 'log'> & Partial<Pick<Ports, 'metrics'>>) {
  const deps = { config: ports.config, queues: ports.queues, secrets: ports.secrets, clock: ports.clock, metrics: ports.metrics };
  // Errors become responses and the token's scope is checked first (shared/runtime/middleware.ts).
  const http = httpHandler((event) => ingestHttp(event, deps), { log: ports.log, auth: () => ports.config.raw.auth, secrets: ports.secrets, metrics: ports.metrics });
  const events = batchHandler(
    async (event: unknown) => {
      const result = await ingestAwsEvent(event, deps);
      ports.log.info('alarm event ingested', { accepted: result.accepted });
      return result;
    },
    { log: ports.log, metrics: ports.metrics },
  );
  return async (event: unknown, context?: Partial<Context>): Promise<HttpResult | { accepted: number }> => (isHttpEvent(event) ? http(event, context) : events(event, context));
}

function isHttpEvent(event: unknown): event is APIGatewayProxyEventV2 {
  return typeof event === 'object' && event !== null && 'requestContext' in event && 'rawPath' in event;
}

// Ingest only enqueues: no table client in its bundle or container.
export const handler = lazyHandler('ingest', (base) => ({ ...base, ...awsQueues(), ...awsSecrets() }), createHandler);
