import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { AlertflowStack } from '../../lib/alertflow-stack';
import { buildFunctionBundle } from '../../lib/bundle';
import { CONFIG_DEFINE, PROJECT_ROOT, configDefine } from '../../lib/function';
import { deployedSecrets } from '../../lib/secrets';
import { EXAMPLE_CONFIG, loadConfigFile } from '../../shared/config/loader';
import type { Config } from '../../shared/config/schema';
import { parseConfig } from '../../shared/config/validate';
import { ConfigError } from '../../shared/errors';
import { TEST_CONFIG_YAML, synthesize, testConfig } from './synth';

// How the config becomes deployable: secrets must be SSM references, and the validated config is
// bundled into the functions through esbuild's define.

const UNDEPLOYABLE = `
auth:
  tokens:
    - { name: ci, secret: inline-ci-token, scopes: [ingest] }
    - { name: ops, secret: { ssm: /alertflow/ops }, scopes: [read, manage] }
  bearer_tokens:
    - plain-token-value
    - { ssm: /alertflow/ok }
route: { receiver: team }
receivers:
  - name: team
    slack_configs:
      - webhook_url: { env: SLACK_URL }
    webhook_configs:
      - url: https://plain.example.com/hook
        hmac_secret: inline-hmac-key
`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('deployed secrets', () => {
  it('maps each secret to the functions that read it', () => {
    expect(deployedSecrets(testConfig(TEST_CONFIG_YAML))).toEqual([
      { path: 'auth.tokens[0].secret', parameterName: '/alertflow/webhook-token', readers: ['ingest', 'api'] },
      { path: 'auth.bearer_tokens[0]', parameterName: '/alertflow/second-token', readers: ['ingest', 'api'] },
      { path: 'receivers[0].slack_configs[0].webhook_url', parameterName: '/alertflow/slack/team', readers: ['slack-sender'] },
      { path: 'receivers[0].slack_configs[1].webhook_url', parameterName: '/alertflow/slack/team', readers: ['slack-sender'] },
      { path: 'receivers[1].webhook_configs[0].url', parameterName: 'alertflow/webhook/url', readers: ['webhook-sender'] },
      { path: 'receivers[1].webhook_configs[0].hmac_secret', parameterName: '/alertflow/webhook/hmac', readers: ['webhook-sender'] },
      { path: 'receivers[1].pagerduty_configs[0].routing_key', parameterName: '/alertflow/pagerduty/key', readers: ['pagerduty-sender'] },
      { path: 'receivers[1].teams_configs[0].webhook_url', parameterName: '/alertflow/teams/url', readers: ['teams-sender'] },
    ]);
  });

  it('rejects inline and env-only secrets, naming every key path and no secret value', () => {
    const err = thrown(() => deployedSecrets(testConfig(UNDEPLOYABLE)));
    expect(err).toBeInstanceOf(ConfigError);
    const { message, issues } = err as ConfigError;
    expect(issues.map((i) => i.path)).toEqual([
      'auth.tokens[0].secret',
      'auth.bearer_tokens[0]',
      'receivers[0].slack_configs[0].webhook_url',
      'receivers[0].webhook_configs[0].hmac_secret',
    ]);
    for (const issue of issues) expect(message).toContain(issue.path);
    expect(message).toMatch(/inline secret/);
    expect(message).toMatch(/only env: SLACK_URL/);
    expect(message).not.toContain('plain-token-value');
    expect(message).not.toContain('inline-ci-token');
    expect(message).not.toContain('inline-hmac-key');
  });

  it('fails synth before creating any resource', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const err = thrown(() => new AlertflowStack(app, 'Alertflow', { config: testConfig(UNDEPLOYABLE) }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('auth.tokens[0].secret');
    const stack = app.node.findChild('Alertflow');
    expect(stack.node.findAll().filter((c) => c.node.path.includes('/Alertflow/Alertflow/'))).toEqual([]);
  });
});

const ESBUILD = join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');

/** Bundles `source` with the config define passed exactly as the CDK passes it (an argv entry). */
function bundleWithConfig(source: string, config: Config): string {
  return execFileSync(ESBUILD, ['--bundle', '--format=esm', '--platform=node', '--minify', `--define:${CONFIG_DEFINE}=${configDefine(config)}`], {
    input: source,
    encoding: 'utf8',
  });
}

describe('config injection', () => {
  it('bundles the validated config so the runtime reads it back unchanged', async () => {
    const config = testConfig();
    const out = bundleWithConfig(
      `export const config = typeof ${CONFIG_DEFINE} === 'string' ? JSON.parse(${CONFIG_DEFINE}) : undefined;`,
      config,
    );
    const mod = (await import(`data:text/javascript,${encodeURIComponent(out)}`)) as { config: unknown };
    expect(mod.config).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('survives quotes, backslashes and non-ASCII in config values', () => {
    const config = { ...testConfig(), external_url: 'https://example.com/a"b\\c/ü?x=`${y}`' } as Config;
    expect(JSON.parse(JSON.parse(configDefine(config)) as string)).toEqual(config);
  });

  it('validates what it bundles, so the functions need not parse it again at cold start', () => {
    const config = testConfig();
    expect(() => configDefine({ ...config, recievers: [] } as unknown as Config)).toThrow(ConfigError);
    // The parser's output is bundled (its defaults filled in), not the object as given.
    const { ingest: _ingest, ...withoutDefaults } = config;
    expect(JSON.parse(JSON.parse(configDefine(withoutDefaults as Config)) as string)).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it.each([
    ['the test config', () => testConfig()],
    ['the shipped example', () => loadConfigFile(join(PROJECT_ROOT, EXAMPLE_CONFIG))],
  ])('bundles %s exactly as parsing it again at cold start would give it', (_name, load) => {
    const bundled = JSON.parse(JSON.parse(configDefine(load())) as string) as unknown;
    expect(parseConfig(bundled)).toEqual(bundled);
  });

  // esbuild runs in the synth process (lib/bundle.ts): no command line caps the define at 128 KiB.
  it('bundles a config larger than one command-line argument may be', () => {
    const config = testConfig();
    const huge = { ...config, receivers: [...config.receivers, ...Array.from({ length: 3000 }, (_, i) => ({ ...config.receivers[0]!, name: `r${i}` }))] };
    const define = configDefine(huge);
    expect(Buffer.byteLength(define)).toBeGreaterThan(128 * 1024);
    const outdir = mkdtempSync(join(tmpdir(), 'alertflow-huge-config-'));
    try {
      buildFunctionBundle(outdir, { root: PROJECT_ROOT, name: 'ingest', define: { [CONFIG_DEFINE]: define } });
      expect(readFileSync(join(outdir, 'index.mjs'), 'utf8')).toContain('r2999');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('channels', () => {
  it('deploys a queue and a sender only for the channel types the config uses (idle queues cost polling)', () => {
    const { stack, template } = synthesize(
      testConfig(`
route: { receiver: a }
receivers:
  - name: a
    slack_configs: [{ webhook_url: { ssm: /alertflow/slack } }]
`),
    );
    expect(Object.keys(stack.alertflow.channels.byType)).toEqual(['slack']);
    // alerts + its DLQ, slack + its DLQ, the async-invocation DLQ, and the checks tick's DLQ.
    expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toHaveLength(6);
  });
});
