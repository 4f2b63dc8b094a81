import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConflictError } from '../errors';
import type { Incident, IncidentEvent } from '../escalation/incident';
import { epochSeconds, incidentKey, incidentListKeys, type IncidentSegment, type ListKey } from './keys';
import { incidentExpiresAt, sortTimeline } from './incidents';
import { INCIDENT_RETENTION_S, type IncidentStore } from './port';

export const INCIDENT_SCHEMA = `
  CREATE TABLE IF NOT EXISTS state_incidents (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    segment TEXT NOT NULL,
    list_key TEXT NOT NULL,
    incident TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS state_incidents_listing ON state_incidents (segment, list_key);
  CREATE TABLE IF NOT EXISTS state_incident_events (
    incident_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (incident_id, event_id)
  ) STRICT, WITHOUT ROWID;
`;

type Row = Record<string, unknown>;

/** Incidents in the local database: the DynamoDB adapter's items as rows, its conditions checked in code. */
export class SqliteIncidentStore implements IncidentStore {
  private readonly insert: StatementSync;
  private readonly getStmt: StatementSync;
  private readonly update: StatementSync;
  private readonly insertEvent: StatementSync;
  private readonly events: StatementSync;
  private readonly pageStmt: StatementSync;

  constructor(
    db: DatabaseSync,
    private readonly write: <T>(fn: () => T) => Promise<T>,
    /** The config's retention: how long a resolved incident is kept. */
    private readonly retentionS?: number,
  ) {
    db.exec(INCIDENT_SCHEMA);
    this.insert = db.prepare('INSERT INTO state_incidents (id, version, expires_at, segment, list_key, incident) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.getStmt = db.prepare('SELECT expires_at, incident FROM state_incidents WHERE id = ?');
    this.update = db.prepare('UPDATE state_incidents SET version = ?, expires_at = ?, segment = ?, list_key = ?, incident = ? WHERE id = ? AND version = ?');
    this.insertEvent = db.prepare('INSERT INTO state_incident_events (incident_id, event_id, expires_at, event) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.events = db.prepare('SELECT expires_at, event FROM state_incident_events WHERE incident_id = ?');
    this.pageStmt = db.prepare('SELECT list_key, expires_at, incident FROM state_incidents WHERE segment = ? AND list_key < ? ORDER BY list_key DESC LIMIT ?');
  }

  async create(incident: Incident, now: Date): Promise<Incident> {
    const stored = await this.write(() => {
      const res = this.insert.run(incident.id, incident.version, incidentExpiresAt(incident, this.retentionS), segmentOf(incident), incidentListKeys(incident).lsk, JSON.stringify(incident));
      return Number(res.changes) === 0 ? decode(this.getStmt.get(incident.id) as Row | undefined, now) : incident;
    });
    if (!stored) throw new ConflictError(`incident ${incident.id} exists but has expired`);
    return stored;
  }

  async get(id: string, now: Date): Promise<Incident | undefined> {
    return decode(this.getStmt.get(id) as Row | undefined, now);
  }

  async put(next: Incident): Promise<void> {
    await this.write(() => {
      const res = this.update.run(next.version, incidentExpiresAt(next, this.retentionS), segmentOf(next), incidentListKeys(next).lsk, JSON.stringify(next), next.id, next.version - 1);
      if (Number(res.changes) === 0) throw new ConflictError(`incident ${next.id} changed concurrently`);
    });
  }

  async record(incidentId: string, event: IncidentEvent, now: Date): Promise<void> {
    await this.write(() => this.insertEvent.run(incidentId, event.id, epochSeconds(now) + INCIDENT_RETENTION_S.open, JSON.stringify(event)));
  }

  async timeline(incidentId: string, now: Date): Promise<IncidentEvent[]> {
    const s = epochSeconds(now);
    return sortTimeline((this.events.all(incidentId) as Row[]).filter((r) => (r.expires_at as number) > s).map((r) => JSON.parse(r.event as string) as IncidentEvent));
  }

  async page(segment: IncidentSegment, after: ListKey | undefined, limit: number, now: Date) {
    // Newest first: below the cursor's key, or below every key ("\uffff" sorts after any ISO time).
    const rows = this.pageStmt.all(segment, after?.lsk ?? '\uffff', limit + 1) as Row[];
    const read = rows.slice(0, limit);
    const incidents = read.flatMap((r) => decode(r, now) ?? []);
    const lastRow = read.at(-1);
    const last = rows.length > limit && lastRow ? cursorOf(segment, lastRow.list_key as string) : undefined;
    return { incidents, read: read.length, last };
  }
}

const segmentOf = (i: Incident): IncidentSegment => (i.state === 'resolved' ? 'resolved' : 'open');

const cursorOf = (segment: IncidentSegment, lsk: string): ListKey => ({ ...incidentKey(lsk.slice(lsk.indexOf('#') + 1)), lpk: `INCIDENTS#${segment}`, lsk });

function decode(row: Row | undefined, now: Date): Incident | undefined {
  if (!row || (row.expires_at as number) <= epochSeconds(now)) return undefined;
  return JSON.parse(row.incident as string) as Incident;
}
