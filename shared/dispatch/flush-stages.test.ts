import { describe, expect, it } from 'vitest';
import { channelEntries } from '../channels/keys';
import { parseConfigYaml } from '../config/loader';
import { noEffects } from './effects';
import {
  cooldownHoldStage,
  cooldownStage,
  dedupStage,
  dropResolvedStage,
  FLUSH_STAGES,
  followUpsStage,
  inhibitionStage,
  notifyStage,
  runFlush,
  silencesStage,
  stormStage,
  timeIntervalsStage,
  type FlushContext,
  type FlushDraft,
  type FlushStage,
} from './flush-stages';
import type { GroupAlert, GroupState } from '../grouping/model';
import type { InhibitionSource } from '../inhibition/rules';
import { compileConfig } from '../runtime/compiled-config';
import { cooldownKey } from '../store/noise';
import type { Silence } from '../silences/model';
import { groupState } from '../../test/support/group-state';
import { SIM_RECEIVERS } from '../../test/support/router-sim';

/** Each stage of a flush alone, on a hand-made draft: what it passes on, what it ends, what it asks for. */
const NOW = Date.parse('2026-12-07T12:00:00Z');
const M = 60_000;

function alert(name: string, opts: { status?: 'firing' | 'resolved'; labels?: Record<string, string>; endsAt?: number } = {}): GroupAlert {
  return {
    fingerprint: `fp-${name}`,
    status: opts.status ?? 'firing',
    labels: { alertname: 'Disk', instance: name, ...opts.labels },
    annotations: {},
    startsAt: new Date(NOW - 10 * M).toISOString(),
    ...(opts.endsAt !== undefined ? { endsAt: new Date(opts.endsAt).toISOString() } : {}),
    source: 'generic',
  };
}

interface Fixture {
  ctx: FlushContext;
  wakes: number[];
  ticks: number;
  reserved: number;
  held: number[];
}

function fixture(
  yaml: string,
  io: { silences?: Silence[]; sources?: InhibitionSource[]; cooldowns?: Map<string, number>; stormFull?: boolean; now?: number } = {},
): Fixture {
  const config = compileConfig(parseConfigYaml(yaml, 'test.yaml'));
  // The first child route when there is one (some settings are not allowed on the root).
  const route = config.routeTree.routes[0] ?? config.routeTree;
  const receiver = config.receivers.get(route.receiver)!;
  const f: Fixture = { wakes: [], ticks: 0, reserved: 0, held: [], ctx: undefined as unknown as FlushContext };
  f.ctx = {
    route,
    receiver,
    channels: channelEntries(receiver),
    config,
    reads: {
      silences: async () => io.silences ?? [],
      inhibitionSources: async () => io.sources ?? [],
      cooldowns: { getMany: async (keys) => new Map(keys.flatMap((k) => (io.cooldowns?.has(k.pk) ? [[k.pk, io.cooldowns.get(k.pk)!]] : []))), start: async () => {} },
    },
    storms: {
      reserve: async () => {
        f.reserved++;
        return !io.stormFull;
      },
      hold: async (_r, _s, _w, alerts) => void f.held.push(alerts),
      get: async () => undefined,
    },
    incidents: { get: async () => undefined },
    newToken: () => 'tok',
    now: new Date(io.now ?? NOW),
    effects: noEffects(),
    wake: (at) => void f.wakes.push(at),
    tick: () => {
      f.ticks++;
      return NOW + 5 * M;
    },
  };
  return f;
}

const ROUTE = `route: { receiver: team, group_by: [alertname], repeat_interval: 4h }\n${SIM_RECEIVERS}`;

const draftOf = (group: GroupState, over: Partial<FlushDraft> = {}): FlushDraft => ({ group, changed: false, mutes: new Map(), cooldown: { alerts: new Map() }, ...over });

async function run(stage: FlushStage, draft: FlushDraft, f: Fixture) {
  const outcome = await stage.run(draft, f.ctx);
  return 'done' in outcome ? { done: true, draft: outcome.done } : { done: false, draft: outcome.next };
}

const silence = (matcher: { name: string; value: string }, endsAt: number): Silence => ({
  id: 's1',
  matchers: [{ ...matcher, isRegex: false, isEqual: true }],
  starts_at: new Date(NOW - M).toISOString(),
  ends_at: new Date(endsAt).toISOString(),
  created_by: 'me',
  comment: 'test',
  updated_at: new Date(NOW - M).toISOString(),
});

