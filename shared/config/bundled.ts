import type { Config } from './schema';
import { ConfigError } from '../errors';

// Replaced at bundling time (esbuild `define`) with the JSON of the config validated at synth.
declare const __ALERTFLOW_CONFIG__: string | undefined;

/**
 * The config baked into a deployed function's bundle. Synth bundles the parser's output
 * (lib/function.ts `configDefine` validates it), so it is not parsed again here: that would load and
 * run the config schema on every cold start to re-check the same JSON. The local runtime and
 * `config:check` validate the YAML they read.
 */
export function bundledConfig(): Config {
  if (typeof __ALERTFLOW_CONFIG__ !== 'string') {
    throw new ConfigError('no config was bundled into this function (build it with cdk synth)', []);
  }
  return JSON.parse(__ALERTFLOW_CONFIG__) as Config;
}
