import * as z from 'zod';
import { ChannelCommon, SecretRef } from '../../config/primitives';

/** `slack_configs[]`: an incoming webhook. */
export const SlackConfig = z
  .object({
    ...ChannelCommon,
    /** The incoming-webhook URL (it embeds a credential, so it is a secret). */
    webhook_url: SecretRef,
    /** Shown in the message header; the webhook decides the channel. */
    channel: z.string().optional(),
    username: z.string().optional(),
    icon_emoji: z.string().optional(),
  })
  .strict();
export type SlackConfig = z.infer<typeof SlackConfig>;
