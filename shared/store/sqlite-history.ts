import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { historyKey, type HistoryEntry, type HistoryPage, type HistoryStore } from '../history/history';
import { epochSeconds } from './keys';
import { historyExpiresAt } from './history';

export const HISTORY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_history (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    entry TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

/** History in the local database: one row per entry, keyed (and paged) as the DynamoDB sort key. */
export class SqliteHistoryStore implements HistoryStore {
  private readonly upsert: StatementSync;
  private readonly range: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    private readonly retentionS: number,
  ) {
    db.exec(HISTORY_SCHEMA);
    this.upsert = db.prepare('INSERT INTO state_history (key, expires_at, entry) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, entry = excluded.entry');
    this.range = db.prepare('SELECT key, expires_at, entry FROM state_history WHERE key >= ? AND key < ? ORDER BY key DESC LIMIT ?');
  }

  async record(entries: readonly HistoryEntry[]): Promise<void> {
    const now = epochSeconds(new Date());
    const live = entries.filter((e) => historyExpiresAt(e, this.retentionS) > now);
    if (live.length === 0) return;
    await this.write(() => {
      for (const e of live) this.upsert.run(historyKey(e), historyExpiresAt(e, this.retentionS), JSON.stringify(e));
    });
  }

  async page(range: { from: Date; to: Date }, after: string | undefined, limit: number, now: Date): Promise<HistoryPage> {
    const end = range.to.toISOString();
    const rows = this.range.all(range.from.toISOString(), after !== undefined && after < end ? after : end, limit) as Array<{ key: string; expires_at: number; entry: string }>;
    const at = epochSeconds(now);
    return {
      entries: rows.filter((r) => r.expires_at > at).map((r) => JSON.parse(r.entry) as HistoryEntry),
      read: rows.length,
      ...(rows.length === limit ? { last: rows.at(-1)!.key } : {}),
    };
  }
}
