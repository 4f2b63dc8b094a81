import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/model';
import { mergeAlerts } from './merge';
import type { Heard } from '../grouping/nflog';
import { fitToMessage, MAX_NOTIFICATION_BYTES } from '../queues/notification-fit';
import { NotificationMessage } from '../queues/messages';

const NOW = new Date('2026-11-22T10:00:00.000Z');

const alert = (over: Partial<Alert> = {}): Alert => ({
  fingerprint: '0000000000000001',
  status: 'firing',
  labels: { alertname: 'A' },
  annotations: { summary: 's' },
  startsAt: '2026-11-22T09:00:00.000Z',
  source: 'generic',
  ...over,
});

describe('mergeAlerts', () => {
  it('adds a new firing alert as a change that pages', () => {
    const r = mergeAlerts({}, [alert()], NOW);
    expect(r.changed).toBe(true);
    expect(r.newlyFiring.map((a) => a.fingerprint)).toEqual(['0000000000000001']);
    expect(r.resolved).toEqual([]);
  });

  it('treats an identical re-send as no change', () => {
    const r = mergeAlerts({ '0000000000000001': alert() }, [alert()], NOW);
    expect(r.changed).toBe(false);
  });

  it("keeps a Prometheus alert firing at any evaluation interval: its end is refreshed before it passes", () => {
    // Prometheus re-sends each interval I with endsAt = now + 4I. With I = 15m, an end refreshed
    // only within a fixed 10 minutes of passing never was: the alert resolved and paged again.
    for (const intervalMin of [1, 5, 15, 60]) {
      const I = intervalMin * 60_000;
      let alerts = {};
      let writes = 0;
      for (let k = 0; k <= 12; k++) {
        const at = new Date(NOW.getTime() + k * I);
        const r = mergeAlerts(alerts, [alert({ endsAt: new Date(at.getTime() + 4 * I).toISOString() })], at);
        expect(r.newlyFiring.length, `interval ${intervalMin}m, send ${k}`).toBe(k === 0 ? 1 : 0);
        expect(r.resolved).toEqual([]);
        if (r.changed) writes++;
        alerts = r.alerts;
      }
      // Not a write on every re-send: about one in two.
      expect(writes, `interval ${intervalMin}m`).toBeLessThanOrEqual(8);
    }
  });

  it('keeps the later end a sender gave over an earlier one sent since, but not an end alertflow set (Alertmanager Alert.Merge)', () => {
    const later = alert({ endsAt: '2026-11-22T12:00:00.000Z' });
    const earlier = alert({ endsAt: '2026-11-22T11:00:00.000Z' });
    const r = mergeAlerts({ [later.fingerprint]: later }, [earlier], NOW);
    expect(r.alerts[later.fingerprint]!.endsAt).toBe('2026-11-22T12:00:00.000Z');
    const timeout = alert({ endsAt: '2026-11-22T12:00:00.000Z', timeout: true });
    const explicit = mergeAlerts({ [timeout.fingerprint]: timeout }, [earlier], NOW).alerts[timeout.fingerprint]!;
    expect(explicit.endsAt).toBe('2026-11-22T11:00:00.000Z');
    expect(explicit.timeout).toBeUndefined();
    // A sender's end kept over a re-send with a timeout end: the kept end is the sender's, no timeout flag.
    const kept = mergeAlerts({ [later.fingerprint]: later }, [alert({ endsAt: '2026-11-22T10:05:00.000Z', timeout: true, annotations: { summary: 'new' } })], NOW).alerts[later.fingerprint]!;
    expect(kept.endsAt).toBe('2026-11-22T12:00:00.000Z');
    expect(kept.timeout).toBeUndefined();
    expect(kept.annotations).toEqual({ summary: 'new' });
  });

  it('keeps the first start of a continuing alert (a client that omits starts_at is not a change)', () => {
    const r = mergeAlerts({ '0000000000000001': alert() }, [alert({ startsAt: '2026-11-22T09:59:00.000Z' })], NOW);
    expect(r.changed).toBe(false);
  });

  it('does not write for an ends_at extension while the stored one is far ahead, but does when it is close', () => {
    const far = alert({ endsAt: '2026-11-22T11:00:00.000Z' });
    expect(mergeAlerts({ [far.fingerprint]: far }, [alert({ endsAt: '2026-11-22T11:05:00.000Z' })], NOW).changed).toBe(false);
    const close = alert({ endsAt: '2026-11-22T10:05:00.000Z' });
    expect(mergeAlerts({ [close.fingerprint]: close }, [alert({ endsAt: '2026-11-22T11:05:00.000Z' })], NOW).changed).toBe(true);
  });

  it('an annotation change is a change but not a new page', () => {
    const r = mergeAlerts({ '0000000000000001': alert() }, [alert({ annotations: { summary: 'worse' } })], NOW);
    expect(r.changed).toBe(true);
    expect(r.newlyFiring).toEqual([]);
    expect(r.alerts['0000000000000001']!.annotations.summary).toBe('worse');
  });

  it('resolves a firing alert and reports it, recording when the resolve was learned', () => {
    const r = mergeAlerts({ '0000000000000001': alert() }, [alert({ status: 'resolved', endsAt: '2026-11-22T07:58:00.000Z' })], NOW);
    expect(r.changed).toBe(true);
    expect(r.resolved.map((a) => a.resolvedAt)).toEqual([NOW.toISOString()]);
    expect(r.resolved.map((a) => a.endsAt)).toEqual(['2026-11-22T07:58:00.000Z']);
    expect(r.alerts['0000000000000001']!.status).toBe('resolved');
  });

  it('ignores a resolve for an alert it already holds resolved', () => {
    const done = { ...alert({ status: 'resolved' }), resolvedAt: '2026-11-22T09:59:00.000Z' };
    expect(mergeAlerts({ [done.fingerprint]: done }, [alert({ status: 'resolved' })], NOW).changed).toBe(false);
  });

  describe('a resolve for an alert the group does not hold', () => {
    const firing = alert({ fingerprint: '00000000000000f1' });
    const stray = alert({ fingerprint: '00000000000000s1', labels: { alertname: 'B' }, status: 'resolved', endsAt: '2026-11-22T09:58:00.000Z' });
    const heard = (fps: string[], toldFiring = false): Heard => ({ has: (fp) => fps.includes(fp), toldFiring: () => toldFiring });

    it('is kept, resolved as learned now, when the group never heard of it and something fires (Alertmanager stores it)', () => {
      const r = mergeAlerts({ [firing.fingerprint]: firing }, [stray], NOW, heard([]));
      expect(r.changed).toBe(true);
      expect(r.alerts[stray.fingerprint]).toEqual({ ...stray, resolvedAt: NOW.toISOString() });
      expect(r.strays.map((a) => a.fingerprint)).toEqual([stray.fingerprint]);
      // Not a resolve of anything the group held: no source to take out of the inhibition index.
      expect(r.resolved).toEqual([]);
      expect(r.hasAlerts).toBe(true);
    });

    it('is kept beside an alert firing in the same request, or when a channel was last told of firing alerts', () => {
      expect(mergeAlerts({}, [firing, stray], NOW).strays).toHaveLength(1);
      const r = mergeAlerts({}, [stray], NOW, heard([], true));
      expect(r.strays).toHaveLength(1);
      expect(r.hadAlerts).toBe(false);
      expect(r.hasAlerts).toBe(true);
    });

    it('is no change when the group heard of it (a re-send), or when no flush could notify (nothing fires, no channel told of firing alerts)', () => {
      const told = mergeAlerts({ [firing.fingerprint]: firing }, [stray], NOW, heard([stray.fingerprint], true));
      expect(told.changed).toBe(false);
      expect(told.alerts).toEqual({ [firing.fingerprint]: firing });
      const quiet = mergeAlerts({}, [stray], NOW, heard([]));
      expect(quiet.changed).toBe(false);
      expect(quiet.strays).toEqual([]);
      expect(quiet.hasAlerts).toBe(false);
      // The group's only alert resolves in the same request, and no channel was told of it firing.
      const before = alert({ fingerprint: '00000000000000f2' });
      const both = mergeAlerts({ [before.fingerprint]: before }, [{ ...before, status: 'resolved', endsAt: NOW.toISOString() }, stray], NOW, heard([]));
      expect(both.strays).toEqual([]);
      expect(both.alerts[stray.fingerprint]).toBeUndefined();
    });

    it('is no change from CloudWatch: an OK the group never heard of (INSUFFICIENT_DATA to OK) ends nothing', () => {
      const ok = mergeAlerts({ [firing.fingerprint]: firing }, [{ ...stray, source: 'cloudwatch' }], NOW, heard([]));
      expect(ok.changed).toBe(false);
      expect(ok.strays).toEqual([]);
    });
  });

  it('re-fires a resolved alert as a new page', () => {
    const done = { ...alert({ status: 'resolved' }), resolvedAt: '2026-11-22T09:59:00.000Z' };
    const r = mergeAlerts({ [done.fingerprint]: done }, [alert()], NOW);
    expect(r.newlyFiring).toHaveLength(1);
    expect(r.alerts[done.fingerprint]!.status).toBe('firing');
  });

  it('auto-resolves a firing alert whose ends_at passed, and keeps resolved alerts (only a flush removes them)', () => {
    const expired = alert({ fingerprint: '0000000000000002', endsAt: '2026-11-22T09:30:00.000Z' });
    const old = { ...alert({ fingerprint: '0000000000000003', status: 'resolved' as const }), resolvedAt: '2026-11-22T08:00:00.000Z' };
    const r = mergeAlerts({ [expired.fingerprint]: expired, [old.fingerprint]: old }, [], NOW);
    expect(r.changed).toBe(true);
    expect(r.alerts[expired.fingerprint]!.status).toBe('resolved');
    expect(r.alerts[old.fingerprint]).toEqual(old);
  });

  it('takes the last of duplicate alerts in one request', () => {
    const r = mergeAlerts({}, [alert({ annotations: { summary: 'first' } }), alert({ annotations: { summary: 'second' } })], NOW);
    expect(r.alerts['0000000000000001']!.annotations.summary).toBe('second');
  });
});