describe('flush stages', () => {
  it('run in the order of Alertmanager\'s pipeline, then alertflow\'s own', () => {
    expect(FLUSH_STAGES.map((s) => s.name)).toEqual([
      'time-intervals',
      'inhibition',
      'silences',
      'cooldown',
      'dedup',
      'storm',
      'notify',
      'escalation',
      'cooldown-hold',
      'follow-ups',
      'drop-resolved',
    ]);
  });

  describe('time-intervals', () => {
    const muted = `
route: { receiver: team, group_by: [alertname], routes: [{ matchers: ['alertname="Disk"'], mute_time_intervals: [always] }] }
time_intervals:
  - name: always
    time_intervals: [{ weekdays: ['sunday:saturday'] }]
${SIM_RECEIVERS}`;

    it('ends a muted flush, re-checks on the next tick and still drops resolved alerts', async () => {
      const f = fixture(muted);
      const g = groupState('g', [alert('a'), alert('b', { status: 'resolved', endsAt: NOW - M })], NOW);
      const out = await run(timeIntervalsStage, draftOf(g), f);
      expect(out.done).toBe(true);
      expect(Object.keys(out.draft.group.alerts)).toEqual(['fp-a']);
      expect(Object.keys(out.draft.group.recentlyResolved ?? {})).toEqual(['fp-b']);
      expect(f.wakes).toEqual([NOW + 5 * M]);
    });

    it('passes an unmuted flush on untouched', async () => {
      const f = fixture(ROUTE);
      const d = draftOf(groupState('g', [alert('a')], NOW));
      const out = await run(timeIntervalsStage, d, f);
      expect(out).toEqual({ done: false, draft: d });
      expect(f.wakes).toEqual([]);
    });
  });

  describe('inhibition', () => {
    const inhibiting = `
route: { receiver: team, group_by: [alertname] }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [instance]
${SIM_RECEIVERS}`;

    it('mutes the targets a live source inhibits, names the source, and re-checks on the tick', async () => {
      const source: InhibitionSource = { fingerprint: 'fp-src', labels: { alertname: 'Down', instance: 'a', severity: 'critical' }, status: 'firing' };
      const f = fixture(inhibiting, { sources: [source] });
      const g = groupState('g', [alert('a', { labels: { severity: 'warning' } }), alert('b', { labels: { severity: 'warning' } })], NOW);
      const out = await run(inhibitionStage, draftOf(g), f);
      expect([...out.draft.mutes]).toEqual([['fp-a', { inhibitedBy: 'fp-src' }]]);
      expect(f.ticks).toBe(1);
    });

    it('passes on without a tick when nothing is inhibited', async () => {
      const f = fixture(inhibiting);
      const out = await run(inhibitionStage, draftOf(groupState('g', [alert('a', { labels: { severity: 'warning' } })], NOW)), f);
      expect(out.draft.mutes.size).toBe(0);
      expect(f.ticks).toBe(0);
    });
  });

  describe('silences', () => {
    it('mutes matching alerts beside their inhibition, and wakes the group at the tick and when the silence ends', async () => {
      const f = fixture(ROUTE, { silences: [silence({ name: 'instance', value: 'a' }, NOW + 30 * M)] });
      const g = groupState('g', [alert('a'), alert('b')], NOW);
      const out = await run(silencesStage, draftOf(g, { mutes: new Map([['fp-a', { inhibitedBy: 'fp-src' }]]) }), f);
      expect([...out.draft.mutes]).toEqual([['fp-a', { inhibitedBy: 'fp-src', silencedBy: ['s1'] }]]);
      expect(f.wakes.sort()).toEqual([NOW + 5 * M, NOW + 30 * M]);
    });

    it('does not wake the group for a silence that only mutes resolved alerts', async () => {
      const f = fixture(ROUTE, { silences: [silence({ name: 'instance', value: 'b' }, NOW + 30 * M)] });
      const g = groupState('g', [alert('a'), alert('b', { status: 'resolved', endsAt: NOW - M })], NOW);
      const out = await run(silencesStage, draftOf(g), f);
      expect([...out.draft.mutes.keys()]).toEqual(['fp-b']);
      expect(f.wakes).toEqual([]);
    });
  });

  describe('cooldown and dedup', () => {
    const cooling = `route: { receiver: team, group_by: [alertname], cooldown: 10m }\n${SIM_RECEIVERS}`;

    it('cooldown reads the live cooldown of the group', async () => {
      const f = fixture(cooling, { cooldowns: new Map([[cooldownKey('team', { groupId: 'g' }).pk, NOW + 3 * M]]) });
      const out = await run(cooldownStage, draftOf(groupState('g', [alert('a')], NOW)), f);
      expect(out.draft.cooldown.group).toBe(NOW + 3 * M);
    });

    it('dedup plans a notification per channel for news, leaving muted alerts out', async () => {
      const f = fixture(ROUTE);
      const g = groupState('g', [alert('a'), alert('b')], NOW);
      const out = await run(dedupStage, draftOf(g, { mutes: new Map([['fp-b', { silencedBy: ['s1'] }]]) }), f);
      expect(out.draft.plan?.updated).toEqual(['webhook.0', 'webhook.1']);
      expect(out.draft.plan?.nflog['webhook.0']).toEqual({ firing: ['fp-a'], resolved: [], at: NOW });
      expect(out.draft.plan?.paged).toEqual(['fp-a']);
    });

    it('dedup holds new pages while a cooldown runs, and plans nothing already told', async () => {
      const f = fixture(ROUTE);
      const told = { firing: ['fp-a'], resolved: [], at: NOW - M };
      const g = groupState('g', [alert('a'), alert('b')], NOW, { nflog: { 'webhook.0': told, 'webhook.1': told } });
      const out = await run(dedupStage, draftOf(g, { cooldown: { group: NOW + 3 * M, alerts: new Map() } }), f);
      expect(out.draft.plan?.updated).toEqual([]);
      expect(out.draft.plan?.cooldownHeld).toEqual(['fp-b']);
      expect(out.draft.plan?.cooldownUntil).toBe(NOW + 3 * M);
    });
  });

  describe('storm', () => {
    const stormy = `
route: { receiver: team, group_by: [alertname] }
receivers:
  - name: team
    storm_protection: { max_notifications: 1, window: 10m }
    webhook_configs: [{ url: 'http://127.0.0.1:9/all' }]
`;
    const planned = async (f: Fixture, g: GroupState) => (await run(dedupStage, draftOf(g), f)).draft;

    it('passes a flush the window still has room for', async () => {
      const f = fixture(stormy);
      const out = await run(stormStage, await planned(f, groupState('g', [alert('a')], NOW)), f);
      expect(out.done).toBe(false);
      expect(f.reserved).toBe(1);
    });

    it('holds a flush past the limit until the window ends and asks for the summary once', async () => {
      const f = fixture(stormy, { stormFull: true });
      const g = groupState('g', [alert('a'), alert('b')], NOW);
      const out = await run(stormStage, await planned(f, g), f);
      const windowEnd = Math.floor(NOW / (10 * M)) * 10 * M + 10 * M;
      expect(out.done).toBe(true);
      expect(out.draft.group.hold).toEqual({ reason: 'storm', until: windowEnd, fingerprints: ['fp-a', 'fp-b'] });
      expect(out.draft.changed).toBe(true);
      expect(f.held).toEqual([2]);
      expect(f.ctx.effects.stormSummaries).toEqual([{ receiver: 'team', window: windowEnd - 10 * M, at: windowEnd }]);
      // Held already in this window: nothing counted or asked for again.
      const again = await run(stormStage, { ...(await planned(f, out.draft.group)), changed: false }, f);
      expect(again.done).toBe(true);
      expect(again.draft.changed).toBe(false);
      expect(f.held).toEqual([2]);
      expect(f.ctx.effects.stormSummaries).toHaveLength(1);
    });

    it('reserves nothing when there is nothing to send', async () => {
      const f = fixture(stormy, { stormFull: true });
      const told = { firing: ['fp-a'], resolved: [], at: NOW - M };
      const out = await run(stormStage, await planned(f, groupState('g', [alert('a')], NOW, { nflog: { 'webhook.0': told } })), f);
      expect(out.done).toBe(false);
      expect(f.reserved).toBe(0);
    });
  });

  describe('notify', () => {
    it('records what is sent as in flight, counts the flush and starts a cooldown for the pages', async () => {
      const f = fixture(`route: { receiver: team, group_by: [alertname], cooldown: 10m }\n${SIM_RECEIVERS}`);
      const g = groupState('g', [alert('a')], NOW);
      const planned = (await run(dedupStage, draftOf(g), f)).draft;
      const out = await run(notifyStage, planned, f);
      expect(out.draft.changed).toBe(true);
      expect(out.draft.group.flushSeq).toBe(1);
      expect(out.draft.group.lastSentAt).toBe(NOW);
      expect(out.draft.group.sending).toEqual({
        'webhook.0': { firing: ['fp-a'], resolved: [], at: NOW, seq: 1 },
        'webhook.1': { firing: ['fp-a'], resolved: [], at: NOW, seq: 1 },
      });
      expect(out.draft.group.lastWrite.flush).toEqual({ at: NOW, seq: 1, resolved: [], paged: ['fp-a'] });
      expect(f.ctx.effects.cooldowns).toEqual([{ key: cooldownKey('team', { groupId: 'g' }), until: NOW + 10 * M }]);
    });

    it('logs at once, without a send, what a channel would not be shown (a resolve to send_resolved: false)', async () => {
      const f = fixture(ROUTE);
      const told = { firing: ['fp-a'], resolved: [], at: NOW - M };
      const g = groupState('g', [alert('a', { status: 'resolved', endsAt: NOW - 1000 })], NOW, { nflog: { 'webhook.0': told, 'webhook.1': told } });
      const out = await run(notifyStage, (await run(dedupStage, draftOf(g), f)).draft, f);
      expect(out.draft.group.sending).toEqual({ 'webhook.0': { firing: [], resolved: ['fp-a'], at: NOW, seq: 1 } });
      expect(out.draft.group.nflog['webhook.1']).toEqual({ firing: [], resolved: ['fp-a'], at: NOW });
    });

    it('passes on untouched when dedup found no news', async () => {
      const f = fixture(ROUTE);
      const d = draftOf(groupState('g', [alert('a')], NOW), { plan: { nflog: {}, updated: [], paged: [], cooldownHeld: [] } });
      expect((await run(notifyStage, d, f)).draft).toBe(d);
    });
  });

  describe('cooldown-hold, follow-ups and drop-resolved', () => {
    it('cooldown-hold remembers held pages and wakes the group when the cooldown ends; clears a hold that ended', async () => {
      const f = fixture(ROUTE);
      const g = groupState('g', [alert('a')], NOW);
      const held = await run(cooldownHoldStage, draftOf(g, { plan: { nflog: {}, updated: [], paged: [], cooldownHeld: ['fp-a'], cooldownUntil: NOW + 3 * M } }), f);
      expect(held.draft.group.hold).toEqual({ reason: 'cooldown', until: NOW + 3 * M, fingerprints: ['fp-a'] });
      expect(f.wakes).toEqual([NOW + 3 * M]);
      const cleared = await run(cooldownHoldStage, draftOf(held.draft.group, { plan: { nflog: {}, updated: [], paged: [], cooldownHeld: [] } }), f);
      expect(cleared.draft.group.hold).toBeUndefined();
      expect(cleared.draft.changed).toBe(true);
    });

    it('follow-ups wake the group for its repeat (just after repeat_interval, as Alertmanager) and for a firing alert\'s ends_at', async () => {
      const f = fixture(ROUTE);
      const told = { firing: ['fp-a'], resolved: [], at: NOW };
      const g = groupState('g', [alert('a', { endsAt: NOW + 20 * M })], NOW, { nflog: { 'webhook.0': told } });
      await run(followUpsStage, draftOf(g), f);
      expect(f.wakes.sort()).toEqual([NOW + 20 * M, NOW + 4 * 60 * M + 1]);
    });

    it('drop-resolved moves resolved alerts to the recently resolved ones', async () => {
      const f = fixture(ROUTE);
      const g = groupState('g', [alert('a'), alert('b', { status: 'resolved', endsAt: NOW - M })], NOW);
      const out = await run(dropResolvedStage, draftOf(g), f);
      expect(Object.keys(out.draft.group.alerts)).toEqual(['fp-a']);
      expect(out.draft.group.recentlyResolved?.['fp-b']?.resolvedAt).toBe(new Date(NOW - M).toISOString());
      expect(out.draft.changed).toBe(true);
    });
  });

  describe('runFlush', () => {
    it('stops at the stage that ends the flush: nothing after it runs', async () => {
      const f = fixture(ROUTE);
      const seen: string[] = [];
      const stage = (name: string, end = false): FlushStage => ({ name, run: (d) => (seen.push(name), end ? { done: { ...d, changed: true } } : { next: d }) });
      const out = await runFlush(groupState('g', [alert('a')], NOW), f.ctx, [stage('one'), stage('two', true), stage('three')]);
      expect(seen).toEqual(['one', 'two']);
      expect(out.changed).toBe(true);
    });

    it('clears the first-flush wait, which alone makes the group changed', async () => {
      const f = fixture(ROUTE);
      const out = await runFlush(groupState('g', [alert('a')], NOW, { firstFlushAt: NOW }), f.ctx, []);
      expect(out.group.firstFlushAt).toBeUndefined();
      expect(out.changed).toBe(true);
    });
  });
});
