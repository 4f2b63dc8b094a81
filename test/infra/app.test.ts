import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/function';

/**
 * Runs bin/app.ts the way `cdk synth` does, with the given config file; it fails before bundling.
 * (Schema errors take the same path: both are ConfigErrors.)
 */
function runApp(configYaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-app-'));
  const file = join(dir, 'alertflow.yaml');
  writeFileSync(file, configYaml);
  const result = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ALERTFLOW_CONFIG: file, CDK_OUTDIR: join(dir, 'cdk.out') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const STACK_FRAME = /^\s+at /m;

describe('bin/app.ts', () => {
  it('fails on an inline secret with the key path, without a stack trace or the secret', () => {
    const { status, stderr } = runApp(
      'auth: { bearer_tokens: [s3cr3t-token] }\nroute: { receiver: team }\nreceivers:\n  - name: team\n',
    );
    expect(status).toBe(1);
    expect(stderr).toContain('auth.bearer_tokens[0]: inline secret');
    expect(stderr).not.toContain('s3cr3t-token');
    expect(stderr).not.toMatch(STACK_FRAME);
  });
});
