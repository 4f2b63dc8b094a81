import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CheckState, CheckStore, StoredCheck } from '../checks/check';
import { ConflictError, NotFoundError } from '../errors';
import { checkStateExpiresAt } from './checks';

export const CHECK_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_check_definitions (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS state_check_states (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL
  ) STRICT;
`;

type Row = { version: number; body: string };

/** Checks in the local database: the DynamoDB adapter's items as rows, its conditions checked in code. */
export class SqliteCheckStore implements CheckStore {
  private readonly stmts: Record<string, StatementSync>;

  constructor(
    db: DatabaseSync,
    private readonly write: <T>(fn: () => T) => Promise<T>,
  ) {
    db.exec(CHECK_SCHEMA);
    this.stmts = {
      defs: db.prepare('SELECT version, definition AS body FROM state_check_definitions ORDER BY name'),
      def: db.prepare('SELECT version, definition AS body FROM state_check_definitions WHERE name = ?'),
      // A second version 1 conflicts, as DynamoDB's attribute_not_exists.
      insertDef: db.prepare('INSERT INTO state_check_definitions (name, version, definition) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      updateDef: db.prepare('UPDATE state_check_definitions SET version = ?, definition = ? WHERE name = ? AND version = ?'),
      deleteDef: db.prepare('DELETE FROM state_check_definitions WHERE name = ? AND version = ?'),
      states: db.prepare('SELECT version, state AS body FROM state_check_states WHERE expires_at > ? ORDER BY name'),
      state: db.prepare('SELECT version, state AS body FROM state_check_states WHERE name = ? AND expires_at > ?'),
      insertState: db.prepare(
        'INSERT INTO state_check_states (name, version, expires_at, state) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at, state = excluded.state WHERE state_check_states.expires_at <= ?',
      ),
      updateState: db.prepare('UPDATE state_check_states SET version = ?, expires_at = ?, state = ? WHERE name = ? AND version = ? AND expires_at > ?'),
      deleteState: db.prepare('DELETE FROM state_check_states WHERE name = ? AND version = ?'),
    };
  }

  async list(): Promise<{ definitions: StoredCheck[]; states: CheckState[] }> {
    const now = nowSeconds();
    return {
      definitions: (this.stmts.defs!.all() as Row[]).map(decode<StoredCheck>),
      states: (this.stmts.states!.all(now) as Row[]).map(decode<CheckState>),
    };
  }

  async getDefinition(name: string): Promise<StoredCheck | undefined> {
    const row = this.stmts.def!.get(name) as Row | undefined;
    return row && decode<StoredCheck>(row);
  }

  async putDefinition(next: StoredCheck): Promise<void> {
    const { version, ...def } = next;
    const name = next.config.name;
    await this.write(() => {
      const changed = version === 1 ? this.stmts.insertDef!.run(name, version, JSON.stringify(def)).changes : this.stmts.updateDef!.run(version, JSON.stringify(def), name, version - 1).changes;
      if (Number(changed) === 0) throw new ConflictError(`check ${name} changed concurrently`);
    });
  }

  async deleteDefinition(name: string, version: number): Promise<void> {
    await this.write(() => {
      if (Number(this.stmts.deleteDef!.run(name, version).changes) > 0) return;
      if (!this.stmts.def!.get(name)) throw new NotFoundError(`no check named ${JSON.stringify(name)}`);
      throw new ConflictError(`check ${name} changed concurrently`);
    });
  }

  async getState(name: string): Promise<CheckState | undefined> {
    const row = this.stmts.state!.get(name, nowSeconds()) as Row | undefined;
    return row && decode<CheckState>(row);
  }

  async putState(next: CheckState): Promise<void> {
    const { version, ...state } = next;
    const now = nowSeconds();
    await this.write(() => {
      // An expired row counts as absent (DynamoDB readers skip it), so version 1 may replace it.
      const changed =
        version === 1
          ? this.stmts.insertState!.run(next.name, version, checkStateExpiresAt(next), JSON.stringify(state), now).changes
          : this.stmts.updateState!.run(version, checkStateExpiresAt(next), JSON.stringify(state), next.name, version - 1, now).changes;
      if (Number(changed) === 0) throw new ConflictError(`check state ${next.name} changed concurrently`);
    });
  }

  async deleteState(name: string, version: number): Promise<void> {
    await this.write(() => {
      if (Number(this.stmts.deleteState!.run(name, version).changes) === 0) throw new ConflictError(`check state ${name} changed concurrently`);
    });
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function decode<T>(row: Row): T {
  return { ...(JSON.parse(row.body) as object), version: row.version } as T;
}
