import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/model';
import { ConflictError } from '../errors';
import type { Logger } from '../log';
import type { IngestMessage, NotificationMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import { batchesOf, type OutgoingMessage, type QueuePort } from '../queues/port';
import { groupKeyFor, groupLabelsFor, matchRoutes, type RouteNode } from '../routing/route-tree';
import { epochSeconds, GroupStore, type GroupAlert, type GroupState } from '../store/groups';
import type { CompiledConfig } from '../runtime/compiled-config';
import { mergeAlerts } from './merge';

/**
 * The router's core: route each alert through the tree, fold it into its groups' state, and emit one
 * notification per changed group and channel. Group timers, silences and inhibition plug in between
 * `mergeAlerts` and `notificationsFor` (the `Stage` seam) in a later step; for now a changed group
 * notifies at once.
 */
export interface DispatchDeps {
  config: CompiledConfig;
  groups: GroupStore;
  queues: QueuePort;
  clock: () => Date;
  log: Logger;
}

export interface DispatchResult {
  groups: number;
  changedGroups: number;
  notifications: number;
}

/** A group a message touches, with the alerts of the message that belong to it. */
interface Touched {
  id: string;
  route: RouteNode;
  key: string;
  labels: Record<string, string>;
  alerts: Alert[];
}

/** Firing groups live on while they are re-sent; a quiet group expires after this long. */
const GROUP_RETENTION_S = 30 * 86_400;
/** Refresh the TTL of an unchanged group only when it is this close to expiring (a write, rarely). */
const TTL_REFRESH_S = 7 * 86_400;
/** Resolved alerts stay in the group this long (for the API and late re-sends), then are dropped. */
const RESOLVED_RETENTION_MS = 60 * 60_000;
const MAX_CONFLICT_RETRIES = 5;

export async function dispatch(msg: IngestMessage, deps: DispatchDeps): Promise<DispatchResult> {
  const touched = routeAlerts(msg.alerts, deps.config);
  const now = deps.clock();
  let stored = await deps.groups.getMany([...touched.keys()], now);

  const notifications: Outgoing[] = [];
  let changedGroups = 0;
  let pending = [...touched.values()];
  for (let round = 0; pending.length > 0; round++) {
    const conflicts: Touched[] = [];
    await Promise.all(
      pending.map(async (t) => {
        const change = applyToGroup(t, stored.get(t.id), msg, now);
        if (change.write) {
          try {
            await deps.groups.put(change.next);
          } catch (err) {
            if (err instanceof ConflictError && round < MAX_CONFLICT_RETRIES) {
              conflicts.push(t);
              return;
            }
            throw err;
          }
        }
        if (change.changed) changedGroups++;
        // A redelivered message finds its own change already stored: emit again, the senders dedupe.
        if (change.changed || change.next.lastChange.id === msg.id) {
          notifications.push(...notificationsFor(change, msg, deps.config, now));
        }
      }),
    );
    if (conflicts.length > 0) {
      deps.log.debug('group write conflicts, re-reading', { count: conflicts.length, round });
      stored = await deps.groups.getMany(
        conflicts.map((c) => c.id),
        now,
      );
    }
    pending = conflicts;
  }

  await sendByQueue(notifications, deps.queues);
  return { groups: touched.size, changedGroups, notifications: notifications.length };
}

/** Route every alert and collect the groups it lands in (an alert may land in several). */
export function routeAlerts(alerts: readonly Alert[], config: CompiledConfig): Map<string, Touched> {
  const touched = new Map<string, Touched>();
  for (const alert of alerts) {
    for (const route of matchRoutes(config.routeTree, alert.labels)) {
      const key = groupKeyFor(route, alert.labels);
      const id = groupIdOf(route, key);
      let t = touched.get(id);
      if (!t) {
        t = { id, route, key, labels: groupLabelsFor(route, alert.labels), alerts: [] };
        touched.set(id, t);
      }
      t.alerts.push(alert);
    }
  }
  return touched;
}

/** Group ids are a hash of the route and group key: stable, short, safe as a DynamoDB key. */
export function groupIdOf(route: RouteNode, key: string): string {
  return createHash('sha256').update(`${route.receiver}\n${route.id}\n${key}`).digest('hex').slice(0, 32);
}

interface Applied {
  next: GroupState;
  write: boolean;
  changed: boolean;
  /** What the notification reports: whether it pages, and which alerts it resolves. */
  summary: { paged: boolean; resolved: string[] };
}

function applyToGroup(t: Touched, prev: GroupState | undefined, msg: IngestMessage, now: Date): Applied {
  const base: GroupState = prev ?? {
    groupId: t.id,
    routeId: t.route.id,
    receiver: t.route.receiver,
    groupKey: t.key,
    groupLabels: t.labels,
    alerts: {},
    version: 0,
    updatedAt: now.toISOString(),
    lastChange: { id: '', paged: false, resolved: [] },
    expiresAt: 0,
  };
  const merged = mergeAlerts(base.alerts, t.alerts, now, RESOLVED_RETENTION_MS);
  const nearExpiry = base.expiresAt - epochSeconds(now) < TTL_REFRESH_S;
  if (!merged.changed) {
    // A redelivery of the message that made the last change reports that change again.
    const replay = base.lastChange.id === msg.id;
    const summary = { paged: replay && base.lastChange.paged, resolved: replay ? base.lastChange.resolved : [] };
    if (!nearExpiry) return { summary, next: base, write: false, changed: false };
    return { summary, next: { ...base, version: base.version + 1, expiresAt: epochSeconds(now) + GROUP_RETENTION_S }, write: true, changed: false };
  }
  const summary = { paged: merged.newlyFiring.length > 0, resolved: merged.resolved.map((a) => a.fingerprint) };
  const next: GroupState = {
    ...base,
    alerts: merged.alerts,
    version: base.version + 1,
    updatedAt: now.toISOString(),
    lastChange: { id: msg.id, ...summary },
    expiresAt: epochSeconds(now) + GROUP_RETENTION_S,
  };
  return { summary, next, write: true, changed: true };
}

/** Keep a notification within the SQS message limit by dropping the oldest resolved, then firing. */
const MAX_ALERTS_PER_NOTIFICATION = 200;

interface Outgoing {
  queue: string;
  message: OutgoingMessage;
}

function notificationsFor(change: Applied, msg: IngestMessage, config: CompiledConfig, now: Date): Outgoing[] {
  const group = change.next;
  const receiver = config.receivers.get(group.receiver);
  if (!receiver) return [];
  const firing = Object.values(group.alerts).filter((a) => a.status === 'firing');
  const resolved = change.summary.resolved.map((fp) => group.alerts[fp]).filter((a): a is GroupAlert => a?.status === 'resolved');
  if (firing.length === 0 && resolved.length === 0) return [];
  const all: GroupAlert[] = [...firing, ...resolved];
  const alerts = all.slice(0, MAX_ALERTS_PER_NOTIFICATION).map(({ resolvedAt: _r, ...a }) => a);
  const status = firing.length > 0 ? 'firing' : 'resolved';
  const changeId = createHash('sha256').update(`${group.groupId}\n${msg.id}`).digest('hex').slice(0, 32);

  const out: Outgoing[] = [];
  const channels = [
    ...receiver.slack_configs.map((c, index) => ({ type: 'slack' as const, index, sendResolved: c.send_resolved })),
    ...receiver.webhook_configs.map((c, index) => ({ type: 'webhook' as const, index, sendResolved: c.send_resolved })),
  ];
  for (const ch of channels) {
    // A change that only resolves alerts is news only to channels that want resolved notifications.
    if (!change.summary.paged && !ch.sendResolved) continue;
    const notification: NotificationMessage = {
      kind: 'notification',
      id: `${changeId}.${ch.type}.${ch.index}`,
      createdAt: now.toISOString(),
      receiver: receiver.name,
      channel: { type: ch.type, index: ch.index },
      group: {
        id: group.groupId,
        key: group.groupKey,
        labels: group.groupLabels,
        status,
        alerts: ch.sendResolved ? alerts : alerts.filter((a) => a.status === 'firing'),
        truncatedAlerts: Math.max(0, all.length - MAX_ALERTS_PER_NOTIFICATION) + (msg.origin.truncatedAlerts ?? 0),
      },
      ...(config.raw.external_url ?? msg.origin.externalURL ? { externalURL: config.raw.external_url ?? msg.origin.externalURL } : {}),
    };
    // SQS batch entry ids allow [A-Za-z0-9_-]{1,80}; the notification id inside the body is the real key.
    const entryId = notification.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
    out.push({ queue: channelQueueName(ch.type), message: { id: entryId, body: JSON.stringify(notification) } });
  }
  return out;
}

async function sendByQueue(messages: Outgoing[], queues: QueuePort): Promise<void> {
  const byQueue = new Map<string, OutgoingMessage[]>();
  for (const { queue, message } of messages) {
    const list = byQueue.get(queue) ?? [];
    list.push(message);
    byQueue.set(queue, list);
  }
  await Promise.all(
    [...byQueue].map(async ([queue, list]) => {
      for (const batch of batchesOf(list)) await queues.send(queue, batch);
    }),
  );
}
