/**
 * The warm-up storm of `npm start` (warm-up.ts): its config, requests and events. Each ingest worker
 * runs the same requests (ingest-worker.ts), so this module imports nothing of the runtime.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseConfigYaml } from '../config/loader';
import type { Config } from '../config/schema';
import { localRequestContext } from './gateway-event';

/** The warm-up's token (its runtime is on an ephemeral loopback port and lives under a second). */
export const WARM_UP_TOKEN = 'alertflow-warm-up';
/** Alerts and groups of the warm-up storm: enough calls for V8 to compile the hot paths. */
export const WARM_UP_ALERTS = 2_000;
export const WARM_UP_GROUPS = 200;
const BATCH = 100;
const EXTRA_LABELS = ['job', 'env', 'severity', 'team', 'namespace'];
const ANNOTATIONS = ['summary', 'description', 'runbook_url'];

/** One route (group_wait 0s: every new group notifies at once) to one webhook, as a storm exercises. */
export function warmUpConfig(receiverUrl: string): Config {
  return parseConfigYaml(
    `auth:
  tokens:
    - name: warm-up
      secret: { env: ALERTFLOW_WEBHOOK_TOKEN }
      scopes: [ingest]
route:
  receiver: hook
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: ${receiverUrl}
`,
    'warm-up',
  );
}

/** The warm-up storm as Alertmanager webhook bodies of BATCH alerts, each batch spread over BATCH groups. */
export function warmUpBodies(alerts = WARM_UP_ALERTS, groups = WARM_UP_GROUPS): string[] {
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const bodies: string[] = [];
  for (let first = 0; first < alerts; first += BATCH) {
    const batch = [];
    for (let i = first; i < Math.min(alerts, first + BATCH); i++) {
      const g = i % groups;
      // Label and annotation sets of several sizes, as real rules give: code compiled for one shape
      // only would be thrown away at the first alert of another.
      const labels: Record<string, string> = { alertname: `WarmUp${g % 10}`, service: `warm-up-${Math.floor(g / 10)}`, instance: `host-${i}:9100` };
      for (const name of EXTRA_LABELS.slice(0, i % (EXTRA_LABELS.length + 1))) labels[name] = `${name}-${i % 7}`;
      const annotations: Record<string, string> = {};
      for (const name of ANNOTATIONS.slice(0, 1 + (i % ANNOTATIONS.length))) annotations[name] = `${name} of warm-up alert ${i}`;
      batch.push({ status: 'firing', labels, annotations, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: '' });
    }
    bodies.push(JSON.stringify({ version: '4', status: 'firing', receiver: 'alertflow', groupKey: '{}:{}', truncatedAlerts: 0, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093', alerts: batch }));
  }
  return bodies;
}

/** The event API Gateway (and the local server) hands the ingest handler for one warm-up body. */
export function warmUpEvent(body: string): APIGatewayProxyEventV2 {
  const path = '/v1/webhooks/alertmanager';
  const routeKey = `POST ${path}`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${WARM_UP_TOKEN}`, 'user-agent': 'alertflow-warm-up' };
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded: false,
    requestContext: localRequestContext({ routeKey, method: 'POST', path, headers, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', requestId: 'warm-up' }),
  };
}
