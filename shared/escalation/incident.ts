import { createHash } from 'node:crypto';
import type { LabelSet } from '../alerts/model';
import { AlertflowError } from '../errors';
import type { EscalationPolicy } from './policy';

/**
 * An incident: an alert group on an escalating route, from its first page until it is resolved.
 * Its chain of steps runs on timers; an acknowledgement stops it, a resolve ends it. Every change
 * is a transition below (pure: the state, the event for the timeline, and what must happen next),
 * applied with a conditional write on the incident's version by the escalation service.
 */
export type IncidentState = 'triggered' | 'acknowledged' | 'resolved';

/** A step of the chain: `loop` counts runs of the whole chain (0 for the first), `step` indexes the policy's steps. */
export interface StepRef {
  loop: number;
  step: number;
}

export interface Incident {
  id: string;
  groupId: string;
  groupKey: string;
  groupLabels: LabelSet;
  /** The route's receiver: it gets the group's own notifications, so step 1 does not page it again. */
  routeReceiver: string;
  /** The policy as it was when the incident started: a config change does not alter a running chain. */
  policy: EscalationPolicy;
  state: IncidentState;
  /**
   * Replaced by every ack, unack, resolve, re-trigger and escalate-now. A timer carries the token
   * of its chain: one carrying another token (a stale, late or duplicate timer) does nothing.
   */
  token: string;
  startedAt: number;
  /** The step that ran last, when, under which token, and whom it paged (a redelivered timer for it pages them again, under the same ids). */
  ran?: (StepRef & { at: number; token: string; receivers: string[] }) | undefined;
  /** The step due next and when (epoch ms); unset once the chain has run out, and while not triggered. */
  next?: (StepRef & { at: number }) | undefined;
  /** Receivers the steps paged, in order, each once: those `notify_on` tells. */
  paged: string[];
  acknowledged?: { by: string; at: number } | undefined;
  /** While acknowledged with an `ack_timeout`: when the chain triggers again. */
  ackExpiresAt?: number | undefined;
  resolved?: { by: string; at: number } | undefined;
  /**
   * Set while every firing alert of the group is silenced or inhibited: the chain stops (no `next`),
   * and the step that was due then (`pending`) runs when the group is heard again.
   */
  suspended?: { reason: 'silenced' | 'inhibited'; at: number; pending?: StepRef | undefined } | undefined;
  /** Optimistic-lock version (1 when created). */
  version: number;
  updatedAt: number;
}

export type IncidentEventKind = 'triggered' | 'step' | 'acknowledged' | 'unacknowledged' | 'retriggered' | 'escalated' | 'resolved' | 'suspended' | 'resumed' | 'note';

/** One line of the incident's timeline. `id` is deterministic per transition, so writing it twice stores it once. */
export interface IncidentEvent {
  id: string;
  at: number;
  kind: IncidentEventKind;
  /** Who: a token name, a Slack user, a phone number, PagerDuty, or `alertflow` for what the timers and alerts did. */
  actor: string;
  /** The incident version this event made: the timeline's order when events share a millisecond. */
  version?: number | undefined;
  /** For steps: the token its pages were sent under (their notification ids name it), which step, and the receivers it paged. */
  token?: string | undefined;
  loop?: number | undefined;
  step?: number | undefined;
  notify?: string[] | undefined;
  /** A note's text (someone's words on the timeline: it changes nothing in the chain). */
  text?: string | undefined;
}

/** What a transition asks for besides the write. */
export interface IncidentEffects {
  /** Page these receivers for this step (notification ids are deterministic per incident, token and step). */
  page?: (StepRef & { receivers: string[]; token: string }) | undefined;
  /** Arm the timer of the next step or of the ack timeout. */
  timer?: EscalationTimer | undefined;
  /** The timer this transition made stale: delete it (best effort; its token guards it anyway). */
  cancel?: EscalationTimer | undefined;
  /** Tell receivers already paged about this event (the policy's `notify_on`). */
  tell?: { event: 'ack' | 'unack' | 'resolve'; receivers: string[] } | undefined;
}

export interface EscalationTimer {
  incidentId: string;
  token: string;
  at: number;
  /** `step`: run `ref`; `ack-timeout`: the ack lapsed, trigger again. */
  action: 'step' | 'ack-timeout';
  ref?: StepRef | undefined;
}

export interface Transition {
  next: Incident;
  event: IncidentEvent;
  effects: IncidentEffects;
}

