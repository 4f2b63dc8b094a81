import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configIssues } from '../../test/support/config';
import { loadConfigFile, parseConfigYaml } from './loader';
import { parseDuration } from '../primitives/duration';
import { collectSecretRefs } from './secrets';
import { compileConfig } from '../runtime/compiled-config';
import { configWarnings } from './validate';
import { authTokens } from '../runtime/auth';
import { MAX_REQUEST_TIMEOUT_MS } from '../primitives/schemas';
import { CLAIM_LEASE_MS } from '../delivery/claims';

const ROOT = join(__dirname, '../..');


const MINIMAL = `
route:
  receiver: a
receivers:
  - name: a
    webhook_configs: [{ url: 'http://127.0.0.1:1/x' }]
`;

describe('config loading', () => {
  it('accepts the shipped example and compiles its route tree', () => {
    const config = compileConfig(loadConfigFile(join(ROOT, 'alertflow.example.yaml')));
    expect(config.raw.receivers.map((r) => r.name)).toEqual(['team-slack', 'oncall-webhook']);
    expect(config.routeTree.routes.map((r) => r.receiver)).toEqual(['oncall-webhook', 'team-slack', 'team-slack']);
    expect(config.defaultAlertTimeoutMs).toBe(86_400_000);
  });

  it('shows scoped tokens in the shipped example: the local token has every scope, the commented one parses', () => {
    const config = loadConfigFile(join(ROOT, 'alertflow.example.yaml'));
    expect(config.auth).toEqual({
      tokens: [{ name: 'admin', secret: { ssm: '/alertflow/webhook-token', env: 'ALERTFLOW_WEBHOOK_TOKEN' }, scopes: ['ingest', 'read', 'manage'] }],
    });
    expect(configWarnings(config)).toEqual([]);
    const text = readFileSync(join(ROOT, 'alertflow.example.yaml'), 'utf8');
    const uncommented = text.replace(/^ {4}# (- name: alertmanager| {2}secret:| {2}scopes:)/gm, '    $1');
    expect(parseConfigYaml(uncommented).auth.tokens.map((t) => [t.name, t.scopes])).toEqual([
      ['admin', ['ingest', 'read', 'manage']],
      ['alertmanager', ['ingest']],
    ]);
  });

  it('accepts the commented-out channel examples of the shipped example once uncommented', () => {
    const text = readFileSync(join(ROOT, 'alertflow.example.yaml'), 'utf8');
    const at = text.indexOf('  # - name: oncall-pager');
    const uncommented = text.slice(0, at) + text.slice(at).replace(/^ {2}# /gm, '  ');
    const config = parseConfigYaml(uncommented);
    const pager = config.receivers.find((r) => r.name === 'oncall-pager')!;
    expect([pager.pagerduty_configs.length, pager.sms_configs.length, pager.email_configs.length, pager.teams_configs.length]).toEqual([1, 1, 1, 1]);
  });

  it('fills defaults', () => {
    const config = parseConfigYaml(MINIMAL);
    expect(config.ingest.max_body_bytes).toBe(1024 * 1024);
    expect(config.auth).toEqual({
      tokens: [{ name: 'default', secret: { ssm: '/alertflow/webhook-token', env: 'ALERTFLOW_WEBHOOK_TOKEN' }, scopes: ['ingest', 'read', 'manage'] }],
    });
    expect(configWarnings(config)).toEqual([]);
    expect(config.receivers[0]!.webhook_configs[0]!.format).toBe('alertflow');
  });

  it('silences: limits default to 1000 active or pending and 16 KiB each, can be set, and are checked', () => {
    expect(parseConfigYaml(MINIMAL).silences).toEqual({ max_silences: 1000, max_silence_bytes: 16384 });
    expect(parseConfigYaml(`${MINIMAL}silences: { max_silences: 50 }\n`).silences).toEqual({ max_silences: 50, max_silence_bytes: 16384 });
    expect(configIssues(`${MINIMAL}silences: { max_silences: 0, max_silence_bytes: 100000, max_regex: 1 }\n`)).toEqual([
      'silences.max_silences (test.yaml:7:27): Too small: expected number to be >0',
      'silences.max_silence_bytes (test.yaml:7:49): Too big: expected number to be <=65536',
      'silences (test.yaml:7:11): unknown key "max_regex"',
    ]);
  });

  it('names the key path and line of every problem', () => {
    const issues = configIssues(`
route:
  receiver: a
  group_wait: 30 seconds
  routes:
    - matchers: ['severity=~"(unclosed"']
      recevier: a
receivers:
  - name: a
    slack_configs: [{ channel: '#x' }]
`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^route\.group_wait \(test\.yaml:4:\d+\): not a duration/),
        expect.stringMatching(/^route\.routes\[0\]\.matchers\[0\] \(test\.yaml:6:\d+\): invalid matcher/),
        expect.stringMatching(/^route\.routes\[0\] \(test\.yaml:6:\d+\): unknown key "recevier"/),
        expect.stringMatching(/^receivers\[0\]\.slack_configs\[0\]\.webhook_url \(test\.yaml:10:\d+\): required/),
      ]),
    );
  });

  it('checks that routes name defined receivers (once the file is well-formed)', () => {
    expect(configIssues(MINIMAL.replace('receiver: a', 'receiver: a\n  routes: [{ receiver: nobody }]'))).toEqual([
      expect.stringMatching(/^route\.routes\[0\]\.receiver \(test\.yaml:\d+:\d+\): unknown receiver "nobody" \(defined: a\)/),
    ]);
  });

  it('rejects duplicate receivers, matchers on the root and YAML syntax errors', () => {
    expect(configIssues(MINIMAL + `  - name: a\n`).join('\n')).toMatch(/receivers\[1\]\.name.*duplicate receiver name "a"/);
    expect(configIssues(MINIMAL.replace('receiver: a', "receiver: a\n  matchers: ['a=b']")).join('\n')).toMatch(/root route must not have matchers/);
    expect(configIssues('route: [').join('\n')).toMatch(/test\.yaml:1:\d+/);
  });

  it('names a match or match_re key __proto__ instead of dropping it (the route or rule side would match every alert)', () => {
    const issues = configIssues(`
route:
  receiver: a
  routes:
    - match: { __proto__: x }
      receiver: a
    - match_re: { __proto__: 'x.*' }
      receiver: a
inhibit_rules:
  - source_match: { __proto__: x }
    target_match: { alertname: y }
receivers:
  - name: a
`);
    expect(issues).toEqual([
      expect.stringMatching(/^route\.routes\[0\]\.match\.__proto__ \(test\.yaml:5:\d+\): .*"__proto__"/),
      expect.stringMatching(/^route\.routes\[1\]\.match_re\.__proto__ \(test\.yaml:7:\d+\): .*"__proto__"/),
      expect.stringMatching(/^inhibit_rules\[0\]\.source_match\.__proto__ \(test\.yaml:10:\d+\): .*"__proto__"/),
    ]);
  });

  it("refuses a channel request timeout that would outlive the sender's claim on the notification", () => {
    const withTimeout = (t: string) => MINIMAL.replace("url: 'http://127.0.0.1:1/x' }", `url: 'http://127.0.0.1:1/x', timeout: ${t} }`);
    expect(configIssues(withTimeout('2m'))).toEqual([expect.stringMatching(/^receivers\[0\]\.webhook_configs\[0\]\.timeout \(test\.yaml:\d+:\d+\): at most 50s/)]);
    expect(configIssues(withTimeout('1h')).join('\n')).toMatch(/at most 50s/);
    expect(parseConfigYaml(withTimeout('50s'), 'test.yaml').receivers[0]!.webhook_configs[0]!.timeout).toBe('50s');
    // The bound leaves room for the longest inline rate-limit wait (5 s) inside the claim's lease.
    expect(MAX_REQUEST_TIMEOUT_MS + 5_000).toBeLessThan(CLAIM_LEASE_MS);
  });

  it('collects secret references with their key paths', () => {
    const config = parseConfigYaml(`
auth: { bearer_tokens: [{ ssm: /t }] }
route: { receiver: a }
receivers:
  - name: a
    slack_configs: [{ webhook_url: { ssm: /s, env: S } }]
    webhook_configs: [{ url: 'http://plain/not-secret', hmac_secret: inline }]
`);
    expect(collectSecretRefs(config)).toEqual([
      { path: 'auth.bearer_tokens[0]', ref: { ssm: '/t' } },
      { path: 'receivers[0].slack_configs[0].webhook_url', ref: { ssm: '/s', env: 'S' } },
      { path: 'receivers[0].webhook_configs[0].hmac_secret', ref: 'inline' },
    ]);
  });

  it('collects token secrets under auth.tokens[i].secret, beside deprecated bearer_tokens', () => {
    const config = parseConfigYaml(`
auth:
  tokens:
    - { name: alertmanager, secret: { ssm: /t/am, env: AM }, scopes: [ingest] }
    - { name: ops, secret: { ssm: /t/ops }, scopes: [read, manage] }
  bearer_tokens: [{ ssm: /t/old }]
route: { receiver: a }
receivers: [{ name: a }]
`);
    expect(collectSecretRefs(config)).toEqual([
      { path: 'auth.tokens[0].secret', ref: { ssm: '/t/am', env: 'AM' } },
      { path: 'auth.tokens[1].secret', ref: { ssm: '/t/ops' } },
      { path: 'auth.bearer_tokens[0]', ref: { ssm: '/t/old' } },
    ]);
  });

  it('parses Prometheus durations and rejects others', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('30m1h')).toThrow(/out of order/);
    expect(() => parseDuration('5 minutes')).toThrow(/not a duration/);
    // Longer than 100 years, a time computed from it would leave Date's range (a RangeError, a 500).
    expect(parseDuration('100y')).toBe(100 * 31_536_000_000);
    expect(() => parseDuration('100y1ms')).toThrow(/at most 100y/);
    expect(() => parseDuration('300000y')).toThrow(/at most 100y/);
    expect(() => parseDuration(`${'9'.repeat(400)}s`)).toThrow(/at most 100y/);
  });
});

