import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../shared/local/dynamo';
import { RouterSim, simAlert } from './support/router-sim';
import { ALERTS_QUEUE } from '../shared/queues/names';
import type { OutgoingMessage } from '../shared/queues/port';
import { ConflictError } from '../shared/errors';
import type { GroupState } from '../shared/store/groups';

let dynamo: LocalDynamo;
let tables = 0;
const S = 1000;
const M = 60 * S;
const H = 60 * M;

beforeAll(async () => {
  dynamo = await startLocalDynamo('scratch-0');
});
afterAll(async () => dynamo?.close());

async function sim(yaml: string): Promise<RouterSim> {
  const table = `scratch-${++tables}`;
  await dynamo.createTable(table);
  return new RouterSim(dynamo, table, yaml);
}

const RECEIVERS = `
receivers:
  - name: team
    webhook_configs:
      - url: http://127.0.0.1:9/all
      - url: http://127.0.0.1:9/firing-only
        send_resolved: false
`;

describe('review', () => {
  it('S3 inhibition source with endsAt refreshed stops inhibiting after its first endsAt', async () => {
    const s = await sim(`
route: { receiver: team, group_by: [alertname, cluster], group_wait: 0s, group_interval: 1m }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
${RECEIVERS}`);
    const t0 = s.now;
    const src = (now: number) => simAlert('src', { startsAt: t0, endsAt: now + 15 * M, labels: { alertname: 'ClusterDown', severity: 'critical', cluster: 'c1' } });
    await s.post([src(s.now)]);
    await s.post([simAlert('w1', { startsAt: t0, endsAt: t0 + 5 * H, labels: { alertname: 'Slow', severity: 'warning', cluster: 'c1' } })]);
    for (let i = 0; i < 40; i++) {
      await s.advance(1 * M);
      await s.post([src(s.now)]);
    }
    console.log('S3', s.notifications.filter((n) => n.channel.index === 0).map((n) => [(n.sentAt - t0) / M, n.group.alerts.map((a) => a.labels.instance)]));
  });

  it('S12 flapping alert that resolves inside its flap window never gets a resolve', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m, flapping: { transitions: 3, window: 1h } }\n${RECEIVERS}`);
    const t0 = s.now;
    for (let i = 0; i < 9; i++) {
      await s.post([simAlert('f', i % 2 === 0 ? { startsAt: s.now } : { status: 'resolved', startsAt: t0, endsAt: s.now })]);
      await s.advance(2 * M);
    }
    // i=8 was firing; now resolve for good
    await s.post([simAlert('f', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
    await s.advance(5 * H);
    console.log('S12', s.summary().filter((l) => l.includes('webhook[0]')));
    const [g] = await s.groups.list(new Date(s.now));
    console.log('S12 nflog', JSON.stringify(g?.nflog), 'alerts', Object.keys(g!.alerts), 'pending', s.pending.length);
  });

  it('S19 group_interval >= 1h drops the resolve', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 2h }\n${RECEIVERS}`);
    const t0 = s.now;
    await s.post([simAlert('a', { startsAt: t0 }), simAlert('b', { startsAt: t0 })]);
    await s.advance(10 * M);
    await s.post([simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now })]);
    await s.advance(3 * H);
    console.log('S19', s.summary());
  });

  it('S1 notification send fails, another write happens before redelivery: lost', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${RECEIVERS}`);
    const q = s.deps.queues;
    let failNotif = true;
    s.deps.queues = {
      ...q,
      send: async (queue: string, messages: OutgoingMessage[]) => {
        if (queue !== ALERTS_QUEUE && failNotif) throw new Error('SQS down');
        return q.send(queue, messages);
      },
    };
    const a = simAlert('a', { startsAt: s.now });
    const r = await s.post([a], 'first');
    console.log('S1 failed', [...r.failed]);
    failNotif = false;
    await s.advance(10 * S);
    await s.post([simAlert('b', { startsAt: s.now })], 'second');
    await s.advance(5 * M);
    // redelivery of first
    await s.post([a], 'first');
    await s.advance(10 * M);
    console.log('S1', s.summary());
  });

  it('S2 timer send fails, another write sees stale pending: no live timer', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 30s, group_interval: 1m }\n${RECEIVERS}`);
    const q = s.deps.queues;
    let failTimer = true;
    s.deps.queues = {
      ...q,
      send: async (queue: string, messages: OutgoingMessage[]) => {
        if (queue === ALERTS_QUEUE && failTimer) throw new Error('SQS down');
        return q.send(queue, messages);
      },
    };
    const a = simAlert('a', { startsAt: s.now });
    const r = await s.post([a], 'first');
    console.log('S2 failed', [...r.failed]);
    failTimer = false;
    await s.advance(5 * S);
    await s.post([simAlert('b', { startsAt: s.now })], 'second');
    // redelivery of first (visibility timeout)
    await s.advance(5 * M);
    await s.post([a], 'first');
    await s.advance(2 * H);
    console.log('S2', s.summary(), 'pending', s.pending.length);
  });

  it('S4 storm summary lost when the holding evaluation conflicts', async () => {
    const s = await sim(`
route: { receiver: team, group_by: [instance], group_wait: 0s, group_interval: 1m }
receivers:
  - name: team
    storm_protection: { max_notifications: 1, window: 10m }
    webhook_configs:
      - url: http://127.0.0.1:9/all
`);
    await s.post([simAlert('i0', { startsAt: s.now })]);
    const g = s.deps.groups;
    let conflictOnce = true;
    s.deps.groups = Object.assign(Object.create(g) as typeof g, {
      put: async (x: GroupState) => {
        if (conflictOnce) {
          conflictOnce = false;
          throw new ConflictError('boom');
        }
        return g.put(x);
      },
      getMany: g.getMany.bind(g),
    });
    await s.post([simAlert('i1', { startsAt: s.now })]);
    await s.advance(30 * M);
    console.log('S4', s.summary(), s.pending.length);
  });

  it('S6 idle group: new alerts not batched per group_interval tick', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 30s, group_interval: 5m, repeat_interval: 4h }\n${RECEIVERS}`);
    await s.post([simAlert('a', { startsAt: s.now })]);
    await s.advance(1 * H);
    await s.post([simAlert('b', { startsAt: s.now })]);
    await s.advance(10 * S);
    await s.post([simAlert('c', { startsAt: s.now })]);
    await s.advance(10 * M);
    console.log('S6', s.summary().filter((l) => l.includes('webhook[0]')));
  });

  it('S5 item size: mass resolve with big annotations', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${RECEIVERS}`);
    const t0 = s.now;
    const big = (i: number, status?: 'resolved') => {
      const a = simAlert(`h${i}`, status ? { status, startsAt: t0, endsAt: s.now } : { startsAt: t0 });
      a.annotations = { summary: `x${i}`, description: `${i} `.repeat(1000) + Math.random().toString(36).repeat(50) };
      return a;
    };
    await s.post(Array.from({ length: 200 }, (_, i) => big(i)));
    await s.advance(2 * M);
    console.log('S5 before', s.notifications.length);
    let err: unknown;
    try {
      const r = await s.post(Array.from({ length: 200 }, (_, i) => big(i, 'resolved')));
      console.log('S5 failed', r.failed.size);
      await s.advance(2 * M);
    } catch (e) {
      err = e;
    }
    console.log('S5 after', s.notifications.length, String(err).slice(0, 200));
  });
});

