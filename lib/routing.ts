import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import type { ChannelType } from '../shared/queues/messages';
import { ENV } from '../shared/queues/names';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';

/** Table actions of the router: read and upsert state, query groups and the notification log. */
export const ROUTER_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
];

/** Router batches: up to 10 messages, waiting at most this long to fill one (alerts come in bursts). */
export const ROUTER_BATCH_SIZE = 10;
export const ROUTER_BATCHING_WINDOW = Duration.seconds(1);
/**
 * Routers running at once. Concurrent routers that touch the same group reconcile through
 * conditional writes, and every collision is a billed write and a re-read; a few routers of 10
 * messages each already route thousands of alerts per second.
 */
export const ROUTER_MAX_CONCURRENCY = 5;

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

/** The router function on the alerts queue: state, silences, inhibition, the route tree, grouping. */
export class Routing extends Construct {
  readonly function: AlertflowFunction;

  constructor(scope: Construct, id: string, props: RoutingProps) {
    super(scope, id);
    const channelQueueUrls = Object.fromEntries(
      Object.entries(props.channelQueues).map(([type, queue]) => [type, queue.queueUrl]),
    );
    this.function = new AlertflowFunction(this, 'Router', {
      ...functionSettings('router', props),
      config: props.config,
      environment: {
        [ENV.table]: props.table.tableName,
        [ENV.alertsQueueUrl]: props.alertsQueue.queueUrl,
        [ENV.channelQueueUrls]: Stack.of(this).toJsonString(channelQueueUrls),
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
    props.table.grant(router, ...ROUTER_TABLE_ACTIONS);
    // Group flushes are delayed messages (DelaySeconds <= 900) back to the alerts queue.
    props.alertsQueue.grantSendMessages(router);
    for (const queue of Object.values(props.channelQueues)) queue.grantSendMessages(router);
  }
}
