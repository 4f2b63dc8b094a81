import { describe, expect, it } from 'vitest';
import { needsUpdate } from './nflog';

/** Alertmanager's DedupStage.needsUpdate, case by case (notify/notify_test.go covers the same table). */
describe('needsUpdate', () => {
  const now = 10_000_000;
  const repeat = 3_600_000;
  const entry = (firing: string[], resolved: string[], at = now - 60_000) => ({ firing, resolved, at });
  const set = (...xs: string[]) => new Set(xs);

  it('notifies a group never notified only when something fires', () => {
    expect(needsUpdate(undefined, set('a'), set(), true, repeat, now)).toBe(true);
    expect(needsUpdate(undefined, set(), set('a'), true, repeat, now)).toBe(false);
  });

  it('notifies a new firing alert, not a firing alert already notified', () => {
    expect(needsUpdate(entry(['a'], []), set('a', 'b'), set(), false, repeat, now)).toBe(true);
    expect(needsUpdate(entry(['a', 'b'], []), set('a'), set(), false, repeat, now)).toBe(false);
  });

  it('notifies when every notified alert resolved, with or without send_resolved', () => {
    expect(needsUpdate(entry(['a'], []), set(), set('a'), false, repeat, now)).toBe(true);
    expect(needsUpdate(entry(['a'], []), set(), set('a'), true, repeat, now)).toBe(true);
    // Fired and resolved between flushes: the channel never knew.
    expect(needsUpdate(entry([], ['x']), set(), set('a'), true, repeat, now)).toBe(false);
  });

  it('notifies a partial resolve only with send_resolved', () => {
    expect(needsUpdate(entry(['a', 'b'], []), set('b'), set('a'), true, repeat, now)).toBe(true);
    expect(needsUpdate(entry(['a', 'b'], []), set('b'), set('a'), false, repeat, now)).toBe(false);
    expect(needsUpdate(entry(['b'], ['a']), set('b'), set('a'), true, repeat, now)).toBe(false);
  });

  it('repeats strictly after repeat_interval', () => {
    expect(needsUpdate(entry(['a'], [], now - repeat), set('a'), set(), true, repeat, now)).toBe(false);
    expect(needsUpdate(entry(['a'], [], now - repeat - 1), set('a'), set(), true, repeat, now)).toBe(true);
  });
});
