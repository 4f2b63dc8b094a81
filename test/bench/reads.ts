/**
 * Read API benchmark: `npx tsx test/bench/reads.ts` (also `npm run bench:reads`). Starts the local
 * runtime (its default SQLite store, in memory), stores 100,000 alerts in 2,000 groups of 50 and 10,000 silences,
 * then times GET /v1/alerts?limit=100, the same with a filter, one alert by id, /v1/groups and /v1/silences over its
 * HTTP API, one request at a time, and prints p50/p99 per request and the response sizes.
 *
 * The state is seeded straight into the store (GroupStore.put, SilenceStore.create,
 * InhibitionSourceStore.put: the items the router and the API would write), not through ingest and
 * the router, which would take minutes and measure something else. It prints; it asserts nothing.
 * Loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../shared/labels/fingerprint';
import { groupIdOf } from '../../shared/dispatch/dispatch';
import { silentLogger } from '../../shared/log';
import { startLocalRuntime } from '../../shared/local/runtime';
import { LOCAL_HANDLERS } from '../../bin/local-handlers';
import { groupKeyFor, groupLabelsFor, matchRoutes } from '../../shared/routing/route-tree';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { loadConfigFile } from '../../shared/config/loader';
import type { Silence } from '../../shared/silences/model';
import type { GroupAlert, GroupState } from '../../shared/grouping/model';
import { inhibitPartition } from '../../shared/store/noise';
import { percentile } from './format';

const GROUPS = 2_000;
const PER_GROUP = 50;
/** Silences: most stored ones have ended (they are kept 5 days), some run now, a few start later. */
const SILENCES = { expired: 9_000, active: 900, pending: 100 };
/** Timed requests per line (READS_REQUESTS overrides, for a quick look). */
const REQUESTS = Number(process.env.READS_REQUESTS ?? 200);
const WARMUP = 10;
const TOKEN = 'bench-reads-token';
const CONFIG = `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 1h
receivers:
  - name: team
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
auth:
  tokens: [{ name: bench, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [read] }]
`;

