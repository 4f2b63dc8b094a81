import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { DEFAULT_TOKEN, startLocalRuntime, type LocalRuntime } from '../../shared/local/runtime';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';
import { silentLogger } from '../../shared/log';
import { apiRequest, startRuntimeWithConfig, teamRouteConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/** Scoped credentials through the local runtime over HTTP: what each token may do, and who did it. */
const ADMIN = 'e2e-admin-token';
const INGEST_ONLY = 'e2e-ingest-only-token';

type Json = Record<string, unknown>;

let rt: LocalRuntime;
let hook: StandIn;
/** The runtime's info lines (the API logs each change with its actor). */
const infos: Json[] = [];

const as = (token: string) => (method: string, path: string, body?: unknown) => apiRequest<Json>(rt.url, token, method, path, body);
const admin = as(ADMIN);
const ingestOnly = as(INGEST_ONLY);

const silenceBody = (createdBy: string) => ({
  matchers: ['alertname="Scoped"'],
  ends_at: new Date(Date.now() + 3_600_000).toISOString(),
  created_by: createdBy,
  comment: 'scoped credentials e2e',
});

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  tokens:
    - { name: alertmanager, secret: { env: INGEST_TOKEN }, scopes: [ingest] }
    - { name: oncall, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest, read, manage] }
