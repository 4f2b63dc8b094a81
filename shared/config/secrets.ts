import type { Config, SecretRef } from './schema';
import { SecretError } from '../errors';
import { CHANNEL_TYPES, CONFIG_KEYS, channelSecretKeys } from '../channel-types';

/** Resolves secret references to values. Implementations cache; values are never logged. */
export interface SecretResolver {
  resolve(ref: SecretRef): Promise<string>;
}

/**
 * The values of those of `refs` that resolve, in order. For verification keys listed for rotation:
 * a key that cannot be read verifies nothing, and the others still do.
 */
export async function resolvedSecrets(refs: readonly SecretRef[], secrets: SecretResolver): Promise<string[]> {
  const values = await Promise.all(refs.map((ref) => secrets.resolve(ref).catch(() => undefined)));
  return values.filter((v): v is string => v !== undefined && v !== '');
}

/**
 * The link signing keys (`incident_links.signing_keys`) that resolve, in order: what verifies
 * incident links, Slack buttons, SMS reply codes and heartbeat ping URLs (any of them verifies).
 */
export function linkSigningKeys(config: Pick<Config, 'incident_links'>, secrets: SecretResolver): Promise<string[]> {
  return resolvedSecrets(config.incident_links.signing_keys, secrets);
}

/** A human-readable name for a reference, safe to put in logs and errors. */
export function describeSecretRef(ref: SecretRef): string {
  if (typeof ref === 'string') return 'an inline value';
  return [ref.ssm && `ssm:${ref.ssm}`, ref.env && `env:${ref.env}`].filter(Boolean).join(' / ');
}

/** Local runtime: env vars (and inline strings). */
export function envSecretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return {
    async resolve(ref) {
      if (typeof ref === 'string') return ref;
      const value = ref.env ? env[ref.env] : undefined;
      if (value) return value;
      throw new SecretError(
        ref.env
          ? `secret ${describeSecretRef(ref)} is not set: export ${ref.env}`
          : `secret ${describeSecretRef(ref)} has no env name; the local runtime reads secrets from environment variables`,
      );
    },
  };
}

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
