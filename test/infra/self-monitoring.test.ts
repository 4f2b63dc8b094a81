import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FunctionName } from '../../lib/function';
import { SENDER_TABLE_ACTIONS } from '../../lib/channels';
import { ROUTER_TABLE_ACTIONS } from '../../lib/routing';
import { PROBE_TABLE_ACTIONS, QUEUE_AGE_THRESHOLD } from '../../lib/self-monitoring';
import { PROJECT_ROOT } from '../../lib/function';
import { loadConfigFile } from '../../shared/config/loader';
import { SelfMonitoringConfig } from '../../shared/self-monitoring/config';
import { ConfigError } from '../../shared/errors';
import { ENV } from '../../shared/queues/names';
import { DEPLOYMENT_DIMENSION, METRICS, METRICS_NAMESPACE } from '../../shared/self-monitoring/metrics';
import { SyntheticEvent } from '../../shared/self-monitoring/synthetic';
import { synthesize, testConfig } from './synth';
import { asArray, props, refId, render, resources, statementsByRole, type Resource } from './template';

/** Self-monitoring as deployed: its alarms, the synthetic heartbeat's schedule and role, the out-of-band alarm. */
const YAML = `
escalation_policies:
  - name: critical
    steps: [{ notify: [ops] }]
route: { receiver: team, routes: [{ matchers: ['severity="critical"'], escalation_policy: critical }] }
receivers:
  - name: team
    slack_configs: [{ webhook_url: { ssm: /alertflow/slack/team } }]
  - name: ops
    webhook_configs: [{ url: 'https://hooks.example.com/ops' }]
self_monitoring:
  receiver: ops
  email: oncall@example.com
`;
const { stack, template } = synthesize(testConfig(YAML));
const af = stack.alertflow;
const sm = af.selfMonitoring!;
const esc = af.escalation!;
const json = template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, unknown> };
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId((c as { node: { defaultChild: never } }).node.defaultChild);
const byRole = statementsByRole(template);
const alarms = resources(template, 'AWS::CloudWatch::Alarm').map(([logicalId, a]) => ({ logicalId, ...props(a) })) as Array<Record<string, unknown> & { logicalId: string; AlarmName: string }>;
const alarm = (what: string) => alarms.find((a) => a.AlarmName === `alertflow-self-Alertflow-${what}`)!;
const dims = (a: Record<string, unknown>) => Object.fromEntries((a.Dimensions as Array<{ Name: string; Value: unknown }>).map((d) => [d.Name, d.Value]));

const FUNCTIONS: Record<string, { fn: { node: { defaultChild?: unknown } } }> = {
  ingest: af.ingestion.function,
  api: af.api.function,
  router: af.routing.function,
  checks: af.checks.function,
  escalator: esc.function,
  'slack-sender': af.channels.byType.slack!.function,
  'webhook-sender': af.channels.byType.webhook!.function,
};
const SOURCE_QUEUES = { alerts: af.ingestion.alerts.queue, 'slack-notifications': af.channels.byType.slack!.notifications.queue, 'webhook-notifications': af.channels.byType.webhook!.notifications.queue, escalations: esc.queue.queue };
const DLQS = {
  'alerts-dlq': af.ingestion.alerts.dlq,
  'ingest-async-dlq': af.ingestion.asyncDlq,
  'checks-tick-dlq': af.checks.dlq,
  'slack-notifications-dlq': af.channels.byType.slack!.notifications.dlq,
  'webhook-notifications-dlq': af.channels.byType.webhook!.notifications.dlq,
  'escalations-dlq': esc.queue.dlq,
};

