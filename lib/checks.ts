import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IRole, type Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule, type ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { CHECKS_TICK_MS } from '../shared/heartbeats/service';
import { ENV } from '../shared/queues/names';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';
import { deadLetterQueue } from './queue';
import { grantTable } from './state';
import { schedulerRole } from './scheduler';
import { eventBridgeCron } from '../shared/config/digest';
import { channelEntries } from '../shared/channels/keys';
import type { ChannelType } from '../shared/queues/messages';

/**
 * Table actions of the checks function: heartbeat states (batch reads, conditional puts) and the
 * checks partition (one Query per tick; conditional puts, and deletes of removed checks' states).
 */
export const CHECKS_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'];

/**
 * What evaluating a check reads: CloudWatch GetMetricData (no resource-level permissions: AWS
 * documents Resource "*") and Amazon Managed Prometheus queries in this account (a check made
 * through the API may name any workspace). Granted to the checks function and to the api (its
 * `evaluate`).
 */
export function grantCheckSources(fn: IFunction, role: IRole): void {
  fn.addToRolePolicy(new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  fn.addToRolePolicy(new PolicyStatement({ actions: ['aps:QueryMetrics'], resources: [Stack.of(fn).formatArn({ service: 'aps', region: '*', resource: 'workspace', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })] }));
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  Validations.of(policy).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData has no resource-level permissions (AWS documents Resource "*"); threshold checks read the metrics their config names.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:aps:*:<AWS::AccountId>:workspace/*]',
      reason: 'aps:QueryMetrics on this account\'s Amazon Managed Prometheus workspaces: a check made through /v1/checks may query any of them; queries only, in this account only.',
    },
  );
}

export interface ChecksProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
  /** Missing heartbeats' and breached checks' alerts go there, as any other alert. */
  readonly alertsQueue: IQueue;
  /** The channel queues: the digest goes to its receiver's. */
  readonly channelQueues: Readonly<Partial<Record<ChannelType, IQueue>>>;
  /** alertflow's schedule group (the routing construct's). */
  readonly scheduleGroup: ScheduleGroup;
}

/**
 * Periodic checks, always deployed (checks can be made through the API at any time; a tick that
 * finds nothing to do costs one Query): the checks function and the rate schedule that invokes it
 * every CHECKS_TICK_MS. Scheduler assumes a role that may invoke that
 * function only; an invocation it cannot make after its retries lands in a dead-letter queue (the
 * next tick evaluates again either way).
 */
export class Checks extends Construct {
  readonly function: AlertflowFunction;
  readonly schedule: CfnSchedule;
  /** The daily digest's cron schedule, when the config has a digest. */
  readonly digestSchedule?: CfnSchedule;
  readonly schedulerRole: Role;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: ChecksProps) {
    super(scope, id);
    this.function = new AlertflowFunction(this, 'Checks', {
      ...functionSettings('checks', props),
      config: props.config,
      environment: { [ENV.table]: props.table.tableName, [ENV.alertsQueueUrl]: props.alertsQueue.queueUrl },
    });
    // The digest also lists groups and incidents (the listing index) and reads delivery records.
    grantTable(props.table, this.function.fn, props.config.digest ? [...CHECKS_TABLE_ACTIONS, 'dynamodb:GetItem'] : CHECKS_TABLE_ACTIONS, { listIndex: props.config.digest !== undefined });
    props.alertsQueue.grantSendMessages(this.function.fn);
    grantCheckSources(this.function.fn, this.function.role);

    this.schedulerRole = schedulerRole(this, 'SchedulerRole', 'alertflow: EventBridge Scheduler invokes the checks function');
    // The unqualified function only (grantInvoke would add every version and alias, `:*`).
    this.schedulerRole.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.fn.functionArn] }));
    this.dlq = deadLetterQueue(this, 'TickDlq');
    this.dlq.grantSendMessages(this.schedulerRole);

    this.schedule = new CfnSchedule(this, 'Tick', {
      description: 'alertflow: the checks tick (heartbeats and threshold checks)',
      groupName: props.scheduleGroup.scheduleGroupName,
      scheduleExpression: `rate(${CHECKS_TICK_MS / 60_000} minute)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.function.fn.functionArn,
        roleArn: this.schedulerRole.roleArn,
        // A tick older than one period is superseded by the next.
        retryPolicy: { maximumEventAgeInSeconds: CHECKS_TICK_MS / 1000, maximumRetryAttempts: 2 },
        deadLetterConfig: { arn: this.dlq.queueArn },
      },
    });

    const digest = props.config.digest;
    if (digest) {
      // The digest's notifications go to its receiver's channel queues (not PagerDuty: a digest is no page).
      const receiver = props.config.receivers.find((r) => r.name === digest.receiver)!;
      const queues = Object.fromEntries(
        channelEntries(receiver)
          .filter((e) => e.type !== 'pagerduty')
          .flatMap((e) => (props.channelQueues[e.type] ? [[e.type, props.channelQueues[e.type]!] as const] : [])),
      );
      this.function.fn.addEnvironment(ENV.channelQueueUrls, Stack.of(this).toJsonString(Object.fromEntries(Object.entries(queues).map(([type, q]) => [type, q.queueUrl]))));
      for (const q of Object.values(queues)) q.grantSendMessages(this.function.fn);
      this.digestSchedule = new CfnSchedule(this, 'Digest', {
        description: `alertflow: the daily digest to ${digest.receiver}`,
        groupName: props.scheduleGroup.scheduleGroupName,
        scheduleExpression: eventBridgeCron(digest.cron),
        scheduleExpressionTimezone: digest.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: this.function.fn.functionArn,
          roleArn: this.schedulerRole.roleArn,
          // The scheduled time names the window: a retry sends the same digest (its ids dedupe it).
          input: JSON.stringify({ kind: 'digest', at: '<aws.scheduler.scheduled-time>' }),
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 5 },
          deadLetterConfig: { arn: this.dlq.queueArn },
        },
      });
    }
  }
}
