import { randomUUID } from 'node:crypto';
import type { MetricsPort } from '../metrics/catalog';
import { statusAt, type Alert } from '../alerts/model';
import { channelEntries } from '../channels/keys';
import { ConflictError, NotFoundError } from '../errors';
import { recentlyResolved, type GroupState } from '../grouping/model';
import { MAX_SQS_DELAY_MS, scheduleWakeups, type Wakeup } from '../grouping/timers';
import type { Logger } from '../log';
import { fitToMessage } from '../queues/notification-fit';
import type { EscalationMessage, NotificationMessage } from '../queues/messages';
import { channelQueueName, ESCALATIONS_QUEUE } from '../queues/names';
import { batchesOf, type QueuePort } from '../queues/port';
import type { Receiver } from '../channels/receiver';
import type { IncidentLinksConfig } from './config';
import type { SchedulerPort } from '../schedules/port';
import {
  acknowledge,
  ackLapsed,
  IncidentStateError,
  alreadyRan,
  escalateNow,
  replayStep,
  resolveIncident,
  resume,
  suspend,
  startIncident,
  stepDue,
  unacknowledge,
  type EscalationTimer,
  type Incident,
  type IncidentEffects,
  type IncidentEvent,
  type IncidentStore,
  type IncidentStart,
  type Transition,
} from './incident';

/** What escalation reads of the config (a CompiledConfig is one). */
export interface EscalationConfig {
  readonly raw: { readonly external_url?: string | undefined; readonly incident_links: IncidentLinksConfig };
  readonly receivers: ReadonlyMap<string, Receiver>;
}

/**
 * Runs incidents: applies a transition with a conditional write on the incident's version, writes
 * its timeline event, then does what it asks for (pages, the next timer, deleting the stale one).
 * The same for the router (an incident starts or its alerts resolve), the escalator (a timer fired)
 * and the API (someone acknowledged). Pages and timers have ids fixed by the incident, its token
 * and the step, so doing them again after a failure sends each page once.
 *
 * `Cursor` is the store's page cursor: escalation only hands it back, and a function that pages
 * takes it as a type parameter, so a value of another type cannot reach the store.
 */
export interface EscalationDeps<Cursor = unknown> {
  incidents: IncidentStore<Cursor>;
  /** The incident's group, for its alerts (the store port's GroupStore is one). */
  groups: { getMany(ids: readonly string[], now: Date): Promise<Map<string, GroupState>> };
  config: EscalationConfig;
  queues: QueuePort;
  scheduler: SchedulerPort;
  clock: () => Date;
  log: Logger;
  /** Counts the steps run (EscalationSteps). */
  metrics?: MetricsPort | undefined;
  newToken?: () => string;
  /**
   * Whether the incident's group is wholly muted now (every firing alert silenced or inhibited), or
   * has nothing firing any more (`resolved`, its resolve not recorded on the incident): a step due
   * then stops the chain, or ends the incident, instead of paging. Unset: the router, which asks
   * its own flush instead.
   */
  groupMuted?: (incident: Incident) => Promise<'silenced' | 'inhibited' | 'resolved' | undefined>;
}

export type IncidentAction = 'ack' | 'unack' | 'resolve' | 'escalate';

/** Attempts of an action that keeps losing the race for the incident's version before it gives up (409). */
const MAX_ATTEMPTS = 5;

const token = (deps: EscalationDeps) => (deps.newToken ?? (() => randomUUID().slice(0, 8)))();

/** Start an incident (the router, at a group's first page); a replay finds the stored one and redoes its first step's effects. */
export async function startIncidentFor(start: IncidentStart, group: GroupState, deps: EscalationDeps): Promise<Incident> {
  const now = deps.clock();
  const t = startIncident(start, now.getTime());
  const stored = await deps.incidents.create(t.next, now);
  if (stored.token === t.next.token && stored.version === t.next.version) {
    await deps.incidents.record(stored.id, t.event, now);
    await perform(stored, t.effects, deps, group);
    return stored;
  }
  // Created by an earlier try whose effects may not have all happened: they are idempotent.
  if (stored.ran?.loop === 0 && stored.ran.step === 0 && stored.state === 'triggered') await perform(stored, replayStep(stored), deps, group);
  return stored;
}

