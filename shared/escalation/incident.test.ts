import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  ackLapsed,
  alreadyRan,
  escalateNow,
  IncidentStateError,
  pendingTimer,
  replayStep,
  resolveIncident,
  resume,
  startIncident,
  suspend,
  stepDue,
  unacknowledge,
  type EscalationTimer,
  type Incident,
  type IncidentEvent,
  type Transition,
} from './incident';
import type { EscalationPolicy } from './policy';

const S = 1000;
const POLICY: EscalationPolicy = {
  name: 'critical',
  steps: [
    { notify: ['team'], waitMs: 10 * S },
    { notify: ['sms', 'pd'], waitMs: 15 * S },
    { notify: ['managers'], waitMs: 5 * S },
  ],
  repeat: 1,
  ackTimeoutMs: 30 * S,
  ackAllowed: true,
  notifyOn: ['ack', 'resolve'],
};

let n = 0;
const tok = () => `t${++n}`;
const start = (policy = POLICY, at = 0): Transition =>
  startIncident({ id: 'inc-1', groupId: 'g', groupKey: 'k', groupLabels: { alertname: 'X' }, routeReceiver: 'team', policy, token: 't0' }, at);

describe('incident transitions', () => {
  it('starts triggered, runs step 1 without the route receiver, and arms step 2', () => {
    const t = start();
    expect(t.next).toMatchObject({ state: 'triggered', version: 1, ran: { loop: 0, step: 0, receivers: [] }, next: { loop: 0, step: 1, at: 10 * S }, paged: ['team'] });
    expect(t.event).toMatchObject({ kind: 'triggered', notify: [] });
    expect(t.effects.timer).toEqual({ incidentId: 'inc-1', token: 't0', at: 10 * S, action: 'step', ref: { loop: 0, step: 1 } });
  });

  it('runs each step once when its timer fires, then repeats the chain, then stops', () => {
    let i = start().next;
    const seen: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const timer = pendingTimer(i);
      if (!timer) break;
      const t = stepDue(i, timer, timer.at)!;
      seen.push(`${t.event.loop}.${t.event.step}@${t.event.at / S}:${t.effects.page!.receivers.join('+')}`);
      // The same timer again is stale (the step ran), but recognised as a redelivery.
      expect(stepDue(t.next, timer, timer.at + 1)).toBeUndefined();
      expect(alreadyRan(t.next, timer)).toBe(true);
      expect(replayStep(t.next).page).toEqual(t.effects.page);
      i = t.next;
    }
    expect(seen).toEqual(['0.1@10:sms+pd', '0.2@25:managers', '1.0@30:team', '1.1@40:sms+pd', '1.2@55:managers']);
    expect(i.next).toBeUndefined();
    expect(i.paged).toEqual(['team', 'sms', 'pd', 'managers']);
  });

  it('ignores a timer of another token or step', () => {
    const i = start().next;
    expect(stepDue(i, { incidentId: i.id, token: 'old', at: 10 * S, action: 'step', ref: { loop: 0, step: 1 } }, 10 * S)).toBeUndefined();
    expect(stepDue(i, { incidentId: i.id, token: 't0', at: 10 * S, action: 'step', ref: { loop: 0, step: 2 } }, 10 * S)).toBeUndefined();
  });

  it('an ack stops the chain (its timer is cancelled), arms the ack timeout, and tells the paged', () => {
    const i = start().next;
    const t = acknowledge(i, 'alice', 5 * S, 't1');
    expect(t.next).toMatchObject({ state: 'acknowledged', token: 't1', acknowledged: { by: 'alice', at: 5 * S }, ackExpiresAt: 35 * S });
    expect(t.effects.cancel).toMatchObject({ token: 't0', ref: { loop: 0, step: 1 } });
    expect(t.effects.timer).toEqual({ incidentId: 'inc-1', token: 't1', at: 35 * S, action: 'ack-timeout' });
    expect(t.effects.tell).toEqual({ event: 'ack', receivers: ['team'] });
    // The step's old timer does nothing now.
    expect(stepDue(t.next, { incidentId: i.id, token: 't0', at: 10 * S, action: 'step', ref: { loop: 0, step: 1 } }, 10 * S)).toBeUndefined();
    // The lapse re-pages the step it stopped at (step 1, the route's receiver included this time).
    const lapse = ackLapsed(t.next, t.effects.timer!, 35 * S, 't2')!;
    expect(lapse.next).toMatchObject({ state: 'triggered', token: 't2', acknowledged: undefined, next: { loop: 0, step: 1, at: 45 * S } });
    expect(lapse.event.kind).toBe('retriggered');
    expect(lapse.effects.page).toMatchObject({ loop: 0, step: 0, receivers: ['team'], token: 't2' });
    // Not before it is due, and not under another token.
    expect(ackLapsed(t.next, t.effects.timer!, 34 * S, 'x')).toBeUndefined();
    expect(ackLapsed(t.next, { ...t.effects.timer!, token: 't0' }, 36 * S, 'x')).toBeUndefined();
  });

  it('refuses what the state or policy forbids, with the state', () => {
    const i = start().next;
    expect(() => acknowledge(i, 'a', 1, 'x') && acknowledge(acknowledge(i, 'a', 1, 'x').next, 'b', 2, 'y')).toThrow(/acknowledged \(by a\)/);
    expect(() => unacknowledge(i, 'a', 1, 'x')).toThrow(IncidentStateError);
    expect(() => acknowledge({ ...i, policy: { ...POLICY, ackAllowed: false } }, 'a', 1, 'x')).toThrow(/ack_allowed: false/);
    const resolved = resolveIncident(i, 'bob', 1, 'r').next;
    for (const act of [acknowledge, resolveIncident, escalateNow, unacknowledge]) {
      try {
        act(resolved, 'a', 2, 'x');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(IncidentStateError);
        expect((err as IncidentStateError).state).toBe('resolved');
        expect((err as IncidentStateError).status).toBe(409);
      }
    }
    let last = start(POLICY).next;
    for (const timer of [pendingTimer(last), undefined]) if (timer) last = stepDue(last, timer, timer.at)!.next;
    const end = { ...last, ran: { loop: 1, step: 2, at: 0, token: last.token, receivers: [] } };
    expect(() => escalateNow(end, 'a', 1, 'x')).toThrow(/no step to escalate to/);
  });
});

