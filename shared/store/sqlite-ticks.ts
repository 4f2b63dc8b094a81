import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { TickStore } from '../self-monitoring/ticks';

export const TICK_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_ticks (
    name TEXT PRIMARY KEY,
    at INTEGER NOT NULL
  ) STRICT;
`;

/** Ticks in the local database: one row per job, keeping the latest run (as the DynamoDB adapter's condition does). */
export class SqliteTickStore implements TickStore {
  private readonly upsert: StatementSync;
  private readonly getStmt: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: <T>(fn: () => T) => Promise<T>,
  ) {
    db.exec(TICK_SCHEMA);
    this.upsert = db.prepare('INSERT INTO state_ticks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = max(at, excluded.at)');
    this.getStmt = db.prepare('SELECT at FROM state_ticks WHERE name = ?');
  }

  async record(name: string, at: Date): Promise<void> {
    await this.write(() => this.upsert.run(name, at.getTime()));
  }

  async last(name: string): Promise<Date | undefined> {
    const row = this.getStmt.get(name) as { at: number } | undefined;
    return row ? new Date(row.at) : undefined;
  }
}
