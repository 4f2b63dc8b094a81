import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface RuntimeProcess {
  url: string;
  /** Kill the child (SIGKILL: a runtime whose event loop is blocked cannot act on SIGTERM). */
  close(): Promise<void>;
}

export interface RuntimeProcessOptions {
  /** ALERTFLOW_DATA_DIR of the child (default: everything in memory). */
  dataDir?: string;
  /** The delivery back-off's jitter as a constant in [0, 1) (default Math.random). */
  retryJitter?: number;
  /** Threads that ingest requests, as `npm start` runs one per spare core (default: none). */
  ingestWorkers?: number;
}

const CHILD = fileURLToPath(new URL('./runtime-child.ts', import.meta.url));

/**
 * Start the local runtime (startRuntimeWithConfig) in a child process. For tests of what would
 * block the runtime's event loop: in the test's own process that would block the test too, which
 * could then only hang; against a child, the test's request timeouts fire and it fails.
 */
export async function startRuntimeProcess(configYaml: string, token: string, startTimeoutMs = 30_000, options: RuntimeProcessOptions = {}): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ALERTFLOW_TEST_CONFIG: configYaml, ALERTFLOW_TEST_TOKEN: token, ALERTFLOW_TEST_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the runtime did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the runtime exited before listening (code ${code}, signal ${signal})`));
      });
    });
    return { url, close };
  } catch (err) {
    await close();
    throw err;
  }
}
