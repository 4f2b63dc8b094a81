import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/model';
import { buildEmail } from './email/render';
import { EmailConfig } from './email/config';
import { PagerDutyConfig } from './pagerduty/config';
import { buildPagerDutyEvent } from './pagerduty/render';
import { alertSeverity, groupSeverity, worstSeverity } from './severity';
import { colorOf, SEVERITY_COLORS } from './slack/render';
import { buildSmsBody } from './sms/render';
import { FIXTURE_ALERT, notification } from './testing';

function withSeverity(severity: string | undefined, status: Alert['status'] = 'firing'): Alert {
  const { severity: _, ...labels } = FIXTURE_ALERT.labels;
  return { ...FIXTURE_ALERT, status, labels: severity === undefined ? labels : { ...labels, severity } };
}

describe('severity', () => {
  it.each([
    ['critical', 'critical'],
    ['CRIT', 'critical'],
    [' page ', 'critical'],
    ['fatal', 'critical'],
    ['emergency', 'critical'],
    ['error', 'error'],
    ['err', 'error'],
    ['high', 'error'],
    ['major', 'error'],
    ['warning', 'warning'],
    ['warn', 'warning'],
    ['medium', 'warning'],
    ['minor', 'warning'],
    ['info', 'info'],
    ['informational', 'info'],
    ['low', 'info'],
    ['none', 'info'],
  ])('reads %j as %s', (label, severity) => {
    expect(alertSeverity(withSeverity(label))).toBe(severity);
  });

  it.each(['', 'bogus', 'constructor', '__proto__', 'hasownproperty'])('does not know %j (nor take it from Object.prototype)', (label) => {
    expect(alertSeverity(withSeverity(label))).toBeUndefined();
  });

  it('an unknown severity label is rendered as unknown by every channel, not as a prototype property', () => {
    const n = notification({ alerts: [withSeverity('constructor')] });
    expect(colorOf(n)).toBe(SEVERITY_COLORS.unknown);
    expect(buildSmsBody(n, {})).toMatch(/^\[FIRING\] /);
    expect(buildEmail(n, EmailConfig.parse({ from: 'alerts@example.com', to: ['oncall@example.com'] })).subject).toBe('[FIRING:1] HighErrorRate payment-gateway');
    expect(buildPagerDutyEvent(n, PagerDutyConfig.parse({ routing_key: { env: 'PD_KEY' } })).payload!.severity).toBe('error');
  });

  it('groupSeverity: the worst of the firing alerts; for a resolved group, of all of them', () => {
    expect(groupSeverity(notification({ alerts: [withSeverity('warning'), withSeverity('critical', 'resolved'), withSeverity(undefined)] }))).toBe('warning');
    expect(groupSeverity(notification({ alerts: [withSeverity('warning', 'resolved'), withSeverity('major', 'resolved')] }))).toBe('error');
    expect(groupSeverity(notification({ alerts: [withSeverity(undefined)] }))).toBeUndefined();
  });

  it('worstSeverity counts an unknown firing alert as `unknown` when that ranks higher', () => {
    expect(worstSeverity([withSeverity('warning'), withSeverity(undefined)], 'error')).toBe('error');
    expect(worstSeverity([withSeverity('critical'), withSeverity(undefined)], 'error')).toBe('critical');
    expect(worstSeverity([withSeverity('info', 'resolved')], 'error')).toBe('error');
    expect(worstSeverity([withSeverity('warning'), withSeverity(undefined)], undefined)).toBe('warning');
  });
});
