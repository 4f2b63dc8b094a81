import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig, SCOPED_TOKENS, scopedAuthYaml, scopedTokenOptions } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitFor } from '../support/wait';

/**
 * Heartbeats in the local runtime, over HTTP: a heartbeat that gets no ping fires HeartbeatMissing
 * through the route like any alert, a ping resolves it, a Watchdog alert counts as a ping, and the
 * signed ping URL works without a header. The checks tick runs every second here.
 */
const { ingest: INGEST_ONLY, read: READ_ONLY } = SCOPED_TOKENS;

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
afterEach(async () => {
  await rt?.close();
  await hook?.close();
  rt = undefined;
  hook = undefined;
});

interface HookBody {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

async function start(): Promise<{ rt: LocalRuntime; hook: StandIn; notified: () => Array<{ status: string; heartbeat: string }> }> {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `${scopedAuthYaml('cron')}heartbeats:
  - name: backup
    every: 2s
    labels: { severity: critical }
  - name: watchdog
    every: 1h
    matchers: ['alertname="Watchdog"']
route:
  receiver: team
  group_by: [alertname, heartbeat]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team', send_resolved: true }]
`,
    scopedTokenOptions,
  );
  const h = hook;
  return {
    rt,
    hook: h,
    notified: () =>
      h.received
        .map((r) => r.json() as HookBody)
        .filter((b) => b.alerts.some((a) => a.labels.alertname === 'HeartbeatMissing'))
        .map((b) => ({ status: b.status, heartbeat: b.alerts[0]!.labels.heartbeat! })),
  };
}

const until = (what: string, cond: () => boolean, timeoutMs = 10_000): Promise<boolean> => waitFor(what, cond, (ok) => ok, { timeoutMs });

describe('heartbeats (local runtime)', () => {
  it('fires HeartbeatMissing when pings stop, resolves on the next ping, and fires again when they stop again', async () => {
    const { rt, notified } = await start();
    // Pinged within its period: nothing fires.
    for (let i = 0; i < 3; i++) {
      const res = await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/heartbeats/backup');
      expect(res).toEqual({ status: 202, body: { status: 'accepted', heartbeat: 'backup' } });
      await new Promise((r) => setTimeout(r, 700));
    }
    expect(notified()).toEqual([]);
    // Silent for longer than 2 s: missing.
    await until('the missing heartbeat notified', () => notified().length >= 1);
    expect(notified()[0]).toEqual({ status: 'firing', heartbeat: 'backup' });
    const listed = await apiRequest<{ heartbeats: Array<{ name: string; status: string; missing_since: string | null }> }>(rt.url, READ_ONLY, 'GET', '/v1/heartbeats');
    expect(listed.body.heartbeats.find((h) => h.name === 'backup')).toMatchObject({ status: 'missing' });
    // The next ping resolves it.
    await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/heartbeats/backup');
    await until('the resolve notified', () => notified().some((n) => n.status === 'resolved'));
    expect(notified().filter((n) => n.heartbeat === 'backup').map((n) => n.status)).toEqual(['firing', 'resolved']);
    // Silent again: it fires again.
    await until('the second missing spell notified', () => notified().filter((n) => n.status === 'firing').length >= 2);
  }, 30_000);

  it('takes a firing Watchdog alert as a ping, and answers 404 for a name it does not have', async () => {
    const { rt } = await start();
    const watchdog = { labels: { alertname: 'Watchdog' }, annotations: {} };
    expect((await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', { alerts: [watchdog] })).status).toBe(202);
    const watchdogState = async () =>
      (await apiRequest<{ heartbeats: Array<{ name: string; pings: number; last_ping_at: string | null }> }>(rt.url, READ_ONLY, 'GET', '/v1/heartbeats')).body.heartbeats.find((h) => h.name === 'watchdog')!;
    let seen = await watchdogState();
    const end = Date.now() + 10_000;
    while (seen.pings === 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await watchdogState();
    }
    // Only a ping counts (the tick that starts the wait does not): here, the Watchdog alert's.
    expect(seen.pings).toBe(1);
    expect(seen.last_ping_at).not.toBeNull();
    // A resolved Watchdog is no ping.
    expect((await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', { alerts: [{ ...watchdog, status: 'resolved' }] })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await watchdogState()).pings).toBe(1);
    const unknown = await apiRequest<{ error: string; message: string }>(rt.url, INGEST_ONLY, 'POST', '/v1/heartbeats/nightly');
    expect(unknown).toEqual({ status: 404, body: { error: 'not_found', message: 'no heartbeat named "nightly" in the config' } });
  }, 20_000);

  it('pings by its signed URL without a header (GET or POST), refuses a wrong key, and keeps pinging to scope ingest', async () => {
    const { rt } = await start();
    const urlFor = async (token: string) => (await apiRequest<{ heartbeats: Array<{ name: string; ping_url: string | null }> }>(rt.url, token, 'GET', '/v1/heartbeats')).body.heartbeats.find((h) => h.name === 'backup')!.ping_url;
    // The URL pings without a token: only a caller that may ping (scope ingest) is shown it.
    expect(await urlFor(READ_ONLY)).toBeNull();
    const url = (await urlFor(SCOPED_TOKENS.admin))!;
    // They are credentials: not kept in a browser's cache.
    const cacheControl = async (token: string) => (await fetch(`${rt.url}/v1/heartbeats`, { headers: { authorization: `Bearer ${token}` } })).headers.get('cache-control');
    expect(await cacheControl(SCOPED_TOKENS.admin)).toBe('no-store');
    expect(await cacheControl(READ_ONLY)).toBe('private, no-cache');
    expect(url).toMatch(new RegExp(`^${rt.url}/v1/heartbeats/backup/[A-Za-z0-9_-]{43}$`));
    const pings = async () => (await apiRequest<{ heartbeats: Array<{ name: string; pings: number }> }>(rt.url, READ_ONLY, 'GET', '/v1/heartbeats')).body.heartbeats.find((h) => h.name === 'backup')!.pings;
    const recorded = async (n: number) => {
      const end = Date.now() + 10_000;
      while ((await pings()) < n && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(await pings()).toBe(n);
    };
    expect((await fetch(url)).status).toBe(202);
    await recorded(1);
    expect((await fetch(url, { method: 'POST' })).status).toBe(202);
    await recorded(2);
    // Another heartbeat's name under the same key, a changed key: 404, as for an unknown name.
    expect((await fetch(url.replace('/backup/', '/watchdog/'))).status).toBe(404);
    expect((await fetch(`${url.slice(0, -1)}${url.endsWith('A') ? 'B' : 'A'}`)).status).toBe(404);
    // A read-only token cannot ping; no token at all is a 401.
    expect((await apiRequest(rt.url, READ_ONLY, 'POST', '/v1/heartbeats/backup')).status).toBe(403);
    expect((await fetch(`${rt.url}/v1/heartbeats/backup`, { method: 'POST' })).status).toBe(401);
  }, 20_000);
});
