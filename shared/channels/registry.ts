import type { ChannelSender } from './channel';
import type { ChannelConfigs } from './schemas';
import type { ChannelType } from '../channel-types';
import { slackSender } from './slack/sender';
import { webhookSender } from './webhook/sender';
import { emailSender } from './email/sender';
import { smsSender } from './sms/sender';
import { pagerdutySender } from './pagerduty/sender';
import { teamsSender } from './teams/sender';

// Every channel's sender, for the local runtime and tools that serve all channels (the channel
// names, keys and secrets are the registry in ./types.ts; the config schemas are ./schemas.ts). A
// deployed sender function imports only its own channel's module (functions/<type>-sender/handler.ts),
// so its bundle holds one renderer, not all of them: nothing deployed imports this module.
export { ChannelConfigNotFoundError, channelConfig, type ChannelConfigs } from './keys';

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

/** Finds the sender of a channel type (`senderFor`, or a sender function's one channel). */
export type SenderLookup = <T extends ChannelType>(type: T) => ChannelSender<ChannelConfigs[T]>;
