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
  const stop = async () => {
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
