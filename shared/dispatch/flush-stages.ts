import { statusAt } from '../alerts/model';
import type { ChannelEntry } from '../channels/keys';
import { parseDuration } from '../primitives/duration';
import type { Receiver } from '../config/schema';
import { isFlapping } from '../grouping/flapping';
import { channelKey, planFlush, type AlertMute, type FlushPlan } from '../grouping/flush';
import { recentlyResolved, type GroupAlert, type GroupState, type Hold } from '../grouping/model';
import { dedupLog, repeatDueAt, wouldNotify } from '../grouping/nflog';
import type { RouteNode } from '../routing/route-tree';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { IncidentStore, StormStore } from '../store/port';
import { incidentId } from '../escalation/incident';
import type { Effects, SuppressReason } from './effects';
import { cooldownKeys, cooldownOf, cooldownsFor, inhibitedAlerts, silencedAlerts, timeMuted, type NoiseReads } from './noise';
import { historyEntries } from '../history/history';

/**
 * A due group's flush as a pipeline of named stages, in the manner of Alertmanager's notify.Stage
 * chain: the mute stages (time intervals, inhibition, silences), then alertflow's cooldown, dedup
 * against the notification log, storm protection, and what the flush records. Each stage takes the
 * draft the previous one left and either passes it on or ends the flush with it, so each can be
 * tested alone and a new one (escalation) slots in by name.
 */
export interface FlushDraft {
  /** The group as the flush leaves it so far. */
  group: GroupState;
  /** Whether the group must be written. */
  changed: boolean;
  /** Alerts the mute stages left out of notifications, and why. */
  mutes: Map<string, AlertMute>;
  /** Live cooldowns: new pages are held until then (the group's, and per alert). */
  cooldown: { group?: number | undefined; alerts: ReadonlyMap<string, number> };
  /** What dedup decided; unset until the dedup stage ran. */
  plan?: FlushPlan | undefined;
}

/** What stages read and where they put what must happen once the group is stored. */
export interface FlushContext {
  route: RouteNode;
  receiver: Receiver;
  channels: readonly ChannelEntry[];
  config: CompiledConfig;
  reads: NoiseReads;
  storms: StormStore;
  /** Whether the group's incident is still open, when a new page might start another. */
  incidents: Pick<IncidentStore, 'get'>;
  newToken: () => string;
  now: Date;
  effects: Effects;
  /** The group must be looked at again at `at` (epoch ms). */
  wake(at: number): void;
  /** The chain's next group_interval tick: a re-check, which the caller keeps on that grid. */
  tick(): number;
}

/** Pass the draft on, or end the flush with it (nothing after the stage runs). */
export type StageOutcome = { next: FlushDraft } | { done: FlushDraft };

export interface FlushStage {
  readonly name: string;
  run(draft: FlushDraft, ctx: FlushContext): StageOutcome | Promise<StageOutcome>;
}

const next = (draft: FlushDraft): StageOutcome => ({ next: draft });

/** Resolved alerts kept for the read API per group (the newest). */
const MAX_RECENTLY_RESOLVED = 50;

/** The route's mute and active time intervals: a muted group notifies nothing and is re-checked on its next tick. */
export const timeIntervalsStage: FlushStage = {
  name: 'time-intervals',
  run(draft, ctx) {
    if (!timeMuted(ctx.route, ctx.config, ctx.now)) return next(draft);
    ctx.wake(ctx.tick());
    return { done: dropResolved(draft, ctx) };
  },
};

/** Alerts an inhibiting source mutes. An inhibited group is re-checked each tick until it is not. */
export const inhibitionStage: FlushStage = {
  name: 'inhibition',
  async run(draft, ctx) {
    const inhibited = await inhibitedAlerts(draft.group, ctx.config, ctx.reads, ctx.now);
    if (inhibited.size === 0) return next(draft);
    const mutes = new Map(draft.mutes);
    for (const [fp, by] of inhibited) mutes.set(fp, { ...mutes.get(fp), inhibitedBy: by });
    ctx.wake(ctx.tick());
    return next({ ...draft, mutes });
  },
};

/**
 * Alerts silences mute. Silenced groups tick too, not only at the silence's end: a silence expired
 * early reaches a router through its cache (up to a second late), and a group created meanwhile is
 * not among those the expiry re-flushed. Alertmanager re-evaluates silences at every tick.
 */
