import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { runCli, type CliRun } from '../support/cli';
import { waitFor } from '../support/wait';

/**
 * `npm run alertflow -- alert|silence|incident …` against a real local runtime over HTTP. The CLI
 * runs as a child process, asynchronously: the runtime answers from this test's event loop.
 */

let rt: LocalRuntime;
let hook: StandIn;


/** `alertflow <args>` with the runtime's URL and token in the environment (unless `env` overrides them). */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(args, { ALERTFLOW_URL: rt.url, ALERTFLOW_TOKEN: rt.token, USER: 'alice', ...env });

const json = <T>(res: CliRun): T => {
  expect(res, res.stderr).toMatchObject({ code: 0 });
  return JSON.parse(res.stdout) as T;
};

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(`
escalation_policies:
  - name: critical
    steps:
      - notify: [oncall]
        wait: 1h
      - notify: [managers]
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['severity="critical"']
      escalation_policy: critical
    - matchers: ['alertname="Rejected"']
      receiver: rejecting
receivers:
  - name: rejecting
    webhook_configs: [{ url: '${hook.url}/rejecting' }]
  - name: team
    webhook_configs: [{ url: '${hook.url}/team' }]
  - name: oncall
    webhook_configs: [{ url: '${hook.url}/oncall' }]
  - name: managers
    webhook_configs: [{ url: '${hook.url}/managers' }]
`);
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('alertflow deliveries', () => {
  it('lists the delivery log newest first with each outcome and last error; --status and --receiver narrow it; show and retry one', async () => {
    // The receiver behind /rejecting refuses for good (a 4xx other than 408/429 is permanent) until it is fixed.
    const respond = hook.respond;
    let fixed = false;
    hook.respond = (req, i) => (req.path === '/rejecting' && !fixed ? { status: 400, body: 'no such channel' } : respond(req, i));
    expect((await cli(['alert', 'add', 'Rejected', 'instance=x'])).code).toBe(0);
    expect((await cli(['alert', 'add', 'Accepted', 'instance=y'])).code).toBe(0);
    type Line = { id: string; receiver: string; channel: string; status: string; attempts: number; last_error: string | null; group_key: string };
    const lines = await waitFor(
      'both outcomes',
      async () => json<Line[]>(await cli(['deliveries', '-o', 'json'])),
      (l) => l.some((x) => x.group_key.includes('Rejected') && x.status === 'failed') && l.some((x) => x.group_key.includes('Accepted') && x.status === 'delivered'),
      { timeoutMs: 20_000 },
    );
    const rejected = lines.find((x) => x.group_key.includes('Rejected'))!;
    expect(rejected).toMatchObject({ receiver: 'rejecting', channel: 'webhook[0]', status: 'failed', attempts: 1 });
    expect(rejected.last_error).toContain('400');
    const failed = await cli(['deliveries', '--status', 'failed']);
    expect(failed.code).toBe(0);
    const [header, ...rows] = failed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^Created At\s+Id\s+Receiver\s+Channel\s+Status\s+Attempts\s+Last Error\s+Group$/);
    // The group tries again at each group_interval (1 s here), so more failed notifications may have come.
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.find((r) => r.includes(rejected.id))).toMatch(new RegExp(`${rejected.id}\\s+rejecting\\s+webhook\\[0\\]\\s+failed\\s+1\\s+.*400.*alertname="Rejected"`));
    expect(rows.every((r) => /\s+rejecting\s+webhook\[0\]\s+failed\s+/.test(r))).toBe(true);
    expect(json<Line[]>(await cli(['deliveries', '--receiver', 'rejecting', '--status', 'delivered', '-o', 'json']))).toEqual([]);
    const bad = await cli(['deliveries', '--status', 'lost']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('status');

    const shown = await cli(['deliveries', 'show', rejected.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Attempt\s+At\s+Outcome\s+Status\s+Latency\s+Error\n1\s+.*permanent\s+400\s+\d+ ms\s+/);

    fixed = true;
    const retried = await cli(['deliveries', 'retry', rejected.id]);
    expect(retried, retried.stderr).toMatchObject({ code: 0, stdout: `${rejected.id}: queued again for rejecting webhook[0]\n` });
    await waitFor('the retry delivered', async () => json<Line[]>(await cli(['deliveries', '--receiver', 'rejecting', '-o', 'json'])), (l) => l[0]?.status === 'delivered');
    expect((await cli(['deliveries', 'retry', rejected.id])).code).not.toBe(0);
  });
});

