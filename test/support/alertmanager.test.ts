import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertmanagerMissing } from './alertmanager';

const ROOT = join(import.meta.dirname, '../..');
const FIX = /apt-get install prometheus-alertmanager, or set ALERTMANAGER_BIN=/;

describe('the Alertmanager prerequisite of npm test', () => {
  it('names what to install, in one line, when the binary is missing, not executable or broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-am-check-'));
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '');
    const broken = join(dir, 'broken');
    writeFileSync(broken, '#!/bin/sh\nexit 3\n');
    chmodSync(broken, 0o755);
    for (const bin of [join(dir, 'absent'), plain, broken]) {
      const problem = alertmanagerMissing(bin);
      expect(problem, bin).toMatch(FIX);
      expect(problem).toContain(bin);
      expect(problem).not.toContain('\n');
    }
  });

  it('accepts an executable that answers --version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-am-check-'));
    const fake = join(dir, 'alertmanager');
    writeFileSync(fake, '#!/bin/sh\necho "alertmanager, version 0.25.0"\n');
    chmodSync(fake, 0o755);
    expect(alertmanagerMissing(fake)).toBeUndefined();
  });

  it('stops a run of the Alertmanager tests with that one line: no uncaught spawn error, no skipped tests', async () => {
    // A nested vitest, as a newcomer runs it, without this run's worker variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
    const res = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        join(ROOT, 'node_modules/.bin/vitest'),
        ['run', 'test/e2e/real-alertmanager.test.ts', 'test/e2e/alertmanager-differential.test.ts'],
        { cwd: ROOT, env: { ...env, ALERTMANAGER_BIN: '/nonexistent/alertmanager', NO_COLOR: '1', FORCE_COLOR: '0' } },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      );
    });
    expect(res.code).toBe(1);
    const lines = res.output.split('\n').filter((l) => l.trim() !== '' && !/^\s*RUN\s+v\d/.test(l));
    expect(lines).toEqual([expect.stringMatching(FIX)]);
    expect(lines[0]).toContain('/nonexistent/alertmanager');
    expect(res.output).not.toMatch(/ENOENT|skipped|Unhandled|\s{4}at /);
  });
});
