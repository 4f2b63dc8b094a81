import { describe, expect, it } from 'vitest';
import { fingerprint } from '../labels/fingerprint';
import { parseConfigYaml as parseConfig } from '../config/loader';
import { compileHeartbeats, deadlineOf, describeHeartbeat, heartbeatAlert, heartbeatsPingedBy, pinged, pingKey, tick, verifyPingKey } from './heartbeat';
import { missingAlertTtlMs, pingsIn } from './service';
import type { IngestMessage } from '../queues/messages';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const base = `route: { receiver: r }\nreceivers: [{ name: r }]\n`;
const heartbeats = compileHeartbeats(
  parseConfig(`${base}heartbeats:
  - { name: backup, every: 1h, grace: 10m, labels: { severity: critical } }
  - { name: watchdog, every: 5m, matchers: ['alertname="Watchdog"'] }
`).heartbeats,
);
const backup = heartbeats.get('backup')!;

describe('heartbeat config', () => {
  it('rejects a duplicate name, a period under 1s and a bad matcher, naming each key', () => {
    const bad = () => parseConfig(`${base}heartbeats:
  - { name: a, every: 500ms }
  - { name: a, every: 1m, matchers: ['alertname=~"("'] }
`);
    expect(bad).toThrow(/heartbeats\[0\]\.every \(alertflow\.yaml:4:\d+\): at least 1s/);
    expect(bad).toThrow(/heartbeats\[1\]\.name \(alertflow\.yaml:5:\d+\): duplicate heartbeat name "a"/);
    expect(bad).toThrow(/heartbeats\[1\]\.matchers\[0\] .*invalid matcher/);
  });
});

describe('heartbeat transitions', () => {
  it('starts waiting at the first tick, goes missing at its deadline (every + grace), and re-sends while missing', () => {
    const started = tick(backup, undefined, T0).next!;
    expect(started).toEqual({ name: 'backup', lastPingAt: T0, pings: 0, writtenAt: T0, status: 'ok', version: 1 });
    expect(deadlineOf(backup, started)).toBe(T0 + 70 * 60_000);
    expect(tick(backup, started, T0 + 70 * 60_000 - 1)).toEqual({});
    const went = tick(backup, started, T0 + 70 * 60_000);
    expect(went).toEqual({ next: { ...started, status: 'missing', missingSince: T0 + 70 * 60_000, writtenAt: T0 + 70 * 60_000, version: 2 }, firing: T0 + 70 * 60_000 });
    // Missing stays missing: nothing to write, its alert sent again.
    expect(tick(backup, went.next, T0 + 99 * 3_600_000)).toEqual({ firing: T0 + 70 * 60_000 });
  });

  it('writes a state again before it could expire (30 days after its last write), so a long missing spell keeps it', () => {
    const missing = { name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0, status: 'missing' as const, missingSince: T0 + 70 * 60_000, version: 2 };
    const day = 86_400_000;
    expect(tick(backup, missing, T0 + 22 * day).next).toBeUndefined();
    expect(tick(backup, missing, T0 + 23 * day)).toEqual({ next: { ...missing, writtenAt: T0 + 23 * day, version: 3 }, firing: T0 + 70 * 60_000 });
  });

  it('a ping ends a missing spell and leaves its resolve to the next tick; a ping older than the last moves nothing back', () => {
    const missing = { name: 'backup', lastPingAt: T0, pings: 3, writtenAt: T0 + 70 * 60_000, status: 'missing' as const, missingSince: T0 + 70 * 60_000, version: 2 };
    const next = pinged(missing, 'backup', T0 + 80 * 60_000);
    expect(next).toEqual({ name: 'backup', lastPingAt: T0 + 80 * 60_000, pings: 4, writtenAt: T0 + 80 * 60_000, status: 'ok', resolving: T0 + 70 * 60_000, version: 3 });
    // A second ping before the tick keeps the pending resolve.
    const again = pinged(next, 'backup', T0);
    expect(again).toMatchObject({ lastPingAt: T0 + 80 * 60_000, resolving: T0 + 70 * 60_000, status: 'ok' });
    // The tick resolves the spell (ending at the ping) and writes the state without it.
    expect(tick(backup, again, T0 + 81 * 60_000)).toEqual({
      next: { name: 'backup', lastPingAt: T0 + 80 * 60_000, pings: 5, writtenAt: T0 + 81 * 60_000, status: 'ok', version: 5 },
      resolve: { missingSince: T0 + 70 * 60_000, at: T0 + 80 * 60_000 },
    });
    expect(pinged(undefined, 'backup', T0)).toEqual({ name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0, status: 'ok', version: 1 });
  });

  it('resolves a spell and fires a new one in the same tick, the resolve first', () => {
    const resolving = { name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0, status: 'ok' as const, resolving: T0 - 1000, version: 3 };
    const t = tick(backup, resolving, T0 + 70 * 60_000);
    expect(t.resolve).toEqual({ missingSince: T0 - 1000, at: T0 });
    expect(t.firing).toBe(T0 + 70 * 60_000);
    expect(t.next).toEqual({ name: 'backup', lastPingAt: T0, pings: 1, writtenAt: T0 + 70 * 60_000, status: 'missing', missingSince: T0 + 70 * 60_000, version: 4 });
  });
});

