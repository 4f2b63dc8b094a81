import { describe, expect, it } from 'vitest';
import { receiverBackoffMs } from '../../shared/delivery/sender-handler';
import type { GateDecision } from '../../shared/store/receiver-gates';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

const NOW = 1_800_000_000_000;
const granted = (d: GateDecision) => {
  if (d.kind !== 'granted') throw new Error(`expected a lease, got ${d.kind}`);
  return d;
};

describe.each(STORE_ADAPTERS)('ReceiverGates (%s store)', (adapter) => {
  const fresh = freshStores(adapter);

  it('lets at most `slots` invocations send to one receiver at once; others are independent', async () => {
    const gates = (await fresh()).receiverGates({ slots: 2, leaseMs: 60_000, reopenAfterMs: receiverBackoffMs() });
    const decisions = await Promise.all(Array.from({ length: 6 }, () => gates.acquire('slow/webhook[0]', NOW)));
    expect(decisions.filter((d) => d.kind === 'granted')).toHaveLength(2);
    expect(decisions.filter((d) => d.kind === 'busy')).toHaveLength(4);
    expect((await gates.acquire('other/webhook[0]', NOW)).kind).toBe('granted');
    // A freed slot is taken again; a lease never released (a crashed invocation) expires.
    const [first, second] = decisions.filter((d) => d.kind === 'granted').map(granted);
    await gates.release(first!.lease, { kind: 'up' }, NOW + 10);
    expect((await gates.acquire('slow/webhook[0]', NOW + 20)).kind).toBe('granted');
    expect((await gates.acquire('slow/webhook[0]', NOW + 30)).kind).toBe('busy');
    expect((await gates.acquire('slow/webhook[0]', NOW + 60_001)).kind).toBe('granted');
    // The expired lease's late release does not free the slot its successor holds.
    await gates.release(second!.lease, { kind: 'unknown' }, NOW + 60_002);
    expect((await gates.acquire('slow/webhook[0]', NOW + 60_003)).kind).toBe('busy');
  });

  it('backs a failing receiver off on its own schedule, then probes it with one send until one succeeds', async () => {
    const gates = (await fresh()).receiverGates({ slots: 2, random: () => 0, reopenAfterMs: receiverBackoffMs(() => 0) });
    const gate = 'down/webhook[0]';
    const first = granted(await gates.acquire(gate, NOW));
    expect(first.probe).toBe(false);
    const reopens = await gates.release(first.lease, { kind: 'down' }, NOW);
    // Jitter at its floor: 1 s.
    expect(reopens).toBe(NOW + 1_000);
    expect(await gates.acquire(gate, NOW + 999)).toEqual({ kind: 'backing_off', untilMs: NOW + 1_000 });
    const probe = granted(await gates.acquire(gate, NOW + 1_000));
    expect(probe.probe).toBe(true);
    // A Retry-After wins over the schedule.
    expect(await gates.release(probe.lease, { kind: 'down', retryAfterMs: 3_600_000 }, NOW + 1_000)).toBe(NOW + 1_000 + 3_600_000);
    expect((await gates.acquire(gate, NOW + 3_600_000)).kind).toBe('backing_off');
    const again = granted(await gates.acquire(gate, NOW + 3_601_000));
    await gates.release(again.lease, { kind: 'up' }, NOW + 3_601_000);
    expect(granted(await gates.acquire(gate, NOW + 3_601_001)).probe).toBe(false);
  });

  it('says a receiver is proven once a release found it up, until a failure', async () => {
    const gates = (await fresh()).receiverGates({ slots: 2, random: () => 0, reopenAfterMs: receiverBackoffMs(() => 0) });
    const gate = 'hook/webhook[0]';
    const first = granted(await gates.acquire(gate, NOW));
    expect(first.proven).toBe(false);
    // Released without a verdict (nothing sent): still unknown.
    await gates.release(first.lease, { kind: 'unknown' }, NOW);
    const second = granted(await gates.acquire(gate, NOW + 1));
    expect(second.proven).toBe(false);
    await gates.release(second.lease, { kind: 'up' }, NOW + 1);
    const third = granted(await gates.acquire(gate, NOW + 2));
    expect(third.proven).toBe(true);
    await gates.release(third.lease, { kind: 'down' }, NOW + 2);
    const probe = granted(await gates.acquire(gate, NOW + 1_002));
    expect(probe).toMatchObject({ probe: true, proven: false });
    await gates.release(probe.lease, { kind: 'up' }, NOW + 1_002);
    expect(granted(await gates.acquire(gate, NOW + 1_003)).proven).toBe(true);
  });

  it('probes a failing receiver with one invocation at a time, however many slots are free', async () => {
    const gates = (await fresh()).receiverGates({ slots: 2, random: () => 0, reopenAfterMs: receiverBackoffMs(() => 0) });
    const gate = 'restarted/webhook[0]';
    const first = granted(await gates.acquire(gate, NOW));
    await gates.release(first.lease, { kind: 'down' }, NOW);
    // The gate reopens; two invocations arrive at once (as after a restart): one probes, one waits.
    const decisions = await Promise.all([gates.acquire(gate, NOW + 1_000), gates.acquire(gate, NOW + 1_000)]);
    expect(decisions.map((d) => d.kind).sort()).toEqual(['busy', 'granted']);
    const probe = granted(decisions.find((d) => d.kind === 'granted')!);
    expect(probe.probe).toBe(true);
    expect((await gates.acquire(gate, NOW + 1_500)).kind).toBe('busy');
    // The probe succeeds: the receiver is healthy again, and both slots serve it.
    await gates.release(probe.lease, { kind: 'up' }, NOW + 2_000);
    const both = await Promise.all([gates.acquire(gate, NOW + 2_001), gates.acquire(gate, NOW + 2_001)]);
    expect(both.map((d) => d.kind)).toEqual(['granted', 'granted']);
  });

  it('doubles the back-off with each failed probe, up to the cap', async () => {
    const gates = (await fresh()).receiverGates({ slots: 1, random: () => 0.999999, reopenAfterMs: receiverBackoffMs(() => 0.999999) });
    const gate = 'doubling/webhook[0]';
    let t = NOW;
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const lease = granted(await gates.acquire(gate, t)).lease;
      const until = (await gates.release(lease, { kind: 'down' }, t))!;
      waits.push((until - t) / 1000);
      t = until;
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
  });
});
