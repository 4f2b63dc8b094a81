import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors';
import { Alert } from '../model';
import { fingerprint } from '../../labels/fingerprint';
import { normalizeGrafana } from './grafana';
import { fixture, thrown } from '../testing';

type Body = Record<string, unknown> & { alerts: Record<string, unknown>[] };
const body = () => fixture<Body>('grafana/webhook-firing.json');

describe('normalizeGrafana', () => {
  it('normalizes the webhook-firing fixture', () => {
    const { alerts, origin } = normalizeGrafana(body());
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(Alert.parse(alert)).toEqual(alert);
    expect(alert).toEqual({
      fingerprint: fingerprint({
        alertname: 'HighMemory',
        grafana_folder: 'Infra',
        instance: 'db-1:9100',
        severity: 'warning',
        service: 'database',
      }),
      status: 'firing',
      labels: { alertname: 'HighMemory', grafana_folder: 'Infra', instance: 'db-1:9100', severity: 'warning', service: 'database' },
      annotations: {
        summary: 'Memory usage above 85% on db-1',
        runbook_url: 'https://runbooks.example.com/memory',
        dashboard_url: 'https://grafana.example.com/d/nodes?orgId=1',
        panel_url: 'https://grafana.example.com/d/nodes?orgId=1&viewPanel=4',
        silence_url:
          'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHighMemory&matcher=instance%3Ddb-1%3A9100&orgId=1',
        values: 'B=91.2, C=1',
      },
      startsAt: '2026-11-20T17:00:00.000Z',
      generatorURL: 'https://grafana.example.com/alerting/grafana/b1c2d3/view?orgId=1',
      sourceFingerprint: 'a3f9c1e27b6d4058',
      source: 'grafana',
    });
    expect(origin).toEqual({
      receiver: 'alerting-webhook',
      groupKey: body().groupKey,
      externalURL: 'https://grafana.example.com/',
      truncatedAlerts: 0,
    });
  });

  it("computes the fingerprint from labels instead of using Grafana's, which it keeps as sourceFingerprint", () => {
    const [alert] = normalizeGrafana(body()).alerts;
    expect(alert!.fingerprint).not.toBe('a3f9c1e27b6d4058');
    expect(alert!.fingerprint).toBe(fingerprint(alert!.labels));
    expect(alert!.sourceFingerprint).toBe('a3f9c1e27b6d4058');
  });

  it('rejects a label named "__proto__" with its path instead of dropping it', () => {
    const b = JSON.parse(JSON.stringify(body()).replace('"labels":{', '"labels":{"__proto__":"x",')) as Body;
    const err = thrown(() => normalizeGrafana(b)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.details).toEqual([{ path: 'alerts[0].labels.__proto__', message: expect.stringContaining('"__proto__" is not supported') }]);
  });

  it('does not overwrite link or values annotations the rule already sets', () => {
    const b = body();
    b.alerts[0]!.annotations = { dashboard_url: 'https://mine.example.com/d/1', values: 'custom' };
    const [alert] = normalizeGrafana(b).alerts;
    expect(alert!.annotations.dashboard_url).toBe('https://mine.example.com/d/1');
    expect(alert!.annotations.values).toBe('custom');
    expect(alert!.annotations.panel_url).toBe('https://grafana.example.com/d/nodes?orgId=1&viewPanel=4');
  });

  it('skips empty links and missing values', () => {
    const b = body();
    Object.assign(b.alerts[0]!, { dashboardURL: '', panelURL: '', values: null });
    delete b.alerts[0]!.silenceURL;
    const [alert] = normalizeGrafana(b).alerts;
    expect(Object.keys(alert!.annotations).sort()).toEqual(['runbook_url', 'summary']);
  });

  it('sorts values by name', () => {
    const b = body();
    b.alerts[0]!.values = { C: 0, A: 1.5, B: -2 };
    expect(normalizeGrafana(b).alerts[0]!.annotations.values).toBe('A=1.5, B=-2, C=0');
  });

  it('converts a resolved alert with offset timestamps', () => {
    const b = body();
    Object.assign(b.alerts[0]!, { status: 'resolved', startsAt: '2021-10-12T09:51:03.157076+02:00', endsAt: '2021-10-12T09:56:03.157076+02:00' });
    const [alert] = normalizeGrafana(b).alerts;
    expect(alert!.status).toBe('resolved');
    expect(alert!.startsAt).toBe('2021-10-12T07:51:03.157Z');
    expect(alert!.endsAt).toBe('2021-10-12T07:56:03.157Z');
  });

  it('rejects an Alertmanager body (version 4)', () => {
    const b = body();
    b.version = '4';
    const err = thrown(() => normalizeGrafana(b)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(/^invalid Grafana webhook body: version: unsupported webhook version/);
  });

  it('rejects non-numeric values', () => {
    const b = body();
    b.alerts[0]!.values = { B: '91.2' };
    const err = thrown(() => normalizeGrafana(b)) as ValidationError;
    expect(err.details).toEqual([{ path: 'alerts[0].values.B', message: 'expected number, got string' }]);
  });

  it('rejects a missing startsAt', () => {
    const b = body();
    delete b.alerts[0]!.startsAt;
    const err = thrown(() => normalizeGrafana(b)) as ValidationError;
    expect(err.message).toBe('invalid Grafana webhook body: alerts[0].startsAt: Required');
  });

  it('rejects too many alerts', () => {
    const b = body();
    b.alerts = [b.alerts[0]!, b.alerts[0]!, b.alerts[0]!];
    const err = thrown(() => normalizeGrafana(b, { maxAlerts: 2 })) as ValidationError;
    expect(err.details).toEqual([{ path: 'alerts', message: 'too many alerts: 3 (at most 2 per request)' }]);
    expect(normalizeGrafana(b, { maxAlerts: 3 }).alerts).toHaveLength(3);
  });
});
