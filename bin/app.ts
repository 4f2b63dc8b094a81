/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Reads the config from ALERTFLOW_CONFIG (else
 * alertflow.yaml, else the shipped example), validates it, and checks the stack with cdk-nag's
 * AwsSolutions rules; any problem fails synth with a message that names it.
 */
import { App, Errors, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlertflowStack } from '../lib/alertflow-stack';
import { loadConfigFile, resolveConfigPath } from '../shared/config/loader';
import { configWarnings } from '../shared/config/validate';
import { ConfigError } from '../shared/errors';

function main(): void {
  // Synthesized explicitly (not at exit) so validation failures are caught below.
  const app = new App({ autoSynth: false });
  const config = loadConfigFile(resolveConfigPath(process.env.ALERTFLOW_CONFIG));
  for (const warning of configWarnings(config)) console.warn(`warning: ${warning}`);
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Alertflow';
  new AlertflowStack(app, stackName, { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
}

try {
  main();
} catch (err) {
  // Expected failures get their message only; a stack trace would bury the key paths.
  if (err instanceof ConfigError || isValidationFailure(err)) {
    console.error(err.message);
    process.exitCode = 1;
  } else {
    throw err;
  }
}

/** The error synthesis throws when a validation plugin (cdk-nag) reports violations (already printed). */
function isValidationFailure(err: unknown): err is Error {
  return Errors.isValidationError(err) && err.name === 'ValidationFailed';
}
