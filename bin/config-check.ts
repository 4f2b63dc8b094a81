/** `npm run config:check [file]`: validate a config file and print every problem with its key path (shared/cli/config-check.ts). */
import { Command, CommanderError } from 'commander';
import { resolveConfigPath } from '../shared/config/loader';
import { checkConfigFile } from '../shared/cli/config-check';

const program = new Command('config:check')
  .usage('[file]   (npm run config:check -- [file])')
  .description('Validate an alertflow config file and print every problem with its key path; exit 1 if there is any.')
  .argument('[file]', 'the config file (default: $ALERTFLOW_CONFIG, else alertflow.yaml, else the shipped example)')
  .showHelpAfterError()
  .exitOverride();

try {
  program.parse(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exit(err.exitCode === 0 ? 0 : 2);
}

const file = resolveConfigPath(program.args[0] ?? process.env.ALERTFLOW_CONFIG);
process.exitCode = checkConfigFile(file, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env });
