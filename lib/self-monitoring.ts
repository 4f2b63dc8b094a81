import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, type Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule, type ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { ConfigError } from '../shared/errors';
import { ENV } from '../shared/queues/names';
import { deployedSyntheticMinutes, SELF_ALARM_PREFIX, type SelfMonitoringConfig } from '../shared/self-monitoring/config';
import { DEPLOYMENT_DIMENSION, METRICS, METRICS_NAMESPACE } from '../shared/self-monitoring/metrics';
import { SCHEDULED_SYNTHETIC_EVENT } from '../shared/self-monitoring/synthetic';
import { AUDIT_INTERVAL_MS } from '../shared/escalation/auditor';
import type { FunctionName } from './function';
import { schedulerRole } from './scheduler';
import { grantTable } from './state';

/**
 * How old the oldest message of a source queue may get before it is alarmed: twice the longest
 * delay alertflow puts on a message itself (SQS's 15-minute DelaySeconds, for group flushes and
 * incident timers), so a message that is only waiting its turn never trips it, while one that a
 * stuck or failing consumer has held for half an hour does, well before its retries run out.
 */
export const QUEUE_AGE_THRESHOLD = Duration.minutes(30);
/** Errors and throttles are summed over this period; any is alarmed (a failed batch is retried, but someone should know). */
export const FUNCTION_ALARM_PERIOD = Duration.minutes(5);
/** What recording the synthetic ping takes of the sender its probes reach: the built-in heartbeat's state (batch read, conditional put). */
export const PROBE_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:PutItem'];

export interface SelfMonitoringProps {
  /** The config; its `self_monitoring` must be set. */
  readonly config: Config;
  /** Names the alarms and is the dimension of alertflow's metrics: unique per account and region (the stack name). */
  readonly deployment: string;
  /** Every function, by name: each gets an Errors and a Throttles alarm. */
  readonly functions: Readonly<Partial<Record<FunctionName, LambdaFunction>>>;
  /** Source queues by logical name: an age-of-oldest-message alarm each. */
  readonly queues: Readonly<Record<string, IQueue>>;
  /** Dead-letter queues by logical name: a depth alarm each. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** The ingest function: the synthetic heartbeat's schedule invokes it. */
  readonly ingest: LambdaFunction;
  /** The sender of self_monitoring's receiver's first channel: the synthetic pings' probes reach it, and it records them and emits their metric. */
  readonly probeSender: LambdaFunction;
  /** The state table: the probe sender writes the built-in heartbeat's state there. */
  readonly table: ITable;
  /** The escalator, where escalation is deployed: its auditor's findings are alarmed. */
  readonly escalator?: LambdaFunction | undefined;
  /** alertflow's schedule group. */
  readonly scheduleGroup: ScheduleGroup;
}

/**
 * alertflow watching itself (ADR 0019), deployed with `self_monitoring`:
 * - CloudWatch alarms on each DLQ's depth, each source queue's oldest message, each function's
 *   errors and throttles, and the escalation auditor's findings. They have no actions: the
 *   ingestion rule already takes every alarm's state changes, and the implicit route sends these
 *   (named `alertflow-self-<deployment>-…`) to `self_monitoring.receiver`.
 * - the synthetic heartbeat: a rate schedule that invokes ingest, whose ping the router passes on
 *   as a probe to the receiver's first channel's sender, which records it for the built-in
 *   heartbeat (HeartbeatMissing through alertflow when it stops) and counts it in a metric;
 * - the out-of-band alarm on that metric (missing data is breaching), with an SNS topic of its own
 *   that emails `self_monitoring.email`: it depends on no function or queue of alertflow's.
 */
export class SelfMonitoring extends Construct {
  /** The alarms whose state changes come back through alertflow. */
  readonly alarms: Alarm[] = [];
  /** The out-of-band alarm: the synthetic heartbeat stopped. */
  readonly pipelineAlarm: Alarm;
  readonly topic: Topic;
  readonly syntheticSchedule: CfnSchedule;
  readonly schedulerRole: Role;