/**
 * Random interleavings over many incidents: timers delivered late, twice, out of order, alongside
 * acks, unacks, resolves and escalations from people. Invariants on the audit log.
 */
describe('incident invariants (property)', () => {
  type Op = { kind: 'timer'; pick: number; dup: boolean } | { kind: 'ack' | 'unack' | 'resolve' | 'escalate' | 'mute' | 'unmute' } | { kind: 'wait'; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('timer' as const), pick: fc.nat(), dup: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'ack' as const }, { kind: 'unack' as const }, { kind: 'resolve' as const }, { kind: 'escalate' as const }) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'mute' as const }, { kind: 'unmute' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40 * S }) }) },
  );
  const policy: fc.Arbitrary<EscalationPolicy> = fc.record({
    name: fc.constant('p'),
    steps: fc.array(fc.record({ notify: fc.subarray(['team', 'sms', 'pd', 'mgr'], { minLength: 1 }), waitMs: fc.integer({ min: 1, max: 20 }).map((s) => s * S) }), { minLength: 1, maxLength: 4 }),
    repeat: fc.integer({ min: 0, max: 3 }),
    ackTimeoutMs: fc.option(fc.integer({ min: 1, max: 60 }).map((s) => s * S), { nil: undefined }),
    ackAllowed: fc.boolean(),
    notifyOn: fc.constant(['ack', 'resolve'] as Array<'ack' | 'resolve'>),
  });

  it('never runs a step after an ack (until it is undone), never runs one twice, and leaves nothing pending once resolved', () => {
    fc.assert(
      fc.property(policy, fc.array(op, { maxLength: 60 }), (p, ops) => {
        let now = 0;
        const first = start(p, now);
        let incident: Incident = first.next;
        const log: IncidentEvent[] = [first.event];
        // Timers in flight: what the transitions armed, delivered in any order, some twice.
        let inflight: EscalationTimer[] = first.effects.timer ? [first.effects.timer] : [];
        const apply = (t: Transition | undefined) => {
          if (!t) return;
          expect(t.next.version).toBe(incident.version + 1);
          incident = t.next;
          log.push(t.event);
          if (t.effects.timer) inflight.push(t.effects.timer);
        };
        for (const o of ops) {
          if (o.kind === 'wait') {
            now += o.ms;
            continue;
          }
          if (o.kind === 'timer') {
            if (inflight.length === 0) continue;
            const idx = o.pick % inflight.length;
            const timer = inflight[idx]!;
            if (!o.dup) inflight = inflight.filter((_, j) => j !== idx);
            const at = Math.max(now, timer.at);
            now = at;
            apply(timer.action === 'step' ? stepDue(incident, timer, at) : ackLapsed(incident, timer, at, tok()));
            continue;
          }
          if (o.kind === 'mute') {
            apply(suspend(incident, 'silenced', now, tok()));
            continue;
          }
          if (o.kind === 'unmute') {
            apply(resume(incident, now, tok()));
            continue;
          }
          try {
            const actions = { ack: acknowledge, unack: unacknowledge, resolve: resolveIncident, escalate: escalateNow } as const;
            apply(actions[o.kind](incident, 'someone', now, tok()));
          } catch (err) {
            if (!(err instanceof IncidentStateError)) throw err;
          }
        }
        // No step after an ack, nor while the group is muted, unless something re-triggered it in between.
        let acked = false;
        let muted = false;
        for (const e of log) {
          if (e.kind === 'acknowledged') acked = true;
          if (e.kind === 'suspended') muted = true;
          if (e.kind === 'resumed') muted = false;
          if (e.kind === 'unacknowledged' || e.kind === 'retriggered' || e.kind === 'escalated') acked = muted = false;
          if (e.kind === 'step') expect(acked || muted).toBe(false);
        }
        // No step twice: each event id (token, run, step) once.
        const ids = log.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        // Nothing after a resolve, and every timer still in flight is stale.
        const resolvedAt = log.findIndex((e) => e.kind === 'resolved');
        if (resolvedAt >= 0) {
          expect(resolvedAt).toBe(log.length - 1);
          expect(pendingTimer(incident)).toBeUndefined();
          for (const t of inflight) expect(t.action === 'step' ? stepDue(incident, t, t.at + 1e9) : ackLapsed(incident, t, t.at + 1e9, 'z')).toBeUndefined();
        }
        // An acknowledged incident is only woken by its own ack timeout.
        if (incident.state === 'acknowledged') {
          for (const t of inflight) if (t.action === 'step') expect(stepDue(incident, t, t.at + 1e9)).toBeUndefined();
        }
      }),
      { numRuns: 1000 },
    );
  });
});
