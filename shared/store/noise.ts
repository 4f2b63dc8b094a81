import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InhibitionSource, InhibitRule } from '../inhibition/rules';
import { formatMatchers, labelValuesKey } from '../labels/matchers';
import { batchGetItems } from './batch-get';
import { isConditionFailure } from './conditions';
import { isLive } from './keys';
import { inhibitionSourceExpiresAt, stormWindowExpiresAt, type StormWindow } from './model';
import type { InhibitionSourceStore as InhibitionSourceStorePort, CooldownStore as CooldownStorePort, StormStore as StormStorePort } from './port';

/**
 * The noise-control items beside the groups: inhibition sources, cooldowns and storm windows.
 *
 *   INHIBIT#<rule>#<equal values>  SRC#<fingerprint>   a firing alert that matches a rule's source side
 *   COOLDOWN#<receiver>#<scope>    COOLDOWN            until when new pages of a group / alert are held
 *   STORM#<receiver>               W#<window start>    notifications sent and held in one window
 */
const hash = (text: string, len = 24) => createHash('sha256').update(text).digest('hex').slice(0, len);

const ruleKeys = new WeakMap<InhibitRule, string>();
/** A rule's identity is its definition (not its position), so reordering rules keeps their sources. */
export function inhibitRuleKey(rule: InhibitRule): string {
  let key = ruleKeys.get(rule);
  if (!key) {
    key = hash(`${formatMatchers(rule.source)}\n${formatMatchers(rule.target)}\n${rule.equal.join(',')}`, 16);
    ruleKeys.set(rule, key);
  }
  return key;
}

/**
 * The partition of a rule's sources that share these `equal` label values (a missing label is "",
 * also one named like an Object.prototype member, e.g. `constructor`).
 */
export function inhibitPartition(rule: InhibitRule, labels: Readonly<Record<string, string>>): string {
  return `INHIBIT#${inhibitRuleKey(rule)}#${hash(labelValuesKey(labels, rule.equal))}`;
}

/**
 * The firing alerts that can inhibit others, indexed by rule and `equal` values, so a flush finds
 * the sources for its targets with one query per rule instead of reading every group.
 */
export class DynamoInhibitionSourceStore implements InhibitionSourceStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(partition: string, alert: InhibitionSource, now: Date): Promise<void> {
    const endsAt = inhibitionSourceExpiresAt(alert, now);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: partition, sk: `SRC#${alert.fingerprint}`, fingerprint: alert.fingerprint, labels: alert.labels, endsAt: alert.endsAt, expiresAt: endsAt },
      }),
    );
  }

  async delete(partition: string, fingerprint: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: partition, sk: `SRC#${fingerprint}` } }));
  }

  /** The sources in one partition that are still firing at `now`; with `limit`, the first that many. */
  async query(partition: string, now: Date, limit?: number): Promise<InhibitionSource[]> {
    const out: InhibitionSource[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ExclusiveStartKey: start,
          ...(limit === undefined ? {} : { Limit: limit }),
        }),
      );
      for (const item of res.Items ?? []) {
        if (!isLive(item as { expiresAt?: number }, now)) continue;
        out.push({ fingerprint: item.fingerprint as string, labels: item.labels as Record<string, string>, status: 'firing', endsAt: item.endsAt as string | undefined });
      }
      start = res.LastEvaluatedKey;
    } while (start && (limit === undefined || out.length < limit));
    return limit === undefined ? out : out.slice(0, limit);
  }
}

export const cooldownKey = (receiver: string, scope: { groupId: string } | { fingerprint: string }) => ({
  pk: `COOLDOWN#${hash(receiver, 16)}#${'groupId' in scope ? `g#${scope.groupId}` : `a#${scope.fingerprint}`}`,
  sk: 'COOLDOWN',
});

/** Cooldowns as TTL'd items: they outlive the group (a group that resolves and re-fires is new). */
export class DynamoCooldownStore implements CooldownStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** `until` (epoch ms) of each live cooldown among `keys`, by pk. */
  async getMany(keys: ReadonlyArray<{ pk: string; sk: string }>, now: Date): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for await (const item of batchGetItems(this.db, this.table, keys, {}, { strict: false })) {
      if (isLive(item as { expiresAt?: number }, now) && (item.until as number) > now.getTime()) out.set(item.pk as string, item.until as number);
    }
    return out;
  }

  async start(key: { pk: string; sk: string }, until: number): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key, until, expiresAt: Math.ceil(until / 1000) } }));
  }
}

export type { StormWindow } from './model';

const stormKey = (receiver: string, windowStart: number) => ({ pk: `STORM#${receiver}`, sk: `W#${windowStart}` });

/**
 * Storm protection counters: one item per receiver and window. Reservations are conditional atomic
 * increments, so concurrent routers never send more than the limit between them.
 */
export class DynamoStormStore implements StormStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Take one of the window's `max` notifications; false when they are all taken. */
  async reserve(receiver: string, windowStart: number, windowMs: number, max: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: stormKey(receiver, windowStart),
          UpdateExpression: 'ADD sent :one SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(sent) OR sent < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': max, ':exp': stormWindowExpiresAt(windowStart, windowMs) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Count a group held in the window (and its firing alerts), for the window's summary. */
  async hold(receiver: string, windowStart: number, windowMs: number, alerts: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: stormKey(receiver, windowStart),
        UpdateExpression: 'ADD heldGroups :one, heldAlerts :alerts SET expiresAt = :exp',
        ExpressionAttributeValues: { ':one': 1, ':alerts': alerts, ':exp': stormWindowExpiresAt(windowStart, windowMs) },
      }),
    );
  }

  async get(receiver: string, windowStart: number): Promise<StormWindow | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: stormKey(receiver, windowStart), ConsistentRead: true }));
    if (!res.Item) return undefined;
    return { sent: (res.Item.sent as number) ?? 0, heldGroups: (res.Item.heldGroups as number) ?? 0, heldAlerts: (res.Item.heldAlerts as number) ?? 0 };
  }
}
