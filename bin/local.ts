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
