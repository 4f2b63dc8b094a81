import * as z from 'zod';
import { ChannelCommon, SecretRef } from '../../primitives/schemas';
import { checkTemplates, TemplateSource } from '../templating';

/** The optional template keys of a Slack entry. */
export const SLACK_TEMPLATE_KEYS = ['title', 'text'] as const;

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
    /** The header and fallback text. Default: `[FIRING:2] <group label values>`. */
    title: TemplateSource.optional(),
    /** mrkdwn shown instead of the per-alert sections (alert-provided values are escaped). */
    text: TemplateSource.optional(),
  })
  .strict()
  .superRefine(checkTemplates(SLACK_TEMPLATE_KEYS));
export type SlackConfig = z.infer<typeof SlackConfig>;
