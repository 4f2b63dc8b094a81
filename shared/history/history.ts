import type { GroupAlert, GroupState } from '../grouping/model';

/**
 * Alert history: each alert that resolved, kept for the config's `retention` after it left its
 * group, for `GET /v1/history` and the daily digest. A flush that drops resolved alerts from a
 * group records them (the router's effects), so a resolve is recorded once it was handled, whether
 * or not a channel was told of it.
 */
export interface HistoryEntry {
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  startsAt: string;
  /** When the alert resolved (ISO). Entries sort and page by it. */
  resolvedAt: string;
  receiver: string;
  groupId: string;
  groupKey: string;
}

/** An entry's position in the history: resolve time, then group and fingerprint (unique, sortable). */
export const historyKey = (e: Pick<HistoryEntry, 'resolvedAt' | 'groupId' | 'fingerprint'>): string => `${e.resolvedAt}#${e.groupId}#${e.fingerprint}`;

export interface HistoryPage {
  /** Newest first. */
  entries: HistoryEntry[];
  /** Entries read, live or not, so a caller can bound its work. */
  read: number;
  /** The key to continue after (older entries); unset when the range is exhausted. */
  last?: string | undefined;
}

/** Where resolved alerts are kept (the store adapters implement it). */
export interface HistoryStore {
  /** Record entries (idempotent: an entry written again is the same item), expiring `retentionS` after they resolved. */
  record(entries: readonly HistoryEntry[]): Promise<void>;
  /**
   * Entries that resolved in [from, to), newest first, starting after the key `after` (a previous
   * page's `last`). Reads at most `limit` entries; expired ones are skipped (and counted in `read`).
   */
  page(range: { from: Date; to: Date }, after: string | undefined, limit: number, now: Date): Promise<HistoryPage>;
}

/** The history entries of the resolved alerts a flush dropped from `group`. */
export function historyEntries(group: Pick<GroupState, 'groupId' | 'groupKey' | 'receiver'>, resolved: readonly GroupAlert[], now: Date): HistoryEntry[] {
  return resolved.map((a) => ({
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    resolvedAt: a.resolvedAt ?? a.endsAt ?? now.toISOString(),
    receiver: group.receiver,
    groupId: group.groupId,
    groupKey: group.groupKey,
  }));
}
