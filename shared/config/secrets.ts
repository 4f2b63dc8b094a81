import type { Config, SecretRef } from './schema';
import { CHANNEL_TYPES, CONFIG_KEYS, channelSecretKeys } from '../channel-types';

/** Every secret reference in a config, with its key path (for synth checks and IAM grants). */
export function collectSecretRefs(config: Config): Array<{ path: string; ref: SecretRef }> {
  const out: Array<{ path: string; ref: SecretRef }> = [];
  config.auth.tokens.forEach((t, i) => out.push({ path: `auth.tokens[${i}].secret`, ref: t.secret }));
  config.auth.bearer_tokens?.forEach((ref, i) => out.push({ path: `auth.bearer_tokens[${i}]`, ref }));
  // Links are signed only for incidents and heartbeat ping URLs: without either the key is never read.
  if (config.escalation_policies.length > 0 || config.heartbeats.length > 0) config.incident_links.signing_keys.forEach((ref, i) => out.push({ path: `incident_links.signing_keys[${i}]`, ref }));
  if (config.slack_app) out.push({ path: 'slack_app.signing_secret', ref: config.slack_app.signing_secret });
  config.pagerduty_webhooks?.signing_secrets.forEach((ref, i) => out.push({ path: `pagerduty_webhooks.signing_secrets[${i}]`, ref }));
  config.receivers.forEach((r, ri) => {
    for (const type of CHANNEL_TYPES) {
      const key = CONFIG_KEYS[type];
      // The secret-bearing keys of the type's entries, from the channel registry.
      (r[key] as Array<Record<string, unknown>>).forEach((entry, i) => {
        for (const { key: field, always } of channelSecretKeys(type)) {
          const ref = entry[field] as SecretRef | undefined;
          if (ref === undefined) continue;
          // A plain webhook URL is not a secret; a reference is used when the URL carries a credential.
          if (!always && typeof ref === 'string') continue;
          out.push({ path: `receivers[${ri}].${key}[${i}].${field}`, ref });
        }
      });
    }
  });
  return out;
}
