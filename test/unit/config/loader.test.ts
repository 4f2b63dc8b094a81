import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configIssues } from '../../support/config';
import { loadConfigFile, parseConfigYaml } from '../../../shared/config/loader';
import { parseDuration } from '../../../shared/config/duration';
import { collectSecretRefs } from '../../../shared/config/secrets';
import { compileConfig } from '../../../shared/runtime/compiled-config';

const ROOT = join(__dirname, '../../..');


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
    expect(config.routeTree.routes).toHaveLength(3);
    expect(config.defaultAlertTimeoutMs).toBe(86_400_000);
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
    expect(config.auth.bearer_tokens).toEqual([{ ssm: '/alertflow/webhook-token', env: 'ALERTFLOW_WEBHOOK_TOKEN' }]);
    expect(config.receivers[0]!.webhook_configs[0]!.format).toBe('alertflow');
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

  it('parses Prometheus durations and rejects others', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('30m1h')).toThrow(/out of order/);
    expect(() => parseDuration('5 minutes')).toThrow(/not a duration/);
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
