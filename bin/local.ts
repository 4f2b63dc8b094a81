/**
 * `npm start`: the whole of alertflow on this machine (see README "Local runtime").
 * PORT, ALERTFLOW_CONFIG, ALERTFLOW_DATA_DIR and ALERTFLOW_WEBHOOK_TOKEN configure it.
 */
import { ConfigError } from '../shared/errors';
import { DEFAULT_TOKEN, startLocalRuntime } from '../shared/local/runtime';

try {
  const rt = await startLocalRuntime();
  const defaulted = !process.env.ALERTFLOW_WEBHOOK_TOKEN;
  process.stdout.write(
    [
      '',
      `alertflow local runtime listening on ${rt.url}`,
      `  config:        ${rt.configPath}`,
      `  webhook token: ${rt.token}${defaulted ? ` (default; set ALERTFLOW_WEBHOOK_TOKEN to change it)` : ''}`,
      `  try:           curl -H 'Authorization: Bearer ${defaulted ? DEFAULT_TOKEN : '<token>'}' -H 'content-type: application/json' \\`,
      `                   -d '{"labels":{"alertname":"Test","severity":"warning"},"summary":"hello"}' ${rt.url}/v1/alerts`,
      '',
    ].join('\n') + '\n',
  );
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
