import { createHash, randomUUID } from 'node:crypto';
import { ConflictError } from '../errors';
import type { Logger } from '../log';
import type { FlushMessage, IngestMessage, RouterMessage } from '../queues/messages';
import { batchesOf, encodeBody, type QueuePort } from '../queues/port';
import { alertmanagerGroupKeyFor, groupKeyFor, groupLabelsFor, matchRoutes, type RouteNode } from '../routing/route-tree';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { SchedulerPort } from '../schedules/port';
import type { MetricsPort } from '../metrics/catalog';
import type { Silence } from '../silences/model';
import { idDigest } from '../grouping/nflog';
import { groupWakeup, scheduleWakeups, type Wakeup } from '../grouping/timers';
import { evaluateGroup, type Effects, type EvaluateEnv, type Touched } from './evaluate';
import { batchReads } from './noise';
import { stormSummaryNotifications, withPayload, type Outgoing } from './notifications';
import type { GroupState } from '../grouping/model';
import type { CooldownStore, GroupStore, IncidentStore, InhibitionSourceStore, PayloadStore, StormStore } from '../store/port';
import { muteWithGroup, resolveWithGroup, startIncidentFor, type EscalationDeps } from '../escalation/service';
import type { HistoryStore } from '../history/history';

/**
 * The router's core. Each SQS batch carries ingest messages (alerts to fold into their groups) and
 * flush messages (group timers). Every touched group is read once, evaluated (merge, flush if its
 * timer allows, next timer), written at most once with a conditional write, and then its effects
 * run: notifications to the channel queues, timers, the inhibition index, cooldowns.
 */
export interface DispatchDeps {
  config: CompiledConfig;
  groups: GroupStore;
  inhibitions: InhibitionSourceStore;
  cooldowns: CooldownStore;
  storms: StormStore;
  /** The delivery records of the notifications groups sent: a notification is logged once delivered. */
  deliveries: EvaluateEnv['deliveries'];
  /** Where a notification too large for its queue message is stored for its sender. */
  payloads: PayloadStore;
  /** Incidents of escalating routes: started and resolved by flushes. */
  incidents: IncidentStore;
  /** Where the resolved alerts flushes drop are kept (GET /v1/history). */
  history: HistoryStore;
  /** The silences not yet expired (the caller may cache them briefly). */
  silences: () => Promise<readonly Silence[]>;
  queues: QueuePort;
  scheduler: SchedulerPort;
  clock: () => Date;
  log: Logger;
  /** Counts alerts routed and suppressed, and the time from receive to routing. */
  metrics?: MetricsPort | undefined;
  /**
   * Epoch ms after which no more groups are started (the Lambda's deadline less a margin): the
   * messages of the groups left are reported failed and come back, as a timeout would have left
   * them, but at once and without a half-done group.
   */
  deadline?: number | undefined;
}

export interface DispatchResult {
  groups: number;
  changedGroups: number;
  notifications: number;
  /** Ids of the messages whose changes could not be stored or applied; the caller fails those records. */
  failed: Set<string>;
}

const MAX_CONFLICT_ROUNDS = 8;
/** Group writes in flight at once: enough to overlap latency, few enough not to queue in the SDK. */
const WRITE_CONCURRENCY = 16;
/** Groups read in one BatchGet right before they are evaluated and written (WRITE_CONCURRENCY / READ_CHUNK reads in flight). */
const READ_CHUNK = 8;
/** A batch's parts hold at least this many groups (partsByMessage): enough to keep WRITE_CONCURRENCY busy. */
const PART_GROUPS = WRITE_CONCURRENCY;
/**
 * Notifications waiting that make a part's effects run before the next part: fewer would send
 * small sender batches and partial SQS batch calls (each a billed request).
 */
const EFFECTS_WAVE = 50;

export async function dispatch(received: readonly RouterMessage[], deps: DispatchDeps): Promise<DispatchResult> {
  // A schedule's batch of group timers is its flushes, each handled as if it had come alone; the
  // batch fails if any of them does (a retry replays the others, which their groups' state makes
  // idempotent).
  const batchOf = new Map<string, string>();
  const messages = received.flatMap((m) => {
    if (m.kind !== 'flushes') return [m];
    for (const f of m.flushes) batchOf.set(f.id, m.id);
    return m.flushes;
  });
  const result = await dispatchEach(messages, deps);
  if (batchOf.size > 0) result.failed = new Set([...result.failed].map((id) => batchOf.get(id) ?? id));
  return result;
}

