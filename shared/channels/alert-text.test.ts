import { describe, expect, it } from 'vitest';
import { alertLinks, omittedAlertsLines, sourceLink } from './alert-text';
import { FIXTURE_ALERT, hugeAlerts, notification } from './testing';

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

  it('alertLinks: Grafana panel and silence (firing only), CloudWatch console (stored or built), each URL once', () => {
    const grafana = {
      ...FIXTURE_ALERT,
      source: 'grafana' as const,
      annotations: { dashboard_url: 'https://g.example.com/d/1', panel_url: 'https://g.example.com/d/1?viewPanel=3', silence_url: 'https://g.example.com/silence' },
      generatorURL: 'https://g.example.com/d/1',
    };
    expect(alertLinks(grafana)).toEqual([
      { label: 'Dashboard', url: 'https://g.example.com/d/1' },
      { label: 'Panel', url: 'https://g.example.com/d/1?viewPanel=3' },
      { label: 'Silence', url: 'https://g.example.com/silence' },
    ]);
    expect(alertLinks({ ...grafana, status: 'resolved' }).map((l) => l.label)).toEqual(['Dashboard', 'Panel']);

    const alarm = { ...FIXTURE_ALERT, source: 'cloudwatch' as const, labels: { alertname: 'db cpu/high', region: 'us-gov-west-1' }, annotations: {}, generatorURL: undefined };
    expect(alertLinks({ ...alarm, annotations: { alarm_arn: 'arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:db cpu/high' } })).toEqual([
      { label: 'CloudWatch', url: 'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/db%20cpu%2Fhigh' },
    ]);
    expect(alertLinks({ ...alarm, annotations: { console_url: 'https://stored.example.com/x' } })).toEqual([{ label: 'CloudWatch', url: 'https://stored.example.com/x' }]);
    // Only a CloudWatch alert gets a built console link.
    expect(alertLinks({ ...alarm, source: 'generic' })).toEqual([]);
  });

  it('sourceLink: the sending Alertmanager or Grafana, never alertflow\'s external_url', () => {
    expect(sourceLink(notification())).toEqual({ name: 'Alertmanager', label: 'Open in Alertmanager', url: 'http://vm:9093' });
    const grafana = { ...notification({ alerts: [{ ...FIXTURE_ALERT, source: 'grafana' }] }), sourceURL: 'https://grafana.example.com/' };
    expect(sourceLink(grafana)).toMatchObject({ name: 'Grafana', url: 'https://grafana.example.com/' });
    const n = { ...notification(), externalURL: 'https://alertflow.example.com' };
    delete n.sourceURL;
    expect(sourceLink(n)).toBeUndefined();
  });

  it('omittedAlertsLines: hidden alerts by state, then what the router left out', () => {
    expect(omittedAlertsLines(hugeAlerts(5, 10), 1)).toEqual([
      '…and 5 more alerts not shown (4 firing, 1 resolved)',
      '1 more alert left out of this notification to keep it within size limits',
    ]);
    expect(omittedAlertsLines([], 0)).toEqual([]);
  });
});
