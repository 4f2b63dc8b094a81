import { describe, expect, it } from 'vitest';
import { FlushBatchMessage, RouterMessage, type EscalationMessage } from '../queues/messages';
import { ESCALATIONS_QUEUE } from '../queues/names';
import { farSchedules, groupWakeup, type Wakeup } from './timers';

const T = Date.parse('2026-12-07T10:00:00.000Z');
const MINUTE = 60_000;
const timer = (groupId: string, at: number): Wakeup => groupWakeup({ groupId, at, token: `tok-${groupId}` });

describe('farSchedules', () => {
  it('sets the group timers of one precision slot as one schedule, at the latest of their times', () => {
    const [shared, ...rest] = farSchedules([timer('g1', T + 4 * 3_600_000 + 1_000), timer('g2', T + 4 * 3_600_000 + 20_000)], MINUTE);
    expect(rest).toEqual([]);
    expect(shared!.at.getTime()).toBe(T + 4 * 3_600_000 + 20_000);
    const body = FlushBatchMessage.parse(JSON.parse(shared!.body));
    expect(body.id).toBe(shared!.name);
    expect(body.flushes.map((f) => f.groupId)).toEqual(['g1', 'g2']);
    // The router reads it as one of its messages.
    expect(RouterMessage.parse(body).kind).toBe('flushes');
  });

  it('keeps separate slots apart, and a timer alone keeps its own schedule and name (so a replacement can delete it)', () => {
    const lone = timer('g3', T + 2 * MINUTE + 5_000);
    const out = farSchedules([timer('g1', T + MINUTE - 1), timer('g2', T + MINUTE), lone], MINUTE);
    expect(out.map((s) => s.name)).toEqual([expect.stringMatching(/^flushes-/), lone.name]);
    expect(JSON.parse(out[1]!.body)).toEqual(lone.message);
    // With one-second precision the first two fall in different slots.
    expect(farSchedules([timer('g1', T + 999), timer('g2', T + 1_001)], 1_000).map((s) => s.name)).toEqual([timer('g1', T + 999).name, timer('g2', T + 1_001).name]);
  });

  it('names a batch by its flushes, so a retried router batch creates the same schedule and another batch a different one', () => {
    const a = farSchedules([timer('g1', T), timer('g2', T)], MINUTE);
    const again = farSchedules([timer('g2', T), timer('g1', T)], MINUTE);
    const other = farSchedules([timer('g1', T), timer('g4', T)], MINUTE);
    expect(again[0]!.name).toBe(a[0]!.name);
    expect(other[0]!.name).not.toBe(a[0]!.name);
    expect(a[0]!.name).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
  });

  it('puts at most 100 flushes in one schedule', () => {
    const out = farSchedules(Array.from({ length: 201 }, (_, i) => timer(`g${i}`, T)), MINUTE);
    expect(out.map((s) => (s.name.startsWith('flushes-') ? FlushBatchMessage.parse(JSON.parse(s.body)).flushes.length : 1))).toEqual([100, 100, 1]);
  });

  it('leaves other wakeups alone: storm summaries, flushes of another reason, escalation timers', () => {
    const summary: Wakeup = { at: T, name: 'storm-x-1', message: { kind: 'flush', id: 'storm.r.1', groupId: 'storm', at: T, reason: 'storm-summary', receiver: 'r', window: 1 } };
    const step: EscalationMessage = { kind: 'escalation', id: 'e1', incidentId: 'i1', token: 't', at: T, action: 'step', step: 1 };
    const escalation: Wakeup = { at: T, name: 'esc-i1-1', message: step, queue: ESCALATIONS_QUEUE };
    const out = farSchedules([summary, escalation, timer('g1', T)], MINUTE);
    expect(out.map((s) => [s.name, s.queue])).toEqual([
      ['storm-x-1', 'alerts'],
      ['esc-i1-1', ESCALATIONS_QUEUE],
      [timer('g1', T).name, 'alerts'],
    ]);
  });
});