async function dispatchEach(messages: ReadonlyArray<Exclude<RouterMessage, { kind: 'flushes' }>>, deps: DispatchDeps): Promise<DispatchResult> {
  const now = deps.clock();
  const ingest = messages.filter((m): m is IngestMessage => m.kind === 'alerts');
  const flushes = messages.filter((m): m is FlushMessage => m.kind === 'flush');
  const touched = routeMessages(ingest, deps.config);
  addFlushes(touched, flushes.filter((f) => f.reason !== 'storm-summary'));

  const env = {
    config: deps.config,
    // The batch's own alerts count as inhibition sources before the index has them (see batchReads).
    reads: batchReads(deps, now, { alerts: ingest.flatMap((m) => m.alerts), rules: deps.config.inhibitRules }),
    storms: deps.storms,
    deliveries: deps.deliveries,
    incidents: deps.incidents,
    now,
    newToken: () => randomUUID().slice(0, 8),
  };
  const failed = new Set<string>();
  const order = new Map([...touched.values()].map((t, i) => [t, i]));
  const applied: Stored[] = [];
  let waiting: Stored[] = [];
  let changedGroups = 0;
  let notifications = 0;
  const applyWaiting = async () => {
    // Effects in the order the batch touched the groups, whatever order they were written in.
    const wave = waiting.sort((a, b) => order.get(a.t)! - order.get(b.t)!);
    waiting = [];
    applied.push(...wave);
    notifications += await applyEffects(wave, deps, now, failed);
  };
  // The groups part by part, in the order of the messages that first touched them, and a part's
  // effects run once enough notifications wait: a storm's first batches are mostly new groups that
  // notify at once (group_wait 0s), and their notifications then leave before the batch's updates
  // of other groups are stored, not after (ADR 0028).
  for (const part of partsByMessage(touched)) {
    const stored = await storeGroups(part, env, deps, now, failed);
    changedGroups += stored.changed;
    waiting.push(...stored.evaluated);
    if (waiting.reduce((n, e) => n + e.effects.notifications.length, 0) >= EFFECTS_WAVE) await applyWaiting();
  }
  if (waiting.length > 0) await applyWaiting();
  countRouted(ingest, applied, failed, deps.metrics, now);
  const summaries = await stormSummaries(flushes.filter((f) => f.reason === 'storm-summary'), deps, now, failed);
  return { groups: touched.size, changedGroups, notifications: notifications + summaries, failed };
}

/** A group evaluated and stored, with the effects its write calls for. */
interface Stored {
  t: Touched;
  effects: Effects;
  group: GroupState;
}

/**
 * Evaluate and store each group of `part`, with its conditional write; a group whose write lost
 * to another router is read and evaluated again (a few rounds). A group that fails for good fails
 * its messages.
 */
async function storeGroups(part: readonly Touched[], env: EvaluateEnv, deps: DispatchDeps, now: Date, failed: Set<string>): Promise<{ evaluated: Stored[]; changed: number }> {
  const evaluated: Stored[] = [];
  let changed = 0;
  // Each group is read just before it is written, a few at a time, in an order of this batch's own:
  // a conditional write conflicts only if another router wrote the group between the two, and
  // every conflict is a billed write (item-sized) and a re-read. Reading the whole batch up front
  // left that window open for the whole batch, so concurrent routers over the same groups (a storm
  // spread over many groups) conflicted on nearly every write.
  let pending = shuffled([...part]);
  for (let round = 0; pending.length > 0; round++) {
    const conflicts: Touched[] = [];
    const evaluate = async (t: Touched, stored: GroupState | undefined) => {
      try {
        const ev = await evaluateGroup(t, stored, env);
        if (!ev) return;
        if (ev.write) await deps.groups.put(ev.next);
        if (ev.changed) changed++;
        evaluated.push({ t, effects: ev.effects, group: ev.next });
      } catch (err) {
        if (err instanceof ConflictError && round + 1 < MAX_CONFLICT_ROUNDS) {
          conflicts.push(t);
        } else {
          deps.log.warn('group evaluation failed; its messages will be retried', { groupId: t.id, err });
          t.messageIds.forEach((id) => failed.add(id));
        }
      }
    };
    await forEachLimited(chunksOf(pending, READ_CHUNK), WRITE_CONCURRENCY / READ_CHUNK, async (chunk) => {
      if (Date.now() > (deps.deadline ?? Infinity)) {
        for (const t of chunk) t.messageIds.forEach((id) => failed.add(id));
        return;
      }
      let stored: Map<string, GroupState>;
      try {
        // A read racing a rewrite of a large group's parts is read again (readGroups).
        stored = await readGroups(deps.groups, chunk.map((t) => t.id), now);
      } catch (err) {
        deps.log.warn('group read failed; its messages will be retried', { groups: chunk.length, err });
        for (const t of chunk) t.messageIds.forEach((id) => failed.add(id));
        return;
      }
      await Promise.all(chunk.map((t) => evaluate(t, stored.get(t.id))));
    });
    if (conflicts.length > 0) {
      deps.log.debug('group write conflicts, re-reading', { count: conflicts.length, round });
      // Jittered pause so routers that collided do not collide again in lockstep.
      await sleep(Math.random() * 25 * 2 ** Math.min(round, 4));
    }
    pending = conflicts;
  }
  return { evaluated, changed };
}

