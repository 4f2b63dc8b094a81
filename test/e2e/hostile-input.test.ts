import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHandler as createApi } from '../../functions/api/handler';
import { HTTP_ROUTES } from '../../shared/http/routes';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startRuntimeWithConfig } from '../support/runtime';

/**
 * Hostile input, generated: at least 10,000 bad requests (seeded, so a failure replays) across every
 * route of the HTTP API and the local runtime's /local routes, through the local runtime over HTTP.
 * Bad input must get a 4xx: never a 5xx, never a stack trace or a file path in the body, and no
 * request may hang (over 1 s).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = 10_000;
const CONCURRENCY = 16;
/**
 * A request unanswered this long counts as hung (status 0). A liveness guard, not a speed target:
 * speed is the benchmarks' to report, and the slowest request is logged below.
 */
const HANG_MS = 10_000;
const TOKEN = 'fuzz-token';
/** The config's body limit, kept small so oversized bodies are cheap to send. */
const MAX_BODY = 16 * 1024;

const LOCAL_ROUTES = [
  { method: 'POST', path: '/local/events' },
  { method: 'GET', path: '/local/outbox' },
  { method: 'GET', path: '/local/queues' },
] as const;
const ROUTES: ReadonlyArray<{ method: string; path: string }> = [...HTTP_ROUTES, ...LOCAL_ROUTES];

/** What must never be in a body: a stack frame, a source path, a module URL. */
const LEAKS = /\n\s+at |\s{4}at \S|\/work\/|\/home\/|\/tmp\/|\.ts:\d|\.js:\d|node:internal|file:\/\//;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Outcome {
  req: FuzzRequest;
  status: number;
  body: string;
  ms: number;
}

// --- generators -------------------------------------------------------------------------------

/** Printable ASCII without the characters that would spell a leak marker by chance. */
const safeChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&\'()*+,;=@ "<>[]{}|^`\\'.split(''));
const safeString = (maxLength: number) => fc.string({ unit: safeChar, maxLength });
const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), minLength: 1, maxLength: 12 });

const badEncoding = fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4%A', '%E0%A4', '%C0%80', '%FF', '%FE%FF', '%ED%A0%80', '%0', '%%', '%25', '%00', '%2F', '%2e%2e', '%u0041', '%F4%90%80%80');
/** A path segment as sent on the wire: already percent-encoded (or deliberately not). */
const pathSegment = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(word, badEncoding, word).map(([a, e, b]) => `${a}${e}${b}`) },
  { weight: 2, arbitrary: badEncoding },
  { weight: 2, arbitrary: fc.integer({ min: 1000, max: 5000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 3000 }).map((n) => '%41'.repeat(n)) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((s) => encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.constantFrom('.', '..', '%2e', '~', '*', 'null', 'undefined', '__proto__', 'constructor', '0', '-1', 'SILENCE#x', 'GROUP%23x') },
  { weight: 2, arbitrary: word },
);

const queryPart = fc.oneof(
  fc.tuple(fc.constantFrom('state', 'status', 'receiver', 'filter', 'channel', 'x', ''), fc.oneof(safeString(40).map(encodeURIComponent), badEncoding, pathSegment)).map(
    ([k, v]) => `${k}=${v}`,
  ),
  fc.constantFrom('filter={alertname=~"(a+"}', 'filter=%7Balertname%3D%22x%22%7D', 'filter=', 'state=active&state=expired', 'channel=slack', 'channel=', 'status=firing,resolved', '=', '&&', '%'),
  badEncoding,
);
const query = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.array(queryPart, { minLength: 1, maxLength: 4 }).map((q) => `?${q.join('&')}`) });

/** A route's path with its parameters replaced, and sometimes mangled around them. */
const routePath = (route: { path: string }) =>
  fc
    .tuple(fc.array(pathSegment, { minLength: 2, maxLength: 2 }), fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('/', '//', '/extra', '%2F', '/..', '/.') }), query)
    .map(([segments, suffix, q]) => {
      let i = 0;
      return route.path.replace(/\{[^}]+\}/g, () => segments[i++]!) + suffix + q;
    });

