import { randomUUID } from 'node:crypto';
import type { MetricsPort } from '../metrics/catalog';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Alert, AlertSource } from '../alerts/model';
import { normalizeAlertmanager } from '../alerts/normalize/alertmanager';
import { normalizeGrafana } from '../alerts/normalize/grafana';
import { normalizeGeneric } from '../alerts/normalize/generic';
import { normalizeCloudWatchEvent, normalizeCloudWatchSns } from '../alerts/normalize/cloudwatch';
import { normalizeAlertmanagerApi } from '../alerts/normalize/alertmanager-api';
import { isObject } from '../alerts/normalize/common';
import type { Normalized } from '../alerts/normalize/types';
import type { SecretResolver } from '../primitives/secrets';
import { NotFoundError, ValidationError } from '../errors';
import { invalid } from '../alerts/normalize/common';
import { jsonBody } from '../http/request';
import { json, type HttpResult } from '../http/responses';
import type { IngestMessage } from '../queues/messages';
import { ALERTS_QUEUE } from '../queues/names';
import { batchesOf, encodeBody, type OutgoingMessage, type QueuePort } from '../queues/port';
import type { CompiledConfig } from '../runtime/compiled-config';
import { ingestPing, ingestSynthetic, PING_ROUTES } from './heartbeat-pings';
import { isSyntheticEvent } from '../self-monitoring/synthetic';

export interface IngestDeps {
  config: CompiledConfig;
  queues: QueuePort;
  secrets: SecretResolver;
  clock: () => Date;
  newId?: () => string;
  /** Counts the alerts accepted (AlertsReceived), by source. */
  metrics?: MetricsPort | undefined;
}

export interface Accepted {
  accepted: number;
  /** Alerts the sender reported it had dropped (Alertmanager's truncatedAlerts). */
  truncatedAlerts: number;
  messages: number;
}

type HttpSource = Exclude<AlertSource, 'cloudwatch' | 'alertmanager-api'>;

const SOURCE_BY_PATH: Record<string, HttpSource> = {
  '/v1/webhooks/alertmanager': 'alertmanager',
  '/v1/webhooks/grafana': 'grafana',
  '/v1/alerts': 'generic',
};

/** Alertmanager's own API: Prometheus posts here when alertflow is its Alertmanager. */
const ALERTMANAGER_API_ALERTS_PATH = '/api/v2/alerts';

/** POST of alerts over HTTP: authenticate, validate, normalize, enqueue; answer how many were accepted. */
/**
 * An ingest request whose token and scope were checked already (the handler's middleware does that
 * before this runs, so an unauthenticated caller learns nothing about validation).
 */
export async function ingestHttp(event: APIGatewayProxyEventV2, deps: IngestDeps): Promise<HttpResult> {
  if (PING_ROUTES.has(event.routeKey)) return ingestPing(event, deps);
  if (event.rawPath === ALERTMANAGER_API_ALERTS_PATH) return ingestAlertmanagerApi(event, deps);
  const source = SOURCE_BY_PATH[event.rawPath];
  if (!source) throw new NotFoundError(`no ingest route for ${event.rawPath}`);
  const body = jsonBody(event, deps.config.raw.ingest.max_body_bytes);
  const normalized = normalizeHttp(source, body, deps);
  const result = await enqueue(source, normalized, deps);
  return json(202, { status: 'accepted', ...result });
}

/**
 * POST /api/v2/alerts, answered as Alertmanager answers: 200 with no body when every alert was
 * valid. As there, valid alerts are accepted even beside invalid ones; the invalid ones are then a
 * 400 naming each, sent only after the valid ones are queued.
 */
async function ingestAlertmanagerApi(event: APIGatewayProxyEventV2, deps: IngestDeps): Promise<HttpResult> {
  const body = jsonBody(event, deps.config.raw.ingest.max_body_bytes);
  const { rejected, ...normalized } = normalizeAlertmanagerApi(body, {
    now: deps.clock(),
    resolveTimeoutMs: deps.config.resolveTimeoutMs,
    maxAlerts: deps.config.raw.ingest.max_alerts_per_request,
  });
  await enqueue('alertmanager-api', normalized, deps);
  if (rejected.length > 0) throw invalid('alerts (the valid ones were accepted)', rejected);
  return { statusCode: 200, headers: {}, body: '' };
}

