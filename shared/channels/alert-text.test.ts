import { describe, expect, it } from 'vitest';
import { alertLinks, omittedAlertsLines } from './alert-text';
import { FIXTURE_ALERT, hugeAlerts } from './testing';

describe('alert text', () => {
  it('alertLinks: runbook, dashboard and source, under either annotation name, as written', () => {
    const a = { ...FIXTURE_ALERT, annotations: { runbook: 'https://r.example.com', dashboard: 'https://d.example.com' } };
    expect(alertLinks(a)).toEqual([
      { label: 'Runbook', url: 'https://r.example.com' },
      { label: 'Dashboard', url: 'https://d.example.com' },
      { label: 'Source', url: FIXTURE_ALERT.generatorURL },
    ]);
    const preferred = { runbook_url: 'https://r1.example.com', runbook: 'https://r2.example.com', dashboard_url: 'javascript:alert(1)', dashboard: 'https://d.example.com' };
    expect(alertLinks({ ...a, annotations: preferred, generatorURL: undefined })).toEqual([
      { label: 'Runbook', url: 'https://r1.example.com' },
      { label: 'Dashboard', url: 'javascript:alert(1)' },
    ]);
  });

  it('omittedAlertsLines: hidden alerts by state, then what the router left out', () => {
    expect(omittedAlertsLines(hugeAlerts(5, 10), 1)).toEqual([
      '…and 5 more alerts not shown (4 firing, 1 resolved)',
      '1 more alert left out of this notification to keep it within size limits',
    ]);
    expect(omittedAlertsLines([], 0)).toEqual([]);
  });
});
