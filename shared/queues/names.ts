import type { ChannelType } from '../channel-types';

/** Queue names are shared by the CDK stack and the local runtime. */
export const ALERTS_QUEUE = 'alerts';
/** Incident timers (escalation steps, ack timeouts): a queue of their own, so a storm's backlog on `alerts` never delays a page. */
export const ESCALATIONS_QUEUE = 'escalations';
export const channelQueueName = (type: ChannelType): string => `${type}-notifications`;
export const dlqName = (queue: string): string => `${queue}-dlq`;

/**
 * Default timeouts of the queue consumers (seconds). The CDK functions use them, and the local
 * runtime derives its visibility timeouts from them with the same 6x rule.
 */
export const CONSUMER_TIMEOUT_S = { router: 30, sender: 60, escalator: 30 } as const;

/**
 * Sender invocations per channel type at once (the event source mapping's maxConcurrency; the local
 * runtime scales out to it around slow batches). A receiver that hangs holds at most its gate's
 * slots (2) of them, so this leaves room for the others with several receivers hung at once, and
 * keeps a slow receiver from taking the account's Lambda concurrency.
 */
export const SENDER_MAX_CONCURRENCY = 20;

/**
 * Messages per router invocation deployed (the event source mapping's batchSize; it waits up to its
 * 1 s batching window to fill one). The router writes each group once per batch however many of the
 * batch's alerts it takes, so in a storm a larger batch is fewer group writes: 100 took storm B from
 * 0.64 to 0.25 write units per alert (ADR 0011, "Router batches of 100"). SQS hands a batch at most
 * 6 MB; the router's deadline hands back what it could not start.
 */
export const ROUTER_BATCH_SIZE = 100;

/** Retry budgets: how many receives before SQS moves a message to its DLQ. */
export const MAX_RECEIVES = { alerts: 5, channel: 8, escalations: 5 } as const;

/** Environment variables the deployed functions read. */
export const ENV = {
  table: 'ALERTFLOW_TABLE',
  alertsQueueUrl: 'ALERTFLOW_ALERTS_QUEUE_URL',
  /** The escalations queue (incident timers), where escalation is deployed. */
  escalationsQueueUrl: 'ALERTFLOW_ESCALATIONS_QUEUE_URL',
  /** JSON object: channel type -> queue URL. */
  channelQueueUrls: 'ALERTFLOW_CHANNEL_QUEUE_URLS',
  /** JSON object: logical queue name -> { queueArn, dlqArn, dlqUrl } (the api's redrive). */
  dlqs: 'ALERTFLOW_DLQS',
  /** EventBridge Scheduler group of the one-time schedules (group flushes beyond 900 s). */
  scheduleGroup: 'ALERTFLOW_SCHEDULE_GROUP',
  /** The role Scheduler assumes to deliver them (the only role the functions may pass). */
  schedulerRoleArn: 'ALERTFLOW_SCHEDULER_ROLE_ARN',
  /**
   * JSON object: logical queue name -> queue ARN (schedule targets), or -> { arn, roleArn, dlqArn }
   * for a target with a role of its own (allowed to reach that queue only) and a dead-letter queue.
   */
  queueArns: 'ALERTFLOW_QUEUE_ARNS',
  /** JSON object: logical queue name -> URL, the queues GET /v1/health?deep=1 reports (the api's). */
  healthQueues: 'ALERTFLOW_HEALTH_QUEUES',
  /** The deployment (stack) name: the dimension of alertflow's own metrics; unset, none are emitted. */
  deployment: 'ALERTFLOW_DEPLOYMENT',
} as const;

/** Dead-letter queues of AWS services' deliveries (no source queue of their own), by their reported name. */
export const SERVICE_DLQS = {
  /** EventBridge, SNS and Lambda's asynchronous invocations of ingest. */
  ingestAsync: 'ingest-async-dlq',
  /** Scheduler's invocations of the checks function (its ticks) it could not deliver. */
  checksTick: 'checks-tick-dlq',
} as const;
