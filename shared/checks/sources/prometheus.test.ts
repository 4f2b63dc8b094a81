import { createHash, createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeHttp } from '../../channels/http';
import { awsCredentials, observePrometheus } from './prometheus';
import type { AwsCredentials, PrometheusQuery } from './port';
import type { PrometheusSource } from '../config';
import { startStandIn, type Received, type StandIn } from '../../../test/support/stand-in';

const NOW = new Date('2026-03-14T15:09:26.535Z');
const http = nodeHttp();

let standIn: StandIn;
beforeAll(async () => {
  standIn = await startStandIn();
});
afterAll(() => standIn.close());
afterEach(() => {
  standIn.received.length = 0;
  standIn.respond = () => ({ status: 200, body: 'ok' });
  vi.unstubAllEnvs();
});

const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const success = (resultType: string, result: unknown) => json(200, { status: 'success', data: { resultType, result } });
const query = (id: string, source: Partial<PrometheusSource> = {}): PrometheusQuery => ({ id, source: { url: standIn.url, query: 'up', ...source } });

/** One query against the stand-in answering `reply`. */
async function observeWith(reply: ReturnType<StandIn['respond']>, source: Partial<PrometheusSource> = {}) {
  standIn.respond = () => reply;
  const out = await observePrometheus([query('q', source)], { http }, NOW);
  return out.get('q');
}

describe('observePrometheus: the request', () => {
  it('POSTs a form to <url>/api/v1/query with the query and the evaluation time', async () => {
    standIn.respond = () => success('scalar', [NOW.getTime() / 1000, '1']);
    const promql = 'sum(rate(http_requests_total{code=~"5..", job="api"}[5m])) / sum(rate(http_requests_total[5m])) > 0 & +1';
    await observePrometheus([query('q', { query: promql })], { http }, NOW);
    const [r] = standIn.received;
    expect(r!.method).toBe('POST');
    expect(r!.path).toBe('/api/v1/query');
    expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r!.headers.authorization).toBeUndefined();
    // Form-encoded: `&` and `+` escaped (raw, they would split the query or read as a space).
    expect(r!.body).toMatch(/^query=[^& ]+&time=1773500966\.535$/);
    expect(r!.body).toContain('%26+%2B1&');
    expect(new URLSearchParams(r!.body).get('query')).toBe(promql);
  });

  it('appends /api/v1/query to a path prefix, once, with or without a trailing slash, keeping a query string', async () => {
    standIn.respond = () => success('scalar', [0, '1']);
    await observePrometheus(
      [query('a', { url: `${standIn.url}/prometheus/` }), query('b', { url: `${standIn.url}/workspaces/ws-0123abcd` }), query('c', { url: `${standIn.url}/select/0/prometheus//?tenant=t1#frag` })],
      { http },
      NOW,
      { concurrency: 1 },
    );
    expect(standIn.received.map((r) => r.path)).toEqual(['/prometheus/api/v1/query', '/workspaces/ws-0123abcd/api/v1/query', '/select/0/prometheus/api/v1/query?tenant=t1']);
  });

  it('runs at most `concurrency` queries at once (default 8), answering every id', async () => {
    for (const [concurrency, expected] of [
      [3, 3],
      [undefined, 8],
    ] as const) {
      standIn.received.length = 0;
      let inFlight = 0;
      let max = 0;
      standIn.respond = () => {
        inFlight++;
        max = Math.max(max, inFlight);
        // Scheduled before the stand-in's own reply timer of the same delay, so it runs first:
        // the count drops before the client can see the answer and send its next query.
        setTimeout(() => inFlight--, 50);
        return { ...success('scalar', [0, '7']), delayMs: 50 };
      };
      const queries = Array.from({ length: 20 }, (_, i) => query(`q${i}`));
      const out = await observePrometheus(queries, { http }, NOW, concurrency === undefined ? {} : { concurrency });
      expect(max).toBe(expected);
      expect(standIn.received).toHaveLength(20);
      expect([...out.keys()].sort()).toEqual(queries.map((q) => q.id).sort());
      expect([...out.values()].every((o) => o.value === 7)).toBe(true);
    }
  });
});

