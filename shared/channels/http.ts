import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AlertflowError } from '../errors';

// node:http as CommonJS hands it out: an ESM import of it builds its ES module namespace, which reads
// every export, and its lazy web-socket exports load undici. That was about 20 ms of each sender's
// and the API's cold start (ADR 0008). node:https has no such exports.
const { Agent: HttpAgent, request: httpRequest } = process.getBuiltinModule('node:http');

/**
 * The outbound HTTP port the channel senders post through. The domain core never makes a request
 * itself, so tests and the local runtime can inject their own.
 *
 * Errors thrown by an implementation must never carry the URL: channel URLs embed credentials
 * (Slack webhook paths, tokens in query strings), and errors end up in logs.
 */
export interface HttpPort {
  post(url: string, req: HttpRequest): Promise<HttpResponse>;
}

export interface HttpRequest {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The response body, possibly cut to a bounded size. */
  body: string;
}

/** The request did not complete within its timeout. Retryable. */
export class HttpTimeoutError extends AlertflowError {
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super('upstream_timeout', 504, `request timed out after ${timeoutMs} ms`, options);
  }
}

/** The connection failed (DNS, refused, reset, TLS). Retryable. */
export class HttpNetworkError extends AlertflowError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('upstream_unreachable', 502, `network error: ${detail}`, options);
  }
}

/** The request could not be made at all (malformed URL, unsupported scheme). Not retryable. */
export class HttpRequestError extends AlertflowError {
  constructor(message: string) {
    // No cause: URL parse errors carry the input URL as a property.
    super('invalid_target', 500, message);
  }
}

/** Parse and check a target URL; the error names the problem, never the URL. */
export function parseTargetUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpRequestError('the target is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new HttpRequestError(`unsupported URL scheme ${JSON.stringify(parsed.protocol)} (expected https: or http:)`);
  }
  if (parsed.username || parsed.password) {
    // Credentials belong in a header; an error about them would quote the whole URL.
    throw new HttpRequestError('the target URL must not include credentials (user:password@); use a header instead');
  }
  return parsed;
}

/** Below the 5 s idle timeout of Node's own servers and most proxies. */
const IDLE_SOCKET_MS = 4_000;
/**
 * Idle connections kept per host, for IDLE_SOCKET_MS. Node's default keeps 256: a sender window of
 * up to 1,000 sends to one receiver closed the rest when it ended, and the next window opened them
 * again. The sockets are open during the window anyway; keeping them a few seconds longer opens
 * fewer. In `npm run bench -- --pipeline`, a first notification's other-thread (kernel) CPU went
 * from 99–108 to 79–85 µs, its main thread from 449–510 to 444–482 µs.
 */
const MAX_FREE_SOCKETS = 4_096;

export interface NodeHttpOptions {
  /** Response bodies beyond this many bytes are cut (only a short reason is ever used). */
  maxResponseBytes?: number;
}

/**
 * An HttpPort over node:http and node:https, with keep-alive connections (reused across a warm
 * Lambda's invocations, and by the local runtime).
 *
 * Not over `fetch`: a POST through fetch (undici, web streams) cost about 230 µs of CPU on this
 * machine against about 30 µs through node:http, and a storm sends thousands. Redirects are not
 * followed (node:http never does): following one would re-send custom auth headers and the
 * signature to wherever the Location points; a webhook that moved should be reconfigured instead.
 */
export function nodeHttp(options: NodeHttpOptions = {}): HttpPort {
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  // An idle connection is closed after IDLE_SOCKET_MS (and as the server's Keep-Alive hint says): a
  // Lambda thawed after a long pause then opens a new one instead of writing to one the server
  // has closed meanwhile (expired timers run before the next invocation does).
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: MAX_FREE_SOCKETS }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: MAX_FREE_SOCKETS }),
  };
  return {
    async post(url, req) {
      const target = parseTargetUrl(url);
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const body = Buffer.from(req.body, 'utf8');
      return new Promise<HttpResponse>((resolve, reject) => {
        let settled = false;
        let out: ClientRequest | undefined;
        // One timer covers connect, headers and body, so a server that trickles its body still times out.
        const timer = setTimeout(() => {
          const cause = new Error(`no complete response within ${req.timeoutMs} ms`);
          fail(new HttpTimeoutError(req.timeoutMs, { cause }));
          out?.destroy(cause);
        }, req.timeoutMs);
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(err);
        };
        try {
          out = request(target, { method: 'POST', agent: agents[target.protocol as keyof typeof agents], headers: { ...req.headers, 'content-length': String(body.length) } });
        } catch {
          // An invalid header name or value: deterministic, and the error quotes the value (it may
          // be a secret), so it is neither retried nor kept as the cause.
          return fail(new HttpRequestError('the request could not be built (check the configured headers)'));
        }
        out.on('error', (err) => fail(new HttpNetworkError(systemCode(err) ?? 'connection failed', { cause: err })));
        out.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: headersOf(res.headers), body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8') });
          };
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size >= maxBytes) {
              // Enough to explain a failure: stop reading (the connection is dropped, not reused).
              done();
              res.destroy();
            }
          });
          res.on('end', done);
          res.on('error', (err) => fail(new HttpNetworkError(systemCode(err) ?? 'connection failed', { cause: err })));
          // The connection closed before the body ended (node:http reports it as 'aborted').
          res.on('close', () => {
            if (!res.complete) fail(new HttpNetworkError('ECONNRESET'));
          });
        });
        out.end(body);
      });
    },
  };
}

function headersOf(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) anywhere in the cause chain: short and URL-free. */
function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return code;
  }
  return undefined;
}
