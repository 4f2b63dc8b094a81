import type { Timer } from '../grouping/timers';
import type { GroupAlert } from '../grouping/model';
import type { Outgoing } from './notifications';
import type { IncidentStart } from '../escalation/incident';
import type { HistoryEntry } from '../history/history';

/** What must happen after a group is stored, in this order of importance. */
export interface Effects {
  notifications: Outgoing[];
  timers: Timer[];
  /** One-time schedules of a replaced timer, deleted so they do not fire for nothing. */
  cancelSchedules: string[];
  inhibitionPuts: Array<{ partition: string; alert: GroupAlert }>;
  inhibitionDeletes: Array<{ partition: string; fingerprint: string }>;
  cooldowns: Array<{ key: { pk: string; sk: string }; until: number }>;
  /** A group newly held by a storm window: that window's summary is due at its end. */
  stormSummaries: Array<{ receiver: string; window: number; at: number }>;
  /** Incidents to start (the group's first page on an escalating route) or to resolve (its alerts all resolved). */
  incidents: Array<{ kind: 'start'; start: IncidentStart } | { kind: 'resolve'; id: string } | { kind: 'mute'; id: string; muted: 'silenced' | 'inhibited' | undefined }>;
  /** Resolved alerts that left the group at this flush: kept for the retention (GET /v1/history). */
  history: HistoryEntry[];
  /** Firing alerts this flush held back from its notification, by why (the AlertsSuppressed metric). */
  suppressed: Partial<Record<SuppressReason, number>>;
}

export type SuppressReason = 'silenced' | 'inhibited' | 'muted' | 'cooldown' | 'storm';

export const noEffects = (): Effects => ({ notifications: [], timers: [], cancelSchedules: [], inhibitionPuts: [], inhibitionDeletes: [], cooldowns: [], stormSummaries: [], incidents: [], history: [], suppressed: {} });