describe('observePrometheus: the answer', () => {
  it('a scalar is its number', async () => {
    expect(await observeWith(success('scalar', [1773500966.535, '42.5']))).toEqual({ value: 42.5 });
  });

  it('a vector of one series is its value', async () => {
    const reply = success('vector', [{ metric: { job: 'api', instance: 'api-1:9090' }, value: [1773500966.535, '0.0125'] }]);
    expect(await observeWith(reply)).toEqual({ value: 0.0125 });
  });

  it('an empty vector is no data', async () => {
    const out = await observeWith(success('vector', []));
    expect(out).toEqual({ value: undefined });
    expect(out).not.toHaveProperty('error');
  });

  it('a vector of several series is an error that says to aggregate', async () => {
    const series = ['a', 'b', 'c'].map((i) => ({ metric: { __name__: 'up', instance: i }, value: [1773500966.535, '1'] }));
    expect(await observeWith(success('vector', series))).toEqual({ error: 'the query returned 3 series; a check needs one number (aggregate it, e.g. sum(...) or max(...))' });
  });

  it('a matrix or a string is an error', async () => {
    const matrix = success('matrix', [{ metric: { __name__: 'up' }, values: [[1773500906.535, '1'], [1773500966.535, '1']] }]);
    expect((await observeWith(matrix))?.error).toMatch(/matrix.*needs an instant vector or a scalar/);
    expect((await observeWith(success('string', [1773500966.535, 'hello'])))?.error).toMatch(/string.*needs an instant vector or a scalar/);
  });

  it('NaN passes through; +Inf and -Inf are infinities; anything else not a number is an error', async () => {
    const vectorOf = (v: string) => success('vector', [{ metric: {}, value: [1773500966.535, v] }]);
    expect((await observeWith(vectorOf('NaN')))?.value).toBeNaN();
    expect(await observeWith(success('scalar', [0, '+Inf']))).toEqual({ value: Number.POSITIVE_INFINITY });
    expect(await observeWith(vectorOf('-Inf'))).toEqual({ value: Number.NEGATIVE_INFINITY });
    expect(await observeWith(vectorOf('-1.5e-7'))).toEqual({ value: -1.5e-7 });
    expect((await observeWith(vectorOf('')))?.error).toMatch(/not a number/);
    expect((await observeWith(vectorOf('0x10')))?.error).toMatch(/not a number/);
  });

  it("Prometheus's error answers (400 bad_data, 422 execution) give their type and message, cut to 300 characters", async () => {
    const badData = json(400, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unexpected <op:*>' });
    expect(await observeWith(badData)).toEqual({ error: 'Prometheus: bad_data: invalid parameter "query": 1:5: parse error: unexpected <op:*>' });
    const long = json(422, { status: 'error', errorType: 'execution', error: `query processing would load too many samples into memory in query execution ${'x'.repeat(500)}` });
    const out = await observeWith(long);
    expect(out?.error).toMatch(/^Prometheus: execution: query processing would load too many samples/);
    expect(out!.error!.length).toBeLessThanOrEqual(300);
  });

  it('a non-2xx answer without Prometheus JSON gives its status and a short cut of the body', async () => {
    expect(await observeWith({ status: 503, body: 'Service Unavailable\n' })).toEqual({ error: 'Prometheus answered HTTP 503: Service Unavailable' });
    const html = `<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${'<p>nginx</p>'.repeat(100)}</body></html>`;
    const out = await observeWith({ status: 502, headers: { 'content-type': 'text/html' }, body: html });
    expect(out?.error).toMatch(/^Prometheus answered HTTP 502: <html> <head><title>502 Bad Gateway/);
    expect(out!.error!.length).toBeLessThanOrEqual('Prometheus answered HTTP 502: '.length + 200);
  });

  it('a 200 that is not JSON, or not a success, is an error', async () => {
    expect((await observeWith({ status: 200, body: '<html>login</html>' }))?.error).toMatch(/not valid JSON/);
    expect((await observeWith(json(200, { status: 'success' })))?.error).toMatch(/success/);
    expect((await observeWith(json(200, [1, 2])))?.error).toMatch(/not valid JSON|success/);
  });

  it('a native histogram sample is an error that says how to get a number', async () => {
    const reply = success('vector', [{ metric: {}, histogram: [1773500966.535, { count: '3', sum: '1.5', buckets: [] }] }]);
    expect((await observeWith(reply))?.error).toMatch(/native histogram/);
  });

  it("a timeout is the port's error", async () => {
    standIn.respond = () => ({ status: 200, delayMs: 5_000 });
    const out = await observePrometheus([query('slow')], { http }, NOW, { timeoutMs: 100 });
    expect(out.get('slow')).toEqual({ error: 'request timed out after 100 ms' });
  });

  it('a refused connection is a network error', async () => {
    const gone = await startStandIn();
    await gone.close();
    const out = await observePrometheus([{ id: 'q', source: { url: gone.url, query: 'up' } }], { http }, NOW);
    expect(out.get('q')).toEqual({ error: 'network error: ECONNREFUSED' });
  });

  it("errors never quote the URL's query string", async () => {
    const secret = 'tok-s3cr3t';
    const gone = await startStandIn();
    await gone.close();
    standIn.respond = (r) => (r.path.includes('slow') ? { status: 200, delayMs: 5_000 } : { status: 500, body: 'internal error' });
    const out = await observePrometheus(
      [
        query('500', { url: `${standIn.url}/?token=${secret}` }),
        query('timeout', { url: `${standIn.url}/slow?token=${secret}` }),
        { id: 'refused', source: { url: `${gone.url}/?token=${secret}`, query: 'up' } },
        { id: 'invalid', source: { url: `ftp://h/?token=${secret}`, query: 'up' } },
      ],
      { http },
      NOW,
      { timeoutMs: 100 },
    );
    expect(out.size).toBe(4);
    for (const [id, o] of out) {
      expect(o.error, id).toBeTruthy();
      expect(o.error, id).not.toContain(secret);
    }
  });

  it('answers every id, each with its own result', async () => {
    standIn.respond = (r) => {
      const q = new URLSearchParams(r.body).get('query');
      if (q === 'one') return success('scalar', [0, '1']);
      if (q === 'none') return success('vector', []);
      return json(400, { status: 'error', errorType: 'bad_data', error: 'unknown' });
    };
    const out = await observePrometheus([query('a', { query: 'one' }), query('b', { query: 'none' }), query('c', { query: 'bad(' })], { http }, NOW);
    expect(Object.fromEntries(out)).toEqual({ a: { value: 1 }, b: { value: undefined }, c: { error: 'Prometheus: bad_data: unknown' } });
  });
});

describe('observePrometheus: SigV4', () => {
  const credentials: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'tok' };
  const sigv4 = { region: 'eu-west-2', service: 'aps' };

  async function signedRequest(source: Partial<PrometheusSource>): Promise<Received> {
    standIn.respond = () => success('vector', [{ metric: {}, value: [0, '3'] }]);
    const out = await observePrometheus([query('q', { sigv4, ...source })], { http, credentials: async () => credentials }, NOW);
    expect(out.get('q')).toEqual({ value: 3 });
    expect(standIn.received).toHaveLength(1);
    return standIn.received[0]!;
  }

  it('signs the POST: authorization, x-amz-date, the session token and the payload hash', async () => {
    const r = await signedRequest({ url: `${standIn.url}/workspaces/ws-0123abcd-4567/` });
    expect(r.path).toBe('/workspaces/ws-0123abcd-4567/api/v1/query');
    expect(r.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260314\/eu-west-2\/aps\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(r.headers['x-amz-date']).toBe('20260314T150926Z');
    expect(r.headers['x-amz-security-token']).toBe('tok');
    expect(r.headers['x-amz-content-sha256']).toBe(sha256(r.body));
    expect(r.headers.host).toBe(new URL(standIn.url).host);
    expect(verifySigV4(r, credentials.secretAccessKey)).toEqual({ ok: true });
  });

  it('the signature covers the query string, the body and the secret', async () => {
    const r = await signedRequest({ url: `${standIn.url}/proxy?tenant=team a&b=2&b=1`, query: 'sum(up{job="api"})' });
    expect(r.path).toBe('/proxy/api/v1/query?tenant=team%20a&b=2&b=1');
    expect(verifySigV4(r, credentials.secretAccessKey)).toEqual({ ok: true });
    // The verifier can fail: a changed body, path or secret does not match.
    expect(verifySigV4({ ...r, body: r.body.replace('api', 'apj') }, credentials.secretAccessKey).ok).toBe(false);
    expect(verifySigV4({ ...r, path: r.path.replace('b=1', 'b=3') }, credentials.secretAccessKey).ok).toBe(false);
    expect(verifySigV4(r, 'another-secret').ok).toBe(false);
  });

  it('without a session token, sends none', async () => {
    standIn.respond = () => success('scalar', [0, '1']);
    const { sessionToken: _, ...keys } = credentials;
    await observePrometheus([query('q', { sigv4 })], { http, credentials: async () => keys }, NOW);
    const r = standIn.received[0]!;
    expect(r.headers['x-amz-security-token']).toBeUndefined();
    expect(r.headers.authorization).toContain('SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, ');
    expect(verifySigV4(r, credentials.secretAccessKey)).toEqual({ ok: true });
  });

  it('without a credentials port, or when it fails, the check errors and nothing is sent', async () => {
    standIn.respond = () => success('scalar', [0, '1']);
    const out = await observePrometheus([query('q', { sigv4 }), query('plain')], { http }, NOW);
    expect(out.get('q')).toEqual({ error: 'sigv4 needs AWS credentials' });
    expect(out.get('plain')).toEqual({ value: 1 });
    const failing = await observePrometheus([query('q', { sigv4 })], { http, credentials: () => Promise.reject(new Error('Could not load credentials from any providers')) }, NOW);
    expect(failing.get('q')).toEqual({ error: 'AWS credentials: Could not load credentials from any providers' });
    // Only the unsigned query reached the stand-in.
    expect(standIn.received.map((r) => r.headers.authorization)).toEqual([undefined]);
  });

  it('looks credentials up once per call', async () => {
    standIn.respond = () => success('scalar', [0, '1']);
    const lookup = vi.fn(async () => credentials);
    await observePrometheus([query('a', { sigv4 }), query('b', { sigv4 }), query('c', { sigv4 })], { http, credentials: lookup }, NOW);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(standIn.received).toHaveLength(3);
  });
});

describe('awsCredentials', () => {
  it("resolves the SDK's default chain once, then keeps its provider (which caches)", async () => {
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_CREDENTIAL_EXPIRATION', undefined);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENVFIRST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-first');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token-first');
    const port = awsCredentials();
    expect(await port()).toEqual({ accessKeyId: 'AKIDENVFIRST', secretAccessKey: 'secret-first', sessionToken: 'token-first' });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENVSECOND');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-second');
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    // The same port still answers from its provider's cache; a new one reads the environment again.
    expect((await port()).accessKeyId).toBe('AKIDENVFIRST');
    expect(await awsCredentials()()).toEqual({ accessKeyId: 'AKIDENVSECOND', secretAccessKey: 'secret-second', sessionToken: undefined });
  });
});

function sha256(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

/** RFC 3986 encoding, as SigV4's canonical query wants (encodeURIComponent leaves !'()* alone). */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * An independent SigV4 check of a received request, from the AWS documentation (not through
 * @smithy/signature-v4): rebuild the canonical request from what arrived and re-derive the signature.
 */
function verifySigV4(r: Received, secret: string): { ok: boolean } {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(String(r.headers.authorization));
  if (!m) return { ok: false };
  const [, , day, region, service, signedHeaders, signature] = m as unknown as string[];
  const url = new URL(r.path, 'http://unused');
  // The paths used here need no escaping (SigV4 would double-encode for services other than S3).
  expect(url.pathname).toMatch(/^[A-Za-z0-9/_.~-]+$/);
  const params = [...url.searchParams].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  params.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const canonicalQuery = params.map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = signedHeaders!
    .split(';')
    .map((h) => `${h}:${String(r.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [r.method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders, sha256(r.body)].join('\n');
  const amzDate = String(r.headers['x-amz-date']);
  if (!amzDate.startsWith(day!)) return { ok: false };
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${day}/${region}/${service}/aws4_request`, sha256(canonicalRequest)].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day!), region!), service!), 'aws4_request');
  return { ok: createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex') === signature };
}
