import { usedChannelTypes } from '../channels/keys';
import { ValidationError } from '../errors';
import { ChannelType } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import type { QueueAdmin } from '../queues/port';
import type { CompiledConfig } from '../runtime/compiled-config';

export interface RedriveReport {
  /** Messages moved from each channel's DLQ back to its queue. */
  moved: Partial<Record<ChannelType, number>>;
  /** True when SQS moves them asynchronously and the counts are the DLQ depths at the start. */
  approximate: boolean;
}

/**
 * Move dead-lettered notifications back to their channel queues (all configured channels, or one),
 * e.g. after a broken endpoint was fixed. Delivered notifications are never re-posted: senders skip
 * notification ids already recorded as delivered.
 */
export async function redrive(channel: string | undefined, deps: { config: CompiledConfig; queueAdmin: QueueAdmin }): Promise<RedriveReport> {
  const used = usedChannelTypes(deps.config.raw.receivers);
  let types: ChannelType[] = used;
  if (channel !== undefined) {
    const parsed = ChannelType.safeParse(channel);
    if (!parsed.success || !used.includes(parsed.data)) {
      throw new ValidationError(`unknown channel ${JSON.stringify(channel)} (configured: ${used.join(', ')})`, [{ path: 'channel', message: 'a configured channel type' }]);
    }
    types = [parsed.data];
  }
  const moved: Partial<Record<ChannelType, number>> = {};
  let approximate = false;
  for (const type of types) {
    const r = await deps.queueAdmin.redrive(channelQueueName(type));
    moved[type] = r.moved;
    approximate ||= r.approximate;
  }
  return { moved, approximate };
}
