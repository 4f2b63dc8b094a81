import * as crypto from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthConfig } from '../config/schema';
import { envSecretResolver } from '../primitives/secrets';
import { AuthenticationError, ForbiddenError, NotFoundError } from '../errors';
import { HTTP_ROUTES, SCOPES, type Scope } from '../http/routes';
import { errorResponse } from '../http/responses';
import { silentLogger } from '../log';
import { authenticate, authorizeRoute, authTokens } from './auth';

// Spy on the comparison while keeping it real, to show every token is compared in constant time.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const secrets = envSecretResolver({ INGEST: 'ingest-secret', READ: 'read-secret', MANAGE: 'manage-secret', ALL: 'all-secret', OLD: 'old-secret' });

const auth = AuthConfig.parse({
  tokens: [
    { name: 'alertmanager', secret: { env: 'INGEST' }, scopes: ['ingest'] },
    { name: 'dashboard', secret: { env: 'READ' }, scopes: ['read'] },
    { name: 'oncall', secret: { env: 'MANAGE' }, scopes: ['manage'] },
    { name: 'admin', secret: { env: 'ALL' }, scopes: ['ingest', 'read', 'manage'] },
  ],
});
const TOKEN_OF: Record<Scope, string> = { ingest: 'ingest-secret', read: 'read-secret', manage: 'manage-secret' };
const NAME_OF: Record<Scope, string> = { ingest: 'alertmanager', read: 'dashboard', manage: 'oncall' };

function event(routeKey: string, authorization?: string): APIGatewayProxyEventV2 {
  return {
    routeKey,
    headers: authorization === undefined ? {} : { authorization },
    requestContext: { requestId: 'r1', http: { method: routeKey.split(' ')[0] } },
  } as unknown as APIGatewayProxyEventV2;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

const guarded = HTTP_ROUTES.filter((r) => r.scope !== 'public');

describe('the routes table', () => {
  it('names a scope for every route but health, the dashboard files, the signed links and ping URLs, Slack and PagerDuty (their signatures are the credential)', () => {
    expect(HTTP_ROUTES.filter((r) => r.scope === 'public').map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/health',
      'GET /ui',
      'GET /ui/app.js',
      'GET /ui/app.css',
      'GET /v1/heartbeats/{name}/{key}',
      'POST /v1/heartbeats/{name}/{key}',
      'GET /v1/links/{link}',
      'POST /v1/links/{link}',
      'POST /v1/slack/interactions',
      'POST /v1/pagerduty/webhooks',
    ]);
    const byScope = (scope: Scope) => guarded.filter((r) => r.scope === scope).map((r) => `${r.method} ${r.path}`).sort();
    expect(byScope('ingest')).toEqual(['POST /api/v2/alerts', 'POST /v1/alerts', 'POST /v1/heartbeats/{name}', 'POST /v1/webhooks/alertmanager', 'POST /v1/webhooks/grafana']);
    expect(byScope('read')).toEqual([
      'GET /api/v2/alerts',
      'GET /api/v2/alerts/groups',
      'GET /api/v2/receivers',
      'GET /api/v2/silence/{silenceID}',
      'GET /api/v2/silences',
      'GET /api/v2/status',
      'GET /v1/alerts',
      'GET /v1/alerts/{id}',
      'GET /v1/checks',
      'GET /v1/checks/{name}',
      'GET /v1/deliveries',
      'GET /v1/deliveries/{id}',
      'GET /v1/groups',
      'GET /v1/heartbeats',
      'GET /v1/history',
      'GET /v1/incidents',
      'GET /v1/incidents/{id}',
      'GET /v1/session',
      'GET /v1/silences',
      'GET /v1/silences/{id}',
      'GET /v1/stats',
      'POST /v1/digest/preview',
    ]);
    expect(byScope('manage')).toEqual([
      'DELETE /api/v2/silence/{silenceID}',
      'DELETE /v1/checks/{name}',
      'DELETE /v1/silences/{id}',
      'POST /api/v2/silences',
      'POST /v1/channels/{receiver}/test',
      'POST /v1/checks',
      'POST /v1/checks/{name}/evaluate',
      'POST /v1/checks/{name}/pause',
      'POST /v1/checks/{name}/resume',
      'POST /v1/deliveries/{id}/retry',
      'POST /v1/incidents/{id}/ack',
      'POST /v1/incidents/{id}/escalate',
      'POST /v1/incidents/{id}/notes',
      'POST /v1/incidents/{id}/resolve',
      'POST /v1/incidents/{id}/unack',
      'POST /v1/redrive',
      'POST /v1/silences',
      'PUT /v1/checks/{name}',
    ]);
    // Ingest routes are served by the ingest function and nothing else takes the ingest scope.
    expect(guarded.every((r) => (r.fn === 'ingest') === (r.scope === 'ingest'))).toBe(true);
  });
});

