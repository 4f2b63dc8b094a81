import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../../errors';
import { Alert } from '../model';
import { fingerprint } from '../../labels/fingerprint';
import { normalizeGeneric } from './generic';
import { thrown } from '../testing';

const now = new Date('2026-11-22T12:00:00.000Z');
const opts = { now, defaultTimeoutMs: 24 * 3600_000, maxAlerts: 5 };
const normalize = (body: unknown, o: Partial<typeof opts> = {}) => normalizeGeneric(body, { ...opts, ...o });

function issues(body: unknown, o: Partial<typeof opts> = {}): Issue[] {
  const err = thrown(() => normalize(body, o));
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).details as Issue[];
}

describe('normalizeGeneric', () => {
  it('normalizes a single alert with shortcuts and defaults', () => {
    const { alerts, origin } = normalize({
      name: 'BackupFailed',
      severity: 'critical',
      labels: { service: 'billing' },
      summary: 'Nightly backup failed',
      description: 'pg_dump exited with status 1',
      annotations: { runbook_url: 'https://runbooks.example.com/backup' },
    });
    expect(origin).toEqual({});
    const labels = { service: 'billing', alertname: 'BackupFailed', severity: 'critical' };
    expect(alerts).toEqual([
      {
        fingerprint: fingerprint(labels),
        status: 'firing',
        labels,
        annotations: {
          runbook_url: 'https://runbooks.example.com/backup',
          summary: 'Nightly backup failed',
          description: 'pg_dump exited with status 1',
        },
        startsAt: '2026-11-22T12:00:00.000Z',
        endsAt: '2026-11-23T12:00:00.000Z',
        // The end is ingest.default_alert_timeout's, not the sender's.
        timeout: true,
        source: 'generic',
      },
    ]);
    expect(Alert.parse(alerts[0])).toEqual(alerts[0]);
  });

  it('accepts a batch and keeps order', () => {
    const { alerts } = normalize({ alerts: [{ name: 'A' }, { labels: { alertname: 'B' } }] });
    expect(alerts.map((a) => a.labels.alertname)).toEqual(['A', 'B']);
  });

  it('gives the same fingerprint for the same labels however they are spelled', () => {
    const a = normalize({ name: 'X', severity: 'info', labels: { env: 'prod' } }).alerts[0]!;
    const b = normalize({ labels: { severity: 'info', env: 'prod', alertname: 'X' } }).alerts[0]!;
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('uses timeout for endsAt', () => {
    const [alert] = normalize({ name: 'A', timeout: '30m' }).alerts;
    expect(alert!.endsAt).toBe('2026-11-22T12:30:00.000Z');
    expect(alert!.status).toBe('firing');
  });

  it('uses the configured default timeout', () => {
    const [alert] = normalize({ name: 'A' }, { defaultTimeoutMs: 5 * 60_000 }).alerts;
    expect(alert!.endsAt).toBe('2026-11-22T12:05:00.000Z');
  });

  it('keeps explicit starts_at, ends_at and generator_url, converted to UTC', () => {
    const [alert] = normalize({
      name: 'A',
      starts_at: '2026-11-22T12:00:00+01:00',
      ends_at: '2026-11-22T14:00:00.123456Z',
      generator_url: 'https://ci.example.com/job/1',
    }).alerts;
    expect(alert).toMatchObject({
      status: 'firing',
      startsAt: '2026-11-22T11:00:00.000Z',
      endsAt: '2026-11-22T14:00:00.123Z',
      generatorURL: 'https://ci.example.com/job/1',
    });
  });

  it('treats a firing alert whose ends_at has passed as resolved', () => {
    const [alert] = normalize({ name: 'A', ends_at: '2026-11-22T11:00:00Z' }).alerts;
    expect(alert!.status).toBe('resolved');
    expect(alert!.endsAt).toBe('2026-11-22T11:00:00.000Z');
    // Without starts_at the alert must not start after it ended.
    expect(alert!.startsAt).toBe('2026-11-22T11:00:00.000Z');
  });

  it('resolves now by default', () => {
    const [alert] = normalize({ name: 'A', status: 'resolved' }).alerts;
    expect(alert).toMatchObject({ status: 'resolved', startsAt: '2026-11-22T12:00:00.000Z', endsAt: '2026-11-22T12:00:00.000Z' });
  });

  it('drops labels with empty values', () => {
    const [alert] = normalize({ name: 'A', labels: { env: '' } }).alerts;
    expect(alert!.labels).toEqual({ alertname: 'A' });
  });

  describe('rejects', () => {
    it('a missing alertname, with the path of the alert', () => {
      const err = thrown(() => normalize({ alerts: [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { labels: { env: 'prod' } }] }));
      expect((err as ValidationError).message).toBe('invalid alert: alerts[3].labels.alertname: Required (or give "name")');
    });

    it('an empty alertname', () => {
      expect(issues({ labels: { alertname: '' } })).toEqual([{ path: 'labels.alertname', message: 'Required (or give "name")' }]);
      expect(issues({ name: '' })[0]!.path).toBe('name');
    });

    it('unknown keys, naming them (camelCase from the Alertmanager API is not accepted)', () => {
      const err = thrown(() => normalize({ name: 'A', startsAt: '2026-11-22T12:00:00Z', foo: 1 })) as ValidationError;
      expect(err.message).toBe('invalid alert: (root): unknown keys "startsAt", "foo"');
      expect(issues({ alerts: [{ name: 'A' }], extra: true })).toEqual([{ path: '(root)', message: 'unknown key "extra"' }]);
    });

    it('invalid label and annotation names', () => {
      expect(issues({ name: 'A', labels: { 'bad-name': 'x' }, annotations: { '1st': 'y' } })).toEqual([
        { path: 'labels.bad-name', message: 'invalid name: must match [a-zA-Z_][a-zA-Z0-9_]*' },
        { path: 'annotations.1st', message: 'invalid name: must match [a-zA-Z_][a-zA-Z0-9_]*' },
      ]);
    });

    it('a label or annotation named "__proto__" (JSON makes it an own key; it is not dropped)', () => {
      expect(issues(JSON.parse('{"name":"A","labels":{"__proto__":"x"},"annotations":{"__proto__":"y"}}'))).toEqual([
        { path: 'labels.__proto__', message: expect.stringContaining('"__proto__" is not supported') },
        { path: 'annotations.__proto__', message: expect.stringContaining('"__proto__" is not supported') },
      ]);
    });

    // Both were answered 2xx (a lost alert) or 500 before.
    it('a timeout over 100 years, and a time outside years 0000-9999 in UTC', () => {
      expect(issues({ name: 'A', timeout: '300000y' })).toEqual([{ path: 'timeout', message: 'at most 100y' }]);
      expect(issues({ name: 'A', starts_at: '0000-01-01T00:00:00+00:01' })[0]!.path).toBe('starts_at');
      expect(issues({ name: 'A', ends_at: '9999-12-31T23:59:59-01:00' })[0]!.path).toBe('ends_at');
    });

    it('non-string label values', () => {
      expect(issues({ name: 'A', labels: { count: 3 } })).toEqual([{ path: 'labels.count', message: 'expected string, got number' }]);
    });

    it('an unknown severity or status', () => {
      expect(issues({ name: 'A', severity: 'page' })[0]!.path).toBe('severity');
      expect(issues({ name: 'A', status: 'pending' })[0]!.path).toBe('status');
    });

    it('shortcuts that disagree with the long form', () => {
      expect(issues({ name: 'A', labels: { alertname: 'B' } })).toEqual([{ path: 'name', message: 'conflicts with labels.alertname' }]);
      expect(issues({ name: 'A', severity: 'info', labels: { severity: 'critical' } })).toEqual([
        { path: 'severity', message: 'conflicts with labels.severity' },
      ]);
      expect(issues({ name: 'A', summary: 's', annotations: { summary: 't' } })).toEqual([
        { path: 'summary', message: 'conflicts with annotations.summary' },
      ]);
      expect(normalize({ name: 'A', labels: { alertname: 'A' } }).alerts).toHaveLength(1);
    });

    it('bad timestamps and durations', () => {
      expect(issues({ name: 'A', starts_at: '2026-11-22 12:00' })[0]!.path).toBe('starts_at');
      expect(issues({ name: 'A', ends_at: '2026-11-22T12:00:00' })[0]!.path).toBe('ends_at');
      expect(issues({ name: 'A', timeout: '30 minutes' })).toEqual([
        { path: 'timeout', message: 'not a duration (expected e.g. "30s", "5m", "1h30m")' },
      ]);
      expect(issues({ name: 'A', timeout: '0' })).toEqual([{ path: 'timeout', message: 'must be greater than 0' }]);
    });

    it('contradictory times', () => {
      expect(issues({ name: 'A', ends_at: '2026-11-23T00:00:00Z', timeout: '1h' })).toEqual([
        { path: 'timeout', message: 'give either ends_at or timeout, not both' },
      ]);
      expect(issues({ name: 'A', status: 'resolved', timeout: '1h' })).toEqual([{ path: 'timeout', message: 'only applies to firing alerts' }]);
      expect(issues({ name: 'A', starts_at: '2026-11-22T10:00:00Z', ends_at: '2026-11-22T09:00:00Z' })).toEqual([
        { path: 'ends_at', message: 'must not be before starts_at' },
      ]);
      expect(issues({ name: 'A', status: 'resolved', ends_at: '2026-11-22T13:00:00Z' })).toEqual([
        { path: 'ends_at', message: 'is in the future, but status is resolved' },
      ]);
    });

    it('a non-http generator_url', () => {
      expect(issues({ name: 'A', generator_url: 'javascript:alert(1)' })).toEqual([{ path: 'generator_url', message: 'expected an http(s) URL' }]);
    });

    it('too many alerts', () => {
      const err = thrown(() => normalize({ alerts: Array.from({ length: 6 }, () => ({ name: 'A' })) })) as ValidationError;
      expect(err.message).toBe('invalid alert: alerts: too many alerts: 6 (at most 5 per request)');
    });

    it('an empty batch', () => {
      expect(issues({ alerts: [] })).toEqual([{ path: 'alerts', message: 'must contain at least one alert' }]);
    });

    it.each([null, 'text', 42, [{ name: 'A' }]])('a body that is not an object: %j', (body) => {
      expect(issues(body)).toEqual([{ path: '(root)', message: 'expected an alert object or {"alerts": [...]}' }]);
    });

    it('alerts that is not an array', () => {
      expect(issues({ alerts: { name: 'A' } })).toEqual([{ path: 'alerts', message: 'expected array, got object' }]);
    });

    it('collecting the problems of every alert', () => {
      const found = issues({ alerts: [{ name: 'A', bogus: 1 }, { name: 'B' }, { labels: {} }] });
      expect(found.map((i) => i.path)).toEqual(['alerts[0]', 'alerts[2].labels.alertname']);
    });
  });
});
