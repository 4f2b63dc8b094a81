import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../shared/cli/program';
import { ALERTFLOW_VERSION } from '../../shared/version';

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
    ['deliveries', /^Usage: alertflow deliveries \[options\] \[command\]/],
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

describe('alertflow: every command', () => {
  /** Every command of the tree, by its path (`silence add`), the built-in `help` aside. */
  function commands(cmd: Command, path: string[] = []): Array<[string, Command]> {
    return cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[[...path, c.name()].join(' '), c] as [string, Command], ...commands(c, [...path, c.name()])]);
  }

  it('has a usage for every command, with the global options --url, --token, --output', () => {
    const all = commands(buildProgram());
    expect(all.map(([path]) => path)).toEqual([
      'test-receiver',
      'redrive',
      'deliveries',
      'deliveries list',
      'deliveries show',
      'deliveries retry',
      'config',
      'config import',
      'config check',
      'config routes',
      'config routes show',
      'config routes test',
      'template',
      'template render',
      'alert',
      'alert query',
      'alert add',
      'fire',
      'storm',
      'silence',
      'silence add',
      'silence query',
      'silence expire',
      'silence import',
      'incident',
      'incident list',
      'incident show',
      'incident ack',
      'incident unack',
      'incident escalate',
      'incident resolve',
    ]);
    for (const [path, cmd] of all) {
      const help = cmd.helpInformation();
      expect(help, path).toMatch(new RegExp(`^Usage: alertflow ${path} `));
      expect(help, path).toMatch(/^Global Options:\n[^]*--url <url>[^]*--token <token>[^]*-o, --output <format>/m);
    }
  });

  it('answers <command> --help with that usage, exit 0, without calling alertflow', async () => {
    const paths = ['silence add', 'config routes test', 'incident resolve', 'alert'];
    const results = await Promise.all(paths.map((path) => run('cli.ts', [...path.split(' '), '--help'])));
    results.forEach((res, i) => {
      expect(res, paths[i]).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout, paths[i]).toMatch(new RegExp(`^Usage: alertflow ${paths[i]} `));
    });
  });

  it('lists the command groups in the top-level help, with the exit codes', async () => {
    const res = await run('cli.ts', ['--help']);
    for (const command of ['config', 'alert', 'silence', 'incident']) expect(res.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'));
    expect(res.stdout).toMatch(/Exit codes: 0 done; 1 the command ran and failed/);
  });

  it('takes --url before or after the command, over ALERTFLOW_URL; a bad --output is a usage error', async () => {
    const [before, after, output, version] = await Promise.all([
      run('cli.ts', ['--url', 'http://127.0.0.1:1', 'incident', 'list']),
      run('cli.ts', ['silence', 'query', '--url', 'http://127.0.0.1:1/']),
      run('cli.ts', ['alert', 'query', '--output', 'yaml']),
      run('cli.ts', ['--version']),
    ]);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/^alertflow: cannot reach alertflow at http:\/\/127\.0\.0\.1:1 /);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^alertflow: cannot reach alertflow at http:\/\/127\.0\.0\.1:1\/ /);
    expect(output.code).toBe(2);
    expect(output.stderr).toMatch(/argument 'yaml' is invalid\. Allowed choices are table, json/);
    expect(version).toMatchObject({ code: 0, stdout: `${ALERTFLOW_VERSION}\n` });
  });

  it('runs as package.json\'s "bin" (npx alertflow), with no build step', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ alertflow: 'bin/alertflow.mjs' });
    const res = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [join(ROOT, pkg.bin.alertflow!), 'config', 'routes', 'test', join(ROOT, 'alertflow.example.yaml')], (err, stdout) => {
        resolve({ code: err ? 1 : 0, stdout });
      });
    });
    expect(res).toEqual({ code: 0, stdout: 'team-slack\n' });
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