/**
 * A person (or Slack, an SMS reply, PagerDuty) acts on an incident. `onlyUnder`: act only if the
 * incident is still under this escalation token (a signed link is bound to the chain it was sent
 * for; once anyone acted, it is stale).
 */
export function act(id: string, action: IncidentAction, actor: string, deps: EscalationDeps, onlyUnder?: string): Promise<Incident> {
  return rereadOnConflict(async () => {
    const now = deps.clock();
    const current = await deps.incidents.get(id, now);
    if (!current) throw new NotFoundError(`no incident with id ${JSON.stringify(id)}`);
    if (onlyUnder !== undefined && current.token !== onlyUnder) throw new StaleLinkError(current);
    return apply(transition(current, action, actor, now.getTime(), token(deps)), deps);
  });
}

/**
 * Run `attempt` (a read of the incident, a transition, its write) again while its write loses the
 * race for the incident's version: the next try reads what won. Gives up after MAX_ATTEMPTS (409).
 */
async function rereadOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ConflictError) || n >= MAX_ATTEMPTS) throw err;
    }
  }
}

/** A link whose chain has moved on: someone acted since it was sent. 409, naming what the incident is now. */
export class StaleLinkError extends IncidentStateError {
  constructor(readonly incident: Incident) {
    super(`incident ${incident.id} changed since this link was sent: it is ${incident.state}${incident.acknowledged ? ` (acknowledged by ${incident.acknowledged.by})` : ''}${incident.resolved ? ` (resolved by ${incident.resolved.by})` : ''}`, incident.state);
  }
}

function transition(i: Incident, action: IncidentAction, actor: string, now: number, newToken: string): Transition {
  switch (action) {
    case 'ack':
      return acknowledge(i, actor, now, newToken);
    case 'unack':
      return unacknowledge(i, actor, now, newToken);
    case 'resolve':
      return resolveIncident(i, actor, now, newToken);
    case 'escalate':
      return escalateNow(i, actor, now, newToken);
  }
}

/** Every alert of its group resolved: the incident ends, unless it already has. */
export function resolveWithGroup(id: string, deps: EscalationDeps): Promise<void> {
  return rereadOnConflict(async () => {
    const now = deps.clock();
    const current = await deps.incidents.get(id, now);
    if (current && current.state !== 'resolved') await apply(resolvedWithGroup(current, now.getTime(), token(deps)), deps);
  });
}

/** The incident ends because its alerts did; the route's receiver heard of that from the group's own notification. */
function resolvedWithGroup(current: Incident, now: number, newToken: string): Transition {
  const t = resolveIncident(current, 'alertflow (its alerts resolved)', now, newToken);
  const tell = t.effects.tell && { ...t.effects.tell, receivers: t.effects.tell.receivers.filter((r) => r !== current.routeReceiver) };
  return { ...t, effects: { ...t.effects, tell } };
}

/**
 * The group's flush says whether all its firing alerts are muted: a triggered chain stops while
 * they are (`muted`), and goes on from the step that was due once they are not (undefined).
 */
export function muteWithGroup(id: string, muted: 'silenced' | 'inhibited' | undefined, deps: EscalationDeps): Promise<void> {
  return rereadOnConflict(async () => {
    const now = deps.clock();
    const current = await deps.incidents.get(id, now);
    if (!current) return;
    const t = muted ? suspend(current, muted, now.getTime(), token(deps)) : resume(current, now.getTime(), token(deps));
    if (t) await apply(t, deps);
  });
}

