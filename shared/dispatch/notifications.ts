import { createHash } from 'node:crypto';
import { statusAt, type Alert } from '../alerts/model';
import { channelEntries } from '../channels/keys';
import type { Receiver } from '../config/schema';
import { channelKey } from '../grouping/flush';
import { isFlapping } from '../grouping/flapping';
import { notificationId } from '../grouping/nflog';
import type { NotificationMessage, PayloadRef } from '../queues/messages';
import { fitToMessage, MAX_NOTIFICATION_BYTES } from '../queues/notification-fit';
import { channelQueueName } from '../queues/names';
import type { OutgoingMessage } from '../queues/port';
import type { RouteNode } from '../routing/route-tree';
import type { GroupAlert, GroupState } from '../grouping/model';

export interface Outgoing {
  queue: string;
  message: OutgoingMessage;
  /**
   * The whole notification, when it is over MAX_NOTIFICATION_BYTES: `message` then carries only the
   * alerts that fit, and the router stores the whole group and sends a reference instead (`withPayload`).
   */
  whole?: NotificationMessage;
}

/** Marks an alert that is flapping in the alerts a notification carries. */
export const FLAPPING_ANNOTATION = 'alertflow_flapping';

/**
 * The notifications of the group's last flush, rebuilt from what it sent (`sending`): each channel
 * entry sent at that flush gets the alerts it was sent, in the status it was told. Built the same
 * way on first send and on replay after a redelivery, so the ids and contents match.
 */
export function flushNotifications(
  group: GroupState,
  route: RouteNode,
  receiver: Receiver,
  flush: { at: number; seq: number; resolved: readonly GroupAlert[] },
  externalURL: string | undefined,
  /** The group's open incident, whose links its notifications carry. */
  incident?: NotificationMessage['incident'],
): Outgoing[] {
  const byFp = new Map<string, GroupAlert>(flush.resolved.map((a) => [a.fingerprint, a]));
  for (const a of Object.values(group.alerts)) byFp.set(a.fingerprint, a);

  const view = (fp: string, status: 'firing' | 'resolved'): Alert | undefined => {
    const a = byFp.get(fp);
    if (!a) return undefined;
    const { resolvedAt, ...alert } = a;
    const flapping = route.flapping && isFlapping(group.flaps[fp], route.flapping, flush.at);
    const annotations = flapping ? { ...alert.annotations, [FLAPPING_ANNOTATION]: 'true' } : alert.annotations;
    if (status === 'firing') {
      // A flapping alert told "firing" inside its window may have resolved since: show what was logged.
      const endsAt = statusAt(a, flush.at) === 'firing' ? alert.endsAt : undefined;
      return { ...alert, annotations, status, endsAt };
    }
    return { ...alert, annotations, status, endsAt: alert.endsAt ?? resolvedAt ?? new Date(flush.at).toISOString() };
  };

  const out: Outgoing[] = [];
  for (const ch of channelEntries(receiver)) {
    const key = channelKey(ch);
    const entry = group.sending?.[key];
    if (!entry || entry.seq !== flush.seq) continue;
    const firing = entry.firing.map((fp) => view(fp, 'firing')).filter((a): a is Alert => a !== undefined);
    const resolved = ch.sendResolved ? entry.resolved.map((fp) => view(fp, 'resolved')).filter((a): a is Alert => a !== undefined) : [];
    if (firing.length === 0 && resolved.length === 0) continue;
    const all = [...firing, ...resolved];
    const notification: NotificationMessage = {
      kind: 'notification',
      id: notificationId(group.groupId, flush.seq, key),
      createdAt: new Date(flush.at).toISOString(),
      receiver: receiver.name,
      channel: { type: ch.type, index: ch.index },
      group: {
        id: group.groupId,
        key: group.groupKey,
        labels: group.groupLabels,
        status: firing.length > 0 ? 'firing' : 'resolved',
        // Every alert, as Alertmanager sends them: a large group's go through the payload store.
        alerts: all,
        truncatedAlerts: 0,
        flushSeq: flush.seq,
      },
      ...(externalURL ? { externalURL } : {}),
      ...(group.externalURL ? { sourceURL: group.externalURL } : {}),
      ...(incident ? { incident } : {}),
    };
    out.push(outgoing(notification));
  }
  return out;
}

/**
 * The queue message of a notification (SQS batch entry ids allow [A-Za-z0-9_-]{1,80}). One too
 * large for a message is marked `whole`: the common, small one costs no write beyond the message.
 */
export function outgoing(n: NotificationMessage): Outgoing {
  const queue = channelQueueName(n.channel.type);
  const id = n.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  const body = JSON.stringify(n);
  if (Buffer.byteLength(body) <= MAX_NOTIFICATION_BYTES) return { queue, message: { id, body } };
  return { queue, message: { id, body: fitToMessage(n, body) }, whole: n };
}

/**
 * A large notification's message once its whole group is stored under `ref`: the reference, plus
 * the alerts that fit inline (what the sender falls back to should the payload be gone).
 */
export function withPayload(o: Outgoing & { whole: NotificationMessage }, ref: PayloadRef): Outgoing {
  return { queue: o.queue, message: { ...o.message, body: fitToMessage({ ...o.whole, payload: ref }) } };
}

/**
 * The storm summary for one receiver and window: a synthetic firing alert on every channel of the
 * receiver that says how much was held and links to the list. Its ids are fixed per window, so a
 * redelivered summary is posted once.
 */
export function stormSummaryNotifications(
  receiver: Receiver,
  window: { start: number; end: number },
  counts: { sent: number; heldGroups: number; heldAlerts: number },
  externalURL: string | undefined,
  now: Date,
): Outgoing[] {
  const list = externalURL ? `${externalURL.replace(/\/$/, '')}/v1/alerts?receiver=${encodeURIComponent(receiver.name)}` : '/v1/alerts?receiver=' + encodeURIComponent(receiver.name);
  const labels = { alertname: 'AlertflowNotificationStorm', receiver: receiver.name };
  const summary = `Notification storm: ${counts.heldAlerts} alerts in ${counts.heldGroups} groups were held for ${receiver.name}`;
  const alert: Alert = {
    fingerprint: createHash('sha256').update(`storm\n${receiver.name}`).digest('hex').slice(0, 16),
    status: 'firing',
    labels,
    annotations: {
      summary,
      description: `${summary} between ${new Date(window.start).toISOString()} and ${new Date(window.end).toISOString()} after ${counts.sent} notifications. Held groups are notified when the storm passes. List: ${list}`,
      held_alerts: String(counts.heldAlerts),
      held_groups: String(counts.heldGroups),
      list,
    },
    startsAt: new Date(window.start).toISOString(),
    source: 'generic',
  };
  const id = createHash('sha256').update(`storm\n${receiver.name}\n${window.start}`).digest('hex').slice(0, 32);
  return channelEntries(receiver).map((ch) =>
    outgoing({
      kind: 'notification',
      id: `${id}.${ch.type}.${ch.index}`,
      createdAt: now.toISOString(),
      receiver: receiver.name,
      channel: { type: ch.type, index: ch.index },
      group: { id: `storm-${id}`, key: `storm:{receiver=${JSON.stringify(receiver.name)}}`, labels, status: 'firing', alerts: [alert], truncatedAlerts: 0 },
      ...(externalURL ? { externalURL } : {}),
    }),
  );
}
