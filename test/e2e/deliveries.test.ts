import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime, LocalStore } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig, SCOPED_TOKENS, scopedAuthYaml, scopedTokenOptions } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitForValue } from '../support/wait';

/**
 * The delivery log in the local runtime, over HTTP: a receiver that refuses a notification (400)
 * leaves a `failed` record that GET /v1/deliveries?status=failed lists with its error; once the
 * receiver is fixed, POST /v1/deliveries/{id}/retry sends the same notification again and the
 * record becomes `delivered`. Scopes: `read` lists, `manage` retries.
 */
const { admin: ADMIN, ingest: INGEST_ONLY, read: READ_ONLY } = SCOPED_TOKENS;

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
afterEach(async () => {
  await rt?.close();
  await hook?.close();
  rt = undefined;
  hook = undefined;
});

interface Delivery {
  id: string;
  status: string;
  receiver: string;
  channel: string;
  target: string;
  created_at: string;
  group_key: string | null;
  group_id: string | null;
  alerts: number | null;
  attempts: number;
  last_outcome: string | null;
  last_status: number | null;
  last_error: string | null;
  latency_ms: number | null;
  retryable: boolean;
  history: Array<{ attempt: number; outcome: string; status: number | null; error: string | null }>;
}

interface Listing {
  since: string;
  until: string;
  deliveries: Delivery[];
  next_cursor: string | null;
}

async function start(store: LocalStore): Promise<{ rt: LocalRuntime; hook: StandIn }> {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `${scopedAuthYaml('sender')}route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1h
  routes:
    - matchers: ['team="ops"']
      receiver: ops
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team?token=hunter2' }]
  - name: ops
    webhook_configs: [{ url: '${hook.url}/ops' }]
`,
    { ...scopedTokenOptions, store },
  );
  return { rt, hook };
}

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 8_000): Promise<T> => waitForValue(what, probe, timeoutMs);

async function deliveries(r: LocalRuntime, query = '', token = READ_ONLY) {
  return apiRequest<Listing & { error?: string; message?: string }>(r.url, token, 'GET', `/v1/deliveries${query ? `?${query}` : ''}`);
}