function normalizeHttp(source: HttpSource, body: unknown, deps: IngestDeps): Normalized {
  const maxAlerts = deps.config.raw.ingest.max_alerts_per_request;
  let normalized: Normalized;
  switch (source) {
    case 'alertmanager':
      normalized = normalizeAlertmanager(body);
      break;
    case 'grafana':
      normalized = normalizeGrafana(body);
      break;
    case 'generic':
      return normalizeGeneric(body, { now: deps.clock(), defaultTimeoutMs: deps.config.defaultAlertTimeoutMs, maxAlerts });
  }
  if (normalized.alerts.length > maxAlerts) {
    throw new ValidationError(`too many alerts: ${normalized.alerts.length} (the limit is ${maxAlerts} per request)`, [
      { path: 'alerts', message: `at most ${maxAlerts} alerts` },
    ]);
  }
  return normalized;
}

/**
 * A CloudWatch alarm state change, from the EventBridge rule or the SNS topic. Invalid events throw:
 * the Lambda's async retries then its DLQ keep them, nothing is dropped silently.
 */
export async function ingestAwsEvent(event: unknown, deps: IngestDeps): Promise<Accepted> {
  const insufficientData = deps.config.raw.cloudwatch.insufficient_data;
  if (!isObject(event)) throw new ValidationError(`unsupported event: ${UNSUPPORTED_EVENT} (got ${describe(event)})`);
  if (isSyntheticEvent(event)) return ingestSynthetic(event, deps);
  const e = event as { Records?: unknown[]; 'detail-type'?: string };
  if (Array.isArray(e.Records)) {
    const parts = e.Records.map((record, i) => {
      if (!isObject(record) || record.EventSource !== 'aws:sns') throw new ValidationError(`Records[${i}]: not an SNS record`);
      return normalizeCloudWatchSns(record, { insufficientData });
    });
    return enqueue('cloudwatch', { alerts: parts.flatMap((p) => p.alerts), origin: {} }, deps);
  }
  if (typeof e['detail-type'] === 'string') {
    return enqueue('cloudwatch', normalizeCloudWatchEvent(event, { insufficientData }), deps);
  }
  throw new ValidationError(`unsupported event: ${UNSUPPORTED_EVENT}`);
}

const UNSUPPORTED_EVENT = 'expected an EventBridge "CloudWatch Alarm State Change" event or an SNS event';

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** Largest body we put on the alerts queue (under SQS's 256 KiB with room for attributes). */
const MAX_MESSAGE_BYTES = 200 * 1024;

async function enqueue(source: AlertSource, normalized: Normalized, deps: IngestDeps): Promise<Accepted> {
  const truncatedAlerts = normalized.origin.truncatedAlerts ?? 0;
  if (normalized.alerts.length === 0) return { accepted: 0, truncatedAlerts, messages: 0 };
  const requestId = (deps.newId ?? randomUUID)();
  const receivedAt = deps.clock().toISOString();
  const bodies = splitToFit(normalized.alerts, (alerts, part) =>
    JSON.stringify({ kind: 'alerts', id: `${requestId}:${part}`, receivedAt, source, origin: normalized.origin, alerts } satisfies IngestMessage),
  );
  const messages: OutgoingMessage[] = bodies.map((body, i) => ({ id: `m${i}`, body: encodeBody(deps.queues, body) }));
  for (const batch of batchesOf(messages)) await deps.queues.send(ALERTS_QUEUE, batch);
  deps.metrics?.count('alertsReceived', normalized.alerts.length, { source });
  return { accepted: normalized.alerts.length, truncatedAlerts, messages: messages.length };
}

/** Serialize alerts into as few messages as fit, halving a slice until it does. */
function splitToFit(alerts: Alert[], serialize: (alerts: Alert[], part: number) => string): string[] {
  const out: string[] = [];
  const queue: Alert[][] = [alerts];
  while (queue.length > 0) {
    const slice = queue.shift()!;
    const body = serialize(slice, out.length);
    if (Buffer.byteLength(body) <= MAX_MESSAGE_BYTES) out.push(body);
    else if (slice.length === 1) throw new ValidationError(`alert ${slice[0]!.fingerprint} is larger than ${MAX_MESSAGE_BYTES} bytes`);
    else queue.unshift(slice.slice(0, slice.length >> 1), slice.slice(slice.length >> 1));
  }
  return out;
}