/**
 * An action the incident's state (or its policy) does not allow: 409 naming the state. Not a
 * ConflictError, which means "lost a race, re-read and retry": this one stands whatever is re-read.
 */
export class IncidentStateError extends AlertflowError {
  constructor(
    message: string,
    readonly state: IncidentState,
  ) {
    super('incident_state', 409, message, { details: { state } });
  }
}

export const SYSTEM_ACTOR = 'alertflow';

/** Incident ids: stable per group and the flush that started it, so a replayed start finds the same incident. */
export const incidentId = (groupId: string, startSeq: number): string =>
  `inc-${createHash('sha256').update(`${groupId}\n${startSeq}`).digest('hex').slice(0, 20)}`;

/** The step after `ref`, or undefined when the chain (with its repeats) has run out. */
export function stepAfter(policy: EscalationPolicy, ref: StepRef): StepRef | undefined {
  if (ref.step + 1 < policy.steps.length) return { loop: ref.loop, step: ref.step + 1 };
  if (ref.loop < policy.repeat) return { loop: ref.loop + 1, step: 0 };
  return undefined;
}

/** When the step after `ref` (run at `at`) is due, with that step; undefined at the end of the chain. */
function following(policy: EscalationPolicy, ref: StepRef, at: number): (StepRef & { at: number }) | undefined {
  const after = stepAfter(policy, ref);
  const wait = policy.steps[ref.step]!.waitMs;
  return after && wait !== undefined ? { ...after, at: at + wait } : undefined;
}

const stepTimer = (i: Pick<Incident, 'id' | 'token' | 'next'>): EscalationTimer | undefined =>
  i.next ? { incidentId: i.id, token: i.token, at: i.next.at, action: 'step', ref: { loop: i.next.loop, step: i.next.step } } : undefined;

/** The pending timer of the incident as stored: its next step's, or its ack timeout's. */
export function pendingTimer(i: Incident): EscalationTimer | undefined {
  if (i.state === 'triggered') return stepTimer(i);
  if (i.state === 'acknowledged' && i.ackExpiresAt !== undefined) return { incidentId: i.id, token: i.token, at: i.ackExpiresAt, action: 'ack-timeout' };
  return undefined;
}

const withPaged = (paged: readonly string[], receivers: readonly string[]): string[] => [...paged, ...receivers.filter((r) => !paged.includes(r))];

/**
 * Run step `ref` now: page its receivers, arm the next. At the incident's start the route's
 * receiver is left out: the group's own notification, in the same flush, just paged it.
 */
function runStep(i: Incident, ref: StepRef, now: number, kind: IncidentEventKind, actor: string): Transition {
  const notify = i.policy.steps[ref.step]!.notify;
  const receivers = kind === 'triggered' ? notify.filter((r) => r !== i.routeReceiver) : [...notify];
  const next: Incident = {
    ...i,
    state: 'triggered',
    ran: { ...ref, at: now, token: i.token, receivers },
    next: following(i.policy, ref, now),
    paged: withPaged(i.paged, i.policy.steps[ref.step]!.notify),
    version: i.version + 1,
    updatedAt: now,
  };
  return {
    next,
    event: { id: `${kind}.${i.token}.${ref.loop}.${ref.step}`, at: now, kind, actor, version: next.version, token: i.token, loop: ref.loop, step: ref.step, notify: receivers },
    effects: { page: { ...ref, receivers, token: i.token }, timer: stepTimer(next) },
  };
}

/** What the router knows when a group's first page starts an incident. */
export type IncidentStart = Pick<Incident, 'id' | 'groupId' | 'groupKey' | 'groupLabels' | 'routeReceiver' | 'policy' | 'token'>;

/** A group's first page on an escalating route: the incident starts and its first step runs now. */
export function startIncident(start: IncidentStart, now: number): Transition {
  const created: Incident = { ...start, state: 'triggered', startedAt: now, paged: [start.routeReceiver], version: 0, updatedAt: now };
  return runStep(created, { loop: 0, step: 0 }, now, 'triggered', SYSTEM_ACTOR);
}

/**
 * A step's timer fired. Runs the step only if the incident is still triggered under the timer's
 * token and the step is the one due; returns undefined otherwise (a stale, late or duplicate timer).
 */
