/**
 * The contract every channel sender passes, called from the channel's own `sender.test.ts` (as
 * Alertmanager's notify/test is shared by its notifiers): the retry table of
 * shared/channels/outcome.ts (2xx delivered; 408, 429, 5xx and transport failures retryable, after a
 * Retry-After when given; other 4xx and 3xx permanent), a send that never throws, and no secret —
 * nor, for email and SMS, a recipient — in anything that comes out of a failed delivery: the
 * outcome, a thrown error, the log lines, the stored delivery records and re-queued messages of the
 * sender Lambda's body (shared/delivery/sender-handler.ts) run against failing stand-ins.
 *
 * `httpSenderContract` is for the channels that post to a URL, `portSenderContract` for the ones
 * that deliver through a port (SES, SNS). Either registers a `describe` block.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSender, DeliveryResult, RenderedRequest } from '../../shared/channels/channel';
import { HttpNetworkError, HttpTimeoutError, type HttpResponse } from '../../shared/channels/http';
import { backoffMs } from '../../shared/channels/outcome';
import { PortDeliveryError, type EmailMessage, type MailPort, type SmsMessage, type SmsPort } from '../../shared/channels/ports';
import { CHANNEL_SCHEMAS, type ChannelConfigs } from '../../shared/channels/schemas';
import { context, fakeHttp, hugeAlerts, notification, NOW, recordingPorts } from '../../shared/channels/testing';
import { CONFIG_KEYS, type ChannelType } from '../../shared/channel-types';
import { envSecretResolver } from '../../shared/primitives/secrets';
import { parseConfig } from '../../shared/config/validate';
import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { outgoing } from '../../shared/dispatch/notifications';
import { openLocalDatabase } from '../../shared/local/sqlite';
import { jsonLogger } from '../../shared/log';
import type { NotificationMessage } from '../../shared/queues/messages';
import { MAX_RECEIVES } from '../../shared/queues/names';
import type { OutgoingMessage } from '../../shared/queues/port';
import { compileConfig } from '../../shared/runtime/compiled-config';
import { sqliteStores } from '../../shared/store/sqlite';

export type Verdict = 'success' | 'retryable' | 'permanent';

/**
 * The HTTP retry table (shared/channels/outcome.ts `classifyResponse`): Alertmanager's notify
 * retrier (2xx ok, 5xx retry) plus 408 and 429, which every channel here documents as transient.
 * A channel with a classification of its own passes its own table.
 */
export const HTTP_RETRY_TABLE: ReadonlyArray<readonly [number, Verdict]> = [
  [200, 'success'],
  [202, 'success'],
  [204, 'success'],
  [408, 'retryable'],
  [429, 'retryable'],
  [500, 'retryable'],
  [502, 'retryable'],
  [503, 'retryable'],
  [504, 'retryable'],
  [400, 'permanent'],
  [401, 'permanent'],
  [403, 'permanent'],
  [404, 'permanent'],
  [410, 'permanent'],
  [413, 'permanent'],
  [302, 'permanent'],
];

type Ports = ReturnType<typeof recordingPorts>;

interface ContractBase<T extends ChannelType> {
  type: T;
  sender: ChannelSender<ChannelConfigs[T]>;
  /** The channel entry as a config file writes it, secrets by `{ env: NAME }` reference. */
  entry: Record<string, unknown>;
  /** The values of those references. */
  secrets: Record<string, string>;
  /** The outcome's target: where the delivery went, without a secret. */
  target: string;
  /** Checks a render of 500 alerts with 10 KB annotations (and 25 left out) against the channel's limits. */
  checkHuge(rendered: RenderedRequest, n: NotificationMessage): void;
}

export interface HttpContract<T extends ChannelType> extends ContractBase<T> {
  /** Values that must never appear in an outcome, a target, an error or a log line. */
  secretValues: string[];
  /** The credentials alone: not even their first characters may appear. */
  credentials: string[];
  /** The URL the entry resolves to. */
  url: string;
  /** @default HTTP_RETRY_TABLE */
  retryTable?: ReadonlyArray<readonly [number, Verdict]>;
}

