/** `npm run config:check [file]`: validate a config file and print every problem with its key path. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/errors';
import { loadConfigFile, resolveConfigPath } from '../shared/config/loader';
import { compileConfig } from '../shared/runtime/compiled-config';
import { configWarnings } from '../shared/config/validate';
import { describePolicy } from '../shared/escalation/policy';
import { describeHeartbeat } from '../shared/heartbeats/heartbeat';
import { describeCheck } from '../shared/checks/check';
import { describeSelfMonitoring } from '../shared/config/self-monitoring';

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
try {
  const config = compileConfig(loadConfigFile(file));
  for (const warning of configWarnings(config.raw)) process.stderr.write(`${file}: warning: ${warning}\n`);
  process.stdout.write(`${file}: OK (${config.raw.receivers.length} receivers)\n`);
  for (const policy of config.escalationPolicies.values()) process.stdout.write(`${describePolicy(policy).join('\n')}\n`);
  for (const hb of config.heartbeats.values()) process.stdout.write(`${describeHeartbeat(hb)}\n`);
  for (const check of config.checks.values()) process.stdout.write(`${describeCheck(check)}\n`);
  if (config.raw.self_monitoring) process.stdout.write(`${describeSelfMonitoring(config.raw.self_monitoring)}\n`);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
