import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/** Alert and group state (/v1/alerts, /v1/groups) through the local runtime over HTTP. */
const TOKEN = 'e2e-state-token';

let rt: LocalRuntime;
let hook: StandIn;

type Json = Record<string, unknown>;

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => apiRequest<Json>(rt.url, TOKEN, method, path, body, headers);

beforeAll(async () => {
  hook = await startStandIn();
  // The `rejecting` receiver's endpoint refuses every notification (a permanent failure).
  hook.respond = (req) => (req.path === '/reject' ? { status: 400, body: 'invalid_payload' } : { status: 200, body: 'ok' });
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1h
  routes:
    - matchers: ['alertname="Rejected"']
      receiver: rejecting
receivers:
  - name: team
    webhook_configs:
      - url: ${hook.url}/hook
  - name: rejecting
    webhook_configs:
      - url: ${hook.url}/reject
`,
    { token: TOKEN },
  );
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('alert and group state, end to end', () => {
  it('shows a silenced alert with the silence that mutes it, and lists its group', async () => {
    expect((await api('POST', '/v1/alerts', { labels: { alertname: 'DiskFull', instance: 'db-1' } })).status).toBe(202);
    const stored = await vi.waitFor(
      async () => {
        const found = ((await api('GET', '/v1/alerts')).body.alerts as Json[]).find((a) => (a.labels as Json).alertname === 'DiskFull');
        if (!found) throw new Error('the alert is not stored yet');
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(stored).toMatchObject({ status: 'firing', state: 'firing', silenced_by: [], inhibited_by: [], flapping: false });

    const silence = await api('POST', '/v1/silences', {
      matchers: ['alertname="DiskFull"'],
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      created_by: 'alice',
      comment: 'replacing the disk',
    });
    expect(silence.status).toBe(201);

    const silenced = await api('GET', '/v1/alerts?state=silenced');
    expect(silenced.status).toBe(200);
    expect(silenced.body.alerts).toEqual([expect.objectContaining({ id: stored.id, state: 'silenced', silenced_by: [silence.body.id] })]);
    const one = await api('GET', `/v1/alerts/${stored.id as string}`);
    expect(one.body).toMatchObject({ id: stored.id, state: 'silenced', silenced_by: [silence.body.id] });
    expect(((await api('GET', '/v1/alerts?receiver=team')).body.alerts as Json[]).map((a) => a.id)).toContain(stored.id);
    expect((await api('GET', '/v1/alerts?receiver=nobody')).body.alerts).toEqual([]);

    const groups = await api('GET', '/v1/groups');
    expect(groups.status).toBe(200);
    const [ref] = stored.groups as Array<{ id: string }>;
    expect(groups.body.groups).toEqual([
      expect.objectContaining({ id: ref!.id, key: '{}:{alertname="DiskFull"}', labels: { alertname: 'DiskFull' }, receiver: 'team', alerts: { firing: 1, resolved: 0 } }),
    ]);
  });

  it('shows a notification that failed for good as failed, in the group and in the alert state', async () => {
    expect((await api('POST', '/v1/alerts', { labels: { alertname: 'Rejected' } })).status).toBe(202);
    const group = await vi.waitFor(
      async () => {
        const found = ((await api('GET', '/v1/groups')).body.groups as Json[]).find((g) => (g.labels as Json).alertname === 'Rejected');
        if ((found?.notifications as Json[] | undefined)?.[0]?.status !== 'failed') throw new Error('the failure is not recorded yet');
        return found!;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(group).toMatchObject({ receiver: 'rejecting', last_notified_at: null, notifications: [{ channel: 'webhook[0]', status: 'failed', firing: 1, resolved: 0 }] });
    // The group tries again at its next group_interval flush.
    expect(Date.parse(group.next_flush_at as string)).toBeGreaterThan(Date.now());
    const alerts = (await api('GET', '/v1/alerts?state=failed')).body.alerts as Json[];
    expect(alerts.map((a) => (a.labels as Json).alertname)).toEqual(['Rejected']);
  });

  it('400 for an unknown state, 401 without a token', async () => {
    const bad = await api('GET', '/v1/alerts?state=muted');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/state must be one or more of firing, resolved, silenced, inhibited, throttled, cooldown/);
    expect((await api('GET', '/v1/groups', undefined, { authorization: '' })).status).toBe(401);
  });
});
