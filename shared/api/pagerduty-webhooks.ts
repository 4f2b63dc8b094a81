import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { resolvedSecrets, type SecretResolver } from '../primitives/secrets';
import type { CompiledConfig } from '../runtime/compiled-config';
import { AuthenticationError, NotFoundError, ValidationError } from '../errors';
import { IncidentStateError } from '../escalation/incident';
import { StaleLinkError, act, type EscalationDeps, type IncidentAction } from '../escalation/service';
import { header } from '../http/request';
import { json, type HttpResult } from '../http/responses';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { INCIDENT_DEDUP_PREFIX } from '../queues/messages';

/**
 * POST /v1/pagerduty/webhooks: PagerDuty's v3 webhooks, so an acknowledgement or a resolve made in
 * PagerDuty is made here too. No bearer token: PagerDuty signs each request (`X-PagerDuty-Signature:
 * v1=<hex HMAC-SHA256 of the raw body with the subscription's secret>`, one per secret while it
 * rotates), and any configured secret may match. The incident is found by the PagerDuty incident's
 * `incident_key`, which is the dedup_key alertflow sent (`alertflow/<incident id>`); PagerDuty
 * incidents of anything else are ignored. An event that changes nothing here (the incident is
 * already acknowledged, often because alertflow acknowledged it in PagerDuty first) is answered 200
 * and ignored, so the two systems do not echo each other.
 */
export interface PagerDutyWebhookDeps extends EscalationDeps {
  config: CompiledConfig;
  secrets: SecretResolver;
}

const Body = z.object({
  event: z.object({
    id: z.string().optional(),
    event_type: z.string(),
    agent: z.object({ summary: z.string().optional(), id: z.string().optional() }).nullish(),
    data: z.object({ incident_key: z.string().nullish() }).passthrough().nullish(),
  }),
});

const ACTIONS: Record<string, IncidentAction> = {
  'incident.acknowledged': 'ack',
  'incident.unacknowledged': 'unack',
  'incident.resolved': 'resolve',
};

export async function pagerDutyWebhook(deps: PagerDutyWebhookDeps, event: Pick<APIGatewayProxyEventV2, 'headers'>, rawBody: string): Promise<HttpResult> {
  const config = deps.config.raw.pagerduty_webhooks;
  if (!config) throw new NotFoundError('PagerDuty webhooks are not configured (pagerduty_webhooks.signing_secrets)');
  const secrets = await resolvedSecrets(config.signing_secrets, deps.secrets);
  verifyPagerDutySignature(secrets, event, rawBody);

  let body: z.infer<typeof Body>;
  try {
    body = Body.parse(JSON.parse(rawBody));
  } catch {
    throw new ValidationError('expected a PagerDuty v3 webhook: {"event": {"event_type", "data": {...}}}');
  }
  const action = ACTIONS[body.event.event_type];
  const key = body.event.data?.incident_key ?? '';
  if (!action || !key.startsWith(INCIDENT_DEDUP_PREFIX)) return json(200, { ok: true, ignored: 'not an alertflow incident event' });
  const agent = body.event.agent;
  const actor = `pagerduty:${agent?.summary ?? agent?.id ?? 'PagerDuty'}`;
  try {
    const incident = await act(key.slice(INCIDENT_DEDUP_PREFIX.length), action, actor, deps);
    return json(200, { ok: true, incident: incident.id, state: incident.state });
  } catch (err) {
    if (err instanceof NotFoundError || (err instanceof IncidentStateError && !(err instanceof StaleLinkError))) {
      return json(200, { ok: true, ignored: err.message });
    }
    throw err;
  }
}

/** One of the header's `v1=` signatures must be the HMAC of the raw body under one of the secrets. */
export function verifyPagerDutySignature(secrets: readonly string[], event: Pick<APIGatewayProxyEventV2, 'headers'>, rawBody: string): void {
  const given = (header(event, 'x-pagerduty-signature') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => Buffer.from(s.slice(3)));
  if (given.length === 0) throw new AuthenticationError('missing X-PagerDuty-Signature (v1)');
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('hex'));
    if (given.some((g) => g.length === expected.length && timingSafeEqual(g, expected))) return;
  }
  throw new AuthenticationError('PagerDuty signature does not match');
}
