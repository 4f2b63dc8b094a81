import { createHash, createHmac, type BinaryLike } from 'node:crypto';
// Type-only: the signer and the credential chain (about 30 ms of init each) are loaded on first
// use, so a function without sigv4 checks never pays for them.
import type { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpNetworkError, HttpRequestError, HttpTimeoutError, type HttpPort } from '../../channels/http';
import type { Observation } from '../check';
import type { PrometheusSource } from '../config';
import type { AwsCredentials, CredentialsPort, Observations, PrometheusQuery, SourceDeps } from './port';

/**
 * Threshold checks' Prometheus source: one instant query per check, through the HttpPort (POST with
 * a form body, as Prometheus and Amazon Managed Prometheus both accept), optionally SigV4-signed.
 * Every failure becomes an error observation; errors never quote the URL (its query string may
 * carry a token) nor a header.
 */

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 8;
const MAX_ERROR_CHARS = 300;
const MAX_BODY_CHARS = 200;

export interface ObservePrometheusOptions {
  /** Queries in flight at once (default 8). */
  concurrency?: number;
  /** Per query (default 10 s). */
  timeoutMs?: number;
}

export async function observePrometheus(
  queries: readonly PrometheusQuery[],
  deps: Pick<SourceDeps, 'http' | 'credentials'>,
  now: Date,
  opts: ObservePrometheusOptions = {},
): Promise<Observations> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const asked = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const concurrency = asked >= 1 ? Math.floor(asked) : 1; // NaN, 0 or less: one at a time.
  // One credentials lookup per call, shared by its sigv4 queries.
  let credentials: Promise<AwsCredentials> | undefined;
  const getCredentials = deps.credentials && (() => (credentials ??= deps.credentials!()));
  const out: Observations = new Map();
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const q = queries[next++]!;
      let obs: Observation;
      try {
        obs = await observeOne(q.source, deps.http, getCredentials, now, timeoutMs);
      } catch {
        // Not expected (observeOne maps its failures); an unknown error may quote anything, so it is not shown.
        obs = { error: 'the Prometheus query failed unexpectedly' };
      }
      out.set(q.id, obs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, worker));
  return out;
}

async function observeOne(source: PrometheusSource, http: HttpPort, credentials: CredentialsPort | undefined, now: Date, timeoutMs: number): Promise<Observation> {
  let target: URL;
  try {
    target = queryUrl(source.url);
  } catch {
    return { error: 'the Prometheus URL is not a valid http(s) URL' };
  }
  // Milliseconds: the evaluation time exactly, whatever the server's clock says.
  const body = new URLSearchParams({ query: source.query, time: (now.getTime() / 1000).toFixed(3) }).toString();
  let headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (source.sigv4) {
    if (!credentials) return { error: 'sigv4 needs AWS credentials' };
    let creds: AwsCredentials;
    try {
      creds = await credentials();
    } catch (err) {
      // The SDK's messages name the providers tried, never a key.
      return { error: cut(`AWS credentials: ${err instanceof Error ? err.message : 'unavailable'}`, MAX_ERROR_CHARS) };
    }
    headers = await sign(target, headers, body, source.sigv4, creds, now);
  }
  let res;
  try {
    res = await http.post(target.toString(), { headers, body, timeoutMs });
  } catch (err) {
    // The port's typed errors are short and URL-free by contract; anything else is not trusted to be.
    if (err instanceof HttpTimeoutError || err instanceof HttpNetworkError || err instanceof HttpRequestError) return { error: err.message };
    return { error: 'the request to Prometheus failed' };
  }
  return parseAnswer(res.status, res.body);
}

