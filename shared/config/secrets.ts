import type { Config, SecretRef } from './schema';
import { SecretError } from '../errors';

/** Resolves secret references to values. Implementations cache; values are never logged. */
export interface SecretResolver {
  resolve(ref: SecretRef): Promise<string>;
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
  config.auth.bearer_tokens.forEach((ref, i) => out.push({ path: `auth.bearer_tokens[${i}]`, ref }));
  config.receivers.forEach((r, ri) => {
    r.slack_configs.forEach((c, i) => out.push({ path: `receivers[${ri}].slack_configs[${i}].webhook_url`, ref: c.webhook_url }));
    r.webhook_configs.forEach((c, i) => {
      // A plain URL is not a secret; a reference is used when the URL carries a credential.
      if (typeof c.url !== 'string') out.push({ path: `receivers[${ri}].webhook_configs[${i}].url`, ref: c.url });
      if (c.hmac_secret) out.push({ path: `receivers[${ri}].webhook_configs[${i}].hmac_secret`, ref: c.hmac_secret });
    });
  });
  return out;
}