describe('alertflow alert', () => {
  it('adds an alert (POST /api/v2/alerts) and lists it: alertname, state, starts, summary', async () => {
    const add = await cli(['alert', 'add', 'DiskFull', 'instance=db-1', '--annotation', 'summary=disk 95% full', '--end', '1h']);
    expect(add).toEqual({ code: 0, stdout: '', stderr: '' });

    const listed = await waitFor('the alert listed', () => cli(['alert', 'query', 'alertname=DiskFull']), (r) => r.stdout.includes('DiskFull'));
    expect(listed.code).toBe(0);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^Alertname\s+State\s+Starts At\s+Summary$/);
    expect(row).toMatch(/^DiskFull\s+firing\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+disk 95% full$/);
    expect(rest).toEqual([]);

    // --output json (a global option, given after the command too) prints the API's alerts; a bare first word is the alertname.
    const alerts = json<Array<{ labels: Record<string, string>; endsAt: string }>>(await cli(['alert', 'query', 'DiskFull', '-o', 'json']));
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'DiskFull', instance: 'db-1' }]);
    expect(Date.parse(alerts[0]!.endsAt) - Date.now()).toBeGreaterThan(50 * 60_000);

    // A matcher that matches nothing: the header alone.
    expect((await cli(['alert', 'query', 'alertname=Nothing'])).stdout).toMatch(/^Alertname\s+State\s+Starts At\s+Summary\n$/);
  });

  it('refuses a label that is not name=value (usage, exit 2) and an alert without alertname (exit 1)', async () => {
    const bad = await cli(['alert', 'add', 'alertname=X', 'instance=~"db"']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/labels must be name=value pairs/);
    expect(bad.stderr).toMatch(/Usage: alertflow alert add/);
    const none = await cli(['alert', 'add', 'instance=db-1']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^alertflow: an alert needs an alertname label/);
  });
});

