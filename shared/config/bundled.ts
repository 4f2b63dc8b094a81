import type { Config } from './schema';
import { parseConfig } from './validate';
import { ConfigError } from '../errors';

// Replaced at bundling time (esbuild `define`) with the JSON of the config validated at synth.
declare const __ALERTFLOW_CONFIG__: string | undefined;

/** The config baked into a deployed function's bundle. */
export function bundledConfig(): Config {
  if (typeof __ALERTFLOW_CONFIG__ !== 'string') {
    throw new ConfigError('no config was bundled into this function (build it with cdk synth)', []);
  }
  return parseConfig(JSON.parse(__ALERTFLOW_CONFIG__), 'bundled config');
}
