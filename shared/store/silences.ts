import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, updatedAtCondition } from './conditions';
import { ConflictError, NotFoundError } from '../errors';
import { Silence, silenceState, type SilenceState } from '../silences/model';
import { epochSeconds, isLive, type ListKey, SILENCE_SK_PREFIX, silenceEndBound, silenceListKeys, SILENCES_PK, silenceKey } from './keys';
import { queryIndex, type IndexRange } from './list-index';
import type { ExpireResult, SilenceSegment } from './model';
import { currentByPages, type SilenceStore as SilenceStorePort } from './port';

/**
 * How long a silence stays stored (and listable as expired) after it ends: Alertmanager's default
 * `--data.retention` (120h), after which its GC drops silences too.
 */
export const SILENCE_RETENTION_S = 5 * 86_400;

/** Conditional-update attempts before an expire racing other edits gives up with a 409. */
const EXPIRE_ATTEMPTS = 3;

export type { ExpireResult, SilenceSegment } from './model';

/**
 * Silences over DynamoDB, one item each in a single partition (see keys.ts), so listing them all
 * is one Query. A silence is created, edited in place (as Alertmanager allows: same matchers) or
 * expired, so items stay small and a partition holds far more silences than anyone keeps.
 */
export class DynamoSilenceStore implements SilenceStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Store a new silence; a second create with the same id conflicts rather than overwrites. */
  async create(silence: Silence): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: encode(silence),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`silence ${silence.id} already exists`, { cause: err });
      throw err;
    }
  }

  /** The silence, or undefined when there is none or its retention has passed (TTL may lag). */
  async get(id: string, now: Date): Promise<Silence | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: silenceKey(id), ConsistentRead: true }));
    return decode(res.Item, now);
  }

  /**
   * The silences ending after `bound` (`current`: active and pending at `bound`, ending soonest
   * first), or ended at or before it (`ended`: most recently ended first), one page of the listing
   * index at a time. `read` counts index entries, live or not, so callers can bound their work.
   */
  async page(
    segment: SilenceSegment,
    bound: Date,
    after: ListKey | undefined,
    limit: number,
    now: Date,
  ): Promise<{ silences: Silence[]; read: number; last?: ListKey | undefined }> {
    const { items, last } = await queryIndex(this.db, this.table, silenceRange(segment, bound), after, limit);
    // The index does not copy `expiresAt` (see keys.ts); a silence's is its end plus retention.
    const silences = items.flatMap((item) => decode({ ...item, expiresAt: silenceExpiresAt(item as Silence) }, now) ?? []);
    return { silences, read: items.length, last };
  }

  /** Every silence that has not ended at `now` (active or pending): the ones that can mute. */
  current(now: Date): Promise<Silence[]> {
    return currentByPages(this, now);
  }

  /**
   * Every stored silence still within retention, in any state, from the base table with a strongly
   * consistent Query (one partition: a key range, not a Scan). The router's silence cache reads
   * this, so a silence applies as soon as its POST answered and an early expiry at once.
   */
  async list(now: Date): Promise<Silence[]> {
    const out: Silence[] = [];
    const unlisted: Silence[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': SILENCES_PK, ':prefix': SILENCE_SK_PREFIX },
          // Strongly consistent, so a silence is listed (and applied) as soon as its POST answers.
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        const silence = decode(item, now);
        if (silence) out.push(silence);
        if (silence && item.lsk === undefined) unlisted.push(silence);
      }
      start = res.LastEvaluatedKey;
    } while (start);
    await this.addListKeys(unlisted);
    return out;
  }

  /**
   * Give silences stored before the listing index existed their list keys, so `current` and the
   * listings see them (the router's first load in each container reads `list`, which calls this).
   * Best effort: conditional on the key still missing and the end unchanged (an expiry racing this
   * writes the key itself); a failure leaves the silence for the next load.
   */
  private async addListKeys(silences: readonly Silence[]): Promise<void> {
    await Promise.all(
      silences.map((s) =>
        this.db
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: silenceKey(s.id),
              UpdateExpression: 'SET lpk = :lpk, lsk = :lsk',
              ConditionExpression: 'attribute_not_exists(lsk) AND ends_at = :ends',
              ExpressionAttributeValues: { ...prefixed(silenceListKeys(s)), ':ends': s.ends_at },
            }),
          )
          .catch(() => undefined),
      ),
    );
  }

  /**
   * Replace the silence with `next` if its `updated_at` is still `expectedUpdatedAt` (ConflictError
   * otherwise, or when there is none). The whole item is written again, listing keys and TTL from
   * `next`, so an edited end moves it in the listing index and a field the edit dropped is gone.
   */
  async update(next: Silence, expectedUpdatedAt: string): Promise<void> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: encode(next), ...updatedAtCondition(expectedUpdatedAt) }));
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`silence ${next.id} changed (or is gone) since it was read`, { cause: err });
      throw err;
    }
  }

  /**
   * Expire a silence now, as Alertmanager's `Silences.Expire` does: an active one ends now; a pending
   * one gets start = end = now (it never applied); an expired one is left as it is (idempotent).
   * The write is conditional on `updated_at`, so an edit racing this one is re-read, not overwritten.
   * `actor` (the token's name) is recorded as `expired_by` when this call ends the silence.
   * Throws NotFoundError when there is no such silence.
   */
  async expire(id: string, now: Date, actor: string): Promise<ExpireResult> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.get(id, now);
      if (!before) throw new NotFoundError(`no silence with id ${JSON.stringify(id)}`);
      const { after, previous } = expiredNow(before, now, actor);
      if (previous === 'expired') return { before, after, previous };
      const unchanged = updatedAtCondition(before.updated_at);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: silenceKey(id),
            // The listing key follows the new end, so the silence moves to the expired range.
            UpdateExpression: 'SET starts_at = :starts, ends_at = :ends, updated_at = :updated, expired_by = :by, expiresAt = :exp, lpk = :lpk, lsk = :lsk',
            ConditionExpression: unchanged.ConditionExpression,
            ExpressionAttributeValues: {
              ':starts': after.starts_at,
              ':ends': after.ends_at,
              ':updated': after.updated_at,
              ':by': actor,
              ':exp': silenceExpiresAt(after),
              ...prefixed(silenceListKeys(after)),
              ...unchanged.ExpressionAttributeValues,
            },
          }),
        );
        return { before, after, previous };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        if (attempt >= EXPIRE_ATTEMPTS) throw new ConflictError(`silence ${id} kept changing while being expired`, { cause: err });
      }
    }
  }
}