describe('authorizeRoute', () => {
  beforeEach(() => {
    vi.mocked(crypto.timingSafeEqual).mockClear();
  });

  it.each(guarded.map((r) => [`${r.method} ${r.path}`, r.scope as Scope] as const))('%s: lets in a token with %s and answers 403 to the others', async (routeKey, scope) => {
    expect(await authorizeRoute(event(routeKey, `Bearer ${TOKEN_OF[scope]}`), auth, secrets)).toEqual({ name: NAME_OF[scope], scopes: [scope] });
    expect((await authorizeRoute(event(routeKey, 'Bearer all-secret'), auth, secrets)).name).toBe('admin');
    for (const other of SCOPES.filter((s) => s !== scope)) {
      const err = await failure(authorizeRoute(event(routeKey, `Bearer ${TOKEN_OF[other]}`), auth, secrets));
      expect(err).toBeInstanceOf(ForbiddenError);
      expect(err).toMatchObject({ status: 403, details: { missing_scope: scope, token: NAME_OF[other], scopes: [other] } });
      expect((err as Error).message).toBe(`token "${NAME_OF[other]}" lacks the "${scope}" scope, which ${routeKey} requires`);
    }
  });

  it('answers 401 without a token or with an unknown one, before looking at scopes', async () => {
    for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearer nope', 'Bearer ingest-secret-but-longer']) {
      const err = await failure(authorizeRoute(event('POST /v1/silences', header), auth, secrets));
      expect(err, String(header)).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).status).toBe(401);
    }
  });

  it('renders a 403 as JSON naming the missing scope, without the secret', async () => {
    const err = await failure(authorizeRoute(event('DELETE /v1/silences/{id}', 'Bearer ingest-secret'), auth, secrets));
    const res = errorResponse(err, silentLogger, 'r1');
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body)).toEqual({
      error: 'forbidden',
      message: 'token "alertmanager" lacks the "manage" scope, which DELETE /v1/silences/{id} requires',
      details: { missing_scope: 'manage', token: 'alertmanager', scopes: ['ingest'] },
    });
    expect(res.body).not.toContain('ingest-secret');
  });

  it('gives deprecated bearer_tokens every scope, named after their key path', async () => {
    const legacy = AuthConfig.parse({ bearer_tokens: [{ env: 'OLD' }] });
    for (const route of guarded) {
      expect(await authorizeRoute(event(`${route.method} ${route.path}`, 'Bearer old-secret'), legacy, secrets)).toEqual({
        name: 'bearer_tokens[0]',
        scopes: ['ingest', 'read', 'manage'],
      });
    }
    // Both forms at once (while migrating): each token keeps its own scopes.
    const both = AuthConfig.parse({ ...auth, bearer_tokens: [{ env: 'OLD' }] });
    expect(authTokens(both).map((t) => t.name)).toEqual(['alertmanager', 'dashboard', 'oncall', 'admin', 'bearer_tokens[0]']);
    expect(await failure(authorizeRoute(event('GET /v1/groups', 'Bearer ingest-secret'), both, secrets))).toBeInstanceOf(ForbiddenError);
  });

  it('answers 404 for a route the table does not have', async () => {
    expect(await failure(authorizeRoute(event('POST /v1/nothing', 'Bearer all-secret'), auth, secrets))).toBeInstanceOf(NotFoundError);
  });
});

describe('authenticate (constant time)', () => {
  beforeEach(() => {
    vi.mocked(crypto.timingSafeEqual).mockClear();
  });

  it('compares SHA-256 digests of the presented token with every configured token, even after a match', async () => {
    const tokens = authTokens(auth);
    expect((await authenticate(event('GET /v1/alerts', 'Bearer ingest-secret'), tokens, secrets)).name).toBe('alertmanager');
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(tokens.length);
    // Equal-length digests whatever the tokens' lengths: nothing leaks through the comparison's length check.
    for (const [a, b] of calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);

    vi.mocked(crypto.timingSafeEqual).mockClear();
    await failure(authenticate(event('GET /v1/alerts', 'Bearer wrong'), tokens, secrets));
    expect(vi.mocked(crypto.timingSafeEqual).mock.calls).toHaveLength(tokens.length);
  });
});
