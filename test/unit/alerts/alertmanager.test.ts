import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors';
import { Alert, AlertOrigin } from '../../../shared/alerts/model';
import { fingerprint } from '../../../shared/alerts/fingerprint';
import { normalizeAlertmanager } from '../../../shared/alerts/normalize/alertmanager';
import { ALERTMANAGER_FIXTURES, alertmanagerBody, thrown } from './fixtures';

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

  it("keeps Alertmanager's own fingerprint as the alert's identity", () => {
    const body = alertmanagerBody('firing-error-rate-critical');
    body.alerts[0]!.fingerprint = '0123456789abcdef';
    expect(normalizeAlertmanager(body).alerts[0]!.fingerprint).toBe('0123456789abcdef');
  });

  it('computes the fingerprint when Alertmanager did not send a valid one', () => {
    const body = alertmanagerBody('firing-error-rate-critical');
    delete body.alerts[0]!.fingerprint;
    expect(normalizeAlertmanager(body).alerts[0]!.fingerprint).toBe('25464961f2df65e8');
    body.alerts[0]!.fingerprint = 'not-a-fingerprint';
    expect(normalizeAlertmanager(body).alerts[0]!.fingerprint).toBe('25464961f2df65e8');
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