const started = performance.now();
const progress = (line: string) => process.stderr.write(`[reads ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

/** Run `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-reads-'));
  const configPath = join(dir, 'alertflow.yaml');
  writeFileSync(configPath, CONFIG);
  const config = compileConfig(loadConfigFile(configPath));
  const rt = await startLocalRuntime({ handlers: LOCAL_HANDLERS, port: 0, configPath, dataDir: null, token: TOKEN, env: {}, log: silentLogger });
  try {
    const now = Date.now();
    const { groups, silences, inhibitions } = rt.ports.stores;

    progress(`seeding ${GROUPS * PER_GROUP} alerts in ${GROUPS} groups`);
    const states: GroupState[] = [];
    const sources: GroupAlert[] = [];
    for (let g = 0; g < GROUPS; g++) {
      const alerts: GroupAlert[] = [];
      for (let i = 0; i < PER_GROUP; i++) {
        const labels = { alertname: `Alert${String(g).padStart(4, '0')}`, instance: `host-${i}`, cluster: `c${(g + i) % 10}`, severity: i % 10 === 0 ? 'critical' : 'warning' };
        const a: GroupAlert = { fingerprint: fingerprint(labels), status: 'firing', labels, annotations: { summary: `${labels.alertname} on ${labels.instance}` }, startsAt: new Date(now - (g * PER_GROUP + i) * 1000).toISOString(), source: 'generic' };
        alerts.push(a);
        if (labels.severity === 'critical') sources.push(a);
      }
      const route = matchRoutes(config.routeTree, alerts[0]!.labels)[0]!;
      const key = groupKeyFor(route, alerts[0]!.labels);
      states.push({
        groupId: groupIdOf(route, key),
        routeId: route.id,
        receiver: route.receiver,
        groupKey: key,
        groupLabels: groupLabelsFor(route, alerts[0]!.labels),
        alerts: Object.fromEntries(alerts.map((a) => [a.fingerprint, a])),
        version: 1,
        updatedAt: new Date(now).toISOString(),
        expiresAt: Math.floor(now / 1000) + 86_400,
        firstFlushAt: now + 3_600_000,
        flushSeq: 0,
        nflog: {},
        flaps: {},
        lastWrite: { ids: [] },
      });
    }
    await pool(states, 16, (s) => groups.put(s));
    progress(`seeding ${sources.length} inhibition sources (the router indexes firing sources)`);
    const rule = config.inhibitRules[0]!;
    await pool(sources, 32, (a) => inhibitions.put(inhibitPartition(rule, a.labels), a, new Date(now)));

    const total = SILENCES.expired + SILENCES.active + SILENCES.pending;
    progress(`seeding ${total} silences (${SILENCES.active} active, ${SILENCES.pending} pending, ${SILENCES.expired} expired)`);
    const list: Silence[] = [];
    for (let i = 0; i < total; i++) {
      const kind = i < SILENCES.active ? 'active' : i < SILENCES.active + SILENCES.pending ? 'pending' : 'expired';
      const start = kind === 'pending' ? now + 3_600_000 : kind === 'active' ? now - 60_000 : now - 4 * 86_400_000;
      const end = kind === 'expired' ? now - (i % 3000) * 60_000 - 60_000 : start + 2 * 3_600_000 + i * 1000;
      list.push({
        id: `silence-${i}`,
        // Active ones each mute one instance of one alert name; the rest look alike.
        matchers: [
          { name: 'alertname', value: `Alert${String(i % GROUPS).padStart(4, '0')}`, isRegex: false, isEqual: true },
          { name: 'instance', value: `host-${i % PER_GROUP}`, isRegex: false, isEqual: true },
        ],
        starts_at: new Date(start).toISOString(),
        ends_at: new Date(end).toISOString(),
        created_by: 'bench',
        comment: 'maintenance window',
        updated_at: new Date(start).toISOString(),
      });
    }
    await pool(list, 32, (s) => silences.create(s));

    const requests: Array<[label: string, path: string]> = [
      ['GET /v1/alerts?limit=100', '/v1/alerts?limit=100'],
      ['GET /v1/alerts?limit=100&filter=severity="critical"', `/v1/alerts?limit=100&filter=${encodeURIComponent('severity="critical"')}`],
      ['GET /v1/alerts/{id}', `/v1/alerts/${sources[sources.length >> 1]!.fingerprint}`],
      ['GET /v1/groups', '/v1/groups'],
      ['GET /v1/silences', '/v1/silences'],
      ['GET /v1/silences?state=expired', '/v1/silences?state=expired'],
    ];
    const rows: string[] = [];
    for (const [label, path] of requests) {
      progress(`timing ${label}`);
      const times: number[] = [];
      let bytes = 0;
      let items = 0;
      for (let i = 0; i < WARMUP + REQUESTS; i++) {
        const t0 = performance.now();
        const res = await fetch(`${rt.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = await res.text();
        const ms = performance.now() - t0;
        if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status} ${body.slice(0, 200)}`);
        if (i >= WARMUP) times.push(ms);
        bytes = body.length;
        const parsed = JSON.parse(body) as Record<string, unknown[]>;
        items = (parsed.alerts ?? parsed.groups ?? parsed.silences)!.length;
      }
      times.sort((a, b) => a - b);
      const cols = [50, 90, 99].map((p) => percentile(times, p)!.toFixed(1).padStart(7));
      rows.push(`${label.padEnd(56)} ${cols.join(' ')} ${times.at(-1)!.toFixed(1).padStart(7)} ${String(items).padStart(6)} ${(bytes / 1024).toFixed(0).padStart(7)}`);
    }

    // A filter on a group label that only a few groups match: how many requests (each bounded)
    // walking the cursor takes to list them all.
    progress('walking a narrow filter to its end');
    const narrow = `/v1/alerts?limit=100&filter=${encodeURIComponent('alertname="Alert1500"')}`;
    let cursor: string | null = null;
    let pages = 0;
    let found = 0;
    const t0 = performance.now();
    do {
      const res = await fetch(`${rt.url}${narrow}${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { alerts: unknown[]; next_cursor: string | null };
      found += body.alerts.length;
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    const walkMs = performance.now() - t0;

    const rss = process.memoryUsage().rss / 1024 / 1024;
    console.log(`alertflow read API, local runtime (SQLite store, in memory), node ${process.version}`);
    console.log(`stored: ${GROUPS * PER_GROUP} alerts in ${GROUPS} groups, ${total} silences (${SILENCES.active} active, ${SILENCES.pending} pending, ${SILENCES.expired} expired), ${sources.length} inhibition sources`);
    console.log(`seeded through the store classes in ${((performance.now() - started) / 1000).toFixed(0)} s; ${REQUESTS} sequential requests each after ${WARMUP} warm-up\n`);
    console.log(`${'request'.padEnd(56)} ${['p50 ms', 'p90 ms', 'p99 ms', 'max ms'].map((h) => h.padStart(7)).join(' ')} ${'items'.padStart(6)} ${'KB'.padStart(7)}`);
    for (const row of rows) console.log(row);
    console.log(`\nfilter alertname="Alert1500" (1 group of ${PER_GROUP}), walked with next_cursor: ${found} alerts in ${pages} requests, ${walkMs.toFixed(0)} ms in all`);
    console.log(`process RSS at the end: ${rss.toFixed(0)} MB`);
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
