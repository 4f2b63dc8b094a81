import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTERNAL_URL, SCENARIOS } from '../fixtures/alertmanager-templates/scenarios';

/** `alertflow config check|routes`, `npm run config:check` and `alertflow template render` on real files: no alertflow is called. */
const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/alertmanager-configs');

function run(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ALERTFLOW_URL: 'http://127.0.0.1:9', ...env };
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin', script), ...args], { env: childEnv }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const cli = (args: string[], env: Record<string, string | undefined> = {}) => run('cli.ts', args, env);

describe('alertflow config check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-cli-check-'));
  const file = join(dir, 'alertflow.yaml');
  writeFileSync(
    file,
    `
escalation_policies:
  - name: critical
    repeat: 1
    steps:
      - notify: [team]
        wait: 10m
      - notify: [oncall]
        wait: 5m
route:
  receiver: team
  routes:
    - matchers: ['severity="critical"']
      escalation_policy: critical
receivers:
  - name: team
    slack_configs:
      - webhook_url: { env: CLI_TEST_SLACK_URL, ssm: /alertflow/slack }
  - name: oncall
    pagerduty_configs:
      - routing_key: { ssm: /alertflow/pd }
    webhook_configs:
      - url: https://hooks.example.com/x
        hmac_secret: { env: CLI_TEST_HMAC }
`,
  );

  it('prints what config:check prints, then every secret reference and whether its env var is set; warns for each unset one; never a value', async () => {
    const env = { CLI_TEST_SLACK_URL: 'https://hooks.slack.com/services/T0/B0/s3cr3t-value', CLI_TEST_HMAC: undefined, ALERTFLOW_WEBHOOK_TOKEN: undefined, ALERTFLOW_LINK_KEY: 'also-s3cr3t' };
    const res = await cli(['config', 'check', file], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      `${file}: OK (2 receivers)`,
      'escalation policy critical: repeats 1x; an ack stops it; tells the paged on ack, resolve',
      '  at 0m        run 1 step 1: team',
      '  at 10m       run 1 step 2: oncall',
      '  at 15m       run 2 step 1: team',
      '  at 25m       run 2 step 2: oncall',
      'secrets (5):',
    ]);
    expect(lines.slice(7, -1).map((l) => l.replace(/ +/g, ' ')).sort()).toEqual([
      ' auth.tokens[0].secret env:ALERTFLOW_WEBHOOK_TOKEN (not set: the local runtime uses its default token) / ssm:/alertflow/webhook-token',
      ' incident_links.signing_keys[0] env:ALERTFLOW_LINK_KEY (set) / ssm:/alertflow/link-signing-key',
      ' receivers[0].slack_configs[0].webhook_url env:CLI_TEST_SLACK_URL (set) / ssm:/alertflow/slack',
      ' receivers[1].pagerduty_configs[0].routing_key ssm:/alertflow/pd (no env: the local runtime cannot read it)',
      ' receivers[1].webhook_configs[0].hmac_secret env:CLI_TEST_HMAC (NOT SET)',
    ]);
    expect(lines.at(-1)).toBe('');
    expect(res.stderr).toBe(`${file}: warning: receivers[1].webhook_configs[0].hmac_secret: secret env:CLI_TEST_HMAC is not set in this environment: export CLI_TEST_HMAC to run locally\n`);
    expect(res.stdout + res.stderr).not.toMatch(/s3cr3t/);

    // npm run config:check prints the same.
    expect(await run('config-check.ts', [file], env)).toEqual(res);
  });

  it('exits 1 with every problem and its key path when the file does not load', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'route:\n  receiver: nobody\nreceivers: []\n');
    const res = await cli(['config', 'check', bad]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/route\.receiver/);
  });
});

