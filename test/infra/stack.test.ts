import type { ChannelType } from '../../shared/queues/messages';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, type PolicyViolation, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { API_TABLE_ACTIONS } from '../../lib/api';
import { SENDER_BATCH_SIZE, SENDER_MAX_CONCURRENCY, SENDER_TABLE_ACTIONS, senderFunctionName } from '../../lib/channels';
import type { AlertflowFunction, FunctionName } from '../../lib/function';
import { ALARM_EVENT_PATTERN, DEFAULT_THROTTLING } from '../../lib/ingestion';
import { VISIBILITY_FACTOR } from '../../lib/queue';
import { ROUTER_SCHEDULE_ACTIONS, ROUTER_TABLE_ACTIONS } from '../../lib/routing';
import { HTTP_ROUTES } from '../../shared/http/routes';
import { CHANNEL_TYPES } from '../../shared/channel-types';
import { ALERTS_QUEUE, ENV, MAX_RECEIVES, ROUTER_BATCH_SIZE, SERVICE_DLQS } from '../../shared/queues/names';
import { DEFAULT_GATE_SLOTS } from '../../shared/store/receiver-gates';
import { synthesize } from './synth';
import {
  asArray,
  props,
  refId,
  render,
  resources,
  statementsByRole,
  type Statement,
} from './template';

const { app, stack, template, outdir } = synthesize();
const af = stack.alertflow;

const logicalId = (c: IConstruct): string => stack.getLogicalId(c.node.defaultChild as CfnElement);

const channelOf = (t: ChannelType) => af.channels.byType[t]!;
const FUNCTIONS = {
  ingest: af.ingestion.function,
  api: af.api.function,
  router: af.routing.function,
  checks: af.checks.function,
  ...Object.fromEntries(CHANNEL_TYPES.map((t) => [senderFunctionName(t), channelOf(t).function])),
} as Record<FunctionName, AlertflowFunction>;
const fnId = (name: FunctionName) => logicalId(FUNCTIONS[name].fn);
const roleId = (name: FunctionName) => logicalId(FUNCTIONS[name].role);

const queues = Object.fromEntries(resources(template, 'AWS::SQS::Queue'));
const functions = Object.fromEntries(resources(template, 'AWS::Lambda::Function'));
const mappings = resources(template, 'AWS::Lambda::EventSourceMapping');
const statements = statementsByRole(template);
const scheduleGroupName = af.routing.scheduleGroup.scheduleGroupName;
/** Rendered ARN pattern of the schedules in alertflow's group. */
const schedulesInGroup = `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/${scheduleGroupName}/*`;

