import type { Receiver } from '../config/schema';
import type { ChannelType } from '../queues/messages';
import { CHANNEL_TYPES } from '../queues/names';

/**
 * Where each channel type's entries live on a receiver. Kept apart from the senders (registry.ts) so
 * the router and the CDK app can enumerate channels without bundling every renderer.
 */
export const CONFIG_KEYS = {
  slack: 'slack_configs',
  webhook: 'webhook_configs',
  email: 'email_configs',
  sms: 'sms_configs',
  pagerduty: 'pagerduty_configs',
  teams: 'teams_configs',
} as const satisfies { [T in ChannelType]: keyof Receiver };

export interface ChannelEntry {
  type: ChannelType;
  index: number;
  sendResolved: boolean;
}

/** Every channel entry of a receiver, in a stable order (type order, then position). */
export function channelEntries(receiver: Receiver): ChannelEntry[] {
  return CHANNEL_TYPES.flatMap((type) =>
    (receiver[CONFIG_KEYS[type]] as Array<{ send_resolved: boolean }>).map((c, index) => ({ type, index, sendResolved: c.send_resolved })),
  );
}

/** The channel types a config uses: only these get a queue and a sender when deployed. */
export function usedChannelTypes(receivers: readonly Receiver[]): ChannelType[] {
  return CHANNEL_TYPES.filter((type) => receivers.some((r) => (r[CONFIG_KEYS[type]] as unknown[]).length > 0));
}
