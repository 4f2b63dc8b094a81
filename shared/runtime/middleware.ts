import { createHash } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { AuthConfig } from '../config/schema';
import type { SecretResolver } from '../primitives/secrets';
import { isAlertmanagerApiPath, routeScope } from '../http/routes';
import { errorResponse, type HttpResult } from '../http/responses';
import { authorizeRoute, type Principal } from './auth';
import type { Logger } from '../log';
import type { MetricsPort } from '../metrics/catalog';

/**
 * What the handlers share as @middy/core middleware, so each handler holds only its own work:
 * - `httpErrors`: the one place an HTTP handler's error becomes a response (a 4xx naming the
 *   problem, or a 500 without internals, logged with the request id);
 * - `routeAuthorization`: the bearer token and the route's scope, checked before the handler runs
 *   (public routes, whose own signature is their credential, pass);
 * - `lambdaDeadline`: the invocation's deadline, for batch handlers that must stop starting records
 *   near their timeout and report the rest as batch item failures.
 * - `invocationObservability`: the logger learns the invocation (Powertools' request id and cold
 *   start, deployed), and the metrics the invocation counted are published when it ends (EMF lines
 *   through Powertools, deployed; locally they are already in the /metrics registry).
 * middy's own early-timeout abort is off (timeoutEarlyInMillis: 0): the deadline does that job
 * where it can be done cleanly, per record.
 */

/** How long before the Lambda's timeout a batch stops starting records: what one record may still take. */
export const DEADLINE_MARGIN_MS = 5_000;

/** A handler's context as the middleware leave it. */
export interface HandlerContext extends Partial<Context> {
  /** Set by `routeAuthorization` on a guarded route: who is asking. */
  principal?: Principal;
  /** Set by `lambdaDeadline`: epoch ms after which no new record starts (Infinity without a Lambda context). */
  deadline?: number;
}

export function httpErrors(log: Logger): MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  return {
    name: 'httpErrors',
    onError: (request) => {
      const style = isAlertmanagerApiPath(request.event?.rawPath) ? 'alertmanager' : 'alertflow';
      request.response = errorResponse(request.error, log, request.event?.requestContext?.requestId, style);
    },
  };
}

/**
 * Conditional GETs: a JSON answer carries a weak ETag of its body, and a request naming it in
 * If-None-Match gets a 304 without the body. Browsers revalidate a `no-cache` answer by themselves,
 * so the dashboard's polling moves a body only when something changed. The work of the read is
 * still done: this saves the transfer, not the query.
 */
export function conditionalGet(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  return {
    name: 'conditionalGet',
    after: (request) => {
      const res = request.response;
      if (request.event.requestContext?.http?.method !== 'GET' || !res || res.statusCode !== 200 || typeof res.body !== 'string') return;
      if (!/json/.test(res.headers['content-type'] ?? '')) return;
      const etag = `W/"${createHash('sha256').update(res.body).digest('base64url').slice(0, 27)}"`;
      res.headers.etag = etag;
      res.headers['cache-control'] ??= 'private, no-cache';
      const asked = request.event.headers?.['if-none-match'];
      if (asked && asked.split(',').some((t) => t.trim() === etag)) {
        request.response = { statusCode: 304, headers: { etag, 'cache-control': res.headers['cache-control'] }, body: '' };
      }
    },
  };
}

export function routeAuthorization(auth: () => AuthConfig, secrets: SecretResolver): MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  return {
    name: 'routeAuthorization',
    before: async (request) => {
      if (routeScope(request.event.routeKey) === 'public') return;
      (request.context as HandlerContext).principal = await authorizeRoute(request.event, auth(), secrets);
    },
  };
}

/** What a handler observes itself with: its logger and its metrics (both ports; either may be absent in tests). */
export interface Observability {
  log?: Logger | undefined;
  metrics?: MetricsPort | undefined;
}

export function invocationObservability<E, R>(o: Observability): MiddlewareObj<E, R, Error, Context> {
  const publish = () => {
    try {
      o.metrics?.flush?.();
    } catch (err) {
      // Metrics are not worth failing an invocation that did its work.
      o.log?.warn('could not publish metrics', { err });
    }
  };
  return {
    name: 'invocationObservability',
    before: (request) => {
      if (request.context && (request.context as Partial<Context>).awsRequestId) o.log?.withInvocation?.(request.context);
    },
    after: publish,
    onError: publish,
  };
}

export function lambdaDeadline<E, R>(marginMs = DEADLINE_MARGIN_MS): MiddlewareObj<E, R, Error, Context> {
  return {
    name: 'lambdaDeadline',
    before: (request) => {
      const remaining = (request.context as Partial<Context> | undefined)?.getRemainingTimeInMillis?.();
      (request.context as HandlerContext).deadline = remaining === undefined ? Infinity : Date.now() + remaining - marginMs;
    },
  };
}

/** An HTTP handler with the shared middleware: errors to responses, authorization before it runs. */
export function httpHandler(
  handle: (event: APIGatewayProxyEventV2, context: HandlerContext) => Promise<HttpResult>,
  opts: { log: Logger; auth: () => AuthConfig; secrets: SecretResolver; metrics?: MetricsPort | undefined },
): (event: APIGatewayProxyEventV2, context?: Partial<Context>) => Promise<HttpResult> {
  const handler = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(invocationObservability<APIGatewayProxyEventV2, HttpResult>(opts))
    .use(httpErrors(opts.log))
    .use(conditionalGet())
    .use(routeAuthorization(opts.auth, opts.secrets))
    .handler((event, context) => handle(event, context as HandlerContext));
  return (event, context) => handler(event, (context ?? {}) as Context);
}

/** A batch handler with its deadline: `handle` stops starting records once `context.deadline` has passed. */
export function batchHandler<E, R>(handle: (event: E, context: HandlerContext) => Promise<R>, opts: Observability & { marginMs?: number } = {}): (event: E, context?: Partial<Context>) => Promise<R> {
  const handler = middy<E, R, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(invocationObservability<E, R>(opts))
    .use(lambdaDeadline<E, R>(opts.marginMs ?? DEADLINE_MARGIN_MS))
    .handler((event, context) => handle(event, context as HandlerContext));
  return (event, context) => handler(event, (context ?? {}) as Context);
}
