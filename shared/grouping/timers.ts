import { createHash } from 'node:crypto';
import { FlushMessage, MAX_FLUSHES_PER_SCHEDULE, type EscalationMessage, type FlushBatchMessage } from '../queues/messages';
import { ALERTS_QUEUE } from '../queues/names';
import { batchesOf, SQS_MAX_DELAY_S, type OutgoingMessage, type QueuePort } from '../queues/port';
import type { RouteNode } from '../routing/route-tree';
import type { OneTimeSchedule, SchedulerPort } from '../schedules/port';
import type { GroupState } from './model';

/**
 * Group timers. A flush is a message to the router on the `alerts` queue: delayed with SQS
 * DelaySeconds when due within 15 minutes, put there by a one-time EventBridge schedule when later.
 * Timers are set by changes (and by the flushes they cause), never by polling every group.
 */

/** SQS's largest DelaySeconds, in ms. */
export const MAX_SQS_DELAY_MS = SQS_MAX_DELAY_S * 1000;

/** When this group may flush next: after group_wait the first time, then once per group_interval. */
export function earliestFlush(group: GroupState, route: RouteNode): number {
  if (group.firstFlushAt !== undefined) return group.firstFlushAt;
  return group.lastSentAt === undefined ? -Infinity : group.lastSentAt + route.groupIntervalMs;
}

/**
 * When a change to a notified group is flushed: at the group's next tick. Alertmanager's aggregation
 * group ticks every group_interval from its first flush, and a change waits for the next tick, however
 * long the group was quiet; the ticks that sent run through `lastSentAt`, so the grid is anchored
 * there. A group not notified yet (or refilled) flushes at `earliestFlush`, as before.
 */
export function nextGroupTick(group: GroupState, route: RouteNode, now: number): number {
  const earliest = earliestFlush(group, route);
  if (group.firstFlushAt !== undefined || group.lastSentAt === undefined || now < earliest) return earliest;
  // A tick at `now` itself is this one.
  return group.lastSentAt + Math.ceil((now - group.lastSentAt) / route.groupIntervalMs) * route.groupIntervalMs;
}

/** The first tick after `now` of a chain that started at `anchor` and ticks every `every` ms. */
export function nextTick(anchor: number, every: number, now: number): number {
  return anchor + (Math.floor((now - anchor) / every) + 1) * every;
}

/**
 * When the group's timer chain flushes next, from its stored timer: its time if ahead; while the
 * group re-checks each group_interval, the chain's next tick (it moves without a write); else none.
 */
export function nextFlushAt(timer: GroupState['timer'], now: number): number | undefined {
  if (!timer) return undefined;
  if (timer.at > now) return timer.at;
  return timer.every !== undefined ? nextTick(timer.at, timer.every, now) : undefined;
}

export interface Timer {
  groupId: string;
  at: number;
  token: string;
}

/** Deterministic per group and time: a retried create conflicts instead of scheduling twice. */
export const scheduleName = (groupId: string, at: number): string => `flush-${groupId}-${Math.ceil(at / 1000)}`;

export function flushMessage(t: Timer): FlushMessage {
  return { kind: 'flush', id: `f.${t.groupId}.${t.token}.${t.at}`, groupId: t.groupId, at: t.at, token: t.token, reason: 'timer' };
}

/** A message for a queue (the router's by default) at a given time, with the schedule name it gets if it is far out. */
export interface Wakeup {
  at: number;
  message: FlushMessage | EscalationMessage;
  name: string;
  queue?: string | undefined;
}

export const groupWakeup = (t: Timer): Wakeup => ({ at: t.at, message: flushMessage(t), name: scheduleName(t.groupId, t.at) });

/** A scheduler's precision when it does not state one (SchedulerPort.precisionMs). */
const DEFAULT_SCHEDULE_PRECISION_MS = 1_000;

/**
 * Far wakeups as one-time schedules. Group timers due in the same slot of the scheduler's precision
 * share one schedule (a FlushBatchMessage at the latest of their times, which the scheduler fires in
 * the same slot): Scheduler bills each invocation, and the groups one router batch flushed are due
 * together. A timer alone keeps its own schedule, whose name lets a replacement delete it; a shared
 * one is not deleted (its other groups need it), and a stale flush in it finds its chain replaced.
 */