describe('alertflow silence', () => {
  it('adds, queries, expires and imports silences', async () => {
    const add = await cli(['silence', 'add', 'alertname=Maintenance', 'instance=~"db-.*"', '--duration', '2h', '--comment', 'disk swap, CHG-1234']);
    expect(add.code, add.stderr).toBe(0);
    const id = add.stdout.trim();
    expect(id).toMatch(/^[\w-]{8,}$/);

    const stored = (await apiRequest<{ created_by: string; matchers: unknown[]; ends_at: string; starts_at: string }>(rt.url, rt.token, 'GET', `/v1/silences/${id}`)).body;
    expect(stored.created_by).toBe('alice');
    expect(Math.abs(Date.parse(stored.ends_at) - Date.parse(stored.starts_at) - 2 * 3_600_000)).toBeLessThan(5_000);

    const query = await cli(['silence', 'query', 'alertname=Maintenance']);
    expect(query.code).toBe(0);
    const lines = query.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+Matchers\s+Starts At\s+Ends At\s+Created By\s+Comment$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${id}\\s+alertname="Maintenance" instance=~"db-\\.\\*"\\s+\\S+ \\S+ UTC\\s+\\S+ \\S+ UTC\\s+alice\\s+disk swap, CHG-1234$`))]);

    expect(await cli(['silence', 'expire', id])).toMatchObject({ code: 0, stdout: `expired ${id}\n` });
    expect((await cli(['silence', 'query', '-q', 'alertname=Maintenance'])).stdout).toBe('');
    expect((await cli(['silence', 'query', '--expired', '-q', 'alertname=Maintenance'])).stdout).toBe(`${id}\n`);

    // An unknown id fails (exit 1) with alertflow's answer.
    const unknown = await cli(['silence', 'expire', 'no-such-silence']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/DELETE \/v1\/silences\/no-such-silence: 404/);

    // amtool's JSON export: one active (imported under a new id), one that has ended (skipped).
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-cli-'));
    const file = join(dir, 'silences.json');
    const hour = 3_600_000;
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: 'a1b2c3d4-0000-0000-0000-000000000001',
          matchers: [{ name: 'alertname', value: 'Imported', isRegex: false, isEqual: true }, { name: 'env', value: 'staging|dev', isRegex: true, isEqual: true }],
          startsAt: new Date(Date.now() - hour).toISOString(),
          endsAt: new Date(Date.now() + 3 * hour).toISOString(),
          createdBy: 'bob',
          comment: 'from the old Alertmanager',
          status: { state: 'active' },
          updatedAt: new Date(Date.now() - hour).toISOString(),
        },
        {
          id: 'a1b2c3d4-0000-0000-0000-000000000002',
          matchers: [{ name: 'alertname', value: 'Old', isRegex: false, isEqual: true }],
          startsAt: new Date(Date.now() - 3 * hour).toISOString(),
          endsAt: new Date(Date.now() - hour).toISOString(),
          createdBy: 'bob',
          comment: 'long over',
          status: { state: 'expired' },
          updatedAt: new Date(Date.now() - hour).toISOString(),
        },
      ]),
    );
    const imported = await cli(['silence', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    const out = imported.stdout.split('\n');
    expect(out[0]).toMatch(/^a1b2c3d4-0000-0000-0000-000000000001 -> ([\w-]+)$/);
    expect(out[1]).toMatch(/^a1b2c3d4-0000-0000-0000-000000000002 skipped: ended /);
    expect(out[2]).toBe('imported 1 of 2 silence(s)');
    const newId = /-> ([\w-]+)$/.exec(out[0]!)![1]!;
    const silence = (await apiRequest<{ matchers: unknown[]; created_by: string; comment: string; status: { state: string } }>(rt.url, rt.token, 'GET', `/v1/silences/${newId}`)).body;
    expect(silence).toMatchObject({
      matchers: [
        { name: 'alertname', value: 'Imported', isRegex: false, isEqual: true },
        { name: 'env', value: 'staging|dev', isRegex: true, isEqual: true },
      ],
      created_by: 'bob',
      comment: 'from the old Alertmanager',
      status: { state: 'active' },
    });
  });

  it('requires a comment (usage, exit 2); a bad token is alertflow\'s 401 (exit 1); --url wins over ALERTFLOW_URL', async () => {
    const noComment = await cli(['silence', 'add', 'alertname=X']);
    expect(noComment.code).toBe(2);
    expect(noComment.stderr).toMatch(/required option '-c, --comment <text>' not specified/);

    const badToken = await cli(['silence', 'add', 'alertname=X', '-c', 'x', '--token', 'wrong']);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/^alertflow: POST \/v1\/silences: 401: /);

    const url = await cli(['silence', 'query', '--url', rt.url], { ALERTFLOW_URL: 'http://127.0.0.1:9' });
    expect(url.code, url.stderr).toBe(0);
    expect(url.stdout).toMatch(/^ID\s+Matchers/);
  });
});

describe('alertflow incident', () => {
  it('lists incidents; acks, unacks, escalates, resolves and shows one', async () => {
    expect(await cli(['alert', 'add', 'DatabaseDown', 'severity=critical', '--end', '1h'])).toMatchObject({ code: 0 });
    type Row = { id: string; state: string; step: { step: number } | null; group_labels: Record<string, string> };
    const [incident] = await waitFor(
      'the incident',
      async () => json<Row[]>(await cli(['incident', 'list', '-o', 'json'])),
      (rows) => rows.some((r) => r.group_labels.alertname === 'DatabaseDown'),
    );
    expect(incident).toMatchObject({ state: 'triggered', group_labels: { alertname: 'DatabaseDown' } });
    const id = incident!.id;

    const table = await cli(['incident', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+State\s+Policy\s+Step\s+Started At\s+By\s+Next Step At\s+Group$/);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+triggered\\s+critical\\s+1/2\\s+.* UTC\\s+.* UTC\\s+alertname="DatabaseDown"$`, 'm'));

    expect(await cli(['incident', 'ack', id])).toMatchObject({ code: 0, stdout: `${id}: acknowledged\n` });
    // Acking twice: alertflow's 409, exit 1.
    const again = await cli(['incident', 'ack', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409: .*acknowledged/);
    expect((await cli(['incident', 'list', '--state', 'acknowledged'])).stdout).toMatch(new RegExp(`^${id}\\s+acknowledged\\s+critical\\s+1/2\\s+.* UTC\\s+\\S+`, 'm'));

    expect(await cli(['incident', 'unack', id])).toMatchObject({ code: 0, stdout: `${id}: triggered\n` });
    expect(await cli(['incident', 'escalate', id])).toMatchObject({ code: 0, stdout: `${id}: triggered, step 2/2\n` });

    const resolved = await cli(['incident', 'resolve', id, '--silence', '2h', '--comment', 'fixed']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(new RegExp(`^${id}: resolved; group silenced until .* UTC \\(silence [\\w-]+\\)\\n$`));
    expect(json<Row[]>(await cli(['incident', 'list', '--state', 'resolved', '-o', 'json'])).map((r) => r.id)).toContain(id);

    const shown = await cli(['incident', 'show', id]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([`incident ${id}: resolved`, expect.stringMatching(/^ {2}policy critical, step 2\/2, started .* UTC$/), '  group alertname="DatabaseDown"']);
    expect(lines[4]).toMatch(/^At\s+Event\s+Actor\s+Step$/);
    const actor = rt.tokenNames[0];
    expect(lines.slice(5, -1).map((l) => l.split(/\s{2,}/).slice(1))).toEqual([
      ['triggered', 'alertflow', expect.stringMatching(/^step 1: oncall \[oncall webhook\[0\] \w+\]$/)],
      ['acknowledged', actor],
      ['unacknowledged', actor, expect.stringMatching(/^step 1: oncall /)],
      ['escalated', actor, expect.stringMatching(/^step 2: managers \[managers webhook\[0\] \w+\]$/)],
      ['resolved', actor],
    ]);

    // A bad state is a usage error.
    expect((await cli(['incident', 'list', '--state', 'open'])).code).toBe(2);
  });
});
