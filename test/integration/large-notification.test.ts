import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_LIMITS } from '../../shared/channels/slack/render';
import { TEAMS_LIMITS } from '../../shared/channels/teams/render';
import type { LocalRuntime } from '../../shared/local/runtime';
import type { Logger } from '../../shared/log';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type Received, type StandIn } from '../support/stand-in';

/**
 * A group of 10,000 alerts with 1 KB of annotations each, through the local runtime (dynalite with
 * its 400 KB item limit, queues that refuse a message over 256 KiB, the real senders): stored,
 * notified with every alert on an Alertmanager-format webhook (the router used to cut the list to
 * what fit in one queue message: at most 200, with 1 KB annotations under 200), and resolved the
 * same way, while Slack and Teams show what fits and say how many they left out.
 */
const TOKEN = 'large-notification-token';
const ALERTS = 10_000;
/** Alerts per request: 2,500 of ~1.3 KB, under the ingest body limit configured below (6 MB). */
const PER_REQUEST = 2_500;

let rt: LocalRuntime;
let hook: StandIn;
const problems: string[] = [];

/** Collects warnings and errors (a refused item or message is logged as one) for the final check. */
const log: Logger = {
  debug: () => {},
  info: () => {},
  warn: (msg, fields) => problems.push(`warn: ${msg} ${JSON.stringify(fields ?? {}).slice(0, 300)}`),
  error: (msg, fields) => problems.push(`error: ${msg} ${JSON.stringify(fields ?? {}).slice(0, 300)} ${(fields?.err as Error | undefined)?.message ?? ''}`),
};

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  tokens:
    - { name: test, secret: { env: ALERTFLOW_WEBHOOK_TOKEN }, scopes: [ingest] }
ingest:
  max_body_bytes: 6291456
  max_alerts_per_request: ${PER_REQUEST}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 10s
  group_interval: 10s
receivers:
  - name: team
    webhook_configs:
      - url: ${hook.url}/hook
        format: alertmanager
        send_resolved: true
    slack_configs:
      - webhook_url: ${hook.url}/slack/T/B/x
        send_resolved: true
    teams_configs:
      - webhook_url: ${hook.url}/teams
        send_resolved: true
`,
    { token: TOKEN, log },
  );
});
afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

interface AmBody {
  status: string;
  truncatedAlerts: number;
  alerts: Array<{ status: string; fingerprint: string; annotations: Record<string, string>; labels: Record<string, string> }>;
}

/** Wait until the stand-in has received a request `matches` accepts; the newest such request. */
async function received(matches: (r: Received) => boolean, timeoutMs = 60_000): Promise<Received> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = hook.received.filter(matches).at(-1);
    if (found) return found;
    if (Date.now() > until) throw new Error(`not received in ${timeoutMs} ms; got ${hook.received.map((r) => `${r.path} ${r.body.length}`).join(', ')}; ${problems.slice(0, 5).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Webhook bodies of 12 MB, parsed once each (the waits poll). */
const bodies = new WeakMap<Received, AmBody>();
const amBody = (r: Received): AmBody => {
  if (!bodies.has(r)) bodies.set(r, r.json() as AmBody);
  return bodies.get(r)!;
};

const amWith = (status: string) => (r: Received) => {
  if (r.path !== '/hook') return false;
  const b = amBody(r);
  return b.status === status && b.alerts.length === ALERTS && b.alerts.every((a) => a.status === status);
};

/**
 * Post the alerts a request at a time, each routed before the next: this test is about size, and
 * four router batches rewriting one 10 MB group at once would be about write conflicts instead.
 */
async function post(alerts: unknown[]): Promise<void> {
  for (let i = 0; i < alerts.length; i += PER_REQUEST) {
    const res = await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { alerts: alerts.slice(i, i + PER_REQUEST) });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await rt.queues.idle();
  }
}

