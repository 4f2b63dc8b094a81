import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './conditions';
import { ConflictError } from '../errors';
import { epochSeconds, groupKey, groupListKeys, GROUPS_LIST_PK, isLive, type ListKey } from './keys';
import { batchGetItems } from './batch-get';
import { queryIndex } from './list-index';
import { GroupAlert, type GroupState } from '../grouping/model';
import { allPages, holdingByWalk, listPages, type GroupStore as GroupStorePort } from './port';


/**
 * Group state over DynamoDB. A group is stored as one compressed JSON attribute beside its version
 * and TTL: the whole group changes in one write, and compression keeps a 50-alert group (with its
 * notification log and recently resolved alerts) to a few write units (DynamoDB bills writes per
 * KB) and far under the 400 KB item limit. Brotli (`stateBr`) since issue 11: about 20% smaller than
 * gzip on group JSON at a similar CPU cost; items written as gzip (`stateZ`) still read.
 */
export class DynamoGroupStore implements GroupStorePort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getMany(ids: readonly string[], now: Date): Promise<Map<string, GroupState>> {
    const out = new Map<string, GroupState>();
    for await (const item of batchGetItems(this.db, this.table, ids.map((id) => groupKey(id)), { ConsistentRead: true }, { strict: true })) {
      if (isLive(item as { expiresAt?: number }, now)) {
        const state = decodeGroup(await this.withParts(item));
        out.set(state.groupId, state);
      }
    }
    return out;
  }

  /** Write `next` if the stored version is still `next.version - 1` (or absent for version 1). */
  async put(next: GroupState): Promise<void> {
    const { item, parts } = encodeGroup(next);
    // A state too large for one item goes in parts first, under a key of their own write (two
    // writers of one version cannot mix parts): the group item that names them is written
    // (conditionally) only once they are all there.
    await Promise.all(parts.map((part) => this.db.send(new PutCommand({ TableName: this.table, Item: part }))));
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          // A new group may replace an item whose TTL passed but that DynamoDB has not deleted yet.
          ConditionExpression: next.version === 1 ? 'attribute_not_exists(pk) OR expiresAt <= :now' : 'version = :prev',
          ExpressionAttributeValues: next.version === 1 ? { ':now': epochSeconds(new Date(next.updatedAt)) } : { ':prev': next.version - 1 },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) {
        throw new ConflictError(`group ${next.groupId} changed concurrently`, { cause: err });
      }
      throw err;
    }
    if (parts.length > 0) await this.dropStaleParts(next.groupId, next.version, item.stateParts as StateParts);
  }

  /**
   * Delete the parts no group item names any more: older versions' and those of a write of this
   * version that lost the race. Never a newer version's (a writer may be putting them now). Best
   * effort: what is left expires with its TTL. A reader still on an older version finds a part
   * missing and fails with a conflict, which the router retries.
   */
  private async dropStaleParts(groupId: string, version: number, current: StateParts): Promise<void> {
    try {
      let start: Record<string, unknown> | undefined;
      do {
        const res = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': groupKey(groupId).pk, ':prefix': PART_PREFIX },
            ProjectionExpression: 'pk, sk',
            ExclusiveStartKey: start,
          }),
        );
        const stale = (res.Items ?? []).filter((p) => {
          const [v, write] = String(p.sk).slice(PART_PREFIX.length).split('#');
          return Number(v) < version || (Number(v) === version && write !== current.write.split('#')[1]);
        });
        await Promise.all(stale.map((p) => this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: p.pk, sk: p.sk } }))));
        start = res.LastEvaluatedKey;
      } while (start);
    } catch {
      // Left for the TTL.
    }
  }

  /**
   * One page of groups in listing order (receiver, then group key): up to `limit` entries of the
   * listing index after `after`, then one batch read of those groups. `read` counts the entries,
   * live or not, so a caller can bound its work; `last` is where the next page starts.
   */
  async page(after: ListKey | undefined, limit: number, now: Date): Promise<{ groups: GroupState[]; read: number; last?: ListKey | undefined }> {
    const { items, last } = await queryIndex(this.db, this.table, { lpk: GROUPS_LIST_PK }, after, limit);
    const ids = items.map((item) => (item.pk as string).slice('GROUP#'.length));
    const found = await this.getMany(ids, now);
    return { groups: ids.flatMap((id) => found.get(id) ?? []), read: items.length, last };
  }

  /**
   * Every live group, page by page from the listing index (a key range, not a Scan). Reads all
   * groups: for the rare request that must look at each (expiring a silence early).
   */
  all(now: Date, pageSize = 100): AsyncGenerator<GroupState[]> {
    return allPages(this, now, pageSize);
  }

  /**
   * The groups holding the alert: every group is read (this table has no index from alerts to
   * groups; one would cost a write per alert joining a group, on the router's hot path).
   */
  holding(fingerprint: string, now: Date): Promise<GroupState[]> {
    return holdingByWalk(this, fingerprint, now);
  }

  /** Every live group, in listing order (see `all`). */
  list(now: Date): Promise<GroupState[]> {
    return listPages(this, now, 100);
  }

  /** The group item with `stateZ` put together from its parts, when it was stored in parts. */
  private async withParts(item: Record<string, unknown>): Promise<Record<string, unknown>> {
    const stored = item.stateParts as StateParts | undefined;
    if (!stored) return item;
    const groupId = String(item.pk).slice('GROUP#'.length);
    const keys = Array.from({ length: stored.count }, (_, i) => groupPartKey(groupId, stored.write, i));
    const found = new Map<string, Uint8Array>();
    for await (const part of batchGetItems(this.db, this.table, keys, { ConsistentRead: true }, { strict: true })) found.set(part.sk as string, part.part as Uint8Array);
    const chunks = keys.map((k) => found.get(k.sk));
    if (chunks.some((c) => c === undefined)) throw new ConflictError(`group ${groupId} version ${String(item.version)} is missing a part`);
    return { ...item, [stored.codec === 'br' ? 'stateBr' : 'stateZ']: Buffer.concat(chunks as Uint8Array[]) };
  }
}

