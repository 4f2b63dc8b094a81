import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/queues/names';
import { synthesize, testConfig } from './synth';
import { asArray, props, refId, resources, statementsByRole, type Resource } from './template';

/** The checks function as deployed: always; its rate schedule, its roles, its grants. */
const WITH_HEARTBEATS = testConfig(`
heartbeats:
  - { name: nightly-backup, every: 24h, grace: 30m }
route: { receiver: team }
receivers:
  - name: team
    webhook_configs: [{ url: 'https://hooks.example.com/team' }]
`);

const { stack, template } = synthesize(WITH_HEARTBEATS);
const af = stack.alertflow;
const checks = af.checks!;
const id = (c: { node: { defaultChild?: unknown } } | undefined) => stack.getLogicalId((c as { node: { defaultChild: never } }).node.defaultChild);
const byId = (logicalId: string) => props((template.toJSON().Resources as Record<string, Resource>)[logicalId]!);
const byRole = statementsByRole(template);

describe('checks (deployed)', () => {
  it('is deployed for every config (checks can be made through the API), with its one rate schedule', () => {
    expect(checks).toBeDefined();
    const none = synthesize();
    expect(none.stack.alertflow.checks).toBeDefined();
    expect(resources(none.template, 'AWS::Scheduler::Schedule').map(([, s]) => props(s).ScheduleExpression)).toEqual(['rate(1 minute)']);
  });

  it('invokes the checks function every minute, with a retry policy and a DLQ', () => {
    const schedules = resources(template, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(1);
    const s = props(schedules[0]![1]);
    expect(s).toMatchObject({ ScheduleExpression: 'rate(1 minute)', FlexibleTimeWindow: { Mode: 'OFF' } });
    const target = s.Target as Record<string, unknown>;
    expect(JSON.stringify(target.Arn)).toContain(id(checks.function.fn));
    expect(refId(target.RoleArn)).toBe(id(checks.schedulerRole));
    expect(refId((target.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(id(checks.dlq));
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 });
  });

  it('gives Scheduler a role trusted only for this account that may invoke the checks function and reach its DLQ, nothing else', () => {
    const role = byId(id(checks.schedulerRole));
    expect((role.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    const statements = byRole.get(id(checks.schedulerRole))!;
    expect([...new Set(statements.flatMap((s) => asArray(s.Action)))].sort()).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    const invoke = statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke)).toContain(id(checks.function.fn));
    expect(JSON.stringify(invoke)).not.toContain(id(af.routing.function.fn));
  });

  it('lets the checks function read and write table items, read metrics and send to the alerts queue only', () => {
    const statements = byRole.get(id(checks.function.role))!;
    const all = [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
    expect(all.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(all.filter((a) => a.startsWith('sqs:'))).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    expect(all.filter((a) => !/^(dynamodb|sqs|logs):/.test(a))).toEqual(['aps:QueryMetrics', 'cloudwatch:GetMetricData']);
    // Metric reads: CloudWatch has no resource to scope to; Prometheus workspaces of this account only.
    const resourcesOf = (action: string) => statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource));
    expect(resourcesOf('cloudwatch:GetMetricData')).toEqual(['*']);
    expect(JSON.stringify(resourcesOf('aps:QueryMetrics'))).toBe(JSON.stringify([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':aps:*:', { Ref: 'AWS::AccountId' }, ':workspace/*']] }]));
    const sqs = statements.filter((s) => asArray(s.Action).includes('sqs:SendMessage'));
    expect(sqs.flatMap((s) => asArray(s.Resource)).map(refId)).toEqual([id(af.ingestion.alerts.queue)]);
    const env = (byId(id(checks.function.fn)).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual([ENV.alertsQueueUrl, ENV.deployment, ENV.table].sort());
  });

  it('serves pings from the ingest function (a token, or the signed URL without one), the listing from the api, and passes cdk-nag', () => {
    const routes = resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => props(r));
    const target = (key: string) => JSON.stringify(routes.find((r) => r.RouteKey === key)!.Target);
    const integrationOf = (fn: string) =>
      resources(template, 'AWS::ApiGatewayV2::Integration')
        .filter(([, i]) => JSON.stringify(props(i).IntegrationUri).includes(fn))
        .map(([logicalId]) => logicalId);
    const [ingest] = integrationOf(id(af.ingestion.function.fn));
    const [api] = integrationOf(id(af.api.function.fn));
    for (const key of ['POST /v1/heartbeats/{name}', 'GET /v1/heartbeats/{name}/{key}', 'POST /v1/heartbeats/{name}/{key}']) expect(target(key), key).toContain(ingest);
    expect(target('GET /v1/heartbeats')).toContain(api);
    const { outdir } = synthesize(WITH_HEARTBEATS, {}, { nag: true });
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(JSON.stringify(report.pluginReports)).not.toMatch(/AwsSolutions/);
    // The api signs ping URLs with the link signing key; ingest, which takes the pings, verifies them.
    const ssmReaders = resources(template, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(props(p).PolicyDocument).includes('link-signing-key'))
      .flatMap(([, p]) => (props(p).Roles as unknown[]).map(refId));
    expect(ssmReaders).toContain(id(af.api.function.role));
    expect(ssmReaders).toContain(id(af.ingestion.function.role));
  });
});