/**
 * A silence as expiring it now leaves it (Alertmanager's `Silences.Expire`): an active one ends now;
 * a pending one gets start = end = now (it never applied); an expired one is returned unchanged.
 * `actor` is recorded as `expired_by`. Each adapter writes it conditionally on `updated_at`.
 */
export function expiredNow(before: Silence, now: Date, actor: string): { after: Silence; previous: SilenceState } {
  const previous = silenceState(before, now);
  if (previous === 'expired') return { after: before, previous };
  const at = now.toISOString();
  return { after: { ...before, starts_at: previous === 'pending' ? at : before.starts_at, ends_at: at, updated_at: at, expired_by: actor }, previous };
}

/** When a silence's stored item lapses: its end plus the retention. */
export const silenceExpiresAt = (s: Pick<Silence, 'ends_at'>): number => epochSeconds(new Date(s.ends_at)) + SILENCE_RETENTION_S;

const prefixed = (keys: { lpk: string; lsk: string }) => ({ ':lpk': keys.lpk, ':lsk': keys.lsk });

/** The index range of a segment: `current` ending soonest first, `ended` most recently ended first. */
export function silenceRange(segment: SilenceSegment, bound: Date): IndexRange {
  const cut = silenceEndBound(bound);
  return segment === 'current' ? { lpk: SILENCES_PK, cut: { side: 'above', bound: cut } } : { lpk: SILENCES_PK, cut: { side: 'below', bound: cut }, forward: false };
}


function encode(s: Silence): Record<string, unknown> {
  return { ...silenceKey(s.id), ...silenceListKeys(s), ...s, expiresAt: silenceExpiresAt(s) };
}

// Items past their TTL, or that no longer parse (written by another version), are skipped: one bad
// item must not take down listing or routing, and a silence that cannot be read silences nothing.
function decode(item: Record<string, unknown> | undefined, now: Date): Silence | undefined {
  if (!isLive(item as { expiresAt?: number } | undefined, now)) return undefined;
  const parsed = Silence.safeParse(item);
  return parsed.success ? parsed.data : undefined;
}
