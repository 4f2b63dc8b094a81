import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { alertJson, getAlert, listAlerts } from '../../shared/api/alerts';
import { listGroups } from '../../shared/api/groups';
import { actOnIncident, addIncidentNote, getIncident, listIncidents } from '../../shared/api/incidents';
import { showLink, useLink } from '../../shared/api/links';
import { listHeartbeats } from '../../shared/api/heartbeats';
import { health } from '../../shared/api/health';
import { listHistory } from '../../shared/api/history';
import { getDelivery, listDeliveries, retryDelivery } from '../../shared/api/deliveries';
import { getStats } from '../../shared/api/stats';
import { bundledUiAssets, uiResponse } from '../../shared/ui/serve';
import { DIGEST_PREVIEW_MAX_BODY_BYTES, previewDigest } from '../../shared/api/digest';
import { CHECK_MAX_BODY_BYTES, createCheck, deleteCheck, evaluateCheckNow, getCheck, listChecks, replaceCheck, setPaused } from '../../shared/api/checks';
import { checkDeps } from '../../shared/runtime/check-deps';
import { awsMetricData } from '../../shared/checks/sources/cloudwatch';
import { awsCredentials } from '../../shared/checks/sources/prometheus';
import { CHECKS_TICK_MS } from '../../shared/heartbeats/service';
import { slackInteraction } from '../../shared/api/slack-interactions';
import { pagerDutyWebhook } from '../../shared/api/pagerduty-webhooks';
import { expireSilence, upsertSilence, getSilence, listSilences, silenceJson, SILENCE_MAX_BODY_BYTES } from '../../shared/api/silences';
import { deleteSilence, getAlertGroups, getAlerts, getSilenceById, getSilences, postSilence, receivers, status, type Listing } from '../../shared/api/alertmanager-v2';
import { NotFoundError, PayloadTooLargeError } from '../../shared/errors';
import { jsonBody, MAX_LINK_PARAMETER_BYTES, pathParameter } from '../../shared/http/request';
import { json, type HttpResult } from '../../shared/http/responses';
import { httpHandler } from '../../shared/runtime/middleware';
import { awsHttp, awsQueues, awsScheduler, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';
import type { Ports } from '../../shared/runtime/ports';
import { testReceiver } from '../../shared/delivery/test-receiver';
import { redrive } from '../../shared/delivery/redrive';
import { cachedSilences, SILENCE_CACHE_MS } from '../../shared/silences/cache';

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
    if (event.routeKey.startsWith('GET /ui')) return await uiResponse(event.rawPath, ports.uiAssets ?? bundledUiAssets);
    if (event.routeKey === 'GET /v1/links/{link}') return await showLink({ ...incidentDeps, secrets: ports.secrets }, pathParameter(event, 'link', MAX_LINK_PARAMETER_BYTES));
    if (event.routeKey === 'POST /v1/links/{link}') {
      ports.log.info('api change requested', { route: event.routeKey, actor: 'signed link', requestId: event.requestContext.requestId });
      return await useLink({ ...incidentDeps, secrets: ports.secrets }, pathParameter(event, 'link', MAX_LINK_PARAMETER_BYTES));
    }
    if (event.routeKey === 'POST /v1/slack/interactions' || event.routeKey === 'POST /v1/pagerduty/webhooks') {
      // Both are signed over the raw body, which is all the credential they carry.
      const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      if (Buffer.byteLength(raw) > SIGNED_CALLBACK_MAX_BYTES) throw new PayloadTooLargeError(SIGNED_CALLBACK_MAX_BYTES);
      ports.log.info('api change requested', { route: event.routeKey, actor: 'signed callback', requestId: event.requestContext.requestId });
      return event.routeKey === 'POST /v1/slack/interactions'
        ? await slackInteraction({ ...incidentDeps, secrets: ports.secrets, http: ports.http }, event, raw)
        : await pagerDutyWebhook({ ...incidentDeps, secrets: ports.secrets }, event, raw);
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
        const results = await testReceiver(receiver, { ...ports, deliveries });
        return json(200, { receiver, results });
      }
      case 'GET /v1/incidents':
        return json(200, await listIncidents(incidentDeps, event.queryStringParameters ?? {}));
      case 'GET /v1/incidents/{id}':
        return json(200, await getIncident(incidentDeps, pathParameter(event, 'id')));
      case 'POST /v1/incidents/{id}/ack':
      case 'POST /v1/incidents/{id}/unack':
      case 'POST /v1/incidents/{id}/resolve':
      case 'POST /v1/incidents/{id}/escalate': {
        const action = event.routeKey.slice(event.routeKey.lastIndexOf('/') + 1) as 'ack' | 'unack' | 'resolve' | 'escalate';
        const body = event.body ? jsonBody(event, INCIDENT_ACTION_MAX_BODY_BYTES) : undefined;
        const result = await actOnIncident(incidentDeps, pathParameter(event, 'id'), action, actor, body);
        if (result.silence) silencesChangedAt = ports.clock().getTime();
        return json(200, result);
      }
      case 'POST /v1/incidents/{id}/notes':
        return json(201, await addIncidentNote(incidentDeps, pathParameter(event, 'id'), jsonBody(event, INCIDENT_ACTION_MAX_BODY_BYTES), actor));
      case 'GET /v1/history':
        return json(200, await listHistory({ history: ports.stores.history, incidents: ports.stores.incidents, clock: ports.clock, retentionS: ports.config.retentionS }, event.queryStringParameters ?? {}));
      case 'POST /v1/digest/preview': {
        const body = event.body ? jsonBody(event, DIGEST_PREVIEW_MAX_BODY_BYTES) : undefined;
        return json(200, await previewDigest({ ...digestSources, config: ports.config, clock: ports.clock }, body));
      }
      case 'GET /v1/checks':
        return json(200, await listChecks(checksApi));
      case 'POST /v1/checks':
        return json(201, await createCheck(checksApi, jsonBody(event, CHECK_MAX_BODY_BYTES)));
      case 'GET /v1/checks/{name}':
        return json(200, await getCheck(checksApi, pathParameter(event, 'name')));
      case 'PUT /v1/checks/{name}':
        return json(200, await replaceCheck(checksApi, pathParameter(event, 'name'), jsonBody(event, CHECK_MAX_BODY_BYTES)));
      case 'DELETE /v1/checks/{name}':
        return json(200, await deleteCheck(checksApi, pathParameter(event, 'name')));
      case 'POST /v1/checks/{name}/pause':
      case 'POST /v1/checks/{name}/resume':
        return json(200, await setPaused(checksApi, pathParameter(event, 'name'), event.routeKey.endsWith('/pause')));
      case 'POST /v1/checks/{name}/evaluate': {
        const body = event.body ? jsonBody(event, CHECK_MAX_BODY_BYTES) : undefined;
        return json(200, await evaluateCheckNow(checksApi, pathParameter(event, 'name'), body, event.queryStringParameters ?? {}));
      }
      case 'GET /v1/heartbeats': {
        const pingUrls = context.principal!.scopes.includes('ingest');
        const listed = json(200, await listHeartbeats(heartbeatDeps, { pingUrls }));
        // Ping URLs ping without a token: a browser does not keep them in its cache.
        return pingUrls ? { ...listed, headers: { ...listed.headers, 'cache-control': 'no-store' } } : listed;
      }
      case 'GET /api/v2/alerts':
        return listing(await getAlerts(stateDeps, amQuery(event)));
      case 'GET /api/v2/alerts/groups':
        return listing(await getAlertGroups(stateDeps, amQuery(event)));
      case 'GET /api/v2/silences':
        return listing(await getSilences(silenceDeps, amQuery(event)));
      case 'POST /api/v2/silences': {
        const posted = await postSilence(silenceDeps, jsonBody(event, SILENCE_MAX_BODY_BYTES), actor);
        silencesChangedAt = ports.clock().getTime();
        return json(200, posted);
      }
      case 'GET /api/v2/silence/{silenceID}': {
        const silence = await getSilenceById(silenceDeps, pathParameter(event, 'silenceID'));
        return silence ? json(200, silence) : { statusCode: 404, headers: {}, body: '' };
      }
      case 'DELETE /api/v2/silence/{silenceID}':
        await deleteSilence(silenceDeps, pathParameter(event, 'silenceID'), actor);
        silencesChangedAt = ports.clock().getTime();
        return { statusCode: 200, headers: {}, body: '' };
      case 'GET /api/v2/status':
        return json(200, status(ports.config, startedAt));
      case 'GET /api/v2/receivers':
        return json(200, receivers(ports.config));
      case 'GET /v1/session':
        return json(200, { name: context.principal!.name, scopes: [...context.principal!.scopes].sort() });
      case 'GET /v1/stats':
        return json(200, await getStats({ ...digestSources, deliveries, clock: ports.clock, retentionS: ports.config.retentionS }, event.queryStringParameters ?? {}));
      case 'GET /v1/deliveries':
        return json(200, await listDeliveries(deliveryDeps, event.queryStringParameters ?? {}));
      case 'GET /v1/deliveries/{id}':
        return json(200, await getDelivery(deliveryDeps, pathParameter(event, 'id')));
      case 'POST /v1/deliveries/{id}/retry':
        return json(202, await retryDelivery(deliveryDeps, pathParameter(event, 'id'), actor));
      case 'POST /v1/redrive':
        return json(200, await redrive(event.queryStringParameters?.channel, ports));
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