/**
 * Largest gzip'd state kept in the group item itself, and the size of each part beyond it: under
 * DynamoDB's 400 KB item limit with room for the keys. A group of thousands of alerts (a storm
 * grouped by alertname) outgrows one item; refusing its write would lose every alert that joins it.
 */
export const MAX_INLINE_STATE_BYTES = 350_000;

/** Where a group item's state is, when it is in parts: the write that put them (`<version>#<id>`), how many, and their codec (gzip when unset). */
interface StateParts {
  write: string;
  count: number;
  codec?: 'br';
}

/**
 * Brotli quality 5: on storm-sized groups (50 alerts, ~30 KB of JSON) about 2.1 KB in 0.25 ms, where
 * gzip -6 gives 2.6 KB in 0.2 ms; quality 11 would save 13% more at 200 times the CPU.
 */
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } };
const PART_PREFIX = 'STATE#p#';
const groupPartKey = (groupId: string, write: string, index: number) => ({ pk: groupKey(groupId).pk, sk: `${PART_PREFIX}${write}#${index}` });

/** A group's key in the listing index (what a cursor holds to resume at this group). */
export const groupIndexKey = (g: Pick<GroupState, 'groupId' | 'receiver' | 'groupKey'>): ListKey => ({ ...groupKey(g.groupId), ...groupListKeys(g) });

/** Attributes kept plain (keys and what conditions read); everything else is one compressed JSON blob. */
function encodeGroup(g: GroupState): { item: Record<string, unknown>; parts: Record<string, unknown>[] } {
  const { version, expiresAt, ...rest } = g;
  const state = { ...rest, alerts: withoutFingerprints(rest.alerts), recentlyResolved: rest.recentlyResolved && withoutFingerprints(rest.recentlyResolved) };
  const stateBr = brotliCompressSync(JSON.stringify(state), BROTLI_OPTIONS);
  // The listing keys never change for a group, so rewriting it writes nothing to the index.
  const keys = { ...groupKey(g.groupId), ...groupListKeys(g) };
  if (stateBr.length <= MAX_INLINE_STATE_BYTES) return { item: { ...keys, version, expiresAt, stateBr }, parts: [] };
  const write = `${version}#${randomUUID()}`;
  const parts: Record<string, unknown>[] = [];
  for (let at = 0, i = 0; at < stateBr.length; at += MAX_INLINE_STATE_BYTES, i++) {
    parts.push({ ...groupPartKey(g.groupId, write, i), expiresAt, part: stateBr.subarray(at, at + MAX_INLINE_STATE_BYTES) });
  }
  const stateParts: StateParts = { write, count: parts.length, codec: 'br' };
  return { item: { ...keys, version, expiresAt, stateParts }, parts };
}

/**
 * Alerts are keyed by fingerprint, so the stored state leaves each alert's own copy out (16 random
 * hex digits per alert, about 7% of a compressed storm group), and a sender's fingerprint equal to
 * it (Alertmanager's, as a rule) is stored as `=` (never a fingerprint); decoding puts both back.
 */
const SAME_FINGERPRINT = '=';

function withoutFingerprints(alerts: Record<string, GroupAlert>): Record<string, Omit<GroupAlert, 'fingerprint' | 'sourceFingerprint'> & { sourceFingerprint?: string }> {
  return Object.fromEntries(
    Object.entries(alerts).map(([fp, { fingerprint: _fp, ...a }]) => [fp, a.sourceFingerprint === fp ? { ...a, sourceFingerprint: SAME_FINGERPRINT } : a]),
  );
}

function withFingerprints(alerts: Record<string, Partial<GroupAlert>>): Record<string, GroupAlert> {
  return Object.fromEntries(
    Object.entries(alerts).map(([fp, a]) => [fp, { ...a, fingerprint: fp, ...(a.sourceFingerprint === SAME_FINGERPRINT ? { sourceFingerprint: fp } : {}) } as GroupAlert]),
  );
}

export function decodeGroup(item: Record<string, unknown>): GroupState {
  const text = item.stateBr ? brotliDecompressSync(item.stateBr as Uint8Array) : gunzipSync((item.stateZ ?? item.alertsZ) as Uint8Array);
  const json = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
  // Items written before the notification log existed held only the alerts gzip'd, the rest plain.
  const { pk: _pk, sk: _sk, lpk: _lpk, lsk: _lsk, alertsZ: _alertsZ, lastChange: _lastChange, stateParts: _stateParts, ...plain } = item;
  const state = (item.stateBr || item.stateZ ? json : { ...plain, alerts: json }) as Partial<GroupState>;
  return {
    ...(state as GroupState),
    alerts: withFingerprints(state.alerts ?? {}),
    ...(state.recentlyResolved ? { recentlyResolved: withFingerprints(state.recentlyResolved) } : {}),
    flushSeq: state.flushSeq ?? 0,
    nflog: state.nflog ?? {},
    flaps: state.flaps ?? {},
    lastWrite: state.lastWrite ?? { ids: [] },
    version: item.version as number,
    expiresAt: item.expiresAt as number,
  };
}