export const silencesStage: FlushStage = {
  name: 'silences',
  async run(draft, ctx) {
    const silenced = await silencedAlerts(draft.group, ctx.reads, ctx.now);
    if (silenced.by.size === 0) return next(draft);
    const mutes = new Map(draft.mutes);
    for (const [fp, ids] of silenced.by) mutes.set(fp, { ...mutes.get(fp), silencedBy: ids });
    if (silenced.endsAt !== undefined) {
      ctx.wake(ctx.tick());
      ctx.wake(silenced.endsAt);
    }
    return next({ ...draft, mutes });
  },
};

/** The live cooldowns of the group or its firing alerts (the route's, else the receiver's setting). */
export const cooldownStage: FlushStage = {
  name: 'cooldown',
  async run(draft, ctx) {
    return next({ ...draft, cooldown: await cooldownsFor(cooldownOf(ctx.route, ctx.receiver), draft.group, ctx.reads, ctx.now) });
  },
};

/**
 * Per channel entry, what is news against the notification log (delivered or in flight; a failed
 * notification counts as unsent), with mutes left out and new pages held by a cooldown.
 */
export const dedupStage: FlushStage = {
  name: 'dedup',
  run(draft, ctx) {
    const { group } = draft;
    const plan = planFlush({
      group: { ...group, nflog: dedupLog(group) },
      route: ctx.route,
      channels: ctx.channels,
      now: ctx.now.getTime(),
      mutes: draft.mutes,
      cooldown: draft.cooldown,
      repaging: new Set(Object.values(group.sending ?? {}).flatMap((s) => (s.failedAt !== undefined ? s.firing : []))),
    });
    return next({ ...draft, plan });
  },
};

/**
 * The receiver's storm limit: a flush that would notify past it is held whole (log, resolved alerts
 * and all) until the window ends, and the window's summary is asked for.
 */
export const stormStage: FlushStage = {
  name: 'storm',
  async run(draft, ctx) {
    const storm = ctx.receiver.storm_protection;
    if (!storm || !draft.plan || draft.plan.updated.length === 0) return next(draft);
    const now = ctx.now.getTime();
    const windowMs = parseDuration(storm.window);
    const start = Math.floor(now / windowMs) * windowMs;
    if (await ctx.storms.reserve(ctx.receiver.name, start, windowMs, storm.max_notifications)) return next(draft);
    const until = start + windowMs;
    ctx.wake(until);
    const { group } = draft;
    if (group.hold?.reason === 'storm' && group.hold.until === until) return { done: draft };
    const firing = firingAlerts(group, now);
    await ctx.storms.hold(ctx.receiver.name, start, windowMs, firing.length);
    // Every new hold asks for the summary (its schedule name and notification ids are fixed per
    // window, so this is one summary), so a hold whose write is retried cannot lose it.
    ctx.effects.stormSummaries.push({ receiver: ctx.receiver.name, window: start, at: until });
    return { done: { ...draft, group: { ...group, hold: { reason: 'storm', until, fingerprints: firing.map((a) => a.fingerprint).sort() } }, changed: true } };
  },
};

/**
 * Alertmanager's SetNotifies, with alertflow's delivery tracking: what is sent is logged once
 * delivered (`sending` until then); an entry with nothing to show the channel is logged at once, as
 * Alertmanager logs it without a send. A flush that notifies counts in `flushSeq` (its notification
 * ids), starts cooldowns for its pages and a flapping alert's quiet window.
 */
export const notifyStage: FlushStage = {
  name: 'notify',
  run(draft, ctx) {
    const { plan } = draft;
    if (!plan || plan.updated.length === 0) return next(draft);
    const { route } = ctx;
    const now = ctx.now.getTime();
    let { group } = draft;
    const resolved = Object.values(group.alerts).filter((a) => statusAt(a, now) === 'resolved');
    const flaps = { ...group.flaps };
    if (route.flapping) {
      for (const a of Object.values(group.alerts)) {
        if (isFlapping(flaps[a.fingerprint], route.flapping, now)) flaps[a.fingerprint] = { ...flaps[a.fingerprint]!, notifiedAt: now };
      }
    }
    const seq = group.flushSeq + 1;
    const nflog = { ...group.nflog };
    const sending = { ...group.sending };
    for (const key of plan.updated) {
      const entry = plan.nflog[key]!;
      const ch = ctx.channels.find((c) => channelKey(c) === key);
      if (ch && wouldNotify(entry, ch.sendResolved)) {
        sending[key] = { ...entry, seq };
      } else {
        nflog[key] = entry;
        delete sending[key];
      }
    }
    group = {
      ...group,
      nflog,
      sending: Object.keys(sending).length > 0 ? sending : undefined,
      flaps,
      flushSeq: seq,
      lastSentAt: now,
      // Every resolved alert: they leave the group after this flush, and its notifications (and their
      // replay) are rebuilt from here. A cap dropped the rest of a large resolve from every channel.
      lastWrite: { ...group.lastWrite, flush: { at: now, seq, resolved, paged: plan.paged } },
    };
    const cooldown = cooldownOf(route, ctx.receiver);
    if (cooldown && plan.paged.length > 0) {
      const pagedAlerts = plan.paged.map((fp) => group.alerts[fp]).filter((a): a is GroupAlert => a !== undefined);
      for (const key of cooldownKeys(cooldown, group, pagedAlerts)) ctx.effects.cooldowns.push({ key, until: now + cooldown.ms });
    }
    return next({ ...draft, group, changed: true });
  },
};

