import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ingestAwsEvent, ingestHttp } from '../../shared/ingest/ingest';
import type { HttpResult } from '../../shared/http/responses';
import { httpHandler } from '../../shared/runtime/middleware';
import { awsQueues, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/**
 * Ingest adapter. HTTP API requests (webhooks, generic alerts) get an HTTP answer; CloudWatch alarm
 * events (EventBridge rule, SNS topic) are invoked asynchronously and throw on failure so Lambda's
 * retries and DLQ keep them.
 */
export function createHandler(ports: Pick<Ports, 'config' | 'queues' | 'secrets' | 'clock' | 'log'>) {
  const deps = { config: ports.config, queues: ports.queues, secrets: ports.secrets, clock: ports.clock };
  // Errors become responses and the token's scope is checked first (shared/runtime/middleware.ts).
  const http = httpHandler((event) => ingestHttp(event, deps), { log: ports.log, auth: () => ports.config.raw.auth, secrets: ports.secrets });
  return async (event: unknown): Promise<HttpResult | { accepted: number }> => {
    if (isHttpEvent(event)) return http(event);
    const result = await ingestAwsEvent(event, deps);
    ports.log.info('alarm event ingested', { accepted: result.accepted });
    return result;
  };
}

function isHttpEvent(event: unknown): event is APIGatewayProxyEventV2 {
  return typeof event === 'object' && event !== null && 'requestContext' in event && 'rawPath' in event;
}

// Ingest only enqueues: no table client in its bundle or container.
export const handler = lazyHandler('ingest', (base) => ({ ...base, ...awsQueues(), ...awsSecrets() }), createHandler);
