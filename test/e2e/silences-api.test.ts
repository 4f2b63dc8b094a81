import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { FlushMessage } from '../../shared/queues/messages';
import { ALERTS_QUEUE } from '../../shared/queues/names';
import type { OutgoingMessage } from '../../shared/queues/port';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/** The silences API (/v1/silences) through the local runtime over HTTP. */
const TOKEN = 'e2e-silences-token';
const HOUR = 3_600_000;
const inOneHour = () => new Date(Date.now() + HOUR).toISOString();

let rt: LocalRuntime;
let hook: StandIn;

type Json = Record<string, unknown> & { status?: { state: string } };

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => apiRequest<Json>(rt.url, TOKEN, method, path, body, headers);

const silenceBody = (overrides: Record<string, unknown> = {}) => ({
  matchers: ['alertname="DiskFull"'],
  ends_at: inOneHour(),
  created_by: 'alice',
  comment: 'replacing the disk',
  ...overrides,
});

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
  group_by: [alertname]
receivers:
  - name: team
    webhook_configs:
      - url: ${hook.url}/hook
`,
    { token: TOKEN },
  );
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('silences API, end to end', () => {
  it('creates, lists, gets and expires a silence', async () => {
    const created = await api('POST', '/v1/silences', silenceBody({ matchers: ['alertname="DiskFull"', { name: 'instance', value: 'db-.*', isRegex: true }] }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      matchers: [
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
      ],
      created_by: 'alice',
      comment: 'replacing the disk',
      status: { state: 'active' },
    });

    const listed = await api('GET', '/v1/silences');
    expect(listed.status).toBe(200);
    expect((listed.body.silences as Json[]).map((s) => s.id)).toContain(id);
    const active = await api('GET', '/v1/silences?state=active&filter=%7Balertname%3D%22DiskFull%22%7D');
    expect((active.body.silences as Json[]).map((s) => s.id)).toEqual([id]);

    // A repeated ?filter= arrives comma-joined, as API Gateway passes it: each matcher must be present.
    const both = `filter=${encodeURIComponent('alertname="DiskFull"')}&filter=${encodeURIComponent('instance=~"db-.*"')}`;
    expect(((await api('GET', `/v1/silences?${both}`)).body.silences as Json[]).map((s) => s.id)).toEqual([id]);
    const other = `filter=${encodeURIComponent('alertname="DiskFull"')}&filter=${encodeURIComponent('instance="db-1"')}`;
    expect((await api('GET', `/v1/silences?${other}`)).body.silences).toEqual([]);

    const got = await api('GET', `/v1/silences/${id}`);
    expect(got).toEqual({ status: 200, body: created.body });

    const expired = await api('DELETE', `/v1/silences/${id}`);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ id, status: { state: 'expired' }, reevaluated_groups: 0 });
    expect((await api('GET', `/v1/silences/${id}`)).body.status).toEqual({ state: 'expired' });
    expect((await api('GET', '/v1/silences?state=active')).body.silences).toEqual([]);
    expect(((await api('GET', '/v1/silences?state=expired')).body.silences as Json[]).map((s) => s.id)).toContain(id);
    // Expiring again is a no-op that succeeds, as in Alertmanager.
    expect((await api('DELETE', `/v1/silences/${id}`)).status).toBe(200);
  });

  it('sends a flush for each group the expired silence held, so the router re-evaluates it', async () => {
    expect((await api('POST', '/v1/alerts', { labels: { alertname: 'HeldBack', service: 'db' } })).status).toBe(202);
    expect((await api('POST', '/v1/alerts', { labels: { alertname: 'Unrelated', service: 'db' } })).status).toBe(202);
    // The router stores the groups as it takes the alerts (notifying is not needed here).
    await vi.waitFor(async () => expect(((await api('GET', '/v1/alerts')).body.alerts as unknown[]).length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 50 });
    const created = await api('POST', '/v1/silences', silenceBody({ matchers: ['alertname="HeldBack"'] }));

    const send = vi.spyOn(rt.queues, 'send');
    try {
      const res = await api('DELETE', `/v1/silences/${created.body.id as string}`);
      expect(res.body).toMatchObject({ status: { state: 'expired' }, reevaluated_groups: 1 });
      const flushes = send.mock.calls
        .filter(([queue]) => queue === ALERTS_QUEUE)
        .flatMap(([, messages]) => (messages as OutgoingMessage[]).map((m) => FlushMessage.parse(JSON.parse(m.body))));
      expect(flushes).toHaveLength(1);
      expect(flushes[0]).toMatchObject({ kind: 'flush', reason: 'silence' });
      const alerts = (await api('GET', '/v1/alerts')).body.alerts as Array<{ labels: Record<string, string>; groups: Array<{ id: string }> }>;
      const held = alerts.find((a) => a.labels.alertname === 'HeldBack')!;
      expect(flushes[0]!.groupId).toBe(held.groups[0]!.id);
    } finally {
      send.mockRestore();
    }
  });
});

describe('silences API rejects bad requests with a 4xx that names the problem', () => {
  it.each([
    ['a missing created_by', { created_by: undefined }, /created_by: created_by is required/],
    ['a bad matcher', { matchers: ['alertname=~"(unclosed"'] }, /matchers\[0\]: invalid matcher/],
    ['ends_at before starts_at', { starts_at: new Date(Date.now() + 2 * HOUR).toISOString() }, /ends_at: ends_at must be after starts_at/],
    ['camelCase fields', { createdBy: 'alice', created_by: undefined }, /use created_by/],
    ['an unknown field', { author: 'alice' }, /unknown key "author"/],
  ])('400 for %s', async (_what, overrides, message) => {
    const res = await api('POST', '/v1/silences', silenceBody(overrides));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    const problems = (res.body.details as Array<{ path: string; message: string }>).map((d) => `${d.path}: ${d.message}`);
    expect(problems.join('\n')).toMatch(message);
    expect(res.body.message).toMatch(/^invalid silence: /);
  });

  it('400 for malformed JSON and 415 for a non-JSON body', async () => {
    const bad = await api('POST', '/v1/silences', '{"matchers": ');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/malformed JSON/);
    expect((await api('POST', '/v1/silences', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
  });

  it('400 for an unknown state or a malformed filter when listing', async () => {
    const state = await api('GET', '/v1/silences?state=muted');
    expect(state.status).toBe(400);
    expect(state.body.message).toMatch(/state must be one of active, pending, expired/);
    expect((await api('GET', '/v1/silences?filter=alertname')).status).toBe(400);
  });

  it('404 for an unknown silence id, on GET and DELETE', async () => {
    const got = await api('GET', '/v1/silences/00000000-0000-4000-8000-000000000000');
    expect(got.status).toBe(404);
    expect(got.body.error).toBe('not_found');
    expect((await api('DELETE', '/v1/silences/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('401 without a valid token, and nothing is stored', async () => {
    const before = ((await api('GET', '/v1/silences')).body.silences as Json[]).length;
    expect((await api('POST', '/v1/silences', silenceBody(), { authorization: '' })).status).toBe(401);
    expect((await api('POST', '/v1/silences', silenceBody(), { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await api('GET', '/v1/silences', undefined, { authorization: '' })).status).toBe(401);
    expect((await api('GET', '/v1/silences/x', undefined, { authorization: '' })).status).toBe(401);
    expect((await api('DELETE', '/v1/silences/x', undefined, { authorization: '' })).status).toBe(401);
    expect(((await api('GET', '/v1/silences')).body.silences as Json[]).length).toBe(before);
  });

  it('405 for a method the route does not have', async () => {
    expect((await api('PUT', '/v1/silences/x', silenceBody())).status).toBe(405);
  });
});
