import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { AlertflowError, RequestShapeError, ServiceUnavailableError } from '../errors';
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
export function errorResponse(err: unknown, log: Logger, requestId?: string, style: ErrorStyle = 'alertflow'): HttpResult & APIGatewayProxyResultV2 {
  // Alertmanager's API answers an error with its message as a JSON string (OpenAPI `BadRequest`);
  // its clients (amtool, Grafana) decode that and print it.
  // Requests its schema refuses are `{code, message}` there (go-swagger's answer).
  const body = (error: string, message: string, extra: Record<string, unknown> = {}) =>
    style !== 'alertmanager' ? { error, message, ...extra } : err instanceof RequestShapeError ? { code: err.status, message } : message;
  if (err instanceof ServiceUnavailableError) {
    return { ...json(err.status, body(err.code, err.message)), headers: { 'content-type': 'application/json', 'retry-after': '10' } };
  }
  if (err instanceof AlertflowError && err.status < 500) {
    return json(err.status, body(err.code, err.message, err.details === undefined ? {} : { details: err.details }));
  }
  log.error('request failed', { requestId, err });
  return json(500, body('internal', 'internal error', requestId ? { requestId } : {}));
}

/** Which shape an error answer takes: alertflow's `{error, message, details}`, or Alertmanager's string. */
export type ErrorStyle = 'alertflow' | 'alertmanager';
