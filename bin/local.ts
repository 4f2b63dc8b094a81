/**
 * `npm start`: the whole of alertflow on this machine (see README "Local runtime").
 * PORT, ALERTFLOW_CONFIG, ALERTFLOW_DATA_DIR and ALERTFLOW_WEBHOOK_TOKEN configure it.
 */
import { ConfigError } from '../shared/errors';
import { startupBanner } from '../shared/local/banner';
import { startLocalRuntime } from '../shared/local/runtime';

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
