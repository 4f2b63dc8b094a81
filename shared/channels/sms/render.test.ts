import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/model';
import { parseConfigYaml } from '../../config/loader';
import { ConfigError } from '../../errors';
import { FIXTURE_ALERT, hugeAlerts, notification } from '../testing';
import { SmsConfig } from './config';
import { buildSmsBody, renderSms, SMS_MAX_PARTS } from './render';
import { smsSize } from './segments';

const config = (extra: Record<string, unknown> = {}) => SmsConfig.parse({ to: ['+15551234567'], ...extra });
const ACK = 'https://alertflow.example.com/a/Xy12';

const alert = (i: number, over: Partial<Alert> = {}): Alert => ({
  ...FIXTURE_ALERT,
  fingerprint: i.toString(16).padStart(16, '0'),
  labels: { ...FIXTURE_ALERT.labels, instance: `host-${i}:9100` },
  ...over,
});

describe('default SMS body', () => {
  it('is severity, alert name, summary and the link', () => {
    expect(buildSmsBody(notification(), config())).toBe('[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate');
  });

  it('prefers the ack link when one is given, and counts firing alerts', () => {
    const n = notification({ alerts: [alert(1), alert(2), alert(3)] });
    expect(buildSmsBody(n, config(), { ackUrl: ACK })).toBe(`[CRITICAL] HighErrorRate (3 firing): Error rate 7.5% above 5% Ack: ${ACK}`);
  });

  it('says RESOLVED, and offers no ack link for a resolved group', () => {
    const n = notification({ alerts: [{ ...FIXTURE_ALERT, status: 'resolved', endsAt: '2026-11-22T06:20:00.000Z' }] });
    expect(buildSmsBody(n, config(), { ackUrl: ACK })).toBe('[RESOLVED] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate');
  });

  it('counts the resolved alerts of a resolve, as it counts firing ones: one summary stands for them all', () => {
    const resolved = (i: number) => alert(i, { status: 'resolved', endsAt: '2026-11-22T06:20:00.000Z' });
    const n = notification({ alerts: Array.from({ length: 10_000 }, (_, i) => resolved(i)) });
    expect(buildSmsBody(n, config())).toBe('[RESOLVED] HighErrorRate (10000 resolved): Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate');
  });

  it('says FIRING when no severity is known, and leaves out a link that is not http(s) or too long', () => {
    const long = `https://runbooks.example.com/${'x'.repeat(200)}`;
    const n = notification({ alerts: [alert(1, { labels: { alertname: 'DiskFull' }, annotations: { summary: 'Error rate 7.5% above 5%', runbook_url: long }, generatorURL: 'javascript:alert(1)' })] });
    n.sourceURL = `https://alertmanager.example.com/${'x'.repeat(200)}`;
    expect(buildSmsBody(n, config(), { ackUrl: 'javascript:alert(1)' })).toBe('[FIRING] DiskFull: Error rate 7.5% above 5%');
  });

  it('links the runbook first, else the source, else the CloudWatch console, else the sending Alertmanager; never alertflow', () => {
    const body = (a: Alert, sourceURL?: string) => {
      const n = { ...notification({ alerts: [a] }), externalURL: 'https://alertflow.example.com' };
      if (sourceURL) n.sourceURL = sourceURL;
      else delete n.sourceURL;
      return buildSmsBody(n, config());
    };
    const summary = { summary: 'Error rate 7.5% above 5%' };
    expect(body(FIXTURE_ALERT)).toMatch(/ https:\/\/runbooks\.example\.com\/high-error-rate$/);
    expect(body({ ...FIXTURE_ALERT, annotations: summary, generatorURL: 'http://prom:9090/graph?g0.expr=up' })).toMatch(/ http:\/\/prom:9090\/graph\?g0\.expr=up$/);
    const alarm: Alert = { ...FIXTURE_ALERT, source: 'cloudwatch', labels: { alertname: 'db-cpu', region: 'eu-west-1' }, annotations: summary, generatorURL: undefined };
    expect(body(alarm)).toMatch(/ https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#alarmsV2:alarm\/db-cpu$/);
    expect(body({ ...FIXTURE_ALERT, annotations: summary, generatorURL: undefined }, 'http://vm:9093')).toMatch(/ http:\/\/vm:9093\/$/);
    const none = body({ ...FIXTURE_ALERT, annotations: summary, generatorURL: undefined });
    expect(none).toBe('[CRITICAL] HighErrorRate: Error rate 7.5% above 5%');
  });

  it('never lists labels', () => {
    const body = buildSmsBody(notification({ alerts: [alert(1), alert(2)] }), config());
    for (const v of ['host-1', 'prod', 'payment-gateway', 'env=', 'instance']) expect(body).not.toContain(v);
  });

  it('cuts the summary at a word boundary with an ellipsis, keeping the link whole', () => {
    const summary = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const n = notification({ alerts: [alert(1, { annotations: { summary } })] });
    const body = buildSmsBody(n, config(), { ackUrl: ACK });
    expect(smsSize(body)).toMatchObject({ encoding: 'GSM-7', parts: SMS_MAX_PARTS });
    expect(body).toMatch(new RegExp(`^\\[CRITICAL\\] HighErrorRate: word0 word1 .* word\\d+\\.\\.\\. Ack: ${ACK.replace(/[.]/g, '\\.')}$`));
  });

  it('keeps to GSM-7 through typographic punctuation', () => {
    const n = notification({ alerts: [alert(1, { annotations: { summary: '“Disk” at 95% – clean up…' } })] });
    const body = buildSmsBody(n, config());
    expect(body).toBe('[CRITICAL] HighErrorRate: "Disk" at 95% - clean up... http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1');
    expect(smsSize(body).encoding).toBe('GSM-7');
  });

  it('fits two UCS-2 parts (134 units) when the summary is not GSM, with "…"', () => {
    const summary = Array.from({ length: 40 }, () => 'Ошибка базы').join(' ');
    const body = buildSmsBody(notification({ alerts: [alert(1, { annotations: { summary } })] }), config());
    expect(smsSize(body)).toMatchObject({ encoding: 'UCS-2', parts: 2 });
    expect(body.length).toBeLessThanOrEqual(134);
    expect(body).toMatch(/^\[CRITICAL\] HighErrorRate: Ошибка базы .*(Ошибка|базы)… http:\/\/vm:9090\/graph\?g0\.expr=vector%287\.5%29\+%3E\+5&g0\.tab=1$/);
  });

  it('counts an emoji as two UCS-2 units', () => {
    const summary = `🔥 ${'Ошибка '.repeat(30)}`;
    const body = buildSmsBody(notification({ alerts: [alert(1, { annotations: { summary } })] }), config());
    expect(smsSize(body).parts).toBeLessThanOrEqual(2);
    expect(body).toContain('🔥');
  });

  it('fits two parts for a huge group', () => {
    const n = notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 });
    const body = buildSmsBody(n, config(), { ackUrl: ACK });
    expect(smsSize(body).parts).toBeLessThanOrEqual(2);
    expect(body.startsWith('[CRITICAL] HighErrorRate (400 firing): S0 ')).toBe(true);
    expect(body.endsWith(` Ack: ${ACK}`)).toBe(true);
  });

  it('cuts an overlong alert name', () => {
    const n = notification({ alerts: [alert(1, { labels: { alertname: 'N'.repeat(500), severity: 'warning' } })] });
    const body = buildSmsBody(n, config());
    expect(body.startsWith(`[WARNING] ${'N'.repeat(57)}...: Error rate`)).toBe(true);
    expect(smsSize(body).parts).toBe(1);
  });
});

