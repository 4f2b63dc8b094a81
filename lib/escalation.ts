import { Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, type Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CfnSchedule, type ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { AUDIT_INTERVAL_MS } from '../shared/escalation/auditor';
import type { ChannelType } from '../shared/channel-types';
import { ALERTS_QUEUE, ENV, ESCALATIONS_QUEUE, MAX_RECEIVES } from '../shared/queues/names';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';
import { QueueWithDlq } from './queue';
import { ROUTER_SCHEDULE_ACTIONS } from './routing';
import { grantTable } from './state';
import { SCHEDULER_SERVICE, schedulerRole } from './scheduler';

/** Table actions of the escalator: read incidents and groups, write incidents and their timelines. */
export const ESCALATOR_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:Query'];


export interface EscalationProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
  /** The schedule group one-time schedules go in (the routing construct's). */
  readonly scheduleGroup: ScheduleGroup;
  /** The alerts queue and the role that delivers group flushes to it (the routing construct's). */
  readonly alertsQueue: IQueue;
  readonly alertsSchedulerRole: Role;
  /** One queue per channel type: pages and follow-ups go there. */
  readonly channelQueues: Readonly<Record<ChannelType, IQueue>>;
}

/**
 * Escalation, deployed when the config has escalation policies: the `escalations` queue (incident
 * timers: SQS delays up to 15 minutes, one-time schedules beyond) and its DLQ, the escalator
 * function on it, the role Scheduler assumes to deliver escalation schedules (it may reach that
 * queue and its DLQ only), and the auditor's rate schedule, which puts a tick on the same queue
 * every 5 minutes so the escalator runs timers that were lost.
 */
export class Escalation extends Construct {
  readonly queue: QueueWithDlq;
  readonly function: AlertflowFunction;
  readonly schedulerRole: Role;
  readonly auditSchedule: CfnSchedule;
  /**
   * Where two-way SMS replies go ("ACK 123456"): point the phone number's two-way SMS destination
   * (AWS End User Messaging SMS) at this topic. It delivers them, raw, to the escalations queue.
   */
  readonly smsReplies: Topic;
  private readonly props: EscalationProps;

  constructor(scope: Construct, id: string, props: EscalationProps) {
    super(scope, id);
    this.props = props;
    const stack = Stack.of(this);
    const settings = functionSettings('escalator', props);
    this.queue = new QueueWithDlq(this, 'Escalations', { maxReceiveCount: MAX_RECEIVES.escalations, consumerTimeout: settings.timeout });

    this.schedulerRole = schedulerRole(this, 'SchedulerRole', 'alertflow: EventBridge Scheduler delivers incident timers and the audit tick to the escalations queue');
    this.queue.queue.grantSendMessages(this.schedulerRole);
    // Scheduler's own dead-letter queue for a target it cannot reach after its retries.
    this.queue.dlq.grantSendMessages(this.schedulerRole);

    this.function = new AlertflowFunction(this, 'Escalator', { ...settings, config: props.config, environment: {} });
    const fn = this.function.fn;
    this.grantTimers(fn);
    fn.addEventSource(new SqsEventSource(this.queue.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }));
    grantTable(props.table, fn, ESCALATOR_TABLE_ACTIONS, { listIndex: true });
    // The auditor lists escalation schedules to find orphans; ListSchedules takes no resource.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:ListSchedules'], resources: ['*'] }));
    Validations.of(this.function.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'scheduler:ListSchedules supports no resource-level permission (IAM names no resource type for it); it only lists names, in the group the escalator passes.',
    });

    // Not KMS-encrypted, as the alarm topic: a customer-managed key costs $1/month while idle. It
    // carries replies to pages (a code and a command), and requires TLS.
    this.smsReplies = new Topic(this, 'SmsReplies', { displayName: 'alertflow SMS replies', enforceSSL: true });
    this.smsReplies.addToResourcePolicy(
      new PolicyStatement({
        sid: 'TwoWaySmsPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.smsReplies.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.smsReplies.addSubscription(new SqsSubscription(this.queue.queue, { rawMessageDelivery: true, deadLetterQueue: this.queue.dlq }));

    this.auditSchedule = new CfnSchedule(this, 'Audit', {
      description: 'alertflow: the escalation auditor runs incident timers that were lost',
      groupName: props.scheduleGroup.scheduleGroupName,
      scheduleExpression: `rate(${AUDIT_INTERVAL_MS / 60_000} minutes)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.queue.queue.queueArn,
        roleArn: this.schedulerRole.roleArn,
        input: JSON.stringify({ kind: 'audit' }),
        retryPolicy: { maximumEventAgeInSeconds: 300, maximumRetryAttempts: 3 },
        deadLetterConfig: { arn: this.queue.dlq.queueArn },
      },
    });
  }

  /**
   * What a function needs to arm, run and cancel incident timers: the escalations queue, the
   * channel queues (pages and follow-ups), one-time schedules in alertflow's group, and passing
   * the escalation scheduler role, to Scheduler only (the router may also pass the flush role, from
   * the routing construct). The router starts incidents, the api acts on them, the escalator runs
   * their steps.
   */
  grantTimers(fn: LambdaFunction): void {
    const stack = Stack.of(this);
    const { props } = this;
    fn.addEnvironment(ENV.table, props.table.tableName);
    fn.addEnvironment(ENV.escalationsQueueUrl, this.queue.queue.queueUrl);
    fn.addEnvironment(ENV.channelQueueUrls, stack.toJsonString(Object.fromEntries(Object.entries(props.channelQueues).map(([type, q]) => [type, q.queueUrl]))));
    fn.addEnvironment(ENV.scheduleGroup, props.scheduleGroup.scheduleGroupName);
    fn.addEnvironment(ENV.schedulerRoleArn, props.alertsSchedulerRole.roleArn);
    fn.addEnvironment(
      ENV.queueArns,
      stack.toJsonString({
        [ALERTS_QUEUE]: props.alertsQueue.queueArn,
        [ESCALATIONS_QUEUE]: { arn: this.queue.queue.queueArn, roleArn: this.schedulerRole.roleArn, dlqArn: this.queue.dlq.queueArn },
      }),
    );
    this.queue.queue.grantSendMessages(fn);
    for (const queue of Object.values(props.channelQueues)) queue.grantSendMessages(fn);
    const schedulesInGroup = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${props.scheduleGroup.scheduleGroupName}/*` });
    fn.addToRolePolicy(new PolicyStatement({ actions: ROUTER_SCHEDULE_ACTIONS, resources: [schedulesInGroup] }));
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
    const policy = fn.role?.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${props.scheduleGroup.scheduleGroupName}/*]`,
        reason:
          'Schedule names are made at run time (one per incident timer), so CreateSchedule/DeleteSchedule cannot ' +
          "name them in advance; the wildcard is limited to schedules in alertflow's own schedule group.",
      });
    }
  }
}
