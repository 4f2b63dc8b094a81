import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { HttpPort } from '../channels/http';
import { linkSigningKeys, type SecretResolver } from '../primitives/secrets';
import type { CompiledConfig } from '../runtime/compiled-config';
import { AlertflowError, AuthenticationError, NotFoundError, ValidationError } from '../errors';
import type { Incident } from '../escalation/incident';
import { verifyLink } from '../escalation/links';
import { act, type EscalationDeps } from '../escalation/service';
import { header } from '../http/request';
import { json, type HttpResult } from '../http/responses';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * POST /v1/slack/interactions: the buttons of an incident's Slack message, clicked in Slack. No
 * bearer token: Slack signs each request (v0: HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's
 * signing secret, sent as `X-Slack-Signature`), and a request older or newer than 5 minutes is
 * refused, so a captured one cannot be replayed later. Each button's value is the incident's signed
 * link, so the action is bound to the chain it was sent for, as a link is. The clicker is recorded
 * as `slack:<username> (<user id>)`, and the message is updated in place through `response_url`
 * (only to a host the config allows: Slack's).
 */
export interface SlackInteractionDeps extends EscalationDeps {
  config: CompiledConfig;
  secrets: SecretResolver;
  http: HttpPort;
}

/** Slack's window for a request's timestamp, in seconds. */
const MAX_SKEW_S = 300;

const Payload = z.object({
  type: z.string(),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }).optional(),
  response_url: z.string().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).default([]),
  message: z.object({ blocks: z.array(z.record(z.string(), z.unknown())).default([]), text: z.string().optional() }).optional(),
});

const DONE: Record<string, string> = { ack: 'Acknowledged', resolve: 'Resolved', escalate: 'Escalated' };

export async function slackInteraction(deps: SlackInteractionDeps, event: Pick<APIGatewayProxyEventV2, 'headers'>, rawBody: string): Promise<HttpResult> {
  const app = deps.config.raw.slack_app;
  if (!app) throw new NotFoundError('Slack interactivity is not configured (slack_app.signing_secret)');
  await verifySlackSignature(await deps.secrets.resolve(app.signing_secret), event, rawBody, deps.clock());

  const form = new URLSearchParams(rawBody);
  let payload: z.infer<typeof Payload>;
  try {
    payload = Payload.parse(JSON.parse(form.get('payload') ?? ''));
  } catch {
    throw new ValidationError('expected a Slack interaction: a form field `payload` holding its JSON');
  }
  const action = payload.actions.find((a) => a.action_id.startsWith('alertflow_') && a.value);
  // Other interactions (none of our buttons) are acknowledged and ignored, as Slack expects a 200.
  if (payload.type !== 'block_actions' || !action) return json(200, { ok: true, ignored: true });

  const user = payload.user;
  const actor = user ? `slack:${user.username ?? user.name ?? user.id} (${user.id})` : 'slack';
  const keys = await linkSigningKeys(deps.config.raw, deps.secrets);
  let outcome: string;
  try {
    const claims = verifyLink(keys, action.value!, deps.clock());
    const incident = await act(claims.i, claims.a, actor, deps, claims.t);
    outcome = `${DONE[claims.a] ?? 'Done'} by ${user ? `<@${user.id}>` : 'Slack'} at <!date^${Math.floor(deps.clock().getTime() / 1000)}^{time}|${deps.clock().toISOString()}>${stateNote(incident)}`;
  } catch (err) {
    // Slack shows nothing of an error response: say it in the message instead.
    if (!(err instanceof AlertflowError) || err.status >= 500) throw err;
    outcome = `Not done: ${err.message}`;
  }
  await updateMessage(deps, app.response_hosts, payload, outcome);
  return json(200, { ok: true });
}

function stateNote(i: Incident): string {
  return i.state === 'triggered' && i.ran ? ` (step ${i.ran.step + 1} of ${i.policy.steps.length} paged)` : '';
}

/** Slack's v0 signature over the raw body, in constant time, within the timestamp window. */
export async function verifySlackSignature(secret: string, event: Pick<APIGatewayProxyEventV2, 'headers'>, rawBody: string, now: Date): Promise<void> {
  const ts = header(event, 'x-slack-request-timestamp');
  const given = header(event, 'x-slack-signature');
  if (!ts || !given || !/^\d{1,12}$/.test(ts)) throw new AuthenticationError('missing or malformed Slack signature headers');
  if (Math.abs(now.getTime() / 1000 - Number(ts)) > MAX_SKEW_S) throw new AuthenticationError('Slack request timestamp is more than 5 minutes from now');
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex')}`);
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new AuthenticationError('Slack signature does not match');
}

/** Replace the buttons of the clicked message with what happened (the rest of the message stays). */
async function updateMessage(deps: SlackInteractionDeps, hosts: readonly string[], payload: z.infer<typeof Payload>, outcome: string): Promise<void> {
  if (!payload.response_url || !payload.message) return;
  let url: URL;
  try {
    url = new URL(payload.response_url);
  } catch {
    return;
  }
  if (!hosts.includes(url.hostname)) {
    deps.log.warn('Slack response_url host is not allowed (slack_app.response_hosts); message left as it was', { host: url.hostname });
    return;
  }
  const blocks = payload.message.blocks.map((b) => (b.block_id === 'alertflow_incident' ? { type: 'context', elements: [{ type: 'mrkdwn', text: outcome }] } : b));
  try {
    const res = await deps.http.post(url.toString(), {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: payload.message.text ?? outcome, blocks }),
      timeoutMs: 2_500,
    });
    if (res.status >= 300) deps.log.warn('Slack did not take the message update', { status: res.status });
  } catch (err) {
    deps.log.warn('Slack message update failed', { err });
  }
}