/**
 * The touched groups in parts, by the message that first touched each (the map's order), a part
 * taking whole messages until it holds PART_GROUPS groups: a part of a few groups would lose the
 * concurrency of the reads and writes within it.
 */
function partsByMessage(touched: ReadonlyMap<string, Touched>): Touched[][] {
  const parts: Touched[][] = [];
  let part: Touched[] = [];
  let message: string | undefined;
  for (const t of touched.values()) {
    const first = t.messageIds.values().next().value;
    if (first !== message && part.length >= PART_GROUPS) {
      parts.push(part);
      part = [];
    }
    message = first;
    part.push(t);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Read the groups, again after a pause when one was stored in parts and a writer replaced them
 * while it was read (a ConflictError): the next read finds the newer version whole. Without this a
 * large group written by concurrent batches failed whole batches, which backed off and could
 * dead-letter alerts.
 */
async function readGroups(groups: GroupStore, ids: readonly string[], now: Date): Promise<Map<string, GroupState>> {
  for (let round = 0; ; round++) {
    try {
      return await groups.getMany(ids, now);
    } catch (err) {
      if (!(err instanceof ConflictError) || round + 1 >= MAX_CONFLICT_ROUNDS) throw err;
      await sleep(Math.random() * 25 * 2 ** Math.min(round, 4));
    }
  }
}

/** Route every alert of every message and collect the groups they land in (an alert may land in several). */
export function routeMessages(messages: readonly IngestMessage[], config: CompiledConfig): Map<string, Touched> {
  const touched = new Map<string, Touched>();
  for (const msg of messages) {
    for (const alert of msg.alerts) {
      for (const route of matchRoutes(config.routeTree, alert.labels)) {
        const id = groupIdOf(route, groupKeyFor(route, alert.labels));
        let t = touched.get(id);
        if (!t) {
          // A new group stores (and its notifications carry) Alertmanager 0.25's form of the key.
          const key = alertmanagerGroupKeyFor(route, alert.labels);
          t = { id, route, key, labels: groupLabelsFor(route, alert.labels), alerts: [], messageIds: new Set(), tokens: new Set(), reevaluate: false };
          touched.set(id, t);
        }
        t.alerts.push(alert);
        t.messageIds.add(msg.id);
        if (msg.origin.externalURL) t.externalURL = msg.origin.externalURL;
      }
    }
  }
  return touched;
}

function addFlushes(touched: Map<string, Touched>, flushes: readonly FlushMessage[]): void {
  for (const f of flushes) {
    let t = touched.get(f.groupId);
    if (!t) {
      t = { id: f.groupId, alerts: [], messageIds: new Set(), tokens: new Set(), reevaluate: false };
      touched.set(f.groupId, t);
    }
    t.messageIds.add(f.id);
    if (f.token) t.tokens.add(f.token);
    // An expired silence or a send that failed for good: look at the group now, between its timers.
    if (f.reason === 'silence' || f.reason === 'delivery') t.reevaluate = true;
  }
}

/**
 * Group ids are a hash of the route and group key: stable, short, safe as a DynamoDB key.
 * Remembered for recent groups: a storm's alerts of one group come batch after batch, and a hash
 * per alert was a twentieth of the router's time.
 */
export function groupIdOf(route: RouteNode, key: string): string {
  return idDigest(`${route.receiver}\n${route.id}\n${key}`);
}

/**
 * Run the effects of the stored evaluations. A group whose effects fail fails its messages: their
 * redelivery finds the stored write and replays the same effects (same ids, so nothing doubles).
 */
async function applyEffects(list: Array<{ t: Touched; effects: Effects; group: GroupState }>, deps: DispatchDeps, now: Date, failed: Set<string>): Promise<number> {
  const ms = now.getTime();
  const fail = (t: Touched, what: string, err: unknown) => {
    deps.log.warn(`${what} failed; the group's messages will be retried`, { groupId: t.id, err });
    t.messageIds.forEach((id) => failed.add(id));
  };
  // Index and cooldown writes first: a notification must not go out while the state that
  // suppresses its successors is missing.
  await forEachLimited(list, WRITE_CONCURRENCY, async ({ t, effects }) => {
    try {
      await Promise.all([
        ...effects.inhibitionPuts.map((p) => deps.inhibitions.put(p.partition, p.alert, now)),
        ...effects.inhibitionDeletes.map((d) => deps.inhibitions.delete(d.partition, d.fingerprint)),
        ...effects.cooldowns.map((c) => deps.cooldowns.start(c.key, c.until)),
      ]);
    } catch (err) {
      fail(t, 'inhibition index / cooldown write', err);
    }
  });

  // A group whose state writes failed is retried whole; its notifications go out on the replay.
  const succeeded = ({ t }: { t: Touched }) => ![...t.messageIds].some((id) => failed.has(id));
  list = list.filter(succeeded);
  const notifications = await storePayloads(
    list.flatMap(({ t, effects }) => effects.notifications.map((n) => ({ ...n, owner: t }))),
    deps.payloads,
    now,
    (t, err) => fail(t, 'notification payload write', err),
  );
  const sent = await sendOutgoing(notifications, deps.queues, (t, err) => fail(t, 'notification send', err));

  // Incidents once the group's own notifications are on their way: a step's pages follow them.
  const escalation: EscalationDeps = { incidents: deps.incidents, groups: deps.groups, config: deps.config, queues: deps.queues, scheduler: deps.scheduler, clock: deps.clock, log: deps.log, metrics: deps.metrics };
  await Promise.all(
    list.filter(succeeded).flatMap(({ t, effects, group }) =>
      effects.incidents.map(async (e) => {
        try {
          if (e.kind === 'start') await startIncidentFor(e.start, group, escalation);
          else if (e.kind === 'resolve') await resolveWithGroup(e.id, escalation);
          else await muteWithGroup(e.id, e.muted, escalation);
        } catch (err) {
          fail(t, `incident ${e.kind}`, err);
        }
      }),
    ),
  );

  await forEachLimited(list.filter(succeeded), WRITE_CONCURRENCY, async ({ t, effects }) => {
    if (effects.history.length === 0) return;
    try {
      await deps.history.record(effects.history);
    } catch (err) {
      fail(t, 'history write', err);
    }
  });

  const wakeups: Array<{ t: Touched; wakeup: Wakeup }> = [];
  for (const { t, effects } of list) {
    for (const timer of effects.timers) wakeups.push({ t, wakeup: groupWakeup(timer) });
    for (const s of effects.stormSummaries) {
      // Every hold in a window asks for its one summary: queue it once per batch (senders claim each
      // notification id, so copies from other batches still post once).
      if (wakeups.some((w) => w.wakeup.message.id === `storm.${s.receiver}.${s.window}`)) continue;
      const message: FlushMessage = { kind: 'flush', id: `storm.${s.receiver}.${s.window}`, groupId: 'storm', at: s.at, reason: 'storm-summary', receiver: s.receiver, window: s.window };
      wakeups.push({ t, wakeup: { at: s.at, message, name: `storm-${createHash('sha256').update(s.receiver).digest('hex').slice(0, 16)}-${s.window}` } });
    }
  }
  try {
    await scheduleWakeups(
      wakeups.map((w) => w.wakeup),
      { queues: deps.queues, scheduler: deps.scheduler, now: ms },
    );
  } catch (err) {
    // Which timer failed is unknown: fail every group that set one (replays are idempotent).
    for (const w of wakeups) fail(w.t, 'timer', err);
  }
  // A replaced far-out schedule would only wake the group for nothing: best effort, and only once
  // the replacement timer is on its way.
  await Promise.all(
    list
      .filter(succeeded)
      .flatMap(({ effects }) => effects.cancelSchedules).map((name) => deps.scheduler.delete(name).catch((err: unknown) => deps.log.debug('schedule delete failed', { name, err }))),
  );
  return sent;
}

/** The end of a storm window: tell each held receiver how much was held. */
async function stormSummaries(messages: readonly FlushMessage[], deps: DispatchDeps, now: Date, failed: Set<string>): Promise<number> {
  const fail = (m: FlushMessage, err: unknown) => {
    deps.log.warn('storm summary failed; it will be retried', { receiver: m.receiver, err });
    failed.add(m.id);
  };
  const out: Array<Outgoing & { owner: FlushMessage }> = [];
  for (const m of messages) {
    const receiver = m.receiver ? deps.config.receivers.get(m.receiver) : undefined;
    if (!receiver?.storm_protection || m.window === undefined) continue;
    try {
      const counts = await deps.storms.get(receiver.name, m.window);
      if (!counts || counts.heldGroups === 0) continue;
      const summary = stormSummaryNotifications(receiver, { start: m.window, end: m.at }, counts, deps.config.raw.external_url, now);
      out.push(...summary.map((n) => ({ ...n, owner: m })));
    } catch (err) {
      fail(m, err);
    }
  }
  return sendOutgoing(out, deps.queues, fail);
}

/**
 * Store the whole group of each notification too large for its queue message and send a reference
 * in its place. A failed write fails the owner and leaves its notification unsent: the redelivery
 * rebuilds and stores it again (same content, same keys).
 */
async function storePayloads<O>(items: Array<Outgoing & { owner: O }>, payloads: PayloadStore, now: Date, onFail: (owner: O, err: unknown) => void): Promise<Array<Outgoing & { owner: O }>> {
  const out: Array<Outgoing & { owner: O }> = [];
  await forEachLimited(items, WRITE_CONCURRENCY, async (item) => {
    const { whole } = item;
    if (!whole) {
      out.push(item);
      return;
    }
    try {
      const ref = await payloads.put(whole.id, whole.group, now);
      out.push({ ...withPayload({ ...item, whole }, ref), owner: item.owner });
    } catch (err) {
      onFail(item.owner, err);
    }
  });
  return out;
}

/**
 * Send notifications in batch calls per queue, concurrently; a failed call fails the owners of its
 * messages (their redelivery sends them again under the same ids). Returns how many were sent.
 */
async function sendOutgoing<O>(items: ReadonlyArray<Outgoing & { owner: O }>, queues: QueuePort, onFail: (owner: O, err: unknown) => void): Promise<number> {
  const byQueue = new Map<string, Array<Outgoing & { owner: O }>>();
  for (const item of items) {
    const entries = byQueue.get(item.queue);
    if (entries) entries.push(item);
    else byQueue.set(item.queue, [item]);
  }
  let sent = 0;
  await Promise.all(
    [...byQueue].map(async ([queue, entries]) => {
      const packed = entries.map((e) => ({ message: { ...e.message, body: encodeBody(queues, e.message.body) }, owner: e.owner }));
      const owners = new Map(packed.map((e) => [e.message, e.owner]));
      // The batch calls at once, not one after another: a storm's first flushes are hundreds of
      // notifications, and each call waits for its commit (a queue's, or SQS's round trip).
      await Promise.all(
        batchesOf(packed.map((e) => e.message)).map(async (batch) => {
          try {
            await queues.send(queue, batch);
            sent += batch.length;
          } catch (err) {
            for (const m of batch) onFail(owners.get(m)!, err);
          }
        }),
      );
    }),
  );
  return sent;
}

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A random order (Fisher-Yates): concurrent routers over the same groups then rarely hold one at the same moment. */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
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

/** The batch's alerts routed (their messages not failed), how long after they were received, and what flushes held back. */
function countRouted(ingest: readonly IngestMessage[], effects: ReadonlyArray<{ effects: Effects }>, failed: ReadonlySet<string>, metrics: MetricsPort | undefined, now: Date): void {
  if (!metrics) return;
  let routed = 0;
  for (const m of ingest) {
    if (failed.has(m.id)) continue;
    routed += m.alerts.length;
    metrics.observe('routingLatency', Math.max(0, now.getTime() - Date.parse(m.receivedAt)));
  }
  if (routed > 0) metrics.count('alertsRouted', routed);
  for (const { effects: e } of effects) for (const [reason, n] of Object.entries(e.suppressed)) metrics.count('alertsSuppressed', n, { reason });
}
