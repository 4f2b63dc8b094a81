import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { waitFor } from '../support/wait';

/**
 * alertflow as an Alertmanager, end to end against the real clients: Debian's Prometheus with
 * `alerting.alertmanagers` pointed at the local runtime fires a rule and alertflow notifies, then
 * sees it resolve; Debian's `amtool` (shipped with prometheus-alertmanager) adds alerts, queries
 * them, and adds, updates, queries and expires a silence, with its own HTTP client and a token in
 * its `--http.config.file`.
 */
const AMTOOL_BIN = process.env.AMTOOL_BIN || '/usr/bin/amtool';
const ADMIN = 'am-api-admin-token';
const PROMETHEUS = 'am-api-prometheus-token';
const VIEWER = 'am-api-viewer-token';

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
let prom: RunningPrometheus | undefined;
const dir = mkdtempSync(join(tmpdir(), 'alertflow-am-api-'));

interface HookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generator_url: string | null;
}
interface HookBody {
  status: 'firing' | 'resolved';
  alerts: HookAlert[];
}

/** The notifications the stand-in got for an alertname. */
const notified = (alertname: string): HookBody[] =>
  (hook?.received ?? []).map((r) => r.json() as HookBody).filter((b) => b.alerts.some((a) => a.labels.alertname === alertname));

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `auth:
  tokens:
    - { name: admin, secret: { env: ADMIN_TOKEN }, scopes: [ingest, read, manage] }
    - { name: prometheus, secret: { env: PROMETHEUS_TOKEN }, scopes: [ingest] }
    - { name: viewer, secret: { env: VIEWER_TOKEN }, scopes: [read] }
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: team
    webhook_configs:
      - url: ${hook.url}/hook
        send_resolved: true
`,
    { env: { ADMIN_TOKEN: ADMIN, PROMETHEUS_TOKEN: PROMETHEUS, VIEWER_TOKEN: VIEWER } },
  );
}, 30_000);

