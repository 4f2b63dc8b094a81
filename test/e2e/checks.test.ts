import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitFor } from '../support/wait';

/**
 * Threshold checks on a Prometheus source, end to end against a real Prometheus (Debian's
 * `prometheus`; .ci/run installs it): a metrics server in this file serves gauges the tests set,
 * Prometheus scrapes it every second, and the local runtime (checks tick every second) queries
 * Prometheus and sends what the checks decide through the route to a webhook stand-in. One
 * Prometheus and one runtime serve the whole file; each test drives its own check or gauge, and
 * assertions pick notifications by alertname.
 */
const ADMIN = 'checks-admin-token';
const READ_ONLY = 'checks-read-token';

/** The gauges the metrics server serves: the config check's and the API-made check's. */
const gauges: Record<string, number> = { test_errors_ratio: 0.2, test_backlog_ratio: 0 };

let metrics: Server | undefined;
let prom: RunningPrometheus | undefined;
let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;

interface HookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface HookBody {
  status: 'firing' | 'resolved';
  group: { labels: Record<string, string> };
  alerts: HookAlert[];
}
/** One notification the stand-in got, with its position among all of them. */
interface Notification extends HookBody {
  index: number;
}

interface CheckView {
  name: string;
  origin: string;
  paused: boolean;
  state: {
    status: string;
    firing: string | null;
    level: string | null;
    last_value: number | null;
    evaluated_at: string | null;
    warning_streak: number;
    critical_streak: number;
    error_streak: number;
    last_error: string | null;
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Poll `probe` until `ok` holds for what it returned; the timeout error shows the last value seen. */
const until = <T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> => waitFor(what, probe, ok, { timeoutMs, everyMs: 100 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Notifications for `alertname` (and `severity`, if given), in the order they arrived. */
function notifications(alertname: string, severity?: string): Notification[] {
  return hook!.received
    .map((r, index) => ({ ...(r.json() as HookBody), index }))
    .filter((n) => n.group.labels.alertname === alertname && (severity === undefined || n.group.labels.severity === severity));
}
const statuses = (ns: Notification[]) => ns.map((n) => n.status);

async function listChecks(): Promise<CheckView[]> {
  const res = await apiRequest<{ checks: CheckView[] }>(rt!.url, READ_ONLY, 'GET', '/v1/checks');
  expect(res.status).toBe(200);
  return res.body.checks;
}
async function checkState(name: string): Promise<CheckView['state'] | undefined> {
  return (await listChecks()).find((c) => c.name === name)?.state;
}

/** The value Prometheus answers for `query` now (undefined: no series). */
async function promValue(query: string): Promise<number | undefined> {
  const res = await fetch(`${prom!.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data?: { result: Array<{ value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${query}: ${JSON.stringify(body)}`);
  const first = body.data?.result[0];
  return first ? Number(first.value[1]) : undefined;
}

/** Set a gauge and wait until Prometheus has scraped the new value (so the next evaluation sees it). */
async function setGauge(name: keyof typeof gauges, value: number): Promise<void> {
  gauges[name] = value;
  await until(`Prometheus to scrape ${name}=${value}`, () => promValue(`max(${name})`), (v) => v === value, 10_000);
}

/** Wait until the runtime has evaluated check `name` at `value` at least `times` times more. */
async function evaluatedAt(name: string, value: number, times = 1): Promise<CheckView['state']> {
  let state = await until(`check ${name} to see ${value}`, () => checkState(name), (s) => s?.last_value === value);
  for (let i = 0; i < times; i++) {
    const before = state!.evaluated_at;
    state = await until(`check ${name} to evaluate again`, () => checkState(name), (s) => s?.evaluated_at !== before && s?.last_value === value, 5_000);
  }
  return state!;
}

// ---------------------------------------------------------------------------------------------
// Prometheus and the metrics server

async function startMetricsServer(): Promise<{ server: Server; target: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const text = Object.entries(gauges)
      .map(([name, value]) => `# HELP ${name} A gauge the test sets.\n# TYPE ${name} gauge\n${name} ${value}\n`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, target: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Prometheus scraping the metrics server every second, ready once its first scrape is in (up == 1). */
function startScrapingPrometheus(target: string): Promise<RunningPrometheus> {
  return startPrometheus(
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: test
    static_configs:
      - targets: ['${target}']
`,
    {
      what: 'a first scrape, up == 1',
      ready: async (url) => {
        if (!(await fetch(`${url}/-/ready`)).ok) return false;
        const up = await fetch(`${url}/api/v1/query?query=up`);
        const body = (await up.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
        return body.data?.result?.[0]?.value[1] === '1';
      },
    },
  );
}

beforeAll(async () => {
  const m = await startMetricsServer();
  metrics = m.server;
  prom = await startScrapingPrometheus(m.target);
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `auth:
  tokens:
    - { name: admin, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest, read, manage] }
    - { name: viewer, secret: { env: READ_TOKEN }, scopes: [read] }
checks:
  - name: error-rate
    prometheus: { url: '${prom.url}', query: 'max(test_errors_ratio)' }
    condition: '>'
    warning: 0.3
    critical: 0.6
    every: 1s
    for: 2
    labels: { team: api }
    annotations: { summary: 'error ratio {{ .Value }}' }
  - name: bad-query
    prometheus: { url: '${prom.url}', query: 'sum(' }
    condition: '>'
    critical: 1
    every: 1s
    errors_before_alert: 2
  - name: no-data
    prometheus: { url: '${prom.url}', query: 'max(no_such_metric)' }
    condition: '>'
    critical: 1
    every: 1s
    missing_data: alert
route:
  receiver: team
  group_by: [alertname, severity]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team', send_resolved: true }]
`,
    { token: ADMIN, env: { READ_TOKEN: READ_ONLY } },
  );
}, 45_000);

afterAll(async () => {
  await rt?.close();
  await prom?.stop();
  metrics?.closeAllConnections();
  await new Promise<void>((resolve) => (metrics ? metrics.close(() => resolve()) : resolve()));
  await hook?.close();
});

// ---------------------------------------------------------------------------------------------

describe('threshold checks on a real Prometheus (local runtime)', () => {
  it('stays quiet below the thresholds, fires warning after `for`, moves to critical (resolving warning), and resolves', async () => {
    // 0.2: below both thresholds; two evaluations there send nothing.
    await setGauge('test_errors_ratio', 0.2);
    const quiet = await evaluatedAt('error-rate', 0.2, 2);
    expect(quiet).toMatchObject({ status: 'ok', level: 'ok', firing: null, warning_streak: 0, critical_streak: 0, error_streak: 0, last_error: null });
    expect(notifications('error-rate')).toEqual([]);

    // 0.4: warning, after two evaluations at it.
    await setGauge('test_errors_ratio', 0.4);
    const [warningFired] = await until('the warning notification', () => notifications('error-rate', 'warning'), (ns) => ns.length >= 1);
    expect(warningFired!.status).toBe('firing');
    expect(warningFired!.alerts).toHaveLength(1);
    expect(warningFired!.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'error-rate', severity: 'warning', team: 'api', check: 'error-rate' },
      annotations: { summary: 'error ratio 0.4' },
    });
    expect(Object.keys(warningFired!.alerts[0]!.labels).sort()).toEqual(['alertname', 'check', 'severity', 'team']);
    expect(await checkState('error-rate')).toMatchObject({ status: 'warning', firing: 'warning', level: 'warning', last_value: 0.4 });
    expect(notifications('error-rate', 'critical')).toEqual([]);

    // 0.8: critical fires (after two evaluations at it) and the warning alert resolves.
    await setGauge('test_errors_ratio', 0.8);
    const [criticalFired] = await until('the critical notification', () => notifications('error-rate', 'critical'), (ns) => ns.length >= 1);
    expect(criticalFired!.status).toBe('firing');
    expect(criticalFired!.alerts).toEqual([
      expect.objectContaining({
        status: 'firing',
        labels: { alertname: 'error-rate', severity: 'critical', team: 'api', check: 'error-rate' },
        annotations: { summary: 'error ratio 0.8' },
      }),
    ]);
    const warningResolved = (await until('the warning resolve', () => notifications('error-rate', 'warning'), (ns) => ns.length >= 2))[1]!;
    expect(warningResolved.status).toBe('resolved');
    expect(warningResolved.alerts).toEqual([expect.objectContaining({ status: 'resolved', labels: { alertname: 'error-rate', severity: 'warning', team: 'api', check: 'error-rate' } })]);
    expect(await checkState('error-rate')).toMatchObject({ status: 'critical', firing: 'critical', level: 'critical', last_value: 0.8 });

    // 0.1: below both; critical resolves at the first evaluation there.
    await setGauge('test_errors_ratio', 0.1);
    const criticalResolved = (await until('the critical resolve', () => notifications('error-rate', 'critical'), (ns) => ns.length >= 2))[1]!;
    expect(criticalResolved.status).toBe('resolved');
    expect(criticalResolved.alerts).toEqual([expect.objectContaining({ status: 'resolved', labels: { alertname: 'error-rate', severity: 'critical', team: 'api', check: 'error-rate' } })]);
    expect(await evaluatedAt('error-rate', 0.1)).toMatchObject({ status: 'ok', firing: null, level: 'ok' });

    // Per severity, one firing then one resolve; warning's come before critical's.
    await sleep(1_500);
    expect(statuses(notifications('error-rate', 'warning'))).toEqual(['firing', 'resolved']);
    expect(statuses(notifications('error-rate', 'critical'))).toEqual(['firing', 'resolved']);
    expect(warningFired!.index).toBeLessThan(criticalFired!.index);
    expect(warningResolved.index).toBeLessThan(criticalResolved.index);
    expect(notifications('error-rate').filter((n) => n.group.labels.severity !== 'warning' && n.group.labels.severity !== 'critical')).toEqual([]);
  }, 40_000);

  it('lists the config check with its state, refuses to change it, dry-runs an evaluation without sending, and checks scopes', async () => {
    await setGauge('test_errors_ratio', 0.8);
    await until('error-rate at critical', () => checkState('error-rate'), (s) => s?.firing === 'critical' && s.last_value === 0.8);
    await until('the critical notification', () => notifications('error-rate', 'critical'), (ns) => ns.at(-1)?.status === 'firing');

    const listed = await listChecks();
    expect(listed.map((c) => c.name)).toEqual(['bad-query', 'error-rate', 'no-data']);
    const errorRate = listed.find((c) => c.name === 'error-rate')!;
    expect(errorRate).toMatchObject({ name: 'error-rate', origin: 'config', paused: false, state: { status: 'critical', firing: 'critical', last_value: 0.8, error_streak: 0 } });
    const one = await apiRequest<CheckView>(rt!.url, READ_ONLY, 'GET', '/v1/checks/error-rate');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'error-rate', origin: 'config', definition: { condition: '>', warning: 0.3, critical: 0.6, for: 2, labels: { team: 'api' } } });

    // A config check changes only in the config.
    const body = { prometheus: { url: prom!.url, query: 'max(test_errors_ratio)' }, condition: '>', critical: 0.9 };
    const put = await apiRequest<{ error: string; message: string }>(rt!.url, ADMIN, 'PUT', '/v1/checks/error-rate', body);
    expect(put.status).toBe(409);
    expect(put.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('defined in the config file') });
    expect((await apiRequest(rt!.url, ADMIN, 'POST', '/v1/checks/error-rate/pause')).status).toBe(409);
    expect((await apiRequest(rt!.url, ADMIN, 'DELETE', '/v1/checks/error-rate')).status).toBe(409);
    const created = await apiRequest(rt!.url, ADMIN, 'POST', '/v1/checks', { name: 'error-rate', ...body });
    expect(created.status).toBe(409);

    // A dry run: the value now and what it would send, and nothing sent.
    const sentBefore = notifications('error-rate').length;
    const dry = await apiRequest<Record<string, unknown>>(rt!.url, ADMIN, 'POST', '/v1/checks/error-rate/evaluate');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ check: 'error-rate', dry_run: true, value: 0.8, no_data: false, error: null, level: 'critical', firing: 'critical' });
    expect(dry.body.alerts).toEqual([
      {
        status: 'firing',
        labels: { alertname: 'error-rate', severity: 'critical', team: 'api', check: 'error-rate' },
        annotations: { summary: 'error ratio 0.8' },
        starts_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        ends_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    await sleep(2_000);
    expect(notifications('error-rate').slice(sentBefore)).toEqual([]);

    // Scopes: reading is `read`, changing and evaluating `manage`.
    const forbidden = await apiRequest<{ error: string }>(rt!.url, READ_ONLY, 'POST', '/v1/checks', { name: 'nope', ...body });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe('forbidden');
    expect((await apiRequest(rt!.url, READ_ONLY, 'POST', '/v1/checks/error-rate/evaluate')).status).toBe(403);
    expect((await fetch(`${rt!.url}/v1/checks`)).status).toBe(401);
    expect((await apiRequest(rt!.url, READ_ONLY, 'GET', '/v1/checks/nope')).status).toBe(404);

    // Back below the thresholds for what follows.
    await setGauge('test_errors_ratio', 0.1);
    await until('the critical resolve', () => notifications('error-rate', 'critical'), (ns) => ns.at(-1)?.status === 'resolved');
  }, 40_000);

  it('makes a check through the API that fires, resolves on pause, fires on resume, and resolves on delete', async () => {
    const url = prom!.url;
    const valid = { name: 'api-made', prometheus: { url, query: 'max(test_backlog_ratio)' }, condition: '>', critical: 0.5, every: '1s' };

    // Invalid bodies name the problem.
    const { condition: _c, ...noCondition } = valid;
    const missing = await apiRequest<{ error: string; message: string }>(rt!.url, ADMIN, 'POST', '/v1/checks', noCondition);
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/^invalid check: condition: /) });
    const { critical: _t, ...noThreshold } = valid;
    const thresholds = await apiRequest<{ error: string; message: string }>(rt!.url, ADMIN, 'POST', '/v1/checks', noThreshold);
    expect(thresholds.status).toBe(400);
    expect(thresholds.body.message).toContain('a check needs a `warning` or a `critical` threshold');
    const template = await apiRequest<{ error: string; message: string }>(rt!.url, ADMIN, 'POST', '/v1/checks', { ...valid, annotations: { summary: 'at {{ .Valeu }}' } });
    expect(template.status).toBe(400);
    expect(template.body.message).toMatch(/annotations\.summary: invalid template at line 1, column \d+: .*Valeu/);
    expect((await apiRequest(rt!.url, READ_ONLY, 'GET', '/v1/checks/api-made')).status).toBe(404);

    await setGauge('test_backlog_ratio', 0.8);
    const created = await apiRequest<CheckView & { version: number }>(rt!.url, ADMIN, 'POST', '/v1/checks', valid);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'api-made', origin: 'api', paused: false, version: 1 });
    expect((await apiRequest(rt!.url, ADMIN, 'POST', '/v1/checks', valid)).status).toBe(409);

    const labels = { alertname: 'api-made', check: 'api-made', severity: 'critical' };
    const events = () => notifications('api-made', 'critical');
    const fired = (await until('api-made firing', events, (ns) => ns.length >= 1))[0]!;
    expect(fired.status).toBe('firing');
    expect(fired.alerts).toEqual([expect.objectContaining({ status: 'firing', labels, annotations: { summary: 'api-made: 0.8 > 0.5 (critical)' } })]);
    expect((await apiRequest<CheckView>(rt!.url, READ_ONLY, 'GET', '/v1/checks/api-made')).body.state).toMatchObject({ status: 'critical', firing: 'critical', last_value: 0.8 });

    // Paused: its alert resolves, and it is not evaluated.
    const paused = await apiRequest<CheckView>(rt!.url, ADMIN, 'POST', '/v1/checks/api-made/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, state: { status: 'paused' } });
    const resolved = (await until('api-made resolved on pause', events, (ns) => ns.length >= 2))[1]!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts).toEqual([expect.objectContaining({ status: 'resolved', labels })]);
    const pausedState = await until('the pause written', async () => (await apiRequest<CheckView>(rt!.url, READ_ONLY, 'GET', '/v1/checks/api-made')).body.state, (s) => s.firing === null);
    expect(pausedState).toMatchObject({ status: 'paused', critical_streak: 0 });

    // A dry run of the paused check says it would fire, and neither sends nor writes.
    const dry = await apiRequest<{ dry_run: boolean; value: number; firing: string | null; alerts: HookAlert[] }>(rt!.url, ADMIN, 'POST', '/v1/checks/api-made/evaluate', { dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, value: 0.8, firing: 'critical', alerts: [{ status: 'firing', labels }] });
    await sleep(1_500);
    expect(statuses(events())).toEqual(['firing', 'resolved']);
    expect((await apiRequest<CheckView>(rt!.url, READ_ONLY, 'GET', '/v1/checks/api-made')).body.state).toEqual(pausedState);
    // Applying an evaluation of a paused check is refused: it would fire what the next tick resolves.
    const applied = await apiRequest<{ error: string; message: string }>(rt!.url, ADMIN, 'POST', '/v1/checks/api-made/evaluate', { dry_run: false });
    expect(applied.status).toBe(409);
    expect(applied.body.message).toMatch(/is paused/);

    // Resumed: it fires again.
    const resumed = await apiRequest<CheckView>(rt!.url, ADMIN, 'POST', '/v1/checks/api-made/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    await until('api-made firing again', events, (ns) => ns.length >= 3);
    expect(events()[2]!.alerts).toEqual([expect.objectContaining({ status: 'firing', labels })]);

    // Deleted: its alert resolves, and it is gone.
    const deleted = await apiRequest(rt!.url, ADMIN, 'DELETE', '/v1/checks/api-made');
    expect(deleted).toEqual({ status: 200, body: { deleted: 'api-made' } });
    await until('api-made resolved on delete', events, (ns) => ns.length >= 4);
    expect(events()[3]!.alerts).toEqual([expect.objectContaining({ status: 'resolved', labels })]);
    expect((await apiRequest(rt!.url, READ_ONLY, 'GET', '/v1/checks/api-made')).status).toBe(404);
    expect((await listChecks()).map((c) => c.name)).not.toContain('api-made');
    await sleep(1_500);
    expect(statuses(events())).toEqual(['firing', 'resolved', 'firing', 'resolved']);
  }, 40_000);

  it('shows a failing query in the state and fires CheckFailing after errors_before_alert', async () => {
    const state = await until('bad-query to fail', () => checkState('bad-query'), (s) => (s?.error_streak ?? 0) >= 1);
    expect(state!.last_error).toMatch(/^Prometheus: bad_data: /);
    expect(state!.last_value).toBeNull();
    const [failing] = await until('the CheckFailing notification', () => notifications('CheckFailing'), (ns) => ns.length >= 1);
    expect(failing!.status).toBe('firing');
    expect(failing!.alerts).toHaveLength(1);
    expect(failing!.alerts[0]!.labels).toEqual({ alertname: 'CheckFailing', check: 'bad-query' });
    expect(failing!.alerts[0]!.annotations).toMatchObject({ summary: expect.stringMatching(/^check bad-query failed \d+ evaluations in a row$/), error: expect.stringMatching(/^Prometheus: bad_data: /) });
    expect(await checkState('bad-query')).toMatchObject({ status: 'failing', firing: null, level: null });
    expect(notifications('bad-query')).toEqual([]);
  }, 20_000);

  it('fires CheckNoData for a query without series when missing_data is alert', async () => {
    const [noData] = await until('the CheckNoData notification', () => notifications('CheckNoData'), (ns) => ns.length >= 1);
    expect(noData!.status).toBe('firing');
    expect(noData!.alerts).toHaveLength(1);
    expect(noData!.alerts[0]).toMatchObject({ status: 'firing', labels: { alertname: 'CheckNoData', check: 'no-data' }, annotations: { summary: 'check no-data got no data' } });
    expect(Object.keys(noData!.alerts[0]!.labels).sort()).toEqual(['alertname', 'check']);
    expect(await checkState('no-data')).toMatchObject({ status: 'no_data', firing: null, last_value: null, error_streak: 0 });
    expect(notifications('no-data')).toEqual([]);
  }, 20_000);
});