  constructor(scope: Construct, id: string, props: SelfMonitoringProps) {
    super(scope, id);
    const sm = props.config.self_monitoring;
    if (!sm) throw new Error('SelfMonitoring needs config.self_monitoring');
    const minutes = syntheticMinutes(sm);
    const name = (what: string) => `${SELF_ALARM_PREFIX}${props.deployment}-${what}`;
    const alarm = (cid: string, what: string, description: string, metric: IMetric, opts: { threshold?: number; comparison?: ComparisonOperator } = {}) => {
      const a = new Alarm(this, cid, {
        alarmName: name(what),
        alarmDescription: description,
        metric,
        threshold: opts.threshold ?? 0,
        comparisonOperator: opts.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data is no messages, no errors, no findings.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(a);
      return a;
    };

    for (const [queueName, dlq] of Object.entries(props.deadLetterQueues)) {
      alarm(`Dlq-${queueName}`, `dlq-${queueName}`, `alertflow: ${queueName} holds messages that failed every retry (GET /v1/health?deep=1; a channel's: POST /v1/redrive?channel=<type>)`, dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }));
    }
    for (const [queueName, queue] of Object.entries(props.queues)) {
      alarm(`Age-${queueName}`, `age-${queueName}`, `alertflow: the oldest message on ${queueName} is over ${QUEUE_AGE_THRESHOLD.toMinutes()} minutes old (its consumer is stuck, failing or throttled)`, queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }), {
        threshold: QUEUE_AGE_THRESHOLD.toSeconds(),
      });
    }
    for (const [fnName, fn] of Object.entries(props.functions)) {
      alarm(`Errors-${fnName}`, `errors-${fnName}`, `alertflow: the ${fnName} function failed invocations (its log group has the errors)`, fn.metricErrors({ period: FUNCTION_ALARM_PERIOD, statistic: 'Sum' }));
      alarm(`Throttles-${fnName}`, `throttles-${fnName}`, `alertflow: the ${fnName} function was throttled (the account's Lambda concurrency is exhausted)`, fn.metricThrottles({ period: FUNCTION_ALARM_PERIOD, statistic: 'Sum' }));
    }
    const metric = (metricName: string, period: Duration) =>
      // The dimension is a literal, not a reference to a function: the alarm stands on its own.
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { [DEPLOYMENT_DIMENSION]: props.deployment }, period, statistic: 'Sum' });
    // Functions that emit alertflow's metrics learn the dimension's value (without it they emit none).
    for (const fn of [props.probeSender, props.escalator]) fn?.addEnvironment(ENV.deployment, props.deployment);
    // Only the probed sender touches a heartbeat; the others keep the sender's own table actions.
    grantTable(props.table, props.probeSender, PROBE_TABLE_ACTIONS);
    if (props.escalator) {
      alarm('AuditFindings', 'escalation-audit', 'alertflow: the escalation auditor ran incident timers that were lost, or deleted orphaned schedules (the escalator log says which)', metric(METRICS.auditFindings, Duration.millis(AUDIT_INTERVAL_MS)));
    }

    // The synthetic heartbeat: Scheduler invokes ingest, as the other sources do (ADR 0019 says why not the queue).
    this.schedulerRole = schedulerRole(this, 'SchedulerRole', 'alertflow: EventBridge Scheduler invokes the ingest function with the synthetic heartbeat');
    // The unqualified function only (grantInvoke would add every version and alias, `:*`).
    this.schedulerRole.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.ingest.functionArn] }));
    this.syntheticSchedule = new CfnSchedule(this, 'Synthetic', {
      description: 'alertflow: the synthetic heartbeat (ingest, the alerts queue, the router, a sender)',
      groupName: props.scheduleGroup.scheduleGroupName,
      scheduleExpression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.ingest.functionArn,
        roleArn: this.schedulerRole.roleArn,
        input: JSON.stringify(SCHEDULED_SYNTHETIC_EVENT),
        // A late synthetic proves nothing the next one will not; a lost one is what the alarms are for.
        retryPolicy: { maximumEventAgeInSeconds: minutes * 60, maximumRetryAttempts: 2 },
      },
    });

    // Out of band: CloudWatch and SNS only. Not KMS-encrypted, as the alarm topic (CloudWatch cannot
    // publish to a topic under the AWS-managed key; a customer-managed key costs $1/month idle).
    this.topic = new Topic(this, 'Topic', { displayName: 'alertflow self-monitoring', enforceSSL: true });
    const pipelineAlarmName = name('pipeline-silent');
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'PipelineAlarmPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: pipelineAlarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (sm.email) this.topic.addSubscription(new EmailSubscription(sm.email));
    this.pipelineAlarm = new Alarm(this, 'PipelineSilent', {
      alarmName: pipelineAlarmName,
      alarmDescription: `alertflow: no synthetic heartbeat reached a sender for ${2 * minutes} minutes; alertflow may not be delivering alerts (this alarm does not go through it)`,
      metric: metric(METRICS.syntheticHeartbeats, Duration.minutes(minutes)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // Two periods: one late or lost run is not an outage (as the built-in heartbeat's grace).
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // The point of it: a pipeline that emits nothing at all is the outage.
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.pipelineAlarm.addAlarmAction(new SnsAction(this.topic));
    this.pipelineAlarm.addOkAction(new SnsAction(this.topic));
  }
}

function syntheticMinutes(sm: SelfMonitoringConfig): number {
  const rate = deployedSyntheticMinutes(sm);
  if ('problem' in rate) throw new ConfigError(`config cannot be deployed: self_monitoring.synthetic_every: ${rate.problem}`, [{ path: 'self_monitoring.synthetic_every', message: rate.problem }]);
  return rate.minutes;
}
