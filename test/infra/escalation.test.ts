import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV, ESCALATIONS_QUEUE } from '../../shared/queues/names';
import { synthesize, testConfig } from './synth';
import { asArray, props, refId, render, resources, statementsByRole, type Resource } from './template';

/** Escalation as deployed: only with policies; its queue, escalator, scheduler role and audit schedule. */
const WITH_POLICIES = testConfig(`
escalation_policies:
  - name: critical
    steps:
      - { notify: [team], wait: 10m }
      - { notify: [oncall] }
route: { receiver: team, routes: [{ matchers: ['severity="critical"'], escalation_policy: critical }] }
receivers:
  - name: team
    webhook_configs: [{ url: 'https://hooks.example.com/team' }]
  - name: oncall
    webhook_configs: [{ url: 'https://hooks.example.com/oncall' }]
`);

const { stack, template } = synthesize(WITH_POLICIES);
const af = stack.alertflow;
const esc = af.escalation!;
const id = (c: { node: { defaultChild?: unknown } } | undefined) => stack.getLogicalId((c as { node: { defaultChild: never } }).node.defaultChild);
const byRole = statementsByRole(template);

describe('escalation (deployed)', () => {
  it('is deployed only for a config with policies', () => {
    expect(esc).toBeDefined();
    const none = synthesize();
    expect(none.stack.alertflow.escalation).toBeUndefined();
    // Only the checks tick's schedule: no audit tick.
    expect(resources(none.template, 'AWS::Scheduler::Schedule').map(([, s]) => props(s).Description)).toEqual(['alertflow: the checks tick (heartbeats and threshold checks)']);
  });

  it('runs the escalator on the escalations queue with per-record failures, and a DLQ behind it', () => {
    const mappings = resources(template, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => refId(props(m).FunctionName) === id(esc.function.fn));
    expect(mappings).toHaveLength(1);
    expect(props(mappings[0]![1])).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    expect(refId(props(mappings[0]![1]).EventSourceArn)).toBe(id(esc.queue.queue));
    const queue = props((template.toJSON().Resources as Record<string, Resource>)[id(esc.queue.queue)]!);
    expect(refId((queue.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn)).toBe(id(esc.queue.dlq));
  });

  it("gives Scheduler a role trusted only for this account, that reaches the escalations queue and its DLQ only", () => {
    const role = props((template.toJSON().Resources as Record<string, Resource>)[id(esc.schedulerRole)]!);
    expect((role.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    const statements = byRole.get(id(esc.schedulerRole))!;
    // grantSendMessages: SendMessage and the two reads it needs, nothing else.
    expect([...new Set(statements.flatMap((s) => asArray(s.Action)))].sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    // One statement (CDK merges the grants) on exactly the two queues.
    expect(statements.flatMap((s) => asArray(s.Resource)).map(refId).sort()).toEqual([id(esc.queue.dlq), id(esc.queue.queue)].sort());
  });

  it('lets the api and the escalator pass only the escalation role, the router also the flush role, to Scheduler only', () => {
    const passed = (fn: { fn: { role?: { node: { defaultChild?: unknown } } } }) => {
      const passes = byRole.get(stack.getLogicalId(fn.fn.role!.node.defaultChild as never))!.filter((s) => asArray(s.Action).includes('iam:PassRole'));
      for (const s of passes) expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
      return passes.flatMap((s) => asArray(s.Resource).map(refId)).sort();
    };
    expect(passed(af.api.function)).toEqual([id(esc.schedulerRole)]);
    expect(passed(esc.function)).toEqual([id(esc.schedulerRole)]);
    expect(passed(af.routing.function)).toEqual([id(esc.schedulerRole), id(af.routing.schedulerRole)].sort());
  });

  it('tells the functions where escalation timers go: the escalations queue, through its own role, with its DLQ', () => {
    const fnResource = (template.toJSON().Resources as Record<string, Resource>)[id(af.routing.function.fn)]!;
    const env = (props(fnResource).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(refId(env[ENV.escalationsQueueUrl])).toBe(id(esc.queue.queue));
    const arns = JSON.parse(render(env[ENV.queueArns])) as Record<string, unknown>;
    expect(arns[ESCALATIONS_QUEUE]).toEqual({ arn: `\${${id(esc.queue.queue)}.Arn}`, roleArn: `\${${id(esc.schedulerRole)}.Arn}`, dlqArn: `\${${id(esc.queue.dlq)}.Arn}` });
  });

  it('puts the audit tick on the escalations queue every 5 minutes, with a retry policy and a DLQ', () => {
    // Beside the checks tick's.
    const schedules = resources(template, 'AWS::Scheduler::Schedule').filter(([, sc]) => props(sc).ScheduleExpression !== 'rate(1 minute)');
    expect(schedules).toHaveLength(1);
    const s = props(schedules[0]![1]);
    expect(s).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', FlexibleTimeWindow: { Mode: 'OFF' } });
    const target = s.Target as Record<string, unknown>;
    expect(refId(target.Arn)).toBe(id(esc.queue.queue));
    expect(refId(target.RoleArn)).toBe(id(esc.schedulerRole));
    expect(JSON.parse(target.Input as string)).toEqual({ kind: 'audit' });
    expect(refId((target.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(id(esc.queue.dlq));
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 3 });
  });

  it('takes two-way SMS replies on a topic that delivers them raw to the escalations queue', () => {
    const subs = resources(template, 'AWS::SNS::Subscription').map(([, s]) => props(s));
    const sms = subs.find((s) => refId(s.TopicArn) === id(esc.smsReplies));
    expect(sms).toMatchObject({ Protocol: 'sqs', RawMessageDelivery: true });
    expect(refId(sms!.Endpoint)).toBe(id(esc.queue.queue));
    expect(template.toJSON().Outputs.SmsReplyTopicArn).toBeDefined();
  });

  it('serves the link, Slack and PagerDuty routes without a bearer token (their signatures are the credential)', () => {
    const routes = resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => props(r));
    for (const key of ['GET /v1/links/{link}', 'POST /v1/links/{link}', 'POST /v1/slack/interactions', 'POST /v1/pagerduty/webhooks']) {
      const route = routes.find((r) => r.RouteKey === key);
      expect(route, key).toBeDefined();
      expect(route!.AuthorizationType ?? 'NONE', key).toBe('NONE');
    }
  });

  it('grants the link signing key to the senders and the api, and passes cdk-nag', () => {
    const { outdir } = synthesize(WITH_POLICIES, {}, { nag: true });
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(JSON.stringify(report.pluginReports)).not.toMatch(/AwsSolutions/);
    const ssmReaders = resources(template, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(props(p).PolicyDocument).includes('link-signing-key'))
      .flatMap(([, p]) => (props(p).Roles as unknown[]).map(refId));
    expect(ssmReaders).toContain(stack.getLogicalId(af.api.function.fn.role!.node.defaultChild as never));
    expect(ssmReaders).toContain(stack.getLogicalId(af.channels.byType.webhook!.function.fn.role!.node.defaultChild as never));
    // Ingest verifies heartbeat ping URLs only: without heartbeats it does not read the key.
    expect(ssmReaders).not.toContain(stack.getLogicalId(af.ingestion.function.fn.role!.node.defaultChild as never));
  });
});
