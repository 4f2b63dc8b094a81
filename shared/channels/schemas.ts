import * as z from 'zod';
import { EmailConfig } from './email/config';
import { PagerDutyConfig } from './pagerduty/config';
import { SlackConfig } from './slack/config';
import { SmsConfig } from './sms/config';
import { TeamsConfig } from './teams/config';
import { CHANNEL_TYPES, CONFIG_KEYS, type ChannelType, type ConfigKeys } from '../channel-types';
import { WebhookConfig } from './webhook/config';

/**
 * The config schema of each channel type's entries (the registry's names, ./types.ts, with their
 * schemas): the receiver schema's `*_configs` keys are built from it. Config schemas only, no
 * renderer: shared/config imports this, and through it every function.
 */
export const CHANNEL_SCHEMAS = {
  slack: SlackConfig,
  webhook: WebhookConfig,
  email: EmailConfig,
  sms: SmsConfig,
  pagerduty: PagerDutyConfig,
  teams: TeamsConfig,
} as const satisfies { [T in ChannelType]: z.ZodType };

/** The config entry type of each channel type. */
export type ChannelConfigs = { [T in ChannelType]: z.infer<(typeof CHANNEL_SCHEMAS)[T]> };

/** A receiver's channel lists: `slack_configs: SlackConfig[]` (default []) and so on, one per registered type. */
export type ChannelListsShape = { [T in ChannelType as ConfigKeys[T]]: z.ZodDefault<z.ZodArray<(typeof CHANNEL_SCHEMAS)[T]>> };

export function channelListsShape(): ChannelListsShape {
  return Object.fromEntries(CHANNEL_TYPES.map((t) => [CONFIG_KEYS[t], z.array(CHANNEL_SCHEMAS[t] as z.ZodType).default([])])) as unknown as ChannelListsShape;
}
