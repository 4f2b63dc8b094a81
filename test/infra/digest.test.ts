import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/queues/names';
import type { ChannelType } from '../../shared/queues/messages';
import { LIST_INDEX } from '../../shared/store/keys';
import { synthesize, testConfig } from './synth';
import { asArray, props, refId, render, resources, statementsByRole, type Resource, type Statement } from './template';

/**
 * The daily digest as deployed: a cron schedule in the configured timezone that invokes the checks
 * function with its scheduled time, and what that function then may do (send to the digest
 * receiver's channel queues, read the listing index); without a digest, none of it.
 */
const YAML = `
digest: { receiver: team, cron: '0 9 * * 1-5', timezone: Europe/Berlin }
route:
  receiver: team
  routes:
    - matchers: ['severity="critical"']
      receiver: hooks
receivers:
  - name: team
    slack_configs:
      - webhook_url: { ssm: /alertflow/slack/team }
      - webhook_url: { ssm: /alertflow/slack/team-2 }
    email_configs: [{ from: alerts@example.com, to: [team@example.com] }]
    pagerduty_configs: [{ routing_key: { ssm: /alertflow/pagerduty/key } }]
  - name: hooks
    webhook_configs: [{ url: 'https://hooks.example.com/x' }]
    teams_configs: [{ webhook_url: { ssm: /alertflow/teams/url } }]
`;
/** The same deployment without the digest. */
const WITHOUT = YAML.replace(/^digest:.*\n/m, '');

function synth(yaml: string, nag = false) {
  const s = synthesize(testConfig(yaml), {}, { nag });
  const af = s.stack.alertflow;
  const id = (c: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId((c as { node: { defaultChild: never } }).node.defaultChild);
  const res = (s.template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  const checksRole = id(af.checks.function.role);
  const statements = statementsByRole(s.template).get(checksRole)!;
  const env = (props(res[id(af.checks.function.fn)]!).Environment as { Variables: Record<string, unknown> }).Variables;
  const [tableId] = resources(s.template, 'AWS::DynamoDB::Table').map(([logicalId]) => logicalId);
  const queueId = (t: ChannelType) => id(af.channels.byType[t]!.notifications.queue);
  return { ...s, af, id, statements, env, tableId: tableId!, queueId, schedules: resources(s.template, 'AWS::Scheduler::Schedule') };
}

const withDigest = synth(YAML);
const withoutDigest = synth(WITHOUT);

const actionsOf = (statements: Statement[]) => [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
const resourcesOf = (statements: Statement[], action: string) => statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource));

describe('daily digest (deployed)', () => {
  it('adds a cron schedule in the EventBridge form, in the configured timezone, that invokes the checks function with its scheduled time', () => {
    const { af, id, schedules } = withDigest;
    expect(schedules).toHaveLength(2);
    const digest = af.checks.digestSchedule!;
    expect(digest).toBeDefined();
    const [[logicalId, schedule]] = schedules.filter(([, s]) => props(s).ScheduleExpression !== 'rate(1 minute)') as [[string, Resource]];
    expect(logicalId).toBe(withDigest.stack.getLogicalId(digest));
    const p = props(schedule);
    expect(p).toMatchObject({
      ScheduleExpression: 'cron(0 9 ? * 2-6 *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Description: 'alertflow: the daily digest to team',
    });
    // In alertflow's schedule group, as the checks tick.
    const tick = props(schedules.find(([, s]) => props(s).ScheduleExpression === 'rate(1 minute)')![1]);
    expect(p.GroupName).toEqual(tick.GroupName);
    const target = p.Target as Record<string, unknown>;
    expect(refId(target.Arn)).toBe(id(af.checks.function.fn));
    expect(refId(target.RoleArn)).toBe(id(af.checks.schedulerRole));
    // The scheduled time names the window, so a retried invocation sends the same digest.
    expect(JSON.parse(target.Input as string)).toEqual({ kind: 'digest', at: '<aws.scheduler.scheduled-time>' });
    expect(refId((target.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(id(af.checks.dlq));
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 5 });
  });

  it("lets the checks function send to the digest receiver's channel queues only (not PagerDuty's), with their URLs in its environment", () => {
    const { af, id, statements, env, queueId } = withDigest;
    const sends = resourcesOf(statements, 'sqs:SendMessage').map(refId).sort();
    expect(sends).toEqual([id(af.ingestion.alerts.queue), queueId('slack'), queueId('email')].sort());
    for (const t of ['pagerduty', 'webhook', 'teams'] as const) expect(sends, t).not.toContain(queueId(t));
    expect(actionsOf(statements).filter((a) => a.startsWith('sqs:'))).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    expect(Object.keys(env).sort()).toEqual([ENV.alertsQueueUrl, ENV.channelQueueUrls, ENV.deployment, ENV.table].sort());
    // Both Slack entries share the Slack queue.
    expect(JSON.parse(render(env[ENV.channelQueueUrls]))).toEqual({ slack: `\${${queueId('slack')}}`, email: `\${${queueId('email')}}` });
  });

  it('lets the checks function Query the listing index (groups, incidents) and get items, besides its own table actions', () => {
    const { statements, tableId } = withDigest;
    expect(actionsOf(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    const queries = resourcesOf(statements, 'dynamodb:Query').map(render).sort();
    expect(queries).toEqual([`\${${tableId}.Arn}`, `\${${tableId}.Arn}/index/${LIST_INDEX}`].sort());
    // The index is queried, nothing else of it.
    const onIndex = statements.filter((s) => asArray(s.Resource).some((r) => render(r).includes('/index/')));
    expect(actionsOf(onIndex)).toEqual(['dynamodb:Query']);
    expect(resourcesOf(statements, 'dynamodb:GetItem').map(render)).toEqual([`\${${tableId}.Arn}`]);
  });

  it('passes cdk-nag with the digest', () => {
    const { outdir } = synth(YAML, true);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(JSON.stringify(report.pluginReports)).not.toMatch(/AwsSolutions/);
  });

  it('without a digest: only the checks tick, no channel queue, no index, no GetItem', () => {
    const { af, id, statements, env, schedules } = withoutDigest;
    expect(af.checks.digestSchedule).toBeUndefined();
    expect(schedules.map(([, s]) => props(s).ScheduleExpression)).toEqual(['rate(1 minute)']);
    expect(resourcesOf(statements, 'sqs:SendMessage').map(refId)).toEqual([id(af.ingestion.alerts.queue)]);
    expect(Object.keys(env).sort()).toEqual([ENV.alertsQueueUrl, ENV.deployment, ENV.table].sort());
    expect(actionsOf(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(statements.some((s) => asArray(s.Resource).some((r) => render(r).includes('/index/')))).toBe(false);
  });
});
