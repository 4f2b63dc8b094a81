import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { alertJson, getAlert, listAlerts } from '../../shared/api/alerts';
import { listGroups } from '../../shared/api/groups';
import { health } from '../../shared/api/health';
import { checkDeps } from '../../shared/runtime/check-deps';
import { awsMetricData } from '../../shared/checks/sources/cloudwatch';
import { awsCredentials } from '../../shared/checks/sources/prometheus';
import { CHECKS_TICK_MS } from '../../shared/heartbeats/service';
import { expireSilence, upsertSilence, getSilence, listSilences, silenceJson, SILENCE_MAX_BODY_BYTES } from '../../shared/api/silences';
import type { Listing } from '../../shared/api/alertmanager-v2';
import { NotFoundError, PayloadTooLargeError } from '../../shared/errors';
import { jsonBody, MAX_LINK_PARAMETER_BYTES, pathParameter } from '../../shared/http/request';
import { json, type HttpResult } from '../../shared/http/responses';
import { httpHandler } from '../../shared/runtime/middleware';
import { awsHttp, awsQueues, awsScheduler, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';
import type { Ports } from '../../shared/runtime/ports';
import { cachedSilences, SILENCE_CACHE_MS } from '../../shared/silences/cache';

// The routes most requests never reach load on first use, each module into a chunk of its own
// (ADR 0008): a cold start parses and builds only what health, alerts, groups and silences need.
// Loaded once per container; the dashboard's files are the largest part.
const lazy = {
  alertmanager: () => import('../../shared/api/alertmanager-v2'),
  checks: () => import('../../shared/api/checks'),
  deliveries: () => import('../../shared/api/deliveries'),
  digest: () => import('../../shared/api/digest'),
  heartbeats: () => import('../../shared/api/heartbeats'),
  history: () => import('../../shared/api/history'),
  incidents: () => import('../../shared/api/incidents'),
  links: () => import('../../shared/api/links'),
  pagerDuty: () => import('../../shared/api/pagerduty-webhooks'),
  redrive: () => import('../../shared/delivery/redrive'),
  slack: () => import('../../shared/api/slack-interactions'),
  stats: () => import('../../shared/api/stats'),
  testReceiver: () => import('../../shared/delivery/test-receiver'),
  ui: () => import('../../shared/ui/serve'),
};

/**
 * API adapter: health (public); alert and group state, silences, channel tests and DLQ redrive
 * (a bearer token with the route's scope, see HTTP_ROUTES). Each change request is logged with its actor.
 */
export function createHandler(
  ports: Pick<Ports, 'config' | 'stores' | 'queues' | 'queueAdmin' | 'scheduler' | 'secrets' | 'http' | 'clock' | 'log' | 'publicUrl' | 'metricData' | 'awsCredentials' | 'queueDepths'> & Partial<Pick<Ports, 'metrics' | 'uiAssets'>>,
  /** The checks tick's period (next evaluation times): the local runtime's is shorter. */
  checksTickMs = CHECKS_TICK_MS,
) {
  const { groups, deliveries, silences, inhibitions } = ports.stores;
  const silenceDeps = { silences, groups, queues: ports.queues, clock: ports.clock, limits: ports.config.raw.silences };
  // The list of silences not ended yet for alert views, reused as long as the router reuses its own;
  // a silence created or expired through this container is seen at once. Reloaded in the background
  // after half its life, so reads do not wait for it.
  const currentSilences = cachedSilences({ list: (now) => silences.current(now) }, SILENCE_CACHE_MS, ports.clock, SILENCE_CACHE_MS / 2);
  let silencesChangedAt: number | undefined;
  const stateDeps = {
    groups,
    silences: { current: () => currentSilences(silencesChangedAt === undefined ? {} : { freshAfter: silencesChangedAt }) },
    inhibitions,
    deliveries,
    config: ports.config,
    clock: ports.clock,
  };
  const incidentDeps = {
    incidents: ports.stores.incidents,
    groups,
    config: ports.config,
    queues: ports.queues,
    scheduler: ports.scheduler,
    clock: ports.clock,
    log: ports.log,
    silenceDeps,
    deliveries,
  };
  const checksApi = { ...checkDeps(ports), tickMs: checksTickMs };
  const deliveryDeps = { deliveries, payloads: ports.stores.payloads, queues: ports.queues, clock: ports.clock, log: ports.log, retentionS: ports.config.retentionS };
  const digestSources = { history: ports.stores.history, groups, deliveries: { outcomes: (ids: readonly string[]) => deliveries.outcomes(ids) }, incidents: ports.stores.incidents };
  const heartbeatDeps = { config: ports.config, heartbeats: ports.stores.heartbeats, secrets: ports.secrets, publicUrl: ports.publicUrl };
  // Alertmanager's `uptime`: when this container (or the local runtime) started serving.
  const startedAt = ports.clock();
  const healthDeps = { config: ports.config, secrets: ports.secrets, queueDepths: ports.queueDepths, ticks: ports.stores.ticks, heartbeats: ports.stores.heartbeats, clock: ports.clock, checksTickMs };
  // Errors become responses and the token's scope is checked before this runs (shared/runtime/middleware.ts).
  return httpHandler(async (event: APIGatewayProxyEventV2, context): Promise<HttpResult> => {
    if (event.routeKey === 'GET /v1/health') return await health(event, healthDeps);
    // The dashboard's files: public (the page asks for a token).
    if (event.routeKey.startsWith('GET /ui')) {
      const { bundledUiAssets, uiResponse } = await lazy.ui();
      return await uiResponse(event.rawPath, ports.uiAssets ?? bundledUiAssets);
    }
    if (event.routeKey === 'GET /v1/links/{link}') return await (await lazy.links()).showLink({ ...incidentDeps, secrets: ports.secrets }, pathParameter(event, 'link', MAX_LINK_PARAMETER_BYTES));
    if (event.routeKey === 'POST /v1/links/{link}') {
      ports.log.info('api change requested', { route: event.routeKey, actor: 'signed link', requestId: event.requestContext.requestId });
      return await (await lazy.links()).useLink({ ...incidentDeps, secrets: ports.secrets }, pathParameter(event, 'link', MAX_LINK_PARAMETER_BYTES));
    }
    if (event.routeKey === 'POST /v1/slack/interactions' || event.routeKey === 'POST /v1/pagerduty/webhooks') {
      // Both are signed over the raw body, which is all the credential they carry.
      const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      if (Buffer.byteLength(raw) > SIGNED_CALLBACK_MAX_BYTES) throw new PayloadTooLargeError(SIGNED_CALLBACK_MAX_BYTES);
      ports.log.info('api change requested', { route: event.routeKey, actor: 'signed callback', requestId: event.requestContext.requestId });
      return event.routeKey === 'POST /v1/slack/interactions'
        ? await (await lazy.slack()).slackInteraction({ ...incidentDeps, secrets: ports.secrets, http: ports.http }, event, raw)
        : await (await lazy.pagerDuty()).pagerDutyWebhook({ ...incidentDeps, secrets: ports.secrets }, event, raw);
    }
    const actor = context.principal!.name;
    if (event.requestContext.http.method !== 'GET') ports.log.info('api change requested', { route: event.routeKey, actor, requestId: event.requestContext.requestId });
    switch (event.routeKey) {
      case 'GET /v1/alerts': {
        const listed = await listAlerts(stateDeps, event.queryStringParameters ?? {});
        return json(200, { ...listed, alerts: listed.alerts.map(alertJson) });
      }
      case 'GET /v1/alerts/{id}':
        return json(200, alertJson(await getAlert(stateDeps, pathParameter(event, 'id'))));
      case 'GET /v1/groups':
        return json(200, await listGroups(stateDeps, event.queryStringParameters ?? {}));
      case 'POST /v1/silences': {
        // With the `id` of a silence: an edit, as Alertmanager makes it (in place, or a replacement).
        const { silence, created } = await upsertSilence(silenceDeps, jsonBody(event, SILENCE_MAX_BODY_BYTES), actor);
        silencesChangedAt = ports.clock().getTime();
        return json(created ? 201 : 200, silenceJson(silence));
      }
      case 'GET /v1/silences': {
        const listed = await listSilences(silenceDeps, event.queryStringParameters ?? {});
        return json(200, { ...listed, silences: listed.silences.map(silenceJson) });
      }
      case 'GET /v1/silences/{id}':
        return json(200, silenceJson(await getSilence(silenceDeps, pathParameter(event, 'id'))));
      case 'DELETE /v1/silences/{id}': {
        const expired = await expireSilence(silenceDeps, pathParameter(event, 'id'), actor);
        silencesChangedAt = ports.clock().getTime();
        return json(200, silenceJson(expired));
      }
      case 'POST /v1/channels/{receiver}/test': {
        const receiver = pathParameter(event, 'receiver');
        const results = await (await lazy.testReceiver()).testReceiver(receiver, { ...ports, deliveries });
        return json(200, { receiver, results });
      }
      case 'GET /v1/incidents':
        return json(200, await (await lazy.incidents()).listIncidents(incidentDeps, event.queryStringParameters ?? {}));
      case 'GET /v1/incidents/{id}':
        return json(200, await (await lazy.incidents()).getIncident(incidentDeps, pathParameter(event, 'id')));
      case 'POST /v1/incidents/{id}/ack':
      case 'POST /v1/incidents/{id}/unack':
      case 'POST /v1/incidents/{id}/resolve':
      case 'POST /v1/incidents/{id}/escalate': {
        const action = event.routeKey.slice(event.routeKey.lastIndexOf('/') + 1) as 'ack' | 'unack' | 'resolve' | 'escalate';
        const body = event.body ? jsonBody(event, INCIDENT_ACTION_MAX_BODY_BYTES) : undefined;
        const result = await (await lazy.incidents()).actOnIncident(incidentDeps, pathParameter(event, 'id'), action, actor, body);
        if (result.silence) silencesChangedAt = ports.clock().getTime();
        return json(200, result);
      }
      case 'POST /v1/incidents/{id}/notes':
        return json(201, await (await lazy.incidents()).addIncidentNote(incidentDeps, pathParameter(event, 'id'), jsonBody(event, INCIDENT_ACTION_MAX_BODY_BYTES), actor));
      case 'GET /v1/history':
        return json(200, await (await lazy.history()).listHistory({ history: ports.stores.history, incidents: ports.stores.incidents, clock: ports.clock, retentionS: ports.config.retentionS }, event.queryStringParameters ?? {}));
      case 'POST /v1/digest/preview': {
        const { DIGEST_PREVIEW_MAX_BODY_BYTES, previewDigest } = await lazy.digest();
        const body = event.body ? jsonBody(event, DIGEST_PREVIEW_MAX_BODY_BYTES) : undefined;
        return json(200, await previewDigest({ ...digestSources, config: ports.config, clock: ports.clock }, body));
      }
      case 'GET /v1/checks':
        return json(200, await (await lazy.checks()).listChecks(checksApi));
      case 'POST /v1/checks': {
        const { CHECK_MAX_BODY_BYTES, createCheck } = await lazy.checks();
        return json(201, await createCheck(checksApi, jsonBody(event, CHECK_MAX_BODY_BYTES)));
      }
      case 'GET /v1/checks/{name}':
        return json(200, await (await lazy.checks()).getCheck(checksApi, pathParameter(event, 'name')));
      case 'PUT /v1/checks/{name}': {
        const { CHECK_MAX_BODY_BYTES, replaceCheck } = await lazy.checks();
        return json(200, await replaceCheck(checksApi, pathParameter(event, 'name'), jsonBody(event, CHECK_MAX_BODY_BYTES)));
      }
      case 'DELETE /v1/checks/{name}':
        return json(200, await (await lazy.checks()).deleteCheck(checksApi, pathParameter(event, 'name')));
      case 'POST /v1/checks/{name}/pause':
      case 'POST /v1/checks/{name}/resume':
        return json(200, await (await lazy.checks()).setPaused(checksApi, pathParameter(event, 'name'), event.routeKey.endsWith('/pause')));
      case 'POST /v1/checks/{name}/evaluate': {
        const { CHECK_MAX_BODY_BYTES, evaluateCheckNow } = await lazy.checks();
        const body = event.body ? jsonBody(event, CHECK_MAX_BODY_BYTES) : undefined;
        return json(200, await evaluateCheckNow(checksApi, pathParameter(event, 'name'), body, event.queryStringParameters ?? {}));
      }
      case 'GET /v1/heartbeats': {
        const pingUrls = context.principal!.scopes.includes('ingest');
        const listed = json(200, await (await lazy.heartbeats()).listHeartbeats(heartbeatDeps, { pingUrls }));
        // Ping URLs ping without a token: a browser does not keep them in its cache.
        return pingUrls ? { ...listed, headers: { ...listed.headers, 'cache-control': 'no-store' } } : listed;
      }
      case 'GET /api/v2/alerts':
        return listing(await (await lazy.alertmanager()).getAlerts(stateDeps, amQuery(event)));
      case 'GET /api/v2/alerts/groups':
        return listing(await (await lazy.alertmanager()).getAlertGroups(stateDeps, amQuery(event)));
      case 'GET /api/v2/silences':
        return listing(await (await lazy.alertmanager()).getSilences(silenceDeps, amQuery(event)));
      case 'POST /api/v2/silences': {
        const posted = await (await lazy.alertmanager()).postSilence(silenceDeps, jsonBody(event, SILENCE_MAX_BODY_BYTES), actor);
        silencesChangedAt = ports.clock().getTime();
        return json(200, posted);
      }
      case 'GET /api/v2/silence/{silenceID}': {
        const silence = await (await lazy.alertmanager()).getSilenceById(silenceDeps, pathParameter(event, 'silenceID'));
        return silence ? json(200, silence) : { statusCode: 404, headers: {}, body: '' };
      }
      case 'DELETE /api/v2/silence/{silenceID}':
        await (await lazy.alertmanager()).deleteSilence(silenceDeps, pathParameter(event, 'silenceID'), actor);
        silencesChangedAt = ports.clock().getTime();
        return { statusCode: 200, headers: {}, body: '' };
      case 'GET /api/v2/status':
        return json(200, (await lazy.alertmanager()).status(ports.config, startedAt));
      case 'GET /api/v2/receivers':
        return json(200, (await lazy.alertmanager()).receivers(ports.config));
      case 'GET /v1/session':
        return json(200, { name: context.principal!.name, scopes: [...context.principal!.scopes].sort() });
      case 'GET /v1/stats':
        return json(200, await (await lazy.stats()).getStats({ ...digestSources, deliveries, clock: ports.clock, retentionS: ports.config.retentionS }, event.queryStringParameters ?? {}));
      case 'GET /v1/deliveries':
        return json(200, await (await lazy.deliveries()).listDeliveries(deliveryDeps, event.queryStringParameters ?? {}));
      case 'GET /v1/deliveries/{id}':
        return json(200, await (await lazy.deliveries()).getDelivery(deliveryDeps, pathParameter(event, 'id')));
      case 'POST /v1/deliveries/{id}/retry':
        return json(202, await (await lazy.deliveries()).retryDelivery(deliveryDeps, pathParameter(event, 'id'), actor));
      case 'POST /v1/redrive':
        return json(200, await (await lazy.redrive()).redrive(event.queryStringParameters?.channel, ports));
      default:
        throw new NotFoundError(`no route ${event.routeKey}`);
    }
  }, { log: ports.log, auth: () => ports.config.raw.auth, secrets: ports.secrets, metrics: ports.metrics });
}

/** An Alertmanager API query: its values repeat (`filter`), which queryStringParameters would join with commas. */
const amQuery = (event: APIGatewayProxyEventV2) => new URLSearchParams(event.rawQueryString ?? '');

/** An Alertmanager API listing: a bare array, and a header when its bound cut it short. */
function listing<T>(result: Listing<T>): HttpResult {
  const res = json(200, result.items);
  if (result.truncated) res.headers['x-alertflow-truncated'] = 'true';
  return res;
}

/** A Slack interaction carries the whole message it came from, a PagerDuty webhook its incident: tens of KB at most. */
const SIGNED_CALLBACK_MAX_BYTES = 256 * 1024;

/** An action's body is at most a silence's duration and comment. */
const INCIDENT_ACTION_MAX_BODY_BYTES = 8 * 1024;

export const handler = lazyHandler(
  'api',
  (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsScheduler(base), ...awsSecrets(), ...awsHttp(), metricData: awsMetricData(), awsCredentials: awsCredentials() }),
  (ports) => createHandler(ports),
);
