import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** A bin/ script as `npm run` runs it; nothing listens on ALERTFLOW_URL, so no command reaches a server. */
function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ALERTFLOW_URL: 'http://127.0.0.1:9' };
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin', script), ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run alertflow', () => {
  it('answers --help (and help) with the usage and every command, exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const res = await run('cli.ts', args);
      expect(res, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toMatch(/^Usage: alertflow <command>/);
      expect(res.stdout).toMatch(/^\s+test-receiver <name>/m);
      expect(res.stdout).toMatch(/^\s+redrive \[channel\]/m);
      expect(res.stdout).toMatch(/ALERTFLOW_URL/);
    }
  });

  it.each([
    ['test-receiver', /^Usage: alertflow test-receiver \[options\] <name>/],
    ['redrive', /^Usage: alertflow redrive \[options\] \[channel\]/],
  ])('%s answers --help and help <command> with its usage, exit 0, without calling alertflow', async (command, usage) => {
    for (const args of [[command, '--help'], ['help', command], [command, 'x', '--help']]) {
      const res = await run('cli.ts', args);
      expect(res, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toMatch(usage);
    }
  });

  it('exits 2 with the usage on an unknown command, a missing argument, an unknown option or no command', async () => {
    const unknown = await run('cli.ts', ['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'bogus'/);
    expect(unknown.stderr).toMatch(/Usage: alertflow <command>/);

    const missing = await run('cli.ts', ['test-receiver']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'name'/);
    expect(missing.stderr).toMatch(/Usage: alertflow test-receiver/);

    const option = await run('cli.ts', ['redrive', '--force']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/unknown option '--force'/);

    const none = await run('cli.ts', []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: alertflow <command>/);
  });

  it('runs a command: an unreachable alertflow is a failure (exit 1), not a usage error', async () => {
    const res = await run('cli.ts', ['redrive', 'slack']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^alertflow: cannot reach alertflow at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('npm run config:check', () => {
  it('answers --help with its usage, exit 0, and checks no file', async () => {
    const res = await run('config-check.ts', ['--help']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^Usage: config:check \[file\]/);
    expect(res.stdout).not.toMatch(/OK/);
  });

  it('exits 2 with the usage on extra arguments', async () => {
    const res = await run('config-check.ts', ['a.yaml', 'b.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/too many arguments/);
    expect(res.stderr).toMatch(/Usage: config:check/);
  });
});

describe('npm start', () => {
  /** bin/local.ts as `npm start` runs it; were it to start the runtime instead, the timeout stops it. */
  function start(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-start-help-'));
    return new Promise((resolve) => {
      const env = { ...process.env, PORT: '0', ALERTFLOW_DATA_DIR: dir };
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/local.ts'), ...args], { cwd: ROOT, env, timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stdout, stderr });
      });
    });
  }

  it('answers --help with its usage and the variables that configure it, exit 0, without starting', async () => {
    for (const args of [['--help'], ['-h']]) {
      const res = await start(args);
      expect(res, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toMatch(/^Usage: npm start/);
      for (const variable of ['PORT', 'ALERTFLOW_CONFIG', 'ALERTFLOW_DATA_DIR', 'ALERTFLOW_WEBHOOK_TOKEN', 'ALERTFLOW_LOG_LEVEL']) expect(res.stdout).toContain(variable);
      expect(res.stdout).not.toMatch(/listening on/);
    }
  });

  it('exits 2 with the usage on an argument or option it does not take, without starting', async () => {
    for (const args of [['bogus'], ['--port', '3001']]) {
      const res = await start(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/Usage: npm start/);
      expect(res.stdout).not.toMatch(/listening on/);
    }
  });
});
