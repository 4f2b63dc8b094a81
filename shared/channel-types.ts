/**
 * The channel registry: every channel type once, with the facts about it that the rest of the
 * project derives its lists from — the `ChannelType` union and zod enum (shared/queues/messages.ts),
 * `CHANNEL_TYPES`, `CONFIG_KEYS` (a receiver's `*_configs` keys, and so the receiver schema),
 * the secret-bearing keys (shared/config/secrets.ts, lib/secrets.ts), the queue and sender function
 * names and the per-channel loops of the CDK app (lib/channels.ts, lib/function.ts).
 *
 * A leaf: it imports nothing (eslint.config.js holds it to that), so the queue message schemas,
 * the config schema, the CDK app and every sender bundle can read it without an import cycle and
 * without bundling any channel's code. What is code rather than data hangs off the same names in
 * maps that must have an entry for every type (the compiler says which one is missing):
 * - the config schema of each type: shared/channels/schemas.ts (`CHANNEL_SCHEMAS`);
 * - the sender of each type, for the local runtime: shared/channels/registry.ts (`senderFor`); a deployed sender
 *   function imports only its own channel (functions/<type>-sender/handler.ts), so its bundle holds
 *   one renderer.
 *
 * Adding a channel: a folder shared/channels/<type>/ (config.ts, render.ts, sender.ts,
 * sender.test.ts calling test/support/sender-contract.ts), one entry below, then the entries the
 * compiler asks for in shared/channels/schemas.ts and registry.ts, and functions/<type>-sender/handler.ts.
 */

export interface ChannelSpec {
  /** A receiver's key for this type's entries (`slack_configs`). */
  readonly configKey: `${string}_configs`;
  /** Keys of an entry that hold a secret reference (resolved by the sender, granted to it alone). */
  readonly secretKeys: readonly string[];
  /** Those of `secretKeys` that are a secret only when given as a reference: a plain string there is not one (a webhook URL without a credential). */
  readonly secretWhenReferenced?: readonly string[];
  /** Whether a digest goes to this type (false: it pages, and a digest is not a page). */
  readonly digest: boolean;
  /** AWS SDK clients the sender uses beyond every sender's (test/infra/bundles.test.ts holds each bundle to its list). */
  readonly sdkClients: readonly string[];
}

/** In the order receivers' entries are listed, notified and shown. */
export const CHANNELS = {
  slack: { configKey: 'slack_configs', secretKeys: ['webhook_url'], digest: true, sdkClients: [] },
  webhook: { configKey: 'webhook_configs', secretKeys: ['url', 'hmac_secret'], secretWhenReferenced: ['url'], digest: true, sdkClients: [] },
  email: { configKey: 'email_configs', secretKeys: [], digest: true, sdkClients: ['client-sesv2'] },
  sms: { configKey: 'sms_configs', secretKeys: [], digest: true, sdkClients: ['client-sns'] },
  pagerduty: { configKey: 'pagerduty_configs', secretKeys: ['routing_key'], digest: false, sdkClients: [] },
  teams: { configKey: 'teams_configs', secretKeys: ['webhook_url'], digest: true, sdkClients: [] },
} as const satisfies Record<string, ChannelSpec>;

export type ChannelType = keyof typeof CHANNELS;

/** Every channel type, in registry order. */
export const CHANNEL_TYPES = Object.keys(CHANNELS) as ChannelType[] as readonly ChannelType[];

/** The receiver key of each channel type's entries. */
export type ConfigKeys = { readonly [T in ChannelType]: (typeof CHANNELS)[T]['configKey'] };
export const CONFIG_KEYS = Object.fromEntries(CHANNEL_TYPES.map((t) => [t, CHANNELS[t].configKey])) as ConfigKeys;
export type ConfigKey = ConfigKeys[ChannelType];

/**
 * The secret-bearing keys of a channel type's entries, in order; `always` is false for a key that
 * holds a secret only when given as a reference. (A function, not a derived table: a bundle that
 * does not ask carries nothing for it.)
 */
export function channelSecretKeys(type: ChannelType): ReadonlyArray<{ key: string; always: boolean }> {
  const spec: ChannelSpec = CHANNELS[type];
  return spec.secretKeys.map((key) => ({ key, always: !spec.secretWhenReferenced?.includes(key) }));
}

/** The Lambda function (functions/<type>-sender/) that delivers a channel type. */
export type SenderFunctionName = `${ChannelType}-sender`;
export const senderFunctionName = (type: ChannelType): SenderFunctionName => `${type}-sender`;
