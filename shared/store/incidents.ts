import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';
import type { Incident, IncidentEvent } from '../escalation/incident';
import { epochSeconds, INCIDENT_EVENT_PREFIX, incidentEventKey, incidentKey, incidentListKeys, isLive, type IncidentSegment, type ListKey } from './keys';
import { isConditionFailure } from './conditions';
import { queryIndex } from './list-index';
import { INCIDENT_RETENTION_S, type IncidentStore } from './port';

/**
 * Incidents over DynamoDB: one item each (its JSON beside its version and TTL), listed through the
 * table's `list` index by segment, and one item per timeline event under the incident's key. An
 * escalation step is two writes: the incident's conditional put and its event.
 */
export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** The config's retention: how long a resolved incident is kept. */
    private readonly retentionS: number = INCIDENT_RETENTION_S.resolved,
  ) {}

  async create(incident: Incident, now: Date): Promise<Incident> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: encode(incident, this.retentionS), ConditionExpression: 'attribute_not_exists(pk)' }));
      return incident;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const stored = await this.get(incident.id, now);
      if (!stored) throw new ConflictError(`incident ${incident.id} exists but could not be read`, { cause: err });
      return stored;
    }
  }

  async get(id: string, now: Date): Promise<Incident | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: incidentKey(id), ConsistentRead: true }));
    return decode(res.Item, now);
  }

  async put(next: Incident): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: encode(next, this.retentionS), ConditionExpression: 'version = :prev', ExpressionAttributeValues: { ':prev': next.version - 1 } }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`incident ${next.id} changed concurrently`, { cause: err });
      throw err;
    }
  }

  async record(incidentId: string, event: IncidentEvent, now: Date): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...incidentEventKey(incidentId, event.id), event: JSON.stringify(event), expiresAt: epochSeconds(now) + INCIDENT_RETENTION_S.open },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err; // recorded already
    }
  }

  async timeline(incidentId: string, now: Date): Promise<IncidentEvent[]> {
    const events: IncidentEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': incidentKey(incidentId).pk, ':prefix': INCIDENT_EVENT_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) if (isLive(item as { expiresAt?: number }, now)) events.push(JSON.parse(item.event as string) as IncidentEvent);
      start = res.LastEvaluatedKey;
    } while (start);
    return sortTimeline(events);
  }

  async page(segment: IncidentSegment, after: ListKey | undefined, limit: number, now: Date) {
    const { items, last } = await queryIndex(this.db, this.table, { lpk: `INCIDENTS#${segment}`, forward: false }, after, limit);
    // The index is eventually consistent and projects keys only: read each incident itself.
    const incidents = (await Promise.all(items.map((item) => this.get((item.pk as string).slice('INCIDENT#'.length), now)))).filter(
      (i): i is Incident => i !== undefined && (i.state === 'resolved') === (segment === 'resolved'),
    );
    return { incidents, read: items.length, last };
  }
}

/** Events in the order they happened: by time, then by the incident version each made (then by id, for a stable order). */
export function sortTimeline(events: IncidentEvent[]): IncidentEvent[] {
  return events.sort((a, b) => a.at - b.at || (a.version ?? 0) - (b.version ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** When an incident's item expires: a resolved one after the retention, an open one after a year. */
export function incidentExpiresAt(i: Incident, retentionS: number = INCIDENT_RETENTION_S.resolved): number {
  return i.state === 'resolved' ? Math.floor((i.resolved?.at ?? i.updatedAt) / 1000) + retentionS : Math.floor(i.updatedAt / 1000) + INCIDENT_RETENTION_S.open;
}

function encode(i: Incident, retentionS: number): Record<string, unknown> {
  return { ...incidentKey(i.id), ...incidentListKeys(i), version: i.version, expiresAt: incidentExpiresAt(i, retentionS), incident: JSON.stringify(i) };
}

function decode(item: Record<string, unknown> | undefined, now: Date): Incident | undefined {
  if (!item || !isLive(item as { expiresAt?: number }, now)) return undefined;
  return JSON.parse(item.incident as string) as Incident;
}