describe('fitToMessage', () => {
  /** A notification of `group` on the first entry of `type`. */
  const notificationOf = (group: NotificationMessage['group'], type: NotificationMessage['channel']['type'] = 'slack'): NotificationMessage => ({
    kind: 'notification',
    id: 'n',
    createdAt: NOW.toISOString(),
    receiver: 'r',
    channel: { type, index: 0 },
    group,
  });

  it('keeps a notification of a group with huge annotations under the SQS limit, counting what it dropped', () => {
    const alerts = Array.from({ length: 200 }, (_, i) =>
      alert({ fingerprint: i.toString(16).padStart(16, '0'), annotations: { summary: 'x'.repeat(10_000) } }),
    );
    const n = notificationOf({ id: 'g', key: 'k', labels: {}, status: 'firing', alerts, truncatedAlerts: 3 });
    const body = fitToMessage(n);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
    const parsed = NotificationMessage.parse(JSON.parse(body));
    expect(parsed.group.alerts.length + parsed.group.truncatedAlerts).toBe(203);
    expect(parsed.group.alerts.length).toBeGreaterThan(1);

    const single = fitToMessage({ ...n, group: { ...n.group, alerts: [alert({ annotations: { summary: 'y'.repeat(300_000) } })] } });
    expect(Buffer.byteLength(single)).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
  });

  it('keeps a notification under the SQS limit when a label value is huge (a group_by label is in the key, the labels and the alert)', () => {
    const big = 'v'.repeat(100_000);
    const n = notificationOf({ id: 'g', key: `{}:{x="${big}"}`, labels: { x: big }, status: 'firing', alerts: [alert({ labels: { alertname: 'Big', x: big } })], truncatedAlerts: 0 }, 'webhook');
    const body = fitToMessage(n);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
    const parsed = NotificationMessage.parse(JSON.parse(body));
    expect(parsed.group.alerts[0]!.labels.alertname).toBe('Big');
    expect(parsed.group.alerts[0]!.labels.x).toBe(`${'v'.repeat(4096)}…`);
    expect(parsed.group.key.startsWith('{}:{x="vvv')).toBe(true);
    // Cut the same way each time, so a firing and its resolve carry the same key (PagerDuty's dedup key).
    expect(fitToMessage(n)).toBe(body);
  });

  // Ingest takes an alert of 6,000 short labels (about 185 KB); grouped by `...`, the group's labels
  // are a second copy, and no cutting of values fit the message: the flush failed until the alert
  // dead-lettered. It now leaves the annotations out and keeps fewer labels, in name order.
  it('keeps a notification under the SQS limit with thousands of labels, twice (group_by `...`)', () => {
    const labels = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`l${String(i).padStart(4, '0')}`, 'v'.repeat(20)]));
    const n = notificationOf({ id: 'g', key: 'k', labels, status: 'firing', alerts: [alert({ labels: { alertname: 'Many', ...labels }, annotations: { summary: 's' } })], truncatedAlerts: 0 }, 'webhook');
    const body = fitToMessage(n);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
    const parsed = NotificationMessage.parse(JSON.parse(body));
    expect(Object.keys(parsed.group.alerts[0]!.labels).length).toBeGreaterThan(100);
    expect(parsed.group.alerts[0]!.labels.alertname).toBe('Many');
    expect(fitToMessage(n)).toBe(body);
  });

  it('leaves a small notification as it is', () => {
    const n = notificationOf({ id: 'g', key: 'k', labels: {}, status: 'firing', alerts: [alert()], truncatedAlerts: 0 });
    expect(fitToMessage(n)).toBe(JSON.stringify(n));
  });
});
