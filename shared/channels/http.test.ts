import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpNetworkError, HttpRequestError, HttpTimeoutError, nodeHttp } from './http';

// A loopback server only: no outside network.
let server: Server;
let base: string;
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string; socket: unknown }> = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => {
    res.writeHead(201, { 'X-Reply': 'yes', 'Content-Type': 'text/plain' });
    res.end('created');
  },
  '/hang': () => {
    // Never answer.
  },
  '/redirect': (_req, res) => {
    res.writeHead(302, { Location: 'http://elsewhere.invalid/' });
    res.end();
  },
  '/big': (_req, res) => {
    res.writeHead(500);
    res.end('e'.repeat(1024 * 1024));
  },
  '/reset': (req) => {
    req.socket.destroy();
  },
  '/cut': (req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('partial');
    setTimeout(() => req.socket.destroy(), 20);
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket: req.socket });
      const route = routes[(req.url ?? '').split('?')[0]!.replace(/\/SECRET-[^/]*$/, '')];
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('nodeHttp', () => {
  const http = nodeHttp({ maxResponseBytes: 4096 });

  it('posts the body and headers and returns status, lower-cased headers and body', async () => {
    const res = await http.post(`${base}/ok`, { headers: { 'Content-Type': 'application/json', 'X-Test': '1' }, body: '{"a":1}', timeoutMs: 2000 });
    expect(res.status).toBe(201);
    expect(res.headers['x-reply']).toBe('yes');
    expect(res.body).toBe('created');
    const got = received.at(-1)!;
    expect(got).toMatchObject({ method: 'POST', url: '/ok', body: '{"a":1}' });
    expect(got.headers['x-test']).toBe('1');
  });

  it('a timeout is an HttpTimeoutError that does not name the URL', async () => {
    const url = `${base}/hang/SECRET-path-token`;
    const err = await http.post(url, { headers: {}, body: '{}', timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTimeoutError);
    expect((err as Error).message).toBe('request timed out after 150 ms');
    expect((err as Error).cause).toBeDefined();
    expect((err as Error).message).not.toContain('SECRET');
  });

  it('a refused connection is an HttpNetworkError with the system code, not the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await http.post(`http://127.0.0.1:${port}/SECRET-abc`, { headers: {}, body: '', timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpNetworkError);
    expect((err as Error).message).toBe('network error: ECONNREFUSED');
    expect((err as Error).cause).toBeDefined();
  });

  it('does not follow redirects', async () => {
    const res = await http.post(`${base}/redirect`, { headers: {}, body: '', timeoutMs: 2000 });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://elsewhere.invalid/');
  });

  it('cuts a large response body', async () => {
    const res = await http.post(`${base}/big`, { headers: {}, body: '', timeoutMs: 2000 });
    expect(res.status).toBe(500);
    expect(res.body.length).toBe(4096);
  });

  it.each([
    ['not a URL', 'hooks.slack.com/services/SECRET-1'],
    ['a non-http scheme', 'ftp://example.com/SECRET-2'],
    ['credentials in the URL', 'https://user:SECRET-3@example.com/'],
  ])('refuses %s with an HttpRequestError that does not echo it', async (_label, url) => {
    const err = await http.post(url, { headers: {}, body: '', timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpRequestError);
    expect((err as Error).message).not.toContain('SECRET');
    expect((err as Error).cause).toBeUndefined();
  });

  it('a request that cannot be built (bad header value) is an HttpRequestError without the value', async () => {
    const err = await http.post(`${base}/ok`, { headers: { 'X-Bad': 'SECRET-4\nInjected: 1' }, body: '', timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpRequestError);
    expect(JSON.stringify({ m: (err as Error).message, c: String((err as Error).cause) })).not.toContain('SECRET');
  });

  it('keeps the connection for the next request', async () => {
    await http.post(`${base}/ok`, { headers: {}, body: '1', timeoutMs: 2000 });
    await http.post(`${base}/ok`, { headers: {}, body: '2', timeoutMs: 2000 });
    const [a, b] = received.slice(-2);
    expect(a!.socket).toBe(b!.socket);
    expect(b!.headers['content-length']).toBe('1');
  });

  it("keeps every connection of a burst wider than Node's default pool of free sockets (256) for the next burst", async () => {
    const fresh = nodeHttp();
    const burst = async () => {
      const from = received.length;
      await Promise.all(Array.from({ length: 400 }, (_, i) => fresh.post(`${base}/ok`, { headers: {}, body: String(i), timeoutMs: 10_000 })));
      return new Set(received.slice(from).map((r) => r.socket));
    };
    const first = await burst();
    const second = await burst();
    expect(first.size).toBe(400);
    expect([...second].filter((socket) => !first.has(socket))).toHaveLength(0);
  });

  it('a connection reset before the answer is an HttpNetworkError', async () => {
    const err = await http.post(`${base}/reset/SECRET-5`, { headers: {}, body: '{}', timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpNetworkError);
    expect((err as Error).message).toBe('network error: ECONNRESET');
  });

  it('a body cut off by the server is an HttpNetworkError, not a short success', async () => {
    const err = await http.post(`${base}/cut`, { headers: {}, body: '{}', timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpNetworkError);
  });

  it('https to a server that does not speak TLS is an HttpNetworkError that does not name the URL', async () => {
    const err = await http.post(`${base.replace('http:', 'https:')}/SECRET-6`, { headers: {}, body: '', timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpNetworkError);
    expect((err as Error).message).toMatch(/^network error: E[A-Z0-9_]+$/);
    expect((err as Error).message).not.toContain('SECRET');
  });
});
