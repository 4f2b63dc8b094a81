import type { Receiver } from './receiver';
import { AlertflowError } from '../errors';
import type { ChannelConfigs } from './schemas';
import { CHANNEL_TYPES, CONFIG_KEYS, type ChannelType } from '../channel-types';

export type { ChannelConfigs };

/**
 * A receiver's channel entries, and the lookup of one entry (where each type's entries live:
 * CONFIG_KEYS of the registry, ./types.ts). Kept apart from the senders (registry.ts) so the router,
 * the CDK app and each sender function can find channel config without bundling every renderer.
 */

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