/**
 * Incidents, on a route with an escalation policy: the group's first page starts one (its chain's
 * first step pages with this flush), and a flush that leaves no alert firing resolves it. A page
 * while the incident is open (triggered or acknowledged) is only the group's own notification.
 */
export const escalationStage: FlushStage = {
  name: 'escalation',
  async run(draft, ctx) {
    const { group } = draft;
    const now = ctx.now.getTime();
    const open = group.incident;
    if (open && firingAlerts(group, now).length === 0) {
      ctx.effects.incidents.push({ kind: 'resolve', id: open.id });
      return next({ ...draft, group: { ...group, incident: undefined, lastWrite: markIncident(draft, { resolved: open.id }) }, changed: true });
    }
    if (open) {
      // Every firing alert muted stops the chain; anything heard again lets it go on (the service
      // does nothing when there is nothing to change).
      const firing = firingAlerts(group, now);
      const muted = firing.every((a) => draft.mutes.has(a.fingerprint));
      const reason = firing.every((a) => draft.mutes.get(a.fingerprint)?.silencedBy) ? 'silenced' : 'inhibited';
      ctx.effects.incidents.push({ kind: 'mute', id: open.id, muted: muted ? reason : undefined });
    }
    const policy = ctx.route.escalationPolicy === undefined ? undefined : ctx.config.escalationPolicies.get(ctx.route.escalationPolicy);
    if (!policy || !draft.plan || draft.plan.paged.length === 0) return next(draft);
    if (open && (await ctx.incidents.get(open.id, ctx.now))?.state !== 'resolved') return next(draft);
    const id = incidentId(group.groupId, group.flushSeq);
    const token = ctx.newToken();
    ctx.effects.incidents.push({
      kind: 'start',
      start: { id, groupId: group.groupId, groupKey: group.groupKey, groupLabels: group.groupLabels, routeReceiver: ctx.route.receiver, policy, token },
    });
    return next({ ...draft, group: { ...group, incident: { id, startedSeq: group.flushSeq, token }, lastWrite: markIncident(draft, { started: id }) }, changed: true });
  },
};

/**
 * Note on the flush this one recorded (when it notified) what it did to the incident, so a replay
 * of the write does it again. A flush that notified nothing has no record to replay.
 */
function markIncident(draft: FlushDraft, what: { started?: string; resolved?: string }): GroupState['lastWrite'] {
  const { group } = draft;
  const flush = group.lastWrite.flush;
  if (!flush || !draft.plan || draft.plan.updated.length === 0) return group.lastWrite;
  return { ...group.lastWrite, flush: { ...flush, incident: { ...flush.incident, ...what } } };
}

/** New pages a cooldown held: the group remembers them (the read API shows them) and flushes again when it ends. */
export const cooldownHoldStage: FlushStage = {
  name: 'cooldown-hold',
  run(draft, ctx) {
    const plan = draft.plan;
    const hold: Hold | undefined = plan && plan.cooldownHeld.length > 0 ? { reason: 'cooldown', until: plan.cooldownUntil!, fingerprints: plan.cooldownHeld } : undefined;
    if (hold) ctx.wake(hold.until);
    if (JSON.stringify(hold) === JSON.stringify(draft.group.hold)) return next(draft);
    return next({ ...draft, group: { ...draft.group, hold }, changed: true });
  },
};

