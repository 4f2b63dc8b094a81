import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime, LocalStore } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig, SCOPED_TOKENS, scopedAuthYaml, scopedTokenOptions } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitForValue } from '../support/wait';

/**
 * Alert history in the local runtime, over HTTP: alerts resolved through POST /v1/alerts are kept
 * once each when the flush that tells of their resolve drops them from their group, and GET
 * /v1/history lists them newest first, filtered by labels, paged, and narrowed by time; with
 * `kind=incidents` it lists the incidents that started in the range.
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

interface HookBody {
  status: string;
  group: { key: string; labels: Record<string, string> };
  alerts: Array<{ status: string; labels: Record<string, string>; starts_at: string }>;
}

interface HistoryAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: string;
  resolved_at: string;
  duration_s: number;
  receiver: string;
  group_id: string;
  group_key: string;
}

interface HistoryIncident {
  id: string;
  state: string;
  group_labels: Record<string, string>;
  started_at: string;
  resolved_at: string | null;
}

interface HistoryBody {
  kind: string;
  from: string;
  to: string;
  alerts?: HistoryAlert[];
  incidents?: HistoryIncident[];
  next_cursor: string | null;
}

async function start(store: LocalStore = 'sqlite'): Promise<{ rt: LocalRuntime; hook: StandIn; notified: () => HookBody[] }> {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `${scopedAuthYaml('sender')}retention: 2d
escalation_policies:
  - name: critical
    steps:
      - notify: [team]
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['severity="critical"']
      escalation_policy: critical
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team', send_resolved: true }]
`,
    { ...scopedTokenOptions, store },
  );
  const h = hook;
  return { rt, hook: h, notified: () => h.received.map((r) => r.json() as HookBody) };
}

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 8_000): Promise<T> => waitForValue(what, probe, timeoutMs);

/** GET /v1/history with these query parameters (a list value is a repeated parameter), as the read-only token. */
async function history(r: LocalRuntime, params: Array<[string, string]> = [], token = READ_ONLY) {
  const query = new URLSearchParams(params).toString();
  return apiRequest<HistoryBody & { error?: string; message?: string }>(r.url, token, 'GET', `/v1/history${query ? `?${query}` : ''}`);
}

async function post(r: LocalRuntime, alerts: unknown[]): Promise<void> {
  const res = await apiRequest(r.url, INGEST_ONLY, 'POST', '/v1/alerts', { alerts });
  expect(res.status).toBe(202);
}

