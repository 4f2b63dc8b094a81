import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch-get';
import { pageDays } from './day-partitions';
import { isConditionFailure } from './conditions';
import { deliveriesListPk, deliveryKey, epochSeconds, isLive, LIST_INDEX, LIST_PK, LIST_SK } from './keys';
import {
  DELIVERY_RETENTION_S,
  deliveryLogKey,
  newOrigin,
  type ClaimResult,
  type DeliveryAttempt,
  type DeliveryIdentity,
  type DeliveryPage,
  type DeliveryRecord,
  type DeliveryStatus,
  type RecordedDelivery,
} from './model';
import type { PayloadRef } from '../queues/messages';
import type { DeliveryStore as DeliveryStorePort } from './port';

export type { ClaimResult, DeliveryAttempt, DeliveryRecord, DeliveryStatus, RecordedDelivery } from './model';

/**
 * The record's origin and its place in the delivery log, written with its first write and never
 * changed (`if_not_exists`): the log's index entry is written once, when the record is made, and
 * later writes change no index key or projected attribute, so they write nothing to the index.
 */
function originUpdate(rec: DeliveryIdentity, now: Date): { set: string[]; values: Record<string, unknown> } {
  const set: string[] = [];
  const values: Record<string, unknown> = {};
  const origin = newOrigin(rec, now);
  for (const [field, value] of Object.entries(origin)) {
    set.push(`${field} = if_not_exists(${field}, :o_${field})`);
    values[`:o_${field}`] = value;
  }
  const logKey = deliveryLogKey({ notificationId: rec.notificationId, createdAt: origin.createdAt });
  set.push(`${LIST_PK} = if_not_exists(${LIST_PK}, :lpk)`, `${LIST_SK} = if_not_exists(${LIST_SK}, :lsk)`);
  values[':lpk'] = deliveriesListPk(logKey);
  values[':lsk'] = logKey;
  return { set, values };
}

/** A stored item as the domain's record (the table's keys and claim token left out). */
function recordOf(item: Record<string, unknown>): DeliveryRecord {
  const { pk: _pk, sk: _sk, [LIST_PK]: _lpk, [LIST_SK]: _lsk, expiresAt: _exp, claimToken: _token, ...rec } = item;
  return rec as unknown as DeliveryRecord;
}

/**
 * One item per notification: the claim, the verdict and the attempt log in one place, so a claim
 * costs one conditional write and each attempt one write. Persistence only: which statuses are
 * final and how long a claim lasts are decided in `shared/delivery/claims.ts`. The delivery log is
 * the listing index's `DELIVERIES#<day>` partitions (keys only), read back with BatchGetItem.
 */
