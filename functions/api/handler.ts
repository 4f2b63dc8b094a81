import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getAlert, listAlerts } from '../../shared/api/alerts';
import { listGroups } from '../../shared/api/groups';
import { createSilence, expireSilence, getSilence, listSilences, SILENCE_MAX_BODY_BYTES } from '../../shared/api/silences';
import { NotFoundError } from '../../shared/errors';
import { jsonBody, pathParameter } from '../../shared/http/request';
import { errorResponse, json, type HttpResult } from '../../shared/http/responses';
import { authorizeRoute } from '../../shared/ingest/auth';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';
import { GroupStore } from '../../shared/store/groups';
import { DeliveryStore } from '../../shared/store/deliveries';
import { SilenceStore } from '../../shared/store/silences';
import { testReceiver } from '../../shared/delivery/test-receiver';
import { redrive } from '../../shared/delivery/redrive';

/**
 * API adapter: health (public); alert and group state, silences, channel tests and DLQ redrive
 * (a bearer token with the route's scope, see HTTP_ROUTES). Each change request is logged with its actor.
 */
export function createHandler(ports: Ports) {
  const groups = new GroupStore(ports.db, ports.table);
  const deliveries = new DeliveryStore(ports.db, ports.table);
  const silences = new SilenceStore(ports.db, ports.table);
  const silenceDeps = { silences, groups, queues: ports.queues, clock: ports.clock, limits: ports.config.raw.silences };
  const stateDeps = { groups, silences, deliveries, config: ports.config, clock: ports.clock };
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    try {
      if (event.routeKey === 'GET /v1/health') return json(200, { status: 'ok', time: ports.clock().toISOString() });
      const actor = (await authorizeRoute(event, ports.config.raw.auth, ports.secrets)).name;
      if (event.requestContext.http.method !== 'GET') ports.log.info('api change requested', { route: event.routeKey, actor, requestId: event.requestContext.requestId });
      switch (event.routeKey) {
        case 'GET /v1/alerts':
          return json(200, { alerts: await listAlerts(stateDeps, event.queryStringParameters ?? {}) });
        case 'GET /v1/alerts/{id}':
          return json(200, await getAlert(stateDeps, pathParameter(event, 'id')));
        case 'GET /v1/groups':
          return json(200, { groups: await listGroups(stateDeps) });
        case 'POST /v1/silences':
          return json(201, await createSilence(silenceDeps, jsonBody(event, SILENCE_MAX_BODY_BYTES), actor));
        case 'GET /v1/silences':
          return json(200, { silences: await listSilences(silenceDeps, event.queryStringParameters ?? {}) });
        case 'GET /v1/silences/{id}':
          return json(200, await getSilence(silenceDeps, pathParameter(event, 'id')));
        case 'DELETE /v1/silences/{id}':
          return json(200, await expireSilence(silenceDeps, pathParameter(event, 'id'), actor));
        case 'POST /v1/channels/{receiver}/test': {
          const receiver = pathParameter(event, 'receiver');
          const results = await testReceiver(receiver, { ...ports, deliveries });
          return json(200, { receiver, results });
        }
        case 'POST /v1/redrive':
          return json(200, await redrive(event.queryStringParameters?.channel, ports));
        default:
          throw new NotFoundError(`no route ${event.routeKey}`);
      }
    } catch (err) {
      return errorResponse(err, ports.log, event.requestContext.requestId);
    }
  };
}

export const handler = lazyHandler('api', createHandler);
