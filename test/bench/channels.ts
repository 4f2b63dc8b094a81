import { fingerprint } from '../../shared/labels/fingerprint';
import type { Alert } from '../../shared/alerts/model';
import type { SendContext } from '../../shared/channels/channel';
import { senderFor } from '../../shared/channels/registry';
import { parseConfigYaml } from '../../shared/config/loader';
import { envSecretResolver } from '../../shared/primitives/secrets';
import { CHANNEL_TYPES, CONFIG_KEYS } from '../../shared/channel-types';
import type { ChannelType, NotificationMessage } from '../../shared/queues/messages';
import { heading, num, table } from './format';

/**
 * Render + send overhead per notification for each channel, the network excluded: the HTTP, mail and
 * SMS ports answer at once, so what is timed is secret lookup, rendering, escaping, truncation,
 * signing and outcome classification.
 */
export interface ChannelOverhead {
  channel: ChannelType;
  alerts: number;
  iterations: number;
  meanUs: number;
  bodyBytes: number;
}

const CONFIG = parseConfigYaml(`
route: { receiver: all }
receivers:
  - name: all
    slack_configs: [{ webhook_url: 'http://127.0.0.1:9/services/T/B/x' }]
    webhook_configs: [{ url: 'http://127.0.0.1:9/hook', hmac_secret: key, format: alertmanager }]
    email_configs: [{ from: alerts@example.com, to: [oncall@example.com] }]
    sms_configs: [{ to: ['+15551234567'] }]
    pagerduty_configs: [{ routing_key: rk, events_url: 'http://127.0.0.1:9/v2/enqueue' }]
    teams_configs: [{ webhook_url: 'http://127.0.0.1:9/teams' }]
`);

function notification(type: ChannelType, count: number): NotificationMessage {
  const alerts: Alert[] = Array.from({ length: count }, (_, i) => {
    const labels = { alertname: 'HighErrorRate', service: 'payment-gateway', severity: 'critical', instance: `pod-${i}` };
    return {
      fingerprint: fingerprint(labels),
      status: 'firing',
      labels,
      annotations: { summary: `Error rate above 5% on pod-${i}`, runbook_url: 'https://runbooks.example.com/high-error-rate' },
      startsAt: '2026-11-22T06:15:10.568Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
      source: 'alertmanager',
    };
  });
  return {
    kind: 'notification',
    id: `bench.${type}.0`,
    createdAt: '2026-11-22T06:16:00.000Z',
    receiver: 'all',
    channel: { type, index: 0 },
    group: { id: 'g', key: '{}:{alertname="HighErrorRate"}', labels: { alertname: 'HighErrorRate' }, status: 'firing', alerts, truncatedAlerts: 0 },
  };
}

export async function measureChannels(iterations = 500, sizes = [1, 50]): Promise<ChannelOverhead[]> {
  let bodyBytes = 0;
  const ctx: SendContext = {
    http: { post: async (_url, req) => ((bodyBytes = req.body.length), { status: 200, headers: {}, body: 'ok' }) },
    mail: { send: async (m) => ((bodyBytes = m.html.length + m.text.length), { messageId: 'm' }) },
    sms: { send: async (m) => ((bodyBytes = m.body.length), { messageId: 's' }) },
    secrets: envSecretResolver({}),
    now: () => new Date('2026-11-22T06:16:00.000Z'),
  };
  const out: ChannelOverhead[] = [];
  for (const type of CHANNEL_TYPES) {
    const config = (CONFIG.receivers[0]![CONFIG_KEYS[type]] as unknown[])[0] as never;
    const sender = senderFor(type);
    for (const size of sizes) {
      const n = notification(type, size);
      for (let i = 0; i < 50; i++) await sender.send(ctx, n, config); // warm up
      const t0 = performance.now();
      for (let i = 0; i < iterations; i++) {
        const r = await sender.send(ctx, n, config);
        if (r.kind !== 'success') throw new Error(`${type} bench send failed: ${r.reason}`);
      }
      out.push({ channel: type, alerts: size, iterations, meanUs: ((performance.now() - t0) * 1000) / iterations, bodyBytes });
    }
  }
  return out;
}

export function renderChannelOverhead(rows: ChannelOverhead[]): string {
  return (
    heading('Channel render + send overhead per notification (network excluded)') +
    '\n' +
    table(
      ['Channel', 'Alerts in group', 'Iterations', 'Mean per notification', 'Payload'],
      rows.map((r) => [r.channel, String(r.alerts), String(r.iterations), `${num(r.meanUs, 0)} µs`, `${num(r.bodyBytes / 1024, 1)} KB`]),
    ) +
    '\n'
  );
}
