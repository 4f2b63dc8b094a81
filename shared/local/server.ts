import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HTTP_ROUTES, isRoutePath, matchRoutePath, type HttpFunction } from '../http/routes';
import { AlertflowError, ServiceUnavailableError, ValidationError } from '../errors';
import { errorResponse, json, type HttpResult } from '../http/responses';
import type { Logger } from '../log';
import { localRequestContext } from './gateway-event';

/** API Gateway's own payload limit for HTTP APIs; handlers apply the config's smaller one. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;
/** Extra routes only the local runtime has (/local/...), given the parsed body and the (lower-cased) headers. */
export type LocalRoute = (req: { method: string; path: string; body: string; query: URLSearchParams; headers: Record<string, string> }) => Promise<HttpResult>;

export interface LocalServer {
  server: Server;
  /**
   * Stop taking requests: from now on every request is answered 503 (the listener stays open, so a
   * client is told rather than refused); resolves when the requests already being handled are done.
   */
  drain(): Promise<void>;
  /** Close the listener and every connection. */
  close(): Promise<void>;
}

/** Names a request to a server on a loopback address may carry in its Host header. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether `host` (what the server listens on) is a loopback address. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Presents the HTTP API routes as API Gateway (payload format 2.0) would: the request becomes an
 * APIGatewayProxyEventV2 and goes to the same handler the Lambda runs.
 *
 * On a loopback address it answers only requests addressed to a loopback name (421 otherwise): a
 * web page whose host name an attacker points at 127.0.0.1 (DNS rebinding) is same-origin for the
 * browser, and the default token is public. Listening elsewhere is the user's choice to be reached
 * by other names.
 */
export function createLocalServer(handlers: Record<HttpFunction, HttpHandler>, local: Record<string, LocalRoute>, log: Logger, opts: { loopback?: boolean } = {}): LocalServer {
  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    if (draining) {
      req.resume();
      // `connection: close` so a keep-alive client does not queue more requests on this socket.
      const refused: HttpResult = errorResponse(new ServiceUnavailableError('shutting_down', 'alertflow is shutting down; retry when it is back'), log);
      return send(res, { ...refused, headers: { ...refused.headers, connection: 'close' } });
    }
    if (opts.loopback && !addressedToLoopback(req.headers.host)) {
      req.resume();
      return send(res, json(421, { error: 'misdirected_request', message: 'this alertflow listens on a loopback address: address it as localhost or 127.0.0.1' }));
    }
    inFlight++;
    handle(req, res)
      .catch((err: unknown) => send(res, errorResponse(err, log)))
      .finally(() => {
        if (--inFlight === 0) drained?.();
      });
  });
  return {
    server,
    drain() {
      draining = true;
      server.closeIdleConnections();
      return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
    },
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const localRoute = local[`${method} ${url.pathname}`];
    if (localRoute) return send(res, await localRoute({ method, path: url.pathname, body: body.toString('utf8'), query: url.searchParams, headers: headersOf(req) }));

    for (const route of HTTP_ROUTES) {
      // A malformed parameter throws a ValidationError here: a 400 before any handler runs.
      const params = route.method === method ? matchRoutePath(route.path, url.pathname) : undefined;
      if (!params) continue;
      const event = toEvent(req, url, body, `${route.method} ${route.path}`, params);
      return send(res, await handlers[route.fn](event));
    }
    const known = HTTP_ROUTES.some((r) => isRoutePath(r.path, url.pathname));
    // API Gateway answers unmatched routes itself, without invoking a function.
    send(res, json(known ? 405 : 404, { message: known ? 'Method Not Allowed' : 'Not Found' }));
  }
}

/** A Host header naming a loopback address, with any port; none at all (HTTP/1.0) is taken too. */
function addressedToLoopback(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}

/** The request target as a URL; one that does not parse (`http://[`, `//`, a port over 65535) is a 400. */
function requestUrl(target = '/'): URL {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    throw new ValidationError('malformed request target: expected a path such as /v1/alerts');
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return headers;
}

function toEvent(req: IncomingMessage, url: URL, body: Buffer, routeKey: string, pathParameters: Record<string, string>): APIGatewayProxyEventV2 {
  const headers = headersOf(req);
  // Payload format 2.0 joins a repeated query parameter's values with commas (`?filter=a&filter=b`).
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const text = body.toString('utf8');
  // API Gateway base64-encodes bodies it does not consider text.
  const isText = /json|text|xml|urlencoded/i.test(headers['content-type'] ?? '') || body.length === 0;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(body.length ? { body: isText ? text : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
    requestContext: localRequestContext({
      routeKey,
      method: req.method ?? 'GET',
      path: url.pathname,
      headers,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: req.socket.remoteAddress ?? '',
      requestId: randomUUID(),
    }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GATEWAY_MAX_BYTES) throw new AlertflowError('payload_too_large', 413, `request body exceeds ${GATEWAY_MAX_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, result: HttpResult): void {
  res.writeHead(result.statusCode, result.headers);
  res.end(result.body);
}
