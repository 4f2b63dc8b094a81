import { statusAt } from '../alerts/model';
import type { Clock } from '../runtime/ports';
import { recentlyResolved, type GroupState, type Hold } from '../store/groups';

/** The group's hold while it lasts; a hold whose end has passed is stale until the next flush clears it. */
export function liveHold(g: GroupState, now: number): Hold | undefined {
  return g.hold && g.hold.until > now ? g.hold : undefined;
}

/** One notification log entry: what a channel entry of the receiver was last told about the group. */
export interface NotificationView {
  /** `slack[0]`: the channel type and the entry's position in the receiver's `<type>_configs`. */
  channel: string;
  at: string;
  firing: number;
  resolved: number;
}

/** A group as `GET /v1/groups` shows it. */
export interface GroupView {
  id: string;
  key: string;
  labels: Record<string, string>;
  receiver: string;
  route_id: string;
  /** Alerts in the group by status now; `resolved` includes those that left it in the last hour. */
  alerts: { firing: number; resolved: number };
  /** When the group flushes next: its armed timer, or a first flush still due; null when none is set. */
  next_flush_at: string | null;
  /** When a flush last notified any channel. */
  last_notified_at: string | null;
  notifications: NotificationView[];
  /** New notifications held back (a storm throttle or a cooldown) until `until`. */
  hold: { reason: Hold['reason']; until: string } | null;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** `slack.0` (the nflog key) as `slack[0]`. */
function channelName(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? key : `${key.slice(0, dot)}[${key.slice(dot + 1)}]`;
}

export function groupView(g: GroupState, now: number): GroupView {
  const current = Object.values(g.alerts);
  const firing = current.filter((a) => statusAt(a, now) === 'firing').length;
  const hold = liveHold(g, now);
  let nextFlush: number | undefined;
  if (g.timer && g.timer.at > now) nextFlush = g.timer.at;
  else if (current.length > 0 && g.firstFlushAt !== undefined) nextFlush = g.firstFlushAt;
  return {
    id: g.groupId,
    key: g.groupKey,
    labels: g.groupLabels,
    receiver: g.receiver,
    route_id: g.routeId,
    alerts: { firing, resolved: current.length - firing + recentlyResolved(g, now).length },
    next_flush_at: iso(nextFlush),
    last_notified_at: iso(g.lastSentAt),
    notifications: Object.entries(g.nflog)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, e]) => ({ channel: channelName(key), at: new Date(e.at).toISOString(), firing: e.firing.length, resolved: e.resolved.length })),
    hold: hold ? { reason: hold.reason, until: new Date(hold.until).toISOString() } : null,
  };
}

/**
 * Groups with something to show, by receiver then group key. Groups without alerts or recent
 * resolves are left out: the router keeps emptied groups for a while, but there is nothing in them.
 */
export function groupViews(groups: readonly GroupState[], now: number): GroupView[] {
  return groups
    .filter((g) => Object.keys(g.alerts).length > 0 || recentlyResolved(g, now).length > 0)
    .map((g) => groupView(g, now))
    .sort((a, b) => (a.receiver !== b.receiver ? (a.receiver < b.receiver ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** GET /v1/groups. */
export async function listGroups(deps: { groups: { list(now: Date): Promise<GroupState[]> }; clock: Clock }): Promise<GroupView[]> {
  const now = deps.clock();
  return groupViews(await deps.groups.list(now), now.getTime());
}
