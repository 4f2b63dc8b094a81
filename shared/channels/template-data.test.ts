import { describe, expect, it } from 'vitest';
import { AlertList, KV, TemplateTime } from '../templates';
import { alert, notification } from './template-testing';
import { templateData } from './template-data';

describe('templateData', () => {
  const n = notification(
    [
      alert({ labels: { alertname: 'A', job: 'x', zone: 'eu' }, annotations: { summary: 's', a: '1' }, generatorURL: 'http://g' }),
      alert({
        fingerprint: '0123456789abcdee',
        status: 'resolved',
        labels: { alertname: 'A', job: 'y', zone: 'eu' },
        annotations: { summary: 's', a: '2' },
        endsAt: '2024-05-01T11:10:00Z',
      }),
    ],
    { labels: { alertname: 'A' }, truncatedAlerts: 4 },
  );

  it('builds Alertmanager template.Data plus GroupKey and TruncatedAlerts', () => {
    const d = templateData(n);
    expect(d.Receiver).toBe('team-infra');
    expect(d.Status).toBe('firing');
    expect(d.GroupLabels.toRecord()).toEqual({ alertname: 'A' });
    expect(d.CommonLabels.toRecord()).toEqual({ alertname: 'A', zone: 'eu' });
    expect(d.CommonAnnotations.toRecord()).toEqual({ summary: 's' });
    expect(d.ExternalURL).toBe('https://alertflow.example.com');
    expect(d.GroupKey).toBe('{}:{alertname="HighCPU"}');
    expect(d.TruncatedAlerts).toBe(4);
    expect(d.Alerts).toBeInstanceOf(AlertList);
    expect(d.Alerts.firing().map((a) => a.Labels.get('job'))).toEqual(['x']);
    expect(d.Alerts.resolved().map((a) => a.Labels.get('job'))).toEqual(['y']);
  });

  it('maps each alert as template.Alert', () => {
    const [a, b] = templateData(n).Alerts.items;
    expect(a).toMatchObject({ Status: 'firing', GeneratorURL: 'http://g', Fingerprint: '0123456789abcdef' });
    expect(a!.Labels).toBeInstanceOf(KV);
    expect(a!.StartsAt).toEqual(TemplateTime.parse('2024-05-01T11:00:00Z'));
    expect(a!.EndsAt.isZero).toBe(true);
    expect(b!.EndsAt.ms).toBe(Date.parse('2024-05-01T11:10:00Z'));
    expect(b!.GeneratorURL).toBe('');
  });

  it('prefers an explicit externalURL and freezes everything', () => {
    const d = templateData(n, { externalURL: 'https://other' });
    expect(d.ExternalURL).toBe('https://other');
    expect(Object.isFrozen(d)).toBe(true);
    expect(Object.isFrozen(d.Alerts.items)).toBe(true);
    expect(Object.isFrozen(d.Alerts.items[0])).toBe(true);
  });

  it('has empty common labels for an empty group', () => {
    const d = templateData(notification([]));
    expect(d.CommonLabels.size).toBe(0);
    expect(d.Status).toBe('resolved');
  });
});
