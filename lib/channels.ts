import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { senderFunctionName, type ChannelType } from '../shared/channel-types';
import { ENV, MAX_RECEIVES, SENDER_MAX_CONCURRENCY } from '../shared/queues/names';
import { usedChannelTypes } from '../shared/channels/keys';
import { fromAddress } from '../shared/channels/email/config';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';
import { QueueWithDlq } from './queue';
import { grantTable } from './state';

/** Table actions of a sender: read the notification, record the delivery (conditional writes). */
export const SENDER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

export const SENDER_BATCH_SIZE = 10;
export { SENDER_MAX_CONCURRENCY };

export { senderFunctionName };

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
    sender.addEventSource(new SqsEventSource(queue, { batchSize: SENDER_BATCH_SIZE, maxConcurrency: SENDER_MAX_CONCURRENCY, reportBatchItemFailures: true }));
    // A rate-limited notification is re-sent to its own queue with a delay (its reserved send slot).
    queue.grantSendMessages(sender);
    grantTable(props.table, sender, SENDER_TABLE_ACTIONS);
    // What this type's sender may do beyond every sender's grants: its provider's API, if not HTTP.
    CHANNEL_GRANTS[type]?.(this, props.config);
  }
}

/** The AWS permissions of the channel types that deliver through an AWS service (the SDK clients of the registry's `sdkClients`). */
const CHANNEL_GRANTS: Partial<Record<ChannelType, (channel: Channel, config: Config) => void>> = {
  email: grantSendEmail,
  sms: grantPublishSms,
};

/**
 * SES v2 SendEmail, from the configured sender identities only. SES authorizes a send against the
 * address identity or its domain identity, whichever is verified, so both are granted; `from` may
 * be `Name <address>`, whose display name is no part of either identity.
 */
function grantSendEmail(channel: Channel, config: Config): void {
  const stack = Stack.of(channel);
  const identities = new Set<string>();
  for (const r of config.receivers) {
    for (const c of r.email_configs) {
      const address = fromAddress(c.from);
      identities.add(address);
      identities.add(address.slice(address.lastIndexOf('@') + 1));
    }
  }
  channel.function.fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [...identities].sort().map((id) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
    }),
  );
}

/** SNS Publish to phone numbers: SMS has no resource to scope to, so this one grant is `*`. */
function grantPublishSms(channel: Channel): void {
  channel.function.fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
  // The finding is on the role's default policy, where the statement lands.
  Validations.of(channel.function.role.node.findChild('DefaultPolicy')).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'SNS Publish to a phone number (SMS) has no resource ARN to scope the permission to: AWS documents ' +
      'Resource "*" for direct SMS publishing. The grant is limited to sns:Publish on the SMS sender role only.',
  });
}

/**
 * One Channel per channel type the config uses (a type nobody configured gets no queue and no
 * sender: idle queues still cost their pollers' requests).
 */
export class Channels extends Construct {
  readonly byType: Readonly<Partial<Record<ChannelType, Channel>>>;

  constructor(scope: Construct, id: string, props: ChannelProps) {
    super(scope, id);
    this.byType = Object.fromEntries(
      usedChannelTypes(props.config.receivers).map((type) => [type, new Channel(this, constructId(type), type, props)]),
    ) as Partial<Record<ChannelType, Channel>>;
  }
}

/** `slack` -> `Slack` (construct ids shape logical ids). */
function constructId(type: string): string {
  return type.charAt(0).toUpperCase() + type.slice(1);
}
