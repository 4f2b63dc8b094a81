import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from './batch-get';
import { isConditionFailure } from './conditions';
import { deliveryKey, epochSeconds, isLive } from './keys';
import { DELIVERY_RETENTION_S, type ClaimResult, type DeliveryAttempt, type DeliveryRecord, type DeliveryStatus, type RecordedDelivery } from './model';
import type { DeliveryStore as DeliveryStorePort } from './port';

export type { ClaimResult, DeliveryAttempt, DeliveryRecord, DeliveryStatus, RecordedDelivery } from './model';


/**
 * One item per notification: the claim, the verdict and the attempt log in one place, so a claim
 * costs one conditional write and each attempt one write. Persistence only: which statuses are
 * final and how long a claim lasts are decided in `shared/delivery/claims.ts`.
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
    return isLive(res.Item as { expiresAt?: number } | undefined, new Date()) ? (res.Item as DeliveryRecord) : undefined;
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
  async claim(rec: Pick<DeliveryRecord, 'notificationId' | 'channel' | 'receiver' | 'target'>, opts: { now: Date; untilMs: number; final: readonly DeliveryStatus[] }): Promise<ClaimResult> {
    const token = randomUUID();
    const finals = Object.fromEntries(opts.final.map((s, i) => [`:final${i}`, s]));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(rec.notificationId),
          UpdateExpression:
            'SET #status = :inProgress, claimExpiresAt = :until, claimToken = :token, updatedAt = :at, notificationId = :id, channel = :channel, receiver = :receiver, ' +
            'target = if_not_exists(target, :target), attempts = if_not_exists(attempts, :empty), expiresAt = :exp',
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
  async recordAttempt(
    rec: Omit<DeliveryRecord, 'attempts' | 'status' | 'updatedAt' | 'claimExpiresAt'> & { status: DeliveryStatus },
    attempt: DeliveryAttempt,
    now: Date,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: deliveryKey(rec.notificationId),
          UpdateExpression:
            'SET #status = :status, updatedAt = :at, notificationId = :id, channel = :channel, receiver = :receiver, target = :target, ' +
            'attempts = list_append(if_not_exists(attempts, :empty), :attempt), expiresAt = :exp REMOVE claimExpiresAt, claimToken',
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
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
