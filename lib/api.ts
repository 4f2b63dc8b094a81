import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { ENV, channelQueueName } from '../shared/queues/names';
import type { ChannelType } from '../shared/channel-types';
import type { Channel } from './channels';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';
import { grantTable } from './state';
import * as esbuild from 'esbuild';
import { buildUiAssetsSync } from '../shared/ui/build';
import { UI_DEFINE, uiDefine } from '../shared/ui/serve';

/**
 * Reads for alert and group state (by key, or a key range of the `list` index: never a Scan);
 * PutItem/UpdateItem for creating and expiring silences.
 */
export const API_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export interface ApiProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
  /** The deployed channels: the api sends test notifications to their queues and redrives their DLQs. */
  readonly channels: Readonly<Partial<Record<ChannelType, Channel>>>;
}

/** The api function behind the HTTP API's non-ingest routes: alert state, health, channel tests, redrive. */
export class Api extends Construct {
  readonly function: AlertflowFunction;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const channels = Object.values(props.channels);
    this.function = new AlertflowFunction(this, 'Function', {
      ...functionSettings('api', props),
      config: props.config,
      // The dashboard's files, built now and bundled: the api serves /ui (shared/ui/serve.ts).
      define: { [UI_DEFINE]: uiDefine(buildUiAssetsSync(esbuild)) },
      environment: {
        [ENV.table]: props.table.tableName,
        [ENV.channelQueueUrls]: stack.toJsonString(Object.fromEntries(channels.map((c) => [c.type, c.notifications.queue.queueUrl]))),
        [ENV.dlqs]: stack.toJsonString(
          Object.fromEntries(
            channels.map((c) => [
              channelQueueName(c.type),
              { queueArn: c.notifications.queue.queueArn, dlqArn: c.notifications.dlq.queueArn, dlqUrl: c.notifications.dlq.queueUrl },
            ]),
          ),
        ),
      },
    });
    const fn = this.function.fn;
    grantTable(props.table, fn, API_TABLE_ACTIONS, { listIndex: true });
    for (const c of channels) {
      // Test notifications go through the real queue; a redrive is SQS's own DLQ move task, which
      // needs to read and delete on the DLQ and send to the queue.
      c.notifications.queue.grantSendMessages(fn);
      c.notifications.dlq.grant(fn, 'sqs:StartMessageMoveTask', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage');
    }
  }

  /**
   * Lets the api send to the alerts queue: expiring a silence early re-queues the flushes of the
   * groups it muted. A method rather than a prop because the queue is made by Ingestion, which
   * needs this construct's function first (for its HTTP routes).
   */
  sendToAlertsQueue(alertsQueue: IQueue): void {
    this.function.fn.addEnvironment(ENV.alertsQueueUrl, alertsQueue.queueUrl);
    alertsQueue.grantSendMessages(this.function.fn);
  }

  /**
   * What GET /v1/health?deep=1 reads (sqs:GetQueueAttributes): the queues the api's environment
   * already names (alerts, channels, escalations), the DLQs their redrive policies name (`dlqs`:
   * granted here, the channel DLQs already are), and `serviceDlqs` (DLQs of EventBridge, Lambda
   * and Scheduler deliveries, which no queue names), by logical name. Their queue *names* go in
   * ENV.healthQueues, not their URLs: Lambda allows 4 KB of environment, and the api's is the
   * largest. Called once, when every queue exists.
   */
  reportQueues(dlqs: readonly IQueue[], serviceDlqs: Readonly<Record<string, IQueue>>): void {
    const stack = Stack.of(this);
    this.function.fn.addEnvironment(ENV.healthQueues, stack.toJsonString(Object.fromEntries(Object.entries(serviceDlqs).map(([name, q]) => [name, q.queueName]))));
    for (const q of [...dlqs, ...Object.values(serviceDlqs)]) q.grant(this.function.fn, 'sqs:GetQueueAttributes');
  }
}