describe('alert history (local runtime)', () => {
  it.each(['sqlite', 'dynalite'] as const)('lists each resolved alert once, newest first, with its first start; filters, pages and narrows by time (%s store)', async (store) => {
    const { rt, notified } = await start(store);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const twoHoursAgo = new Date(Date.now() - 7_200_000).toISOString();
    const a = { labels: { alertname: 'DiskFull', host: 'a' } };
    const b = { labels: { alertname: 'DiskFull', host: 'b' } };
    const c = { labels: { alertname: 'CpuHigh', host: 'a' } };
    const d = { labels: { alertname: 'MemHigh', host: 'c' } };
    await post(rt, [
      { ...a, starts_at: hourAgo },
      b,
      c,
      { ...d, starts_at: twoHoursAgo },
    ]);
    // One firing notification per group (alertname); B and C start when they came in.
    const firing = await until('the three firing notifications', () => {
      const got = notified().filter((n) => n.status === 'firing');
      return got.length >= 3 ? got : undefined;
    });
    const firstStart = (labels: Record<string, string>) => firing.flatMap((n) => n.alerts).find((x) => x.labels.host === labels.host && x.labels.alertname === labels.alertname)!.starts_at;
    expect(firstStart(a.labels)).toBe(hourAgo);
    expect(firstStart(d.labels)).toBe(twoHoursAgo);
    expect((await history(rt)).body.alerts).toEqual([]);

    // Resolved one at a time (no starts_at: the resolve's own start is now), each kept when its flush drops it.
    const windows: Array<{ before: number; after: number }> = [];
    for (const [n, x] of [a, c, b, d].entries()) {
      const before = Date.now();
      await post(rt, [{ ...x, status: 'resolved' }]);
      await until(`resolve ${n + 1} in the history`, async () => ((await history(rt)).body.alerts!.length === n + 1 ? true : undefined));
      windows.push({ before, after: Date.now() });
    }
    // Each group was told of its resolve (send_resolved). The history entry is written by the flush
    // that sends it, so the notification itself may still be on its way.
    for (const name of ['DiskFull', 'CpuHigh', 'MemHigh']) {
      await until(`${name}'s resolve notified`, () => (notified().filter((n) => n.group.labels.alertname === name).at(-1)?.status === 'resolved' ? true : undefined));
    }

    const all = await history(rt);
    expect(all.status).toBe(200);
    const listed = all.body.alerts!;
    expect(listed.map((x) => x.labels)).toEqual([d.labels, b.labels, c.labels, a.labels]);
    const resolveWindow = [windows[3]!, windows[2]!, windows[1]!, windows[0]!];
    for (const [i, x] of listed.entries()) {
      const labels = x.labels;
      expect(x).toEqual({
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        labels,
        annotations: {},
        // The first start, not the resolve's.
        starts_at: firstStart(labels),
        resolved_at: x.resolved_at,
        duration_s: Math.round((Date.parse(x.resolved_at) - Date.parse(firstStart(labels))) / 1000),
        receiver: 'team',
        group_id: expect.any(String),
        group_key: `{}:{alertname="${labels.alertname}"}`,
      });
      expect(Date.parse(x.resolved_at)).toBeGreaterThanOrEqual(resolveWindow[i]!.before);
      expect(Date.parse(x.resolved_at)).toBeLessThanOrEqual(resolveWindow[i]!.after);
    }
    expect(new Set(listed.map((x) => x.fingerprint)).size).toBe(4);
    expect(listed[3]!.duration_s).toBeGreaterThanOrEqual(3600);
    expect(listed[0]!.duration_s).toBeGreaterThanOrEqual(7200);
    // The two DiskFull alerts are of one group.
    expect(listed[1]!.group_id).toBe(listed[3]!.group_id);
    expect(all.body).toMatchObject({ kind: 'alerts', next_cursor: null });
    expect(Date.parse(all.body.to) - Date.parse(all.body.from)).toBe(86_400_000);

    // Once each: a later flush records nothing more.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await history(rt)).body.alerts).toEqual(listed);

    const labelsOf = async (params: Array<[string, string]>) => (await history(rt, params)).body.alerts!.map((x) => x.labels);
    expect(await labelsOf([['filter', 'alertname="DiskFull"']])).toEqual([b.labels, a.labels]);
    expect(await labelsOf([['filter', '{alertname="DiskFull"}']])).toEqual([b.labels, a.labels]);
    expect(await labelsOf([['filter', 'alertname="DiskFull"'], ['filter', 'host="a"']])).toEqual([a.labels]);
    expect(await labelsOf([['filter', 'alertname=~"Cpu.*|Mem.*"']])).toEqual([d.labels, c.labels]);
    expect(await labelsOf([['filter', 'alertname="NoSuch"']])).toEqual([]);

    // limit=1 and the cursor: every entry once, in order.
    const paged: HistoryAlert[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: HistoryBody } = await history(rt, [['limit', '1'], ...(cursor ? [['cursor', cursor] as [string, string]] : [])]);
      expect(page.status).toBe(200);
      expect(page.body.alerts!.length).toBeLessThanOrEqual(1);
      paged.push(...page.body.alerts!);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(paged).toEqual(listed);
    expect(pages).toBeLessThanOrEqual(5);
    // A filter holds across pages.
    const first = await history(rt, [['limit', '1'], ['filter', 'alertname="DiskFull"']]);
    expect(first.body.alerts!.map((x) => x.labels)).toEqual([b.labels]);
    const second = await history(rt, [['limit', '1'], ['filter', 'alertname="DiskFull"'], ['cursor', first.body.next_cursor!]]);
    expect(second.body.alerts!.map((x) => x.labels)).toEqual([a.labels]);

    // By time: from inclusive, to exclusive, on the resolve times themselves and around them.
    const [rD, rB, rC, rA] = listed.map((x) => x.resolved_at);
    expect(await labelsOf([['from', rC!], ['to', rD!]])).toEqual([b.labels, c.labels]);
    expect(await labelsOf([['from', rB!], ['to', rD!]])).toEqual([b.labels]);
    expect(await labelsOf([['from', new Date(windows[1]!.before).toISOString()], ['to', new Date(windows[2]!.after).toISOString()]])).toEqual([b.labels, c.labels]);
    expect(await labelsOf([['from', rA!], ['to', new Date(Date.parse(rA!) + 1).toISOString()]])).toEqual([a.labels]);
    expect(await labelsOf([['to', rA!]])).toEqual([]);
    expect(await labelsOf([['from', new Date(Date.parse(rD!) + 1).toISOString()]])).toEqual([]);
    // An offset is a time like any other.
    const plusTwo = (iso: string) => new Date(Date.parse(iso) + 7_200_000).toISOString().replace('Z', '+02:00');
    expect(await labelsOf([['from', plusTwo(rC!)], ['to', plusTwo(rD!)], ['filter', 'host="b"']])).toEqual([b.labels]);
    // A from older than the retention (2d) is no error: nothing older is kept, and the range says what was asked.
    const wide = await history(rt, [['from', '2020-01-01T00:00:00Z']]);
    expect(wide.body).toMatchObject({ from: '2020-01-01T00:00:00.000Z', next_cursor: null });
    expect(wide.body.alerts).toEqual(listed);
  }, 20_000);

  it('refuses a bad from, to, kind, limit or cursor with a 400 naming it, and asks for a read token', async () => {
    const { rt } = await start();
    const bad = async (params: Array<[string, string]>, path: string, message: RegExp) => {
      const res = await history(rt, params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(message) });
      expect((res.body as { details?: Array<{ path: string }> }).details?.map((x) => x.path)).toEqual([path]);
    };
    await bad([['from', 'yesterday']], 'from', /^from must be an RFC 3339 time/);
    await bad([['from', '2026-12-01']], 'from', /^from must be an RFC 3339 time/);
    await bad([['to', '2026-12-01T00:00:00']], 'to', /^to must be an RFC 3339 time/);
    await bad([['from', '2026-12-02T00:00:00Z'], ['to', '2026-12-01T00:00:00Z']], 'from', /^from must be before to/);
    await bad([['from', '2026-12-01T00:00:00Z'], ['to', '2026-12-01T00:00:00Z']], 'from', /^from must be before to/);
    await bad([['kind', 'silences']], 'kind', /^kind must be alerts or incidents/);
    await bad([['limit', '0']], 'limit', /^limit must be a whole number/);
    await bad([['limit', 'ten']], 'limit', /^limit must be a whole number/);
    await bad([['limit', '1001']], 'limit', /^limit must be a whole number/);
    await bad([['cursor', 'not-a-cursor']], 'cursor', /^invalid cursor/);
    await bad([['filter', 'alertname']], 'filter', /^invalid filter/);

    expect((await history(rt, [], READ_ONLY)).status).toBe(200);
    expect((await history(rt, [['kind', 'incidents']], READ_ONLY)).status).toBe(200);
    expect((await history(rt, [], ADMIN)).status).toBe(200);
    expect((await history(rt, [], INGEST_ONLY)).status).toBe(403);
    expect((await history(rt, [], 'wrong-token')).status).toBe(401);
    expect((await fetch(`${rt.url}/v1/history`)).status).toBe(401);
  }, 20_000);

  it('lists incidents that started in the range with kind=incidents, open then resolved, filterable by group labels', async () => {
    const { rt } = await start();
    const before = Date.now();
    await post(rt, [{ labels: { alertname: 'DbDown', severity: 'critical' } }]);
    await until('the DbDown incident', async () => ((await history(rt, [['kind', 'incidents']])).body.incidents!.length === 1 ? true : undefined));
    const between = Date.now();
    await post(rt, [{ labels: { alertname: 'ApiDown', severity: 'critical' } }]);
    await until('the ApiDown incident', async () => ((await history(rt, [['kind', 'incidents']])).body.incidents!.length === 2 ? true : undefined));
    await post(rt, [{ labels: { alertname: 'DbDown', severity: 'critical' }, status: 'resolved' }]);
    const listed = await until('the DbDown incident resolved', async () => {
      const res = await history(rt, [['kind', 'incidents']]);
      return res.body.incidents!.some((i) => i.state === 'resolved') ? res.body : undefined;
    });
    const after = Date.now();
    expect(listed).toMatchObject({ kind: 'incidents', next_cursor: null });
    // Open ones first, then resolved ones, each newest first.
    expect(listed.incidents!.map((i) => [i.group_labels, i.state])).toEqual([
      [{ alertname: 'ApiDown' }, 'triggered'],
      [{ alertname: 'DbDown' }, 'resolved'],
    ]);
    const [api, db] = listed.incidents!;
    expect(Date.parse(db!.started_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(db!.started_at)).toBeLessThanOrEqual(between);
    expect(Date.parse(db!.resolved_at!)).toBeGreaterThanOrEqual(Date.parse(api!.started_at));
    expect(Date.parse(db!.resolved_at!)).toBeLessThanOrEqual(after);
    expect(api!.resolved_at).toBeNull();

    const ids = async (params: Array<[string, string]>) => (await history(rt, [['kind', 'incidents'], ...params])).body.incidents!.map((i) => i.id);
    expect(await ids([['filter', 'alertname="DbDown"']])).toEqual([db!.id]);
    expect(await ids([['filter', 'alertname=~"Api.*"']])).toEqual([api!.id]);
    // Group labels only: severity is not one (the route groups by alertname).
    expect(await ids([['filter', 'severity="critical"']])).toEqual([]);
    // By start time: from inclusive, to exclusive.
    expect(await ids([['from', new Date(before).toISOString()], ['to', new Date(after).toISOString()]])).toEqual([api!.id, db!.id]);
    expect(await ids([['from', db!.started_at], ['to', api!.started_at]])).toEqual([db!.id]);
    expect(await ids([['from', api!.started_at]])).toEqual([api!.id]);
    expect(await ids([['to', db!.started_at]])).toEqual([]);
    // Paged one at a time, across the open and resolved ones.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: HistoryBody } = await history(rt, [['kind', 'incidents'], ['limit', '1'], ...(cursor ? [['cursor', cursor] as [string, string]] : [])]);
      expect(page.status).toBe(200);
      paged.push(...page.body.incidents!.map((i) => i.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null && paged.length < 10);
    expect(paged).toEqual([api!.id, db!.id]);

    // The resolved alert is in the alert history too.
    const alerts = await until('the DbDown alert in the history', async () => {
      const res = await history(rt);
      return res.body.alerts!.length > 0 ? res.body.alerts : undefined;
    });
    expect(alerts.map((x) => x.labels)).toEqual([{ alertname: 'DbDown', severity: 'critical' }]);
  }, 20_000);
});
