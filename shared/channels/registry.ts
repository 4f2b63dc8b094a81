import type { EmailConfig, PagerDutyConfig, Receiver, SlackConfig, SmsConfig, TeamsConfig, WebhookConfig } from '../config/schema';
import { AlertflowError } from '../errors';
import type { ChannelType } from '../queues/messages';
import type { ChannelSender } from './channel';
import { CONFIG_KEYS } from './keys';
import { slackSender } from './slack/sender';
import { webhookSender } from './webhook/sender';
import { emailSender } from './email/sender';
import { smsSender } from './sms/sender';
import { pagerdutySender } from './pagerduty/sender';
import { teamsSender } from './teams/sender';

/** The config entry type of each channel type. */
export interface ChannelConfigs {
  slack: SlackConfig;
  webhook: WebhookConfig;
  email: EmailConfig;
  sms: SmsConfig;
  pagerduty: PagerDutyConfig;
  teams: TeamsConfig;
}

const SENDERS: { [T in ChannelType]: ChannelSender<ChannelConfigs[T]> } = {
  slack: slackSender,
  webhook: webhookSender,
  email: emailSender,
  sms: smsSender,
  pagerduty: pagerdutySender,
  teams: teamsSender,
};


export function senderFor<T extends ChannelType>(type: T): ChannelSender<ChannelConfigs[T]> {
  return SENDERS[type];
}

/**
 * A notification names its channel entry by receiver, type and index; the config it was routed
 * with may have changed since (a deploy between routing and sending). Not retryable.
 */
export class ChannelConfigNotFoundError extends AlertflowError {
  constructor(message: string) {
    super('channel_config_not_found', 500, message);
  }
}

export function channelConfig<T extends ChannelType>(receiver: Receiver, type: T, index: number): ChannelConfigs[T] {
  const key = CONFIG_KEYS[type];
  const entries = receiver[key] as ChannelConfigs[T][];
  const entry = entries[index];
  if (entry === undefined) {
    throw new ChannelConfigNotFoundError(
      `receiver ${JSON.stringify(receiver.name)} has no ${key}[${index}] (it has ${entries.length} ${key} entr${entries.length === 1 ? 'y' : 'ies'})`,
    );
  }
  return entry;
}
