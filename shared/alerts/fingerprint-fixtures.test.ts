import { describe, expect, it } from 'vitest';
import { fingerprint } from '../labels/fingerprint';
import { ALERTMANAGER_FIXTURES, alertmanagerBody } from './testing';

// The fingerprints real Alertmanager webhooks carry (../shared/fixtures): the labels leaf's own
// tests cannot read the fixtures, which this folder's test helpers load.
describe('fingerprint of the Alertmanager fixtures', () => {
  it('matches the fingerprint Alertmanager sent for firing-error-rate-critical', () => {
    const alert = alertmanagerBody('firing-error-rate-critical').alerts[0]!;
    expect(fingerprint(alert.labels as Record<string, string>)).toBe('25464961f2df65e8');
  });

  it.each(ALERTMANAGER_FIXTURES)('matches Alertmanager for %s', (name) => {
    for (const alert of alertmanagerBody(name).alerts) {
      expect(fingerprint(alert.labels as Record<string, string>)).toBe(alert.fingerprint);
    }
  });
});
