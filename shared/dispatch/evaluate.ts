import { hash } from 'node:crypto';
import { memoByText } from '../alerts/memo';
import { channelEntries } from '../channels/keys';
import type { Receiver } from '../config/schema';
import type { Alert } from '../alerts/model';
import { matchesAll } from '../labels/matchers';
import type { RouteNode } from '../routing/route-tree';
import type { CompiledConfig } from '../runtime/compiled-config';
import { recordEdges } from '../grouping/flapping';
import { heardOf, settle, unsettledIds } from '../grouping/nflog';
import { earliestFlush, MAX_SQS_DELAY_MS, nextFlushAt, nextGroupTick, nextTick, scheduleName } from '../grouping/timers';
import type { RecordedDelivery } from '../store/deliveries';
import { copyAlerts, type GroupAlert, type GroupState } from '../grouping/model';
import { epochSeconds } from '../store/keys';
import { inhibitPartition } from '../store/noise';
import { noEffects, type Effects } from './effects';
import { runFlush } from './flush-stages';
import { mergeAlerts } from './merge';
import { cooldownKeys, cooldownOf, type NoiseReads } from './noise';
import { flushNotifications } from './notifications';
import type { NotificationMessage } from '../queues/messages';
import type { IncidentStore, StormStore } from '../store/port';
import { historyEntries } from '../history/history';

export type { Effects } from './effects';

/** A group the batch touches: the alerts routed to it and the messages that asked for it. */
export interface Touched {
  id: string;
  /** Set for groups alerts were routed to; flush-only groups take the route of their stored state. */
  route?: RouteNode | undefined;
  key?: string | undefined;
  labels?: Record<string, string> | undefined;
  alerts: Alert[];
  /** Every message (ingest or flush) that touched the group: a redelivery of one replays its effects. */
  messageIds: Set<string>;
  /** Timer tokens of flush messages: the group's live chain continues when its token is among them. */
  tokens: Set<string>;
  /** A flush asked for from outside the timers (a silence expired early). */
  reevaluate: boolean;
  externalURL?: string | undefined;
}

export interface Evaluation {
  next: GroupState;
  write: boolean;
  changed: boolean;
  effects: Effects;
}

export interface EvaluateEnv {
  config: CompiledConfig;
  reads: NoiseReads;
  storms: StormStore;
  /** What became of the notifications the group sent (their delivery records). */
  deliveries: { outcomes(ids: readonly string[]): Promise<ReadonlyMap<string, RecordedDelivery>> };
  /** Whether a group's incident is still open (read only when a page could start another). */
  incidents: Pick<IncidentStore, 'get'>;
  now: Date;
  newToken: () => string;
}

/** Firing groups live on while they are re-sent; a quiet group expires after this long. */
const GROUP_RETENTION_S = 30 * 86_400;
/** Never schedule a flush closer than this: a timer that wakes a group with nothing due re-arms, not spins. */
const MIN_TIMER_MS = 1000;
/** Message ids a group remembers for replays across writes that did not flush. */
const MAX_REPLAY_IDS = 50;

/**
 * How a group remembers a message id for replays: 24 bits of its SHA-256, 4 characters. Message ids
 * are random (a UUID per request), so 50 of them in full were a third of a storm group's compressed
 * item, and DynamoDB bills writes per KB. A new message matches one of 50 stored keys about once in
 * 300,000, and then only replays the last write's effects, which are idempotent (same notification
 * ids, same timer); a message that made the write always matches. Remembered for recent ids:
 * every group a message touches asks again (a storm's batch of 10 messages over 200 groups hashed
 * 2,000 times, not 10).
 */
export const replayKey: (messageId: string) => string = memoByText(4096, (messageId) => hash('sha256', messageId, 'base64url').slice(0, 4));

