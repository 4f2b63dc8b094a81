import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json(): unknown;
}

/** A local HTTP server standing in for Slack, a webhook receiver or PagerDuty: records what it got. */
export interface StandIn {
  url: string;
  received: Received[];
  /** Decide the response per request (default 200 "ok"). */
  respond: (req: Received, index: number) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * `keepAliveMs`: how long an idle connection stays open. Tests default to 1 ms (a client never reuses
 * a connection the server is closing); a benchmark's receiver keeps them as servers usually do.
 */
export async function startStandIn(opts: { keepAliveMs?: number } = {}): Promise<StandIn> {
  const received: Received[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const standIn: StandIn = {
    url: '',
    received,
    respond: () => ({ status: 200, body: 'ok' }),
    waitFor(count, timeoutMs = 15_000) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stand-in got ${received.length} of ${count} requests in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: () => JSON.parse(body) };
      const index = received.length;
      received.push(r);
      const out = standIn.respond(r, index);
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(out.status, out.headers ?? { 'content-type': 'text/plain' });
        res.end(out.body ?? '');
      };
      if (out.delayMs) setTimeout(reply, out.delayMs);
      else reply();
      for (const w of waiters.splice(0)) {
        if (received.length >= w.count) w.resolve();
        else waiters.push(w);
      }
    });
  });
  server.keepAliveTimeout = opts.keepAliveMs ?? 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return standIn;
}
