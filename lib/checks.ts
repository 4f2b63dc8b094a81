import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
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

/** Table actions of the checks function: read and write heartbeat states (conditional puts). */
export const CHECKS_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:PutItem'];

export interface ChecksProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
  /** Missing heartbeats' alerts go there, as any other alert. */
  readonly alertsQueue: IQueue;
  /** alertflow's schedule group (the routing construct's). */
  readonly scheduleGroup: ScheduleGroup;
}

/**
 * Periodic checks, deployed when the config has heartbeats: the checks function and the rate
 * schedule that invokes it every CHECKS_TICK_MS. Scheduler assumes a role that may invoke that
 * function only; an invocation it cannot make after its retries lands in a dead-letter queue (the
 * next tick evaluates again either way).
 */
export class Checks extends Construct {
  readonly function: AlertflowFunction;
  readonly schedule: CfnSchedule;
  readonly schedulerRole: Role;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: ChecksProps) {
    super(scope, id);
    this.function = new AlertflowFunction(this, 'Checks', {
      ...functionSettings('checks', props),
      config: props.config,
      environment: { [ENV.table]: props.table.tableName, [ENV.alertsQueueUrl]: props.alertsQueue.queueUrl },
    });
    grantTable(props.table, this.function.fn, CHECKS_TABLE_ACTIONS);
    props.alertsQueue.grantSendMessages(this.function.fn);

    this.schedulerRole = schedulerRole(this, 'SchedulerRole', 'alertflow: EventBridge Scheduler invokes the checks function');
    // The unqualified function only (grantInvoke would add every version and alias, `:*`).
    this.schedulerRole.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.fn.functionArn] }));
    this.dlq = deadLetterQueue(this, 'TickDlq');
    this.dlq.grantSendMessages(this.schedulerRole);

    this.schedule = new CfnSchedule(this, 'Tick', {
      description: 'alertflow: the checks tick (heartbeats)',
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
  }
}