afterAll(async () => {
  await prom?.stop();
  await rt?.close();
  await hook?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus uses alertflow as its Alertmanager', () => {
  it('a rule fires, alertflow notifies; the rule stops, alertflow sends the resolve', async () => {
    const port = new URL(rt!.url).port;
    // Fires from now until `until`, then resolves: Prometheus sends the resolved alert itself.
    const until = Math.floor(Date.now() / 1000) + 8;
    prom = await startPrometheus(
      `global:
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - api_version: v2
      authorization: { credentials: ${PROMETHEUS} }
      static_configs:
        - targets: ['127.0.0.1:${port}']
`,
      {
        // Prometheus drops the first send when it comes before its Alertmanager discovery has
        // synced (a few seconds), then waits the resend delay (1m by default) to send again.
        args: ['--rules.alert.resend-delay=1s'],
        files: {
          'rules.yml': `groups:
  - name: test
    rules:
      - alert: PromDirect
        expr: vector(time()) < ${until}
        labels: { severity: page }
        annotations: { summary: 'raised by a Prometheus rule' }
`,
        },
      },
    );
    const firing = await waitFor('the firing notification', () => notified('PromDirect'), (n) => n.length > 0, { timeoutMs: 20_000 });
    const alert = firing[0]!.alerts[0]!;
    expect(firing[0]!.status).toBe('firing');
    expect(alert.labels).toEqual({ alertname: 'PromDirect', severity: 'page' });
    expect(alert.annotations).toEqual({ summary: 'raised by a Prometheus rule' });
    expect(alert.generator_url).toMatch(/^http:\/\/.*\/graph\?g0\.expr=/);

    // The alert as Alertmanager's API shows it: Prometheus sets its end a few minutes ahead.
    const listed = await apiRequest<Array<{ labels: Record<string, string>; endsAt: string; status: { state: string }; receivers: Array<{ name: string }> }>>(
      rt!.url,
      ADMIN,
      'GET',
      '/api/v2/alerts?filter=alertname%3D%22PromDirect%22',
    );
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]!.status.state).toBe('active');
    expect(listed.body[0]!.receivers).toEqual([{ name: 'team' }]);
    expect(Date.parse(listed.body[0]!.endsAt)).toBeGreaterThan(Date.now());

    const resolved = await waitFor('the resolve', () => notified('PromDirect').filter((n) => n.status === 'resolved'), (n) => n.length > 0, { timeoutMs: 30_000 });
    expect(resolved[0]!.alerts[0]!.labels.alertname).toBe('PromDirect');
  }, 60_000);

  it('a token without the ingest scope is refused, with the reason as a JSON string', async () => {
    const res = await fetch(`${rt!.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${VIEWER}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'X' } }]),
    });
    expect(res.status).toBe(403);
    expect(typeof (await res.json())).toBe('string');
  });
});

describe('amtool', () => {
  /**
   * Run the real amtool against the runtime with `token` in its HTTP client config. Asynchronously:
   * the runtime answers from this process's event loop.
   */
  function amtool(token: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const httpConfig = join(dir, `http-${token}.yml`);
    writeFileSync(httpConfig, `authorization:\n  credentials: ${token}\n`);
    return new Promise((resolve, reject) => {
      execFile(AMTOOL_BIN, [`--alertmanager.url=${rt!.url}`, `--http.config.file=${httpConfig}`, '--no-version-check', ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(new Error(`cannot run ${AMTOOL_BIN} (it ships with prometheus-alertmanager): ${err.message}`));
        else resolve({ status: err ? (err.code as number) : 0, stdout, stderr });
      });
    });
  }
  const json = <T>(run: { stdout: string }): T => JSON.parse(run.stdout) as T;
  interface AmAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    status: { state: string; silencedBy: string[] };
  }
  interface AmSilence {
    id: string;
    status: { state: string };
    matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual?: boolean }>;
    endsAt: string;
    comment: string;
  }

  it('adds alerts, which alertflow routes and notifies, and queries them', async () => {
    const added = await amtool(ADMIN, 'alert', 'add', 'alertname=AmtoolAdded', 'severity=warning', 'instance=i1', '--annotation=summary=added by amtool');
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const sent = await waitFor('the notification', () => notified('AmtoolAdded'), (n) => n.length > 0);
    expect(sent[0]!.alerts[0]!.annotations.summary).toBe('added by amtool');

    const query = await amtool(ADMIN, '-o', 'json', 'alert', 'query', 'alertname=AmtoolAdded');
    expect(query.status).toBe(0);
    const alerts = json<AmAlert[]>(query);
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'AmtoolAdded', severity: 'warning', instance: 'i1' }]);
    expect(alerts[0]!.status.state).toBe('active');
    // amtool's simple table, as people read it.
    const table = await amtool(VIEWER, 'alert', 'query', 'alertname=AmtoolAdded');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/AmtoolAdded\s+\S+ \S+ UTC\s+added by amtool\s+active/);
  });

  it('adds, updates, queries and expires a silence, and the alert is shown silenced meanwhile', async () => {
    await amtool(ADMIN, 'alert', 'add', 'alertname=AmtoolSilenced', 'instance=i2');
    await waitFor('the alert', async () => json<AmAlert[]>(await amtool(VIEWER, '-o', 'json', 'alert', 'query', 'alertname=AmtoolSilenced')), (a) => a.length === 1);

    const add = await amtool(ADMIN, 'silence', 'add', 'alertname=AmtoolSilenced', '--comment=maintenance', '--duration=1h');
    expect(add.status).toBe(0);
    const id = add.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = json<AmSilence[]>(await amtool(VIEWER, '-o', 'json', 'silence', 'query', 'alertname=AmtoolSilenced'));
    expect(listed.map((s) => [s.id, s.status.state, s.comment])).toEqual([[id, 'active', 'maintenance']]);
    expect(listed[0]!.matchers).toEqual([{ name: 'alertname', value: 'AmtoolSilenced', isRegex: false, isEqual: true }]);

    // amtool's default query leaves silenced alerts out; --silenced shows them, with the silence.
    await waitFor('the alert shown silenced', async () => json<AmAlert[]>(await amtool(VIEWER, '-o', 'json', 'alert', 'query', '--silenced', 'alertname=AmtoolSilenced')), (a) => a[0]?.status.state === 'suppressed');
    const silenced = json<AmAlert[]>(await amtool(VIEWER, '-o', 'json', 'alert', 'query', '--silenced', 'alertname=AmtoolSilenced'));
    expect(silenced[0]!.status.silencedBy).toEqual([id]);
    expect(json<AmAlert[]>(await amtool(VIEWER, '-o', 'json', 'alert', 'query', 'alertname=AmtoolSilenced'))).toEqual([]);

    // An active silence's end moves in place: the same id, a later end.
    const before = Date.parse(listed[0]!.endsAt);
    const update = await amtool(ADMIN, 'silence', 'update', id, '--duration=3h');
    expect(update.status).toBe(0);
    const updated = json<AmSilence[]>(await amtool(VIEWER, '-o', 'json', 'silence', 'query', 'alertname=AmtoolSilenced'));
    expect(updated.map((s) => s.id)).toEqual([id]);
    expect(Date.parse(updated[0]!.endsAt)).toBeGreaterThan(before + 60 * 60_000);

    // A read-only token cannot change silences; amtool reports the refusal and exits non-zero.
    const refused = await amtool(VIEWER, 'silence', 'expire', id);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/403|forbidden|scope/i);

    const expire = await amtool(ADMIN, 'silence', 'expire', id);
    expect(expire.status).toBe(0);
    const expired = json<AmSilence[]>(await amtool(VIEWER, '-o', 'json', 'silence', 'query', '--expired', 'alertname=AmtoolSilenced'));
    expect(expired.map((s) => [s.id, s.status.state])).toEqual([[id, 'expired']]);
    await waitFor('the alert active again', async () => json<AmAlert[]>(await amtool(VIEWER, '-o', 'json', 'alert', 'query', 'alertname=AmtoolSilenced')), (a) => a[0]?.status.state === 'active');
  });

  it('imports silences from the JSON amtool exports', async () => {
    const file = join(dir, 'silences.json');
    const endsAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    writeFileSync(
      file,
      JSON.stringify([
        { matchers: [{ name: 'alertname', value: 'Imported1', isRegex: false }], startsAt: new Date().toISOString(), endsAt, createdBy: 'ops', comment: 'one' },
        { matchers: [{ name: 'job', value: 'batch-.*', isRegex: true }], startsAt: new Date().toISOString(), endsAt, createdBy: 'ops', comment: 'two' },
      ]),
    );
    const run = await amtool(ADMIN, 'silence', 'import', file);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const ids = run.stdout.trim().split('\n');
    expect(ids).toHaveLength(2);
    const all = json<AmSilence[]>(await amtool(VIEWER, '-o', 'json', 'silence', 'query'));
    const imported = all.filter((s) => ids.includes(s.id));
    expect(imported.map((s) => s.comment).sort()).toEqual(['one', 'two']);
    expect(imported.find((s) => s.comment === 'two')!.matchers[0]).toMatchObject({ name: 'job', value: 'batch-.*', isRegex: true });
  });

  it('draws and tests the route tree from the config alertflow reports', async () => {
    const show = await amtool(VIEWER, 'config', 'routes', 'show');
    expect(show.status).toBe(0);
    expect(show.stdout).toContain('team');
    const test = await amtool(VIEWER, 'config', 'routes', 'test', 'alertname=Anything');
    expect(test.status).toBe(0);
    expect(test.stdout.trim()).toBe('team');
  });
});
