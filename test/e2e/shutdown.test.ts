import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/alertmanager';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * `npm start` stopped in the middle of an alert storm, as a process manager stops it (SIGTERM to npm)
 * and as Ctrl-C does (SIGINT to the whole process group): it drains and exits 0, requests that
 * arrive while it drains get a 503 (never a 500), and nothing touches the database after it closed.
 */
const ROOT = join(import.meta.dirname, '../..');
const TOKEN = 'shutdown-token';

let hook: StandIn;

beforeAll(async () => {
  hook = await startStandIn();
  // Slow enough that deliveries are in flight when the signal arrives.
  hook.respond = () => ({ status: 200, body: 'ok', delayMs: 150 });
});

afterAll(async () => {
  await hook?.close();
});

/** A request's answer, and whether it came before the signal or after. */
type Outcome = { phase: 'before' | 'during'; status?: number; body?: string; error?: string };

describe('stopping npm start', () => {
  it.each([
    ['SIGTERM', 'npm'],
    ['SIGINT', 'the process group'],
  ] as const)('on %s to %s mid-storm: drains, answers 503 meanwhile, never 500, exits 0', async (signal, target) => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-shutdown-'));
    const configPath = join(dir, 'alertflow.yaml');
    writeFileSync(
      configPath,
      `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: hook
    webhook_configs:
      - url: ${hook.url}/hook
`,
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // In its own process group, as a terminal would start it (and so the finally below can stop it
    // whatever happens).
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, PORT: String(port), ALERTFLOW_CONFIG: configPath, ALERTFLOW_DATA_DIR: join(dir, 'data'), ALERTFLOW_WEBHOOK_TOKEN: TOKEN, ALERTFLOW_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));

    try {
      await waitForListening(() => output, exited);
      const deliveredBefore = hook.received.length;

      // The storm: workers post alerts (many groups, so the router and the senders are busy) and read
      // state, until the process is gone.
      let phase: Outcome['phase'] = 'before';
      let gone = false;
      void exited.then(() => (gone = true));
      const outcomes: Outcome[] = [];
      let n = 0;
      const worker = async () => {
        while (!gone) {
          const i = n++;
          const req =
            i % 4 === 3
              ? fetch(`${url}/v1/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } })
              : fetch(`${url}/v1/alerts`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ alerts: Array.from({ length: 5 }, (_, j) => ({ labels: { alertname: `Storm${i}-${j}`, severity: 'warning' }, summary: 'storm' })) }),
                });
          try {
            const res = await req;
            const body = await res.text();
            outcomes.push({ phase, status: res.status, body });
          } catch (err) {
            outcomes.push({ phase, error: String((err as { cause?: { code?: string } }).cause?.code ?? err) });
            if (phase === 'during') await new Promise((r) => setTimeout(r, 5));
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);

      // Signal once deliveries are under way.
      await hook.waitFor(deliveredBefore + 5, 30_000);
      phase = 'during';
      process.kill(target === 'npm' ? child.pid! : -child.pid!, signal);
      // A hang guard, generous: draining takes well under a second here.
      const stopped = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
      if (stopped === 'hung') {
        gone = true;
        throw new Error(`npm start did not exit within 40 s of ${signal}:\n${output.slice(-3000)}`);
      }
      const { code, signal: killedBy } = stopped;
      await Promise.all(workers);

      expect({ code, killedBy }, output.slice(-3000)).toEqual({ code: 0, killedBy: null });
      expect(output).not.toMatch(/LEVEL_ITERATOR_NOT_OPEN|Iterator is not open|LEVEL_DATABASE_NOT_OPEN|Database is not open/);
      expect(output).toMatch(/"msg":"shutting down"/);
      expect(output).toMatch(/"msg":"stopped"/);

      const before = outcomes.filter((o) => o.phase === 'before');
      const during = outcomes.filter((o) => o.phase === 'during');
      expect(before.length).toBeGreaterThan(0);
      expect(before.filter((o) => o.status !== 202 && o.status !== 200)).toEqual([]);
      // While draining: answered (the request was in flight) or refused with a 503; once the listener
      // has closed, connections are refused. Never a 500.
      const answered = during.filter((o) => o.status !== undefined);
      expect(answered.filter((o) => ![200, 202, 503].includes(o.status!))).toEqual([]);
      // Connection-level refusals (the listener closed, or a keep-alive socket closed under a request
      // the server never read) are refusals too.
      expect(during.filter((o) => o.error !== undefined && !['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(o.error))).toEqual([]);
      const refused = answered.filter((o) => o.status === 503);
      console.log(
        `${signal}: ${before.length} answered before the signal; after it ${answered.length - refused.length} completed, ${refused.length} got 503, ${during.length - answered.length} refused at the connection`,
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) expect(JSON.parse(o.body!)).toEqual({ error: 'shutting_down', message: expect.stringMatching(/shutting down/) });
    } finally {
      // npm may be gone while what it started is not: clear the whole group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 90_000);
});

async function waitForListening(output: () => string, exited: Promise<unknown>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 60_000;
  while (!/listening on http/.test(output())) {
    if (done) throw new Error(`npm start exited before listening:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not listen within 60 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