describe('alertflow config routes', () => {
  const conf = join(FIXTURES, 'prometheus-testdata-conf-good.yml');

  it('show: the tree as amtool config routes show draws it, each node with its group_by', async () => {
    // amtool 0.25's output for this file, with alertflow's group_by column added (the test in
    // test/e2e/cli-amtool.test.ts compares against the real amtool for every fixture).
    const res = await cli(['config', 'routes', 'show', conf]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.replaceAll('\u00a0', ' ')).toBe(
      [
        'Routing tree:',
        '.',
        '└── default-route  receiver: team-X-mails  group_by: [alertname, cluster, service]',
        '    ├── {service=~"^(?:^(foo1|foo2|baz)$)$"}  receiver: team-X-mails  group_by: [alertname, cluster, service]',
        '    │   └── {severity="critical"}  receiver: team-X-pager  group_by: [alertname, cluster, service]',
        '    ├── {service="files"}  receiver: team-Y-mails  group_by: [alertname, cluster, service]',
        '    │   └── {severity="critical"}  receiver: team-Y-pager  group_by: [alertname, cluster, service]',
        '    └── {service="database"}  receiver: team-DB-pager  group_by: [alertname, cluster, database]',
        '        ├── {owner2="team-X"}  continue: true  receiver: team-X-pager  group_by: [alertname, cluster, database]',
        '        └── {owner="team-Y"}  receiver: team-Y-pager  group_by: [alertname, cluster, database]',
        '',
      ].join('\n'),
    );
  });

  it('show --output json: each route with its matchers and its effective options', async () => {
    const res = await cli(['config', 'routes', 'show', conf, '-o', 'json']);
    expect(res.code).toBe(0);
    const tree = JSON.parse(res.stdout) as { receiver: string; group_wait: string; routes: Array<{ matchers: string[]; routes: Array<{ matchers: string[]; continue: boolean; receiver: string }> }> };
    expect(tree).toMatchObject({ matchers: [], receiver: 'team-X-mails', group_by: ['alertname', 'cluster', 'service'], group_wait: '30s', repeat_interval: '3h' });
    expect(tree.routes[2]).toMatchObject({ matchers: ['service="database"'], receiver: 'team-DB-pager', group_by: ['alertname', 'cluster', 'database'] });
    expect(tree.routes[2]!.routes[0]).toMatchObject({ matchers: ['owner2="team-X"'], continue: true, receiver: 'team-X-pager', routes: [] });
  });

  it('test: the receivers in order, as amtool config routes test prints them', async () => {
    const cases: Array<[string[], string]> = [
      // label arguments, and what amtool 0.25 prints for them (amtool config routes test --config.file=<file> <labels>)
      [['--labels', 'service=database,owner2=team-X,owner=team-Y'], 'team-X-pager,team-Y-pager'],
      [['--label', 'service=foo1', '--label', 'severity=critical'], 'team-X-pager'],
      [['--labels', 'service=files'], 'team-Y-mails'],
      [['--labels', 'severity=critical'], 'team-X-mails'],
      [[], 'team-X-mails'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(['config', 'routes', 'test', conf, ...args])));
    expect(results).toEqual(cases.map(([, receivers]) => ({ code: 0, stdout: `${receivers}\n`, stderr: '' })));
  });

  it('test: quoted values; --verify-receivers exits 1 when they differ; a non-label is a usage error', async () => {
    const karma = join(FIXTURES, 'karma-demo.yml');
    const [quoted, verified, wrong, usage, missing] = await Promise.all([
      cli(['config', 'routes', 'test', karma, '--label', 'alertname="Pagination Test"']),
      cli(['config', 'routes', 'test', karma, '--label', 'alertname="Pagination Test"', '--verify-receivers', 'default,pagination']),
      cli(['config', 'routes', 'test', karma, '--label', 'alertname=X', '--verify-receivers', 'pagination']),
      cli(['config', 'routes', 'test', karma, '--labels', 'env!=prod']),
      cli(['config', 'routes', 'test', join(FIXTURES, 'no-such.yml')]),
    ]);
    expect(quoted.stdout).toBe('default,pagination\n');
    expect(verified.code).toBe(0);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('alertflow: expected receivers pagination, the labels route to default,by-cluster-service,by-name,by-cluster\n');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/labels must be name=value pairs/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^alertflow: cannot read .*no-such\.yml: ENOENT/);
  });
});

describe('alertflow template render', () => {
  it("renders Alertmanager's default names as Alertmanager 0.25 rendered them for the same group", async () => {
    const rendered = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/alertmanager-templates/rendered.json'), 'utf8')) as Record<string, Record<string, string>>;
    const scenario = SCENARIOS.find((s) => s.name === 'mixed')!;
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-cli-template-'));
    const body = join(dir, 'webhook.json');
    writeFileSync(
      body,
      JSON.stringify({
        receiver: scenario.receiver,
        status: 'firing',
        alerts: scenario.alerts.map((a) => ({ status: a.resolved ? 'resolved' : 'firing', labels: a.labels, annotations: a.annotations ?? {}, generatorURL: a.generatorURL ?? '' })),
        groupLabels: Object.fromEntries(scenario.groupBy.map((l) => [l, scenario.alerts[0]!.labels[l]!])),
        externalURL: EXTERNAL_URL,
      }),
    );
    const names = ['__subject', 'slack.default.fallback', 'opsgenie.default.description', 'sns.default.message', '__text_alert_list_markdown'];
    // The __text_alert_list names take a list of alerts (as rendered.json's were called).
    const dot = (name: string) => (name.startsWith('__text_alert_list') ? '.Alerts' : '.');
    const res = await cli(['template', 'render', names.map((n) => `{{ template "${n}" ${dot(n)} }}@@@`).join(''), '--alert', body]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.split('@@@')).toEqual([...names.map((n) => rendered.mixed![n]), '\n']);
  });

  it('renders a template file, calling the defines of --templates files, against the default alert; a bad template exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-cli-template-'));
    writeFileSync(join(dir, 'defs.tmpl'), '{{ define "my.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} on {{ .CommonLabels.instance }}{{ end }}');
    writeFileSync(join(dir, 'title.tmpl'), '{{ template "my.title" . }}: {{ .CommonAnnotations.summary }}');
    const [ok, bad] = await Promise.all([
      cli(['template', 'render', join(dir, 'title.tmpl'), '--templates', join(dir, 'defs*.tmpl')]),
      cli(['template', 'render', '{{ template "nope" . }}']),
    ]);
    expect(ok).toEqual({ code: 0, stdout: '[FIRING] DiskFull on db-1: disk 95% full\n', stderr: '' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^alertflow: template template:1:\d+: .*nope/);
  });
});
