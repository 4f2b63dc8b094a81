import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `alertflow <args>` (bin/cli.ts through tsx) as a child process, ASYNCHRONOUSLY: a local runtime
 * started in the test's own process answers from the test's event loop, which a synchronous spawn
 * would block. `env` is added to the test's environment.
 */
export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin/cli.ts'), ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
