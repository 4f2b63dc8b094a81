import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors';
import { Alert, AlertOrigin } from '../model';
import { fingerprint } from '../../labels/fingerprint';
import { normalizeAlertmanager } from './alertmanager';
import { IngestMessage } from '../../queues/messages';
import { ALERTMANAGER_FIXTURES, alertmanagerBody, thrown } from '../testing';

function validationError(body: unknown, opts?: { maxAlerts?: number }): ValidationError {
  const err = thrown(() => normalizeAlertmanager(body, opts));
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe('normalizeAlertmanager', () => {
  it.each(ALERTMANAGER_FIXTURES)('normalizes %s to valid alerts with Alertmanager fingerprints', (name) => {
    const body = alertmanagerBody(name);
    const { alerts, origin } = normalizeAlertmanager(body);
    expect(alerts).toHaveLength(body.alerts.length);
    alerts.forEach((alert, i) => {
      expect(Alert.parse(alert)).toEqual(alert);
      expect(alert.source).toBe('alertmanager');
      expect(alert.fingerprint).toBe(body.alerts[i]!.fingerprint);
      expect(alert.fingerprint).toBe(fingerprint(alert.labels));
      expect(alert.status).toBe(body.alerts[i]!.status);
    });
    expect(AlertOrigin.parse(origin)).toEqual(origin);
    expect(origin).toEqual({ receiver: 'hook', groupKey: body.groupKey, externalURL: 'http://vm:9093', truncatedAlerts: 0 });
  });

  it('maps a firing alert field by field', () => {
    const { alerts } = normalizeAlertmanager(alertmanagerBody('firing-error-rate-critical'));
    expect(alerts).toEqual([
      {
        fingerprint: '25464961f2df65e8',
        status: 'firing',
        labels: { alertname: 'HighErrorRate', env: 'prod', service: 'payment-gateway', severity: 'critical' },
        annotations: { runbook_url: 'https://runbooks.example.com/high-error-rate', summary: 'Error rate 7.5% above 5%' },
        startsAt: '2026-11-22T06:15:10.568Z',
        generatorURL: 'http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1',
        sourceFingerprint: '25464961f2df65e8',
        source: 'alertmanager',
      },
    ]);
  });

  it('treats Go zero endsAt as unset and keeps a real endsAt', () => {
    const [firing] = normalizeAlertmanager(alertmanagerBody('firing-disk-warning')).alerts;
    expect(firing).not.toHaveProperty('endsAt');
    const [resolved] = normalizeAlertmanager(alertmanagerBody('resolved-disk-warning')).alerts;
    expect(resolved!.endsAt).toBe('2026-11-22T06:16:36.568Z');
    expect(resolved!.fingerprint).toBe(firing!.fingerprint);
  });

  it('converts nanosecond timestamps to millisecond ISO UTC and drops an empty generatorURL', () => {
    const [alert] = normalizeAlertmanager(alertmanagerBody('firing-manual-no-annotations')).alerts;
    expect(alert!.startsAt).toBe('2026-11-22T06:15:45.337Z');
    expect(alert!.annotations).toEqual({});
    expect(alert).not.toHaveProperty('generatorURL');
  });

  it('converts offsets to UTC', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.alerts[0]!.startsAt = '2026-11-22T08:15:10.5+02:00';
    expect(normalizeAlertmanager(body).alerts[0]!.startsAt).toBe('2026-11-22T06:15:10.500Z');
  });

  it("computes the fingerprint from the labels and keeps the sender's only as sourceFingerprint", () => {
    const body = alertmanagerBody('firing-error-rate-critical');
    body.alerts[0]!.fingerprint = '0000000000000000';
    const [alert] = normalizeAlertmanager(body).alerts;
    expect(alert!.fingerprint).toBe('25464961f2df65e8');
    expect(alert!.sourceFingerprint).toBe('0000000000000000');
    expect(Alert.parse(alert)).toEqual(alert);
    // The ingest -> router queue contract keeps the reference.
    const message = { kind: 'alerts', id: 'm1', receivedAt: '2026-11-22T06:15:11.000Z', source: 'alertmanager', alerts: [alert] };
    expect(IngestMessage.parse(message).alerts[0]!.sourceFingerprint).toBe('0000000000000000');
  });

  it('gives two label sets that claim the same fingerprint two identities', () => {
    const body = alertmanagerBody('firing-error-rate-critical');
    const first = { ...(body.alerts[0] as { labels: Record<string, string> }), fingerprint: '0000000000000000' };
    const second = { ...first, labels: { ...first.labels, service: 'ledger' } };
    body.alerts = [first, second];
    const alerts = normalizeAlertmanager(body).alerts;
    expect(alerts.map((a) => a.fingerprint)).toEqual([fingerprint(first.labels), fingerprint(second.labels)]);
    expect(alerts[0]!.fingerprint).not.toBe(alerts[1]!.fingerprint);
    expect(alerts.map((a) => a.sourceFingerprint)).toEqual(['0000000000000000', '0000000000000000']);
  });

  it('computes the fingerprint when Alertmanager did not send a valid one, keeping no reference', () => {
    const body = alertmanagerBody('firing-error-rate-critical');
    delete body.alerts[0]!.fingerprint;
    expect(normalizeAlertmanager(body).alerts[0]!.fingerprint).toBe('25464961f2df65e8');
    body.alerts[0]!.fingerprint = 'not-a-fingerprint';
    const [alert] = normalizeAlertmanager(body).alerts;
    expect(alert!.fingerprint).toBe('25464961f2df65e8');
    expect(alert).not.toHaveProperty('sourceFingerprint');
  });

  it.each(['labels', 'annotations'] as const)('rejects a %s name "__proto__" with a 400 naming it, never drops it', (key) => {
    // JSON.parse makes "__proto__" an own key, as a request body arrives.
    const body = JSON.parse(JSON.stringify(alertmanagerBody('firing-error-rate-critical')).replace(`"${key}":{`, `"${key}":{"__proto__":"x",`));
    expect(Object.keys(body.alerts[0][key])).toContain('__proto__');
    const err = validationError(body);
    expect(err.status).toBe(400);
    expect(err.details).toEqual([{ path: `alerts[0].${key}.__proto__`, message: expect.stringContaining('"__proto__" is not supported') }]);
    expect(err.message).toContain(`alerts[0].${key}.__proto__`);
  });

  it('keeps truncatedAlerts', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.truncatedAlerts = 7;
    expect(normalizeAlertmanager(body).origin.truncatedAlerts).toBe(7);
  });

  it('accepts null maps, as Go encodes nil maps', () => {
    const body = alertmanagerBody('firing-manual-no-annotations');
    body.alerts[0]!.annotations = null;
    body.commonAnnotations = null;
    expect(normalizeAlertmanager(body).alerts[0]!.annotations).toEqual({});
  });

  it('rejects another webhook version', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.version = '3';
    const err = validationError(body);
    expect(err.message).toMatch(/^invalid Alertmanager webhook body: version: unsupported webhook version/);
    expect(err.status).toBe(400);
    expect(err.details).toEqual([{ path: 'version', message: expect.stringContaining('"4"') }]);
  });

  it('rejects a missing version', () => {
    const body = alertmanagerBody('firing-disk-warning');
    delete body.version;
    expect(validationError(body).details).toEqual([{ path: 'version', message: 'Required' }]);
  });

  it('names the path of a missing alert field', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.alerts = [body.alerts[0]!, body.alerts[0]!, body.alerts[0]!, { ...body.alerts[0]!, labels: undefined }];
    const err = validationError(body);
    expect(err.message).toBe('invalid Alertmanager webhook body: alerts[3].labels: Required');
    expect(err.details).toEqual([{ path: 'alerts[3].labels', message: 'Required' }]);
  });

  it('says Required for a missing enum field', () => {
    const body = alertmanagerBody('firing-disk-warning');
    delete body.alerts[0]!.status;
    expect(validationError(body).details).toEqual([{ path: 'alerts[0].status', message: 'Required' }]);
  });

  it('names wrong types without echoing the value', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.alerts[0]!.labels = { alertname: 'DiskFilling', secretish: 12345 };
    const err = validationError(body);
    expect(err.details).toEqual([{ path: 'alerts[0].labels.secretish', message: 'expected string, got number' }]);
    expect(err.message).not.toContain('12345');
  });

  it('lists every problem and counts them in the message', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.alerts[0]!.status = 'pending';
    body.alerts[0]!.startsAt = 'yesterday';
    const err = validationError(body);
    expect(err.message).toMatch(/\(and 1 more\)$/);
    expect((err.details as { path: string }[]).map((d) => d.path)).toEqual(['alerts[0].status', 'alerts[0].startsAt']);
  });

  it.each([null, 'text', 42, [], {}])('rejects a non-webhook body %j', (body) => {
    expect(validationError(body).details).not.toHaveLength(0);
  });

  it('rejects impossible dates', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.alerts[0]!.startsAt = '2026-02-30T00:00:00Z';
    expect(validationError(body).details).toEqual([{ path: 'alerts[0].startsAt', message: expect.stringContaining('RFC 3339') }]);
  });

  it('rejects too many alerts before validating them', () => {
    const body = alertmanagerBody('firing-disk-warning');
    body.alerts = Array.from({ length: 11 }, () => ({ junk: true }));
    const err = validationError(body, { maxAlerts: 10 });
    expect(err.details).toEqual([{ path: 'alerts', message: 'too many alerts: 11 (at most 10 per request)' }]);
    expect(() => normalizeAlertmanager(alertmanagerBody('firing-disk-warning'), { maxAlerts: 1 })).not.toThrow();
  });
});
