import { statusAt } from '../alerts/model';
import { sendingStatus, unsettledIds, type SendingStatus } from '../grouping/nflog';
import { nextFlushAt } from '../grouping/timers';
import { channelLabel } from '../grouping/flush';
import type { Clock } from '../runtime/ports';
import type { RecordedDelivery } from '../store/deliveries';
import { groupIndexKey } from '../store/groups';
import { recentlyResolved, type GroupState, type Hold } from '../grouping/model';
import { GROUPS_LIST_PK, type ListKey } from '../store/keys';
import { inRange } from '../store/list-index';
import { decodeCursor, encodeCursor, filterMatcher, ListKeySchema, parseFilter, parseLimit, READ_BUDGET, type FilterMatch, type PageQuery } from './paging';
import * as z from 'zod';

/** The group's hold while it lasts; a hold whose end has passed is stale until the next flush clears it. */
export function liveHold(g: GroupState, now: number): Hold | undefined {
  return g.hold && g.hold.until > now ? g.hold : undefined;
}

/**
 * A channel entry's last notification: `delivered` (what the channel was last told), `pending` (sent,
 * no verdict yet: retries may still be running) or `failed` (for good: the group's next flush tries
 * again). `at` is the time of the flush that sent it.
 */
export interface NotificationView {
  /** `slack[0]`: the channel type and the entry's position in the receiver's `<type>_configs`. */
  channel: string;
  status: SendingStatus;
  at: string;
  firing: number;
  resolved: number;
}

/** The delivery records the views read: those of notifications whose outcome the router has not folded in. */
export interface DeliveryReads {
  outcomes(ids: readonly string[]): Promise<ReadonlyMap<string, RecordedDelivery>>;
}