export function stepDue(i: Incident, timer: EscalationTimer, now: number): Transition | undefined {
  if (i.state !== 'triggered' || timer.token !== i.token || !timer.ref || !i.next) return undefined;
  if (timer.ref.loop !== i.next.loop || timer.ref.step !== i.next.step) return undefined;
  return runStep(i, timer.ref, now, 'step', SYSTEM_ACTOR);
}

/** Whether this timer's step already ran under its token: its redelivery replays the step's effects. */
export function alreadyRan(i: Incident, timer: EscalationTimer): boolean {
  return timer.action === 'step' && !!timer.ref && i.ran?.token === timer.token && i.ran.loop === timer.ref.loop && i.ran.step === timer.ref.step;
}

/** The effects of the step that ran last, rebuilt (same ids) for a redelivered timer. */
export function replayStep(i: Incident): IncidentEffects {
  if (!i.ran) return {};
  return { page: { loop: i.ran.loop, step: i.ran.step, receivers: i.ran.receivers, token: i.ran.token }, ...(i.ran.token === i.token ? { timer: pendingTimer(i) } : {}) };
}

const tellOn = (i: Incident, event: 'ack' | 'unack' | 'resolve'): IncidentEffects['tell'] =>
  i.policy.notifyOn.includes(event) && i.paged.length > 0 ? { event, receivers: [...i.paged] } : undefined;

/** Someone takes the incident: the chain stops (until the ack lapses, if the policy says it does). */
export function acknowledge(i: Incident, actor: string, now: number, newToken: string): Transition {
  if (i.state !== 'triggered') throw new IncidentStateError(`incident ${i.id} is ${describeState(i)}; only a triggered incident can be acknowledged`, i.state);
  if (!i.policy.ackAllowed) {
    throw new IncidentStateError(`incident ${i.id} follows policy ${i.policy.name}, which does not allow acknowledgement (ack_allowed: false): only a resolve stops it`, i.state);
  }
  const ackExpiresAt = i.policy.ackTimeoutMs === undefined ? undefined : now + i.policy.ackTimeoutMs;
  const next: Incident = { ...i, state: 'acknowledged', token: newToken, acknowledged: { by: actor, at: now }, ackExpiresAt, suspended: undefined, version: i.version + 1, updatedAt: now };
  return {
    next,
    event: { id: `acknowledged.${i.token}`, at: now, kind: 'acknowledged', actor, version: next.version },
    effects: { cancel: stepTimer(i), timer: pendingTimer(next), tell: tellOn(i, 'ack') },
  };
}

/**
 * Back to triggered (an unack, or an ack that lapsed): the chain goes on from the step that ran
 * last, which runs again now (those it paged are paged again, as PagerDuty re-notifies the level
 * an incident is at).
 */
function retrigger(i: Incident, actor: string, now: number, newToken: string, kind: 'unacknowledged' | 'retriggered'): Transition {
  const again: StepRef = i.ran ? { loop: i.ran.loop, step: i.ran.step } : { loop: 0, step: 0 };
  const base: Incident = { ...i, state: 'triggered', token: newToken, acknowledged: undefined, ackExpiresAt: undefined, suspended: undefined };
  const t = runStep(base, again, now, kind, actor);
  return {
    ...t,
    event: { ...t.event, id: `${kind}.${i.token}` },
    effects: { ...t.effects, cancel: pendingTimer(i), tell: kind === 'unacknowledged' ? tellOn(i, 'unack') : undefined },
  };
}

export function unacknowledge(i: Incident, actor: string, now: number, newToken: string): Transition {
  if (i.state !== 'acknowledged') throw new IncidentStateError(`incident ${i.id} is ${describeState(i)}; only an acknowledged incident can be unacknowledged`, i.state);
  return retrigger(i, actor, now, newToken, 'unacknowledged');
}

/** The ack timeout's timer fired: triggers again if the incident is still acknowledged under that token. */
export function ackLapsed(i: Incident, timer: EscalationTimer, now: number, newToken: string): Transition | undefined {
  if (i.state !== 'acknowledged' || timer.token !== i.token || i.ackExpiresAt === undefined || now < i.ackExpiresAt) return undefined;
  return retrigger(i, SYSTEM_ACTOR, now, newToken, 'retriggered');
}