/** Queues that receive dead letters: from a redrive policy, a Lambda destination, an event target or a subscription. */
function deadLetterQueueIds(): Set<string> {
  const ids = new Set<string>();
  const addArn = (arn: unknown) => {
    const id = refId(arn);
    if (id) ids.add(id);
  };
  for (const [, q] of resources(template, 'AWS::SQS::Queue')) {
    addArn((props(q).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
  }
  for (const [, cfg] of resources(template, 'AWS::Lambda::EventInvokeConfig')) {
    addArn((props(cfg).DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination);
  }
  for (const [, rule] of resources(template, 'AWS::Events::Rule')) {
    for (const t of asArray(props(rule).Targets as Array<{ DeadLetterConfig?: { Arn?: unknown } }>)) addArn(t.DeadLetterConfig?.Arn);
  }
  for (const [, schedule] of resources(template, 'AWS::Scheduler::Schedule')) {
    addArn((props(schedule).Target as { DeadLetterConfig?: { Arn?: unknown } }).DeadLetterConfig?.Arn);
  }
  for (const [, sub] of resources(template, 'AWS::SNS::Subscription')) {
    addArn((props(sub).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
  }
  return ids;
}

describe('synthesis in tests', () => {
  it('skips bundling: no esbuild output is staged in the cloud assembly', () => {
    expect(readdirSync(outdir).filter((f) => f.startsWith('asset.'))).toEqual([]);
    expect(Object.keys(functions)).toHaveLength(Object.keys(FUNCTIONS).length);
  });
});

describe('queues', () => {
  const dlqs = deadLetterQueueIds();
  const sources = Object.keys(queues).filter((id) => !dlqs.has(id));

  it('has one source queue for alerts and one per channel type, each with a DLQ', () => {
    expect(sources.sort()).toEqual(
      [logicalId(af.ingestion.alerts.queue), ...CHANNEL_TYPES.map((t) => logicalId(channelOf(t).notifications.queue))].sort(),
    );
  });

  it('gives every queue that is not a DLQ a redrive policy with the configured maxReceiveCount', () => {
    const expected = new Map([
      [logicalId(af.ingestion.alerts.queue), MAX_RECEIVES.alerts],
      ...CHANNEL_TYPES.map((t) => [logicalId(channelOf(t).notifications.queue), MAX_RECEIVES.channel] as const),
    ]);
    for (const id of sources) {
      const redrive = props(queues[id]!).RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number } | undefined;
      expect(redrive, id).toBeDefined();
      expect(redrive!.maxReceiveCount, id).toBe(expected.get(id));
      expect(dlqs.has(refId(redrive!.deadLetterTargetArn)!), id).toBe(true);
    }
  });

  it('keeps dead letters for 14 days', () => {
    for (const id of dlqs) expect(props(queues[id]!).MessageRetentionPeriod, id).toBe(14 * 24 * 3600);
  });

  it('encrypts every queue with SQS-managed keys and denies non-TLS access', () => {
    const policies = resources(template, 'AWS::SQS::QueuePolicy');
    for (const [id, q] of Object.entries(queues)) {
      expect(props(q).SqsManagedSseEnabled, id).toBe(true);
      const policy = policies.find(([, p]) => asArray(props(p).Queues as unknown[]).some((r) => refId(r) === id));
      expect(policy, id).toBeDefined();
      const doc = props(policy![1]).PolicyDocument as { Statement: Array<Statement & { Condition?: unknown }> };
      expect(doc.Statement, id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('event source mappings', () => {
  it('consumes the alerts queue with the router and each channel queue with its sender', () => {
    const pairs = mappings.map(([, m]) => [refId(props(m).EventSourceArn), refId(props(m).FunctionName)]);
    expect(pairs).toHaveLength(1 + CHANNEL_TYPES.length);
    expect(pairs).toContainEqual([logicalId(af.ingestion.alerts.queue), fnId('router')]);
    for (const t of CHANNEL_TYPES) {
      expect(pairs).toContainEqual([logicalId(channelOf(t).notifications.queue), fnId(senderFunctionName(t))]);
    }
  });

  it('reports batch item failures on every mapping', () => {
    for (const [id, m] of mappings) expect(props(m).FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
  });

  it(`sets each queue's visibility timeout to at least ${VISIBILITY_FACTOR}x its consumer's timeout (plus batching window)`, () => {
    for (const [id, m] of mappings) {
      const queue = queues[refId(props(m).EventSourceArn)!]!;
      const fn = functions[refId(props(m).FunctionName)!]!;
      const timeout = props(fn).Timeout as number;
      const window = (props(m).MaximumBatchingWindowInSeconds as number | undefined) ?? 0;
      expect(props(queue).VisibilityTimeout as number, id).toBeGreaterThanOrEqual(VISIBILITY_FACTOR * timeout + window);
    }
  });

  it('batches the router with a small window and bounded concurrency (fewer group writes and write conflicts)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId('router') },
      BatchSize: ROUTER_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: Match.anyValue(),
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    const router = mappings.find(([, m]) => refId(props(m).FunctionName) === fnId('router'))!;
    expect(props(router[1]).MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(5);
  });

  it('bounds each sender\'s concurrency well above what one hung receiver may hold (its gate\'s slots)', () => {
    const senders = mappings.filter(([, m]) => refId(props(m).FunctionName) !== fnId('router'));
    expect(senders.length).toBeGreaterThan(0);
    for (const [id, m] of senders) {
      expect(props(m), id).toMatchObject({ BatchSize: SENDER_BATCH_SIZE, ScalingConfig: { MaximumConcurrency: SENDER_MAX_CONCURRENCY } });
    }
    expect(SENDER_MAX_CONCURRENCY).toBeGreaterThan(4 * DEFAULT_GATE_SLOTS);
  });
});

describe('state table', () => {
  it('is on-demand, with point-in-time recovery, TTL on expiresAt, pk/sk string keys, retained', () => {
    const tables = resources(template, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [, table] = tables[0]!;
    expect(props(table)).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('has one listing index, keyed lpk/lsk, projecting keys and silence fields only (no group blob, no TTL)', () => {
    const [, table] = resources(template, 'AWS::DynamoDB::Table')[0]!;
    const p = props(table) as { AttributeDefinitions: unknown[]; GlobalSecondaryIndexes: Array<Record<string, unknown>> };
    expect(p.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'lpk', AttributeType: 'S' },
        { AttributeName: 'lsk', AttributeType: 'S' },
      ]),
    );
    expect(p.GlobalSecondaryIndexes).toHaveLength(1);
    const index = p.GlobalSecondaryIndexes[0]!;
    expect(index).toMatchObject({
      IndexName: 'list',
      KeySchema: [
        { AttributeName: 'lpk', KeyType: 'HASH' },
        { AttributeName: 'lsk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE' },
    });
    // Projecting the group blob or the TTL would turn every group write into an index write too.
    const projected = (index.Projection as { NonKeyAttributes: string[] }).NonKeyAttributes;
    expect(projected).not.toContain('stateZ');
    expect(projected).not.toContain('stateBr');
    expect(projected).not.toContain('expiresAt');
    expect(projected).not.toContain('version');
  });
});

describe('functions', () => {
  const logGroups = Object.fromEntries(resources(template, 'AWS::Logs::LogGroup'));

  it('run nodejs22.x on arm64 from an ESM bundle, each logging to its own log group with a retention', () => {
    const seen = new Set<string>();
    for (const [id, fn] of Object.entries(functions)) {
      const p = props(fn);
      expect(p.Runtime, id).toBe('nodejs22.x');
      expect(p.Architectures, id).toEqual(['arm64']);
      expect(p.Handler, id).toBe('index.handler');
      const logGroupId = refId((p.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
      expect(logGroupId && logGroups[logGroupId], id).toBeTruthy();
      expect(props(logGroups[logGroupId!]!).RetentionInDays, id).toBe(30);
      expect(seen.has(logGroupId!), `${id} shares a log group`).toBe(false);
      seen.add(logGroupId!);
    }
  });

  it('set the environment variables the runtime reads', () => {
    const env = (name: FunctionName) => (props(functions[fnId(name)]!).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env('ingest')).sort()).toEqual([ENV.alertsQueueUrl, ENV.deployment, ENV.table].sort());
    expect(Object.keys(env('api')).sort()).toEqual([ENV.alertsQueueUrl, ENV.channelQueueUrls, ENV.deployment, ENV.dlqs, ENV.healthQueues, ENV.table].sort());
    // The deep health check reads the queues the other variables name and their DLQs (through their
    // redrive policies), and the services' DLQs, which no queue names: those by queue name (not URL:
    // Lambda allows 4 KB of environment).
    const healthQueues = JSON.parse(render(env('api')[ENV.healthQueues])) as Record<string, string>;
    expect(healthQueues).toEqual({
      [SERVICE_DLQS.ingestAsync]: `\${${logicalId(af.ingestion.asyncDlq)}.QueueName}`,
      [SERVICE_DLQS.checksTick]: `\${${logicalId(af.checks.dlq)}.QueueName}`,
    });
    expect(Object.keys(env('router')).sort()).toEqual(
      [ENV.alertsQueueUrl, ENV.channelQueueUrls, ENV.deployment, ENV.table, ENV.scheduleGroup, ENV.schedulerRoleArn, ENV.queueArns].sort(),
    );
    expect(refId(env('router')[ENV.alertsQueueUrl])).toBe(logicalId(af.ingestion.alerts.queue));
    // The api re-queues group flushes when a silence is expired early.
    expect(refId(env('api')[ENV.alertsQueueUrl])).toBe(logicalId(af.ingestion.alerts.queue));
    // Rendered JSON: {"slack":"${SlackQueue}","webhook":"${WebhookQueue}"}
    const routerUrls = JSON.parse(render(env('router')[ENV.channelQueueUrls])) as Record<string, string>;
    expect(Object.keys(routerUrls).sort()).toEqual([...CHANNEL_TYPES].sort());
    for (const t of CHANNEL_TYPES) {
      expect(routerUrls[t]).toBe(`\${${logicalId(channelOf(t).notifications.queue)}}`);
      const senderUrls = JSON.parse(render(env(senderFunctionName(t))[ENV.channelQueueUrls])) as Record<string, string>;
      expect(senderUrls).toEqual({ [t]: `\${${logicalId(channelOf(t).notifications.queue)}}` });
    }
    // Every function publishes its metrics (EMF) under the deployment's dimension: the stack's name.
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) expect(env(name)[ENV.deployment], name).toBe(stack.stackName);
  });

  it('retries asynchronous ingest invocations and keeps the failures in a DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId('ingest') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(af.ingestion.asyncDlq), 'Arn'] } } },
    });
  });
});

describe('IAM', () => {
  const actionsOf = (s: Statement) => asArray(s.Action);

  it('grants no wildcard actions, and wildcard resources only for SMS publishing and metric reads (which have no resource), this account\'s Prometheus workspaces and schedules in our group', () => {
    const smsRole = roleId('sms-sender');
    const wildcards: unknown[] = [];
    for (const [role, list] of statements) {
      for (const s of list) {
        for (const action of actionsOf(s)) expect(action).not.toContain('*');
        const wildcard = asArray(s.Resource).map(render).filter((r) => r.includes('*'));
        if (wildcard.length > 0) wildcards.push({ role, actions: actionsOf(s), resources: wildcard });
      }
    }
    // The checks function and the api (its evaluate) read the checks' sources.
    const workspaces = 'arn:${AWS::Partition}:aps:*:${AWS::AccountId}:workspace/*';
    const checkSources = (role: string) => [
      { role, actions: ['cloudwatch:GetMetricData'], resources: ['*'] },
      { role, actions: ['aps:QueryMetrics'], resources: [workspaces] },
    ];
    const sorted = (list: unknown[]) => list.map((w) => JSON.stringify(w)).sort();
    expect(sorted(wildcards)).toEqual(sorted([
      ...checkSources(roleId('api')),
      { role: smsRole, actions: ['sns:Publish'], resources: ['*'] },
      { role: roleId('router'), actions: ROUTER_SCHEDULE_ACTIONS, resources: [schedulesInGroup] },
      ...checkSources(roleId('checks')),
    ]));
  });

  it('grants iam:PassRole only to the router, only on the scheduler role, and only for passing to Scheduler', () => {
    const passRole = [...statements].flatMap(([role, list]) => list.filter((s) => actionsOf(s).some((a) => /^iam:/i.test(a))).map((s) => ({ role, s })));
    expect(passRole.map(({ role, s }) => ({ role, actions: actionsOf(s), resources: asArray(s.Resource).map(refId), condition: s.Condition }))).toEqual([
      {
        role: roleId('router'),
        actions: ['iam:PassRole'],
        resources: [logicalId(af.routing.schedulerRole)],
        condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
  });

  it('lets the email sender send only as its configured identities (address and domain, bare or "Name <address>"), and only it', () => {
    const identity = (id: string) => `arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:identity/${id}`;
    const ses = [...statements].flatMap(([role, list]) => list.filter((s) => actionsOf(s).some((a) => a.startsWith('ses:'))).map((s) => ({ role, s })));
    expect(ses.map((x) => x.role)).toEqual([roleId('email-sender')]);
    expect(actionsOf(ses[0]!.s)).toEqual(['ses:SendEmail']);
    // `alerts@example.com` (bare) and `Alertflow Pager <pager@alerts.example.net>` (display-name form).
    expect(asArray(ses[0]!.s.Resource).map(render).sort()).toEqual([
      identity('alerts.example.net'),
      identity('alerts@example.com'),
      identity('example.com'),
      identity('pager@alerts.example.net'),
    ]);
  });

  it('attaches no managed policies (no AWSLambdaBasicExecutionRole)', () => {
    for (const [id, role] of resources(template, 'AWS::IAM::Role')) expect(props(role).ManagedPolicyArns, id).toBeUndefined();
  });

  it('gives each function only the table actions it needs', () => {
    const tableId = logicalId(af.state.table);
    const tableActions = (name: FunctionName) =>
      statements
        .get(roleId(name))!
        .filter((s) => asArray(s.Resource).some((r) => refId(r) === tableId))
        .flatMap(actionsOf)
        .sort();
    expect(tableActions('ingest')).toEqual([]);
    expect(tableActions('api')).toEqual([...API_TABLE_ACTIONS].sort());
    // The read API lists by key range on the listing index: no function may Scan the table.
    expect([...statements.values()].flat().flatMap(actionsOf)).not.toContain('dynamodb:Scan');
    // Only the api and the router read the listing index, named, with Query only.
    const indexGrants = [...statements].flatMap(([role, list]) =>
      list.filter((s) => asArray(s.Resource).some((r) => render(r).includes('/index/'))).map((s) => ({ role, actions: actionsOf(s), resources: asArray(s.Resource).map(render) })),
    );
    expect(indexGrants.map((g) => g.role).sort()).toEqual([roleId('api'), roleId('router')].sort());
    for (const g of indexGrants) {
      expect(g.actions).toEqual(['dynamodb:Query']);
      expect(g.resources).toHaveLength(1);
      expect(g.resources[0]).toMatch(/\/index\/list$/);
    }
    expect(tableActions('router')).toEqual([...ROUTER_TABLE_ACTIONS].sort());
    // Without self_monitoring no sender reads a heartbeat (with it, the one its probes reach does: self-monitoring.test.ts).
    for (const t of CHANNEL_TYPES) expect(tableActions(senderFunctionName(t))).toEqual([...SENDER_TABLE_ACTIONS].sort());
  });

  it('lets each function touch only its own queues', () => {
    const queueGrants = (name: FunctionName) => {
      const out: Record<string, string[]> = {};
      for (const s of statements.get(roleId(name))!) {
        for (const r of asArray(s.Resource)) {
          const id = refId(r);
          if (id && queues[id]) out[id] = [...new Set([...(out[id] ?? []), ...actionsOf(s)])].sort();
        }
      }
      return out;
    };
    const send = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
    const consume = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    const alerts = logicalId(af.ingestion.alerts.queue);
    const channel = (t: (typeof CHANNEL_TYPES)[number]) => logicalId(channelOf(t).notifications.queue);

    expect(queueGrants('ingest')).toEqual({ [alerts]: send, [logicalId(af.ingestion.asyncDlq)]: send });
    // The api sends channel tests to the channel queues and redrives their DLQs (SQS move tasks).
    const move = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'];
    // ... and reads the depth of every queue for GET /v1/health?deep=1 (GetQueueAttributes only, where it had nothing else).
    const depth = ['sqs:GetQueueAttributes'];
    expect(queueGrants('api')).toEqual({
      [alerts]: send,
      [logicalId(af.ingestion.alerts.dlq)]: depth,
      [logicalId(af.ingestion.asyncDlq)]: depth,
      [logicalId(af.checks.dlq)]: depth,
      ...Object.fromEntries(CHANNEL_TYPES.flatMap((t) => [[channel(t), send], [logicalId(channelOf(t).notifications.dlq), move]])),
    });
    expect(queueGrants('router')).toEqual({
      [alerts]: [...new Set([...consume, ...send])].sort(),
      ...Object.fromEntries(CHANNEL_TYPES.map((t) => [channel(t), send])),
    });
    for (const t of CHANNEL_TYPES) expect(queueGrants(senderFunctionName(t))).toEqual({ [channel(t)]: [...new Set([...consume, ...send])].sort() });
  });

  it('lets each function write only to its own log group', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const logs = statements.get(roleId(name))!.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs.flatMap(actionsOf).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(logs.flatMap((s) => asArray(s.Resource)).map(refId)).toEqual([logicalId(FUNCTIONS[name].logGroup)]);
    }
  });

  it('grants ssm:GetParameter on exactly the configured parameters, to the functions that read them', () => {
    const param = (name: string) => `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name}`;
    const ssm = (name: FunctionName) =>
      statements
        .get(roleId(name))!
        .filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:')))
        .flatMap((s) => {
          expect(actionsOf(s)).toEqual(['ssm:GetParameter']);
          return asArray(s.Resource).map(render);
        })
        .sort();
    const tokens = [param('alertflow/second-token'), param('alertflow/webhook-token')];
    expect(ssm('ingest')).toEqual(tokens);
    expect(ssm('api')).toEqual(tokens);
    expect(ssm('router')).toEqual([]);
    // Two slack configs share one parameter: granted once.
    expect(ssm('slack-sender')).toEqual([param('alertflow/slack/team')]);
    expect(ssm('pagerduty-sender')).toEqual([param('alertflow/pagerduty/key')]);
    expect(ssm('teams-sender')).toEqual([param('alertflow/teams/url')]);
    expect(ssm('email-sender')).toEqual([]);
    expect(ssm('sms-sender')).toEqual([]);
    // `alertflow/webhook/url` (no leading slash) and `/alertflow/webhook/hmac` name parameters the same way.
    expect(ssm('webhook-sender')).toEqual([param('alertflow/webhook/hmac'), param('alertflow/webhook/url')]);
  });
});

describe('one-time schedules (group flushes beyond 900 s)', () => {
  const actionsOf = (s: Statement) => asArray(s.Action);
  const schedulerRoleId = logicalId(af.routing.schedulerRole);

  it('have their own schedule group, deleted with the stack', () => {
    const groups = resources(template, 'AWS::Scheduler::ScheduleGroup');
    expect(groups).toHaveLength(1);
    const [id, group] = groups[0]!;
    expect(id).toBe(logicalId(af.routing.scheduleGroup));
    expect(props(group).Name).toBe(scheduleGroupName);
    expect(scheduleGroupName).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(group.DeletionPolicy).toBe('Delete');
  });

  it('let only the router create and delete schedules, and only in that group', () => {
    const grants = [...statements].flatMap(([role, list]) =>
      list.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:'))).map((s) => ({ role, actions: actionsOf(s).sort(), resources: asArray(s.Resource).map(render) })),
    );
    expect(grants).toEqual([{ role: roleId('router'), actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resources: [schedulesInGroup] }]);
  });

  it('are delivered by a role only Scheduler, acting for this account, can assume', () => {
    const role = props(resources(template, 'AWS::IAM::Role').find(([id]) => id === schedulerRoleId)![1]);
    expect((role.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('and that role may do nothing but sqs:SendMessage to the alerts queue', () => {
    const list = statements.get(schedulerRoleId)!;
    expect(list.map((s) => ({ effect: s.Effect, actions: actionsOf(s), resources: asArray(s.Resource).map(refId) }))).toEqual([
      { effect: 'Allow', actions: ['sqs:SendMessage'], resources: [logicalId(af.ingestion.alerts.queue)] },
    ]);
  });

  it('are configured on the router: group, role ARN and the alerts queue ARN by logical name', () => {
    const env = (props(functions[fnId('router')]!).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env[ENV.scheduleGroup]).toBe(scheduleGroupName);
    expect(env[ENV.schedulerRoleArn]).toEqual({ 'Fn::GetAtt': [schedulerRoleId, 'Arn'] });
    expect(JSON.parse(render(env[ENV.queueArns]))).toEqual({ [ALERTS_QUEUE]: `\${${logicalId(af.ingestion.alerts.queue)}.Arn}` });
  });
});

describe('HTTP API', () => {
  it('routes every HTTP_ROUTES entry to its function with payload format 2.0', () => {
    const routes = resources(template, 'AWS::ApiGatewayV2::Route');
    const integrations = Object.fromEntries(resources(template, 'AWS::ApiGatewayV2::Integration'));
    expect(routes.map(([, r]) => props(r).RouteKey).sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of HTTP_ROUTES) {
      const [, r] = routes.find(([, x]) => props(x).RouteKey === `${route.method} ${route.path}`)!;
      const integrationId = render(props(r).Target).replace(/^integrations\/\$\{(.+)\}$/, '$1');
      const integration = props(integrations[integrationId]!);
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(integration.IntegrationType).toBe('AWS_PROXY');
      expect(refId(integration.IntegrationUri), route.path).toBe(fnId(route.fn));
    }
  });

  it('throttles the default stage and writes access logs', () => {
    const stages = resources(template, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = props(stages[0]![1]);
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: DEFAULT_THROTTLING.rateLimit,
      ThrottlingBurstLimit: DEFAULT_THROTTLING.burstLimit,
    });
    const access = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(resources(template, 'AWS::Logs::LogGroup').map(([id]) => id)).toContain(refId(access.DestinationArn));
    expect(JSON.parse(access.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status', route: '$context.routeKey' });
    // Signed links and heartbeat ping keys travel in the path: no access log records it.
    expect(access.Format).not.toMatch(/\$context\.(path|resourcePath)\b/);
  });

  it('takes throttling from props', () => {
    const custom = synthesize(undefined, { throttling: { rateLimit: 5, burstLimit: 7 } });
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 },
    });
  });

  it('outputs the API URL and the alarm topic ARN', () => {
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: logicalId(af.ingestion.alarmTopic) } });
  });
});

describe('CloudWatch alarms', () => {
  it('sends alarm state changes from EventBridge to ingest, with retries and a DLQ', () => {
    const rules = resources(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = props(rules[0]![1]);
    expect(rule.EventPattern).toEqual({ source: ALARM_EVENT_PATTERN.source, 'detail-type': ALARM_EVENT_PATTERN.detailType });
    const targets = rule.Targets as Array<Record<string, unknown>>;
    expect(targets).toHaveLength(1);
    expect(refId(targets[0]!.Arn)).toBe(fnId('ingest'));
    expect(refId((targets[0]!.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(logicalId(af.ingestion.asyncDlq));
    expect(targets[0]!.RetryPolicy).toMatchObject({ MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) });
  });

  it('subscribes ingest to the alarm topic with a DLQ; the topic requires TLS and lets CloudWatch publish', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [fnId('ingest'), 'Arn'] },
      TopicArn: { Ref: logicalId(af.ingestion.alarmTopic) },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(af.ingestion.asyncDlq), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });
});

/** `RuleId @ construct path` for each violating resource. */
const findings = (violations: PolicyViolation[]) =>
  violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) @ ${r.constructPath ?? r.resourceLogicalId}`));

/** Every acknowledgment in the tree: the construct path it is on, the rule id and the reason. */
function acknowledgments(): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of app.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

/** The pack's findings with acknowledgments ignored (cdk-nag reads them in its private `isAcknowledged`). */
function unacknowledgedFindings(): PolicyViolation[] {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack.validateScope(app).violations;
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged errors or warnings', () => {
    const { violations } = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    expect(findings(violations)).toEqual([]);
  });

  it('passes synthesis with the plugin registered as bin/app.ts does, with nothing in the validation report', () => {
    // Synthesis throws on an unacknowledged error; warnings would only show in the report.
    const { outdir } = synthesize(undefined, {}, { nag: true });
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(JSON.stringify(report.pluginReports)).not.toMatch(/AwsSolutions/);
  });

  it('has only acknowledgments that suppress a real finding at or below where they are placed', () => {
    const raw = unacknowledgedFindings();
    const acks = acknowledgments().filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const suppressed = raw
        .filter((v) => v.ruleName === ack.id)
        .flatMap((v) => v.violatingResources)
        .filter((r) => r.constructPath === ack.path || r.constructPath?.startsWith(`${ack.path}/`));
      expect(suppressed.length, `${ack.id} on ${ack.path} suppresses nothing`).toBeGreaterThan(0);
    }
  });

  it('gives every acknowledgment a specific reason', () => {
    for (const ack of acknowledgments()) {
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(80);
    }
  });

  it('acknowledges exactly the expected rules (a new one needs a reviewed reason)', () => {
    const ids = [...new Set(acknowledgments().map((a) => a.id))].sort();
    expect(ids).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:aps:*:<AWS::AccountId>:workspace/*]',
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${scheduleGroupName}/*]`,
        'AwsSolutions-L1',
        'AwsSolutions-SQS3',
      ].sort(),
    );
  });
});
