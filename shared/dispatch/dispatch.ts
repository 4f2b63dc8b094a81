import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/model';
import { ConflictError } from '../errors';
import type { Logger } from '../log';
import type { IngestMessage, NotificationMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import { batchesOf, type OutgoingMessage, type QueuePort } from '../queues/port';
import { groupKeyFor, groupLabelsFor, matchRoutes, type RouteNode } from '../routing/route-tree';
import { GroupStore, type GroupAlert, type GroupState } from '../store/groups';
import { epochSeconds } from '../store/keys';
import type { CompiledConfig } from '../runtime/compiled-config';
import { mergeAlerts } from './merge';
import { channelEntries } from '../channels/keys';

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
  /** Ids of the messages whose changes could not be stored; the caller fails those records. */
  failed: Set<string>;
}

/** A group the batch touches, with the alerts of the batch that belong to it. */
interface Touched {
  id: string;
  route: RouteNode;
  key: string;
  labels: Record<string, string>;
  alerts: Alert[];
  /** The ingest messages that carried those alerts. */
  messageIds: Set<string>;
  origin: IngestMessage['origin'];
}

/** Firing groups live on while they are re-sent; a quiet group expires after this long. */
const GROUP_RETENTION_S = 30 * 86_400;
/** Refresh the TTL of an unchanged group only when it is this close to expiring (a write, rarely). */
const TTL_REFRESH_S = 7 * 86_400;
/** Resolved alerts stay in the group this long (for the API and late re-sends), then are dropped. */
const RESOLVED_RETENTION_MS = 60 * 60_000;
const MAX_CONFLICT_ROUNDS = 8;
/** Group writes in flight at once: enough to overlap latency, few enough not to queue in the SDK. */
const WRITE_CONCURRENCY = 16;

/**
 * Dispatch one SQS batch of ingest messages. The batch is merged per group first, so a group costs
 * one read and at most one write per batch however many messages touched it; concurrent routers
 * that change the same group are reconciled by conditional writes (re-read, re-merge, retry).
 */
export async function dispatch(messages: readonly IngestMessage[], deps: DispatchDeps): Promise<DispatchResult> {
  const touched = routeMessages(messages, deps.config);
  const now = deps.clock();
  let stored = await deps.groups.getMany([...touched.keys()], now);

  const notifications: Outgoing[] = [];
  const failed = new Set<string>();
  let changedGroups = 0;
  let pending = [...touched.values()];
  for (let round = 0; pending.length > 0; round++) {
    const conflicts: Touched[] = [];
    await forEachLimited(pending, WRITE_CONCURRENCY, async (t) => {
      const change = applyToGroup(t, stored.get(t.id), now);
      if (change.write) {
        try {
          await deps.groups.put(change.next);
        } catch (err) {
          if (err instanceof ConflictError && round + 1 < MAX_CONFLICT_ROUNDS) {
            conflicts.push(t);
          } else {
            deps.log.warn('group write failed; its messages will be retried', { groupId: t.id, err });
            t.messageIds.forEach((id) => failed.add(id));
          }
          return;
        }
      }
      if (change.changed) changedGroups++;
      if (change.emit) notifications.push(...notificationsFor(change, t, deps.config, now));
    });
    if (conflicts.length > 0) {
      deps.log.debug('group write conflicts, re-reading', { count: conflicts.length, round });
      // Jittered pause so routers that collided do not collide again in lockstep.
      await sleep(Math.random() * 25 * 2 ** Math.min(round, 4));
      stored = await deps.groups.getMany(
        conflicts.map((c) => c.id),
        now,
      );
    }
    pending = conflicts;
  }

  await sendByQueue(notifications, deps.queues);
  return { groups: touched.size, changedGroups, notifications: notifications.length, failed };
}

