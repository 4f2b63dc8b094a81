/**
 * JIT warm-up for `npm start` (ADR 0028). V8 runs a function's first calls in its interpreter and
 * compiles it to machine code only once it has run for a while, so the first storm after a start
 * went through the router, the senders and the ingest code at interpreter speed: its first 100 new
 * groups took 90-155 ms to route, against about 40 ms once compiled. Before the runtime listens, a
 * throwaway one (in memory, on a loopback port, with a config and a receiver of its own) takes a
 * small storm, and each ingest worker runs the same requests through its handler. Nothing of it
 * touches the data dir, the user's config or any receiver of theirs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../log';
import { startLocalRuntime, type LocalHandlers } from './runtime';
import { WARM_UP_GROUPS, WARM_UP_TOKEN, warmUpBodies, warmUpConfig } from './warm-up-storm';

/** Past this, the warm-up gives up waiting for its notifications (the runtime starts regardless). */
const WARM_UP_TIMEOUT_MS = 10_000;

export interface WarmUpResult {
  ms: number;
  /** Notifications the warm-up's receiver got (WARM_UP_GROUPS when every group was notified). */
  notifications: number;
}

/**
 * Run the warm-up storm through a throwaway runtime of `handlers` (ingest on this thread: the real
 * runtime's workers warm themselves, see ingest-worker.ts) and stop it.
 */
export async function warmUp(handlers: LocalHandlers): Promise<WarmUpResult> {
  const started = performance.now();
  let notifications = 0;
  let allNotified!: () => void;
  const done = new Promise<void>((resolve) => (allNotified = resolve));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end('ok');
      if (++notifications >= WARM_UP_GROUPS) allNotified();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  try {
    const rt = await startLocalRuntime({
      handlers,
      config: warmUpConfig(receiverUrl),
      configPath: 'warm-up',
      dataDir: null,
      host: '127.0.0.1',
      port: 0,
      token: WARM_UP_TOKEN,
      env: {},
      log: silentLogger,
      ingestWorkers: 0,
      checksTick: false,
    });
    try {
      // Four requests at a time, through the runtime's own HTTP client (the channels' port).
      const bodies = warmUpBodies();
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${WARM_UP_TOKEN}` };
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let body = bodies.shift(); body !== undefined; body = bodies.shift()) {
            const res = await rt.ports.http.post(`${rt.url}/v1/webhooks/alertmanager`, { headers, body, timeoutMs: WARM_UP_TIMEOUT_MS });
            if (res.status !== 202) throw new Error(`warm-up POST answered ${res.status}`);
          }
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, WARM_UP_TIMEOUT_MS)))]);
      clearTimeout(timer);
    } finally {
      await rt.close();
    }
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
  return { ms: performance.now() - started, notifications };
}

