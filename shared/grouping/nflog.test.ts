import { describe, expect, it } from 'vitest';
import { dedupLog, heardOf, needsUpdate, notificationId, sendingStatus, settle, unsettledIds } from './nflog';

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

describe('the log from delivery outcomes', () => {
  const sent = { firing: ['a'], resolved: [], at: 1000, seq: 2 };
  const g = { groupId: 'g', nflog: { 'slack.0': { firing: ['x'], resolved: [], at: 500 } }, sending: { 'slack.0': sent } };
  const id = notificationId('g', 2, 'slack.0');

  it('counts a notification in flight as told, and one that failed as never sent', () => {
    expect(dedupLog(g)['slack.0']).toEqual({ firing: ['a'], resolved: [], at: 1000 });
    expect(unsettledIds(g)).toEqual([id]);
    const failed = settle(g, new Map([[id, { status: 'failed' as const, at: 1200 }]]));
    expect(failed.changed).toBe(true);
    expect(dedupLog(failed.group)['slack.0']).toEqual({ firing: ['x'], resolved: [], at: 500 });
    expect(unsettledIds(failed.group)).toEqual([]);
    // Folding the same outcome again changes nothing.
    expect(settle(failed.group, new Map([[id, { status: 'failed' as const, at: 1200 }]])).changed).toBe(false);
  });

  it('logs a delivered notification at the time of its flush', () => {
    const done = settle(g, new Map([[id, { status: 'delivered' as const, at: 1300 }]]));
    expect(done.group.nflog['slack.0']).toEqual({ firing: ['a'], resolved: [], at: 1000 });
    expect(done.group.sending).toBeUndefined();
  });

  it('keeps a notification in flight while its record says nothing final', () => {
    for (const status of ['in_progress', 'retrying'] as const) expect(settle(g, new Map([[id, { status, at: 1100 }]])).changed).toBe(false);
    expect(settle(g, new Map()).changed).toBe(false);
  });
});

describe('a dead-lettered notification', () => {
  it('shows as failed but stays in flight for dedup: a redrive may still deliver it', () => {
    const g = { groupId: 'g', nflog: {}, sending: { 'webhook.0': { firing: ['a'], resolved: [], at: 1000, seq: 1 } } };
    const id = notificationId('g', 1, 'webhook.0');
    const outcomes = new Map([[id, { status: 'dead_lettered' as const, at: 2000 }]]);
    expect(sendingStatus('g', 'webhook.0', g.sending['webhook.0'], outcomes)).toEqual({ status: 'failed', final: false, at: 2000 });
    expect(settle(g, outcomes).changed).toBe(false);
    expect(dedupLog(g)['webhook.0']).toMatchObject({ firing: ['a'] });
  });
});

describe('heardOf', () => {
  const at = 1_000;
  const resolvedAlert = { fingerprint: 'gone', status: 'resolved' as const, labels: {}, annotations: {}, startsAt: '2026-01-01T00:00:00Z', source: 'generic' as const };

  it('knows what any channel was told, firing or resolved, delivered or in flight, and what left the group resolved', () => {
    const h = heardOf({
      nflog: { 'webhook.0': { firing: ['a'], resolved: ['b'], at } },
      sending: { 'webhook.1': { firing: ['c'], resolved: ['d'], at, seq: 2 } },
      recentlyResolved: { gone: resolvedAlert },
    });
    for (const fp of ['a', 'b', 'c', 'd', 'gone']) expect(h.has(fp), fp).toBe(true);
    expect(h.has('never')).toBe(false);
  });

  it('says whether a channel was last told of firing alerts: a failed send counts as untold', () => {
    expect(heardOf({ nflog: { 'webhook.0': { firing: [], resolved: ['b'], at } } }).toldFiring()).toBe(false);
    expect(heardOf({ nflog: { 'webhook.0': { firing: ['a'], resolved: [], at } } }).toldFiring()).toBe(true);
    expect(heardOf({ nflog: {}, sending: { 'webhook.0': { firing: ['a'], resolved: [], at, seq: 1 } } }).toldFiring()).toBe(true);
    expect(heardOf({ nflog: {}, sending: { 'webhook.0': { firing: ['a'], resolved: [], at, seq: 1, failedAt: at } } }).toldFiring()).toBe(false);
  });
});