/** Run the next step now, acknowledged or not. 409 when the chain has no step left. */
export function escalateNow(i: Incident, actor: string, now: number, newToken: string): Transition {
  if (i.state === 'resolved') throw new IncidentStateError(`incident ${i.id} is resolved; a resolved incident cannot be escalated`, i.state);
  const target = i.ran ? stepAfter(i.policy, i.ran) : { loop: 0, step: 0 };
  if (!target) throw new IncidentStateError(`incident ${i.id} has run every step of policy ${i.policy.name}; there is no step to escalate to`, i.state);
  const base: Incident = { ...i, state: 'triggered', token: newToken, acknowledged: undefined, ackExpiresAt: undefined, suspended: undefined };
  const t = runStep(base, target, now, 'escalated', actor);
  return { ...t, event: { ...t.event, id: `escalated.${i.token}` }, effects: { ...t.effects, cancel: pendingTimer(i) } };
}

/**
 * Every firing alert of the group is silenced or inhibited: a triggered chain stops where it is
 * (its timer made stale). Undefined when there is nothing to stop (not triggered, or already).
 */
export function suspend(i: Incident, reason: 'silenced' | 'inhibited', now: number, newToken: string): Transition | undefined {
  if (i.state !== 'triggered' || i.suspended) return undefined;
  const next: Incident = { ...i, token: newToken, next: undefined, suspended: { reason, at: now, pending: i.next ? { loop: i.next.loop, step: i.next.step } : undefined }, version: i.version + 1, updatedAt: now };
  return { next, event: { id: `suspended.${i.token}`, at: now, kind: 'suspended', actor: `${SYSTEM_ACTOR} (group ${reason})`, version: next.version }, effects: { cancel: stepTimer(i) } };
}

/** The group is heard again: the step that was due when it was muted is due now. */
export function resume(i: Incident, now: number, newToken: string): Transition | undefined {
  if (!i.suspended) return undefined;
  const pending = i.suspended.pending;
  const next: Incident = { ...i, token: newToken, suspended: undefined, next: i.state === 'triggered' && pending ? { ...pending, at: now } : i.next, version: i.version + 1, updatedAt: now };
  return { next, event: { id: `resumed.${i.token}`, at: now, kind: 'resumed', actor: SYSTEM_ACTOR, version: next.version }, effects: { timer: pendingTimer(next) } };
}

/** The incident ends: by a person, or because every alert of its group resolved. */
export function resolveIncident(i: Incident, actor: string, now: number, newToken: string): Transition {
  if (i.state === 'resolved') throw new IncidentStateError(`incident ${i.id} is already resolved (by ${i.resolved?.by ?? 'someone'})`, i.state);
  const next: Incident = { ...i, state: 'resolved', token: newToken, next: undefined, ackExpiresAt: undefined, suspended: undefined, resolved: { by: actor, at: now }, version: i.version + 1, updatedAt: now };
  return {
    next,
    event: { id: `resolved.${i.token}`, at: now, kind: 'resolved', actor, version: next.version },
    effects: { cancel: pendingTimer(i), tell: tellOn(i, 'resolve') },
  };
}

function describeState(i: Incident): string {
  if (i.state === 'acknowledged') return `acknowledged (by ${i.acknowledged?.by ?? 'someone'})`;
  if (i.state === 'resolved') return `resolved (by ${i.resolved?.by ?? 'someone'})`;
  return i.state;
}

/** Open incidents (triggered or acknowledged) and resolved ones list apart, newest first. */
export type IncidentSegment = 'open' | 'resolved';

/**
 * Incidents (escalating alert groups) and their timelines. Every change is a conditional write on
 * the version; the chain's own guard (token, step, loop) is checked on what was read. Pages carry
 * the store's own `Cursor`, which escalation only hands back (shared/store/port.ts names it).
 */
export interface IncidentStore<Cursor = unknown> {
  /** Store a new incident (its version 1); if the id is taken, the stored one is returned and nothing is written. */
  create(incident: Incident, now: Date): Promise<Incident>;
  get(id: string, now: Date): Promise<Incident | undefined>;
  /** Write `next` if the stored version is still `next.version - 1`; else ConflictError. */
  put(next: Incident): Promise<void>;
  /** Add a line to the timeline; the same event id twice is stored once. */
  record(incidentId: string, event: IncidentEvent, now: Date): Promise<void>;
  /** The timeline, oldest first. */
  timeline(incidentId: string, now: Date): Promise<IncidentEvent[]>;
  /** One page of `open` (triggered, acknowledged) or `resolved` incidents, newest first. */
  page(segment: IncidentSegment, after: Cursor | undefined, limit: number, now: Date): Promise<{ incidents: Incident[]; read: number; last?: Cursor | undefined }>;
}
