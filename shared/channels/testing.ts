/**
 * Test support for the channel tests (imported only by *.test.ts and test/support/sender-contract.ts):
 * a fixture notification, a fake HttpPort and a fake SecretResolver.
 */
import type { Alert } from '../alerts/model';
import type { SecretRef } from '../primitives/schemas';
import type { SecretResolver } from '../primitives/secrets';
import { SecretError } from '../errors';
import type { NotificationMessage } from '../queues/messages';
import type { SendContext } from './channel';
import type { EmailMessage, MailPort, SmsMessage, SmsPort } from './ports';
import type { HttpPort, HttpRequest, HttpResponse } from './http';

/** The alert of shared/fixtures/alertmanager/firing-error-rate-critical.json, normalized. */
export const FIXTURE_ALERT: Alert = {
  fingerprint: '25464961f2df65e8',
  status: 'firing',
  labels: { alertname: 'HighErrorRate', env: 'prod', service: 'payment-gateway', severity: 'critical' },
  annotations: { runbook_url: 'https://runbooks.example.com/high-error-rate', summary: 'Error rate 7.5% above 5%' },
  startsAt: '2026-11-22T06:15:10.568Z',
  generatorURL: 'http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1',
  source: 'alertmanager',
};

export function notification(overrides: { alerts?: Alert[]; truncatedAlerts?: number; status?: 'firing' | 'resolved'; receiver?: string } = {}): NotificationMessage {
  const alerts = overrides.alerts ?? [FIXTURE_ALERT];
  return {
    kind: 'notification',
    id: 'ntf-0001',
    createdAt: '2026-11-22T06:15:40.000Z',
    receiver: overrides.receiver ?? 'hook',
    channel: { type: 'webhook', index: 0 },
    group: {
      id: 'grp-1',
      key: '{}:{alertname="HighErrorRate", service="payment-gateway"}',
      labels: { service: 'payment-gateway', alertname: 'HighErrorRate' },
      status: overrides.status ?? (alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved'),
      alerts,
      truncatedAlerts: overrides.truncatedAlerts ?? 0,
    },
    // No external_url configured: both are the URL of the Alertmanager that sent the alert.
    externalURL: 'http://vm:9093',
    sourceURL: 'http://vm:9093',
  };
}

/** `count` alerts, each with `annotationBytes` of summary and of description. */
export function hugeAlerts(count: number, annotationBytes: number): Alert[] {
  return Array.from({ length: count }, (_, i) => ({
    ...FIXTURE_ALERT,
    fingerprint: i.toString(16).padStart(16, '0'),
    status: i % 5 === 4 ? 'resolved' : 'firing',
    endsAt: i % 5 === 4 ? '2026-11-22T06:20:00.000Z' : undefined,
    labels: { ...FIXTURE_ALERT.labels, instance: `host-${i}.example.com:9100`, pod: `payment-gateway-${i}-<&>` },
    annotations: {
      ...FIXTURE_ALERT.annotations,
      summary: `S${i} `.padEnd(annotationBytes, 'x&<>'),
      description: `D${i} `.padEnd(annotationBytes, 'y'),
      dashboard_url: `https://grafana.example.com/d/abc?var-pod=payment-gateway-${i}&from=now-1h`,
    },
  }));
}

export interface FakeHttp extends HttpPort {
  calls: Array<{ url: string; req: HttpRequest }>;
}

/** Answers every post with `respond` (a response, or an error to throw). */
export function fakeHttp(respond: (url: string, req: HttpRequest) => Partial<HttpResponse> | Error = () => ({})): FakeHttp {
  const calls: FakeHttp['calls'] = [];
  return {
    calls,
    async post(url, req) {
      calls.push({ url, req });
      const r = respond(url, req);
      if (r instanceof Error) throw r;
      return { status: r.status ?? 200, headers: r.headers ?? {}, body: r.body ?? 'ok' };
    },
  };
}

/** Resolves `{ env: NAME }` from `values`, inline strings as themselves; throws SecretError otherwise. */
export function fakeSecrets(values: Record<string, string>): SecretResolver {
  return {
    async resolve(ref: SecretRef) {
      if (typeof ref === 'string') return ref;
      const v = ref.env ? values[ref.env] : undefined;
      if (v === undefined) throw new SecretError(`secret env:${ref.env ?? '?'} is not set`);
      return v;
    },
  };
}

export const NOW = new Date('2026-11-22T06:16:00.000Z');

/** Mail and SMS ports that record what they were asked to send. */
export function recordingPorts(): { mail: MailPort & { sent: EmailMessage[] }; sms: SmsPort & { sent: SmsMessage[] } } {
  const mailSent: EmailMessage[] = [];
  const smsSent: SmsMessage[] = [];
  return {
    mail: { sent: mailSent, send: async (m) => (mailSent.push(m), { messageId: `mail-${mailSent.length}` }) },
    sms: { sent: smsSent, send: async (m) => (smsSent.push(m), { messageId: `sms-${smsSent.length}` }) },
  };
}

export function context(http: HttpPort, secrets: Record<string, string>, ports = recordingPorts()): SendContext {
  return { http, ...ports, secrets: fakeSecrets(secrets), now: () => NOW };
}
