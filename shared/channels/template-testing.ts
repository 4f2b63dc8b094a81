import type { Alert } from '../alerts/model';
import type { NotificationMessage } from '../queues/messages';
import type { TemplateData } from '../templates';
import { templateData } from './template-data';

/** Test fixtures: a notification shaped like the router's, and its template data. */
export function alert(over: Partial<Alert> & { labels?: Record<string, string> } = {}): Alert {
  return {
    fingerprint: '0123456789abcdef',
    status: 'firing',
    labels: { alertname: 'HighCPU' },
    annotations: {},
    startsAt: '2024-05-01T11:00:00Z',
    source: 'alertmanager',
    ...over,
  };
}

export function notification(alerts: Alert[], over: Partial<NotificationMessage['group']> = {}): NotificationMessage {
  return {
    kind: 'notification',
    id: 'n-1',
    createdAt: '2024-05-01T12:00:00Z',
    receiver: 'team-infra',
    channel: { type: 'slack', index: 0 },
    group: {
      id: 'g-1',
      key: '{}:{alertname="HighCPU"}',
      labels: { alertname: 'HighCPU' },
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      alerts,
      truncatedAlerts: 0,
      ...over,
    },
    externalURL: 'https://alertflow.example.com',
  };
}

/** Two firing HighCPU alerts (instances a, b) and one resolved (c), all severity=critical team=infra. */
export function sampleData(): TemplateData {
  const common = { alertname: 'HighCPU', severity: 'critical', team: 'infra' };
  return templateData(
    notification([
      alert({
        labels: { ...common, instance: 'a' },
        annotations: { summary: 'CPU high', runbook: 'https://runbooks/cpu' },
        generatorURL: 'http://prometheus/graph?g0.expr=cpu',
      }),
      alert({
        fingerprint: '0123456789abcdee',
        labels: { ...common, instance: 'b' },
        annotations: { summary: 'CPU high' },
        startsAt: '2024-05-01T11:30:00.250Z',
      }),
      alert({
        fingerprint: '0123456789abcded',
        status: 'resolved',
        labels: { ...common, instance: 'c' },
        annotations: { summary: 'CPU high' },
        startsAt: '2024-05-01T10:00:00Z',
        endsAt: '2024-05-01T11:59:00Z',
      }),
    ]),
  );
}

/** `now` for renders: the notification's creation time. */
export const NOW = Date.parse('2024-05-01T12:00:00Z');