describe('review2', () => {
  it('S1b resolve notification send fails, another write happens before redelivery: resolve lost', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${RECEIVERS}`);
    const q = s.deps.queues;
    let failNotif = false;
    s.deps.queues = {
      ...q,
      send: async (queue: string, messages: OutgoingMessage[]) => {
        if (queue !== ALERTS_QUEUE && failNotif) throw new Error('SQS down');
        return q.send(queue, messages);
      },
    };
    const t0 = s.now;
    await s.post([simAlert('a', { startsAt: t0 }), simAlert('c', { startsAt: t0 })]);
    await s.advance(5 * M);
    failNotif = true;
    const res = simAlert('a', { status: 'resolved', startsAt: t0, endsAt: s.now });
    const r = await s.post([res], 'res');
    console.log('S1b failed', [...r.failed]);
    failNotif = false;
    await s.advance(10 * S);
    const c2 = simAlert('c', { startsAt: t0 });
    c2.annotations = { summary: 'changed' };
    await s.post([c2], 'annot');
    await s.advance(6 * M);
    await s.post([res], 'res');
    await s.advance(10 * M);
    console.log('S1b', s.summary());
  });

  it('S2b timer send fails, another covered write: group stuck with news', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 30m, repeat_interval: 24h }\n${RECEIVERS}`);
    const sc = s.deps.scheduler;
    let failTimer = false;
    s.deps.scheduler = {
      ...sc,
      create: async (x) => {
        if (failTimer) throw new Error('Scheduler down');
        return sc.create(x);
      },
    };
    const t0 = s.now;
    await s.post([simAlert('a', { startsAt: t0 })]);
    // drop the repeat timer knowledge: fine
    await s.advance(1 * M);
    failTimer = true;
    const b = simAlert('b', { startsAt: s.now });
    const r = await s.post([b], 'X');
    console.log('S2b failed', [...r.failed]);
    failTimer = false;
    await s.advance(1 * M);
    await s.post([simAlert('c', { startsAt: s.now })], 'Y');
    await s.advance(6 * M);
    await s.post([b], 'X');
    await s.advance(3 * H);
    console.log('S2b', s.summary(), s.pending.map((p) => (p.at - t0) / M));
  });

  it('S5b item size error', async () => {
    const s = await sim(`route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1m }\n${RECEIVERS}`);
    (s.deps as { log: unknown }).log = { debug() {}, info() {}, error: console.log, warn: (m: string, x: { err: Error }) => console.log('WARN', m, String(x.err).slice(0, 200)) };
    const t0 = s.now;
    const big = (i: number, status?: 'resolved') => {
      const a = simAlert(`h${i}`, status ? { status, startsAt: t0, endsAt: s.now } : { startsAt: t0 });
      a.annotations = { summary: `x${i}`, description: Array.from({ length: 200 }, () => Math.random().toString(36)).join(' ') };
      return a;
    };
    await s.post(Array.from({ length: 200 }, (_, i) => big(i)));
    await s.advance(2 * M);
    const r = await s.post(Array.from({ length: 200 }, (_, i) => big(i, 'resolved')));
    console.log('S5b failed', r.failed.size, s.notifications.length);
  });
});