export interface PortContract<T extends ChannelType> extends ContractBase<T> {
  /** Addresses or numbers that must never appear in an outcome, an error or a log line. */
  personal: string[];
  /** What the port was asked to send, in the shape `render` previews. */
  sent(ports: Ports): unknown;
}

const parseEntry = <T extends ChannelType>(c: ContractBase<T>): ChannelConfigs[T] => CHANNEL_SCHEMAS[c.type].parse(c.entry) as ChannelConfigs[T];

/** The channel's notification of the fixture alert, addressed to the one receiver `runSenderBody` configures. */
const notificationFor = (type: ChannelType, n = notification({ receiver: 'contract' })): NotificationMessage => ({ ...n, channel: { type, index: 0 } });

/** A failing stand-in: an HTTP answer or an error to throw (for a port channel, an error). */
type Failure = Partial<HttpResponse> | Error | (() => unknown);

/**
 * Everything a sender Lambda's body let out while it failed to deliver `failure` on the given
 * receive: its log lines (and anything written to the console), the stored rows (delivery records),
 * the messages it queued, its response, and an error, should it throw. Secrets come from `env`.
 */
async function runSenderBody<T extends ChannelType>(c: ContractBase<T>, failure: Failure, attempt: number): Promise<{ text: string; attempts: number }> {
  const raw = { route: { receiver: 'contract' }, receivers: [{ name: 'contract', [CONFIG_KEYS[c.type]]: [c.entry] }] };
  const config = compileConfig(parseConfig(raw));
  const database = openLocalDatabase(undefined);
  const stores = sqliteStores(database);
  const lines: string[] = [];
  const queued: OutgoingMessage[] = [];
  let attempts = 0;
  const fail = async (): Promise<never> => {
    attempts++;
    if (typeof failure === 'function') throw failure();
    throw failure;
  };
  const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))));
  const out: string[] = [];
  try {
    const handler = createSenderHandler(c.sender, {
      config,
      stores,
      queues: { send: async (_queue, messages) => void queued.push(...messages), changeVisibility: async () => {} },
      secrets: envSecretResolver(c.secrets),
      http: {
        post: async () => {
          if (typeof failure === 'function' || failure instanceof Error) return fail();
          attempts++;
          return { status: failure.status ?? 500, headers: failure.headers ?? {}, body: failure.body ?? '' };
        },
      },
      mail: { send: fail } satisfies MailPort,
      sms: { send: fail } satisfies SmsPort,
      clock: () => NOW,
      log: jsonLogger({ fn: `${c.type}-sender` }, 'debug', (line) => lines.push(line)),
      retryBaseMs: 1,
      retryJitter: () => 0.5,
    });
    const record = { messageId: 'm1', receiptHandle: 'r1', body: outgoing(notificationFor(c.type)).message.body, attributes: { ApproximateReceiveCount: String(attempt) } } as unknown as SQSRecord;
    try {
      out.push(JSON.stringify(await handler({ Records: [record] })));
    } catch (err) {
      out.push(String(err), err instanceof Error ? `${err.message} ${String(err.stack)}` : '');
    }
    await database.flushed();
    const tables = database.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      for (const row of database.db.prepare(`SELECT * FROM "${name}"`).all()) {
        out.push(Object.values(row as Record<string, unknown>).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v))).join(' '));
      }
    }
  } finally {
    for (const spy of consoleSpies) spy.mockRestore();
    database.close();
  }
  return { text: [...lines, ...queued.map((m) => m.body), ...out].join('\n'), attempts };
}

/** Every receive that behaves differently: the first, and the last (which records the failure for good). */
const ATTEMPTS = [1, MAX_RECEIVES.channel];