/** Whether the stored last write was made by one of these messages (stored keys, or full ids from before replayKey). */
function madeLastWrite(prev: GroupState, messageIds: ReadonlySet<string>): boolean {
  const stored = new Set(prev.lastWrite.ids);
  return [...messageIds].some((id) => stored.has(replayKey(id)) || stored.has(id));
}
/**
 * One group's turn in a batch: merge the routed alerts, flush if the group's timer allows it, and
 * set the next timer. Returns the state to write (if anything changed) and what to do once it is
 * stored. An evaluation that changes nothing writes nothing; if its message made the stored last
 * write, the effects of that write are returned again (a redelivery after a partial failure).
 */
export async function evaluateGroup(t: Touched, prev: GroupState | undefined, env: EvaluateEnv): Promise<Evaluation | undefined> {
  const { config } = env;
  const now = env.now.getTime();
  if (!prev && t.alerts.length === 0) return undefined;
  const route = prev ? config.routesById.get(prev.routeId) : t.route;
  const receiver = route && config.receivers.get(route.receiver);
  if (!route || !receiver) return undefined;

  const base = prev ?? newGroup(t, route, now);
  const merged = mergeAlerts(base.alerts, t.alerts, env.now, heardOf(base));
  let g: GroupState = { ...base, alerts: merged.alerts };
  let changed = merged.changed;
  const effects = noEffects();
  const { hadAlerts } = merged;
  let { hasAlerts } = merged;

  if (merged.changed) {
    if (hasAlerts && !hadAlerts) {
      // A new (or emptied and refilled) group waits group_wait, as a new aggregation group does.
      g = { ...g, firstFlushAt: now + route.groupWaitMs, lastSentAt: undefined, hold: undefined };
    }
    // Alertmanager flushes at once for an alert already older than group_wait.
    if (g.firstFlushAt !== undefined && merged.newlyFiring.some((a) => Date.parse(a.startsAt) + route.groupWaitMs < now)) g = { ...g, firstFlushAt: now };
    if (route.flapping) g = { ...g, flaps: recordEdges(g.flaps, base.alerts, g.alerts, route.flapping, now) };
    if (t.externalURL && t.externalURL !== g.externalURL) g = { ...g, externalURL: t.externalURL };
    // A source whose ends_at moved is indexed again, or it would stop inhibiting at its first ends_at.
    // Only an incoming alert can have moved: the others are the stored objects (or auto-resolved).
    const moved = [...new Set(t.alerts.map((a) => a.fingerprint))].flatMap((fp) => {
      const a = g.alerts[fp];
      const before = base.alerts[fp];
      return a && a.status === 'firing' && before?.status === 'firing' && before.endsAt !== a.endsAt ? [a] : [];
    });
    indexSources(config, [...merged.newlyFiring, ...moved], merged.resolved, effects);
  }

  // --- delivery outcomes ---
  // Read only when they can change what happens now: a flush is due, or a failed send woke the group.
  const unsettled = unsettledIds(g);
  if (unsettled.length > 0 && (t.reevaluate || now >= earliestFlush(g, route))) {
    g = settle(g, await env.deliveries.outcomes(unsettled)).group;
    const restored = restoreUntoldResolves(g);
    if (restored !== g) {
      g = restored;
      changed = true;
      hasAlerts = true;
    }
  }

  // --- flush ---
  // A change waits for the group's next tick (nextGroupTick); its own timer, or a re-evaluation
  // asked for (a silence expired, a send failed), flushes once the group may.
  const due = hasAlerts && (liveTimer(prev, t) || t.reevaluate ? now >= earliestFlush(g, route) : now >= nextGroupTick(g, route, now));
  const wake: number[] = [];
  const recheck: Recheck = {};
  if (due) {
    // Re-checks keep to the ticks of a chain already re-checking, so a reader can tell the next one
    // from the stored timer; a group that starts re-checking starts its ticks now.
    const anchor = g.timer?.every === route.groupIntervalMs ? g.timer.at : now;
    const flushed = await runFlush(g, {
      route,
      receiver,
      channels: channelEntries(receiver),
      config,
      reads: env.reads,
      storms: env.storms,
      incidents: env.incidents,
      newToken: env.newToken,
      now: env.now,
      effects,
      wake: (at) => wake.push(at),
      tick: () => (recheck.at = nextTick(anchor, route.groupIntervalMs, now)),
    });
    changed ||= flushed.changed;
    g = flushed.group;
  } else if (hasAlerts && (merged.changed || liveTimer(prev, t) || t.reevaluate)) {
    wake.push(nextGroupTick(g, route, now));
  }

  // --- timer ---
  let write = changed;
  const future = wake.filter((at) => at > now);
  const next = future.length > 0 ? Math.max(Math.min(...future), now + MIN_TIMER_MS) : undefined;
  const live = liveTimer(prev, t);
  if (next !== undefined) {
    const pending = prev?.timer && prev.timer.at > now ? prev.timer : undefined;
    const covered = pending !== undefined && pending.at <= next;
    if (!write && live && nextFlushAt(prev!.timer, now) === next) {
      // The live chain goes on without a write: the stored timer already says when (its next tick).
      effects.timers.push({ groupId: g.groupId, at: next, token: prev!.timer!.token });
    } else if (live || (!covered && (write || t.reevaluate))) {
      // The stored timer is what the read API shows: it is written whenever the chain goes elsewhere.
      write = true;
      g = { ...g, timer: { at: next, token: env.newToken(), ...(next === recheck.at ? { every: route.groupIntervalMs } : {}) } };
      effects.timers.push({ groupId: g.groupId, at: next, token: g.timer!.token });
      if (pending && pending.at - now > MAX_SQS_DELAY_MS) effects.cancelSchedules.push(scheduleName(g.groupId, pending.at));
    }
  } else if (live && prev!.timer!.every !== undefined) {
    // The chain ends: its stored ticks would promise flushes that will not come.
    write = true;
    g = { ...g, timer: undefined };
  }

  if (!write) {
    if (prev && madeLastWrite(prev, t.messageIds)) return { next: prev, write: false, changed: false, effects: replay(prev, route, receiver, config, t, env.newToken) };
    return { next: g, write: false, changed: false, effects };
  }
  const flushedNow = g.flushSeq !== base.flushSeq;
  const keys = [...t.messageIds].map(replayKey);
  g = {
    ...g,
    version: base.version + 1,
    updatedAt: env.now.toISOString(),
    expiresAt: epochSeconds(env.now) + GROUP_RETENTION_S,
    // A write that does not flush keeps the last flush and the ids that may still need to replay it:
    // a message whose effects failed must find them after another router wrote the group meanwhile.
    lastWrite: flushedNow
      ? { ids: keys.sort(), flush: g.lastWrite.flush }
      : { ids: [...new Set([...keys, ...base.lastWrite.ids])].slice(0, MAX_REPLAY_IDS), ...(base.lastWrite.flush ? { flush: base.lastWrite.flush } : {}) },
  };
  if (flushedNow && g.lastWrite.flush) {
    effects.notifications.push(...flushNotifications(g, route, receiver, g.lastWrite.flush, config.raw.external_url ?? g.externalURL, incidentOf(g, route, config)));
  }
  return { next: g, write: true, changed, effects };
}