describe('self-monitoring alarms (deployed)', () => {
  it('has exactly one alarm per DLQ, per source queue, per function and metric, the auditor and the pipeline, all named with the prefix', () => {
    const expected = [
      ...Object.keys(DLQS).map((q) => `dlq-${q}`),
      ...Object.keys(SOURCE_QUEUES).map((q) => `age-${q}`),
      ...Object.keys(FUNCTIONS).flatMap((f) => [`errors-${f}`, `throttles-${f}`]),
      'escalation-audit',
      'pipeline-silent',
    ].map((w) => `alertflow-self-Alertflow-${w}`);
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(expected.sort());
    expect(alarms).toHaveLength(6 + 4 + 14 + 2);
  });

  it('alarms on any message in each DLQ, by its own queue', () => {
    for (const [name, dlq] of Object.entries(DLQS)) {
      const a = alarm(`dlq-${name}`);
      expect(a, name).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Period: 60, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
      expect(refId(dims(a).QueueName), name).toBe(id(dlq));
    }
  });

  it(`alarms on each source queue's oldest message past ${QUEUE_AGE_THRESHOLD.toMinutes()} minutes (twice SQS's longest delay)`, () => {
    expect(QUEUE_AGE_THRESHOLD.toSeconds()).toBe(2 * 900);
    for (const [name, queue] of Object.entries(SOURCE_QUEUES)) {
      const a = alarm(`age-${name}`);
      expect(a, name).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Statistic: 'Maximum', Threshold: 1800, ComparisonOperator: 'GreaterThanThreshold' });
      expect(refId(dims(a).QueueName), name).toBe(id(queue));
    }
  });

  it('alarms on errors and throttles of every function, summed over 5 minutes', () => {
    for (const [name, fn] of Object.entries(FUNCTIONS)) {
      for (const metric of ['Errors', 'Throttles']) {
        const a = alarm(`${metric.toLowerCase()}-${name}`);
        expect(a, name).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metric, Statistic: 'Sum', Period: 300, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
        expect(refId(dims(a).FunctionName), name).toBe(id(fn.fn));
      }
    }
  });

  it("alarms on the auditor's findings, the EMF metric the escalator emits under the deployment's dimension", () => {
    expect(alarm('escalation-audit')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRICS.auditFindings,
      Dimensions: [{ Name: DEPLOYMENT_DIMENSION, Value: 'Alertflow' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const env = (fn: { fn: { node: { defaultChild?: unknown } } }) => (props(json.Resources[id(fn.fn)]!).Environment as { Variables: Record<string, unknown> }).Variables;
    // Every function learns the dimension's value (all of them publish metrics); the alarms read the escalator's and the probed sender's.
    for (const [name, fn] of Object.entries(FUNCTIONS)) expect(env(fn)[ENV.deployment], name).toBe('Alertflow');
  });

  it('gives the alarms that come back through alertflow no actions (the EventBridge rule takes every state change)', () => {
    for (const a of alarms.filter((x) => !x.AlarmName.endsWith('pipeline-silent'))) {
      expect(a.AlarmActions, a.AlarmName).toBeUndefined();
      expect(a.OKActions, a.AlarmName).toBeUndefined();
    }
    const rule = props(resources(template, 'AWS::Events::Rule')[0]![1]);
    expect(rule.EventPattern).toEqual({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] });
  });
});

describe('the synthetic heartbeat (deployed)', () => {
  const schedule = props(json.Resources[stack.getLogicalId(sm.syntheticSchedule)]!);
  const target = schedule.Target as Record<string, unknown>;

  it('invokes the ingest function every synthetic_every (5 minutes by default) with the synthetic event', () => {
    expect(schedule).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(refId(target.Arn)).toBe(id(af.ingestion.function.fn));
    expect(refId(target.RoleArn)).toBe(id(sm.schedulerRole));
    // The input is the schema ingest validates (Scheduler fills in its context attributes).
    const input = SyntheticEvent.parse(JSON.parse(target.Input as string));
    expect(input).toEqual({ alertflow: 'synthetic-heartbeat', execution_id: '<aws.scheduler.execution-id>', scheduled_at: '<aws.scheduler.scheduled-time>' });
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 });
  });

  it("lets only the sender its probes reach (ops's first channel, a webhook) read and write the built-in heartbeat", () => {
    const table = id(af.state.table);
    const tableStatements = (fn: { role: { node: { defaultChild?: unknown } } }) => byRole.get(id(fn.role))!.filter((st) => asArray(st.Resource).some((r) => refId(r) === table));
    // The heartbeat's batch read and conditional put, beside the sender's own actions: one statement, on the table only.
    expect(tableStatements(af.channels.byType.webhook!.function)).toEqual([
      { Action: [...new Set([...SENDER_TABLE_ACTIONS, ...PROBE_TABLE_ACTIONS])].sort(), Effect: 'Allow', Resource: { 'Fn::GetAtt': [table, 'Arn'] } },
    ]);
    expect(PROBE_TABLE_ACTIONS).toEqual(['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    expect(tableStatements(af.channels.byType.slack!.function).flatMap((st) => asArray(st.Action))).toEqual([...SENDER_TABLE_ACTIONS].sort());
    expect(tableStatements(af.routing.function).flatMap((st) => asArray(st.Action)).sort()).toEqual([...ROUTER_TABLE_ACTIONS].sort());
  });

  it('gives Scheduler a role trusted only for this account, that may invoke the ingest function and nothing else', () => {
    const role = props(json.Resources[id(sm.schedulerRole)]!);
    expect((role.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    const statements = byRole.get(id(sm.schedulerRole))!;
    expect(statements).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(af.ingestion.function.fn), 'Arn'] } }]);
  });
});

