import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConflictError } from '../errors';
import type { HeartbeatState, HeartbeatStore } from '../heartbeats/heartbeat';
import { heartbeatExpiresAt } from './heartbeats';

export const HEARTBEAT_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_heartbeats (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL
  ) STRICT;
`;

/** Heartbeats in the local database: the DynamoDB adapter's items as rows, its conditions checked in code. */
export class SqliteHeartbeatStore implements HeartbeatStore {
  private readonly getStmt: StatementSync;
  private readonly insert: StatementSync;
  private readonly update: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: <T>(fn: () => T) => Promise<T>,
  ) {
    db.exec(HEARTBEAT_SCHEMA);
    this.getStmt = db.prepare('SELECT version, state FROM state_heartbeats WHERE name = ?');
    // A second version 1 conflicts, as DynamoDB's attribute_not_exists (a row swept after its TTL is gone).
    this.insert = db.prepare('INSERT INTO state_heartbeats (name, version, expires_at, state) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING');
    this.update = db.prepare('UPDATE state_heartbeats SET version = ?, expires_at = ?, state = ? WHERE name = ? AND version = ?');
  }

  async getMany(names: readonly string[]): Promise<Map<string, HeartbeatState>> {
    const out = new Map<string, HeartbeatState>();
    for (const name of new Set(names)) {
      const row = this.getStmt.get(name) as { version: number; state: string } | undefined;
      if (row) out.set(name, { ...(JSON.parse(row.state) as HeartbeatState), version: row.version });
    }
    return out;
  }

  async put(next: HeartbeatState): Promise<void> {
    const { version, ...state } = next;
    await this.write(() => {
      const changed =
        version === 1
          ? this.insert.run(next.name, version, heartbeatExpiresAt(next), JSON.stringify(state)).changes
          : this.update.run(version, heartbeatExpiresAt(next), JSON.stringify(state), next.name, version - 1).changes;
      if (Number(changed) === 0) throw new ConflictError(`heartbeat ${next.name} changed concurrently`);
    });
  }
}
