import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlertflowStack, type AlertflowStackProps } from '../../lib/alertflow-stack';
import { PROJECT_ROOT } from '../../lib/function';
import { parseConfigYaml } from '../../shared/config/loader';
import type { Config } from '../../shared/config/schema';

/** A deployable config using every channel type and every secret kind (tokens in both forms). */
export const TEST_CONFIG_YAML = `
auth:
  tokens:
    - { name: alertmanager, secret: { ssm: /alertflow/webhook-token, env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest] }
  bearer_tokens:
    - { ssm: /alertflow/second-token }
route:
  receiver: team
  routes:
    - matchers: ['severity="critical"']
      receiver: hooks
receivers:
  - name: team
    slack_configs:
      - webhook_url: { ssm: /alertflow/slack/team, env: SLACK_URL }
      - webhook_url: { ssm: /alertflow/slack/team }
  - name: hooks
    webhook_configs:
      - url: { ssm: alertflow/webhook/url }
        hmac_secret: { ssm: /alertflow/webhook/hmac }
      - url: https://plain.example.com/hook
    email_configs:
      - { from: alerts@example.com, to: [oncall@example.com] }
      - { from: 'Alertflow Pager <pager@alerts.example.net>', to: [oncall@example.com] }
    sms_configs:
      - { to: ['+15551234567'] }
    pagerduty_configs:
      - routing_key: { ssm: /alertflow/pagerduty/key }
    teams_configs:
      - webhook_url: { ssm: /alertflow/teams/url }
`;

export function testConfig(yaml = TEST_CONFIG_YAML): Config {
  return parseConfigYaml(yaml, 'test.yaml');
}

/** The context `cdk synth` uses (cdk.json's feature flags), so tests see the deployed template. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface Synthesized {
  app: App;
  stack: AlertflowStack;
  template: Template;
  /** The cloud assembly directory. */
  outdir: string;
}

/**
 * Builds and synthesizes the stack with bundling skipped (`aws:cdk:bundling-stacks: []`): no
 * esbuild run and nothing staged, so the Lambda code is a placeholder asset.
 */
export function synthesize(
  config: Config = testConfig(),
  props: Partial<AlertflowStackProps> = {},
  options: { nag?: boolean } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'alertflow-infra-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new AlertflowStack(app, 'Alertflow', { ...props, config });
  // As bin/app.ts does: synthesis fails on any unacknowledged AwsSolutions error.
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir };
}
