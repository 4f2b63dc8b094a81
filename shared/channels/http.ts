import { AlertflowError } from '../errors';

/**
 * The outbound HTTP port the channel senders post through. The domain core never calls `fetch`
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
    // fetch refuses these, with an error message that quotes the whole URL.
    throw new HttpRequestError('the target URL must not include credentials (user:password@); use a header instead');
  }
  return parsed;
}

export interface FetchHttpOptions {
  /** Response bodies beyond this many bytes are cut (only a short reason is ever used). */
  maxResponseBytes?: number;
  fetch?: typeof fetch;
}

/** An HttpPort over the global `fetch`. */
export function fetchHttp(options: FetchHttpOptions = {}): HttpPort {
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  return {
    async post(url, req) {
      parseTargetUrl(url);
      const doFetch = options.fetch ?? globalThis.fetch;
      // One signal covers connect, headers and body, so a server that trickles its body still times out.
      const signal = AbortSignal.timeout(req.timeoutMs);
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: req.headers,
          body: req.body,
          signal,
          // Following a redirect would re-send custom auth headers and the signature to wherever the
          // Location points; a webhook that moved should be reconfigured instead.
          redirect: 'manual',
        });
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          headers[name.toLowerCase()] = value;
        });
        const body = await readBounded(res, maxBytes);
        return { status: res.status, headers, body };
      } catch (err) {
        throw toHttpError(err, req.timeoutMs, signal);
      }
    },
  };
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= maxBytes) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const all = Buffer.concat(chunks).subarray(0, maxBytes);
  return new TextDecoder().decode(all);
}

function toHttpError(err: unknown, timeoutMs: number, signal: AbortSignal): Error {
  if (err instanceof HttpRequestError) return err;
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || (signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError')) {
    return new HttpTimeoutError(timeoutMs, { cause: err });
  }
  const code = systemCode(err);
  // undici reports transport failures as TypeError('fetch failed' | 'terminated') with the socket error as cause.
  if (code || (err instanceof TypeError && (err.message === 'fetch failed' || err.message === 'terminated'))) {
    return new HttpNetworkError(code ?? 'connection failed', { cause: err });
  }
  if (err instanceof TypeError) {
    // Request construction failed (e.g. an invalid header value): deterministic, and the message may
    // quote the offending value, so it is neither retried nor kept as the cause.
    return new HttpRequestError('the request could not be built (check the configured headers)');
  }
  return new HttpNetworkError(typeof name === 'string' ? name : 'unknown failure');
}

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) anywhere in the cause chain: short and URL-free. */
function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
  }
  return undefined;
}