function newGroup(t: Touched, route: RouteNode, now: number): GroupState {
  return {
    groupId: t.id,
    routeId: route.id,
    receiver: route.receiver,
    groupKey: t.key ?? '',
    groupLabels: t.labels ?? {},
    alerts: {},
    version: 0,
    updatedAt: new Date(now).toISOString(),
    expiresAt: 0,
    flushSeq: 0,
    nflog: {},
    flaps: {},
    lastWrite: { ids: [] },
  };
}

/** The group_interval re-check a muted or inhibited flush asked for: on the chain's grid of ticks. */
interface Recheck {
  at?: number;
}

const liveTimer = (prev: GroupState | undefined, t: Touched): boolean => prev?.timer !== undefined && t.tokens.has(prev.timer.token);

/**
 * A resolve whose notification failed for good must still be told, but its alerts left the group at
 * that flush: those the channel's log still has firing come back from the recently resolved ones
 * (as Alertmanager keeps resolved alerts in the group until a notification of them succeeds).
 */
function restoreUntoldResolves(g: GroupState): GroupState {
  const back: Record<string, GroupAlert> = {};
  for (const [key, s] of Object.entries(g.sending ?? {})) {
    if (s.failedAt === undefined) continue;
    for (const fp of g.nflog[key]?.firing ?? []) {
      const a = g.recentlyResolved?.[fp];
      if (a && !g.alerts[fp]) back[fp] = a;
    }
  }
  return Object.keys(back).length > 0 ? { ...g, alerts: Object.assign(copyAlerts(g.alerts), back) } : g;
}

