/** `npm run config:check [file]`: validate a config file and print every problem with its key path. */
import { ConfigError } from '../shared/errors';
import { loadConfigFile, resolveConfigPath } from '../shared/config/loader';
import { compileConfig } from '../shared/runtime/compiled-config';
import { configWarnings } from '../shared/config/validate';

const file = resolveConfigPath(process.argv[2] ?? process.env.ALERTFLOW_CONFIG);
try {
  const config = compileConfig(loadConfigFile(file));
  for (const warning of configWarnings(config.raw)) process.stderr.write(`${file}: warning: ${warning}\n`);
  process.stdout.write(`${file}: OK (${config.raw.receivers.length} receivers)\n`);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
