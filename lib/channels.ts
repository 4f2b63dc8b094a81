import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import type { ChannelType } from '../shared/queues/messages';
import { CHANNEL_TYPES, ENV, MAX_RECEIVES } from '../shared/queues/names';
import { AlertflowFunction, type FunctionName, type SharedFunctionOptions, functionSettings } from './function';
import { QueueWithDlq } from './queue';

/** Table actions of a sender: read the notification, record the delivery (conditional writes). */
export const SENDER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

export const SENDER_BATCH_SIZE = 10;

export const senderFunctionName = (type: ChannelType): FunctionName => `${type}-sender`;

export interface ChannelProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
}

/** One channel type: its notification queue (and DLQ) and the sender function consuming it. */
export class Channel extends Construct {
  readonly type: ChannelType;
  readonly notifications: QueueWithDlq;
  readonly function: AlertflowFunction;

  constructor(scope: Construct, id: string, type: ChannelType, props: ChannelProps) {
    super(scope, id);
    this.type = type;
    const settings = functionSettings(senderFunctionName(type), props);
    this.notifications = new QueueWithDlq(this, 'Notifications', {
      maxReceiveCount: MAX_RECEIVES.channel,
      consumerTimeout: settings.timeout,
    });
    const queue = this.notifications.queue;
    this.function = new AlertflowFunction(this, 'Sender', {
      ...settings,
      config: props.config,
      environment: {
        [ENV.table]: props.table.tableName,
        // Only its own queue: the sender backs off by changing the visibility of its messages.
        [ENV.channelQueueUrls]: Stack.of(this).toJsonString({ [type]: queue.queueUrl }),
      },
    });
    const sender = this.function.fn;
    // Grants receive/delete/ChangeMessageVisibility on this queue only.
    sender.addEventSource(new SqsEventSource(queue, { batchSize: SENDER_BATCH_SIZE, reportBatchItemFailures: true }));
    props.table.grant(sender, ...SENDER_TABLE_ACTIONS);
  }
}

/** Every channel type of CHANNEL_TYPES, keyed by type. */
export class Channels extends Construct {
  readonly byType: Readonly<Record<ChannelType, Channel>>;

  constructor(scope: Construct, id: string, props: ChannelProps) {
    super(scope, id);
    this.byType = Object.fromEntries(
      CHANNEL_TYPES.map((type) => [type, new Channel(this, constructId(type), type, props)]),
    ) as Record<ChannelType, Channel>;
  }
}

/** `slack` -> `Slack` (construct ids shape logical ids). */
function constructId(type: string): string {
  return type.charAt(0).toUpperCase() + type.slice(1);
}
