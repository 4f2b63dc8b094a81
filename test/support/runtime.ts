import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime, type LocalOptions, type LocalRuntime } from '../../shared/local/runtime';
import { silentLogger } from '../../shared/log';

/**
 * Start the local runtime in memory on a free port with the given alertflow.yaml text. Logs are
 * silent unless E2E_LOG is set.
 */
export async function startRuntimeWithConfig(configYaml: string, opts: Omit<LocalOptions, 'configPath'> = {}): Promise<LocalRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-test-'));
  const configPath = join(dir, 'alertflow.yaml');
  writeFileSync(configPath, configYaml);
  return startLocalRuntime({
    port: 0,
    dataDir: null,
    env: {},
    ...(process.env.E2E_LOG ? {} : { log: silentLogger }),
    ...opts,
    configPath,
  });
}