const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');

const auth = fc.oneof(
  { weight: 12, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', `bearer ${TOKEN}`, `Bearer  ${TOKEN}  `, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, `Bearer ${TOKEN} extra`, 'Token x', `Bearer ${TOKEN}x`) },
  { weight: 1, arbitrary: safeString(60).map((s) => `Bearer ${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 8000 }).map((n) => `Bearer ${'t'.repeat(n)}`) },
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/json; charset=utf-16',
      'application/vnd.x+json',
      'APPLICATION/JSON',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      ';',
      'application/json;;;',
    ),
  },
);

/** Arbitrary JSON, deeply nested JSON, and near-miss shapes of every body the API takes. */
const labelsLike = fc.oneof(fc.dictionary(word, fc.oneof(safeString(20), fc.jsonValue({ maxDepth: 1 })), { maxKeys: 4 }), fc.jsonValue({ maxDepth: 1 }));
const nearMiss = fc.oneof(
  // generic alert
  fc.record({ labels: labelsLike, summary: fc.jsonValue({ maxDepth: 1 }), status: fc.constantFrom('firing', 'resolved', 'nope', 1), startsAt: fc.oneof(safeString(30), fc.integer()), timeout: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
  // alertmanager webhook
  fc.record({
    version: fc.constantFrom('4', '3', 4, null),
    status: fc.constantFrom('firing', 'resolved', 'x'),
    receiver: safeString(10),
    groupKey: safeString(10),
    truncatedAlerts: fc.oneof(fc.integer(), safeString(3)),
    alerts: fc.oneof(fc.array(fc.oneof(fc.record({ labels: labelsLike, annotations: labelsLike, startsAt: safeString(25), endsAt: safeString(25), fingerprint: safeString(20), status: fc.constantFrom('firing', 'resolved', 'x') }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
  }, { requiredKeys: [] }),
  // silence
  fc.record({
    matchers: fc.oneof(fc.array(fc.oneof(safeString(30), fc.record({ name: fc.jsonValue({ maxDepth: 0 }), value: fc.jsonValue({ maxDepth: 0 }), isRegex: fc.jsonValue({ maxDepth: 0 }), isEqual: fc.jsonValue({ maxDepth: 0 }) }, { requiredKeys: [] })), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
    starts_at: fc.oneof(safeString(25), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer()),
    ends_at: fc.oneof(safeString(25), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer()),
    created_by: fc.jsonValue({ maxDepth: 0 }),
    comment: fc.jsonValue({ maxDepth: 0 }),
  }, { requiredKeys: [] }),
  // CloudWatch alarm events (EventBridge and SNS) for /local/events
  fc.record({ 'detail-type': fc.constantFrom('CloudWatch Alarm State Change', 'x', 1), account: fc.jsonValue({ maxDepth: 0 }), region: fc.jsonValue({ maxDepth: 0 }), detail: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.record({ Records: fc.oneof(fc.array(fc.oneof(fc.record({ EventSource: fc.constantFrom('aws:sns', 'aws:sqs', 1), Sns: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })) }),
  // Grafana
  fc.record({ receiver: safeString(5), status: safeString(5), orgId: fc.jsonValue({ maxDepth: 0 }), alerts: fc.jsonValue({ maxDepth: 2 }), commonLabels: labelsLike, externalURL: safeString(20) }, { requiredKeys: [] }),
);
const nested = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);

const jsonText = fc.oneof(
  { weight: 6, arbitrary: nearMiss.map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: fc.constantFrom('null', '[]', '{}', '0', '-1', '1e400', 'true', '"x"', '[null]', '{"alerts":null}', '{"alerts":[null]}', '{"Records":[null]}', '{"Records":null}', '{"__proto__":{"x":1}}', '{"labels":{"__proto__":"x"}}', '{"matchers":null}') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => nested(n, '[', ']')) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => JSON.stringify({ labels: { alertname: 'x'.repeat(n * 10) }, matchers: [`a="${'y'.repeat(n)}"`] })) },
  { weight: 2, arbitrary: safeString(80) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,', '{"a":1}}', '\u0000', '\ufeff{}', '{"a":"\\ud800"}', 'NaN', "{'a':1}") },
);

const body = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 10, arbitrary: jsonText.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 3 }).map((n) => Buffer.from(JSON.stringify({ labels: { alertname: 'x' }, summary: 'y'.repeat(n) }))) },
);

/** Request targets that are not origin-form paths (absolute-form, authority-like, asterisk). */
const oddTarget = fc.oneof(
  fc.constantFrom('http://[', 'http://x:99999/v1/health', '//', '//x/v1/alerts', '///v1/health', '*', 'http://h/v1/alerts/%ZZ', 'http://user:pw@h/v1/silences', 'https://h:0/', 'http://h/%E0%A4%A', '/%', '/v1/%2e%2e/v1/health'),
  fc.constantFrom(...ROUTES).map((r) => `http://alertflow.example${r.path.replace(/\{[^}]+\}/g, '%ZZ')}`),
);

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(fc.constantFrom(...ROUTES), fc.boolean(), methods, auth, contentType, body, fc.boolean())
  .chain(([route, rightMethod, method, authorization, type, payload, withType]) =>
    fc.oneof({ weight: 30, arbitrary: routePath(route) }, { weight: 1, arbitrary: oddTarget }).map((path) => ({
      method: rightMethod ? route.method : method,
      path,
      headers: {
        ...(authorization === '' ? {} : { authorization }),
        ...(withType || payload !== undefined ? { 'content-type': type } : {}),
      },
      ...(payload === undefined ? {} : { body: payload }),
    })),
  );

// --- the run -----------------------------------------------------------------------------------

let rt: LocalRuntime;
let agent: Agent;

beforeAll(async () => {
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
ingest:
  max_body_bytes: ${MAX_BODY}
  max_alerts_per_request: 5
route:
  receiver: team
  group_by: [alertname]
receivers:
  - name: team
`,
    { token: TOKEN },
  );
  agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
});

afterAll(async () => {
  agent?.destroy();
  await rt?.close();
});

/** One request as the wire carries it: the path is sent exactly as generated, never normalized. */
function send(req: FuzzRequest): Promise<Outcome> {
  const url = new URL(rt.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        agent,
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ req, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    r.setTimeout(HANG_MS, () => {
      resolve({ req, status: 0, body: `no answer within ${HANG_MS} ms`, ms: performance.now() - started });
      r.destroy();
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

async function sendAll(reqs: FuzzRequest[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(reqs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < reqs.length) {
        const i = next++;
        out[i] = await send(reqs[i]!);
      }
    }),
  );
  return out;
}

const show = (o: Outcome) => `${o.req.method} ${o.req.path.slice(0, 120)} [${o.req.body?.toString('utf8').slice(0, 80) ?? ''}] -> ${o.status} ${Math.round(o.ms)} ms ${o.body.slice(0, 200)}`;

describe('hostile input, the cases found by hand', () => {
  const raw = (method: string, path: string, body?: string) =>
    send({ method, path, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: Buffer.from(body) }) });

  it.each(['%E0%A4%A', '%ZZ', '%', 'a%ED%A0%80b'])('a path id %s that is not percent-encoded UTF-8 is a 400 naming the parameter', async (id) => {
    for (const [method, path, name] of [
      ['GET', `/v1/alerts/${id}`, 'id'],
      ['GET', `/v1/silences/${id}`, 'id'],
      ['DELETE', `/v1/silences/${id}`, 'id'],
      ['POST', `/v1/channels/${id}/test`, 'receiver'],
    ] as const) {
      const res = await raw(method, path);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request', message: `path parameter ${name} is not valid percent-encoded UTF-8` });
    }
  });

  it('an id of 2,000 characters is a 400 naming the limit, on every route with an id', async () => {
    const id = 'x'.repeat(2000);
    for (const [method, path] of [
      ['GET', `/v1/silences/${id}`],
      ['DELETE', `/v1/silences/${id}`],
      ['GET', `/v1/alerts/${id}`],
      ['POST', `/v1/channels/${id}/test`],
    ] as const) {
      const res = await raw(method, path);
      expect(res.status, `${method} ${path.slice(0, 20)}`).toBe(400);
      expect(JSON.parse(res.body).message).toMatch(/^path parameter (id|receiver) is 2000 bytes long; at most 256$/);
    }
    // An id at the limit is looked up as usual.
    expect((await raw('GET', `/v1/silences/${'x'.repeat(256)}`)).status).toBe(404);
  });

  it.each(['http://[', 'http://x:99999/v1/health', '//'])('a request target %s that is not a URL path is a 400', async (target) => {
    const res = await raw('GET', target);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/^malformed request target/) });
  });

  it.each(['null', '[]', '42', '"x"', '[null]', '{"Records":[null]}', '{"Records":[42]}'])('POST /local/events with %s is a 400 naming the expected event', async (text) => {
    const res = await raw('POST', '/local/events', text);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/unsupported event: expected an EventBridge|Records\[0\]: not an SNS record/);
  });
});

describe('hostile path parameters as API Gateway presents them to the deployed api function', () => {
  // HTTP APIs pass path parameters percent-decoded; one that cannot be decoded is assumed to arrive
  // as sent. Either way the function answers a 4xx naming the parameter.
  const event = (routeKey: string, pathParameters: Record<string, string>): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey,
      rawPath: '/',
      rawQueryString: '',
      headers: { authorization: `Bearer ${TOKEN}` },
      pathParameters,
      isBase64Encoded: false,
      requestContext: { requestId: 'r1', routeKey, http: { method: routeKey.split(' ')[0]!, path: '/' } },
    }) as unknown as APIGatewayProxyEventV2;

  it.each([
    ['GET /v1/silences/{id}', 'id'],
    ['DELETE /v1/silences/{id}', 'id'],
    ['GET /v1/alerts/{id}', 'id'],
    ['POST /v1/channels/{receiver}/test', 'receiver'],
  ])('%s: an over-long %s is a 400, one left undecoded (%%E0%%A4%%A) a 404 naming it', async (routeKey, name) => {
    const api = createApi(rt.ports);
    const long = await api(event(routeKey, { [name]: 'x'.repeat(2000) }));
    expect(long.statusCode).toBe(400);
    expect(JSON.parse(long.body).message).toBe(`path parameter ${name} is 2000 bytes long; at most 256`);
    const raw = await api(event(routeKey, { [name]: '%E0%A4%A' }));
    expect(raw.statusCode).toBe(404);
    expect(JSON.parse(raw.body).message).toContain('"%E0%A4%A"');
  });
});

describe('hostile input, generated', () => {
  it(`answers ${RUNS} bad requests across every route with a 4xx: no 5xx, no leaked internals, no hang`, async () => {
    const reqs = fc.sample(fuzzRequest, { seed: SEED, numRuns: RUNS });
    // Every route is exercised, with its own method and with others.
    for (const route of ROUTES) {
      const prefix = route.path.split('{')[0]!;
      expect(reqs.some((r) => r.method === route.method && r.path.startsWith(prefix)), `${route.method} ${route.path}`).toBe(true);
    }

    const outcomes = await sendAll(reqs);

    const byClass: Record<string, number> = {};
    for (const o of outcomes) byClass[`${Math.floor(o.status / 100)}xx`] = (byClass[`${Math.floor(o.status / 100)}xx`] ?? 0) + 1;
    console.log(`hostile input: ${outcomes.length} requests, by status class ${JSON.stringify(byClass)}, slowest ${Math.round(Math.max(...outcomes.map((o) => o.ms)))} ms`);

    const serverErrors = outcomes.filter((o) => o.status >= 500 || o.status < 100);
    expect(serverErrors.map(show), 'requests answered with a 5xx, or not at all').toEqual([]);
    const leaks = outcomes.filter((o) => LEAKS.test(o.body));
    expect(leaks.map(show), 'bodies with a stack trace or a file path').toEqual([]);
    expect(outcomes.length).toBeGreaterThanOrEqual(RUNS);
  }, 120_000);
});
