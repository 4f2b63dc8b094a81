import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../config/loader';
import { envSecretResolver } from '../primitives/secrets';
import { ConfigError, ValidationError } from '../errors';
import type { HeartbeatState, HeartbeatStore } from '../heartbeats/heartbeat';
import { ingestAwsEvent } from '../ingest/ingest';
import { ChannelQueueMessage, RouterMessage, type HeartbeatPingMessage, type IngestMessage, type ProbeMessage } from '../queues/messages';
import type { OutgoingMessage, QueueDepth } from '../queues/port';
import { matchRoutes } from '../routing/route-tree';
import { compileConfig, type CompiledConfig } from '../runtime/compiled-config';
import { SYNTHETIC_HEARTBEAT } from './config';
import { health, type HealthDeps } from '../api/health';
import { deepHealth } from './health';
import { auditFindings } from './metrics';
import { COUNTERS } from '../metrics/catalog';
import { SCHEDULED_SYNTHETIC_EVENT } from './synthetic';
import { CHECKS_TICK, type TickStore } from './ticks';
import { freshStores } from '../../test/support/store-adapters';

const FIXTURES = join(__dirname, '../../test/fixtures/cloudwatch');
const alarmEvent = (name: string, state = 'ALARM') => {
  const event = JSON.parse(readFileSync(join(FIXTURES, 'eventbridge-alarm-state-change-alarm.json'), 'utf8')) as { resources: string[]; detail: { alarmName: string; state: { value: string } } };
  event.detail.alarmName = name;
  event.detail.state.value = state;
  event.resources = [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`];
  return event;
};

/** A user tree that takes every CloudWatch alarm (with `continue`) and routes the rest by team. */
const USER_TREE = `
route:
  receiver: team
  group_by: [alertname]
  routes:
    - { matchers: ['source="cloudwatch"'], receiver: cloud, continue: true }
    - { matchers: ['alertname="HeartbeatMissing"'], receiver: team }
receivers: [{ name: team }, { name: cloud }, { name: ops, webhook_configs: [{ url: 'https://hooks.example.com/ops' }] }]
heartbeats: [{ name: backup, every: 1h }]
`;
const WITH_SM = `${USER_TREE}self_monitoring: { receiver: ops }\n`;

/** The alerts a CloudWatch event becomes on the alerts queue, through ingest as deployed. */
async function ingested(config: CompiledConfig, event: unknown): Promise<RouterMessage[]> {
  const sent: OutgoingMessage[] = [];
  await ingestAwsEvent(event, {
    config,
    queues: { send: async (_q, m) => void sent.push(...m), changeVisibility: async () => {} },
    secrets: envSecretResolver({}),
    clock: () => new Date('2026-12-07T10:00:00Z'),
    newId: () => 'id1',
  });
  return sent.map((m) => RouterMessage.parse(JSON.parse(m.body)));
}
const receiversFor = (config: CompiledConfig, labels: Record<string, string>) => matchRoutes(config.routeTree, labels).map((r) => r.receiver);

describe('self_monitoring config', () => {
  it('defaults synthetic_every to 5m and takes an email', () => {
    expect(parseConfigYaml(WITH_SM).self_monitoring).toEqual({ receiver: 'ops', synthetic_every: '5m' });
    expect(parseConfigYaml(`${USER_TREE}self_monitoring: { receiver: ops, email: a@example.com, synthetic_every: 1s }\n`).self_monitoring).toEqual({ receiver: 'ops', email: 'a@example.com', synthetic_every: '1s' });
  });

  it('names the key of an unknown receiver, a bad email, a period under 1s and the reserved heartbeat name', () => {
    const bad = () =>
      parseConfigYaml(`${USER_TREE.replace('heartbeats: [{ name: backup', 'heartbeats: [{ name: alertflow-pipeline')}self_monitoring: { receiver: nobody, email: not-an-address, synthetic_every: 500ms }\n`);
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/self_monitoring\.receiver .*unknown receiver "nobody" \(defined: team, cloud, ops\)/);
    expect(bad).toThrow(/self_monitoring\.email .*an email address/);
    expect(bad).toThrow(/self_monitoring\.synthetic_every .*at least 1s/);
    expect(bad).toThrow(/heartbeats\[0\]\.name .*"alertflow-pipeline" is reserved/);
    // Its first channel's sender records the synthetic heartbeat: a receiver without one is refused.
    expect(() => parseConfigYaml(`${USER_TREE}self_monitoring: { receiver: team }\n`)).toThrow(/self_monitoring\.receiver .*receiver "team" has no channel/);
    expect(() => parseConfigYaml(`${USER_TREE}self_monitoring: { receiver: ops, extra: 1 }\n`)).toThrow(/self_monitoring/);
  });
});

describe('the implicit self-monitoring route', () => {
  const config = compileConfig(parseConfigYaml(WITH_SM));
  const without = compileConfig(parseConfigYaml(USER_TREE));

  it("routes a CloudWatch alarm state change of one of the stack's own alarms to the self-monitoring receiver only", async () => {
    const [message] = (await ingested(config, alarmEvent('alertflow-self-Alertflow-dlq-alerts-dlq'))) as IngestMessage[];
    expect(message!.alerts[0]!.labels).toMatchObject({ alertname: 'alertflow-self-Alertflow-dlq-alerts-dlq', source: 'cloudwatch' });
    expect(receiversFor(config, message!.alerts[0]!.labels)).toEqual(['ops']);
    // Its OK resolves the same alert, on the same route.
    const [ok] = (await ingested(config, alarmEvent('alertflow-self-Alertflow-dlq-alerts-dlq', 'OK'))) as IngestMessage[];
    expect(ok!.alerts[0]!.fingerprint).toBe(message!.alerts[0]!.fingerprint);
    expect(receiversFor(config, ok!.alerts[0]!.labels)).toEqual(['ops']);
    // Without self_monitoring it is an alarm like any other.
    expect(receiversFor(without, message!.alerts[0]!.labels)).toEqual(['cloud']);
  });

  it("leaves a user's alarm, and a user's heartbeat, to the user's tree, as Alertmanager would route them", async () => {
    const [message] = (await ingested(config, alarmEvent('checkout-api-5xx-high'))) as IngestMessage[];
    const labels = message!.alerts[0]!.labels;
    expect(receiversFor(config, labels)).toEqual(['cloud']);
    expect(receiversFor(config, labels)).toEqual(receiversFor(without, labels));
    // An alarm named like ours but not from CloudWatch (a generic alert) is the user's too.
    expect(receiversFor(config, { alertname: 'alertflow-self-x', source: 'generic' })).toEqual(['team']);
    expect(receiversFor(config, { alertname: 'HeartbeatMissing', heartbeat: 'backup' })).toEqual(['team']);
    expect(receiversFor(config, { alertname: 'HeartbeatMissing', heartbeat: SYNTHETIC_HEARTBEAT, severity: 'critical' })).toEqual(['ops']);
  });

  it("keeps the user's route ids and keys (stored groups still find their route), and inherits the root's timers", () => {
    const ids = (c: CompiledConfig) => c.routeTree.routes.map((r) => [r.id, r.key]);
    expect(ids(config).slice(2)).toEqual(ids(without));
    const [self] = config.routeTree.routes;
    expect(self).toMatchObject({ receiver: 'ops', continue: false, groupBy: ['alertname'], groupWaitMs: without.routeTree.groupWaitMs, repeatIntervalMs: without.routeTree.repeatIntervalMs });
    expect(self!.key).toBe('{}/{alertname=~"alertflow-self-.+",source="cloudwatch"}');
    expect(config.routesById.get(self!.id)).toBe(self);
  });
});

describe('the synthetic heartbeat', () => {
  const config = compileConfig(parseConfigYaml(`${WITH_SM.replace('{ receiver: ops }', '{ receiver: ops, synthetic_every: 2m }')}`));

  it('is a built-in heartbeat: missing after two periods, critical, without a signed URL', () => {
    expect(config.heartbeats.get(SYNTHETIC_HEARTBEAT)).toMatchObject({ everyMs: 120_000, graceMs: 120_000, labels: { severity: 'critical' }, builtin: true, matchers: undefined });
    expect(compileConfig(parseConfigYaml(USER_TREE)).heartbeats.has(SYNTHETIC_HEARTBEAT)).toBe(false);
  });

  it('becomes a ping of the built-in heartbeat on the alerts queue, marked a probe, under the schedule run id', async () => {
    const messages = await ingested(config, { ...SCHEDULED_SYNTHETIC_EVENT, execution_id: 'run-7', scheduled_at: '2026-12-07T10:00:00Z' });
    expect(messages).toEqual([{ kind: 'ping', id: 'synthetic:run-7', heartbeat: SYNTHETIC_HEARTBEAT, at: Date.parse('2026-12-07T10:00:00Z'), probe: true } satisfies HeartbeatPingMessage]);
  });

  it('is refused with a 4xx-class error when malformed, or when the config has no self_monitoring (the invocation fails where it shows)', async () => {
    await expect(ingested(config, { alertflow: 'synthetic-heartbeat', extra: 1 })).rejects.toThrow(ValidationError);
    await expect(ingested(config, { alertflow: 'something-else' })).rejects.toThrow(ValidationError);
    await expect(ingested(compileConfig(parseConfigYaml(USER_TREE)), SCHEDULED_SYNTHETIC_EVENT)).rejects.toThrow(/no self_monitoring/);
  });
});

describe('audit findings', () => {
  it('counts the audit findings', () => {
    expect(auditFindings({ overdue: 2, orphaned: 1 })).toBe(3);
  });
});

describe('the router with self_monitoring', () => {
  const fresh = freshStores('sqlite');
  // The email entry comes first in the file, but entries go in type order: webhook_configs[0] is the first.
  const config = compileConfig(
    parseConfigYaml(
      WITH_SM.replace("{ name: ops, webhook_configs: [{ url: 'https://hooks.example.com/ops' }] }", "{ name: ops, email_configs: [{ from: a@example.com, to: [b@example.com] }], webhook_configs: [{ url: 'https://hooks.example.com/a' }, { url: 'https://hooks.example.com/b' }] }"),
    ),
  );

  it("passes the synthetic ping on as a probe to the receiver's first channel queue, without recording it; an unsent probe is retried", async () => {
    const { createHandler } = await import('../../functions/router/handler');
    const { silentLogger } = await import('../log');
    const stores = await fresh();
    const sent: Array<{ queue: string; body: string }> = [];
    let failChannelSends = false;
    const handler = createHandler({
      config,
      stores,
      queues: {
        send: async (queue, messages) => {
          if (failChannelSends && queue !== 'alerts') throw new Error('throttled');
          sent.push(...messages.map((m) => ({ queue, body: m.body })));
        },
        changeVisibility: async () => {},
      },
      scheduler: { create: async () => {}, delete: async () => {} },
      clock: () => new Date(),
      log: silentLogger,
    });
    const at = Date.parse('2026-12-07T10:00:00Z');
    const record = (messageId: string, ping: HeartbeatPingMessage) => ({ messageId, receiptHandle: messageId, body: JSON.stringify(ping), attributes: {} });
    const synthetic = (id: string): HeartbeatPingMessage => ({ kind: 'ping', id, heartbeat: SYNTHETIC_HEARTBEAT, at, probe: true });
    const probes = () => sent.filter((m) => m.queue === 'webhook-notifications').map((m) => ChannelQueueMessage.parse(JSON.parse(m.body)));

    // With a user heartbeat's ping in the same batch: that one the router still records.
    expect(await handler({ Records: [record('r1', synthetic('synthetic:run-1')), record('r2', { kind: 'ping', id: 'p2', heartbeat: 'backup', at })] } as never)).toEqual({ batchItemFailures: [] });
    expect(probes()).toEqual([{ kind: 'probe', id: 'probe:synthetic:run-1', at, receiver: 'ops', channel: { type: 'webhook', index: 0 } } satisfies ProbeMessage]);
    expect(sent.map((m) => m.queue)).toEqual(['webhook-notifications']);
    const states = await stores.heartbeats.getMany([SYNTHETIC_HEARTBEAT, 'backup']);
    expect(states.has(SYNTHETIC_HEARTBEAT)).toBe(false);
    expect(states.get('backup')).toMatchObject({ pings: 1, lastPingAt: at });

    // A redelivered ping sends the same probe.
    await handler({ Records: [record('r1', synthetic('synthetic:run-1'))] } as never);
    expect(probes().map((p) => p.id)).toEqual(['probe:synthetic:run-1', 'probe:synthetic:run-1']);

    // A probe that could not be sent fails its record (retried, then dead-lettered), and is not recorded instead.
    failChannelSends = true;
    expect(await handler({ Records: [record('r3', synthetic('synthetic:run-2'))] } as never)).toEqual({ batchItemFailures: [{ itemIdentifier: 'r3' }] });
    expect((await stores.heartbeats.getMany([SYNTHETIC_HEARTBEAT])).has(SYNTHETIC_HEARTBEAT)).toBe(false);

    // A ping of the built-in heartbeat not made by the schedule (POST /v1/heartbeats/alertflow-pipeline) is recorded as any ping.
    expect(await handler({ Records: [record('r4', { kind: 'ping', id: 'p4', heartbeat: SYNTHETIC_HEARTBEAT, at })] } as never)).toEqual({ batchItemFailures: [] });
    expect((await stores.heartbeats.getMany([SYNTHETIC_HEARTBEAT])).get(SYNTHETIC_HEARTBEAT)).toMatchObject({ pings: 1 });
  });
});

describe('the sender with self_monitoring', () => {
  const fresh = freshStores('sqlite');
  const config = compileConfig(parseConfigYaml(WITH_SM));
  const at = Date.parse('2026-12-07T10:00:00Z');
  const probe = (id: string, atMs: number, type: 'webhook' | 'slack' = 'webhook'): ProbeMessage => ({ kind: 'probe', id, at: atMs, receiver: 'ops', channel: { type, index: 0 } });
  const record = (messageId: string, message: ProbeMessage) => ({ messageId, receiptHandle: messageId, body: JSON.stringify(message), attributes: { ApproximateReceiveCount: '1' } });

  async function sender(type: 'webhook' | 'slack' = 'webhook') {
    const { createSenderHandler, gateOf } = await import('../delivery/sender-handler');
    const { senderFor } = await import('../channels/registry');
    const { silentLogger } = await import('../log');
    const stores = await fresh();
    const emitted: Array<Record<string, number>> = [];
    const posts: string[] = [];
    const queued: string[] = [];
    const state = { failPuts: false };
    const heartbeats: HeartbeatStore = { getMany: (n) => stores.heartbeats.getMany(n), put: async (s) => (state.failPuts ? Promise.reject(new Error('throttled')) : stores.heartbeats.put(s)) };
    const handler = createSenderHandler(senderFor(type), {
      config,
      stores: { ...stores, heartbeats },
      queues: { send: async (queue) => void queued.push(queue), changeVisibility: async () => {} },
      secrets: envSecretResolver({}),
      http: { post: async (url) => (posts.push(url), { status: 200, headers: {}, body: '' }) },
      clock: () => new Date(),
      log: silentLogger,
      metrics: { count: (metric, value = 1) => void emitted.push({ [COUNTERS[metric].name]: value }), observe: () => {} },
    });
    return { handler, stores, emitted, posts, queued, state, gateOf };
  }

  it('records the built-in heartbeat and emits the metric for its probes, without calling the channel, a gate or a delivery record', async () => {
    const { handler, stores, emitted, posts, queued, gateOf } = await sender();
    // Both of the receiver's send slots are held: a notification would wait, a probe does not.
    const gates = stores.receiverGates({ leaseMs: 60_000, reopenAfterMs: () => 1_000 });
    const gate = gateOf({ receiver: 'ops', channel: { type: 'webhook', index: 0 } } as never);
    for (let i = 0; i < 2; i++) expect((await gates.acquire(gate, Date.now())).kind).toBe('granted');

    const res = await handler({ Records: [record('m1', probe('probe:synthetic:a', at - 1_000)), record('m2', probe('probe:synthetic:b', at))] } as never);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(posts).toEqual([]);
    expect(queued).toEqual([]);
    expect((await stores.heartbeats.getMany([SYNTHETIC_HEARTBEAT])).get(SYNTHETIC_HEARTBEAT)).toMatchObject({ pings: 1, lastPingAt: at, status: 'ok' });
    expect(emitted).toEqual([{ SyntheticHeartbeats: 2 }]);
    expect(await stores.deliveries.get('probe:synthetic:a')).toBeUndefined();
    expect(await stores.deliveries.get('probe:synthetic:b')).toBeUndefined();
    expect((await gates.acquire(gate, Date.now())).kind).toBe('busy');
  });

  it('fails a probe whose ping could not be recorded (retried, then dead-lettered), counting nothing', async () => {
    const { handler, stores, emitted, posts, state } = await sender();
    state.failPuts = true;
    expect(await handler({ Records: [record('m1', probe('probe:synthetic:a', at))] } as never)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(emitted).toEqual([]);
    expect(posts).toEqual([]);
    expect((await stores.heartbeats.getMany([SYNTHETIC_HEARTBEAT])).has(SYNTHETIC_HEARTBEAT)).toBe(false);
  });

  it('drops a probe left on a queue the config no longer probes (its sender may lack the grant; the next goes to the new one)', async () => {
    const { handler, stores, emitted, posts } = await sender('slack');
    expect(await handler({ Records: [record('m1', probe('probe:synthetic:a', at, 'slack'))] } as never)).toEqual({ batchItemFailures: [] });
    expect([emitted, posts]).toEqual([[], []]);
    expect((await stores.heartbeats.getMany([SYNTHETIC_HEARTBEAT])).has(SYNTHETIC_HEARTBEAT)).toBe(false);
  });
});

describe('the escalator with self_monitoring', () => {
  const fresh = freshStores('sqlite');

  it("emits the audit's findings at every audit, zero included (its alarm fires on findings, not on silence)", async () => {
    const { createHandler } = await import('../../functions/escalator/handler');
    const { silentLogger } = await import('../log');
    const emitted: Array<Record<string, number>> = [];
    const handler = createHandler({
      config: compileConfig(parseConfigYaml(`${WITH_SM}escalation_policies: [{ name: p, steps: [{ notify: [ops] }] }]\n`)),
      stores: await fresh(),
      queues: { send: async () => {}, changeVisibility: async () => {} },
      scheduler: { create: async () => {}, delete: async () => {} },
      secrets: envSecretResolver({}),
      clock: () => new Date(),
      log: silentLogger,
      metrics: { count: (metric, value = 1) => void emitted.push({ [COUNTERS[metric].name]: value }), observe: () => {} },
    });
    const audit = { Records: [{ messageId: 'a1', receiptHandle: 'a1', body: JSON.stringify({ kind: 'audit' }), attributes: {} }] } as never;
    expect(await handler(audit)).toEqual({ batchItemFailures: [] });
    expect(emitted).toEqual([{ EscalationAuditFindings: 0 }]);
  });
});

describe('GET /v1/health', () => {
  const NOW = new Date('2026-12-07T10:00:00Z');
  const raw = parseConfigYaml(`auth:
  tokens:
    - { name: viewer, secret: { env: READ_TOKEN }, scopes: [read] }
    - { name: cron, secret: { env: INGEST_TOKEN }, scopes: [ingest] }
${WITH_SM}`);
  const config = compileConfig(raw);
  const hbState = (s: Partial<HeartbeatState>): HeartbeatState => ({ name: SYNTHETIC_HEARTBEAT, lastPingAt: NOW.getTime() - 60_000, pings: 3, writtenAt: 0, status: 'ok', version: 3, ...s });
  const deps = (over: { depths?: QueueDepth[]; lastTick?: Date | undefined; state?: HeartbeatState | undefined; cfg?: CompiledConfig } = {}): HealthDeps => {
    const ticks: TickStore = { record: async () => {}, last: async (name) => (name === CHECKS_TICK ? ('lastTick' in over ? over.lastTick : new Date(NOW.getTime() - 30_000)) : undefined) };
    const state = 'state' in over ? over.state : hbState({});
    return {
      config: over.cfg ?? config,
      secrets: envSecretResolver({ READ_TOKEN: 'read-secret', INGEST_TOKEN: 'ingest-secret' }),
      queueDepths: { depths: async () => over.depths ?? [{ name: 'alerts', visible: 2, notVisible: 1 }, { name: 'alerts-dlq', visible: 0, notVisible: 0 }, { name: 'ingest-async-dlq', visible: 0, notVisible: 0 }] },
      ticks,
      heartbeats: { getMany: async () => new Map(state ? [[SYNTHETIC_HEARTBEAT, state]] : []), put: async () => {} },
      clock: () => NOW,
      checksTickMs: 60_000,
    };
  };
  const request = (query: Record<string, string> | undefined, token?: string) =>
    ({ routeKey: 'GET /v1/health', rawPath: '/v1/health', headers: token ? { authorization: `Bearer ${token}` } : {}, queryStringParameters: query, requestContext: {} }) as unknown as APIGatewayProxyEventV2;

  it('stays public and constant without deep', async () => {
    expect(JSON.parse((await health(request(undefined), deps())).body)).toEqual({ status: 'ok', time: NOW.toISOString() });
    expect((await health(request({ deep: '0' }), deps())).statusCode).toBe(200);
  });

  it('asks a read token for deep: 401 without one, 403 for an ingest-only one, 400 for a deep it does not know', async () => {
    await expect(health(request({ deep: '1' }), deps())).rejects.toMatchObject({ status: 401 });
    await expect(health(request({ deep: '1' }, 'ingest-secret'), deps())).rejects.toMatchObject({ status: 403 });
    await expect(health(request({ deep: 'yes' }, 'read-secret'), deps())).rejects.toMatchObject({ status: 400 });
  });

  it('reports queues with their DLQs, the last checks tick and the synthetic heartbeat: 200 when all is well', async () => {
    const res = await health(request({ deep: '1' }, 'read-secret'), deps());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      status: 'ok',
      time: NOW.toISOString(),
      problems: [],
      queues: [{ name: 'alerts', visible: 2, not_visible: 1, dlq: 'alerts-dlq' }],
      dlqs: [
        { name: 'alerts-dlq', messages: 0 },
        { name: 'ingest-async-dlq', messages: 0 },
      ],
      checks_tick: { status: 'ok', last_run_at: '2026-12-07T09:59:30.000Z', every_ms: 60_000 },
      synthetic_heartbeat: { name: SYNTHETIC_HEARTBEAT, status: 'ok', last_ping_at: '2026-12-07T09:59:00.000Z', deadline: '2026-12-07T10:09:00.000Z', every_ms: 300_000 },
    });
  });

  it('is degraded (503) with each problem named: dead letters, an unreadable queue, a late tick, a missing heartbeat', async () => {
    const report = await deepHealth(
      deps({
        depths: [{ name: 'slack-notifications-dlq', visible: 2, notVisible: 1 }, { name: 'alerts', visible: 0, notVisible: 0, error: 'AccessDenied' }],
        lastTick: new Date(NOW.getTime() - 4 * 60_000),
        // Past its deadline: missing, even though no tick marked it so (the tick may be what stopped).
        state: hbState({ lastPingAt: NOW.getTime() - 11 * 60_000 }),
      }),
      NOW,
    );
    expect(report.status).toBe('degraded');
    expect(report.problems).toEqual([
      'alerts: depth not readable (AccessDenied)',
      'slack-notifications-dlq holds 3 message(s) that failed every retry',
      'the checks tick last completed at 2026-12-07T09:56:00.000Z (it runs every 60s)',
      'the synthetic heartbeat is missing: none since 2026-12-07T09:49:00.000Z',
    ]);
    expect(report.synthetic_heartbeat?.status).toBe('missing');
    expect((await health(request({ deep: 'true' }, 'read-secret'), deps({ lastTick: undefined }))).statusCode).toBe(503);
  });

  it('says pending before the first tick, and reports no synthetic heartbeat without self_monitoring', async () => {
    const pending = await deepHealth(deps({ lastTick: undefined, state: undefined }), NOW);
    expect([pending.checks_tick.status, pending.synthetic_heartbeat?.status, pending.problems]).toEqual(['pending', 'pending', ['the checks tick has not completed a run yet']]);
    const plain = await deepHealth(deps({ cfg: compileConfig(parseConfigYaml(USER_TREE)) }), NOW);
    expect([plain.status, plain.synthetic_heartbeat]).toEqual(['ok', null]);
  });
});