describe('the out-of-band alarm (deployed)', () => {
  const pipeline = alarm('pipeline-silent');

  it('fires when the synthetic heartbeats stop reaching the router: two empty periods, missing data breaching', () => {
    expect(pipeline).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRICS.syntheticHeartbeats,
      Dimensions: [{ Name: DEPLOYMENT_DIMENSION, Value: 'Alertflow' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
  });

  it('notifies its own SNS topic (alarm and OK), which emails the configured address and nothing else', () => {
    expect(pipeline.AlarmActions).toEqual([{ Ref: stack.getLogicalId(sm.topic.node.defaultChild as never) }]);
    expect(pipeline.OKActions).toEqual(pipeline.AlarmActions);
    const topicId = stack.getLogicalId(sm.topic.node.defaultChild as never);
    const subs = resources(template, 'AWS::SNS::Subscription').map(([, s]) => props(s)).filter((s) => refId(s.TopicArn) === topicId);
    expect(subs).toEqual([{ Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } }]);
    // Only CloudWatch may publish to it, for this alarm, and only over TLS.
    const policy = resources(template, 'AWS::SNS::TopicPolicy').find(([, p]) => asArray(props(p).Topics as unknown[]).some((t) => refId(t) === topicId))!;
    const statements = (props(policy[1]).PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' });
    expect(render((allow[0]!.Condition as { ArnEquals: Record<string, unknown> }).ArnEquals['aws:SourceArn'])).toBe(
      'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:alertflow-self-Alertflow-pipeline-silent',
    );
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(json.Outputs.SelfMonitoringTopicArn).toEqual({ Description: expect.any(String), Value: { Ref: topicId } });
  });

  it('depends on no function, queue or role of alertflow: neither the alarm, its topic nor the subscription refers to one', () => {
    const topicId = stack.getLogicalId(sm.topic.node.defaultChild as never);
    const ours = new Set([
      ...resources(template, 'AWS::Lambda::Function').map(([i]) => i),
      ...resources(template, 'AWS::SQS::Queue').map(([i]) => i),
      ...resources(template, 'AWS::IAM::Role').map(([i]) => i),
    ]);
    const referenced = (value: unknown): string[] => {
      const text = JSON.stringify(value);
      return [...text.matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g)].map((m) => m[1]!);
    };
    // The reader sees references where there are some: a DLQ's alarm names its queue.
    expect(referenced(json.Resources[alarm('dlq-alerts-dlq').logicalId]).filter((r) => ours.has(r))).toEqual([id(af.ingestion.alerts.dlq)]);
    const subscription = resources(template, 'AWS::SNS::Subscription').find(([, s]) => refId(props(s).TopicArn) === topicId)!;
    for (const [what, resource] of [
      ['alarm', json.Resources[pipeline.logicalId]!],
      ['topic', json.Resources[topicId]!],
      ['subscription', subscription[1]],
    ] as const) {
      expect(referenced(resource).filter((r) => ours.has(r)), what).toEqual([]);
      expect((resource as { DependsOn?: unknown }).DependsOn, what).toBeUndefined();
    }
  });
});

describe('self-monitoring (deployed), other configs', () => {
  it('passes cdk-nag with no new acknowledgment', () => {
    const { outdir } = synthesize(testConfig(YAML), {}, { nag: true });
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(JSON.stringify(report.pluginReports)).not.toMatch(/AwsSolutions/);
  });

  it('deploys nothing of it without self_monitoring: no alarm, no synthetic schedule (the functions still publish their metrics)', () => {
    const none = synthesize();
    expect(none.stack.alertflow.selfMonitoring).toBeUndefined();
    expect(resources(none.template, 'AWS::CloudWatch::Alarm')).toEqual([]);
    expect(resources(none.template, 'AWS::Scheduler::Schedule')).toHaveLength(1);
    for (const [logicalId, fn] of resources(none.template, 'AWS::Lambda::Function')) {
      if ((props(fn).Handler as string | undefined)?.startsWith('index.')) expect((props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[ENV.deployment], logicalId).toBe('Alertflow');
    }
  });

  it('subscribes no email without `email`, and leaves the auditor alarm out without escalation', () => {
    const plain = synthesize(testConfig(`
route: { receiver: team }
receivers: [{ name: team, webhook_configs: [{ url: 'https://hooks.example.com/team' }] }]
self_monitoring: { receiver: team, synthetic_every: 1m }
`));
    expect(resources(plain.template, 'AWS::SNS::Subscription').map(([, s]) => props(s).Protocol)).not.toContain('email');
    const names = resources(plain.template, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a).AlarmName as string);
    expect(names.some((n) => n.endsWith('escalation-audit'))).toBe(false);
    expect(names).toContain('alertflow-self-Alertflow-pipeline-silent');
    const synthetic = props((plain.template.toJSON() as { Resources: Record<string, Resource> }).Resources[plain.stack.getLogicalId(plain.stack.alertflow.selfMonitoring!.syntheticSchedule)]!);
    expect(synthetic.ScheduleExpression).toBe('rate(1 minute)');
  });

  it('refuses a synthetic_every that Scheduler cannot run (under 1m, or not whole minutes), naming the key', () => {
    for (const every of ['30s', '90s']) {
      const config = testConfig(`
route: { receiver: team }
receivers: [{ name: team, webhook_configs: [{ url: 'https://hooks.example.com/team' }] }]
self_monitoring: { receiver: team, synthetic_every: ${every} }
`);
      let err: unknown;
      try {
        synthesize(config);
      } catch (e) {
        err = e;
      }
      expect(err, every).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues, every).toEqual([{ path: 'self_monitoring.synthetic_every', message: expect.stringContaining('whole number of minutes') }]);
    }
  });

  it('makes 21 alarms for the shipped example config with its self_monitoring section on (2 channel types, no escalation): $2.10 a month', () => {
    // The example has the section commented out (opt-in: alarms cost while idle); turned on as the file shows it.
    const raw = loadConfigFile(join(PROJECT_ROOT, 'alertflow.example.yaml'));
    expect(raw.self_monitoring).toBeUndefined();
    const example = synthesize({ ...raw, self_monitoring: SelfMonitoringConfig.parse({ receiver: 'oncall-webhook', email: 'oncall@example.com', synthetic_every: '5m' }) });
    const names = resources(example.template, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a).AlarmName as string);
    const fns: FunctionName[] = ['ingest', 'api', 'router', 'checks', 'slack-sender', 'webhook-sender'];
    // 5 DLQs + 3 source queues + 6 functions x 2 + the out-of-band alarm.
    expect(names.filter((n) => n.includes('-dlq-'))).toHaveLength(5);
    expect(names.filter((n) => n.includes('-age-'))).toHaveLength(3);
    expect(names.filter((n) => /-(errors|throttles)-/.test(n))).toHaveLength(2 * fns.length);
    expect(names).toHaveLength(21);
  });
});
