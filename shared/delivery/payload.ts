import type { Logger } from '../log';
import { NotificationGroup, type NotificationMessage } from '../queues/messages';
import type { PayloadStore } from '../store/port';

/**
 * The notification a queue message stands for: the message itself, or, when it carries a payload
 * reference (a group too large for a message), the message with its whole group loaded from the
 * payload store. A payload that is gone (expired before a late redrive) or does not parse leaves
 * the alerts the message carries inline, with the rest counted as left out: a notification that
 * says what it lacks beats none.
 */
export async function loadNotification(n: NotificationMessage, payloads: Pick<PayloadStore, 'get'>, log: Logger): Promise<NotificationMessage> {
  if (!n.payload) return n;
  const { payload, ...inline } = n;
  const stored = await payloads.get(n.id, payload);
  const group = stored === undefined ? undefined : NotificationGroup.safeParse(stored);
  if (group?.success) return { ...inline, group: group.data };
  log.warn('notification payload missing or unreadable; sending the alerts its message carries', {
    notificationId: n.id,
    inline: n.group.alerts.length,
    leftOut: n.group.truncatedAlerts,
    ...(group ? { err: group.error.message.slice(0, 300) } : {}),
  });
  return inline;
}