/** Index alerts that can inhibit others: firing ones in, resolved ones out. */
function indexSources(config: CompiledConfig, firing: readonly GroupAlert[], resolved: readonly GroupAlert[], effects: Effects): void {
  for (const rule of config.inhibitRules) {
    for (const a of firing) if (matchesAll(rule.source, a.labels)) effects.inhibitionPuts.push({ partition: inhibitPartition(rule, a.labels), alert: a });
    for (const a of resolved) if (matchesAll(rule.source, a.labels)) effects.inhibitionDeletes.push({ partition: inhibitPartition(rule, a.labels), fingerprint: a.fingerprint });
  }
}

/**
 * What the group's notifications say of its incident: the open one (links are bound to the token it
 * started with), or the one this flush resolved, so its resolve reaches the same PagerDuty incident.
 */
function incidentOf(g: GroupState, route: RouteNode, config: CompiledConfig): NotificationMessage['incident'] {
  const policy = route.escalationPolicy === undefined ? undefined : config.escalationPolicies.get(route.escalationPolicy);
  if (g.incident) return { id: g.incident.id, token: g.incident.token, ackAllowed: policy?.ackAllowed ?? true };
  const resolved = g.lastWrite.flush?.incident?.resolved;
  return resolved ? { id: resolved, token: '-', state: 'resolved', ackAllowed: policy?.ackAllowed ?? true } : undefined;
}

/** The effects of the stored last write, rebuilt for a redelivery of a message that made it. */
function replay(prev: GroupState, route: RouteNode, receiver: Receiver, config: CompiledConfig, t: Touched, newToken: () => string): Effects {
  const effects = noEffects();
  const flushed = prev.lastWrite.flush;
  if (flushed) {
    effects.notifications.push(...flushNotifications(prev, route, receiver, flushed, config.raw.external_url ?? prev.externalURL, incidentOf(prev, route, config)));
    const cooldown = cooldownOf(route, receiver);
    if (cooldown && flushed.paged.length > 0) {
      const paged = flushed.paged.map((fp) => prev.alerts[fp]).filter((a): a is GroupAlert => a !== undefined);
      for (const key of cooldownKeys(cooldown, prev, paged)) effects.cooldowns.push({ key, until: flushed.at + cooldown.ms });
    }
  }
  if (flushed?.incident?.resolved) effects.incidents.push({ kind: 'resolve', id: flushed.incident.resolved });
  // The alerts that flush dropped (the same entries: recording them again writes the same items).
  if (flushed) effects.history.push(...historyEntries(prev, flushed.resolved.filter((a) => !prev.alerts[a.fingerprint]), new Date(flushed.at)));
  const policy = route.escalationPolicy === undefined ? undefined : config.escalationPolicies.get(route.escalationPolicy);
  if (flushed?.incident?.started && policy) {
    // Started by this write: the stored incident is found by its id, and its first step's effects done again.
    const id = flushed.incident.started;
    const token = prev.incident?.id === id ? prev.incident.token : newToken();
    effects.incidents.push({ kind: 'start', start: { id, groupId: prev.groupId, groupKey: prev.groupKey, groupLabels: prev.groupLabels, routeReceiver: route.receiver, policy, token } });
  }
  if (prev.timer) effects.timers.push({ groupId: prev.groupId, ...prev.timer });
  const firing = t.alerts.filter((a) => prev.alerts[a.fingerprint]?.status === 'firing').map((a) => prev.alerts[a.fingerprint]!);
  const resolved = t.alerts.filter((a) => a.status === 'resolved') as GroupAlert[];
  indexSources(config, firing, resolved, effects);
  return effects;
}