${teamRouteConfig(hook.url)}`,
    { token: ADMIN, env: { INGEST_TOKEN: INGEST_ONLY }, log: { ...silentLogger, info: (msg, fields) => infos.push({ msg, ...fields }) } },
  );
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('scoped credentials, end to end', () => {
  it('lets an ingest-only token post alerts, and nothing else: 403 naming the missing scope', async () => {
    expect((await ingestOnly('POST', '/v1/alerts', { name: 'Scoped', labels: { service: 'billing' } })).status).toBe(202);
    // The alert went through: the admin token (read) sees it.
    await vi.waitFor(
      async () => {
        const alerts = (await admin('GET', '/v1/alerts')).body.alerts as Json[];
        if (!alerts.some((a) => (a.labels as Json).alertname === 'Scoped')) throw new Error('not stored yet');
      },
      { timeout: 10_000, interval: 50 },
    );

    const silence = await ingestOnly('POST', '/v1/silences', silenceBody('mallory'));
    expect(silence.status).toBe(403);
    expect(silence.body).toMatchObject({ error: 'forbidden', details: { missing_scope: 'manage', token: 'alertmanager', scopes: ['ingest'] } });
    expect(silence.body.message).toContain('"manage"');

    const list = await ingestOnly('GET', '/v1/alerts');
    expect(list.status).toBe(403);
    expect(list.body).toMatchObject({ error: 'forbidden', details: { missing_scope: 'read' } });
    expect(list.body.message).toContain('"read"');

    for (const [method, path] of [
      ['GET', '/v1/groups'],
      ['GET', '/v1/silences'],
      ['DELETE', '/v1/silences/any-id'],
      ['POST', '/v1/redrive'],
      ['POST', '/v1/channels/team/test'],
    ] as const) {
      const res = await ingestOnly(method, path);
      expect([method, path, res.status, (res.body.details as Json | undefined)?.missing_scope]).toEqual([method, path, 403, method === 'GET' ? 'read' : 'manage']);
    }
    // Nothing was silenced by the refused request.
    expect((await admin('GET', '/v1/silences')).body.silences).toEqual([]);
  });

  it('knows which configured tokens take the runtime token (the start banner prints it only for them)', async () => {
    expect(rt.tokenNames).toEqual(['oncall']);
    const other = await startRuntimeWithConfig(`auth:\n  tokens:\n    - { name: am, secret: { env: INGEST_TOKEN }, scopes: [ingest] }\n${teamRouteConfig('http://127.0.0.1:9')}`, {
      token: ADMIN,
      env: { INGEST_TOKEN: INGEST_ONLY },
    });
    try {
      expect(other.tokenNames).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('401 without a token or with an unknown one; health stays public', async () => {
    expect((await as('not-a-token')('GET', '/v1/alerts')).status).toBe(401);
    expect((await apiRequest(rt.url, '', 'POST', '/v1/alerts', { name: 'X' }, { authorization: '' })).status).toBe(401);
    expect((await fetch(`${rt.url}/v1/health`)).status).toBe(200);
  });

  it('/local/* takes a token like /v1/*: events need ingest, the queues read, and the outbox (signed links in what was sent) manage', async () => {
    // An SNS alarm event, as a web page could send it with a no-cors POST (text/plain, no token).
    const event = JSON.stringify({ Records: [{ EventSource: 'aws:sns', Sns: { Message: '{}' } }] });
    const anonymous = await fetch(`${rt.url}/local/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: event });
    expect(anonymous.status).toBe(401);
    for (const [path, scope] of [['/local/outbox', 'manage'], ['/local/queues', 'read']] as const) {
      expect([path, (await fetch(rt.url + path)).status]).toEqual([path, 401]);
      const refused = await ingestOnly('GET', path);
      expect([path, refused.status, (refused.body.details as Json | undefined)?.missing_scope]).toEqual([path, 403, scope]);
      expect([path, (await admin('GET', path)).status]).toEqual([path, 200]);
    }
    // With ingest, the event reaches the ingest function (this one is not a valid alarm: a 400 saying so).
    expect((await ingestOnly('POST', '/local/events', event)).status).toBe(400);
  });

  // DNS rebinding: a page whose host name now resolves to 127.0.0.1 is same-origin for the browser,
  // and the default token is public. The server on a loopback address answers only loopback names.
  it('answers 421 to a request addressed to another host name, and serves localhost and 127.0.0.1', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const { port } = new URL(rt.url);
        const req = request({ host: '127.0.0.1', port, path: '/v1/session', headers: { host, authorization: `Bearer ${ADMIN}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    const { port } = new URL(rt.url);
    expect(await status(`attacker.example:${port}`)).toBe(421);
    expect(await status('attacker.example')).toBe(421);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`[::1]:${port}`)).toBe(200);
  });

  it("records the token's name as the silence's actor, and who expired it", async () => {
    const created = await admin('POST', '/v1/silences', silenceBody('alice'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ created_by: 'alice', actor: 'oncall' });
    expect(created.body).not.toHaveProperty('expired_by');
    const id = created.body.id as string;

    const expired = await admin('DELETE', `/v1/silences/${id}`);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ created_by: 'alice', actor: 'oncall', expired_by: 'oncall', status: { state: 'expired' } });
    expect((await admin('GET', `/v1/silences/${id}`)).body).toMatchObject({ actor: 'oncall', expired_by: 'oncall' });
    const changes = infos.filter((l) => l.msg === 'api change requested').map((l) => [l.route, l.actor]);
    expect(changes).toEqual(expect.arrayContaining([['POST /v1/silences', 'oncall'], ['DELETE /v1/silences/{id}', 'oncall']]));
    // A refused request changes nothing and is not logged as a change.
    expect(changes.filter(([, actor]) => actor !== 'oncall')).toEqual([]);
  });
});

describe('the local runtime and its tokens', () => {
  it('logs one deprecation line naming auth.tokens for bearer_tokens, which keep every scope', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (msg) => warnings.push(msg) };
    const legacy = await startRuntimeWithConfig(`auth:\n  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]\n${teamRouteConfig('http://127.0.0.1:9')}`, { token: ADMIN, log });
    try {
      expect(warnings).toEqual([expect.stringMatching(/^auth\.bearer_tokens is deprecated .*use auth\.tokens/)]);
      const created = await apiRequest<Json>(legacy.url, ADMIN, 'POST', '/v1/silences', silenceBody('alice'));
      expect(created.status).toBe(201);
      expect(created.body.actor).toBe('bearer_tokens[0]');
      expect(legacy.tokenNames).toEqual(['bearer_tokens[0]']);
      expect((await apiRequest(legacy.url, ADMIN, 'GET', '/v1/alerts')).status).toBe(200);
    } finally {
      await legacy.close();
    }
  });

  it("refuses to start when a token's secret is not set, naming its key path and the variable", async () => {
    const config = `auth:\n  tokens:\n    - { name: admin, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [read] }\n    - { name: alertmanager, secret: { env: ALERTMANAGER_TOKEN }, scopes: [ingest] }\n${teamRouteConfig('http://127.0.0.1:9')}`;
    const err = await startRuntimeWithConfig(config, { token: ADMIN }).then(
      async (started) => {
        await started.close();
        throw new Error('expected the runtime not to start');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([{ path: 'auth.tokens[1].secret', message: expect.stringContaining('export ALERTMANAGER_TOKEN') }]);
  });

  it('runs the shipped example out of the box: the default token has every scope', async () => {
    const example = await startLocalRuntime({ handlers: LOCAL_HANDLERS, port: 0, dataDir: null, env: {}, log: silentLogger, configPath: join(__dirname, '../../alertflow.example.yaml') });
    try {
      expect(example.token).toBe(DEFAULT_TOKEN);
      const call = (method: string, path: string, body?: unknown) => apiRequest<Json>(example.url, DEFAULT_TOKEN, method, path, body);
      expect((await call('POST', '/v1/alerts', { name: 'ExampleCheck' })).status).toBe(202);
      expect((await call('GET', '/v1/alerts')).status).toBe(200);
      const created = await call('POST', '/v1/silences', silenceBody('alice'));
      expect([created.status, created.body.actor]).toEqual([201, 'admin']);
    } finally {
      await example.close();
    }
  });
});