describe('a group of 10,000 alerts with 1 KB annotations', () => {
  it('is stored, notified with every alert, and resolved, with no item or message refused', { timeout: 300_000 }, async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alerts = Array.from({ length: ALERTS }, (_, i) => ({
      labels: { alertname: 'HugeGroup', instance: `host-${i}` },
      annotations: { summary: `host-${i} is down`, description: prose(1024) },
      starts_at: startsAt,
    }));
    await post(alerts);

    const firing = amBody(await received(amWith('firing')));
    expect(firing.truncatedAlerts).toBe(0);
    expect(new Set(firing.alerts.map((a) => a.labels.instance)).size).toBe(ALERTS);
    // Each alert whole, annotations and all.
    const sent = firing.alerts.find((a) => a.labels.instance === 'host-9999')!;
    expect(sent.annotations.description).toBe(alerts[9999]!.annotations.description);

    // Slack and Teams keep to their own limits and say how many alerts they did not show.
    const slack = await received((r) => r.path.startsWith('/slack') && hiddenIn(r.body) > 0 && hiddenIn(r.body) + shownIn(r.body) === ALERTS);
    const blocks = slack.json() as { blocks: unknown[]; attachments: Array<{ blocks: unknown[] }> };
    expect(blocks.blocks.length + blocks.attachments[0]!.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const teams = await received((r) => r.path === '/teams' && hiddenIn(r.body) > 0 && hiddenIn(r.body) + shownIn(r.body) === ALERTS);
    expect(Buffer.byteLength(teams.body)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);

    // Resolve them all. Resolved alerts are notified as the flushes after their resolve find them
    // (as Alertmanager does), so they may come in more than one notification: each whole.
    const before = hook.received.length;
    const endsAt = new Date().toISOString();
    await post(alerts.map((a) => ({ ...a, ends_at: endsAt })));
    const resolvedHooks = () => hook.received.slice(before).filter((r) => r.path === '/hook').map(amBody);
    const resolvedOnes = () => new Set(resolvedHooks().flatMap((b) => b.alerts.filter((a) => a.status === 'resolved').map((a) => a.labels.instance)));
    await received(() => resolvedOnes().size === ALERTS);
    expect(resolvedHooks().map((b) => b.truncatedAlerts)).toEqual(resolvedHooks().map(() => 0));
    expect(resolvedHooks().at(-1)!.status).toBe('resolved');

    await rt.queues.idle();
    // Nothing retried or dead-lettered, nothing refused (a refused write or message logs a warning or error).
    expect(rt.queues.stats().filter((q) => q.total > 0)).toEqual([]);
    expect(problems).toEqual([]);
  });
});

/**
 * About `length` characters of random words: text gzip shrinks about threefold, as it does real
 * annotations, so the group's state (about 13 MB as JSON) and the payload each still take several
 * items. (Wholly random text would make the state ~26 parts, more than the local runtime reads back:
 * dynalite answers a BatchGet with ~1.4 MB where DynamoDB gives 16 MB, and the shared batch reader
 * stops after six calls.)
 */
function prose(length: number): string {
  const words: string[] = [];
  for (let n = 0; n < length; ) {
    const w = WORDS[randomBytes(1)[0]! % WORDS.length]! + String(randomBytes(1)[0]);
    words.push(w);
    n += w.length + 1;
  }
  return words.join(' ').slice(0, length);
}
const WORDS = ['error', 'rate', 'latency', 'pod', 'node', 'disk', 'memory', 'cpu', 'queue', 'timeout', 'request', 'upstream', 'replica', 'volume', 'shard', 'lag'];

/** The count in "…and N more alerts not shown" (0 when the message shows every alert). */
function hiddenIn(body: string): number {
  return Number(/and (\d+) more alerts? not shown/.exec(body)?.[1] ?? 0);
}

/** Alert entries a Slack or Teams message shows, by the instance label each one lists. */
function shownIn(body: string): number {
  return new Set(body.match(/host-\d+(?= is down)/g) ?? []).size;
}