/** A group as `GET /v1/groups` shows it. */
export interface GroupView {
  id: string;
  key: string;
  labels: Record<string, string>;
  receiver: string;
  route_id: string;
  /**
   * Alerts in the group by status now. `resolved` counts those whose resolve is still to be flushed;
   * resolved alerts leave the group at that flush (GET /v1/alerts still lists them for an hour).
   */
  alerts: { firing: number; resolved: number };
  /** When the router flushes the group next (its timer chain, or a first flush still due); null when nothing is due. */
  next_flush_at: string | null;
  /** When the last delivered notification was sent (the latest that a channel was told). */
  last_notified_at: string | null;
  notifications: NotificationView[];
  /** New notifications held back (a storm throttle or a cooldown) until `until`. */
  hold: { reason: Hold['reason']; until: string } | null;
  /** The group's incident on an escalating route (GET /v1/incidents/{id} has its state), else null. */
  incident: { id: string } | null;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function groupView(g: GroupState, now: number, outcomes: ReadonlyMap<string, RecordedDelivery> = new Map()): GroupView {
  const current = Object.values(g.alerts);
  const firing = current.filter((a) => statusAt(a, now) === 'firing').length;
  const hold = liveHold(g, now);
  let nextFlush = nextFlushAt(g.timer, now);
  if (current.length > 0 && g.firstFlushAt !== undefined && (nextFlush === undefined || g.firstFlushAt < nextFlush)) nextFlush = g.firstFlushAt;
  const notifications = notificationViews(g, outcomes);
  // What each channel was last told: its delivered notification, else (pending or failed) its log.
  const told = notifications.flatMap((n, i) => {
    if (n.status === 'delivered') return [Date.parse(n.at)];
    const logged = g.nflog[notificationKeys(g)[i]!];
    return logged ? [logged.at] : [];
  });
  return {
    id: g.groupId,
    key: g.groupKey,
    labels: g.groupLabels,
    receiver: g.receiver,
    route_id: g.routeId,
    alerts: { firing, resolved: current.length - firing },
    next_flush_at: iso(nextFlush),
    last_notified_at: iso(told.length > 0 ? Math.max(...told) : undefined),
    notifications,
    hold: hold ? { reason: hold.reason, until: new Date(hold.until).toISOString() } : null,
    incident: g.incident ? { id: g.incident.id } : null,
  };
}

const notificationKeys = (g: GroupState): string[] => [...new Set([...Object.keys(g.nflog), ...Object.keys(g.sending ?? {})])].sort();

/** Per channel entry, its last notification: the one sent and not yet folded into the log, else the log's. */
function notificationViews(g: GroupState, outcomes: ReadonlyMap<string, RecordedDelivery>): NotificationView[] {
  return notificationKeys(g).map((key) => {
    const sent = g.sending?.[key];
    const entry = sent ?? g.nflog[key]!;
    const status = sent ? sendingStatus(g.groupId, key, sent, outcomes).status : 'delivered';
    return { channel: channelLabel(key), status, at: new Date(entry.at).toISOString(), firing: entry.firing.length, resolved: entry.resolved.length };
  });
}

/** The delivery records of the groups' unsettled notifications (one batch read for them all). */
export async function outcomesOf(groups: readonly GroupState[], deliveries: DeliveryReads): Promise<ReadonlyMap<string, RecordedDelivery>> {
  const ids = groups.flatMap((g) => unsettledIds(g));
  return ids.length > 0 ? deliveries.outcomes(ids) : new Map();
}

/** Groups without alerts or recent resolves have nothing to show: the router keeps emptied groups a while. */
export const hasSomethingToShow = (g: GroupState, now: number): boolean => Object.keys(g.alerts).length > 0 || recentlyResolved(g, now).length > 0;

/**
 * Groups with something to show, by receiver then group key (the listing index's order).
 */
export function groupViews(groups: readonly GroupState[], now: number, outcomes: ReadonlyMap<string, RecordedDelivery> = new Map()): GroupView[] {
  return groups
    .filter((g) => hasSomethingToShow(g, now))
    .map((g) => groupView(g, now, outcomes))
    .sort((a, b) => (a.receiver !== b.receiver ? (a.receiver < b.receiver ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Groups in listing order, a page of the listing index at a time (GroupStore implements it). */
export interface GroupPages {
  page(after: ListKey | undefined, limit: number, now: Date): Promise<{ groups: GroupState[]; read: number; last?: ListKey | undefined }>;
}

/** Whether some alert of the group (current, or resolved within the hour) matches the filter. */
function groupMatches(g: GroupState, matches: FilterMatch, now: number): boolean {
  return [...Object.values(g.alerts), ...recentlyResolved(g, now)].some((a) => matches(a.labels));
}

const GroupCursor = z.object({ k: ListKeySchema }).strict();

/**
 * GET /v1/groups[?filter=][&limit=][&cursor=]: groups by receiver then group key, from the listing
 * index. `filter` keeps groups with an alert matching every matcher (as Alertmanager's
 * /api/v2/alerts/groups does). A page reads at most READ_BUDGET index entries.
 */
export async function listGroups(
  deps: { groups: GroupPages; deliveries: DeliveryReads; clock: Clock },
  query: PageQuery = {},
): Promise<{ groups: GroupView[]; next_cursor: string | null }> {
  const limit = parseLimit(query.limit);
  const matchers = parseFilter(query.filter);
  const matches = filterMatcher(matchers);
  const cursor = decodeCursor(query.cursor, GroupCursor, (c) => inRange(c.k, { lpk: GROUPS_LIST_PK }));
  const now = deps.clock();
  const out: GroupView[] = [];
  let after = cursor?.k;
  for (let read = 0; ; ) {
    const size = Math.min(READ_BUDGET - read, matchers.length > 0 ? 100 : limit - out.length + 5);
    const page = await deps.groups.page(after, size, now);
    read += page.read;
    const shown = page.groups.filter((g) => hasSomethingToShow(g, now.getTime()) && (matchers.length === 0 || groupMatches(g, matches, now.getTime())));
    const outcomes = await outcomesOf(shown.slice(0, limit - out.length), deps.deliveries);
    for (const g of shown) {
      out.push(groupView(g, now.getTime(), outcomes));
      // Full: the next page starts after this group, whatever else this page read.
      if (out.length === limit) return { groups: out, next_cursor: encodeCursor({ k: groupIndexKey(g) }) };
    }
    after = page.last;
    if (!after) return { groups: out, next_cursor: null };
    if (read >= READ_BUDGET) return { groups: out, next_cursor: encodeCursor({ k: after }) };
  }
}
