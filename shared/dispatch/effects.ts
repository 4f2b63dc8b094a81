import type { Timer } from '../grouping/timers';
import type { GroupAlert } from '../grouping/model';
import type { Outgoing } from './notifications';

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
}

export const noEffects = (): Effects => ({ notifications: [], timers: [], cancelSchedules: [], inhibitionPuts: [], inhibitionDeletes: [], cooldowns: [], stormSummaries: [] });