/** The contract of a channel that posts to a URL (Slack, webhook, PagerDuty, Teams). */
export function httpSenderContract<T extends ChannelType>(c: HttpContract<T>): void {
  describe(`${c.type} sender contract (HTTP)`, () => {
    const n = notificationFor(c.type);
    const config = parseEntry(c);
    const send = (respond: Parameters<typeof fakeHttp>[0], secrets = c.secrets) => {
      const http = fakeHttp(respond);
      return { http, result: c.sender.send(context(http, secrets), n, config) };
    };
    const assertNoSecret = (text: string) => {
      for (const secret of c.secretValues) expect(text).not.toContain(secret);
    };

    it('is registered under its type', () => {
      expect(c.sender.type).toBe(c.type);
    });

    it('posts JSON to the resolved URL and reports success with a host-only target', async () => {
      const { http, result } = send(() => ({ status: 200 }));
      expect(await result).toEqual({ kind: 'success', status: 200, target: c.target });
      expect(http.calls).toHaveLength(1);
      const call = http.calls[0]!;
      expect(call.url).toBe(c.url);
      expect(call.req.headers['Content-Type']).toMatch(/^application\/json/);
      expect(call.req.timeoutMs).toBeGreaterThan(0);
      expect(() => JSON.parse(call.req.body) as unknown).not.toThrow();
    });

    it.each(c.retryTable ?? HTTP_RETRY_TABLE)('HTTP %i is %s', async (status, kind) => {
      const out = await send(() => ({ status, body: status >= 300 ? 'invalid_payload' : 'ok' })).result;
      expect(out.kind).toBe(kind);
      expect(out.status).toBe(status);
      expect(out.target).toBe(c.target);
    });

    it('429 honours Retry-After in seconds, and the backoff never undercuts it', async () => {
      const out = await send(() => ({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' })).result;
      expect(out).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 30_000 });
      const retryAfterMs = out.kind === 'retryable' ? out.retryAfterMs : undefined;
      for (const random of [0, 0.5, 0.999]) expect(backoffMs(1, retryAfterMs, () => random)).toBeGreaterThanOrEqual(30_000);
    });

    it('429 honours Retry-After as an HTTP-date, relative to the injected clock', async () => {
      const at = new Date(NOW.getTime() + 90_000).toUTCString();
      const out = await send(() => ({ status: 429, headers: { 'retry-after': at } })).result;
      expect(out).toMatchObject({ kind: 'retryable', retryAfterMs: 90_000 });
    });

    it('503 honours Retry-After too', async () => {
      const out = await send(() => ({ status: 503, headers: { 'retry-after': '120' } })).result;
      expect(out).toMatchObject({ kind: 'retryable', status: 503, retryAfterMs: 120_000 });
    });

    it('permanent 4xx keeps a short reason from the body', async () => {
      const out = await send(() => ({ status: 404, body: 'channel_not_found' })).result;
      expect(out).toMatchObject({ kind: 'permanent', status: 404, reason: 'HTTP 404: channel_not_found' });
    });

    it('a timeout is retryable', async () => {
      const out = await send(() => new HttpTimeoutError(10_000)).result;
      expect(out).toMatchObject({ kind: 'retryable', target: c.target });
      expect(out.kind === 'retryable' && out.reason).toMatch(/timed out/);
    });

    it('a network error is retryable', async () => {
      const out = await send(() => new HttpNetworkError('ECONNREFUSED', { cause: new Error('connect ECONNREFUSED') })).result;
      expect(out).toMatchObject({ kind: 'retryable', reason: 'network error: ECONNREFUSED', target: c.target });
    });

    it('an unresolvable secret is permanent and names the reference, not a value', async () => {
      const out = await send(() => ({ status: 200 }), {}).result;
      expect(out.kind).toBe('permanent');
      expect(out.kind === 'permanent' && out.reason).toMatch(/secret env:\w+ is not set/);
      expect(out.target).toBe(`${c.type}:unresolved`);
    });

    describe('never leaks a secret', () => {
      const leaks: Array<[string, () => Partial<HttpResponse> | Error]> = [
        ['a 404 body echoing the URL', () => ({ status: 404, body: `no route for POST ${c.url}` })],
        ['a 400 JSON error echoing the path', () => ({ status: 400, body: JSON.stringify({ error: `bad path ${new URL(c.url).pathname}${new URL(c.url).search}` }) })],
        ['a 500 body echoing every secret', () => ({ status: 500, body: c.secretValues.join(' ') })],
        ['a thrown TypeError quoting the URL', () => new TypeError(`Failed to parse URL from ${c.url}`)],
        ['a thrown Error quoting every secret', () => new Error(c.secretValues.join(' '))],
      ];

      it.each(leaks)('in the outcome: %s', async (_label, respond) => {
        // send() resolves (never rejects) even when the port throws.
        const out: DeliveryResult = await send(respond).result;
        expect(out.kind).not.toBe('success');
        assertNoSecret(JSON.stringify(out));
        expect(out.target).toBe(c.target);
      });

      it.each(leaks.flatMap(([label, respond]) => ATTEMPTS.map((attempt) => [label, attempt, respond] as const)))(
        "in the sender Lambda's logs, records, queued messages and errors: %s (receive %i)",
        async (_label, attempt, respond) => {
          const { text, attempts } = await runSenderBody(c, respond(), attempt);
          expect(attempts).toBe(1);
          // It did fail and say so (a log line, a stored record), without the secret.
          expect(text).toMatch(/"level":"(warn|error|info)"/);
          assertNoSecret(text);
        },
      );
    });

    it('never keeps the start of a credential the reason was cut through (one at every offset around the cut)', async () => {
      const prefixes = (text: string, secret: string) => [...Array(secret.length - 5).keys()].map((i) => secret.slice(0, i + 6)).filter((p) => text.includes(p));
      for (const secret of c.credentials) {
        // A body reason is cut at 120 characters, an error message at 300.
        for (const [cut, make] of [
          [120, (body: string) => () => ({ status: 500, body })],
          [300, (message: string) => () => new HttpNetworkError(message)],
        ] as const) {
          for (let offset = cut - secret.length - 20; offset <= cut + 2; offset++) {
            const out = await send(make(`${'x'.repeat(offset)}${secret} and more words after it`)).result;
            const reason = out.kind === 'success' ? '' : out.reason;
            expect(prefixes(reason, secret), `offset ${offset}: ${reason}`).toEqual([]);
          }
        }
      }
    });

    it('renders a huge group (500 alerts, 10 KB annotations) within the channel limits', () => {
      const big = notificationFor(c.type, notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 }));
      c.checkHuge(c.sender.render(big, config), big);
    });
  });
}

