import { SecretError } from '../errors';
import type { SecretRef } from './schemas';

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
export function linkSigningKeys(config: { incident_links: { signing_keys: readonly SecretRef[] } }, secrets: SecretResolver): Promise<string[]> {
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
