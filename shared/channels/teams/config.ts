import * as z from 'zod';
import { ChannelCommon, RequestTimeout, SecretRef } from '../../primitives/schemas';
import { checkTemplates, TemplateSource } from '../templating';

/** The optional template keys of a Teams entry. */
export const TEAMS_TEMPLATE_KEYS = ['title', 'text'] as const;

/** `teams_configs[]`: a Microsoft Teams Workflows webhook (Adaptive Card message). */
export const TeamsConfig = z
  .object({
    ...ChannelCommon,
    /** The Workflows webhook URL (it embeds a signature, so it is a secret). */
    webhook_url: SecretRef,
    timeout: RequestTimeout.default('10s'),
    /** The card's heading. Default: `[FIRING:2] <group label values>`. */
    title: TemplateSource.optional(),
    /** Markdown shown instead of the per-alert sections (alert-provided values are escaped). */
    text: TemplateSource.optional(),
  })
  .strict()
  .superRefine(checkTemplates(TEAMS_TEMPLATE_KEYS));
export type TeamsConfig = z.infer<typeof TeamsConfig>;
