/**
 * `npm start`: the whole of alertflow on this machine (see README "Local runtime").
 * PORT, ALERTFLOW_CONFIG, ALERTFLOW_DATA_DIR and ALERTFLOW_WEBHOOK_TOKEN configure it.
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/errors';
import { startupBanner } from '../shared/local/banner';
import { startLocalRuntime } from '../shared/local/runtime';
import { warmUp } from '../shared/local/warm-up';
import { LOCAL_HANDLERS } from './local-handlers';

// It takes no arguments, but `npm start -- --help` must answer rather than start (and a stray
// argument is a usage error, not silently ignored).
const program = new Command('npm start')
  .usage('  (configured by environment variables)')
  .description('Run the whole of alertflow on this machine: the API on 127.0.0.1, its state, queues and schedules in one SQLite file.')
  .addHelpText(
    'after',
    [
      '',
      'Environment:',
      '  PORT                     listen port (default 3000)',
      '  ALERTFLOW_CONFIG         config file (default alertflow.yaml, else alertflow.example.yaml)',
      '  ALERTFLOW_DATA_DIR       state, queues, schedules (alertflow.sqlite) and the outbox (default .alertflow)',
      '  ALERTFLOW_WEBHOOK_TOKEN  the value of tokens whose secret is `env: ALERTFLOW_WEBHOOK_TOKEN`\n                           (default alertflow-local-token, printed at start)',
      '  ALERTFLOW_LOG_LEVEL      debug, info, warn or error (default info)',
      '  ALERTFLOW_STORE          sqlite (default) or dynalite (the DynamoDB code path, on an embedded dynalite)',
      '  ALERTFLOW_INGEST_WORKERS threads that ingest requests (default: cores - 1, 1 to 4; 0 = main thread)',
      '  ALERTFLOW_WARM_UP        0 skips the warm-up storm run before listening (default: on)',
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
  // Ingest on worker threads, one per core the main thread leaves (at least one, at most four).
  const workers = Number(process.env.ALERTFLOW_INGEST_WORKERS ?? Math.min(4, Math.max(1, availableParallelism() - 1)));
  // Compile the hot paths before the first storm (shared/local/warm-up.ts): off with ALERTFLOW_WARM_UP=0.
  const warm = process.env.ALERTFLOW_WARM_UP !== '0';
  // A failed warm-up leaves the code cold, not the runtime broken: it starts regardless.
  const warmed = warm
    ? await warmUp(LOCAL_HANDLERS).catch((err: unknown) => {
        process.stderr.write(`warm-up skipped: ${(err as Error).message}\n`);
        return undefined;
      })
    : undefined;
  const rt = await startLocalRuntime({ handlers: LOCAL_HANDLERS, ingestWorkers: Number.isInteger(workers) && workers >= 0 ? workers : 1, warmIngestWorkers: warm });
  process.stdout.write(startupBanner(rt, process.env, warmed));
  // Drain and exit 0 (see LocalRuntime.close, bounded by its drain timeout). Ctrl-C under npm start
  // delivers SIGINT twice (from the terminal, and forwarded by npm): repeats are ignored.
  // (npm start runs node on a bundle, not the tsx CLI: the CLI's signal relay SIGKILLs a child that
  // does not acknowledge within 60 ms, as a busy one may not.)
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