/** Ports whose every send fails with `err` (counted, so a test can see it was attempted). */
function failingPorts(err: unknown): Ports & { attempts: () => number } {
  let attempts = 0;
  const fail = async (): Promise<never> => {
    attempts++;
    throw err;
  };
  const mail: MailPort & { sent: EmailMessage[] } = { sent: [], send: fail };
  const sms: SmsPort & { sent: SmsMessage[] } = { sent: [], send: fail };
  return { mail, sms, attempts: () => attempts };
}

/** The contract of a channel that delivers through a port (email through SES, SMS through SNS). */
export function portSenderContract<T extends ChannelType>(c: PortContract<T>): void {
  describe(`${c.type} sender contract (port)`, () => {
    const n = notificationFor(c.type);
    const config = parseEntry(c);
    const send = (ports: Ports): Promise<DeliveryResult> => c.sender.send(context(fakeHttp(), c.secrets, ports), n, config);
    const assertNoPersonalData = (text: string) => {
      for (const p of c.personal) {
        expect(text).not.toContain(p);
        if (p.startsWith('+')) expect(text).not.toContain(p.slice(1));
      }
    };

    afterEach(() => vi.restoreAllMocks());

    it('is registered under its type', () => {
      expect(c.sender.type).toBe(c.type);
    });

    it('sends through its port what render previews, and reports success with a redacted target', async () => {
      const ports = recordingPorts();
      const out = await send(ports);
      expect(out).toEqual({ kind: 'success', status: 200, target: c.target });
      expect(c.sent(ports)).toEqual(JSON.parse(c.sender.render(n, config).body));
      expect(ports.mail.sent.length + ports.sms.sent.length).toBeGreaterThan(0);
    });

    it('render is pure: same input, same output', () => {
      expect(c.sender.render(n, config)).toEqual(c.sender.render(n, config));
    });

    it.each([
      [new PortDeliveryError('Throttled', true), 'retryable', 'Throttled'],
      [new PortDeliveryError('Rejected', false), 'permanent', 'Rejected'],
    ] as const)('a PortDeliveryError(%s) is %s', async (err, kind, reason) => {
      const ports = failingPorts(err);
      const out = await send(ports);
      expect(out.kind).toBe(kind);
      expect(out.kind !== 'success' && out.reason).toMatch(new RegExp(`^${reason}`));
      expect(out.target).toBe(c.target);
      expect(ports.attempts()).toBeGreaterThan(0);
    });

    const quoting: Array<[string, () => unknown, string]> = [
      ['a TypeError quoting the recipients', () => new TypeError(`cannot send to ${c.personal.join(', ')}`), 'unexpected TypeError'],
      ['a thrown string', () => c.personal.join(' '), 'unexpected string'],
      ['undefined', () => undefined, 'unexpected undefined'],
    ];
    it.each(quoting)('%s is retryable and leaks nothing', async (_label, make, reason) => {
      const out = await send(failingPorts(make()));
      expect(out).toMatchObject({ kind: 'retryable', target: c.target });
      expect(out.kind === 'retryable' && out.reason).toMatch(new RegExp(`^${reason}`));
      assertNoPersonalData(JSON.stringify(out));
    });

    const portError = (retryable: boolean) =>
      new PortDeliveryError(`failed for ${c.personal.join(', ')} and ${c.personal.map((p) => p.replace(/^\+/, '')).join(', ')}`, retryable);

    it.each([true, false])('recipients never appear in the reason or target, even when a port error quotes them (retryable: %s)', async (retryable) => {
      const out = await send(failingPorts(portError(retryable)));
      expect(out.kind).toBe(retryable ? 'retryable' : 'permanent');
      assertNoPersonalData(JSON.stringify(out));
      expect(out.kind !== 'success' && out.reason).toContain('[redacted]');
      expect(out.target).toBe(c.target);
    });

    const failures: Array<readonly [string, () => unknown]> = [
      ['a retryable port error quoting the recipients', () => portError(true)],
      ['a permanent port error quoting the recipients', () => portError(false)],
      ...quoting.map(([label, make]) => [label, make] as const),
    ];
    it.each(failures.flatMap(([label, make]) => ATTEMPTS.map((attempt) => [label, attempt, make] as const)))("recipients never appear in the sender Lambda's logs, records, queued messages or errors: %s (receive %i)", async (_label, attempt, make) => {
      const { text, attempts } = await runSenderBody(c, () => make(), attempt);
      expect(attempts).toBeGreaterThan(0);
      expect(text).toMatch(/"level":"(warn|error|info)"/);
      assertNoPersonalData(text);
    });

    it('never keeps the start of a recipient the reason was cut through (one at every offset around the cut)', async () => {
      for (const p of c.personal) {
        for (let offset = 300 - p.length - 20; offset <= 302; offset++) {
          const out = await send(failingPorts(new PortDeliveryError(`${'x'.repeat(offset)}${p} rejected`, false)));
          const reason = out.kind === 'success' ? '' : out.reason;
          for (let k = 6; k <= p.length; k++) expect(reason, `offset ${offset}`).not.toContain(p.slice(0, k));
        }
      }
    });

    it('renders a huge group (500 alerts, 10 KB annotations) within the channel limits', () => {
      const big = notificationFor(c.type, notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 }));
      c.checkHuge(c.sender.render(big, config), big);
    });

    it('sends a huge group too, and the port gets what render previews', async () => {
      const big = notificationFor(c.type, notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 }));
      const ports = recordingPorts();
      expect((await c.sender.send(context(fakeHttp(), c.secrets, ports), big, config)).kind).toBe('success');
      expect(c.sent(ports)).toEqual(JSON.parse(c.sender.render(big, config).body));
    });
  });
}