/**
 * A timer fired (the escalator). Runs the step, or re-triggers a lapsed ack, only if the incident
 * is still where the timer says; a step that already ran under the timer's token (a redelivery)
 * has its effects done again; anything else is stale and does nothing.
 */
export function onTimer(message: EscalationMessage, deps: EscalationDeps): Promise<'ran' | 'replayed' | 'stale'> {
  const timer: EscalationTimer = {
    incidentId: message.incidentId,
    token: message.token,
    at: message.at,
    action: message.action,
    ...(message.loop !== undefined && message.step !== undefined ? { ref: { loop: message.loop, step: message.step } } : {}),
  };
  return rereadOnConflict(async () => {
    const now = deps.clock();
    const current = await deps.incidents.get(timer.incidentId, now);
    if (!current) return 'stale';
    if (alreadyRan(current, timer)) {
      await perform(current, replayStep(current), deps);
      return 'replayed';
    }
    let t = timer.action === 'step' ? stepDue(current, timer, now.getTime()) : ackLapsed(current, timer, now.getTime(), token(deps));
    if (!t) return 'stale';
    // A silence or an inhibition made since the last flush: the chain waits for the group to be heard.
    const muted = t.event.kind === 'step' && deps.groupMuted ? await deps.groupMuted(current) : undefined;
    if (muted === 'resolved') t = resolvedWithGroup(current, now.getTime(), token(deps));
    else if (muted) t = suspend(current, muted, now.getTime(), token(deps))!;
    await apply(t, deps);
    return 'ran';
  });
}

/** Write the transition (conditionally), its event, then its effects. */
async function apply(t: Transition, deps: EscalationDeps): Promise<Incident> {
  const now = deps.clock();
  await deps.incidents.put(t.next);
  await deps.incidents.record(t.next.id, t.event, now);
  await perform(t.next, t.effects, deps, undefined, t.event);
  if (t.event.kind === 'step') deps.metrics?.count('escalationSteps');
  return t.next;
}

async function perform(i: Incident, effects: IncidentEffects, deps: EscalationDeps, group?: GroupState, event?: IncidentEvent): Promise<void> {
  const now = deps.clock().getTime();
  const needGroup = (effects.page && effects.page.receivers.length > 0) || (effects.tell && effects.tell.receivers.length > 0 && event);
  const g = needGroup ? (group ?? (await deps.groups.getMany([i.groupId], deps.clock())).get(i.groupId)) : undefined;
  if (effects.page && effects.page.receivers.length > 0) await sendPages(i, effects.page, g, deps);
  if (effects.tell && effects.tell.receivers.length > 0 && event) await sendFollowUps(i, effects.tell, event, g, deps);
  if (effects.timer) {
    await scheduleWakeups([wakeup(effects.timer)], { queues: deps.queues, scheduler: deps.scheduler, now });
  }
  // Only a far timer is a schedule; a delayed message cannot be taken back, and its token makes it harmless.
  if (effects.cancel && effects.cancel.at - now > MAX_SQS_DELAY_MS) {
    await deps.scheduler.delete(timerName(effects.cancel)).catch((err: unknown) => deps.log.debug('escalation schedule delete failed', { incidentId: i.id, err }));
  }
}

/** The timer's deterministic schedule name: `[0-9A-Za-z_.-]{1,64}`. */
export const timerName = (t: EscalationTimer): string => `esc-${t.incidentId}-${t.token}-${t.ref ? `${t.ref.loop}-${t.ref.step}` : 'ack'}`;

function wakeup(t: EscalationTimer): Wakeup {
  const message: EscalationMessage = {
    kind: 'escalation',
    id: timerName(t),
    incidentId: t.incidentId,
    token: t.token,
    at: t.at,
    action: t.action,
    ...(t.ref ? { loop: t.ref.loop, step: t.ref.step } : {}),
  };
  return { at: t.at, message, name: timerName(t), queue: ESCALATIONS_QUEUE };
}

