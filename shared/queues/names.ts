import type { ChannelType } from './messages';

/** Queue names are shared by the CDK stack and the local runtime. */
export const ALERTS_QUEUE = 'alerts';
export const CHANNEL_TYPES: readonly ChannelType[] = ['slack', 'webhook', 'email', 'sms', 'pagerduty', 'teams'];
export const channelQueueName = (type: ChannelType): string => `${type}-notifications`;
export const dlqName = (queue: string): string => `${queue}-dlq`;

/** Retry budgets: how many receives before SQS moves a message to its DLQ. */
export const MAX_RECEIVES = { alerts: 5, channel: 8 } as const;

/** Environment variables the deployed functions read. */
export const ENV = {
  table: 'ALERTFLOW_TABLE',
  alertsQueueUrl: 'ALERTFLOW_ALERTS_QUEUE_URL',
  /** JSON object: channel type -> queue URL. */
  channelQueueUrls: 'ALERTFLOW_CHANNEL_QUEUE_URLS',
  /** JSON object: logical queue name -> { queueArn, dlqArn, dlqUrl } (the api's redrive). */
  dlqs: 'ALERTFLOW_DLQS',
} as const;
