import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(
    children.splice(0).map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * `npm start` as a user runs it (bin/start.mjs: it bundles bin/local.ts and runs the bundle);
 * resolves with stdout once the banner is complete. Node itself runs it (not npm, whose shell
 * would outlive a killed child), so killing `child` stops the runtime.
 */
function start(env: NodeJS.ProcessEnv): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'alertflow-banner-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [join(ROOT, 'bin/start.mjs')], {
    cwd: ROOT,
    // The shipped example, not whatever alertflow.yaml the developer keeps in the checkout (the README
    // has them create one; its tokens may name other variables).
    env: { ...process.env, ALERTFLOW_WEBHOOK_TOKEN: '', ALERTFLOW_CONFIG: join(ROOT, 'alertflow.example.yaml'), ...env, PORT: '0', ALERTFLOW_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('/v1/alerts')) resolve(out);
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${err}`)));
  });
}

describe('npm start banner', () => {
  it('does not print a webhook token the user set', async () => {
    const secret = 'my-own-token-5f1d2c9a7b';
    const out = await start({ ALERTFLOW_WEBHOOK_TOKEN: secret });
    expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(out).not.toContain(secret);
    expect(out).toContain('taken from ALERTFLOW_WEBHOOK_TOKEN (not printed)');
  });

  it('prints the default token when none is set', async () => {
    const out = await start({});
    expect(out).toContain('webhook token: alertflow-local-token (default');
  });

  it('runs the bundle whole: an alert through its ingest worker, then the dashboard', async () => {
    const out = await start({ ALERTFLOW_INGEST_WORKERS: '1' });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const auth = { authorization: 'Bearer alertflow-local-token' };
    const posted = await fetch(`${url}/v1/alerts`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ labels: { alertname: 'BundleCheck', severity: 'warning' } }) });
    expect(posted.status).toBe(202);
    await expect.poll(async () => JSON.stringify(await (await fetch(`${url}/v1/alerts?filter=alertname%3D%22BundleCheck%22`, { headers: auth })).json()), { timeout: 10_000 }).toContain('BundleCheck');
    const ui = await fetch(`${url}/ui/app.js`);
    expect(ui.status).toBe(200);
    expect((await ui.text()).length).toBeGreaterThan(1000);
  });
});