/** The group's own future: repeats, auto-resolves (ends_at) and flap windows ending. */
export const followUpsStage: FlushStage = {
  name: 'follow-ups',
  run(draft, ctx) {
    const { group } = draft;
    const { route } = ctx;
    const now = ctx.now.getTime();
    for (const entry of Object.values(dedupLog(group))) {
      const at = repeatDueAt(entry, route.repeatIntervalMs);
      if (at !== undefined) ctx.wake(at);
    }
    for (const a of firingAlerts(group, now)) if (a.endsAt) ctx.wake(Date.parse(a.endsAt));
    if (route.flapping) {
      for (const [fp, flap] of Object.entries(group.flaps)) {
        if (flap.notifiedAt !== undefined && group.alerts[fp]) ctx.wake(flap.notifiedAt + route.flapping.windowMs);
      }
    }
    return next(draft);
  },
};

/** Resolved alerts leave the group after the flush, as Alertmanager drops them after every completed flush. */
export const dropResolvedStage: FlushStage = {
  name: 'drop-resolved',
  run: (draft, ctx) => next(dropResolved(draft, ctx)),
};

/** The flush, in order. */
export const FLUSH_STAGES: readonly FlushStage[] = [
  timeIntervalsStage,
  inhibitionStage,
  silencesStage,
  cooldownStage,
  dedupStage,
  stormStage,
  notifyStage,
  escalationStage,
  cooldownHoldStage,
  followUpsStage,
  dropResolvedStage,
];

/** Run `stages` over a due group. A flush clears the first-flush wait whatever the stages decide. */
export async function runFlush(group: GroupState, ctx: FlushContext, stages: readonly FlushStage[] = FLUSH_STAGES): Promise<{ group: GroupState; changed: boolean }> {
  let draft: FlushDraft = { group: { ...group, firstFlushAt: undefined }, changed: group.firstFlushAt !== undefined, mutes: new Map(), cooldown: { alerts: new Map() } };
  let endedAt: string | undefined;
  for (const stage of stages) {
    const outcome = await stage.run(draft, ctx);
    if ('done' in outcome) {
      draft = outcome.done;
      endedAt = stage.name;
      break;
    }
    draft = outcome.next;
  }
  countSuppressed(group, draft, endedAt, ctx);
  return { group: draft.group, changed: draft.changed };
}

/** What the flush held back, by why: a muted route holds every firing alert; otherwise each mute, then a new hold. */
function countSuppressed(before: GroupState, draft: FlushDraft, endedAt: string | undefined, ctx: FlushContext): void {
  const add = (reason: SuppressReason, n: number) => {
    if (n > 0) ctx.effects.suppressed[reason] = (ctx.effects.suppressed[reason] ?? 0) + n;
  };
  if (endedAt === timeIntervalsStage.name) return add('muted', firingAlerts(before, ctx.now.getTime()).length);
  for (const mute of draft.mutes.values()) add(mute.silencedBy ? 'silenced' : 'inhibited', 1);
  const hold = draft.group.hold;
  if (hold && hold !== before.hold) add(hold.reason, hold.fingerprints.length);
}

const firingAlerts = (group: GroupState, now: number): GroupAlert[] => Object.values(group.alerts).filter((a) => statusAt(a, now) === 'firing');

/**
 * Resolved alerts leave the group once flushed; the read API still finds them for a while. A
 * flapping alert inside its quiet window stays: its resolve has not been told yet.
 */
function dropResolved(draft: FlushDraft, ctx: FlushContext): FlushDraft {
  const { group } = draft;
  const { route } = ctx;
  const now = ctx.now.getTime();
  const alerts: Record<string, GroupAlert> = {};
  const resolved: GroupAlert[] = [];
  const quiet = (fp: string) => {
    const flap = group.flaps[fp];
    return route.flapping !== undefined && flap?.notifiedAt !== undefined && now < flap.notifiedAt + route.flapping.windowMs;
  };
  for (const [fp, a] of Object.entries(group.alerts)) {
    if (statusAt(a, now) === 'resolved' && !quiet(fp)) resolved.push({ ...a, status: 'resolved', resolvedAt: a.resolvedAt ?? a.endsAt ?? new Date(now).toISOString() });
    else alerts[fp] = a;
  }
  if (resolved.length === 0) return draft;
  ctx.effects.history.push(...historyEntries(group, resolved, ctx.now));
  const kept = recentlyResolved({ alerts, recentlyResolved: group.recentlyResolved }, now);
  const recent = [...kept.filter((a) => !resolved.some((r) => r.fingerprint === a.fingerprint)), ...resolved].slice(-MAX_RECENTLY_RESOLVED);
  return { ...draft, group: { ...group, alerts, recentlyResolved: Object.fromEntries(recent.map((a) => [a.fingerprint, a])) }, changed: true };
}
