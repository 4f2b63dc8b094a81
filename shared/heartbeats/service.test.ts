import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors';
import { pinged, type Heartbeat, type HeartbeatState, type HeartbeatStore } from './heartbeat';
import { tickHeartbeats } from './service';
import { silentLogger } from '../log';
import type { IngestMessage } from '../queues/messages';
import type { OutgoingMessage } from '../queues/port';

/**
 * The race the checks tick closes: a ping that lands between the tick's read and its write of the
 * state that marks the heartbeat missing. The firing is already sent; the tick resolves it at once.
 */
const HB: Heartbeat = { name: 'backup', everyMs: 60_000, graceMs: 0, matchers: undefined, labels: {}, annotations: {} };
const T0 = Date.parse('2026-12-07T09:00:00Z');

/** A store holding one state; `beforePut` runs once before the next put (a ping landing first). */
function store(initial: HeartbeatState): HeartbeatStore & { state: HeartbeatState; beforePut?: () => void } {
  const s = {
    state: initial,
    beforePut: undefined as (() => void) | undefined,
    async getMany(names: readonly string[]) {
      return new Map(names.includes(s.state.name) ? [[s.state.name, s.state]] : []);
    },
    async put(next: HeartbeatState) {
      const hook = s.beforePut;
      s.beforePut = undefined;
      hook?.();
      if (next.version !== s.state.version + 1) throw new ConflictError('changed concurrently');
      s.state = next;
    },
  };
  return s;
}

function run(heartbeats: ReturnType<typeof store>, now: number) {
  const sent: OutgoingMessage[] = [];
  const deps = {
    config: { heartbeats: new Map([[HB.name, HB]]) },
    heartbeats,
    queues: { send: async (_q: string, m: OutgoingMessage[]) => void sent.push(...m), changeVisibility: async () => {} },
    clock: () => new Date(now),
    log: silentLogger,
  };
  const statuses = () => sent.flatMap((m) => (JSON.parse(m.body) as IngestMessage).alerts.map((a) => `${a.status}@${a.startsAt}`));
  return { done: tickHeartbeats(deps, 1_000), statuses };
}

describe('tickHeartbeats', () => {
  it('resolves at once a firing that a ping overtook between the read and the write', async () => {
    const ok: HeartbeatState = { name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0, status: 'ok', version: 3 };
    const s = store(ok);
    // The ping lands after the tick read `ok` and before it writes `missing`.
    s.beforePut = () => (s.state = pinged(s.state, 'backup', T0 + 60_500));
    const { done, statuses } = run(s, T0 + 61_000);
    expect(await done).toEqual({ missing: ['backup'], wentMissing: ['backup'] });
    const spell = new Date(T0 + 60_000).toISOString();
    expect(statuses()).toEqual([`firing@${spell}`, `resolved@${spell}`]);
    // The ping's state stands: ok, not missing.
    expect(s.state).toMatchObject({ status: 'ok', lastPingAt: T0 + 60_500 });
  });

  it('sends no resolve when what wrote first was no ping (another tick marking it missing)', async () => {
    const ok: HeartbeatState = { name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0, status: 'ok', version: 3 };
    const s = store(ok);
    s.beforePut = () => (s.state = { ...s.state, status: 'missing', missingSince: T0 + 60_000, version: 4 });
    const { done, statuses } = run(s, T0 + 61_000);
    await done;
    expect(statuses()).toEqual([`firing@${new Date(T0 + 60_000).toISOString()}`]);
  });

  it('without a race, goes missing and fires once', async () => {
    const s = store({ name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0, status: 'ok', version: 3 });
    const { done, statuses } = run(s, T0 + 61_000);
    await done;
    expect(statuses()).toEqual([`firing@${new Date(T0 + 60_000).toISOString()}`]);
    expect(s.state).toMatchObject({ status: 'missing', missingSince: T0 + 60_000, version: 4 });
  });
});