describe('delivery log (local runtime)', () => {
  it.each(['sqlite', 'dynalite'] as const)('lists a refused notification as failed with its error, retries it once the receiver is fixed, and filters by status and receiver (%s store)', async (store) => {
    const { rt, hook } = await start(store);
    // The team receiver refuses everything until it is fixed; ops takes everything.
    let fixed = false;
    hook.respond = (req) => (req.path.startsWith('/team') && !fixed ? { status: 400, body: 'unknown field "summary"' } : { status: 200, body: 'ok' });
    const posted = await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', {
      alerts: [{ labels: { alertname: 'DiskFull', host: 'a' } }, { labels: { alertname: 'DiskFull', host: 'b' } }, { labels: { alertname: 'CpuHigh', team: 'ops' } }],
    });
    expect(posted.status).toBe(202);

    const failed = await until('the failed delivery in the log', async () => {
      const res = await deliveries(rt, 'status=failed');
      return res.body.deliveries?.length === 1 ? res.body.deliveries[0] : undefined;
    });
    expect(failed).toMatchObject({ status: 'failed', receiver: 'team', channel: 'webhook[0]', alerts: 2, attempts: 1, last_outcome: 'permanent', last_status: 400, retryable: true });
    expect(failed.group_key).toContain('DiskFull');
    expect(failed.last_error).toContain('400');
    // The receiver's URL carries a secret: the log never shows it.
    expect(JSON.stringify(failed)).not.toContain('hunter2');

    // Both deliveries are in the log; filters narrow it.
    const all = await until('both deliveries settled', async () => {
      const res = await deliveries(rt);
      return res.body.deliveries?.length === 2 && res.body.deliveries.every((d) => d.status !== 'in_progress') ? res.body : undefined;
    });
    expect(all.deliveries.map((d) => [d.receiver, d.status]).sort()).toEqual([
      ['ops', 'delivered'],
      ['team', 'failed'],
    ]);
    expect(all.next_cursor).toBeNull();
    expect((await deliveries(rt, 'receiver=ops')).body.deliveries.map((d) => d.status)).toEqual(['delivered']);
    expect((await deliveries(rt, 'status=delivered&receiver=team')).body.deliveries).toEqual([]);
    expect((await deliveries(rt, 'channel=webhook&limit=1')).body.next_cursor).not.toBeNull();
    const byGroup = await deliveries(rt, `group=${encodeURIComponent(all.deliveries.find((d) => d.receiver === 'ops')!.group_id!)}`);
    expect(byGroup.body.deliveries.map((d) => d.receiver)).toEqual(['ops']);
    expect((await apiRequest<Delivery>(rt.url, READ_ONLY, 'GET', `/v1/deliveries/${failed.id}`)).body).toMatchObject({ id: failed.id, status: 'failed' });

    // A read token cannot retry; a delivered one cannot be retried; an unknown one is 404.
    expect((await apiRequest(rt.url, READ_ONLY, 'POST', `/v1/deliveries/${failed.id}/retry`)).status).toBe(403);
    const ok = all.deliveries.find((d) => d.receiver === 'ops')!;
    const refused = await apiRequest<{ error: string; message: string }>(rt.url, ADMIN, 'POST', `/v1/deliveries/${ok.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('delivered');
    expect((await apiRequest(rt.url, ADMIN, 'POST', '/v1/deliveries/no-such-notification/retry')).status).toBe(404);

    // Fixed: the retry sends the same notification again, and the record says delivered.
    fixed = true;
    const before = hook.received.filter((r) => r.path.startsWith('/team')).length;
    const retried = await apiRequest<Delivery & { retried_by: string }>(rt.url, ADMIN, 'POST', `/v1/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'retrying', retried_by: 'admin' });
    const delivered = await until('the retried delivery delivered', async () => {
      const res = await apiRequest<Delivery>(rt.url, READ_ONLY, 'GET', `/v1/deliveries/${failed.id}`);
      return res.body.status === 'delivered' ? res.body : undefined;
    });
    expect(delivered.history.map((a) => a.outcome)).toEqual(['permanent', 'success']);
    expect(delivered).toMatchObject({ last_error: null, retryable: false, last_status: 200 });
    const teamPosts = hook.received.filter((r) => r.path.startsWith('/team'));
    expect(teamPosts.length).toBe(before + 1);
    const resent = teamPosts.at(-1)!.json() as { alerts: Array<{ labels: Record<string, string> }> };
    expect(resent.alerts.map((a) => a.labels.host).sort()).toEqual(['a', 'b']);
    expect((await deliveries(rt, 'status=failed')).body.deliveries).toEqual([]);
    // Retrying it again is refused: it is delivered now.
    expect((await apiRequest(rt.url, ADMIN, 'POST', `/v1/deliveries/${failed.id}/retry`)).status).toBe(409);
  });

  it('GET /v1/stats: alerts per receiver, the noisiest, and delivery success per channel', async () => {
    const { rt, hook } = await start('sqlite');
    hook.respond = (req) => (req.path.startsWith('/team') ? { status: 400, body: 'no' } : { status: 200, body: 'ok' });
    await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', {
      alerts: [{ labels: { alertname: 'DiskFull', host: 'a' } }, { labels: { alertname: 'DiskFull', host: 'b' } }, { labels: { alertname: 'CpuHigh', team: 'ops' } }],
    });
    type Stats = {
      since: string;
      alerts: { fired: number; by_receiver: Array<{ receiver: string; fired: number }>; by_route: Array<{ route: string; fired: number }> };
      noisiest: Array<{ alertname: string; fired: number }>;
      deliveries: Array<{ channel: string; delivered: number; failed: number; success_rate: number | null }>;
    };
    const stats = await until('both deliveries in the stats', async () => {
      const res = await apiRequest<Stats>(rt.url, READ_ONLY, 'GET', '/v1/stats?since=1h');
      return res.body.deliveries?.[0] && res.body.deliveries[0].delivered + res.body.deliveries[0].failed === 2 ? res.body : undefined;
    });
    expect(stats.alerts.fired).toBe(3);
    expect(stats.alerts.by_receiver).toEqual([
      { receiver: 'team', fired: 2 },
      { receiver: 'ops', fired: 1 },
    ]);
    expect(stats.alerts.by_route.map((r) => r.route)).toEqual(['{}', '{}/{team="ops"}']);
    expect(stats.noisiest[0]).toEqual({ alertname: 'DiskFull', fired: 2 });
    expect(stats.deliveries).toEqual([{ channel: 'webhook', delivered: 1, failed: 1, pending: 0, success_rate: 0.5 }]);
    expect((await apiRequest(rt.url, READ_ONLY, 'GET', '/v1/stats?since=soon')).status).toBe(400);
    expect((await apiRequest(rt.url, INGEST_ONLY, 'GET', '/v1/stats')).status).toBe(403);
  });

  it('refuses bad queries with a 400 that names the parameter', async () => {
    const { rt } = await start('sqlite');
    for (const [query, word] of [
      ['status=lost', 'status'],
      ['channel=carrier-pigeon', 'channel'],
      ['since=yesterday', 'since'],
      ['since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'since'],
      ['until=tomorrow', 'until'],
      ['limit=0', 'limit'],
      ['cursor=abc', 'cursor'],
    ] as const) {
      const res = await deliveries(rt, query);
      expect(res.status, query).toBe(400);
      expect(res.body.message, query).toContain(word);
    }
  });
});