/** `<url>/api/v1/query`, the path appended to the base URL's (AMP: the workspace's); its query string kept, the fragment dropped. */
function queryUrl(base: string): URL {
  const u = new URL(base);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v1/query`;
  u.hash = '';
  return u;
}

/**
 * The headers to send for a SigV4-signed POST. `host` is signed but not sent: the HTTP client sets
 * it from the URL to the same `host[:port]` (URL.host omits a default port, as clients do).
 * Signed at `now`, the caller's clock (AMP refuses a signature more than 5 minutes off).
 */
async function sign(target: URL, headers: Record<string, string>, body: string, sigv4: NonNullable<PrometheusSource['sigv4']>, credentials: AwsCredentials, now: Date): Promise<Record<string, string>> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({ service: sigv4.service, region: sigv4.region, credentials, sha256: NodeSha256 });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of target.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: Number(target.port) } : {}),
      // As sent (percent-encoded once): SignatureV4 encodes it again, as SigV4 wants for every service but S3.
      path: target.pathname,
      query,
      headers: { ...headers, host: target.host },
      body,
    },
    { signingDate: now },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== 'host') out[name] = value;
  return out;
}

/** SHA-256 for SignatureV4 over node:crypto; given a secret, an HMAC (how SignatureV4 derives and signs). */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): BinaryLike {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

interface Answer {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function parseAnswer(status: number, body: string): Observation {
  let answer: Answer | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) answer = parsed as Answer;
  } catch {
    // Not JSON: reported below.
  }
  // Prometheus's own errors (400 bad_data, 422 execution, 503 timeout/canceled) come as JSON.
  if (answer?.status === 'error') return { error: cut(`Prometheus: ${String(answer.errorType ?? 'error')}: ${String(answer.error ?? '')}`, MAX_ERROR_CHARS) };
  if (status < 200 || status > 299) {
    const text = shortBody(body);
    return { error: `Prometheus answered HTTP ${status}${text ? `: ${text}` : ''}` };
  }
  if (answer === undefined) {
    // Also what a very large answer cut by the HttpPort looks like (a query returning many series).
    const text = shortBody(body);
    return { error: `Prometheus's answer is not valid JSON${text ? `: ${text}` : ''}` };
  }
  if (answer.status !== 'success' || answer.data === null || typeof answer.data !== 'object') return { error: 'Prometheus answered without a status "success" and data' };
  const { resultType, result } = answer.data;
  switch (resultType) {
    case 'scalar':
      return sampleValue(result);
    case 'vector': {
      if (!Array.isArray(result)) return { error: 'Prometheus answered a vector without a result list' };
      if (result.length === 0) return { value: undefined };
      if (result.length > 1) return { error: `the query returned ${result.length} series; a check needs one number (aggregate it, e.g. sum(...) or max(...))` };
      const series = result[0] as { value?: unknown; histogram?: unknown } | null;
      if (series?.value === undefined && series?.histogram !== undefined) return { error: 'the query returned a native histogram; a check needs one number (e.g. histogram_quantile(...) or histogram_count(...))' };
      return sampleValue(series?.value);
    }
    case 'matrix':
    case 'string':
      return { error: `the query returned a ${resultType}; a check needs an instant vector or a scalar` };
    default:
      return { error: cut(`Prometheus answered an unknown result type ${JSON.stringify(resultType)}`, MAX_ERROR_CHARS) };
  }
}

/** A sample `[unix seconds, "value"]`: Prometheus writes values as strings, with NaN and ±Inf spelt out. */
function sampleValue(sample: unknown): Observation {
  const text = Array.isArray(sample) ? sample[1] : undefined;
  if (typeof text !== 'string') return { error: 'Prometheus answered a sample without a value' };
  // NaN passes through: the caller treats it as no data.
  if (text === 'NaN') return { value: Number.NaN };
  if (text === '+Inf' || text === 'Inf') return { value: Number.POSITIVE_INFINITY };
  if (text === '-Inf') return { value: Number.NEGATIVE_INFINITY };
  // Number() alone would read "" as 0 and accept hex.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return { error: cut(`Prometheus answered a value that is not a number: ${JSON.stringify(text)}`, MAX_ERROR_CHARS) };
  return { value: Number(text) };
}

function shortBody(body: string): string {
  return cut(body.replace(/\s+/g, ' ').trim(), MAX_BODY_CHARS);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The AWS adapter of CredentialsPort: the SDK's default chain (the Lambda role's keys from the
 * environment), loaded on the first call. The provider is kept: it caches and refreshes itself.
 */
export function awsCredentials(): CredentialsPort {
  let provider: Promise<ReturnType<typeof defaultProvider>> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then(
      (m) => m.defaultProvider(),
      (err: unknown) => {
        provider = undefined; // Let the next call try the import again.
        throw err;
      },
    );
    const c = await (await provider)();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  };
}