export class DynamoDeliveryStore implements DeliveryStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** The config's retention: how long a delivery record is kept after its last write. */
    private readonly retentionS: number = DELIVERY_RETENTION_S,
  ) {}

  async get(notificationId: string): Promise<DeliveryRecord | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: deliveryKey(notificationId), ConsistentRead: true }));
    // Past its retention it is gone, whether or not TTL has deleted it yet.
    return isLive(res.Item as { expiresAt?: number } | undefined, new Date()) ? recordOf(res.Item!) : undefined;
  }

  /** Status and time of each notification that has a record, by id (only the small attributes are read). */
  async outcomes(ids: readonly string[]): Promise<Map<string, RecordedDelivery>> {
    const out = new Map<string, RecordedDelivery>();
    const unique = [...new Set(ids)];
    const keys = unique.map((id) => deliveryKey(id));
    const request = { ConsistentRead: true, ProjectionExpression: 'notificationId, #status, updatedAt, expiresAt', ExpressionAttributeNames: { '#status': 'status' } };
    const now = new Date();
    for await (const item of batchGetItems(this.db, this.table, keys, request, { strict: false })) {
      if (!isLive(item as { expiresAt?: number }, now)) continue;
      out.set(item.notificationId as string, { status: item.status as DeliveryStatus, at: Date.parse((item.updatedAt as string | undefined) ?? '') || 0 });
    }
    return out;
  }

  /**
   * One conditional write: mark the notification `in_progress` until `untilMs`, unless its status is
   * one of `final` or another live claim holds it. On refusal, returns the record that refused it.
   */
  async claim(rec: DeliveryIdentity, opts: { now: Date; untilMs: number; final: readonly DeliveryStatus[] }): Promise<ClaimResult> {
    const token = randomUUID();
    const finals = Object.fromEntries(opts.final.map((s, i) => [`:final${i}`, s]));
    const origin = originUpdate(rec, opts.now);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(rec.notificationId),
          UpdateExpression:
            'SET #status = :inProgress, claimExpiresAt = :until, claimToken = :token, updatedAt = :at, notificationId = :id, channel = :channel, receiver = :receiver, ' +
            `target = if_not_exists(target, :target), attempts = if_not_exists(attempts, :empty), expiresAt = :exp, ${origin.set.join(', ')}`,
          ConditionExpression:
            `attribute_not_exists(pk) OR (NOT (#status IN (${Object.keys(finals).join(', ') || ':none'})) ` +
            'AND (#status <> :inProgress OR claimExpiresAt <= :nowMs))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ...finals,
            ...(opts.final.length === 0 ? { ':none': '' } : {}),
            ':inProgress': 'in_progress',
            ':until': opts.untilMs,
            ':token': token,
            ':nowMs': opts.now.getTime(),
            ':at': opts.now.toISOString(),
            ':id': rec.notificationId,
            ':channel': rec.channel,
            ':receiver': rec.receiver,
            ':target': rec.target,
            ':empty': [],
            ':exp': epochSeconds(opts.now) + this.retentionS,
            ...origin.values,
          },
        }),
      );
      return { claimed: true, token };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return { claimed: false, current: await this.get(rec.notificationId) };
    }
  }

  /** Give a claim back without an attempt (the send was deferred): the next receive may take it at once. */
  async release(notificationId: string, token: string, now: Date): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(notificationId),
          UpdateExpression: 'SET claimExpiresAt = :nowMs REMOVE claimToken',
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ':nowMs': now.getTime(), ':token': token },
        }),
      );
    } catch (err) {
      // Someone else holds it now (ours lapsed): nothing of ours to give back.
      if (!isConditionFailure(err)) throw err;
    }
  }

  /**
   * Append an attempt, set the status and drop the claim. A record already `delivered` is never
   * changed (a sender whose claim lapsed must not turn a delivery back into a retry); returns false then.
   */
  async recordAttempt(rec: DeliveryIdentity & { status: DeliveryStatus; resend?: PayloadRef | undefined }, attempt: DeliveryAttempt, now: Date): Promise<boolean> {
    const origin = originUpdate(rec, now);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(rec.notificationId),
          UpdateExpression:
            'SET #status = :status, updatedAt = :at, notificationId = :id, channel = :channel, receiver = :receiver, target = :target, ' +
            `attempts = list_append(if_not_exists(attempts, :empty), :attempt), expiresAt = :exp, ${origin.set.join(', ')}` +
            (rec.resend ? ', resend = :resend' : '') +
            ' REMOVE claimExpiresAt, claimToken',
          ConditionExpression: 'attribute_not_exists(pk) OR #status <> :delivered',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': rec.status,
            ':delivered': 'delivered',
            ':at': attempt.at,
            ':id': rec.notificationId,
            ':channel': rec.channel,
            ':receiver': rec.receiver,
            ':target': rec.target,
            ':empty': [],
            ':attempt': [attempt],
            ':exp': epochSeconds(now) + this.retentionS,
            ...origin.values,
            ...(rec.resend ? { ':resend': rec.resend } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async transition(notificationId: string, from: readonly DeliveryStatus[], to: DeliveryStatus, now: Date): Promise<DeliveryRecord | undefined> {
    if (from.length === 0) return undefined;
    const froms = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(notificationId),
          UpdateExpression: 'SET #status = :to, updatedAt = :at, expiresAt = :exp',
          // A live record in one of `from`, with no claim held (a sender mid-send keeps it).
          ConditionExpression: `attribute_exists(pk) AND expiresAt > :nowS AND #status IN (${Object.keys(froms).join(', ')}) AND attribute_not_exists(claimToken)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...froms, ':to': to, ':at': now.toISOString(), ':exp': epochSeconds(now) + this.retentionS, ':nowS': epochSeconds(now) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes ? recordOf(res.Attributes) : undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async page(range: { from: Date; to: Date }, after: string | undefined, limit: number, now: Date): Promise<DeliveryPage> {
    const { values, read, last } = await pageDays<DeliveryRecord>(range, after, limit, async (day, { lo, hi }, n, startKey) => {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: LIST_INDEX,
          KeyConditionExpression: '#lpk = :lpk AND #lsk BETWEEN :lo AND :hi',
          ExpressionAttributeNames: { '#lpk': LIST_PK, '#lsk': LIST_SK },
          ExpressionAttributeValues: { ':lpk': deliveriesListPk(day), ':lo': lo, ':hi': hi },
          ScanIndexForward: false,
          Limit: n,
          ExclusiveStartKey: startKey,
        }),
      );
      const entries = res.Items ?? [];
      // The index holds keys only: the records come from the table (strongly consistent).
      const live = new Map<string, DeliveryRecord>();
      const keys = entries.map((i) => ({ pk: i.pk as string, sk: i.sk as string }));
      for await (const item of batchGetItems(this.db, this.table, keys, { ConsistentRead: true }, { strict: false })) {
        if (isLive(item as { expiresAt?: number }, now)) live.set(item.pk as string, recordOf(item));
      }
      return { items: entries.map((i) => ({ key: i[LIST_SK] as string, value: live.get(i.pk as string) })), lastEvaluatedKey: res.LastEvaluatedKey };
    });
    return { records: values, read, ...(last === undefined ? {} : { last }) };
  }
}
