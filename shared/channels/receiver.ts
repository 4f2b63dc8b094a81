import * as z from 'zod';
import { Duration } from '../primitives/schemas';
import { CooldownBy } from '../routing/config';
import { channelListsShape } from './schemas';

/** Per receiver: at most `max_notifications` group notifications per `window`, then hold and summarize. */
export const StormProtectionConfig = z
  .object({
    max_notifications: z.number().int().positive(),
    window: Duration,
  })
  .strict();
export type StormProtectionConfig = z.infer<typeof StormProtectionConfig>;

export const Receiver = z
  .object({
    name: z.string().min(1),
    // slack_configs, webhook_configs, …: one list per channel type of the registry (shared/channel-types.ts).
    ...channelListsShape(),
    /** Cooldown for routes to this receiver that set none themselves. */
    cooldown: Duration.optional(),
    cooldown_by: CooldownBy.optional(),
    storm_protection: StormProtectionConfig.optional(),
  })
  .strict();
export type Receiver = z.infer<typeof Receiver>;