/** Route every alert of every message and collect the groups they land in (an alert may land in several). */
export function routeMessages(messages: readonly IngestMessage[], config: CompiledConfig): Map<string, Touched> {
  const touched = new Map<string, Touched>();
  for (const msg of messages) {
    for (const alert of msg.alerts) {
      for (const route of matchRoutes(config.routeTree, alert.labels)) {
        const key = groupKeyFor(route, alert.labels);
        const id = groupIdOf(route, key);
        let t = touched.get(id);
        if (!t) {
          t = { id, route, key, labels: groupLabelsFor(route, alert.labels), alerts: [], messageIds: new Set(), origin: {} };
          touched.set(id, t);
        }
        t.alerts.push(alert);
        t.messageIds.add(msg.id);
        t.origin = { ...t.origin, ...msg.origin, truncatedAlerts: (t.origin.truncatedAlerts ?? 0) + (msg.origin.truncatedAlerts ?? 0) };
      }
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
  /** Whether to emit notifications: a change, or the replay of one after redelivery. */
  emit: boolean;
  /** What the notification reports: whether it pages, and which alerts it resolves. */
  summary: { paged: boolean; resolved: string[] };
}

function applyToGroup(t: Touched, prev: GroupState | undefined, now: Date): Applied {
  const base: GroupState = prev ?? {
    groupId: t.id,
    routeId: t.route.id,
    receiver: t.route.receiver,
    groupKey: t.key,
    groupLabels: t.labels,
    alerts: {},
    version: 0,
    updatedAt: now.toISOString(),
    lastChange: { ids: [], paged: false, resolved: [] },
    expiresAt: 0,
  };
  const merged = mergeAlerts(base.alerts, t.alerts, now, RESOLVED_RETENTION_MS);
  const nearExpiry = base.expiresAt - epochSeconds(now) < TTL_REFRESH_S;
  if (!merged.changed) {
    // A redelivered message that made the last change finds it stored: report that change again
    // (same notification ids, so the senders do not post twice).
    const replay = base.lastChange.ids.some((id) => t.messageIds.has(id));
    const summary = replay ? { paged: base.lastChange.paged, resolved: base.lastChange.resolved } : { paged: false, resolved: [] };
    const next = nearExpiry ? { ...base, version: base.version + 1, expiresAt: epochSeconds(now) + GROUP_RETENTION_S } : base;
    return { summary, next, write: nearExpiry, changed: false, emit: replay };
  }
  const summary = { paged: merged.newlyFiring.length > 0, resolved: merged.resolved.map((a) => a.fingerprint) };
  const next: GroupState = {
    ...base,
    alerts: merged.alerts,
    version: base.version + 1,
    updatedAt: now.toISOString(),
    lastChange: { ids: [...t.messageIds].sort(), ...summary },
    expiresAt: epochSeconds(now) + GROUP_RETENTION_S,
  };
  return { summary, next, write: true, changed: true, emit: true };
}

/** Keep a notification within the SQS message limit by dropping the oldest resolved, then firing. */
const MAX_ALERTS_PER_NOTIFICATION = 200;

interface Outgoing {
  queue: string;
  message: OutgoingMessage;
}

function notificationsFor(change: Applied, t: Touched, config: CompiledConfig, now: Date): Outgoing[] {
  const group = change.next;
  const receiver = config.receivers.get(group.receiver);
  if (!receiver) return [];
  const firing = Object.values(group.alerts).filter((a) => a.status === 'firing');
  const resolved = change.summary.resolved.map((fp) => group.alerts[fp]).filter((a): a is GroupAlert => a?.status === 'resolved');
  if (firing.length === 0 && resolved.length === 0) return [];
  const all: GroupAlert[] = [...firing, ...resolved];
  const alerts = all.slice(0, MAX_ALERTS_PER_NOTIFICATION).map(({ resolvedAt: _r, ...a }) => a);
  const status = firing.length > 0 ? 'firing' : 'resolved';
  const changeId = createHash('sha256').update(`${group.groupId}\n${group.lastChange.ids.join(',')}`).digest('hex').slice(0, 32);

  const out: Outgoing[] = [];
  const channels = channelEntries(receiver);
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
        truncatedAlerts: Math.max(0, all.length - MAX_ALERTS_PER_NOTIFICATION) + (t.origin.truncatedAlerts ?? 0),
      },
      ...(config.raw.external_url ?? t.origin.externalURL ? { externalURL: config.raw.external_url ?? t.origin.externalURL } : {}),
    };
    // SQS batch entry ids allow [A-Za-z0-9_-]{1,80}; the notification id inside the body is the real key.
    const entryId = notification.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
    out.push({ queue: channelQueueName(ch.type), message: { id: entryId, body: fitToMessage(notification) } });
  }
  return out;
}

/** Largest notification body: under SQS's 256 KiB message limit with room for the batch call. */
export const MAX_NOTIFICATION_BYTES = 200 * 1024;

/**
 * Serialize a notification within MAX_NOTIFICATION_BYTES, dropping alerts from the end (resolved
 * ones come last) and counting them as truncated: a group with huge annotations must still notify.
 */
export function fitToMessage(n: NotificationMessage): string {
  let body = JSON.stringify(n);
  let keep = n.group.alerts.length;
  while (Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES && keep > 1) {
    keep = Math.max(1, Math.floor(keep / 2));
    const dropped = n.group.alerts.length - keep;
    body = JSON.stringify({ ...n, group: { ...n.group, alerts: n.group.alerts.slice(0, keep), truncatedAlerts: n.group.truncatedAlerts + dropped } });
  }
  if (Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES) {
    // One alert alone is too large (annotations of hundreds of KB): cut its annotation values.
    const [first] = n.group.alerts;
    const annotations = Object.fromEntries(Object.entries(first!.annotations).map(([k, v]) => [k, v.length > 4096 ? `${v.slice(0, 4096)}…` : v]));
    body = JSON.stringify({ ...n, group: { ...n.group, alerts: [{ ...first!, annotations }], truncatedAlerts: n.group.truncatedAlerts + n.group.alerts.length - 1 } });
  }
  return body;
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

/** Run `fn` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