describe('auth', () => {
  const withAuth = (auth: string) => `auth:\n${auth}\n${MINIMAL}`;

  it('accepts named tokens with scopes', () => {
    const config = parseConfigYaml(withAuth('  tokens:\n    - { name: alertmanager, secret: { env: AM }, scopes: [ingest] }\n    - { name: ops@example.com, secret: { env: OPS }, scopes: [read, manage] }'));
    expect(authTokens(config.auth)).toEqual([
      { name: 'alertmanager', secret: { env: 'AM' }, scopes: ['ingest'] },
      { name: 'ops@example.com', secret: { env: 'OPS' }, scopes: ['read', 'manage'] },
    ]);
    expect(configWarnings(config)).toEqual([]);
  });

  it('still accepts bearer_tokens, each with every scope, and warns once naming auth.tokens', () => {
    const config = parseConfigYaml(withAuth('  bearer_tokens: [{ env: OLD }, { env: OLDER }]'));
    expect(authTokens(config.auth)).toEqual([
      { name: 'bearer_tokens[0]', secret: { env: 'OLD' }, scopes: ['ingest', 'read', 'manage'] },
      { name: 'bearer_tokens[1]', secret: { env: 'OLDER' }, scopes: ['ingest', 'read', 'manage'] },
    ]);
    const warnings = configWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^auth\.bearer_tokens is deprecated .*use auth\.tokens: \[\{ name, secret, scopes/);
    expect(warnings[0]).not.toContain('\n');
  });

  it('names the key path of every problem', () => {
    expect(
      configIssues(
        withAuth(`  tokens:
    - { name: ops, secret: { env: A }, scopes: [read] }
    - { name: ops, secret: { env: B }, scopes: [admin] }
    - { name: 'has space', secret: { env: C }, scopes: [] }
    - { name: ci, scopes: [ingest, ingest] }`),
      ),
    ).toEqual([
      expect.stringMatching(/^auth\.tokens\[1\]\.scopes\[0\] \(test\.yaml:4:\d+\): a scope: ingest, read, manage$/),
      expect.stringMatching(/^auth\.tokens\[2\]\.name \(test\.yaml:5:\d+\): a token name/),
      expect.stringMatching(/^auth\.tokens\[2\]\.scopes \(test\.yaml:5:\d+\): at least one scope \(ingest, read, manage\)$/),
      expect.stringMatching(/^auth\.tokens\[3\]\.secret \(test\.yaml:6:\d+\): required$/),
      expect.stringMatching(/^auth\.tokens\[3\]\.scopes \(test\.yaml:6:\d+\): a scope is listed twice$/),
    ]);
    expect(configIssues(withAuth('  tokens:\n    - { name: ops, secret: { env: A }, scopes: [read] }\n    - { name: ops, secret: { env: B }, scopes: [manage] }'))).toEqual([
      expect.stringMatching(/^auth\.tokens\[1\]\.name \(test\.yaml:4:\d+\): duplicate token name "ops" \(also auth\.tokens\[0\]\.name\)$/),
    ]);
    expect(configIssues(withAuth('  tokens: []'))).toEqual([
      expect.stringMatching(/^auth\.tokens \(test\.yaml:2:\d+\): at least one token is required/),
    ]);
    expect(configIssues(withAuth('  tokens: [{ name: a, secret: { env: A }, scopes: [read] }]\n  bearer_token: [x]'))).toEqual([
      expect.stringMatching(/^auth \(test\.yaml:\d+:\d+\): unknown key "bearer_token"$/),
    ]);
  });
});

describe('npm run config:check', () => {
  const run = (file: string) => {
    try {
      return { code: 0, out: execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin/config-check.ts'), file], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (err) {
      const e = err as { status: number; stderr: string };
      return { code: e.status, out: e.stderr };
    }
  };

  it('prints OK for a valid file and every error with its key path for a bad one', () => {
    expect(run(join(ROOT, 'alertflow.example.yaml'))).toMatchObject({ code: 0, out: expect.stringContaining('OK') });
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'route:\n  receiver: x\n  group_by: 7\nreceivers: []\n');
    const res = run(bad);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/route\.group_by/);
    expect(res.out).toMatch(/receivers/);
  });
});
