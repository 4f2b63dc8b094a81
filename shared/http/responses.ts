import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { AlertflowError, ServiceUnavailableError } from '../errors';
import type { Logger } from '../log';

export type HttpResult = { statusCode: number; headers: Record<string, string>; body: string };

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * The one place errors become HTTP responses. Our own errors carry a safe message and details (a
 * 4xx, or a deliberate 503 refusal); anything else is a 500 with no internals (it is logged with
 * the request id instead).
 */
export function errorResponse(err: unknown, log: Logger, requestId?: string): HttpResult & APIGatewayProxyResultV2 {
  if (err instanceof ServiceUnavailableError) {
    return { ...json(err.status, { error: err.code, message: err.message }), headers: { 'content-type': 'application/json', 'retry-after': '10' } };
  }
  if (err instanceof AlertflowError && err.status < 500) {
    return json(err.status, { error: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) });
  }
  log.error('request failed', { requestId, err });
  return json(500, { error: 'internal', message: 'internal error', ...(requestId ? { requestId } : {}) });
}