/** A step's pages: each receiver it names (see notifyReceivers). */
function sendPages(i: Incident, page: NonNullable<IncidentEffects['page']>, group: GroupState | undefined, deps: EscalationDeps): Promise<void> {
  const incident: NonNullable<NotificationMessage['incident']> = {
    id: i.id,
    token: page.token,
    state: i.state,
    ackAllowed: i.policy.ackAllowed,
    step: page.step + 1,
    steps: i.policy.steps.length,
    run: page.loop + 1,
    runs: i.policy.repeat + 1,
  };
  return notifyReceivers(i, page.receivers, `esc.${i.id}.${page.token}.${page.loop}.${page.step}`, incident, group, deps);
}

/** The policy's `notify_on`: tell the receivers already paged what happened and who did it ("acknowledged by … at …"). */
function sendFollowUps(i: Incident, tell: NonNullable<IncidentEffects['tell']>, event: IncidentEvent, group: GroupState | undefined, deps: EscalationDeps): Promise<void> {
  const incident: NonNullable<NotificationMessage['incident']> = {
    id: i.id,
    token: i.token,
    state: i.state,
    ackAllowed: i.policy.ackAllowed,
    event: { kind: tell.event, by: event.actor, at: new Date(event.at).toISOString() },
  };
  return notifyReceivers(i, tell.receivers, `tell.${event.id}`, incident, group, deps);
}

/**
 * One notification per channel entry of each receiver, with the group's firing alerts (as many as
 * fit one message), under ids `<prefix>.<receiver>.<type>.<index>`. A receiver the config no longer
 * has is skipped with a warning.
 */
async function notifyReceivers(
  i: Incident,
  receivers: readonly string[],
  idPrefix: string,
  incident: NonNullable<NotificationMessage['incident']>,
  group: GroupState | undefined,
  deps: EscalationDeps,
): Promise<void> {
  const now = deps.clock();
  // The firing alerts; once none fire (a resolve), those that just resolved.
  const firing = group ? Object.values(group.alerts).filter((a) => statusAt(a, now.getTime()) === 'firing') : [];
  const shown = firing.length > 0 ? firing : group ? recentlyResolved(group, now.getTime()).map((a) => ({ ...a, status: 'resolved' as const })) : [];
  const alerts: Alert[] = shown.map(({ resolvedAt: _, ...a }) => a);
  if (alerts.length === 0) {
    deps.log.warn('incident notification not sent: its group holds no alerts any more', { incidentId: i.id, notification: idPrefix });
    return;
  }
  const byQueue = new Map<string, Array<{ id: string; body: string }>>();
  for (const name of receivers) {
    const receiver = deps.config.receivers.get(name);
    if (!receiver) {
      deps.log.warn('incident receiver is not in the config any more; skipped', { incidentId: i.id, receiver: name });
      continue;
    }
    for (const ch of channelEntries(receiver)) {
      const n: NotificationMessage = {
        kind: 'notification',
        id: `${idPrefix}.${name}.${ch.type}.${ch.index}`,
        createdAt: now.toISOString(),
        receiver: name,
        channel: { type: ch.type, index: ch.index },
        group: { id: i.groupId, key: i.groupKey, labels: i.groupLabels, status: firing.length > 0 ? 'firing' : 'resolved', alerts, truncatedAlerts: 0 },
        incident,
        ...(deps.config.raw.external_url ? { externalURL: deps.config.raw.external_url } : group?.externalURL ? { externalURL: group.externalURL } : {}),
        ...(group?.externalURL ? { sourceURL: group.externalURL } : {}),
      };
      const queue = channelQueueName(ch.type);
      const list = byQueue.get(queue) ?? [];
      byQueue.set(queue, list);
      list.push({ id: `m${list.length}`, body: fitToMessage(n) });
    }
  }
  await Promise.all([...byQueue].flatMap(([queue, list]) => batchesOf(list).map((batch) => deps.queues.send(queue, batch))));
}