describe('the alert of a missing heartbeat', () => {
  it('is HeartbeatMissing with the heartbeat name and its labels, from its deadline, ending a few ticks ahead', () => {
    const a = heartbeatAlert(backup, T0, 'firing', T0 + missingAlertTtlMs(60_000));
    expect(a.labels).toEqual({ severity: 'critical', alertname: 'HeartbeatMissing', heartbeat: 'backup' });
    expect(a.fingerprint).toBe(fingerprint(a.labels));
    expect(a.startsAt).toBe(new Date(T0).toISOString());
    expect(a.endsAt).toBe(new Date(T0 + 300_000).toISOString());
    expect(a.annotations.summary).toMatch(/^Heartbeat backup missing: no ping since 2026-12-07T08:50:00.000Z$/);
    expect(a.annotations.description).toBe('backup expects a ping at least every 1h (with 10m of grace).');
    // The same identity resolved: the router resolves the alert it fired.
    expect(heartbeatAlert(backup, T0, 'resolved', T0 + 1).fingerprint).toBe(a.fingerprint);
    expect(missingAlertTtlMs(1_000)).toBe(30_000);
  });
});

describe('pings from alerts', () => {
  it('counts firing alerts that match a heartbeat with matchers, at the latest receive time', () => {
    const msg = (at: number, alerts: IngestMessage['alerts']): IngestMessage => ({ kind: 'alerts', id: `m${at}`, receivedAt: new Date(at).toISOString(), source: 'alertmanager', origin: {}, alerts });
    const watchdog = (status: 'firing' | 'resolved') => ({ fingerprint: '0000000000000001', status, labels: { alertname: 'Watchdog' }, annotations: {}, startsAt: new Date(T0).toISOString(), source: 'alertmanager' as const });
    expect(heartbeatsPingedBy(heartbeats, watchdog('firing'))).toEqual(['watchdog']);
    expect(heartbeatsPingedBy(heartbeats, watchdog('resolved'))).toEqual([]);
    const pings = pingsIn([msg(T0 + 2000, [watchdog('firing')]), msg(T0 + 1000, [watchdog('firing')]), msg(T0 + 5000, [watchdog('resolved')])], heartbeats);
    expect([...pings]).toEqual([['watchdog', T0 + 2000]]);
  });
});

describe('ping URLs', () => {
  it('verify under any configured key, for their own heartbeat only', () => {
    const key = pingKey('k1', 'backup');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyPingKey(['k0', 'k1'], 'backup', key)).toBe(true);
    expect(verifyPingKey(['k0'], 'backup', key)).toBe(false);
    expect(verifyPingKey(['k1'], 'watchdog', key)).toBe(false);
    expect(verifyPingKey(['k1'], 'backup', key.slice(1))).toBe(false);
    // Another spelling of the same bytes (the last character's unused bits) is not the key.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(key.at(-1)!);
    const respelled = key.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]!;
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(key, 'base64url'))).toBe(true);
    expect(verifyPingKey(['k1'], 'backup', respelled)).toBe(false);
    expect(verifyPingKey([], 'backup', key)).toBe(false);
  });
});

describe('config:check', () => {
  it('prints when each heartbeat fires and what pings it', () => {
    expect(describeHeartbeat(backup)).toBe('heartbeat backup: HeartbeatMissing fires after 1h10m without a ping');
    expect(describeHeartbeat(heartbeats.get('watchdog')!)).toBe('heartbeat watchdog: HeartbeatMissing fires after 5m without a ping or a firing alert matching {alertname="Watchdog"}');
  });
});
