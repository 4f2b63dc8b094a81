import { parseDuration } from '../primitives/duration';
import type { SecretResolver } from '../primitives/secrets';
import { truncate } from '../channels/text';
import { linkUrl, MAX_LINK_RECEIVER, signLink, smsCode, type LinkAction } from '../escalation/links';
import type { Logger } from '../log';
import type { NotificationMessage } from '../queues/messages';
import type { CompiledConfig } from '../runtime/compiled-config';

/**
 * Sign the one-click action links of an incident's notification, as it is sent: the sender holds
 * the signing key (the router never does), and a link's expiry counts from the send. Without a base
 * URL (no `external_url`, and not the local runtime) or a readable key, the notification goes out
 * without links, with a warning: a page that cannot be acknowledged from a link is still a page.
 */
export async function withIncidentLinks(
  n: NotificationMessage,
  deps: { config: CompiledConfig; secrets: SecretResolver; clock: () => Date; log: Logger; publicUrl?: (() => string | undefined) | undefined },
): Promise<NotificationMessage> {
  const incident = n.incident;
  if (!incident || incident.links || incident.state === 'resolved') return n;
  const base = deps.config.raw.external_url ?? deps.publicUrl?.();
  if (!base) {
    deps.log.warn('incident notification sent without action links: set external_url to alertflow\'s public URL', { notificationId: n.id });
    return n;
  }
  const { signing_keys: keys, ttl } = deps.config.raw.incident_links;
  let key: string;
  try {
    key = await deps.secrets.resolve(keys[0]!);
  } catch (err) {
    deps.log.warn('incident notification sent without action links: the signing key is not available', { notificationId: n.id, err });
    return n;
  }
  const expires = Math.floor((deps.clock().getTime() + parseDuration(ttl)) / 1000);
  // The receiver names who acted in the timeline; a longer name is cut there, not left without links.
  const receiver = truncate(n.receiver, MAX_LINK_RECEIVER);
  const link = (a: LinkAction) => linkUrl(base, signLink(key, { a, i: incident.id, t: incident.token, e: expires, r: receiver }));
  return {
    ...n,
    incident: { ...incident, code: smsCode(key, incident.id), links: { ...(incident.ackAllowed ? { ack: link('ack') } : {}), resolve: link('resolve'), escalate: link('escalate') } },
  };
}

/**
 * The notification's page on the dashboard: the incident's, or the group's alerts (a filter of its
 * group labels). Set as it is sent, from alertflow's own URL (`external_url`, else the local
 * runtime's); without one, none.
 */
export function withDashboardLink(n: NotificationMessage, deps: { config: CompiledConfig; publicUrl?: (() => string | undefined) | undefined }): NotificationMessage {
  const base = (deps.config.raw.external_url ?? deps.publicUrl?.())?.replace(/\/+$/, '');
  if (!base || n.dashboardUrl) return n;
  const filter = Object.entries(n.group.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const page = n.incident ? `#/incident/${encodeURIComponent(n.incident.id)}` : `#/alerts${filter ? `?filter=${encodeURIComponent(filter)}` : ''}`;
  return { ...n, dashboardUrl: `${base}/ui${page}` };
}
