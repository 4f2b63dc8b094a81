import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../history/history';
import type { Incident } from '../escalation/incident';
import type { DeliveryRecord } from '../store/model';
import { groupState } from '../../test/support/group-state';
import { collectStats, routeOfGroupKey, type StatsSources } from './stats';

const NOW = new Date('2026-12-07T12:00:00Z');
const H = 3_600_000;
const iso = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();

const entry = (alertname: string, fp: string, startedAgo: number, resolvedAgo: number, receiver = 'team', route = '{}'): HistoryEntry => ({
  fingerprint: fp,
  labels: { alertname, fp },
  annotations: {},
  startsAt: iso(startedAgo),
  resolvedAt: iso(resolvedAgo),
  receiver,
  groupId: `g-${alertname}`,
  groupKey: `${route}:{alertname="${alertname}"}`,
});

function sources(data: { history?: HistoryEntry[]; incidents?: Incident[]; deliveries?: DeliveryRecord[]; groups?: ReturnType<typeof groupState>[] }): StatsSources {
  return {
    // One page each: the bounds are exercised by the stores' own tests.
    history: { record: async () => {}, page: async () => ({ entries: data.history ?? [], read: (data.history ?? []).length }) },
    groups: { page: async () => ({ groups: data.groups ?? [], read: (data.groups ?? []).length }) },
    incidents: { page: async (segment) => ({ incidents: segment === 'resolved' ? (data.incidents ?? []) : [], read: 0 }) },
    deliveries: { page: async () => ({ records: data.deliveries ?? [], read: (data.deliveries ?? []).length }) },
  };
}

describe('stats', () => {
  it('counts alerts per receiver and route, the noisiest, and an alert that resolved again as flapping', async () => {
    const s = await collectStats(
      sources({
        history: [
          entry('DiskFull', 'a', 5 * H, 4 * H),
          entry('DiskFull', 'a', 3 * H, 2 * H),
          entry('DiskFull', 'a', 1 * H, 0.5 * H),
          entry('CpuHigh', 'b', 2 * H, 1 * H, 'ops', '{}/{team="ops:east"}'),
          // Started before the window: resolved in it, not fired in it.
          entry('MemHigh', 'c', 30 * H, 1 * H),
        ],
        groups: [groupState('g-net', [{ fingerprint: 'n', status: 'firing', labels: { alertname: 'NetDown' }, annotations: {}, startsAt: iso(H), source: 'generic' }], NOW, { receiver: 'ops', groupKey: '{}:{alertname="NetDown"}' })],
      }),
      { from: new Date(NOW.getTime() - 24 * H), to: NOW },
      NOW,
    );
    expect(s.alerts).toEqual({
      fired: 5,
      resolved: 5,
      by_receiver: [
        { receiver: 'team', fired: 3 },
        { receiver: 'ops', fired: 2 },
      ],
      by_route: [
        { route: '{}', fired: 4 },
        { route: '{}/{team="ops:east"}', fired: 1 },
      ],
    });
    expect(s.noisiest[0]).toEqual({ alertname: 'DiskFull', fired: 3 });
    expect(s.flapping).toEqual([{ alertname: 'DiskFull', labels: { alertname: 'DiskFull', fp: 'a' }, resolves: 3, receiver: 'team' }]);
    expect(s.partial).toBe(false);
  });

  it('gives time to acknowledge and to resolve, incidents per receiver, and delivery success per channel', async () => {
    const incident = (id: string, ackAfter: number | undefined, resolveAfter: number): Incident =>
      ({ id, groupKey: '{}:{alertname="X"}', routeReceiver: 'team', startedAt: NOW.getTime() - 2 * H, ...(ackAfter !== undefined ? { acknowledged: { at: NOW.getTime() - 2 * H + ackAfter, by: 'a' } } : {}), resolved: { at: NOW.getTime() - 2 * H + resolveAfter, by: 'a' } }) as unknown as Incident;
    const delivery = (channel: string, status: DeliveryRecord['status']): DeliveryRecord => ({ notificationId: `${channel}-${status}-${Math.random()}`, channel, receiver: 'team', target: channel, status, attempts: [] });
    const s = await collectStats(
      sources({
        incidents: [incident('i1', 60_000, 600_000), incident('i2', 120_000, 1_200_000), incident('i3', undefined, 300_000)],
        deliveries: [delivery('slack[0]', 'delivered'), delivery('slack[0]', 'delivered'), delivery('slack[0]', 'failed'), delivery('slack[0]', 'dead_lettered'), delivery('webhook[1]', 'retrying')],
      }),
      { from: new Date(NOW.getTime() - 24 * H), to: NOW },
      NOW,
    );
    expect(s.incidents).toMatchObject({ started: 3, acknowledged: 2, resolved: 3, time_to_acknowledge: { median_s: 60, p90_s: 120, count: 2 }, time_to_resolve: { median_s: 600, p90_s: 1200, count: 3 } });
    expect(s.incidents.by_receiver).toEqual([{ receiver: 'team', started: 3 }]);
    expect(s.deliveries).toEqual([
      { channel: 'slack', delivered: 2, failed: 2, pending: 0, success_rate: 0.5 },
      { channel: 'webhook', delivered: 0, failed: 0, pending: 1, success_rate: null },
    ]);
  });

  it('finds the route of a group key outside quotes and braces', () => {
    expect(routeOfGroupKey('{}:{alertname="A"}')).toBe('{}');
    expect(routeOfGroupKey('{}/{job="a:b",x=~"\\"}:"}:{alertname="A:B"}')).toBe('{}/{job="a:b",x=~"\\"}:"}');
    expect(routeOfGroupKey('no-colon')).toBe('no-colon');
  });
});
