/**
 * `npm start`: the whole of alertflow on this machine (see README "Local runtime").
 * PORT, ALERTFLOW_CONFIG, ALERTFLOW_DATA_DIR and ALERTFLOW_WEBHOOK_TOKEN configure it.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/errors';
import { startupBanner } from '../shared/local/banner';
import { startLocalRuntime } from '../shared/local/runtime';

// It takes no arguments, but `npm start -- --help` must answer rather than start (and a stray
// argument is a usage error, not silently ignored).
const program = new Command('npm start')
  .usage('  (configured by environment variables)')
  .description('Run the whole of alertflow on this machine: the API on 127.0.0.1, local DynamoDB, queues and schedules.')
  .addHelpText(
    'after',
    [
      '',
      'Environment:',
      '  PORT                     listen port (default 3000)',
      '  ALERTFLOW_CONFIG         config file (default alertflow.yaml, else alertflow.example.yaml)',
      '  ALERTFLOW_DATA_DIR       dynalite data and the outbox (default .alertflow)',
      '  ALERTFLOW_WEBHOOK_TOKEN  the value of tokens whose secret is `env: ALERTFLOW_WEBHOOK_TOKEN`\n                           (default alertflow-local-token, printed at start)',
      '  ALERTFLOW_LOG_LEVEL      debug, info, warn or error (default info)',
      '',
      'Stop it with Ctrl-C or SIGTERM: it drains and exits 0.',
    ].join('\n'),
  )
  .showHelpAfterError()
  .exitOverride();
try {
  program.parse(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exit(err.exitCode === 0 ? 0 : 2);
}

try {
  const rt = await startLocalRuntime();
  process.stdout.write(startupBanner(rt, process.env));
  // Drain and exit 0 (see LocalRuntime.close, bounded by its drain timeout). Ctrl-C under npm start
  // delivers SIGINT twice (from the terminal, and forwarded by npm): repeats are ignored.
  // (npm start runs node with tsx as a loader rather than the tsx CLI: the CLI's signal relay
  // SIGKILLs a child that does not acknowledge within 60 ms, as a busy one may not.)
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    rt.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
