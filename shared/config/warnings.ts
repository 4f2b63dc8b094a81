import type { Config } from './schema';

/**
 * What a valid config still should change: deprecated keys, one line each naming the replacement.
 * Callers log them once at load (local runtime, each Lambda, config:check, cdk synth).
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [...(loadWarnings.get(config) ?? [])];
  if (config.auth.bearer_tokens !== undefined) {
    warnings.push(
      'auth.bearer_tokens is deprecated (each is accepted with every scope): use auth.tokens: [{ name, secret, scopes: [ingest, read, manage] }]',
    );
  }
  return warnings;
}

/** What loading a file left behind (Alertmanager keys it could not honour), by the config it made. */
const loadWarnings = new WeakMap<Config, string[]>();

/** Remember the load's warnings with the config, for configWarnings. */
export function noteLoadWarnings(config: Config, warnings: readonly string[]): void {
  if (warnings.length > 0) loadWarnings.set(config, [...warnings]);
}