describe('SMS message template', () => {
  it('replaces the default and is cut to two parts after rendering', () => {
    expect(buildSmsBody(notification(), config({ message: '{{ .Status }} {{ .CommonLabels.alertname }}' }))).toBe('firing HighErrorRate');
    const long = buildSmsBody(
      notification({ alerts: hugeAlerts(50, 1000) }),
      config({ message: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}' }),
    );
    expect(smsSize(long).parts).toBe(2);
    expect(long).toMatch(/^host-0\.example\.com:9100 host-1\.example\.com:9100 .*:9100\.\.\.$/);
  });

  it('falls back to the default when it cannot be used at send time (a config that skipped validation)', () => {
    expect(buildSmsBody(notification(), { message: '{{ end }}' })).toBe('[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate');
  });

  it('falls back to the default when it renders empty', () => {
    expect(buildSmsBody(notification(), config({ message: '{{ .CommonLabels.nothing }}' }))).toBe(
      '[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate',
    );
  });
});

describe('SMS render and config', () => {
  it('renders one SmsMessage per number, as JSON', () => {
    const rendered = renderSms(notification(), config({ to: ['+15551234567', '+447700900123'] }));
    expect(JSON.parse(rendered.body)).toEqual([
      { phoneNumber: '+15551234567', body: '[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate' },
      { phoneNumber: '+447700900123', body: '[CRITICAL] HighErrorRate: Error rate 7.5% above 5% https://runbooks.example.com/high-error-rate' },
    ]);
  });

  it.each(['5551234567', '+0551234567', '+1 555 123 4567', '+1234567890123456', '+1-555-123-4567'])('rejects %s: not E.164', (number) => {
    const r = SmsConfig.safeParse({ to: [number] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['to', 0], message: 'an E.164 phone number like +15551234567' });
  });

  it('rejects a bad template at load with the key path and the template line/col', () => {
    let err: unknown;
    try {
      parseConfigYaml(
        ['route:', '  receiver: pager', 'receivers:', '  - name: pager', '    sms_configs:', "      - to: ['+15551234567']", '        message: "ok\\n{{ .Status"', ''].join('\n'),
        'test.yaml',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const [issue] = (err as ConfigError).issues;
    expect(issue!.path).toBe('receivers[0].sms_configs[0].message (test.yaml:7:18)');
    expect(issue!.message).toMatch(/^invalid template at line 2, column \d+: \S/);
  });
});
