import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import type { ChannelType } from '../shared/queues/messages';
import { ALERTS_QUEUE, ENV, ROUTER_BATCH_SIZE } from '../shared/queues/names';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';
import { grantTable } from './state';
import { SCHEDULER_SERVICE, schedulerRole } from './scheduler';

/** Table actions of the router: read and upsert state, query groups and the notification log. */
export const ROUTER_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  // Inhibition sources leave the index when they resolve.
  'dynamodb:DeleteItem',
  'dynamodb:Query',
];

/** Router batches (ROUTER_BATCH_SIZE messages) wait at most this long to fill (alerts come in bursts). */
export const ROUTER_BATCHING_WINDOW = Duration.seconds(1);
/**
 * Routers running at once. Concurrent routers that touch the same group reconcile through
 * conditional writes, and every collision is a billed write and a re-read; a few routers of
 * ROUTER_BATCH_SIZE messages each already route thousands of alerts per second.
 */
export const ROUTER_MAX_CONCURRENCY = 5;

/** What the router does with one-time schedules: create them, and delete them when they are moot. */
export const ROUTER_SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'];


export interface RoutingProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
  /** The `alerts` queue the router consumes (and re-enqueues delayed group flushes to). */
  readonly alertsQueue: IQueue;
  /** One queue per channel type, the router's outputs. */
  readonly channelQueues: Readonly<Record<ChannelType, IQueue>>;
  /** Concurrent router invocations (2..1000). @default ROUTER_MAX_CONCURRENCY */
  readonly routerMaxConcurrency?: number;
}

/**
 * The router function on the alerts queue: state, silences, inhibition, the route tree, grouping.
 * Group flushes further out than SQS's 900 s delay are one-time EventBridge schedules in
 * `scheduleGroup`, delivered to the alerts queue by `schedulerRole`.
 */
export class Routing extends Construct {
  readonly function: AlertflowFunction;
  readonly scheduleGroup: ScheduleGroup;
  /** The role Scheduler assumes to deliver a schedule: it may only send to the alerts queue. */
  readonly schedulerRole: Role;

  constructor(scope: Construct, id: string, props: RoutingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const channelQueueUrls = Object.fromEntries(
      Object.entries(props.channelQueues).map(([type, queue]) => [type, queue.queueUrl]),
    );

    // One-time schedules are transient timers (the state they serve is in the table), so the
    // group goes with the stack rather than being retained with orphaned schedules in it.
    this.scheduleGroup = new ScheduleGroup(this, 'Schedules', { removalPolicy: RemovalPolicy.DESTROY });
    this.schedulerRole = schedulerRole(this, 'SchedulerRole', 'alertflow: EventBridge Scheduler delivers one-time schedules (group flushes) to the alerts queue');
    props.alertsQueue.grant(this.schedulerRole, 'sqs:SendMessage');
    // A queue encrypted with a customer managed key (when embedded with one) needs the key as well.
    props.alertsQueue.encryptionMasterKey?.grant(this.schedulerRole, 'kms:GenerateDataKey', 'kms:Decrypt');

    this.function = new AlertflowFunction(this, 'Router', {
      ...functionSettings('router', props),
      config: props.config,
      environment: {
        [ENV.table]: props.table.tableName,
        [ENV.alertsQueueUrl]: props.alertsQueue.queueUrl,
        [ENV.channelQueueUrls]: stack.toJsonString(channelQueueUrls),
        [ENV.scheduleGroup]: this.scheduleGroup.scheduleGroupName,
        [ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
        [ENV.queueArns]: stack.toJsonString({ [ALERTS_QUEUE]: props.alertsQueue.queueArn }),
      },
    });
    const router = this.function.fn;
    router.addEventSource(
      new SqsEventSource(props.alertsQueue, {
        batchSize: ROUTER_BATCH_SIZE,
        maxBatchingWindow: ROUTER_BATCHING_WINDOW,
        maxConcurrency: props.routerMaxConcurrency ?? ROUTER_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
    // The listing index: the router reloads the silences not ended yet from it.
    grantTable(props.table, router, ROUTER_TABLE_ACTIONS, { listIndex: true });
    // Group flushes are delayed messages (DelaySeconds <= 900) back to the alerts queue.
    props.alertsQueue.grantSendMessages(router);
    for (const queue of Object.values(props.channelQueues)) queue.grantSendMessages(router);

    // Longer flushes: schedules in our group only (schedule ARNs are .../schedule/<group>/<name>),
    // and passing the scheduler role, to Scheduler only.
    const schedulesInGroup = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/*` });
    router.addToRolePolicy(new PolicyStatement({ actions: ROUTER_SCHEDULE_ACTIONS, resources: [schedulesInGroup] }));
    router.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
    Validations.of(this.function.role.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroup.scheduleGroupName}/*]`,
      reason:
        'Schedule names are made at run time (one per group flush), so CreateSchedule/DeleteSchedule cannot ' +
        "name them in advance; the wildcard is limited to schedules in alertflow's own schedule group.",
    });
  }
}
