import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError } from '../errors';
import { Silence, silenceState, type SilenceState } from '../silences/model';
import { epochSeconds, isLive, SILENCE_SK_PREFIX, SILENCES_PK, silenceKey } from './keys';

/**
 * How long a silence stays stored (and listable as expired) after it ends: Alertmanager's default
 * `--data.retention` (120h), after which its GC drops silences too.
 */
export const SILENCE_RETENTION_S = 5 * 86_400;

/** Conditional-update attempts before an expire racing other edits gives up with a 409. */
const EXPIRE_ATTEMPTS = 3;

/** What an expire did: the silence before and after (the same object when it was already expired). */
export interface ExpireResult {
  before: Silence;
  after: Silence;
  /** The state the silence was in when it was expired. */
  previous: SilenceState;
}

/**
 * Silences over DynamoDB, one item each in a single partition (see keys.ts), so listing them all
 * is one Query. A silence is only ever created or expired, never edited in place, so items stay
 * small and a partition holds far more silences than anyone keeps.
 */
export class SilenceStore {
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

  /** Every stored silence still within retention, in any state. */
  async list(now: Date): Promise<Silence[]> {
    const out: Silence[] = [];
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
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
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
      const previous = silenceState(before, now);
      if (previous === 'expired') return { before, after: before, previous };

      const at = now.toISOString();
      const after: Silence = { ...before, starts_at: previous === 'pending' ? at : before.starts_at, ends_at: at, updated_at: at, expired_by: actor };
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: silenceKey(id),
            UpdateExpression: 'SET starts_at = :starts, ends_at = :ends, updated_at = :updated, expired_by = :by, expiresAt = :exp',
            ConditionExpression: 'updated_at = :prev',
            ExpressionAttributeValues: {
              ':starts': after.starts_at,
              ':ends': after.ends_at,
              ':updated': after.updated_at,
              ':by': actor,
              ':exp': expiresAt(after),
              ':prev': before.updated_at,
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

const expiresAt = (s: Silence): number => epochSeconds(new Date(s.ends_at)) + SILENCE_RETENTION_S;

function encode(s: Silence): Record<string, unknown> {
  return { ...silenceKey(s.id), ...s, expiresAt: expiresAt(s) };
}

// Items past their TTL, or that no longer parse (written by another version), are skipped: one bad
// item must not take down listing or routing, and a silence that cannot be read silences nothing.
function decode(item: Record<string, unknown> | undefined, now: Date): Silence | undefined {
  if (!isLive(item as { expiresAt?: number } | undefined, now)) return undefined;
  const parsed = Silence.safeParse(item);
  return parsed.success ? parsed.data : undefined;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';
}
