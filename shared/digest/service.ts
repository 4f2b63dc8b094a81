import { fingerprint } from '../labels/fingerprint';
import type { Alert } from '../alerts/model';
import { channelEntries } from '../channels/keys';
import { CHANNELS } from '../channel-types';
import type { Logger } from '../log';
import type { NotificationMessage } from '../queues/messages';
import { encodeBody, type QueuePort } from '../queues/port';
import { outgoing } from '../dispatch/notifications';
import type { CompiledConfig } from '../runtime/compiled-config';
import { collectDigest, type DigestSources } from './collect';
import type { DigestConfig } from '../config/digest';
import { DEFAULT_DIGEST_SCHEDULE, digestWindow } from './schedule';
import type { DigestSummary } from '../queues/messages';
import { digestLines, digestTitle } from '../channels/digest';

export interface DigestDeps extends DigestSources {
  config: Pick<CompiledConfig, 'raw' | 'receivers'>;
  queues: QueuePort;
  clock: () => Date;
  log: Logger;
}

/** The digest alert's labels: routing rules and people can tell it apart. */
export const DIGEST_LABELS = { alertname: 'AlertflowDailyDigest', severity: 'info' } as const;

/** The config's digest, or the defaults (preview without one configured: the last day, UTC). */
export const digestSettings = (config: Pick<CompiledConfig, 'raw'>): DigestConfig => config.raw.digest ?? { receiver: '-', ...DEFAULT_DIGEST_SCHEDULE };

/** The digest of the window that ends at the schedule's last time at or before `at`. */
export async function buildDigest(deps: DigestSources & { config: Pick<CompiledConfig, 'raw'>; clock: () => Date }, at: Date): Promise<DigestSummary> {
  const settings = digestSettings(deps.config);
  return collectDigest(deps, await digestWindow(settings, at), settings.timezone, deps.clock());
}

/**
 * The digest's notifications, one per channel entry of `receiver`: a synthetic alert whose
 * annotations carry the text (what webhook, Teams and SMS show) and the summary itself (what Slack
 * and email render as blocks and HTML). PagerDuty entries are skipped: a digest is not a page.
 * Ids are per window and channel, so a retried schedule posts each once (the sender claims them).
 */
export function digestNotifications(summary: DigestSummary, receiverName: string, config: Pick<CompiledConfig, 'raw' | 'receivers'>): NotificationMessage[] {
  const receiver = config.receivers.get(receiverName);
  if (!receiver) return [];
  const labels = { ...DIGEST_LABELS };
  const alert: Alert = {
    fingerprint: fingerprint(labels),
    status: 'firing',
    labels,
    annotations: { summary: digestTitle(summary), description: digestLines(summary).join('\n') },
    startsAt: summary.to,
    // The digest is over once sent: nothing resolves it.
    endsAt: summary.to,
    source: 'generic',
  };
  return channelEntries(receiver)
    // Not to a paging channel (PagerDuty): a digest is not a page.
    .filter((entry) => CHANNELS[entry.type].digest)
    .map((entry) => ({
      kind: 'notification',
      id: `digest.${summary.to}.${entry.type}.${entry.index}`,
      createdAt: summary.to,
      receiver: receiver.name,
      channel: { type: entry.type, index: entry.index },
      group: { id: `digest.${summary.to}`, key: `{}:{alertname="${DIGEST_LABELS.alertname}"}`, labels: { alertname: DIGEST_LABELS.alertname }, status: 'firing', alerts: [alert], truncatedAlerts: 0 },
      ...(config.raw.external_url ? { externalURL: config.raw.external_url } : {}),
      digest: summary,
    }));
}

/** Build the digest due at `at` and put it on the receiver's channel queues. */
export async function sendDigest(deps: DigestDeps, at: Date): Promise<{ summary: DigestSummary; sent: number }> {
  const settings = deps.config.raw.digest;
  if (!settings) throw new Error('no digest in the config');
  const summary = await buildDigest(deps, at);
  const notifications = digestNotifications(summary, settings.receiver, deps.config);
  for (const n of notifications) {
    // The queue and message every notification gets (outgoing: its channel's queue, an SQS-safe id).
    const { queue, message } = outgoing(n);
    await deps.queues.send(queue, [{ ...message, body: encodeBody(deps.queues, message.body) }]);
  }
  deps.log.info('daily digest sent', { receiver: settings.receiver, from: summary.from, to: summary.to, channels: notifications.length, fired: summary.alerts.fired });
  return { summary, sent: notifications.length };
}
