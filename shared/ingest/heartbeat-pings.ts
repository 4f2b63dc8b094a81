import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { linkSigningKeys, type SecretResolver } from '../primitives/secrets';
import { AlertflowError, NotFoundError, ValidationError } from '../errors';
import { parseWith } from '../alerts/normalize/common';
import { SyntheticEvent, syntheticPing } from '../self-monitoring/synthetic';
import { verifyPingKey } from '../heartbeats/heartbeat';
import { pathParameter } from '../http/request';
import { json, type HttpResult } from '../http/responses';
import type { HeartbeatPingMessage } from '../queues/messages';
import { ALERTS_QUEUE } from '../queues/names';
import { encodeBody, type QueuePort } from '../queues/port';
import type { CompiledConfig } from '../runtime/compiled-config';

/** The ingest function's heartbeat routes: a ping with an `ingest` token, and the same by its signed URL. */
export const PING_ROUTES = new Set(['POST /v1/heartbeats/{name}', 'GET /v1/heartbeats/{name}/{key}', 'POST /v1/heartbeats/{name}/{key}']);

/** What a ping needs: the ingest function's own ports. */
export interface PingDeps {
  config: Pick<CompiledConfig, 'heartbeats' | 'raw'>;
  queues: QueuePort;
  secrets: SecretResolver;
  clock: () => Date;
  newId?: () => string;
}

/** A ping URL whose key does not verify: 404, as for an unknown name, so a guess learns nothing. */
class UnknownPingUrlError extends AlertflowError {
  constructor() {
    super('not_found', 404, 'no such heartbeat ping URL');
  }
}

/**
 * A heartbeat's ping, accepted as alerts are: put on the alerts queue (202), where the router
 * records it and resolves the heartbeat if it was missing (ADR 0017). A name the config does not
 * have is a 404; nothing is created.
 */
export async function ingestPing(event: APIGatewayProxyEventV2, deps: PingDeps): Promise<HttpResult> {
  const name = pathParameter(event, 'name');
  if (event.routeKey.endsWith('/{key}')) {
    // The built-in heartbeat has no signed URL (its deployment may have no signing key).
    if (deps.config.heartbeats.get(name)?.builtin) throw new UnknownPingUrlError();
    const keys = await linkSigningKeys(deps.config.raw, deps.secrets);
    if (!deps.config.heartbeats.has(name) || !verifyPingKey(keys, name, pathParameter(event, 'key'))) throw new UnknownPingUrlError();
  } else if (!deps.config.heartbeats.has(name)) {
    throw new NotFoundError(`no heartbeat named ${JSON.stringify(name)} in the config`);
  }
  const ping: HeartbeatPingMessage = { kind: 'ping', id: (deps.newId ?? randomUUID)(), heartbeat: name, at: deps.clock().getTime() };
  await deps.queues.send(ALERTS_QUEUE, [{ id: 'ping', body: encodeBody(deps.queues, JSON.stringify(ping)) }]);
  return json(202, { status: 'accepted', heartbeat: name });
}

/**
 * self_monitoring's synthetic heartbeat (its rate schedule invokes ingest): a ping for the built-in
 * heartbeat, on the alerts queue like any ping. Without self_monitoring (a schedule left behind),
 * it is refused, so the invocation fails where it shows (the async DLQ) instead of vanishing.
 */
export async function ingestSynthetic(event: unknown, deps: PingDeps): Promise<{ accepted: number; truncatedAlerts: number; messages: number }> {
  const synthetic = parseWith(SyntheticEvent, event, 'synthetic heartbeat');
  if (!deps.config.raw.self_monitoring) throw new ValidationError('synthetic heartbeat received, but the config has no self_monitoring');
  const ping = syntheticPing(synthetic, deps.clock(), deps.newId ?? randomUUID);
  await deps.queues.send(ALERTS_QUEUE, [{ id: 'synthetic', body: encodeBody(deps.queues, JSON.stringify(ping)) }]);
  return { accepted: 1, truncatedAlerts: 0, messages: 1 };
}