export function farSchedules(far: readonly Wakeup[], precisionMs: number): OneTimeSchedule[] {
  const out: OneTimeSchedule[] = [];
  const slots = new Map<number, Array<Wakeup & { message: FlushMessage }>>();
  for (const w of far) {
    const queue = w.queue ?? ALERTS_QUEUE;
    if (queue === ALERTS_QUEUE && w.message.kind === 'flush' && w.message.reason === 'timer') {
      const slot = Math.ceil(w.at / precisionMs);
      const list = slots.get(slot) ?? [];
      slots.set(slot, list);
      list.push(w as Wakeup & { message: FlushMessage });
    } else {
      out.push({ name: w.name, at: new Date(w.at), queue, body: JSON.stringify(w.message) });
    }
  }
  for (const [slot, list] of slots) {
    for (let i = 0; i < list.length; i += MAX_FLUSHES_PER_SCHEDULE) {
      const chunk = list.slice(i, i + MAX_FLUSHES_PER_SCHEDULE);
      if (chunk.length === 1) {
        const [w] = chunk as [Wakeup];
        out.push({ name: w.name, at: new Date(w.at), queue: ALERTS_QUEUE, body: JSON.stringify(w.message) });
        continue;
      }
      // Named by its contents: a retried batch creates the same schedule, which the port takes as done.
      const digest = createHash('sha256').update(chunk.map((w) => w.message.id).sort().join('\n')).digest('hex').slice(0, 16);
      const name = `flushes-${slot}-${digest}`;
      const message: FlushBatchMessage = { kind: 'flushes', id: name, flushes: chunk.map((w) => w.message) };
      out.push({ name, at: new Date(Math.max(...chunk.map((w) => w.at))), queue: ALERTS_QUEUE, body: JSON.stringify(message) });
    }
  }
  return out;
}

/** Put each message on its way: delayed on the queue when due within 15 minutes, else a one-time schedule. */
export async function scheduleWakeups(wakeups: readonly Wakeup[], deps: { queues: QueuePort; scheduler: SchedulerPort; now: number }): Promise<void> {
  const delayed = new Map<string, OutgoingMessage[]>();
  const far: Wakeup[] = [];
  for (const w of wakeups) {
    const wait = w.at - deps.now;
    if (wait > MAX_SQS_DELAY_MS) {
      far.push(w);
      continue;
    }
    const queue = w.queue ?? ALERTS_QUEUE;
    const list = delayed.get(queue) ?? [];
    delayed.set(queue, list);
    // SQS batch entry ids allow [A-Za-z0-9_-]{1,80}; the message id inside the body is the real key.
    list.push({ id: `m${list.length}`, body: JSON.stringify(w.message), delaySeconds: Math.max(0, Math.ceil(wait / 1000)) });
  }
  await Promise.all([
    ...[...delayed].flatMap(([queue, list]) => batchesOf(list).map((batch) => deps.queues.send(queue, batch))),
    ...farSchedules(far, deps.scheduler.precisionMs ?? DEFAULT_SCHEDULE_PRECISION_MS).map((schedule) => deps.scheduler.create(schedule)),
  ]);
}

/**
 * Ask for an immediate re-evaluation of groups (e.g. after a silence was expired early). Message ids
 * are `<reason>:<key>:<group>`, so asking again for the same key sends the same messages.
 */
export async function requestFlushes(
  groupIds: readonly string[],
  request: { reason: FlushMessage['reason']; key: string; at: number },
  queues: QueuePort,
): Promise<void> {
  const messages = groupIds.map((groupId, i) => {
    const msg: FlushMessage = { kind: 'flush', id: `${request.reason}:${request.key}:${groupId}`, groupId, at: request.at, reason: request.reason };
    return { id: String(i), body: JSON.stringify(FlushMessage.parse(msg)) };
  });
  for (const batch of batchesOf(messages)) await queues.send(ALERTS_QUEUE, batch);
}
